"""nbench's seeded generator and problem digest in Python, bit for bit the Rust worker's
(worker/src/generate.rs): Xoshiro256++ seeded through SplitMix64 from xxh3-64 of
"{probe}\\0{canonical params}\\0{seed}", uniform f32 from the top 24 bits of each draw, uniform
f64 from the top 53, and the digest xxh3-64 over every input's little-endian bytes in order.

Owns: the generator and the digest for SDK probes (`Gen`). It never reads the backend, the clock
or an unseeded source. NumPy and xxhash are imported on first use, not at module level.
"""

M64 = (1 << 64) - 1


def _xxh3():
    import xxhash
    return xxhash


def canonical(params):
    """`k=v,…` sorted by key, values as the Rust worker prints them (floats as Rust's `{:?}`)."""
    def text(v):
        if isinstance(v, bool):
            raise TypeError("a parameter value cannot be a boolean")
        if isinstance(v, float):
            r = repr(v)
            return r if ("." in r or "e" in r or "n" in r) else r + ".0"
        return str(v)
    return ",".join(f"{k}={text(params[k])}" for k in sorted(params))


def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


class Gen:
    """The generator for one point, and the digest of what it drew (`hex()`)."""

    def __init__(self, probe, params, seed):
        key = f"{probe}\0{canonical(params)}\0{seed}".encode()
        x = _xxh3().xxh3_64_intdigest(key)
        s = []
        for _ in range(4):
            x, z = _splitmix(x)
            s.append(z)
        self._s = s
        self._digest = _xxh3().xxh3_64()
        self.inputs = []

    def _u64s(self, n):
        """`n` successive outputs of Xoshiro256++ as a Python list of ints."""
        s0, s1, s2, s3 = self._s
        out = [0] * n
        for i in range(n):
            r = (s0 + s3) & M64
            out[i] = (((r << 23) | (r >> 41)) + s0) & M64
            t = (s1 << 17) & M64
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & M64
        self._s = [s0, s1, s2, s3]
        return out

    def _feed(self, a):
        self._digest.update(a.tobytes())
        self.inputs.append(a)
        return a

    def uniform_f32(self, n, lo, hi):
        """`n` float32 values uniform in [lo, hi), fed to the digest as one array."""
        import numpy as np
        top = np.array(self._u64s(int(n)), dtype=np.uint64) >> np.uint64(40)
        unit = top.astype(np.float32) * np.float32(1.0 / (1 << 24))
        lo32, hi32 = np.float32(lo), np.float32(hi)
        return self._feed((lo32 + (hi32 - lo32) * unit).astype("<f4"))

    def uniform_f64(self, n, lo, hi):
        """`n` float64 values uniform in [lo, hi), fed to the digest as one array."""
        import numpy as np
        top = np.array(self._u64s(int(n)), dtype=np.uint64) >> np.uint64(11)
        unit = top.astype(np.float64) * (1.0 / (1 << 53))
        return self._feed((lo + (hi - lo) * unit).astype("<f8"))

    def matrix_f32(self, rows, cols, lo, hi):
        """A rows × cols float32 matrix (row-major, as the Rust draws), fed as one array."""
        return self.uniform_f32(rows * cols, lo, hi).reshape(rows, cols)

    def matrix_f64(self, rows, cols, lo, hi):
        """A rows × cols float64 matrix (row-major), fed as one array."""
        return self.uniform_f64(rows * cols, lo, hi).reshape(rows, cols)

    def hex(self):
        """The problem digest so far: 16 lowercase hex digits."""
        return f"{self._digest.intdigest():016x}"
