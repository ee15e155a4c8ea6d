//! A 256-bin histogram of an 8-bit image: a scatter `hist(input(ry, rx) as i32) += 1` over a
//! two-dimensional reduction domain. The index is bounded by its type (`u8` gives 0..=255), so
//! the kernel checks at entry that the output has the bins it may write. Checks itself against
//! its `reference` and a plain loop.
//!
//! `cargo run --release --example histogram`

use halite::prelude::*;
// Tests, benches and the tour include several examples, each with this module.
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;
use common::best_of;

/// Counts of each value of `input`.
#[kernel]
pub fn histogram(input: ArrayView2<u8>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    hist(i) = 0;
    hist(input(ry, rx) as i32) += 1;
    schedule! {
        // One histogram per 64 rows, counted in parallel, then added up. Each chunk's 256
        // counts are contiguous (`reorder_storage(chunk, i)`): with `chunk` innermost, as
        // `rfactor` lays it out by default, they lie a whole row of chunks apart (2.2x slower).
        hist.update(0).split(ry, ryo, ryi, 64);
        let part = hist.update(0).rfactor(ryo, chunk);
        part.compute_root().reorder_storage(chunk, i).update(0).parallel(chunk);
    }
}

fn main() -> Result<(), Error> {
    let (h, w) = (4096, 4096);
    let input = Array2::from_shape_fn((h, w), |(y, x)| {
        ((y * 37 + x * 11 + (x * y) % 7) % 256) as u8
    });
    let small = input.slice(ndarray::s![..33, ..47]);
    let (mut got, mut want) = (Array1::<i32>::zeros(256), Array1::<i32>::zeros(256));
    histogram(small, got.view_mut())?;
    histogram::reference(small, want.view_mut())?;
    assert_eq!(got, want, "halite differs from its reference");
    // Fewer bins than values a `u8` can take: an error, and nothing written.
    let mut few = Array1::<i32>::from_elem(100, -1);
    let err = histogram(small, few.view_mut()).unwrap_err();
    assert!(few.iter().all(|&v| v == -1));
    println!("with 100 bins: {err}");

    let mut hist = Array1::<i32>::zeros(256);
    let t_halite = best_of(10, &mut || {
        histogram(input.view(), hist.view_mut()).unwrap()
    });
    let mut plain = [0i32; 256];
    let t_plain = best_of(10, &mut || {
        plain = [0; 256];
        for &v in input.iter() {
            plain[v as usize] += 1;
        }
    });
    assert_eq!(hist.as_slice().unwrap(), &plain[..]);
    let mut copy = Array2::<u8>::zeros((h, w));
    let t_copy = best_of(10, &mut || copy.assign(&input));
    let gb = (h * w) as f64 / 1e9;
    println!("histogram of {h}x{w} u8:");
    for (name, t) in [("halite", t_halite), ("plain loop", t_plain)] {
        println!(
            "  {name:12} {:8.3} ms  {:6.2} GB/s  ({:.1}x a copy of the input)",
            t * 1e3,
            gb / t,
            t / t_copy
        );
    }
    Ok(())
}
