//! `halite-codegen`: loop nest -> Rust tokens.
//!
//! [`emit_kernel`] writes the kernel function (entry checks, storage, loops) and a module
//! holding `reference` (the interpreter on the embedded algorithm) and `loop_nest`. Generated
//! code calls only `::halite::rt` (the runtime) and `::halite::core` (for `reference`).

pub mod expr;
mod kernel;
pub mod names;
mod vector;

pub use kernel::{emit_kernel, emit_kernel_per_isa, loop_nest_text, KernelArg, KernelSig};

/// The instruction sets a kernel has a path for (the runtime's `halite::rt::Isa`), as bits of
/// a set: a schedule can differ per instruction set (`if isa(avx2) { .. }` in `schedule!`).
pub mod isa {
    pub const AVX512: u8 = 1;
    pub const AVX2: u8 = 2;
    pub const SSE2: u8 = 4;
    pub const NEON: u8 = 8;
    pub const SCALAR: u8 = 16;
    /// Every instruction set.
    pub const ALL: u8 = 31;
    /// Each instruction set's bit and its name in a schedule (and in `HALITE_ISA`).
    pub const NAMES: [(u8, &str); 5] = [
        (AVX512, "avx512"),
        (AVX2, "avx2"),
        (SSE2, "sse2"),
        (NEON, "neon"),
        (SCALAR, "scalar"),
    ];

    /// The names of the instruction sets in `set`, in the order of [`NAMES`].
    pub fn names(set: u8) -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(b, _)| set & b != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// The bit of an instruction set's name; `None` for an unknown name.
    pub fn bit(name: &str) -> Option<u8> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(b, _)| *b)
    }

    /// The runtime's `Isa` variant of a name of [`NAMES`].
    pub fn variant(name: &str) -> &'static str {
        match name {
            "avx512" => "Avx512",
            "avx2" => "Avx2",
            "sse2" => "Sse2",
            "neon" => "Neon",
            _ => "Scalar",
        }
    }
}
