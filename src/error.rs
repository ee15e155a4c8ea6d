//! The errors a kernel returns instead of reading or writing out of bounds.

use std::fmt;

/// Why a kernel call did not run. Nothing has been written to any output when a kernel
/// returns an error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An input (or an output that a later stage reads, or that an update writes at computed
    /// indices) does not cover the region the kernel reads or writes for the given output
    /// shapes.
    InputTooSmall {
        kernel: &'static str,
        buffer: &'static str,
        axis: usize,
        /// First and last index the kernel reads on this axis.
        needed: (i64, i64),
        /// The extent of the view on this axis.
        extent: usize,
    },
    /// The kernel reads an intermediate Func outside the region that its schedule's
    /// `bound(v, min, extent)` computes, for the given output shapes.
    BoundTooSmall {
        kernel: &'static str,
        func: &'static str,
        axis: usize,
        /// First and last index the kernel reads on this axis.
        needed: (i64, i64),
        /// The bound's first index and extent.
        bound: (i64, i64),
    },
    /// A view whose extent on some axis does not fit an `i32` index.
    ExtentTooLarge {
        kernel: &'static str,
        buffer: &'static str,
        axis: usize,
        extent: usize,
    },
    /// The kernel uses the `len()` of a view whose number of elements does not fit an `i32`
    /// (each extent may fit while their product does not).
    LenTooLarge {
        kernel: &'static str,
        buffer: &'static str,
    },
    /// An output whose extent differs from the one its schedule fixes with `bound`.
    OutputShape {
        kernel: &'static str,
        buffer: &'static str,
        axis: usize,
        expected: i64,
        extent: usize,
    },
    /// A view whose number of dimensions differs from its parameter's rank. Kernel parameters
    /// have static ranks (`ArrayView2`, `ArrayView<T, Ix3>`; `IxDyn` is refused at compile
    /// time), so the types rule this out; the entry check reports it rather than assume it.
    WrongRank {
        kernel: &'static str,
        buffer: &'static str,
        expected: usize,
        found: usize,
    },
    /// A `usize` scalar parameter that does not fit an `i32`.
    ScalarOutOfRange {
        kernel: &'static str,
        param: &'static str,
        value: u64,
    },
    /// For these sizes, some index arithmetic of the kernel would overflow `i32`.
    IndexOverflow {
        kernel: &'static str,
        /// The condition that failed, over `i64` (as printed by the loop nest).
        condition: &'static str,
    },
    /// An intermediate buffer (or the copy of an input that `reference` makes) is too large to
    /// allocate.
    AllocationFailed {
        kernel: &'static str,
        func: &'static str,
        elements: u128,
    },
    /// `HALITE_ISA` names an instruction set this CPU or build does not have.
    UnsupportedIsa { requested: String, reason: String },
    /// The reference interpreter read outside an input: the kernel's algorithm reads points
    /// that the given input does not have.
    ReferenceOutOfBounds {
        kernel: &'static str,
        buffer: String,
        point: Vec<i64>,
        shape: Vec<usize>,
    },
    /// The reference interpreter wrote outside an output: an update definition of the
    /// algorithm writes a point that the given output does not have (the kernel itself refuses
    /// such an output at entry, with [`Error::InputTooSmall`], whatever the data).
    ReferenceWriteOutOfBounds {
        kernel: &'static str,
        buffer: String,
        point: Vec<i64>,
        shape: Vec<usize>,
    },
    /// A bug in halite (please report it).
    Internal(String),
}

impl Error {
    /// Used by generated code: an overflow guard failed.
    #[doc(hidden)]
    pub fn index_overflow(kernel: &'static str, condition: &'static str) -> Error {
        Error::IndexOverflow { kernel, condition }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InputTooSmall {
                kernel,
                buffer,
                axis,
                needed,
                extent,
            } => {
                let (lo, hi) = *needed;
                if *extent == 0 {
                    return write!(
                        f,
                        "kernel `{kernel}`: `{buffer}` is empty on axis {axis}, but for these output shapes the kernel reads or writes it (a boundary condition reads the buffer's nearest element, so even it needs one)"
                    );
                }
                write!(
                    f,
                    "kernel `{kernel}`: `{buffer}` is too small on axis {axis}: for these output shapes the kernel reads or writes indices {lo}..={hi} on that axis, but `{buffer}` has extent {extent}"
                )?;
                if lo >= 0 {
                    write!(f, " (it needs at least {})", hi + 1)?;
                } else {
                    write!(f, " (a negative index: if `{buffer}` is an input, add a boundary condition such as `repeat_edge({buffer})`; if it is written at computed indices, clamp them)")?;
                }
                Ok(())
            }
            Error::BoundTooSmall {
                kernel,
                func,
                axis,
                needed: (lo, hi),
                bound: (min, extent),
            } => write!(
                f,
                "kernel `{kernel}`: the schedule computes `{func}` over indices {min}..={} on axis {axis} (its `bound`), but for these output shapes the kernel reads or writes `{func}` at {lo}..={hi} there: widen the `bound` or remove it",
                min + extent - 1
            ),
            Error::LenTooLarge { kernel, buffer } => write!(
                f,
                "kernel `{kernel}`: `{buffer}.len()` is used, but `{buffer}` has more elements than an i32 can count; split the work into smaller views"
            ),
            Error::ExtentTooLarge {
                kernel,
                buffer,
                axis,
                extent,
            } => write!(
                f,
                "kernel `{kernel}`: `{buffer}` has extent {extent} on axis {axis}, more than the largest index type (i32) can address; split the work into smaller views"
            ),
            Error::OutputShape {
                kernel,
                buffer,
                axis,
                expected,
                extent,
            } => write!(
                f,
                "kernel `{kernel}`: its schedule bounds `{buffer}` to extent {expected} on axis {axis}, but the view has extent {extent}"
            ),
            Error::WrongRank {
                kernel,
                buffer,
                expected,
                found,
            } => write!(
                f,
                "kernel `{kernel}`: `{buffer}` must have {expected} dimensions, but the view has {found}"
            ),
            Error::ScalarOutOfRange {
                kernel,
                param,
                value,
            } => write!(
                f,
                "kernel `{kernel}`: parameter `{param}` = {value} does not fit an i32 index"
            ),
            Error::IndexOverflow { kernel, condition } => write!(
                f,
                "kernel `{kernel}`: for these sizes and parameters an index computation would overflow i32 (failed: `{condition}`); use smaller views, or parameters that keep the indices in range"
            ),
            Error::AllocationFailed {
                kernel,
                func,
                elements,
            } => write!(
                f,
                "kernel `{kernel}`: cannot allocate {elements} elements for `{func}` (an intermediate, or the reference's copy of an input)"
            ),
            Error::UnsupportedIsa { requested, reason } => {
                write!(f, "HALITE_ISA={requested}: {reason}")
            }
            Error::ReferenceOutOfBounds {
                kernel,
                buffer,
                point,
                shape,
            } => write!(
                f,
                "kernel `{kernel}` (reference): the algorithm reads `{buffer}` at {point:?}, outside its shape {shape:?}"
            ),
            Error::ReferenceWriteOutOfBounds {
                kernel,
                buffer,
                point,
                shape,
            } => write!(
                f,
                "kernel `{kernel}` (reference): an update of the algorithm writes `{buffer}` at {point:?}, outside its shape {shape:?}"
            ),
            Error::Internal(m) => write!(f, "halite internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {}
