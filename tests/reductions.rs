//! Update definitions, reduction domains, predicates and inline reductions (DESIGN.md
//! section 2), each against a hand-written loop and its `reference`.

use halite::prelude::*;

fn pattern_f32(h: usize, w: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 7 + x * 3) % 23) as f32 * 0.37 - 2.5)
}
fn pattern_u8(h: usize, w: usize) -> Array2<u8> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 37 + x * 11 + y * x) % 256) as u8)
}

#[kernel]
fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) -> Result<(), Error> {
    let k = rdom(0..a.ncols());
    c(i, j) = 0.0;
    c(i, j) += a(i, k) * b(k, j);
}

fn matmul_by_hand(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
    let (m, kk) = a.dim();
    let n = b.ncols();
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut s = 0.0f32;
        for k in 0..kk {
            s += a[[i, k]] * b[[k, j]];
        }
        s
    })
}

#[test]
fn matmul_unscheduled() {
    let a = pattern_f32(13, 7);
    let b = pattern_f32(7, 9);
    let mut c = Array2::<f32>::zeros((13, 9));
    matmul(a.view(), b.view(), c.view_mut()).unwrap();
    assert_eq!(c, matmul_by_hand(&a, &b));
    let mut r = Array2::<f32>::zeros((13, 9));
    matmul::reference(a.view(), b.view(), r.view_mut()).unwrap();
    assert_eq!(c, r);
}

#[kernel]
fn histogram(input: ArrayView2<u8>, hist: ArrayViewMut1<i32>) -> Result<(), Error> {
    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());
    hist(i) = 0;
    hist(input(ry, rx) as i32) += 1;
}

#[test]
fn histogram_counts() {
    let input = pattern_u8(31, 17);
    let mut h = Array1::<i32>::zeros(256);
    histogram(input.view(), h.view_mut()).unwrap();
    let mut e = Array1::<i32>::zeros(256);
    for &v in input.iter() {
        e[v as usize] += 1;
    }
    assert_eq!(h, e);
    let mut r = Array1::<i32>::zeros(256);
    histogram::reference(input.view(), r.view_mut()).unwrap();
    assert_eq!(r, e);
    // Too few bins: an error before anything is written.
    let mut small = Array1::<i32>::from_elem(100, 7);
    assert!(histogram(input.view(), small.view_mut()).is_err());
    assert!(small.iter().all(|&v| v == 7));
}

#[kernel]
fn row_stats(
    input: ArrayView2<f32>,
    total: ArrayViewMut1<f32>,
    best: ArrayViewMut1<i32>,
) -> Result<(), Error> {
    let r = rdom(0..input.ncols());
    total(y) = sum(input(y, r));
    best(y) = argmax(input(y, r));
}

#[test]
fn inline_reductions() {
    let input = pattern_f32(9, 14);
    let mut t = Array1::<f32>::zeros(9);
    let mut b = Array1::<i32>::zeros(9);
    row_stats(input.view(), t.view_mut(), b.view_mut()).unwrap();
    for y in 0..9 {
        let mut s = 0.0f32;
        let mut bi = 0;
        for x in 0..14 {
            s += input[[y, x]];
            if input[[y, x]] > input[[y, bi]] {
                bi = x;
            }
        }
        assert_eq!(t[y], s);
        assert_eq!(b[y], bi as i32);
    }
}

#[test]
#[ignore]
fn print_nests() {
    println!(
        "{}\n{}\n{}",
        matmul::loop_nest(),
        histogram::loop_nest(),
        row_stats::loop_nest()
    );
}
