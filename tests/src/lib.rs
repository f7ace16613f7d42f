//! The end-to-end test package. Its tests (under `tests/`) drive the real `nbench` and
//! `nbench-worker` binaries through the builder in `tests/common`; golden rows live under
//! `fixtures/`. There is no library code here.
