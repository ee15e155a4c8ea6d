//! The DESIGN.md 3x3 box blur, compute_root schedule, checked against reference.
use halite::prelude::*;

/// 3x3 box blur: each output pixel is the mean of the 3x3 input pixels below and right of it.
#[kernel]
pub fn blur3x3(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;

    schedule! {
        blur_x.compute_root();
    }
}

fn main() -> Result<(), Error> {
    let input = Array2::<u16>::from_shape_fn((1026, 1026), |(y, x)| ((y * 31 + x * 17) % 4096) as u16);
    let mut out = Array2::<u16>::zeros((1024, 1024));
    blur3x3(input.view(), out.view_mut())?;
    let mut r = Array2::<u16>::zeros((1024, 1024));
    blur3x3::reference(input.view(), r.view_mut())?;
    assert_eq!(out, r);
    println!("{}", blur3x3::loop_nest());
    Ok(())
}
