use halite::prelude::*;

// A body that is not Rust: the parser's error only, and callers of the kernel still compile
// (no errors about the body's calls of views).
#[kernel]
pub fn bins(input: ArrayView1<f32>, out: ArrayViewMut1<u32>) -> Result<(), Error> {
    let r = rdom(0..input.len());
    out(b) = 0u32;
    out((input(r) * 3.0) as i32 .clamp(0, 15)) += 1;
}

fn main() {
    let input = Array1::<f32>::zeros(4);
    let mut out = Array1::<u32>::zeros(16);
    let _ = bins(input.view(), out.view_mut());
    let _ = bins::reference(input.view(), out.view_mut());
}
