"""The Python worker's parts (docs/architecture.md, docs/providers.md): measurement, fidelity, instances and the
per-provider implementations. The entry point is ../nbench_py_worker.py.

This package must import nothing beyond the standard library at module level: NumPy and torch
are imported by the provider modules only, so a missing framework becomes an `env_failed` row
rather than a crash before the worker has said hello.
"""
