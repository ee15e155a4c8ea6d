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

/// Whether `min..min + extent` holds every index of `lo..=hi` (an empty range always).
#[inline]
fn covers(lo: i64, hi: i64, min: i32, extent: i32) -> bool {
    lo > hi || (lo >= min as i64 && hi < min as i64 + extent as i64)
}

/// The number of elements of a view with the given extents (its `len()` in a kernel), which
/// must fit an `i32` like every index.
pub fn len(kernel: &'static str, buffer: &'static str, extents: &[usize]) -> Result<i32, Error> {
    extents
        .iter()
        .try_fold(1i32, |a, &n| {
            i32::try_from(n).ok().and_then(|n| a.checked_mul(n))
        })
        .ok_or(Error::LenTooLarge { kernel, buffer })
}

/// Checks that the indices `lo..=hi` that the kernel reads of the intermediate `func` on
/// `axis` are inside the region its schedule's `bound` computes, `min..min + extent`.
#[inline]
pub fn check_bound(
    kernel: &'static str,
    func: &'static str,
    axis: usize,
    lo: i64,
    hi: i64,
    min: i32,
    extent: i32,
) -> Result<(), Error> {
    if covers(lo, hi, min, extent) {
        Ok(())
    } else {
        Err(Error::BoundTooSmall {
            kernel,
            func,
            axis,
            needed: (lo, hi),
            bound: (min as i64, extent as i64),
        })
    }
}

/// Checks that the indices `lo..=hi` on `axis` are inside `min..min + extent`.
#[inline]
pub fn check_region(
    kernel: &'static str,
    buffer: &'static str,
    axis: usize,
    lo: i64,
    hi: i64,
    min: i32,
    extent: i32,
) -> Result<(), Error> {
    if covers(lo, hi, min, extent) {
        Ok(())
    } else {
        Err(Error::InputTooSmall {
            kernel,
            buffer,
            axis,
            needed: (lo, hi),
            extent: extent as usize,
        })
    }
}

/// Storage for an intermediate with the given extents (see [`Scratch`]).
pub fn alloc<T: Copy + Default + Send + 'static>(
    kernel: &'static str,
    func: &'static str,
    extents: &[i64],
) -> Result<Scratch<T>, Error> {
    let n: u128 = extents.iter().map(|&e| e.max(0) as u128).product();
    let fail = || Error::AllocationFailed {
        kernel,
        func,
        elements: n,
    };
    let len = usize::try_from(n).map_err(|_| fail())?;
    if len
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(fail());
    }
    Scratch::try_new(len).ok_or_else(fail)
}

/// Storage for an intermediate whose size was checked at entry ([`alloc`] there), made inside
/// a loop. Aborts on allocation failure, as `vec!` does.
pub fn scratch<T: Copy + Default + Send + 'static>(len: usize) -> Scratch<T> {
    Scratch::try_new(len).unwrap_or_else(|| {
        std::alloc::handle_alloc_error(
            std::alloc::Layout::array::<T>(len).unwrap_or(std::alloc::Layout::new::<T>()),
        )
    })
}

/// The storage of an intermediate Func: `len` elements of a `Vec<T>` taken from a
/// process-wide pool of buffers that earlier calls returned, and given back to it on drop.
///
/// Reusing buffers spares each call the page faults and zeroing of fresh memory (a quarter
/// of the time of the interpolate app before). Elements start with whatever values the
/// buffer held (a fresh buffer: zeros): always valid `T`s, and never read before the kernel
/// writes them, since bounds inference computes every element a consumer reads. A buffer
/// keeps its whole length while lent (only the first `len` elements are visible), so reuse
/// never writes to it. The pool keeps at most [`Scratch::POOL_BUFFERS`] buffers and
/// [`Scratch::POOL_BYTES`] bytes.
pub struct Scratch<T: Copy + Default + Send + 'static> {
    v: Vec<T>,
    len: usize,
}

/// A buffer the pool keeps: a `Vec<T>` of element type `ty`, `len` elements, `bytes` bytes.
struct Kept {
    ty: std::any::TypeId,
    len: usize,
    bytes: usize,
    buf: Box<dyn std::any::Any + Send>,
}
static POOL: std::sync::Mutex<Vec<Kept>> = std::sync::Mutex::new(Vec::new());

impl<T: Copy + Default + Send + 'static> Scratch<T> {
    /// The most buffers the pool keeps.
    pub const POOL_BUFFERS: usize = 64;
    /// The most bytes the pool keeps.
    pub const POOL_BYTES: usize = 1 << 30;

    fn try_new(len: usize) -> Option<Self> {
        let id = std::any::TypeId::of::<T>();
        // The shortest kept buffer that is long enough.
        let reused = POOL.lock().ok().and_then(|mut pool| {
            let best = pool
                .iter()
                .enumerate()
                .filter(|(_, k)| k.ty == id && k.len >= len)
                .min_by_key(|(_, k)| k.len)
                .map(|(i, _)| i)?;
            pool.swap_remove(best).buf.downcast::<Vec<T>>().ok()
        });
        let v = match reused {
            Some(v) => *v,
            None => {
                let mut v = Vec::new();
                v.try_reserve_exact(len).ok()?;
                v.resize(len, T::default());
                v
            }
        };
        Some(Scratch { v, len })
    }
}

/// Drops every buffer the pool holds (see [`crate::release_storage`]).
pub fn release_pool() {
    if let Ok(mut pool) = POOL.lock() {
        pool.clear();
    }
}

impl<T: Copy + Default + Send + 'static> Drop for Scratch<T> {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.v);
        let n = v.len();
        let bytes = n.saturating_mul(std::mem::size_of::<T>());
        if bytes == 0 {
            return;
        }
        if let Ok(mut pool) = POOL.lock() {
            let held: usize = pool.iter().map(|k| k.bytes).sum();
            if pool.len() < Self::POOL_BUFFERS && held.saturating_add(bytes) <= Self::POOL_BYTES {
                pool.push(Kept {
                    ty: std::any::TypeId::of::<T>(),
                    len: n,
                    bytes,
                    buf: Box::new(v),
                });
            }
        }
    }
}

impl<T: Copy + Default + Send + 'static> std::ops::Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.v[..self.len]
    }
}

impl<T: Copy + Default + Send + 'static> std::ops::DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.v[..self.len]
    }
}

pub mod isa;
pub mod shuffle;
pub use isa::{isa, Isa};

/// A raw element pointer that generated code shares between parallel iterations.
///
/// It is `Send` and `Sync` because generated code only dereferences it inside the region
/// proven in bounds at entry, and parallel iterations write disjoint elements (see the
/// `SAFETY` comments in `halite-codegen`).
#[derive(Clone, Copy)]
pub struct Ptr<T>(*mut T);

// SAFETY: see the type's documentation: every access is in bounds by the kernel's entry
// checks, and concurrent accesses never write the same element.
unsafe impl<T> Send for Ptr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Ptr<T> {}

impl<T: Copy> Ptr<T> {
    #[inline(always)]
    pub fn new(p: *mut T) -> Self {
        Ptr(p)
    }
    /// The element pointer.
    #[inline(always)]
    pub fn as_ptr(self) -> *const T {
        self.0
    }
    #[inline(always)]
    pub fn from_const(p: *const T) -> Self {
        Ptr(p as *mut T)
    }
    /// Reads element `off`.
    ///
    /// # Safety
    /// `off` is inside the allocation the pointer came from.
    #[inline(always)]
    pub unsafe fn load(self, off: isize) -> T {
        // SAFETY: the caller's contract.
        unsafe { *self.0.offset(off) }
    }
    /// Reads `W` consecutive elements from `off`.
    ///
    /// # Safety
    /// `off .. off + W` is inside the allocation the pointer came from.
    #[inline(always)]
    pub unsafe fn load_array<const W: usize>(self, off: isize) -> [T; W] {
        // SAFETY: the caller's contract; `[T; W]` has the alignment of `T`, which the
        // element pointer has. (A typed read, not `read_unaligned`'s byte copy, so that LLVM
        // can keep the value in a register across loop iterations.)
        unsafe { *(self.0.offset(off) as *const [T; W]) }
    }
    /// Writes `W` consecutive elements at `off`.
    ///
    /// # Safety
    /// As [`Ptr::store`], for every element of `off .. off + W`.
    #[inline(always)]
    pub unsafe fn store_array<const W: usize>(self, off: isize, v: [T; W]) {
        // SAFETY: the caller's contract; alignment as in `load_array`.
        unsafe { *(self.0.offset(off) as *mut [T; W]) = v }
    }
    /// Writes `W` consecutive elements at `off` as [`Ptr::store_array`] does, with
    /// non-temporal stores (past the caches, as `memcpy` writes large copies) where the
    /// target allows: on x86-64, when the address is 16-byte aligned and the array's size a
    /// multiple of 16 bytes (SSE2's `movntdq`, which every x86-64 CPU has); otherwise, and on
    /// other targets, as `store_array`. Generated code calls [`stream_fence`] before anything
    /// can read the elements (`store_nontemporal()`).
    ///
    /// # Safety
    /// As [`Ptr::store_array`]; and the thread calls [`stream_fence`] before any access to
    /// these elements, by itself or by another thread.
    #[inline(always)]
    pub unsafe fn store_array_nontemporal<const W: usize>(self, off: isize, v: [T; W]) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
            let bytes = core::mem::size_of::<[T; W]>();
            let dst = self.0.wrapping_offset(off) as *mut u8;
            if bytes.is_multiple_of(16) && (dst as usize).is_multiple_of(16) {
                let src = &v as *const [T; W] as *const u8;
                for k in (0..bytes).step_by(16) {
                    // SAFETY: the caller's contract: the `bytes` bytes at `dst` are writable
                    // (`dst` is the element pointer plus `off`, inside the allocation); `dst +
                    // k` is 16-byte aligned as `movntdq` requires; `src + k` reads 16 of the
                    // `bytes` bytes of `v` (an unaligned load); SSE2 is part of x86-64.
                    unsafe {
                        _mm_stream_si128(
                            dst.add(k) as *mut __m128i,
                            _mm_loadu_si128(src.add(k) as *const __m128i),
                        )
                    }
                }
                return;
            }
        }
        // SAFETY: the caller's contract.
        unsafe { self.store_array(off, v) }
    }
    /// Writes element `off`.
    ///
    /// # Safety
    /// `off` is inside the allocation, which is writable, and no other thread accesses the
    /// element concurrently.
    #[inline(always)]
    pub unsafe fn store(self, off: isize, v: T) {
        // SAFETY: the caller's contract.
        unsafe { *self.0.offset(off) = v }
    }
}

/// Runs `body(min + i)` for `i` in `0..extent` on rayon's pool.
#[inline]
pub fn par_for(min: i32, extent: i32, body: impl Fn(i32) + Sync + Send) {
    use rayon::prelude::*;
    (0..extent.max(0))
        .into_par_iter()
        .for_each(|i| body(min.wrapping_add(i)));
}

/// Runs `body(&mut state, min + i)` for `i` in `0..extent` on rayon's pool, with `state`
/// made by `init` once per rayon task and reused by the iterations that task runs.
#[inline]
pub fn par_for_init<S>(
    min: i32,
    extent: i32,
    init: impl Fn() -> S + Sync + Send,
    body: impl Fn(&mut S, i32) + Sync + Send,
) {
    use rayon::prelude::*;
    // A few contiguous chunks per thread, each a task that runs `init` once: the storage of
    // a task (often zero-filled intermediates) is made once per chunk, not once per
    // iteration, and chunks of equal size balance regular loops.
    let n = extent.max(0) as usize;
    let threads = rayon::current_num_threads().max(1);
    let chunks = if threads == 1 {
        n.min(1)
    } else {
        n.min(threads * 2)
    };
    (0..chunks).into_par_iter().for_each(|k| {
        let (lo, hi) = (k * n / chunks, (k + 1) * n / chunks);
        let mut s = init();
        for i in lo..hi {
            body(&mut s, min.wrapping_add(i as i32));
        }
    });
}

/// Checks at entry that storage of these extents can be allocated later without failing on
/// size (it is then allocated inside parallel iterations).
pub fn check_alloc<T>(
    kernel: &'static str,
    func: &'static str,
    extents: &[i64],
) -> Result<usize, Error> {
    let n: u128 = extents.iter().map(|&e| e.max(0) as u128).product();
    let ok = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(std::mem::size_of::<T>()))
        .is_some_and(|b| b <= isize::MAX as usize / 4);
    if ok {
        Ok(n as usize)
    } else {
        Err(Error::AllocationFailed {
            kernel,
            func,
            elements: n,
        })
    }
}

/// All ones if `c`, else zero, as a value LLVM cannot see through: generated vector code ands
/// a float's bits with it for `if c { v } else { 0.0 }` with `c` the same for every lane, which
/// LLVM would otherwise turn back into a branch around the load of `v` (see
/// `halite_codegen`'s `select`).
#[inline(always)]
pub fn mask_of(c: bool) -> u64 {
    #[allow(unused_mut)]
    let mut m = (c as u64).wrapping_neg();
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty instruction sequence; it reads and writes no memory and leaves `m`
    // as it is.
    unsafe {
        core::arch::asm!("/* {0} */", inout(reg) m, options(pure, nomem, nostack, preserves_flags))
    }
    m
}

/// Orders the non-temporal stores this thread made ([`Ptr::store_array_nontemporal`]) before
/// its later memory accesses, so that they are visible to whoever synchronizes with it next
/// (x86-64's `sfence`; nothing elsewhere). Generated code calls it at the end of each task
/// of a parallel loop that streams and before the kernel returns.
#[inline(always)]
pub fn stream_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sfence` only orders stores; SSE2 (which has it) is part of x86-64.
    unsafe {
        core::arch::x86_64::_mm_sfence()
    }
}

/// An optimisation barrier for memory accesses of the buffers (not of locals): generated vector
/// code puts one after each whole-vector load so that LLVM keeps neighbouring, overlapping
/// loads (`x`, `x + 1`, `x + 2`) as plain unaligned vector loads instead of merging them into
/// one masked load and lane permutes, which measured slower here.
#[inline(always)]
pub fn load_fence() {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    // SAFETY: an empty instruction sequence; it reads and writes nothing.
    unsafe {
        core::arch::asm!("", options(nostack, preserves_flags, readonly))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type no kernel uses, so that other tests' buffers do not interfere.
    #[derive(Clone, Copy, Default, Debug, PartialEq)]
    struct Probe(u16);

    fn pooled_probes() -> usize {
        let id = std::any::TypeId::of::<Probe>();
        POOL.lock().unwrap().iter().filter(|k| k.ty == id).count()
    }

    #[test]
    fn storage_is_reused_across_calls_and_released_on_request() {
        let mut a = alloc::<Probe>("k", "f", &[10, 100]).unwrap();
        assert_eq!(a.len(), 1000);
        assert!(a.iter().all(|p| *p == Probe(0)), "fresh storage is zeroed");
        a[999] = Probe(7);
        let at = a.as_ptr();
        drop(a);
        assert_eq!(pooled_probes(), 1);
        // A smaller request takes the same buffer, whole: a later larger one sees the values
        // of the last user that had its full length.
        let b = scratch::<Probe>(500);
        assert_eq!((b.as_ptr(), b.len()), (at, 500));
        drop(b);
        let c = scratch::<Probe>(1000);
        assert_eq!((c.as_ptr(), c.len(), c[999]), (at, 1000, Probe(7)));
        // A request longer than any kept buffer gets a fresh, zeroed one.
        let d = scratch::<Probe>(2000);
        assert!(d.iter().all(|p| *p == Probe(0)));
        drop((c, d));
        crate::release_storage();
        assert_eq!(pooled_probes(), 0);
        // Sizes that overflow are errors, not panics.
        assert!(alloc::<Probe>("k", "f", &[i64::MAX, i64::MAX]).is_err());
    }
}
