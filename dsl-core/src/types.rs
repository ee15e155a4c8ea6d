//! Element types of halite expressions.
//!
//! Every expression has exactly one [`Type`]. Types never convert implicitly: the front end
//! inserts a [`crate::ExprNode::Cast`] only where the user wrote `as`. `f16` and `bf16` are
//! storage types: they can be loaded, stored and cast to and from `f32`/`f64`, and nothing else.

use std::fmt;

/// A scalar element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    U8,
    U16,
    U32,
    U64,
    I8,
    I16,
    I32,
    I64,
    F16,
    BF16,
    F32,
    F64,
}

impl Type {
    /// Every type, in declaration order.
    pub const ALL: [Type; 13] = [
        Type::Bool,
        Type::U8,
        Type::U16,
        Type::U32,
        Type::U64,
        Type::I8,
        Type::I16,
        Type::I32,
        Type::I64,
        Type::F16,
        Type::BF16,
        Type::F32,
        Type::F64,
    ];

    /// The Rust spelling of the type (`half::f16` is spelled `f16`).
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F16 => "f16",
            Type::BF16 => "bf16",
            Type::F32 => "f32",
            Type::F64 => "f64",
        }
    }

    /// Parses a Rust type name (the last path segment: `f16` for `half::f16`).
    pub fn from_name(name: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn is_int(self) -> bool {
        self.is_signed_int() || self.is_unsigned_int()
    }
    pub fn is_signed_int(self) -> bool {
        matches!(self, Type::I8 | Type::I16 | Type::I32 | Type::I64)
    }
    pub fn is_unsigned_int(self) -> bool {
        matches!(self, Type::U8 | Type::U16 | Type::U32 | Type::U64)
    }
    /// `f32` and `f64`: the float types one can compute with.
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }
    /// `f16` and `bf16`: storage-only float types.
    pub fn is_storage_float(self) -> bool {
        matches!(self, Type::F16 | Type::BF16)
    }
    /// Integer or computable float.
    pub fn is_arith(self) -> bool {
        self.is_int() || self.is_float()
    }

    /// Size of one element in bits.
    pub fn bits(self) -> u32 {
        match self {
            Type::Bool => 1,
            Type::U8 | Type::I8 => 8,
            Type::U16 | Type::I16 | Type::F16 | Type::BF16 => 16,
            Type::U32 | Type::I32 | Type::F32 => 32,
            Type::U64 | Type::I64 | Type::F64 => 64,
        }
    }

    /// Size of one element in bytes as stored in memory.
    pub fn bytes(self) -> usize {
        match self {
            Type::Bool => 1,
            t => (t.bits() / 8) as usize,
        }
    }

    /// The range of values of an integer type as `i128`, `None` for other types.
    pub fn int_range(self) -> Option<(i128, i128)> {
        Some(match self {
            Type::U8 => (0, u8::MAX as i128),
            Type::U16 => (0, u16::MAX as i128),
            Type::U32 => (0, u32::MAX as i128),
            Type::U64 => (0, u64::MAX as i128),
            Type::I8 => (i8::MIN as i128, i8::MAX as i128),
            Type::I16 => (i16::MIN as i128, i16::MAX as i128),
            Type::I32 => (i32::MIN as i128, i32::MAX as i128),
            Type::I64 => (i64::MIN as i128, i64::MAX as i128),
            Type::Bool => (0, 1),
            _ => return None,
        })
    }

    /// Whether every value of integer type `from` is a value of `self` (a cast from `from` to
    /// `self` widens: it keeps the value). `false` unless both are integer types.
    pub fn holds_all_of(self, from: Type) -> bool {
        match (from.int_range(), self.int_range()) {
            (Some((a0, a1)), Some((b0, b1))) => a0 >= b0 && a1 <= b1,
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
