//! Helpers for callers of kernels.

use ndarray::{ArrayBase, DataMut, Dimension};

/// Asks the operating system to back an array with transparent huge pages (Linux
/// `madvise(MADV_HUGEPAGE)`; a no-op elsewhere), as numpy does for large arrays. Tiled
/// schedules touch many rows at once, and on 4 KiB pages the TLB misses can cost a third of
/// the run time of an image kernel. Call it right after allocating, before filling the array.
pub fn advise_huge_pages<S: DataMut, D: Dimension>(a: &mut ArrayBase<S, D>) {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn madvise(addr: *mut core::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        let bytes = a.len() * std::mem::size_of::<S::Elem>();
        if bytes == 0 {
            return;
        }
        let first = a.as_mut_ptr() as usize;
        let start = first & !4095;
        // SAFETY: `madvise` with MADV_HUGEPAGE is advice about memory this process owns (the
        // range is rounded out to whole pages of the array's allocation); it never changes its
        // contents or validity, and a failure (returned, ignored) leaves everything as it was.
        unsafe {
            madvise(start as *mut _, first + bytes - start, MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = a;
}
