//! Per-point summaries behind `nbench summary`, `report` and `plot` (see issue #6).
