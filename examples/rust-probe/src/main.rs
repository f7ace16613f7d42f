//! A user's own nbench worker: the probe `mine.matmul` (square f32 matrix product `C = A·B`)
//! with a naive and a cache-blocked backend, judged against a float64 oracle.

use nbench_worker::sdk::*;

/// Square `C = A·B` in f32, row-major.
struct Matmul;

/// Rows and columns of one cache block of the blocked backend.
const BLOCK: usize = 64;

impl Probe for Matmul {
    fn info(&self) -> ProbeInfo {
        ProbeInfo::new("mine.matmul", "square f32 matrix product C = A·B")
            .with_axis(int_axis("size", &[128, 256, 512], 128))
            .with_backend(BackendInfo::cpu("naive"))
            .with_backend(BackendInfo::cpu("blocked"))
            .with_reference("naive")
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let n = ctx.count("size")?;
        // Drawn from nbench's seeded generator and fed to the problem digest.
        let a = ctx.matrix_f32(n, n, -1.0, 1.0);
        let b = ctx.matrix_f32(n, n, -1.0, 1.0);
        let run: fn(usize, &[f32], &[f32], &mut [f32]) = match ctx.spec.backend.as_str() {
            "naive" => naive,
            "blocked" => blocked,
            other => return Err(ProbeError::BadParam(format!("unknown backend `{other}`"))),
        };
        let kernel = FnKernel::new((a, b, vec![0.0f32; n * n]), move |(a, b, c)| run(n, a, b, c))
            .with_output(|(_, _, c)| widen(c))
            .with_oracle(move |(a, b, _)| oracle(n, &widen(a), &widen(b)));
        let nf = n as f64;
        Ok(Instance::new(kernel, Threshold::for_sums(n, f32::EPSILON as f64)).work(Work {
            elems: nf * nf,
            flops: 2.0 * nf * nf * nf,
            bytes: 3.0 * nf * nf * 4.0,
        }))
    }
}

/// The textbook triple loop: a dot product per entry, striding down a column of `b`.
fn naive(n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    for i in 0..n {
        for j in 0..n {
            let mut acc = 0.0f32;
            for k in 0..n {
                acc += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = acc;
        }
    }
}

/// Blocks of `BLOCK` rows of `b` and columns of `c` stay in cache; the inner loop runs along
/// rows, so it vectorises.
fn blocked(n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    c.fill(0.0);
    for kk in (0..n).step_by(BLOCK) {
        for jj in (0..n).step_by(BLOCK) {
            let (k_end, j_end) = ((kk + BLOCK).min(n), (jj + BLOCK).min(n));
            for i in 0..n {
                let row = &mut c[i * n + jj..i * n + j_end];
                for k in kk..k_end {
                    let aik = a[i * n + k];
                    for (cij, bkj) in row.iter_mut().zip(&b[k * n + jj..k * n + j_end]) {
                        *cij += aik * bkj;
                    }
                }
            }
        }
    }
}

/// The float64 product of the widened inputs.
fn oracle(n: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            for j in 0..n {
                c[i * n + j] += a[i * n + k] * b[k * n + j];
            }
        }
    }
    c
}

fn main() {
    std::process::exit(nbench_worker::serve(vec![Box::new(Matmul)]))
}
