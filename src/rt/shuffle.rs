//! Lane selections that portable array code does not compile to shuffles: generated vector
//! code calls them through a per-instruction-set alias (`__shuf`, bound in each
//! `#[target_feature]` body to [`avx512`], [`avx2`] or [`portable`]), so the same body picks
//! the instructions of its path.
//!
//! Why: a whole-vector read of `[T; W]` whose lanes are then used one by one (every other
//! lane, for a downsampling `f(2 * x)`) is split by LLVM into scalar loads, which it then
//! gathers back lane by lane (`vinsertps`, measured 2x slower than the shuffles here). A
//! gather (a read at data-dependent indices) of sixteen lanes is sixteen scalar loads on
//! AVX-512, and two reads of neighbouring elements (the bilateral grid's two channels) one
//! hardware gather of pairs; elsewhere gathers are the portable loop, which LLVM may compile
//! to hardware gathers.

/// Plain Rust: the reference behaviour of every function, for every path.
pub mod portable {
    use crate::rt::Ptr;

    /// Elements `off, off + 2, .., off + 14` of `p`.
    ///
    /// # Safety
    /// `off .. off + 15` is inside the allocation `p` points into.
    #[inline(always)]
    pub unsafe fn stride2_f32x8(p: Ptr<f32>, off: isize) -> [f32; 8] {
        // SAFETY: the caller's contract.
        let (a, b) = unsafe { (p.load_array::<8>(off), p.load_array::<8>(off + 7)) };
        [a[0], a[2], a[4], a[6], b[1], b[3], b[5], b[7]]
    }

    /// Elements `off, off + 2, .., off + 30` of `p`.
    ///
    /// # Safety
    /// `off .. off + 31` is inside the allocation `p` points into.
    #[inline(always)]
    pub unsafe fn stride2_f32x16(p: Ptr<f32>, off: isize) -> [f32; 16] {
        // SAFETY: the caller's contract (the second read ends at `off + 30`).
        let (a, b) = unsafe { (p.load_array::<16>(off), p.load_array::<16>(off + 15)) };
        core::array::from_fn(|l| if l < 8 { a[2 * l] } else { b[2 * l - 15] })
    }

    /// Elements `off + lanes[l]` of `p`, one per lane.
    ///
    /// # Safety
    /// Every `off + lanes[l]` is inside the allocation `p` points into.
    #[inline(always)]
    pub unsafe fn gather_f32x8(p: Ptr<f32>, off: isize, lanes: &[isize; 8]) -> [f32; 8] {
        // SAFETY: the caller's contract.
        core::array::from_fn(|l| unsafe { p.load(off.wrapping_add(lanes[l])) })
    }

    /// As [`gather_f32x8`], for sixteen lanes.
    ///
    /// # Safety
    /// As [`gather_f32x8`].
    #[inline(always)]
    pub unsafe fn gather_f32x16(p: Ptr<f32>, off: isize, lanes: &[isize; 16]) -> [f32; 16] {
        // SAFETY: the caller's contract.
        core::array::from_fn(|l| unsafe { p.load(off.wrapping_add(lanes[l])) })
    }

    /// Two gathers whose elements are neighbours: elements `off + lanes[l]` and
    /// `off + lanes[l] + 1` of `p`, one pair per lane (two channels of a grid stored
    /// innermost, read at the same data-dependent point).
    ///
    /// # Safety
    /// Every `off + lanes[l]` and `off + lanes[l] + 1` is inside the allocation `p` points
    /// into.
    #[inline(always)]
    pub unsafe fn gather_pair_f32x8(
        p: Ptr<f32>,
        off: isize,
        lanes: &[isize; 8],
    ) -> ([f32; 8], [f32; 8]) {
        // SAFETY: the caller's contract.
        unsafe {
            (
                gather_f32x8(p, off, lanes),
                gather_f32x8(p, off.wrapping_add(1), lanes),
            )
        }
    }

    /// As [`gather_pair_f32x8`], for sixteen lanes.
    ///
    /// # Safety
    /// As [`gather_pair_f32x8`].
    #[inline(always)]
    pub unsafe fn gather_pair_f32x16(
        p: Ptr<f32>,
        off: isize,
        lanes: &[isize; 16],
    ) -> ([f32; 16], [f32; 16]) {
        // SAFETY: the caller's contract.
        unsafe {
            (
                gather_f32x16(p, off, lanes),
                gather_f32x16(p, off.wrapping_add(1), lanes),
            )
        }
    }

    /// Two pair gathers at the same lanes: elements `a + lanes[l]`, `a + lanes[l] + 1`,
    /// `b + lanes[l]` and `b + lanes[l] + 1` of `p` (two channels of a grid at two
    /// neighbouring points of the next dimension, as the bilateral grid's `z` and `z + 1`).
    ///
    /// # Safety
    /// As [`gather_pair_f32x16`] at `a` and at `b`.
    #[inline(always)]
    pub unsafe fn gather_quad_f32x16(
        p: Ptr<f32>,
        a: isize,
        b: isize,
        lanes: &[isize; 16],
    ) -> ([f32; 16], [f32; 16], [f32; 16], [f32; 16]) {
        // SAFETY: the caller's contract.
        unsafe {
            let (x, y) = gather_pair_f32x16(p, a, lanes);
            let (z, w) = gather_pair_f32x16(p, b, lanes);
            (x, y, z, w)
        }
    }

    /// The vector `v`, unchanged: where a vector is stored lane by lane (a store with a
    /// stride, as into a Func stored with another dimension innermost), the instruction-set
    /// paths make `v` one register first, so that LLVM computes it with vector instructions;
    /// here, nothing.
    #[inline(always)]
    pub fn keep_f32x8(v: [f32; 8]) -> [f32; 8] {
        v
    }

    /// As [`keep_f32x8`], for sixteen lanes.
    #[inline(always)]
    pub fn keep_f32x16(v: [f32; 16]) -> [f32; 16] {
        v
    }
}

/// AVX2. Gathers read lane by lane ([`super::portable`]): AVX2's hardware gathers measured no
/// faster on this project's Intel machine, and are slower than scalar loads on AMD's Zen.
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    pub use super::portable::{
        gather_f32x16, gather_f32x8, gather_pair_f32x16, gather_pair_f32x8, gather_quad_f32x16,
    };
    use crate::rt::Ptr;
    use core::arch::x86_64::*;

    /// As [`super::portable::keep_f32x8`]: `v` passes through one `ymm` register that
    /// LLVM cannot see into (an empty `asm!`), so the lanes are computed as one vector
    /// (LLVM's SLP vectorizer starts from whole-vector uses; lane-by-lane stores to scattered
    /// places are none, and it had computed such values lane by lane).
    ///
    /// # Safety
    /// The CPU has AVX.
    #[inline]
    #[target_feature(enable = "avx2,avx")]
    pub unsafe fn keep_f32x8(v: [f32; 8]) -> [f32; 8] {
        // SAFETY: `[f32; 8]` and `__m256` have the same size and any bits are valid in both.
        let mut x = unsafe { core::mem::transmute::<[f32; 8], __m256>(v) };
        // SAFETY: an empty instruction sequence; it reads and writes only the register.
        unsafe {
            core::arch::asm!("/* {0} */", inout(ymm_reg) x, options(pure, nomem, nostack, preserves_flags));
        }
        // SAFETY: as above.
        unsafe { core::mem::transmute::<__m256, [f32; 8]>(x) }
    }

    /// As [`keep_f32x8`], in two registers.
    ///
    /// # Safety
    /// The CPU has AVX.
    #[inline]
    #[target_feature(enable = "avx2,avx")]
    pub unsafe fn keep_f32x16(v: [f32; 16]) -> [f32; 16] {
        // SAFETY: the caller has AVX.
        let (lo, hi) = unsafe {
            (
                keep_f32x8(core::array::from_fn(|l| v[l])),
                keep_f32x8(core::array::from_fn(|l| v[l + 8])),
            )
        };
        core::array::from_fn(|l| if l < 8 { lo[l] } else { hi[l - 8] })
    }

    /// As [`super::portable::stride2_f32x8`]: two vector loads and two shuffles.
    ///
    /// # Safety
    /// As [`super::portable::stride2_f32x8`], and the CPU has AVX2.
    #[inline]
    #[target_feature(enable = "avx2,avx")]
    pub unsafe fn stride2_f32x8(p: Ptr<f32>, off: isize) -> [f32; 8] {
        // SAFETY: the caller's contract: 8 elements at `off` and at `off + 7` are readable;
        // the caller has AVX2.
        unsafe {
            let base = p.as_ptr().offset(off);
            let a = _mm256_loadu_ps(base);
            let b = _mm256_loadu_ps(base.offset(7));
            // [a0 a2 b1 b3 | a4 a6 b5 b7], then the 64-bit pairs in order.
            let s = _mm256_shuffle_ps::<0xD8>(a, b);
            let r = _mm256_castpd_ps(_mm256_permute4x64_pd::<0xD8>(_mm256_castps_pd(s)));
            core::mem::transmute::<__m256, [f32; 8]>(r)
        }
    }

    /// As [`super::portable::stride2_f32x16`]: two halves of eight lanes.
    ///
    /// # Safety
    /// As [`super::portable::stride2_f32x16`], and the CPU has AVX2.
    #[inline]
    #[target_feature(enable = "avx2,avx")]
    pub unsafe fn stride2_f32x16(p: Ptr<f32>, off: isize) -> [f32; 16] {
        // SAFETY: the caller's contract: the halves read `off .. off + 15` and
        // `off + 16 .. off + 31`; the caller has AVX2.
        let (lo, hi) = unsafe { (stride2_f32x8(p, off), stride2_f32x8(p, off + 16)) };
        core::array::from_fn(|l| if l < 8 { lo[l] } else { hi[l - 8] })
    }
}

/// AVX-512 (with AVX2 for the narrower selections).
#[cfg(target_arch = "x86_64")]
pub mod avx512 {
    // Single gathers: sixteen lanes read lane by lane (below); eight as AVX2. Pairs use
    // hardware gathers (further below).
    pub use super::avx2::{gather_f32x8, keep_f32x8, stride2_f32x8};
    use crate::rt::Ptr;
    use core::arch::x86_64::*;

    /// As [`super::avx2::keep_f32x8`], in one `zmm` register.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn keep_f32x16(v: [f32; 16]) -> [f32; 16] {
        // SAFETY: `[f32; 16]` and `__m512` have the same size and any bits are valid in both.
        let mut x = unsafe { core::mem::transmute::<[f32; 16], __m512>(v) };
        // SAFETY: an empty instruction sequence; it reads and writes only the register.
        unsafe {
            core::arch::asm!("/* {0} */", inout(zmm_reg) x, options(pure, nomem, nostack, preserves_flags));
        }
        // SAFETY: as above.
        unsafe { core::mem::transmute::<__m512, [f32; 16]>(x) }
    }

    /// As [`super::portable::gather_f32x16`]: sixteen scalar loads. LLVM compiles the
    /// portable loop of plain loads into a hardware gather under AVX-512 (`vgatherdps`);
    /// volatile loads stay scalar (`vmovss` and inserts, as Halide's own code for such
    /// lookups). Measured on the local Laplacian (Zen 5, one thread, 6 alternating rounds):
    /// 121.8 -> 114.1 ms median; earlier, two `vgatherqps` of 64-bit indices were 9% slower
    /// than one `vgatherdps`; the bilateral grid (pairs) unchanged.
    ///
    /// # Safety
    /// As [`super::portable::gather_f32x16`], and the CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gather_f32x16(p: Ptr<f32>, off: isize, lanes: &[isize; 16]) -> [f32; 16] {
        let base = p.as_ptr().wrapping_offset(off);
        // SAFETY: the caller's contract: every `off + lanes[l]` is an element of the
        // allocation, so each read is in bounds and aligned for `f32`.
        core::array::from_fn(|l| unsafe { base.wrapping_offset(lanes[l]).read_volatile() })
    }

    /// As [`super::portable::stride2_f32x16`]: two vector loads and one two-source
    /// permutation.
    ///
    /// # Safety
    /// As [`super::portable::stride2_f32x16`], and the CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn stride2_f32x16(p: Ptr<f32>, off: isize) -> [f32; 16] {
        // SAFETY: the caller's contract: 16 elements at `off` and at `off + 15` are readable;
        // the caller has AVX-512F.
        unsafe {
            let base = p.as_ptr().offset(off);
            let a = _mm512_loadu_ps(base);
            let b = _mm512_loadu_ps(base.offset(15));
            // Lanes 0..8 take a[0], a[2], .., a[14]; lanes 8..16 take b[1], b[3], .., b[15]
            // (index 16 + k selects b[k]).
            let idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
            let r = _mm512_permutex2var_ps(a, idx, b);
            core::mem::transmute::<__m512, [f32; 16]>(r)
        }
    }

    /// As [`super::portable::gather_pair_f32x8`]: one hardware gather of eight 64-bit pairs
    /// (`vgatherqpd`), split into the two vectors by one permutation. A pair gather costs
    /// about what a gather of eight `f32` does, so this halves the gathers of two
    /// neighbouring reads (measured 1.7-1.9x faster than two `vgatherqps` per lane set).
    ///
    /// # Safety
    /// As [`super::portable::gather_pair_f32x8`], and the CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gather_pair_f32x8(
        p: Ptr<f32>,
        off: isize,
        lanes: &[isize; 8],
    ) -> ([f32; 8], [f32; 8]) {
        let base = p.as_ptr().wrapping_offset(off) as *const f64;
        // SAFETY: the caller's contract: the 8 bytes at `p + off + lanes[l]` (an element and
        // its neighbour) are readable for every lane; a gather needs no alignment; the
        // caller has AVX-512F. The scale 4 counts offsets in `f32` elements.
        unsafe {
            let i = _mm512_loadu_si512(lanes.as_ptr() as *const __m512i);
            let g = _mm512_castpd_ps(_mm512_i64gather_pd::<4>(i, base));
            // Evens (first elements) to lanes 0..8, odds (neighbours) to lanes 8..16.
            let idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            let r = _mm512_permutexvar_ps(idx, g);
            let a = _mm512_castps512_ps256(r);
            let b = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(r)));
            (
                core::mem::transmute::<__m256, [f32; 8]>(a),
                core::mem::transmute::<__m256, [f32; 8]>(b),
            )
        }
    }

    /// As [`super::portable::gather_pair_f32x16`]: two gathers of eight 64-bit pairs and
    /// two permutations (see [`gather_pair_f32x8`]).
    ///
    /// # Safety
    /// As [`super::portable::gather_pair_f32x16`], and the CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gather_pair_f32x16(
        p: Ptr<f32>,
        off: isize,
        lanes: &[isize; 16],
    ) -> ([f32; 16], [f32; 16]) {
        let base = p.as_ptr().wrapping_offset(off) as *const f64;
        // SAFETY: as in `gather_pair_f32x8`, for the sixteen lanes.
        unsafe {
            let i0 = _mm512_loadu_si512(lanes.as_ptr() as *const __m512i);
            let i1 = _mm512_loadu_si512(lanes.as_ptr().add(8) as *const __m512i);
            let g0 = _mm512_castpd_ps(_mm512_i64gather_pd::<4>(i0, base));
            let g1 = _mm512_castpd_ps(_mm512_i64gather_pd::<4>(i1, base));
            // Index k < 16 selects g0[k], 16 + k selects g1[k].
            let evens =
                _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            let a = _mm512_permutex2var_ps(g0, evens, g1);
            let b = _mm512_permutex2var_ps(g0, odds, g1);
            (
                core::mem::transmute::<__m512, [f32; 16]>(a),
                core::mem::transmute::<__m512, [f32; 16]>(b),
            )
        }
    }

    /// As [`super::portable::gather_quad_f32x16`]. Where the second pair follows the first
    /// in storage (`b == a + 2`, or the other way round), each lane's four elements are one
    /// 16-byte load, and a 4x4 transposition within each 128-bit block makes the four
    /// vectors; otherwise two pair gathers. Measured on 65 536 random lane sets of a 256 KB
    /// table: 0.9-1.2 ms against 1.6-2.5 ms for the two pair gathers (the bilateral grid's
    /// slicing reads such quads: its two channels at `z` and `z + 1`).
    ///
    /// # Safety
    /// As [`super::portable::gather_quad_f32x16`], and the CPU has AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gather_quad_f32x16(
        p: Ptr<f32>,
        a: isize,
        b: isize,
        lanes: &[isize; 16],
    ) -> ([f32; 16], [f32; 16], [f32; 16], [f32; 16]) {
        let (lo, swap) = if b == a.wrapping_add(2) {
            (a, false)
        } else if a == b.wrapping_add(2) {
            (b, true)
        } else {
            // SAFETY: the caller's contract for each pair; the caller has AVX-512F.
            return unsafe {
                let (x, y) = gather_pair_f32x16(p, a, lanes);
                let (z, w) = gather_pair_f32x16(p, b, lanes);
                (x, y, z, w)
            };
        };
        let base = p.as_ptr().wrapping_offset(lo);
        // SAFETY: for every lane, the pair at `lo + lanes[l]` and the one at
        // `lo + 2 + lanes[l]` are readable (the caller's contract for the pairs at `a` and at
        // `b`), so the 16 bytes from `base + lanes[l]` are; unaligned loads need no
        // alignment; the caller has AVX-512F.
        unsafe {
            let ld = |l: usize| _mm_loadu_ps(base.wrapping_offset(lanes[l]));
            // Register j holds lanes j, j + 4, j + 8, j + 12 in its four 128-bit blocks, so
            // the transposition within blocks leaves each vector's lanes in order.
            let regs = |j: usize| {
                let r = _mm512_castps128_ps512(ld(j));
                let r = _mm512_insertf32x4::<1>(r, ld(j + 4));
                let r = _mm512_insertf32x4::<2>(r, ld(j + 8));
                _mm512_insertf32x4::<3>(r, ld(j + 12))
            };
            let (r0, r1, r2, r3) = (regs(0), regs(1), regs(2), regs(3));
            let t0 = _mm512_castps_pd(_mm512_unpacklo_ps(r0, r1));
            let t1 = _mm512_castps_pd(_mm512_unpackhi_ps(r0, r1));
            let t2 = _mm512_castps_pd(_mm512_unpacklo_ps(r2, r3));
            let t3 = _mm512_castps_pd(_mm512_unpackhi_ps(r2, r3));
            let v = |x: __m512d| core::mem::transmute::<__m512, [f32; 16]>(_mm512_castpd_ps(x));
            let e0 = v(_mm512_unpacklo_pd(t0, t2));
            let e1 = v(_mm512_unpackhi_pd(t0, t2));
            let e2 = v(_mm512_unpacklo_pd(t1, t3));
            let e3 = v(_mm512_unpackhi_pd(t1, t3));
            if swap {
                (e2, e3, e0, e1)
            } else {
                (e0, e1, e2, e3)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::Ptr;

    #[test]
    fn stride2_takes_every_other_element() {
        let mut v: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let p = Ptr::new(v.as_mut_ptr());
        let want: [f32; 8] = core::array::from_fn(|l| (3 + 2 * l) as f32);
        // SAFETY: 3 .. 18 is inside the 40 elements.
        assert_eq!(unsafe { portable::stride2_f32x8(p, 3) }, want);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, and the CPU has AVX2.
            assert_eq!(unsafe { avx2::stride2_f32x8(p, 3) }, want);
        }
        let want16: [f32; 16] = core::array::from_fn(|l| (3 + 2 * l) as f32);
        // SAFETY: 3 .. 34 is inside the 40 elements.
        assert_eq!(unsafe { portable::stride2_f32x16(p, 3) }, want16);
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: as above, and the CPU has AVX2.
                assert_eq!(unsafe { avx2::stride2_f32x16(p, 3) }, want16);
            }
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: as above, and the CPU has AVX-512F.
                assert_eq!(unsafe { avx512::stride2_f32x16(p, 3) }, want16);
            }
        }
    }

    #[test]
    fn gathers_read_each_lane_offset() {
        let mut v: Vec<f32> = (0..101).map(|i| i as f32 * 0.5).collect();
        let p = Ptr::new(v.as_mut_ptr());
        // Offsets in any order, repeated, negative relative to `off`.
        let lanes: [isize; 16] = [-40, 7, 0, 0, 55, -3, 12, 49, -40, 1, 2, 3, 30, -17, 8, 59];
        let off = 40;
        let want16: [f32; 16] = core::array::from_fn(|l| (off + lanes[l]) as f32 * 0.5);
        let lanes8: [isize; 8] = core::array::from_fn(|l| lanes[l]);
        let want8: [f32; 8] = core::array::from_fn(|l| want16[l]);
        let next16: [f32; 16] = core::array::from_fn(|l| (off + lanes[l] + 1) as f32 * 0.5);
        let next8: [f32; 8] = core::array::from_fn(|l| next16[l]);
        let (pair16, pair8) = ((want16, next16), (want8, next8));
        // SAFETY: every `off + lanes[l]` and its neighbour is in 0..101.
        unsafe {
            assert_eq!(portable::gather_f32x16(p, off, &lanes), want16);
            assert_eq!(portable::gather_f32x8(p, off, &lanes8), want8);
            assert_eq!(portable::gather_pair_f32x16(p, off, &lanes), pair16);
            assert_eq!(portable::gather_pair_f32x8(p, off, &lanes8), pair8);
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: as above, and the CPU has AVX2.
                unsafe {
                    assert_eq!(avx2::gather_f32x16(p, off, &lanes), want16);
                    assert_eq!(avx2::gather_f32x8(p, off, &lanes8), want8);
                    assert_eq!(avx2::gather_pair_f32x16(p, off, &lanes), pair16);
                }
            }
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512dq")
            {
                // SAFETY: as above, and the CPU has AVX-512F/DQ.
                unsafe {
                    assert_eq!(avx512::gather_f32x16(p, off, &lanes), want16);
                    assert_eq!(avx512::gather_f32x8(p, off, &lanes8), want8);
                    // The common part alone may point outside the allocation.
                    let far: [isize; 16] = core::array::from_fn(|l| lanes[l] - 1000);
                    assert_eq!(avx512::gather_f32x16(p, off + 1000, &far), want16);
                    assert_eq!(avx512::gather_pair_f32x16(p, off, &lanes), pair16);
                    assert_eq!(avx512::gather_pair_f32x8(p, off, &lanes8), pair8);
                    assert_eq!(avx512::gather_pair_f32x16(p, off + 1000, &far), pair16);
                }
            }
        }
    }

    #[test]
    fn quad_gathers_read_two_pairs_per_lane() {
        let mut v: Vec<f32> = (0..120).map(|i| i as f32 * 0.5).collect();
        let p = Ptr::new(v.as_mut_ptr());
        let lanes: [isize; 16] = [-40, 7, 0, 0, 55, -3, 12, 49, -40, 1, 2, 3, 30, -17, 8, 52];
        let at = |o: isize| -> [f32; 16] { core::array::from_fn(|l| (o + lanes[l]) as f32 * 0.5) };
        // The second pair 2 after the first (one load per lane), 2 before it, 5 after it
        // (two pair gathers), and at the same place.
        for (a, b) in [(40, 42), (42, 40), (40, 45), (41, 41)] {
            let want = (at(a), at(a + 1), at(b), at(b + 1));
            // SAFETY: every `a + lanes[l]`, `b + lanes[l]` and their neighbours are in 0..120.
            unsafe {
                assert_eq!(portable::gather_quad_f32x16(p, a, b, &lanes), want);
                #[cfg(target_arch = "x86_64")]
                if std::is_x86_feature_detected!("avx512f") {
                    assert_eq!(avx512::gather_quad_f32x16(p, a, b, &lanes), want, "{a} {b}");
                    let far: [isize; 16] = core::array::from_fn(|l| lanes[l] - 1000);
                    assert_eq!(
                        avx512::gather_quad_f32x16(p, a + 1000, b + 1000, &far),
                        want
                    );
                }
            }
        }
    }
}
