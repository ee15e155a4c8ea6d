//! Pictures of schedules for the book, drawn from the scheduled loop nests themselves.
//!
//! For each schedule of a point-wise kernel on a small output, the lowered loop nest is run on
//! halite's loop-nest interpreter, which reports every store: the picture colours each pixel by
//! the parallel task that computes it (hue) and by when, within that task, it is computed
//! (light: early is dark); lanes of one vector share a shade. Then the DESIGN.md blur is timed
//! under several schedules for a bar chart. Writes SVG files to `book/src/img/`.
//!
//! `cargo run --release --example schedule_pictures`

use halite::core::interp::Buffer;
use halite::core::interp_nest::{run_nest_traced, StoreEvent};
use halite::core::{CallKind, Expr, ForKind, Func, Input, Origin, Pipeline, Type, Value};
use halite::prelude::*;
use halite_schedule::{Arg, Directive};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

/// `out(y, x) = in(y, x) + 1`: the schedule is all that changes between pictures.
fn pointwise() -> Pipeline {
    let v = |n: &str| Expr::var(n, Type::I32);
    Pipeline {
        name: "pointwise".into(),
        params: vec![],
        inputs: vec![Input {
            name: "in".into(),
            ty: Type::I32,
            dims: 2,
        }],
        funcs: vec![Func {
            name: "out".into(),
            args: vec!["y".into(), "x".into()],
            ty: Type::I32,
            value: Expr::call(CallKind::Input, "in", vec![v("y"), v("x")], Type::I32)
                .add(Expr::i32(1)),
            updates: vec![],
            output: Some(0),
            origin: Origin::NONE,
        }],
    }
}

/// Reads `out.split(x, xo, xi, 4).vectorize(xi); out.parallel(y)` (names and integers only).
fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (func, mut rest) = stmt.split_once('.').expect("func.directive(..)");
        while let Some((name, tail)) = rest.split_once('(') {
            let (args, tail) = tail.split_once(')').expect("closing parenthesis");
            let args = args
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| match a.parse::<i64>() {
                    Ok(n) => Arg::Int(n, Origin::NONE),
                    Err(_) => Arg::Ident(a.into(), Origin::NONE),
                })
                .collect();
            out.push(Directive::new(func, name.trim_start_matches('.'), args));
            rest = tail;
        }
    }
    out
}

/// Per output pixel: (task, step within the task).
fn order(schedule: &str, h: usize, w: usize) -> Vec<Vec<(usize, usize)>> {
    let p = pointwise();
    let lowered = halite_schedule::lower(&p, &directives(schedule)).expect("a legal schedule");
    let env: Vec<(Arc<str>, Value)> = ["in", "out"]
        .iter()
        .flat_map(|b| {
            [
                (format!("{b}.extent.0").into(), Value::I32(h as i32)),
                (format!("{b}.extent.1").into(), Value::I32(w as i32)),
            ]
        })
        .collect();
    let buffer = || Buffer {
        ty: Type::I32,
        shape: vec![h, w],
        data: vec![Value::I32(0); h * w],
    };
    let inputs = HashMap::from([(Arc::from("in"), buffer())]);
    let mut outputs = HashMap::from([(Arc::from("out"), buffer())]);
    let mut cells = vec![vec![(0, 0); w]; h];
    let mut last: HashMap<usize, (Vec<i64>, usize)> = HashMap::new();
    let mut trace = |e: &StoreEvent| {
        if e.func != "out" {
            return;
        }
        let task = e
            .loops
            .iter()
            .find(|l| matches!(l.1, ForKind::Parallel { .. }))
            .map_or(0, |l| l.2 as usize);
        // The lanes of one vector are one step.
        let key: Vec<i64> = e
            .loops
            .iter()
            .map(|(_, k, i)| match k {
                ForKind::Vectorized(w) | ForKind::VectorizedRow(w) => i / (*w as i64).max(1),
                _ => *i,
            })
            .collect();
        let entry = last.entry(task).or_insert((vec![], 0));
        if entry.0 != key {
            entry.0 = key;
            entry.1 += 1;
        }
        cells[e.point[0] as usize][e.point[1] as usize] = (task, entry.1);
    };
    run_nest_traced(
        &lowered.entry_lets,
        &lowered.body,
        env,
        &inputs,
        &mut outputs,
        &mut trace,
    )
    .expect("the nest runs");
    cells
}

const HUES: [f64; 6] = [210.0, 20.0, 130.0, 280.0, 50.0, 340.0];

fn svg_order(title: &str, schedule: &str, h: usize, w: usize) -> String {
    let cells = order(schedule, h, w);
    let mut max_step: HashMap<usize, usize> = HashMap::new();
    for &(t, s) in cells.iter().flatten() {
        let m = max_step.entry(t).or_default();
        *m = (*m).max(s);
    }
    let c = 22;
    let text = title.len().max(schedule.len()) as f64 * 7.3 + 20.0;
    let (width, height) = ((w * c + 20).max(text as usize), h * c + 58);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"16\" font-weight=\"bold\">{title}</text>\n<text x=\"10\" y=\"32\">{}</text>\n",
        schedule.replace('<', "&lt;")
    );
    for (y, row) in cells.iter().enumerate() {
        for (x, &(t, st)) in row.iter().enumerate() {
            let frac = st as f64 / max_step[&t].max(1) as f64;
            let light = 25.0 + 60.0 * frac;
            let hue = HUES[t % HUES.len()];
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"hsl({hue},70%,{light:.0}%)\" stroke=\"white\"><title>({y}, {x}): task {t}, step {st}</title></rect>\n<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"{}\">{st}</text>",
                10 + x * c,
                42 + y * c,
                c,
                c,
                10 + x * c + c / 2,
                42 + y * c + c / 2 + 3,
                if light < 55.0 { "white" } else { "black" }
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

// The DESIGN.md blur under four schedules, for the bar chart.
#[kernel]
fn blur_inline(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
}

#[kernel]
fn blur_root(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        blur_x.compute_root().vectorize(x, 16);
        out.vectorize(x, 16);
    }
}

#[kernel]
fn blur_tiled(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16);
        blur_x.compute_at(out, x).vectorize(x, 16);
    }
}

#[kernel]
fn blur_parallel(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
    blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
    out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
    schedule! {
        out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16).parallel(y);
        blur_x.compute_at(out, x).vectorize(x, 16);
    }
}

type Blur = fn(ArrayView2<u16>, ArrayViewMut2<u16>) -> Result<(), Error>;

fn svg_bars(title: &str, bars: &[(String, f64)]) -> String {
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let (lw, bw, bh) = (330, 360, 26);
    let height = 40 + bars.len() * (bh + 8) + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-weight=\"bold\">{title}</text>\n",
        lw + bw + 90
    );
    for (i, (name, ms)) in bars.iter().enumerate() {
        let y = 36 + i * (bh + 8);
        let len = (ms / max * bw as f64).max(1.0);
        let _ = writeln!(
            s,
            "<text x=\"10\" y=\"{}\">{name}</text>\n<rect x=\"{lw}\" y=\"{y}\" width=\"{len:.0}\" height=\"{bh}\" fill=\"hsl(210,60%,55%)\"/>\n<text x=\"{:.0}\" y=\"{}\">{ms:.2} ms</text>",
            y + 17,
            lw as f64 + len + 6.0,
            y + 17
        );
    }
    s.push_str("</svg>\n");
    s
}

fn main() -> Result<(), Error> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/img");
    std::fs::create_dir_all(&dir).expect("book/src/img");
    let pictures = [
        (
            "order_default",
            "No schedule: rows, outermost first",
            "out.compute_root()",
        ),
        ("order_reorder", "reorder: columns", "out.reorder(x, y)"),
        ("order_split", "split x by 4", "out.split(x, xo, xi, 4)"),
        (
            "order_vectorize",
            "vectorize x by 4 (a shade per vector)",
            "out.vectorize(x, 4)",
        ),
        ("order_tile", "tile 4x4", "out.tile(y, x, yi, xi, 4, 4)"),
        (
            "order_tile_vectorize_parallel",
            "tile 4x4, vectorize by 4, parallel tile rows (a hue per task)",
            "out.tile(y, x, yi, xi, 4, 4).vectorize(xi, 4).parallel(y)",
        ),
        (
            "order_fuse_parallel",
            "fuse y and x, split by 16, parallel chunks",
            "out.fuse(y, x, yx).split(yx, chunk, i, 16).parallel(chunk)",
        ),
    ];
    let mut nests = String::from(
        "# Reference: loop nests before and after\n\n\
         Generated by `cargo run --release --example schedule_pictures` from the lowered loop\n\
         nests of `out(y, x) = in(y, x) + 1` (an output of any shape). Each block is the nest\n\
         that the schedule above it makes; the first has no schedule at all. The pictures of\n\
         [chapter 2](scheduling.md) show the order each of them computes in.\n",
    );
    for (file, title, schedule) in pictures {
        // `compute_root` on an output means "no schedule" to the lowering: drop it.
        let schedule = if schedule == "out.compute_root()" {
            ""
        } else {
            schedule
        };
        let svg = svg_order(title, schedule, 8, 12);
        std::fs::write(dir.join(format!("{file}.svg")), svg).expect("write");
        println!("wrote book/src/img/{file}.svg");
        let lowered = halite_schedule::lower(&pointwise(), &directives(schedule)).expect("legal");
        let shown = if schedule.is_empty() {
            "(no schedule)"
        } else {
            schedule
        };
        let _ = write!(
            nests,
            "\n## {title}\n\n`{shown}`\n\n```text\n{}```\n",
            lowered.body
        );
    }
    let more = [
        ("unroll x by 2", "out.unroll(x, 2)"),
        (
            "split with a shifted tail",
            "out.split(x, xo, xi, 4, ShiftInwards)",
        ),
        ("parallel in chunks of 2 rows", "out.parallel(y, 2)"),
        ("bound the columns to 16", "out.bound(x, 0, 16)"),
    ];
    for (title, schedule) in more {
        let lowered = halite_schedule::lower(&pointwise(), &directives(schedule)).expect("legal");
        let _ = write!(
            nests,
            "\n## {title}\n\n`{schedule}`\n\n```text\n{}```\n",
            lowered.body
        );
    }
    let md = dir.parent().unwrap().join("directive-nests.md");
    std::fs::write(&md, nests).expect("write");
    println!("wrote book/src/directive-nests.md");

    // Measured speed per schedule (one thread, then two), checked against the reference.
    let (h, w) = (1920, 2560);
    let input = Array2::from_shape_fn((h + 2, w + 2), |(y, x)| ((y * 31 + x * 17) % 4096) as u16);
    let mut want = Array2::<u16>::zeros((h, w));
    blur_inline::reference(input.view(), want.view_mut())?;
    let kernels: [(&str, Blur); 4] = [
        ("no schedule (all inline)", blur_inline),
        ("blur_x at root, both vectorized", blur_root),
        ("tiles 32x256, blur_x per tile", blur_tiled),
        ("tiles, vectorized, parallel rows", blur_parallel),
    ];
    let mut bars = Vec::new();
    for (name, k) in kernels {
        let mut out = Array2::<u16>::zeros((h, w));
        k(input.view(), out.view_mut())?;
        assert_eq!(out, want, "{name}");
        let mut best = f64::MAX;
        for _ in 0..30 {
            let t = Instant::now();
            k(input.view(), out.view_mut())?;
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:36} {:.3} ms", best * 1e3);
        bars.push((name.to_string(), best * 1e3));
    }
    let title = format!(
        "DESIGN.md blur, u16, {w}x{h}, {} threads: best of 30 (lower is faster)",
        rayon::current_num_threads()
    );
    std::fs::write(dir.join("blur_speed.svg"), svg_bars(&title, &bars)).expect("write");
    println!("wrote book/src/img/blur_speed.svg");
    Ok(())
}
