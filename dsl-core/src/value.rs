//! Scalar values and the operations on them: the executable form of the semantics written in
//! [`crate::expr`]. The reference interpreter and the simplifier's constant folding both use it.

use crate::expr::{BinOp, Intrinsic, UnOp};
use crate::types::Type;
use half::{bf16, f16};
use std::fmt;

/// One scalar of any [`Type`]. Equality and hashing compare bits, so `NaN == NaN` here and
/// `0.0 != -0.0`: a value is equal to another when they are the same constant.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    Bool(bool),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    F16(f16),
    BF16(bf16),
    F32(f32),
    F64(f64),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.ty() == other.ty() && self.bits() == other.bits()
    }
}
impl Eq for Value {}
impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.ty().hash(h);
        self.bits().hash(h);
    }
}

/// Applies `$body` to the payload of every integer variant, rebuilding the same variant.
macro_rules! each_int {
    ($v:expr, $x:ident => $body:expr) => {
        match $v {
            Value::U8($x) => Some(Value::U8($body)),
            Value::U16($x) => Some(Value::U16($body)),
            Value::U32($x) => Some(Value::U32($body)),
            Value::U64($x) => Some(Value::U64($body)),
            Value::I8($x) => Some(Value::I8($body)),
            Value::I16($x) => Some(Value::I16($body)),
            Value::I32($x) => Some(Value::I32($body)),
            Value::I64($x) => Some(Value::I64($body)),
            _ => None,
        }
    };
}

/// Applies `$body` to two operands of the same integer variant.
macro_rules! each_int2 {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr) => {
        match ($a, $b) {
            (Value::U8($x), Value::U8($y)) => Some(Value::U8($body)),
            (Value::U16($x), Value::U16($y)) => Some(Value::U16($body)),
            (Value::U32($x), Value::U32($y)) => Some(Value::U32($body)),
            (Value::U64($x), Value::U64($y)) => Some(Value::U64($body)),
            (Value::I8($x), Value::I8($y)) => Some(Value::I8($body)),
            (Value::I16($x), Value::I16($y)) => Some(Value::I16($body)),
            (Value::I32($x), Value::I32($y)) => Some(Value::I32($body)),
            (Value::I64($x), Value::I64($y)) => Some(Value::I64($body)),
            _ => None,
        }
    };
}

/// Compares two operands of the same type (any but the storage floats).
macro_rules! each_cmp {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr) => {
        match ($a, $b) {
            (Value::Bool($x), Value::Bool($y)) => Some($body),
            (Value::U8($x), Value::U8($y)) => Some($body),
            (Value::U16($x), Value::U16($y)) => Some($body),
            (Value::U32($x), Value::U32($y)) => Some($body),
            (Value::U64($x), Value::U64($y)) => Some($body),
            (Value::I8($x), Value::I8($y)) => Some($body),
            (Value::I16($x), Value::I16($y)) => Some($body),
            (Value::I32($x), Value::I32($y)) => Some($body),
            (Value::I64($x), Value::I64($y)) => Some($body),
            (Value::F32($x), Value::F32($y)) => Some($body),
            (Value::F64($x), Value::F64($y)) => Some($body),
            _ => None,
        }
    };
}

/// Applies `$body` to both operands of the same float variant.
macro_rules! each_float2 {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr) => {
        match ($a, $b) {
            (Value::F32($x), Value::F32($y)) => Some(Value::F32($body)),
            (Value::F64($x), Value::F64($y)) => Some(Value::F64($body)),
            _ => None,
        }
    };
}

macro_rules! each_float {
    ($a:expr, $x:ident => $body:expr) => {
        match $a {
            Value::F32($x) => Some(Value::F32($body)),
            Value::F64($x) => Some(Value::F64($body)),
            _ => None,
        }
    };
}

/// Integer division with the halite rules: truncating, wrapping, `x / 0 == 0`.
macro_rules! idiv {
    ($x:expr, $y:expr) => {
        if $y == 0 {
            0
        } else {
            $x.wrapping_div($y)
        }
    };
}
macro_rules! irem {
    ($x:expr, $y:expr) => {
        if $y == 0 {
            0
        } else {
            $x.wrapping_rem($y)
        }
    };
}

#[allow(clippy::bool_comparison)]
impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Bool(_) => Type::Bool,
            Value::U8(_) => Type::U8,
            Value::U16(_) => Type::U16,
            Value::U32(_) => Type::U32,
            Value::U64(_) => Type::U64,
            Value::I8(_) => Type::I8,
            Value::I16(_) => Type::I16,
            Value::I32(_) => Type::I32,
            Value::I64(_) => Type::I64,
            Value::F16(_) => Type::F16,
            Value::BF16(_) => Type::BF16,
            Value::F32(_) => Type::F32,
            Value::F64(_) => Type::F64,
        }
    }

    /// The raw bits, zero-extended to 64.
    pub fn bits(&self) -> u64 {
        match *self {
            Value::Bool(b) => b as u64,
            Value::U8(x) => x as u64,
            Value::U16(x) => x as u64,
            Value::U32(x) => x as u64,
            Value::U64(x) => x,
            Value::I8(x) => x as u8 as u64,
            Value::I16(x) => x as u16 as u64,
            Value::I32(x) => x as u32 as u64,
            Value::I64(x) => x as u64,
            Value::F16(x) => x.to_bits() as u64,
            Value::BF16(x) => x.to_bits() as u64,
            Value::F32(x) => x.to_bits() as u64,
            Value::F64(x) => x.to_bits(),
        }
    }

    /// The zero of a type.
    pub fn zero(ty: Type) -> Value {
        Value::I64(0).cast(ty).unwrap_or(Value::Bool(false))
    }

    /// An integer of type `ty` with the value `v` (wrapped), or a float converted from it.
    pub fn from_i64(ty: Type, v: i64) -> Value {
        Value::I64(v).cast(ty).unwrap_or(Value::Bool(v != 0))
    }

    /// A float constant of a float type.
    pub fn from_f64(ty: Type, v: f64) -> Option<Value> {
        Value::F64(v).cast(ty)
    }

    /// The value of an integer (or bool) as `i64`, if it fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Bool(b) => Some(b as i64),
            Value::U8(x) => Some(x as i64),
            Value::U16(x) => Some(x as i64),
            Value::U32(x) => Some(x as i64),
            Value::U64(x) => i64::try_from(x).ok(),
            Value::I8(x) => Some(x as i64),
            Value::I16(x) => Some(x as i64),
            Value::I32(x) => Some(x as i64),
            Value::I64(x) => Some(x),
            _ => None,
        }
    }

    /// The value as `f64` (exact for every integer up to 2^53 and every float but f64 NaN
    /// payloads); used for printing and comparisons in tests.
    pub fn as_f64(&self) -> f64 {
        match *self {
            Value::F16(x) => x.to_f64(),
            Value::BF16(x) => x.to_f64(),
            Value::F32(x) => x as f64,
            Value::F64(x) => x,
            Value::U64(x) => x as f64,
            v => v.as_i64().unwrap_or(0) as f64,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// `self as ty`, with Rust's `as` semantics. `None` for casts the language rejects (to
    /// `bool`, or between a storage float and anything but `f32`/`f64`/itself).
    pub fn cast(self, ty: Type) -> Option<Value> {
        if self.ty() == ty {
            return Some(self);
        }
        // Storage floats go through f32/f64 only.
        match self {
            Value::F16(x) => {
                return match ty {
                    Type::F32 => Some(Value::F32(x.to_f32())),
                    Type::F64 => Some(Value::F64(x.to_f64())),
                    _ => None,
                }
            }
            Value::BF16(x) => {
                return match ty {
                    Type::F32 => Some(Value::F32(x.to_f32())),
                    Type::F64 => Some(Value::F64(x.to_f64())),
                    _ => None,
                }
            }
            _ => {}
        }
        macro_rules! to {
            ($t:ty) => {
                match self {
                    Value::Bool(x) => (x as u8) as $t,
                    Value::U8(x) => x as $t,
                    Value::U16(x) => x as $t,
                    Value::U32(x) => x as $t,
                    Value::U64(x) => x as $t,
                    Value::I8(x) => x as $t,
                    Value::I16(x) => x as $t,
                    Value::I32(x) => x as $t,
                    Value::I64(x) => x as $t,
                    Value::F32(x) => x as $t,
                    Value::F64(x) => x as $t,
                    Value::F16(_) | Value::BF16(_) => unreachable!("handled above"),
                }
            };
        }
        Some(match ty {
            Type::Bool => return None,
            Type::U8 => Value::U8(to!(u8)),
            Type::U16 => Value::U16(to!(u16)),
            Type::U32 => Value::U32(to!(u32)),
            Type::U64 => Value::U64(to!(u64)),
            Type::I8 => Value::I8(to!(i8)),
            Type::I16 => Value::I16(to!(i16)),
            Type::I32 => Value::I32(to!(i32)),
            Type::I64 => Value::I64(to!(i64)),
            Type::F32 => Value::F32(to!(f32)),
            Type::F64 => Value::F64(to!(f64)),
            Type::F16 => match self {
                Value::F32(x) => Value::F16(f16::from_f32(x)),
                Value::F64(x) => Value::F16(f16::from_f64(x)),
                _ => return None,
            },
            Type::BF16 => match self {
                Value::F32(x) => Value::BF16(bf16::from_f32(x)),
                Value::F64(x) => Value::BF16(bf16::from_f64(x)),
                _ => return None,
            },
        })
    }

    /// A unary operator; `None` when the operand type does not support it.
    pub fn unary(op: UnOp, a: Value) -> Option<Value> {
        match op {
            UnOp::Neg => match a {
                Value::I8(x) => Some(Value::I8(x.wrapping_neg())),
                Value::I16(x) => Some(Value::I16(x.wrapping_neg())),
                Value::I32(x) => Some(Value::I32(x.wrapping_neg())),
                Value::I64(x) => Some(Value::I64(x.wrapping_neg())),
                Value::F32(x) => Some(Value::F32(-x)),
                Value::F64(x) => Some(Value::F64(-x)),
                _ => None,
            },
            UnOp::Not => match a {
                Value::Bool(b) => Some(Value::Bool(!b)),
                v => each_int!(v, x => !x),
            },
        }
    }

    /// A binary operator; `None` when the operand types do not support it.
    pub fn binary(op: BinOp, a: Value, b: Value) -> Option<Value> {
        use BinOp::*;
        match op {
            Add => each_int2!(a, b, x, y => x.wrapping_add(y))
                .or_else(|| each_float2!(a, b, x, y => x + y)),
            Sub => each_int2!(a, b, x, y => x.wrapping_sub(y))
                .or_else(|| each_float2!(a, b, x, y => x - y)),
            Mul => each_int2!(a, b, x, y => x.wrapping_mul(y))
                .or_else(|| each_float2!(a, b, x, y => x * y)),
            Div => {
                each_int2!(a, b, x, y => idiv!(x, y)).or_else(|| each_float2!(a, b, x, y => x / y))
            }
            Rem => {
                each_int2!(a, b, x, y => irem!(x, y)).or_else(|| each_float2!(a, b, x, y => x % y))
            }
            BitAnd => match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => Some(Value::Bool(x & y)),
                _ => each_int2!(a, b, x, y => x & y),
            },
            BitOr => match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => Some(Value::Bool(x | y)),
                _ => each_int2!(a, b, x, y => x | y),
            },
            BitXor => match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => Some(Value::Bool(x ^ y)),
                _ => each_int2!(a, b, x, y => x ^ y),
            },
            Shl => {
                let s = b.shift_amount()?;
                each_int!(a, x => x.wrapping_shl(s))
            }
            Shr => {
                let s = b.shift_amount()?;
                each_int!(a, x => x.wrapping_shr(s))
            }
            Eq => each_cmp!(a, b, x, y => x == y).map(Value::Bool),
            Ne => each_cmp!(a, b, x, y => x != y).map(Value::Bool),
            Lt => each_cmp!(a, b, x, y => x < y).map(Value::Bool),
            Le => each_cmp!(a, b, x, y => x <= y).map(Value::Bool),
            Gt => each_cmp!(a, b, x, y => x > y).map(Value::Bool),
            Ge => each_cmp!(a, b, x, y => x >= y).map(Value::Bool),
            And => Some(Value::Bool(a.as_bool()? && b.as_bool()?)),
            Or => Some(Value::Bool(a.as_bool()? || b.as_bool()?)),
            // Floats: a NaN operand is ignored (Rust's meaning); of equal operands (`-0.0`,
            // `0.0`) the first wins, as in the runtime's `ops::fmin`/`fmax`.
            #[allow(clippy::eq_op)]
            Min => each_int2!(a, b, x, y => x.min(y))
                .or_else(|| each_float2!(a, b, x, y => if x != x || y < x { y } else { x })),
            #[allow(clippy::eq_op)]
            Max => each_int2!(a, b, x, y => x.max(y))
                .or_else(|| each_float2!(a, b, x, y => if x != x || y > x { y } else { x })),
        }
    }

    /// The right operand of a shift as a `u32` amount (wrapped as Rust's `as u32` does).
    fn shift_amount(self) -> Option<u32> {
        match self {
            Value::U8(x) => Some(x as u32),
            Value::U16(x) => Some(x as u32),
            Value::U32(x) => Some(x),
            Value::U64(x) => Some(x as u32),
            Value::I8(x) => Some(x as u32),
            Value::I16(x) => Some(x as u32),
            Value::I32(x) => Some(x as u32),
            Value::I64(x) => Some(x as u32),
            _ => None,
        }
    }

    /// A math method; `None` when the operand types do not support it.
    pub fn intrinsic(op: Intrinsic, args: &[Value]) -> Option<Value> {
        use Intrinsic::*;
        let a = *args.first()?;
        let b = args.get(1).copied();
        let c = args.get(2).copied();
        match op {
            Abs => each_int!(a, x => x.wrapping_abs_()).or_else(|| each_float!(a, x => x.abs())),
            Sqrt => each_float!(a, x => x.sqrt()),
            Exp => match a {
                Value::F32(x) => Some(Value::F32(crate::math::exp_f32(x))),
                Value::F64(x) => Some(Value::F64(x.exp())),
                _ => None,
            },
            Ln => each_float!(a, x => x.ln()),
            Log2 => each_float!(a, x => x.log2()),
            Sin => each_float!(a, x => x.sin()),
            Cos => each_float!(a, x => x.cos()),
            Tan => each_float!(a, x => x.tan()),
            Floor => each_float!(a, x => x.floor()),
            Ceil => each_float!(a, x => x.ceil()),
            Round => each_float!(a, x => x.round()),
            Trunc => each_float!(a, x => x.trunc()),
            Powf => each_float2!(a, b?, x, y => x.powf(y)),
            Atan2 => each_float2!(a, b?, x, y => x.atan2(y)),
            Powi => {
                let n = match b? {
                    Value::I32(n) => n,
                    _ => return None,
                };
                each_float!(a, x => x.powi(n))
            }
            Clamp => {
                let (lo, hi) = (b?, c?);
                if a.ty().is_float() {
                    // Rust's `clamp` (without its panics): NaN stays NaN; `lo > hi` gives
                    // `hi`, as the generated code does.
                    let t = match Value::binary(BinOp::Lt, a, lo)? {
                        Value::Bool(true) => lo,
                        _ => a,
                    };
                    return Some(match Value::binary(BinOp::Gt, t, hi)? {
                        Value::Bool(true) => hi,
                        _ => t,
                    });
                }
                let lo = Value::binary(BinOp::Max, a, lo)?;
                Value::binary(BinOp::Min, lo, hi)
            }
            MulAdd => match (a, b?, c?) {
                (Value::F32(x), Value::F32(y), Value::F32(z)) => Some(Value::F32(x.mul_add(y, z))),
                (Value::F64(x), Value::F64(y), Value::F64(z)) => Some(Value::F64(x.mul_add(y, z))),
                _ => None,
            },
            DivEuclid => {
                each_int2!(a, b?, x, y => if y == 0 { 0 } else { x.wrapping_div_euclid(y) })
                    .or_else(|| each_float2!(a, b?, x, y => x.div_euclid(y)))
            }
            RemEuclid => {
                each_int2!(a, b?, x, y => if y == 0 { 0 } else { x.wrapping_rem_euclid(y) })
                    .or_else(|| each_float2!(a, b?, x, y => x.rem_euclid(y)))
            }
        }
    }
}

/// `wrapping_abs` for signed integers, the identity for unsigned ones.
trait WrappingAbs {
    fn wrapping_abs_(self) -> Self;
}
macro_rules! impl_abs {
    (signed $($t:ty),*) => { $(impl WrappingAbs for $t { fn wrapping_abs_(self) -> Self { self.wrapping_abs() } })* };
    (unsigned $($t:ty),*) => { $(impl WrappingAbs for $t { fn wrapping_abs_(self) -> Self { self } })* };
}
impl_abs!(signed i8, i16, i32, i64);
impl_abs!(unsigned u8, u16, u32, u64);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::I32(x) => write!(f, "{x}"),
            Value::I64(x) => write!(f, "{x}"),
            Value::F16(x) => write!(f, "{:?}f16", x.to_f32()),
            Value::BF16(x) => write!(f, "{:?}bf16", x.to_f32()),
            Value::F32(x) => write!(f, "{x:?}f32"),
            Value::F64(x) => write!(f, "{x:?}f64"),
            v => write!(f, "{}{}", v.as_i128(), v.ty()),
        }
    }
}

impl Value {
    fn as_i128(&self) -> i128 {
        match *self {
            Value::U64(x) => x as i128,
            v => v.as_i64().unwrap_or(0) as i128,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(op: BinOp, a: Value, b: Value) -> Value {
        Value::binary(op, a, b).unwrap()
    }

    #[test]
    fn integer_arithmetic_wraps() {
        assert_eq!(bin(BinOp::Add, Value::U8(250), Value::U8(10)), Value::U8(4));
        assert_eq!(
            bin(BinOp::Sub, Value::U16(0), Value::U16(1)),
            Value::U16(u16::MAX)
        );
        assert_eq!(
            bin(BinOp::Mul, Value::I32(i32::MAX), Value::I32(2)),
            Value::I32(-2)
        );
        assert_eq!(
            Value::unary(UnOp::Neg, Value::I32(i32::MIN)),
            Some(Value::I32(i32::MIN))
        );
    }

    #[test]
    fn division_truncates_wraps_and_is_total() {
        assert_eq!(
            bin(BinOp::Div, Value::I32(-7), Value::I32(2)),
            Value::I32(-3)
        );
        assert_eq!(
            bin(BinOp::Rem, Value::I32(-7), Value::I32(2)),
            Value::I32(-1)
        );
        assert_eq!(
            bin(BinOp::Div, Value::I32(i32::MIN), Value::I32(-1)),
            Value::I32(i32::MIN)
        );
        assert_eq!(
            bin(BinOp::Rem, Value::I32(i32::MIN), Value::I32(-1)),
            Value::I32(0)
        );
        assert_eq!(bin(BinOp::Div, Value::U8(7), Value::U8(0)), Value::U8(0));
        assert_eq!(bin(BinOp::Rem, Value::I64(7), Value::I64(0)), Value::I64(0));
        let f = bin(BinOp::Div, Value::F32(1.0), Value::F32(0.0));
        assert_eq!(f, Value::F32(f32::INFINITY));
    }

    #[test]
    fn euclidean_division() {
        let de = |a, b| Value::intrinsic(Intrinsic::DivEuclid, &[Value::I32(a), Value::I32(b)]);
        let re = |a, b| Value::intrinsic(Intrinsic::RemEuclid, &[Value::I32(a), Value::I32(b)]);
        assert_eq!(de(-7, 2), Some(Value::I32(-4)));
        assert_eq!(re(-7, 2), Some(Value::I32(1)));
        assert_eq!(de(-7, 0), Some(Value::I32(0)));
        assert_eq!(re(-7, 0), Some(Value::I32(0)));
        assert_eq!(de(i32::MIN, -1), Some(Value::I32(i32::MIN)));
    }

    #[test]
    fn shifts_wrap_their_amount() {
        assert_eq!(bin(BinOp::Shl, Value::U8(1), Value::I32(9)), Value::U8(2));
        assert_eq!(
            bin(BinOp::Shr, Value::I16(-8), Value::U8(1)),
            Value::I16(-4)
        );
        assert_eq!(
            bin(BinOp::Shr, Value::U16(0x8000), Value::I32(15)),
            Value::U16(1)
        );
    }

    #[test]
    fn casts_follow_rust_as() {
        assert_eq!(Value::F32(300.7).cast(Type::U8), Some(Value::U8(255)));
        assert_eq!(Value::F32(-3.9).cast(Type::I32), Some(Value::I32(-3)));
        assert_eq!(Value::F32(f32::NAN).cast(Type::I32), Some(Value::I32(0)));
        assert_eq!(Value::I32(-1).cast(Type::U8), Some(Value::U8(255)));
        assert_eq!(Value::I32(300).cast(Type::I8), Some(Value::I8(44)));
        assert_eq!(Value::U8(200).cast(Type::I8), Some(Value::I8(-56)));
        assert_eq!(Value::I8(-1).cast(Type::U32), Some(Value::U32(u32::MAX)));
        assert_eq!(
            Value::U32(u32::MAX).cast(Type::F32),
            Some(Value::F32(4294967296.0))
        );
        assert_eq!(Value::Bool(true).cast(Type::U16), Some(Value::U16(1)));
        assert_eq!(Value::I32(1).cast(Type::Bool), None);
        assert_eq!(
            Value::F32(1.5).cast(Type::F16),
            Some(Value::F16(f16::from_f32(1.5)))
        );
        assert_eq!(
            Value::F16(f16::from_f32(2.5)).cast(Type::F64),
            Some(Value::F64(2.5))
        );
        assert_eq!(Value::I32(3).cast(Type::F16), None);
        assert_eq!(
            Value::F64(1e300).cast(Type::F32),
            Some(Value::F32(f32::INFINITY))
        );
    }

    #[test]
    fn float_min_max_ignore_nan_like_rust() {
        assert_eq!(
            bin(BinOp::Min, Value::F32(f32::NAN), Value::F32(1.0)),
            Value::F32(1.0)
        );
        assert_eq!(
            bin(BinOp::Max, Value::F32(2.0), Value::F32(f32::NAN)),
            Value::F32(2.0)
        );
        assert_eq!(
            bin(BinOp::Lt, Value::F32(f32::NAN), Value::F32(1.0)),
            Value::Bool(false)
        );
    }

    #[test]
    fn every_math_method() {
        let f = |op, args: &[f64]| {
            let vals: Vec<Value> = args.iter().map(|&x| Value::F64(x)).collect();
            Value::intrinsic(op, &vals).unwrap().as_f64()
        };
        assert_eq!(f(Intrinsic::Abs, &[-2.5]), 2.5);
        assert_eq!(f(Intrinsic::Sqrt, &[9.0]), 3.0);
        assert_eq!(f(Intrinsic::Exp, &[0.0]), 1.0);
        assert_eq!(f(Intrinsic::Ln, &[1.0]), 0.0);
        assert_eq!(f(Intrinsic::Log2, &[8.0]), 3.0);
        assert_eq!(f(Intrinsic::Powf, &[2.0, 10.0]), 1024.0);
        assert_eq!(f(Intrinsic::Sin, &[0.0]), 0.0);
        assert_eq!(f(Intrinsic::Cos, &[0.0]), 1.0);
        assert_eq!(f(Intrinsic::Tan, &[0.0]), 0.0);
        assert_eq!(f(Intrinsic::Atan2, &[0.0, 1.0]), 0.0);
        assert_eq!(f(Intrinsic::Floor, &[-1.5]), -2.0);
        assert_eq!(f(Intrinsic::Ceil, &[-1.5]), -1.0);
        assert_eq!(f(Intrinsic::Round, &[2.5]), 3.0);
        assert_eq!(f(Intrinsic::Trunc, &[-2.7]), -2.0);
        assert_eq!(f(Intrinsic::Clamp, &[5.0, 0.0, 3.0]), 3.0);
        assert_eq!(f(Intrinsic::Clamp, &[-1.0, 0.0, 3.0]), 0.0);
        assert!(
            f(Intrinsic::Clamp, &[f64::NAN, 0.0, 3.0]).is_nan(),
            "NaN stays NaN, as in Rust"
        );
        assert_eq!(f(Intrinsic::MulAdd, &[2.0, 3.0, 4.0]), 10.0);
        assert_eq!(f(Intrinsic::DivEuclid, &[-7.0, 2.0]), -4.0);
        assert_eq!(f(Intrinsic::RemEuclid, &[-7.0, 2.0]), 1.0);
        let p = Value::intrinsic(Intrinsic::Powi, &[Value::F32(3.0), Value::I32(3)]);
        assert_eq!(p, Some(Value::F32(27.0)));
        let abs = Value::intrinsic(Intrinsic::Abs, &[Value::I32(i32::MIN)]);
        assert_eq!(abs, Some(Value::I32(i32::MIN)));
        let c = Value::intrinsic(
            Intrinsic::Clamp,
            &[Value::I32(5), Value::I32(3), Value::I32(1)],
        );
        assert_eq!(
            c,
            Some(Value::I32(1)),
            "clamp with lo > hi gives hi, never panics"
        );
    }
}
