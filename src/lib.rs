//! # halite
//!
//! Halide-style image and tensor kernels as ordinary Rust. A `#[kernel]` function states the
//! *algorithm* (what each element is) and a `schedule!` block states *how* to compute it; the
//! macro turns both into a loop nest at compile time and emits plain Rust, with entry checks
//! that make out-of-bounds reads impossible.
//!
//! ```
//! use halite::prelude::*;
//!
//! /// 3x3 box blur: each output pixel is the mean of the 3x3 input pixels below and right of it.
//! #[kernel]
//! pub fn blur3x3(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
//!     blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
//!     out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
//!
//!     schedule! {
//!         blur_x.compute_root();
//!     }
//! }
//!
//! # fn main() -> Result<(), Error> {
//! let input = Array2::<u16>::from_shape_fn((66, 66), |(y, x)| (y * 7 + x * 3) as u16);
//! let mut out = Array2::<u16>::zeros((64, 64));
//! blur3x3(input.view(), out.view_mut())?;
//!
//! // The same algorithm, without the schedule, on the reference interpreter:
//! let mut expected = Array2::<u16>::zeros((64, 64));
//! blur3x3::reference(input.view(), expected.view_mut())?;
//! assert_eq!(out, expected);
//!
//! // An input that is too small is an error, not an out-of-bounds read:
//! let small = Array2::<u16>::zeros((65, 66));
//! assert!(blur3x3(small.view(), out.view_mut()).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! See `../shared/DESIGN.md` (the user contract) and the book in `book/`.

mod error;
#[doc(hidden)]
pub mod rt;
pub mod util;

pub use error::Error;
pub use halite_macros::kernel;

/// Frees the storage that kernels keep for their intermediate Funcs between calls.
///
/// A kernel's intermediates (`compute_root`, `compute_at`) live in buffers that go back to a
/// process-wide pool when the call returns, so that the next call reuses them instead of
/// asking the system for fresh, zeroed memory (which took a quarter of the time of some of
/// Halide's apps). The pool holds at most 64 buffers and 1 GiB; this empties it, for
/// programs that are done with their kernels for a while. Kernels keep working after it.
pub fn release_storage() {
    rt::release_pool();
}

/// The IR crate, used by the code `#[kernel]` generates for `reference`.
#[doc(hidden)]
pub use halite_core as core;

pub use half::{bf16, f16};
pub use ndarray;

/// `use halite::prelude::*;` brings `kernel`, `Error` and ndarray's prelude.
pub mod prelude {
    pub use crate::{kernel, Error};
    pub use half::{bf16, f16};
    pub use ndarray::prelude::*;
}

/// The README's example, compiled and run by `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The book's chapters: every code block is compiled and run by `cargo test`.
#[cfg(doctest)]
pub mod book {
    #[doc = include_str!("../book/src/first-kernel.md")]
    pub struct FirstKernel;
    #[doc = include_str!("../book/src/scheduling.md")]
    pub struct Scheduling;
    #[doc = include_str!("../book/src/reductions.md")]
    pub struct Reductions;
    #[doc = include_str!("../book/src/rfactor-specialize.md")]
    pub struct RfactorSpecialize;
    #[doc = include_str!("../book/src/inspecting.md")]
    pub struct Inspecting;
    #[doc = include_str!("../book/src/just-rust.md")]
    pub struct JustRust;
    #[doc = include_str!("../book/src/apps.md")]
    pub struct Apps;
}
