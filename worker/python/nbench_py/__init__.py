"""The Python worker's parts (docs/architecture.md, docs/providers.md): measurement, fidelity,
the attempt, instances, the per-provider implementations, and the SDK for users' own probes
(`sdk`, `generate`, `serve`; docs/your-own-probes.md). Entry points: ../nbench_py_worker.py
(the numpy/torch providers) and `python -m nbench_py serve MODULE` (a module of SDK probes).

This package must import nothing beyond the standard library at module level: NumPy and torch
are imported by the provider modules only, so a missing framework becomes an `env_failed` row
rather than a crash before the worker has said hello.
"""
