//! Element-wise [`Body`]s: `out_i = f(a_i, …)` over one to three inputs, or in place.
//!
//! This module owns the map loops every element-wise kernel shares. They are written as plain
//! zipped loops so LLVM's loop vectoriser picks the vector width the enclosing instantiation
//! allows; `L` is unused because there is no accumulator to keep in registers. It must not hold
//! reductions (see [`super::simd_fold`]) or any op's element function.

use super::simd::Body;

/// `out_i = f(a_i)`.
pub struct Map1<'a, F> {
    /// Input.
    pub a: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32) -> f32> Body for Map1<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for (o, &x) in self.out.iter_mut().zip(self.a) {
            *o = (self.f)(x);
        }
    }
}

/// `out_i = f(a_i, b_i)`.
pub struct Map2<'a, F> {
    /// First input.
    pub a: &'a [f32],
    /// Second input.
    pub b: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32, f32) -> f32> Body for Map2<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for ((o, &x), &y) in self.out.iter_mut().zip(self.a).zip(self.b) {
            *o = (self.f)(x, y);
        }
    }
}

/// `out_i = f(a_i, b_i, c_i)`.
pub struct Map3<'a, F> {
    /// First input.
    pub a: &'a [f32],
    /// Second input.
    pub b: &'a [f32],
    /// Third input.
    pub c: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32, f32, f32) -> f32> Body for Map3<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        let it = self.out.iter_mut().zip(self.a).zip(self.b).zip(self.c);
        for (((o, &x), &y), &z) in it {
            *o = (self.f)(x, y, z);
        }
    }
}

/// `out_i = f(out_i)` in place.
pub struct MapInPlace<'a, F> {
    /// The vector.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32) -> f32> Body for MapInPlace<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for o in self.out.iter_mut() {
            *o = (self.f)(*o);
        }
    }
}
