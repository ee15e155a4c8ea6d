//! Helpers shared by the examples: timing and comparing results. Not part of halite; each
//! example includes this file with `#[path = "common/mod.rs"] mod common;`.

// Each example uses only some of these.
#![allow(dead_code)]

use std::time::Instant;

/// The best time in seconds of `runs` calls of `f`, after one warm-up call.
pub fn best_of(runs: usize, f: &mut dyn FnMut()) -> f64 {
    f();
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

/// The largest absolute difference between corresponding elements.
pub fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f32>,
    b: impl IntoIterator<Item = &'a f32>,
) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}
