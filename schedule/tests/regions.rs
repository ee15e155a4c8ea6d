//! Bounds inference computes what consumers read, not more: a chain of downsampling Funcs, each
//! computed at root over rows split for parallel chunks (a guarded split, whose last chunk is
//! shorter), run by the loop-nest interpreter with every store counted.
//!
//! Bounding the chunk index and the row within a chunk apart would take up to `chunk - 1`
//! rows past the end of each level, and the level below reads twice as many rows again: the
//! interpolation app's finest level came out twice the height it needed. The same happened
//! through upsampling Funcs computed per strip of the output, each strip's region written in
//! terms of the one it reads (`(m + select(c, h - m + 1, 0)).div_euclid(2)`).

mod common;
use common::{directive, v};
use halite_core::func::extent_var_name;
use halite_core::interp::Buffer;
use halite_core::interp_nest::{run_nest_traced, StoreEvent};
use halite_core::{CallKind, Expr, Func, Input, Intrinsic, Origin, Pipeline, Type, Value};
use halite_schedule::{Arg, Directive};
use std::collections::HashMap;
use std::sync::Arc;

/// `name(y, x) = src(2y, x) + src(2y + 1, x)`.
fn halve(name: &str, src: &str, kind: CallKind, output: Option<usize>) -> Func {
    let at = |dy: i32| {
        Expr::call(
            kind,
            src,
            vec![v("y").mul(Expr::i32(2)).add(Expr::i32(dy)), v("x")],
            Type::I32,
        )
    };
    Func {
        name: name.into(),
        args: vec!["y".into(), "x".into()],
        ty: Type::I32,
        value: at(0).add(at(1)),
        updates: vec![],
        output,
        origin: Origin::NONE,
    }
}

fn ident(n: &str) -> Arg {
    Arg::Ident(n.into(), Origin::NONE)
}

fn int(i: i64) -> Arg {
    Arg::Int(i, Origin::NONE)
}

/// Runs `p` (input `in`, output `out`, both 2-D `i32`) lowered with `ds` at an output of
/// `rows x cols` and an input of `in_shape`, and counts the stores to each Func.
fn count_stores(
    p: &Pipeline,
    ds: &[Directive],
    rows: usize,
    cols: usize,
    in_shape: [usize; 2],
) -> HashMap<String, usize> {
    let lowered = halite_schedule::lower(p, ds).expect("a valid schedule");
    let mut env: Vec<(Arc<str>, Value)> = Vec::new();
    for (d, n) in in_shape.iter().enumerate() {
        env.push((extent_var_name("in", d).into(), Value::I32(*n as i32)));
    }
    for (d, n) in [rows, cols].iter().enumerate() {
        env.push((extent_var_name("out", d).into(), Value::I32(*n as i32)));
    }
    let data: Vec<Value> = (0..in_shape[0] * in_shape[1])
        .map(|i| Value::I32(i as i32))
        .collect();
    let inputs: HashMap<Arc<str>, Buffer> = [(
        "in".into(),
        Buffer {
            ty: Type::I32,
            shape: in_shape.to_vec(),
            data,
        },
    )]
    .into_iter()
    .collect();
    let mut outputs: HashMap<Arc<str>, Buffer> =
        [("out".into(), Buffer::zeros(Type::I32, &[rows, cols]))]
            .into_iter()
            .collect();
    let mut stores: HashMap<String, usize> = HashMap::new();
    run_nest_traced(
        &lowered.entry_lets,
        &lowered.body,
        env,
        &inputs,
        &mut outputs,
        &mut |e: &StoreEvent| *stores.entry(e.func.to_string()).or_default() += 1,
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", lowered.loop_nest_text()));
    stores
}

#[test]
fn split_root_levels_compute_only_the_rows_read() {
    let p = Pipeline {
        name: "pyramid".into(),
        inputs: vec![Input {
            name: "in".into(),
            ty: Type::I32,
            dims: 2,
        }],
        funcs: vec![
            halve("d1", "in", CallKind::Input, None),
            halve("d2", "d1", CallKind::Func, None),
            halve("d3", "d2", CallKind::Func, None),
            halve("out", "d3", CallKind::Func, Some(0)),
        ],
        ..Default::default()
    };
    let mut ds = Vec::new();
    for f in ["d1", "d2", "d3"] {
        ds.push(directive(f, "compute_root", vec![]));
        ds.push(directive(f, "parallel", vec![ident("y"), int(8)]));
        ds.push(directive(f, "vectorize", vec![ident("x"), int(4)]));
    }
    for (rows, cols) in [(1, 1), (3, 5), (5, 7), (9, 4), (13, 3)] {
        // Room for a looser region: the counts below are the test.
        let stores = count_stores(&p, &ds, rows, cols, [rows * 16 + 64, cols]);
        // Level k (d3 is level 1 below the output) is read over 2^k times the output's rows.
        for (f, k) in [("d3", 1), ("d2", 2), ("d1", 3)] {
            assert_eq!(
                stores.get(f).copied().unwrap_or(0),
                (rows << k) * cols,
                "`{f}` at an output of {rows}x{cols}"
            );
        }
    }
}

/// `name(y, x) = src(y / 2, x) + src((y + 1) / 2, x)` (Euclidean division).
fn double(name: &str, src: &str, output: Option<usize>) -> Func {
    let half = |e: Expr| Expr::intrinsic(Intrinsic::DivEuclid, vec![e, Expr::i32(2)]);
    let at = |y: Expr| Expr::call(CallKind::Func, src, vec![half(y), v("x")], Type::I32);
    Func {
        name: name.into(),
        args: vec!["y".into(), "x".into()],
        ty: Type::I32,
        value: at(v("y")).add(at(v("y").add(Expr::i32(1)))),
        updates: vec![],
        output,
        origin: Origin::NONE,
    }
}

#[test]
fn root_level_under_strips_of_upsampling_computes_only_the_rows_read() {
    let copy = Func {
        name: "r".into(),
        args: vec!["y".into(), "x".into()],
        ty: Type::I32,
        value: Expr::call(CallKind::Input, "in", vec![v("y"), v("x")], Type::I32),
        updates: vec![],
        output: None,
        origin: Origin::NONE,
    };
    let p = Pipeline {
        name: "upsample".into(),
        inputs: vec![Input {
            name: "in".into(),
            ty: Type::I32,
            dims: 2,
        }],
        funcs: vec![
            copy,
            double("u3", "r", None),
            double("u2", "u3", None),
            double("u1", "u2", None),
            double("out", "u1", Some(0)),
        ],
        ..Default::default()
    };
    let mut ds = vec![
        directive(
            "out",
            "split",
            vec![ident("y"), ident("yo"), ident("yi"), int(8)],
        ),
        directive("r", "compute_root", vec![]),
        directive("r", "parallel", vec![ident("y"), int(4)]),
    ];
    for f in ["u1", "u2", "u3"] {
        ds.push(directive(f, "compute_at", vec![ident("out"), ident("yo")]));
    }
    for (rows, cols) in [(1, 1), (3, 5), (8, 2), (17, 3), (40, 2), (61, 1)] {
        let stores = count_stores(&p, &ds, rows, cols, [rows + 64, cols]);
        // A level whose last row is `last` reads rows `0 ..= (last + 1) / 2` of the one it
        // upsamples; `r` is four levels below the output.
        let mut last = rows as i64 - 1;
        for _ in 0..4 {
            last = (last + 1).div_euclid(2);
        }
        assert_eq!(
            stores.get("r").copied().unwrap_or(0),
            (last as usize + 1) * cols,
            "`r` at an output of {rows}x{cols}"
        );
    }
}
