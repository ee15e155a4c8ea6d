//! halite's own `f32` exponential, shared by the reference interpreter and every kernel.
//!
//! Rust's `f32::exp` calls the platform's C library, whose results may differ between machines
//! in the last bit and which LLVM cannot vectorize. [`exp_f32`] is straight-line arithmetic
//! (Cody-Waite range reduction and Cephes' degree-6 polynomial, about 1 ulp from the exact
//! value), so a kernel's vector loops evaluate it lane by lane in SIMD registers and
//! `reference` computes the very same bits on every machine. `f64::exp` is Rust's.

/// `e^x`: within about 1 ulp of the exact value; `exp(0) == 1`, `+inf` above about 88.72,
/// `0` (through subnormals) below about -103.97, `NaN` for `NaN`.
#[inline]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts: `k * LN2_HI` is exact for |k| <= 150.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Round to nearest without `round` (which is a library call on SSE2): 1.5 * 2^23.
    const ROUND: f32 = 12_582_912.0;
    let xc = x.clamp(-104.0, 89.0);
    let shifted = xc * LOG2E + ROUND;
    let k = shifted - ROUND;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 5.000_000_3e-1;
    let p = p * (r * r) + r + 1.0;
    // 2^k in two factors, each a normal float, so that subnormal results round once. The
    // integer k sits in the low bits of `shifted` (a float conversion would not vectorize as
    // well: `as i32` saturates).
    // (Wrapping: a NaN's bits give garbage here, replaced below.)
    let ki = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let k1 = ki >> 1;
    let k2 = ki.wrapping_sub(k1);
    let s1 = f32::from_bits((k1.wrapping_add(127) as u32) << 23);
    let s2 = f32::from_bits((k2.wrapping_add(127) as u32) << 23);
    let y = p * s1 * s2;
    if x.is_nan() {
        x
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::exp_f32;

    /// Ulps between two floats of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn within_one_ulp_of_f64_exp_over_the_range() {
        let mut worst = 0;
        let mut x = -103.9f32;
        while x < 88.7 {
            let want = (x as f64).exp() as f32;
            let got = exp_f32(x);
            if want.is_normal() {
                worst = worst.max(ulps(got, want));
            } else {
                assert!(
                    (got - want).abs() <= f32::MIN_POSITIVE * 1e-6,
                    "{x}: {got} vs {want}"
                );
            }
            x += 0.0137;
        }
        assert!(worst <= 1, "worst error {worst} ulps");
    }

    #[test]
    fn edges() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-200.0), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!(exp_f32(88.72).is_finite());
        assert_eq!(exp_f32(1.0), std::f32::consts::E);
    }
}
