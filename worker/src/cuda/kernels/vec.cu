// Element-wise ops and reductions on f32 vectors for nbench's `cuda` backend of the vec
// family. Reductions are two-stage and deterministic: each block writes one partial, then a
// single block folds the partials in a fixed order, so repeated calls give identical bits.

#define NB_THREADS 256
// NVRTC has no <math.h> INFINITY; this is the bit pattern of -inf.
#define NB_NEG_INF __int_as_float(0xff800000)

extern "C" __global__ void vec_add(const float* a, const float* b, float* c, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

extern "C" __global__ void vec_relu(const float* a, float* c, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = fmaxf(a[i], 0.0f);
}

extern "C" __global__ void vec_exp(const float* a, float* c, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = expf(a[i]);
}

// Tree reduction in shared memory; `op` 0 = sum, 1 = max.
__device__ float nb_block_reduce(float v, int op) {
    __shared__ float s[NB_THREADS];
    s[threadIdx.x] = v;
    __syncthreads();
    for (unsigned int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) {
            float o = s[threadIdx.x + w];
            s[threadIdx.x] = op == 0 ? s[threadIdx.x] + o : fmaxf(s[threadIdx.x], o);
        }
        __syncthreads();
    }
    return s[0];
}

// partial[block] = Σ a_i b_i over a grid-stride slice.
extern "C" __global__ void vec_dot_partial(const float* a, const float* b, float* partial, unsigned int n) {
    float acc = 0.0f;
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        acc += a[i] * b[i];
    float s = nb_block_reduce(acc, 0);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// out[0] = fold of partial[0..m) with `op` (0 = sum, 1 = max); launched as one block.
extern "C" __global__ void vec_fold(const float* partial, float* out, unsigned int m, int op) {
    float acc = op == 0 ? 0.0f : NB_NEG_INF;
    for (unsigned int i = threadIdx.x; i < m; i += blockDim.x)
        acc = op == 0 ? acc + partial[i] : fmaxf(acc, partial[i]);
    float s = nb_block_reduce(acc, op);
    if (threadIdx.x == 0) out[0] = s;
}

// partial[block] = max a_i.
extern "C" __global__ void vec_max_partial(const float* a, float* partial, unsigned int n) {
    float acc = NB_NEG_INF;
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        acc = fmaxf(acc, a[i]);
    float s = nb_block_reduce(acc, 1);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// partial[block] = Σ exp(a_i − max), with max = stats[0]; subtracting the max keeps exp finite.
extern "C" __global__ void vec_expsum_partial(const float* a, const float* stats, float* partial, unsigned int n) {
    float m = stats[0];
    float acc = 0.0f;
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        acc += expf(a[i] - m);
    float s = nb_block_reduce(acc, 0);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// c_i = exp(a_i − max) / Σ, with max = stats[0] and Σ = stats[1].
extern "C" __global__ void vec_softmax_scale(const float* a, const float* stats, float* c, unsigned int n) {
    unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = expf(a[i] - stats[0]) / stats[1];
}
