//! Integer operations with halite's semantics (see `halite_core::expr`): division and
//! remainder truncate and wrap, and a zero divisor gives 0 instead of panicking.

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
