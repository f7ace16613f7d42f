#!/usr/bin/env python3
"""Fits the rational tanh of worker/src/probes/vmath.rs and measures it in f32.

usage: results/venv/bin/python scripts/fit-tanh.py      (needs numpy; see scripts/py-env.sh)

tanh(x) ≈ x·P(x²)/Q(x²) on (0, 9], P of degree 6 and Q of degree 3 in x², Q(0) = 1, fitted for
least maximum *relative* error by Lawson-reweighted linearised least squares. Prints the f64
fit error, the coefficients rounded to f32 (what vmath.rs holds) and the worst relative error
of that f32 evaluation (separate multiply and add, as the Rust code compiles without FMA
contraction) against f64 tanh on a dense grid.
"""
import numpy as np

C, NP, NQ = 9.0, 7, 3
x = np.sort(np.concatenate([np.linspace(1e-4, C, 40_000), np.geomspace(1e-6, 1e-1, 2_000)]))
f = np.tanh(x) / x
u = x * x / (C * C)  # scaled to [0, 1] for conditioning
w, q_prev = np.ones_like(u), np.ones_like(u)
for _ in range(60):
    lhs = np.hstack([np.vander(u, NP, increasing=True),
                     -f[:, None] * np.vander(u, NQ + 1, increasing=True)[:, 1:]])
    scale = w / (f * np.abs(q_prev))
    c, *_ = np.linalg.lstsq(lhs * scale[:, None], f * scale, rcond=None)
    p, q = c[:NP], np.concatenate([[1.0], c[NP:]])
    q_prev = np.polyval(q[::-1], u)
    err = (np.polyval(p[::-1], u) / q_prev - f) / f
    w = np.maximum(w * np.abs(err) / (w * np.abs(err)).max(), 1e-12)
print(f"f64 fit: worst relative error {np.abs(err).max():.3g}")

s = C * C
P = np.array([p[k] / s**k for k in range(NP)], dtype=np.float32)
Q = np.array([q[k] / s**k for k in range(NQ + 1)], dtype=np.float32)
print("P (x² ascending):", [float(v) for v in P])
print("Q (x² ascending):", [float(v) for v in Q])

f32 = np.float32
rng = np.random.default_rng(1)
xs = np.concatenate([np.linspace(0, 9.5, 2_000_001, dtype=f32),
                     rng.uniform(0, 1, 4_000_000).astype(f32),
                     np.geomspace(1e-30, 1, 200_000).astype(f32)])
a = np.minimum(xs, f32(C))
z = a * a
pv, qv = P[-1], Q[-1]
for k in range(NP - 2, -1, -1):
    pv = pv * z + P[k]
for k in range(NQ - 1, -1, -1):
    qv = qv * z + Q[k]
y = (a * pv / qv).astype(np.float64)
ref = np.tanh(xs.astype(np.float64))
rel = np.abs(y - ref) / np.maximum(ref, 1e-30)
print(f"f32 evaluation: worst relative error {rel.max():.3g} at x = {xs[rel.argmax()]:.6g}")
