//! The regression gate behind `nbench compare` and `nbench ab` (see issue #5).
