//! The runtime that generated kernels call. Not a user API: its items may change in any
//! release; only the code `#[kernel]` generates should name them.

use crate::Error;
use ndarray::{ArrayBase, Data, DataMut, Dimension};

pub use half::{bf16, f16};

pub mod ops;
pub mod reference;

/// A view's raw parts: the pointer to element `[0, .., 0]`, extents and element strides.
pub struct Parts<P, const N: usize> {
    pub ptr: P,
    pub extent: [i32; N],
    pub stride: [isize; N],
}

fn shape_of<const N: usize>(
    kernel: &'static str,
    buffer: &'static str,
    shape: &[usize],
    strides: &[isize],
) -> Result<([i32; N], [isize; N]), Error> {
    if shape.len() != N {
        return Err(Error::WrongRank {
            kernel,
            buffer,
            expected: N,
            found: shape.len(),
        });
    }
    let mut extent = [0i32; N];
    let mut stride = [0isize; N];
    for d in 0..N {
        extent[d] = i32::try_from(shape[d]).map_err(|_| Error::ExtentTooLarge {
            kernel,
            buffer,
            axis: d,
            extent: shape[d],
        })?;
        stride[d] = strides[d];
    }
    Ok((extent, stride))
}

/// The parts of an input view.
pub fn input<T, D: Dimension, const N: usize>(
    kernel: &'static str,
    buffer: &'static str,
    view: &ArrayBase<impl Data<Elem = T>, D>,
) -> Result<Parts<*const T, N>, Error> {
    let (extent, stride) = shape_of::<N>(kernel, buffer, view.shape(), view.strides())?;
    Ok(Parts {
        ptr: view.as_ptr(),
        extent,
        stride,
    })
}

/// The parts of an output view.
pub fn output<T, D: Dimension, const N: usize>(
    kernel: &'static str,
    buffer: &'static str,
    view: &mut ArrayBase<impl DataMut<Elem = T>, D>,
) -> Result<Parts<*mut T, N>, Error> {
    let (extent, stride) = shape_of::<N>(kernel, buffer, view.shape(), view.strides())?;
    Ok(Parts {
        ptr: view.as_mut_ptr(),
        extent,
        stride,
    })
}

/// A `usize` parameter as an `i32`.
pub fn scalar_usize(kernel: &'static str, param: &'static str, v: usize) -> Result<i32, Error> {
    i32::try_from(v).map_err(|_| Error::ScalarOutOfRange {
        kernel,
        param,
        value: v as u64,
    })
}

/// Checks that the indices `lo..=hi` on `axis` are inside a buffer of extent `extent`.
#[inline]
pub fn check_region(
    kernel: &'static str,
    buffer: &'static str,
    consumer: &'static str,
    axis: usize,
    lo: i64,
    hi: i64,
    extent: i32,
) -> Result<(), Error> {
    if lo > hi || (lo >= 0 && hi < extent as i64) {
        Ok(())
    } else {
        Err(Error::InputTooSmall {
            kernel,
            buffer,
            consumer,
            axis,
            needed: (lo, hi),
            extent: extent as usize,
        })
    }
}

/// Zero-initialised storage for an intermediate with the given extents.
pub fn alloc<T: Copy + Default>(
    kernel: &'static str,
    func: &'static str,
    extents: &[i32],
) -> Result<Vec<T>, Error> {
    let n: u128 = extents.iter().map(|&e| e.max(0) as u128).product();
    let fail = || Error::AllocationFailed {
        kernel,
        func,
        elements: n,
    };
    let len = usize::try_from(n).map_err(|_| fail())?;
    if len.checked_mul(std::mem::size_of::<T>()).is_none_or(|b| b > isize::MAX as usize) {
        return Err(fail());
    }
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| fail())?;
    v.resize(len, T::default());
    Ok(v)
}
