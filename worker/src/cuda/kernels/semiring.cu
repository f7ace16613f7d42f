// semiring.matmul on f32, row-major: C[i,j] = ⊕_k A[i,k] ⊗ B[k,j] for nbench's `cuda` backend.
// One thread per output element over shared-memory tiles of A and B. The algebra is chosen at
// compile time (NB_ALGEBRA), so each algebra is its own NVRTC program with no branch in the
// inner loop:
//   0 real       (+, ×)
//   1 log        (logsumexp, +), accumulated as a running max and a rescaled sum
//   2 tropical   (max, +)
//   3 euclidean  Σ (a − b)²

#ifndef NB_ALGEBRA
#define NB_ALGEBRA 0
#endif
#define NB_TILE 16
// NVRTC has no <math.h> INFINITY; this is the bit pattern of -inf.
#define NB_NEG_INF __int_as_float(0xff800000)

extern "C" __global__ void semiring_matmul(const float* A, const float* B, float* C,
                                           unsigned int m, unsigned int k, unsigned int n) {
    __shared__ float ta[NB_TILE][NB_TILE];
    __shared__ float tb[NB_TILE][NB_TILE];
    unsigned int row = blockIdx.y * NB_TILE + threadIdx.y;
    unsigned int col = blockIdx.x * NB_TILE + threadIdx.x;
#if NB_ALGEBRA == 1
    float mx = NB_NEG_INF;
    float sum = 0.0f;
#elif NB_ALGEBRA == 2
    float acc = NB_NEG_INF;
#else
    float acc = 0.0f;
#endif
    for (unsigned int t = 0; t < k; t += NB_TILE) {
        unsigned int ka = t + threadIdx.x;
        unsigned int kb = t + threadIdx.y;
        ta[threadIdx.y][threadIdx.x] = (row < m && ka < k) ? A[row * k + ka] : 0.0f;
        tb[threadIdx.y][threadIdx.x] = (kb < k && col < n) ? B[kb * n + col] : 0.0f;
        __syncthreads();
        unsigned int lim = min(NB_TILE, k - t);
        for (unsigned int q = 0; q < lim; ++q) {
            float a = ta[threadIdx.y][q];
            float b = tb[q][threadIdx.x];
#if NB_ALGEBRA == 0
            acc = fmaf(a, b, acc);
#elif NB_ALGEBRA == 1
            float v = a + b;
            if (v > mx) {
                sum = sum * expf(mx - v) + 1.0f;
                mx = v;
            } else {
                sum += expf(v - mx);
            }
#elif NB_ALGEBRA == 2
            acc = fmaxf(acc, a + b);
#else
            float d = a - b;
            acc = fmaf(d, d, acc);
#endif
        }
        __syncthreads();
    }
    if (row < m && col < n) {
#if NB_ALGEBRA == 1
        C[row * n + col] = mx + logf(sum);
#else
        C[row * n + col] = acc;
#endif
    }
}
