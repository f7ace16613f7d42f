"""The GPU check's plan, checks and report (used by scripts/gpu-report.py)."""
