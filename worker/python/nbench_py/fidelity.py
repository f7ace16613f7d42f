"""The fidelity gate, the same formula as the native worker's fidelity.rs.

Owns: rel_to_tol = max |out − ref| / (atol + rtol·|ref|) over finite elements, max_abs,
max_rel, n_mismatched (non-finite outputs and a length mismatch included) and the pass rule
(rel_to_tol ≤ 1 and everything finite). A zero tolerance scores an exact match 0 and any
difference as infinitely far. It does not decide the row's status.
"""

import math


def compare(np, out, ref, rtol, atol, oracle_kind):
    """`out` and `ref` are 1-d float64 NumPy arrays; returns the row's fidelity block."""
    n = min(out.size, ref.size)
    mismatched = abs(out.size - ref.size)
    all_finite = out.size == ref.size
    o, r = out[:n], ref[:n]
    finite = np.isfinite(o) & np.isfinite(r)
    bad = int(n - int(finite.sum()))
    if bad:
        all_finite = False
        mismatched += bad
        o, r = o[finite], r[finite]
    diff = np.abs(o - r)
    tol = atol + rtol * np.abs(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(tol > 0, diff / np.where(tol > 0, tol, 1.0),
                         np.where(diff == 0, 0.0, np.inf))
        nz = r != 0
        rel = diff[nz] / np.abs(r[nz])
    mismatched += int((diff > tol).sum())
    worst = float(ratio.max()) if ratio.size else 0.0
    rel_to_tol = worst if all_finite and math.isfinite(worst) else None
    passed = rel_to_tol is not None and rel_to_tol <= 1.0
    block = {
        "status": "pass" if passed else "fail",
        "max_abs": float(diff.max()) if diff.size else 0.0,
        "max_rel": float(rel.max()) if rel.size else 0.0,
        "n_mismatched": mismatched,
        "n_compared": int(n),
        "oracle": {"kind": oracle_kind},
        "threshold": {"rtol": rtol, "atol": atol},
    }
    if rel_to_tol is not None:
        block["rel_to_tol"] = rel_to_tol
    return block
