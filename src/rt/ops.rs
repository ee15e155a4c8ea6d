//! Operations with halite's semantics (see `halite_core::expr`): integer division and
//! remainder truncate and wrap, and a zero divisor gives 0 instead of panicking; float `max`
//! and `min` ignore a NaN operand, as Rust's do, and of two equal operands (`-0.0` and `0.0`)
//! return the first, which Rust leaves unspecified.

/// Integer types and their total division.
pub trait IntOps: Copy {
    fn h_div(self, b: Self) -> Self;
    fn h_rem(self, b: Self) -> Self;
    fn h_div_euclid(self, b: Self) -> Self;
    fn h_rem_euclid(self, b: Self) -> Self;
}

macro_rules! int_ops {
    ($($t:ty),*) => {$(
        impl IntOps for $t {
            #[inline(always)]
            fn h_div(self, b: Self) -> Self {
                if b == 0 { 0 } else { self.wrapping_div(b) }
            }
            #[inline(always)]
            fn h_rem(self, b: Self) -> Self {
                if b == 0 { 0 } else { self.wrapping_rem(b) }
            }
            #[inline(always)]
            fn h_div_euclid(self, b: Self) -> Self {
                if b == 0 { 0 } else { self.wrapping_div_euclid(b) }
            }
            #[inline(always)]
            fn h_rem_euclid(self, b: Self) -> Self {
                if b == 0 { 0 } else { self.wrapping_rem_euclid(b) }
            }
        }
    )*};
}
int_ops!(u8, u16, u32, u64, i8, i16, i32, i64, isize);

/// `a / b`: truncating, wrapping, 0 for a zero divisor.
#[inline(always)]
pub fn div<T: IntOps>(a: T, b: T) -> T {
    a.h_div(b)
}
/// `a % b`: truncating, 0 for a zero divisor.
#[inline(always)]
pub fn rem<T: IntOps>(a: T, b: T) -> T {
    a.h_rem(b)
}
/// `a.div_euclid(b)`, wrapping, 0 for a zero divisor.
#[inline(always)]
pub fn div_euclid<T: IntOps>(a: T, b: T) -> T {
    a.h_div_euclid(b)
}
/// `a.rem_euclid(b)`, 0 for a zero divisor.
#[inline(always)]
pub fn rem_euclid<T: IntOps>(a: T, b: T) -> T {
    a.h_rem_euclid(b)
}

/// `a.max(b)` for floats: the other operand if one is NaN, else the larger, else (equal,
/// such as `-0.0` and `0.0`) `a`. The same as `halite_core::Value`'s `max`, and written as a
/// select, which LLVM vectorizes lane by lane (`f32::max`, a `maxnum` it may treat as a
/// reduction, got vectorized across the loop around a vector accumulator instead).
#[inline(always)]
pub fn fmax<T: PartialOrd + Copy>(a: T, b: T) -> T {
    #[allow(clippy::eq_op)]
    let a_nan = a != a;
    if a_nan || b > a {
        b
    } else {
        a
    }
}

/// `a.min(b)` for floats: the other operand if one is NaN, else the smaller, else `a` (see
/// [`fmax`]).
#[inline(always)]
pub fn fmin<T: PartialOrd + Copy>(a: T, b: T) -> T {
    #[allow(clippy::eq_op)]
    let a_nan = a != a;
    if a_nan || b < a {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{BinOp, Value};

    /// The kernels' `max`/`min` give the reference's bits, signed zeros and NaNs included.
    #[test]
    fn float_max_min_match_the_reference() {
        let xs = [
            0.0f32,
            -0.0,
            1.5,
            -2.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for &a in &xs {
            for &b in &xs {
                for (op, got) in [(BinOp::Max, fmax(a, b)), (BinOp::Min, fmin(a, b))] {
                    let want = Value::binary(op, Value::F32(a), Value::F32(b)).unwrap();
                    assert_eq!(Value::F32(got).bits(), want.bits(), "{op:?}({a}, {b})");
                    let want64 = Value::binary(op, Value::F64(a as f64), Value::F64(b as f64));
                    let got64 = if op == BinOp::Max {
                        fmax(a as f64, b as f64)
                    } else {
                        fmin(a as f64, b as f64)
                    };
                    assert_eq!(Value::F64(got64).bits(), want64.unwrap().bits());
                }
            }
        }
        assert_eq!(fmax(-0.0f32, 0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(fmin(0.0f32, -0.0).to_bits(), 0.0f32.to_bits());
    }
}
