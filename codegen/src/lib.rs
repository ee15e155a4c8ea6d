//! `halite-codegen`: loop nest -> Rust tokens.
//!
//! [`emit_kernel`] writes the kernel function (entry checks, storage, loops) and a module
//! holding `reference` (the interpreter on the embedded algorithm) and `loop_nest`. Generated
//! code calls only `::halite::rt` (the runtime) and `::halite::core` (for `reference`).

pub mod expr;
mod kernel;
pub mod names;
mod vector;

pub use kernel::{emit_kernel, KernelArg, KernelSig};
