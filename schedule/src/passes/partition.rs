//! Pass `partition_loops`: the steady state of a loop whose inner vector loop is cut short
//! only at the end.
//!
//! Splitting a reduction variable by `w` (`r` into `ro`, `ri`) with a guard gives
//! `for ro: vectorized for ri in [0, +max(min(w, n - ro * w), 0))`: `w` lanes on every
//! iteration but the last. Code generation would test the extent on every iteration (and LLVM
//! then cannot keep an accumulator vector in registers across the branch). This pass cuts the
//! outer loop in two, as Halide's loop partitioning does:
//!
//! ```text
//! let ro.steady = min + clamp(floor((n - w - min * w) / w) + 1, 0, extent)
//! for ro in [min, +(ro.steady - min)):         body[extent := w]
//! for ro in [ro.steady, +(min + extent - ro.steady)): body
//! ```
//!
//! Only loops that carry an accumulator (some store does not move with the loop variable, or
//! with a serial or unrolled loop inside it: the taps of a convolution around its vector loop,
//! whose vector `promote` keeps in registers only where the vector loop has a constant trip
//! count) and only inner loops of one unrolled block or of one to eight whole vectors (`w`
//! the unroll factor or a multiple of the vector width; code generation keeps such rows in
//! registers), where a test on every iteration costs as much as the work, are considered, and
//! only the first such extent of a body is used to partition it.
//!
//! Pre: none. Post: the same iterations in the same order; in the first loop the matched
//! extent is the constant `w`; in the second, unrolled loops are serial.

use halite_core::{BinOp, Expr, ExprMutator, ExprNode, ForKind, Stmt, Type};
use std::sync::Arc;

/// The most whole vectors of an inner vector loop that is partitioned: code generation emits
/// a row of constant extent of up to that many vectors one vector at a time, in registers.
pub const ROW_VECTORS: i64 = 8;

/// Runs the pass.
pub fn partition_loops(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let body = partition_loops(*body);
            let plain = |body: Stmt| Stmt::For {
                var: var.clone(),
                min: min.clone(),
                extent: extent.clone(),
                kind,
                body: Box::new(body),
            };
            if kind != ForKind::Serial {
                return plain(body);
            }
            let Some(cut) = find_cut(&body, &var) else {
                return plain(body);
            };
            let steady_name: Arc<str> = format!("{var}.steady").into();
            let steady = Expr::var(steady_name.clone(), Type::I32);
            let end = min.clone().add(extent.clone());
            // Steady iterations from `min`: the `v` with `b - v * c >= w`, i.e.
            // `t = b - w - min * c >= (v - min) * c`: `t / c + 1` of them when `t >= 0` (where
            // `/` truncates as it floors), none otherwise; at most `extent`.
            let t = cut
                .b
                .clone()
                .sub(Expr::i64(cut.w))
                .sub(Expr::cast(Type::I64, min.clone()).mul(Expr::i64(cut.c)));
            let count = Expr::select(
                Expr::binary(BinOp::Lt, t.clone(), Expr::i64(0)),
                Expr::i64(0),
                Expr::binary(
                    BinOp::Min,
                    Expr::binary(BinOp::Div, t, Expr::i64(cut.c)).add(Expr::i64(1)),
                    Expr::cast(Type::I64, extent.clone()),
                ),
            );
            let value = halite_core::simplify(&min.clone().add(Expr::cast(Type::I32, count)));
            let w = Expr::constant(halite_core::Value::from_i64(cut.extent.ty(), cut.w));
            let mut full = replace(&body, &cut.extent, &w);
            if let Some(name) = &cut.bound_to {
                full = replace_in_let(&full, name, &w);
            }
            // A full-tile test become `w == w` keeps only its branch.
            let full = constant_branches(super::simplify::simplify_stmt(&full));
            let first = Stmt::For {
                var: var.clone(),
                min: min.clone(),
                extent: halite_core::simplify(&steady.clone().sub(min.clone())),
                kind,
                body: Box::new(full),
            };
            // The rest runs only partial vectors (usually once, at the edge): its unrolled
            // loops stay loops, so that the edge does not multiply the code of the body.
            let rest = Stmt::For {
                var: var.clone(),
                min: steady.clone(),
                extent: halite_core::simplify(&end.sub(steady)),
                kind,
                body: Box::new(super::tiles::serial_unrolls(body)),
            };
            Stmt::Let {
                name: steady_name,
                value,
                body: Box::new(Stmt::block(vec![first, rest])),
            }
        }
        s => s.map_children(&mut partition_loops),
    }
}

/// `s` with each `if` whose condition is a constant replaced by its body or by nothing.
fn constant_branches(s: Stmt) -> Stmt {
    match s {
        Stmt::If { cond, then } => match cond.as_const().and_then(|v| v.as_bool()) {
            Some(true) => constant_branches(*then),
            Some(false) => Stmt::block(vec![]),
            _ => Stmt::If {
                cond,
                then: Box::new(constant_branches(*then)),
            },
        },
        Stmt::Block(v) => Stmt::block(v.into_iter().map(constant_branches).collect()),
        s => s.map_children(&mut constant_branches),
    }
}

/// An inner extent `max(min(w, b - v * c), 0)` (casts allowed, and `min(w - k, x) + k` for
/// `min(w, x + k)`): it is `w` while `b - v * c >= w`.
struct Cut {
    /// The extent expression as written in the nest (or the value of the `let` it names).
    extent: Expr,
    /// The name the extent is bound to, when the loop's extent is a `let` of the body.
    bound_to: Option<Expr>,
    w: i64,
    /// `b` and `c` in `i64`.
    b: Expr,
    c: i64,
}

/// The first vectorized or unrolled loop in `s` whose extent is a cut over `v`.
fn find_cut(s: &Stmt, v: &str) -> Option<Cut> {
    // The values of the names bound once in `s` (a region's extent, `let f.extent.3 = ..`,
    // bound in the body and used as a vector loop's extent).
    let mut lets: Vec<(Arc<str>, Expr, usize)> = Vec::new();
    s.visit(&mut |x| {
        if let Stmt::Let { name, value, .. } = x {
            match lets.iter_mut().find(|(n, ..)| n == name) {
                Some(l) => l.2 += 1,
                None => lets.push((name.clone(), value.clone(), 1)),
            }
        }
    });
    let mut found = None;
    let mut from_test = false;
    s.visit(&mut |x| {
        if found.is_some() {
            return;
        }
        if let Stmt::For {
            extent,
            kind: ForKind::Vectorized(k) | ForKind::VectorizedRow(k) | ForKind::Unrolled(k),
            ..
        } = x
        {
            let bound = extent.as_var().and_then(|n| {
                lets.iter()
                    .find(|(m, _, count)| &**m == n && *count == 1)
                    .map(|(m, value, _)| (m.clone(), value))
            });
            // One vector (or one unrolled copy) per iteration, or a few vectors (an
            // accumulator of several vectors): a per-iteration branch costs as much as the
            // work. Longer inner loops keep their test.
            let k = i64::from(*k);
            let vectors = match x {
                Stmt::For {
                    kind: ForKind::Unrolled(_),
                    ..
                } => 1,
                _ => ROW_VECTORS,
            };
            found = match bound {
                Some((name, value)) => as_cut(value, v).map(|c| Cut {
                    bound_to: Some(Expr::var(name, extent.ty())),
                    ..c
                }),
                None => as_cut(extent, v),
            }
            .filter(|c| c.w % k == 0 && (1..=vectors).contains(&(c.w / k)));
        }
        // The test of a full tile (`specialize_full_tiles`): `min(w, b - v * c) == w`, alone
        // or among `&&`: the loops inside are unrolled in the branch it guards, and a
        // reduction loop split by `w` around the tile takes that branch on every iteration
        // but the last (and `promote` can then keep the tile in registers across the whole
        // loop instead of one iteration).
        if let Stmt::If { cond, .. } = x {
            found = cond.conjuncts().into_iter().find_map(|t| match t.node() {
                ExprNode::Binary(BinOp::Eq, e, w) => {
                    as_cut(e, v).filter(|c| w.as_int() == Some(c.w))
                }
                _ => None,
            });
            from_test = found.is_some();
        }
    });
    // The cut point is computed before the loop: `b` may use only names bound outside it.
    let mut bound_inside: Vec<Arc<str>> = Vec::new();
    s.visit(&mut |x| match x {
        Stmt::Let { name, .. } => bound_inside.push(name.clone()),
        Stmt::For { var, .. } => bound_inside.push(var.clone()),
        _ => {}
    });
    let found = found.filter(|c| !bound_inside.iter().any(|n| c.b.uses_var(n)));
    // Only accumulators: some store does not move with `v`, or with a serial or unrolled
    // loop inside it (a tap loop around the vector loop), so the stored vector is carried
    // from one iteration to the next (LLVM keeps it in registers only without a branch
    // around it). Where every store moves with every loop, the test on each iteration is
    // cheap, and a second copy of the loop measured slower.
    // A full-tile test cuts only a loop that itself carries the accumulator (the outer part
    // of a split reduction loop): around a loop of tiles, the test on each tile is cheap and
    // the cut would copy the whole tile's code.
    if from_test {
        return found.filter(|_| carries(v, s));
    }
    let carried = carries(v, s) || {
        let mut inner = false;
        s.visit(&mut |x| {
            if let Stmt::For {
                var,
                kind: ForKind::Serial | ForKind::Unrolled(_),
                body,
                ..
            } = x
            {
                inner |= carries(var, body);
            }
        });
        inner
    };
    found.filter(|_| carried)
}

/// Whether some store in `s` (the body of the loop over `v`) does not move with `v`.
fn carries(v: &str, s: &Stmt) -> bool {
    let moving = names_moving_with(v, s);
    let mut carried = false;
    s.visit(&mut |x| {
        if let Stmt::Store { args, .. } = x {
            carried |= !args.iter().any(|a| moving.iter().any(|n| a.uses_var(n)));
        }
    });
    carried
}

/// `v` and the names bound in `s` that move with it: lets whose values use a moving name,
/// and loop variables whose loop starts at one (a tile's loop over its region).
fn names_moving_with(v: &str, s: &Stmt) -> Vec<Arc<str>> {
    let mut names: Vec<Arc<str>> = vec![v.into()];
    s.visit(&mut |x| {
        let (name, value) = match x {
            Stmt::Let { name, value, .. } => (name, value),
            Stmt::For { var, min, .. } => (var, min),
            _ => return,
        };
        if names.iter().any(|n| value.uses_var(n)) {
            names.push(name.clone());
        }
    });
    names
}

/// Strips a cast to a type that holds every value of the expression inside (the cast back to
/// `i32` of an extent computed in `i64` and clamped to `[0, w]`).
fn clamped_cast(e: &Expr) -> &Expr {
    match e.node() {
        ExprNode::Cast(a) if a.ty().is_int() && e.ty().is_int() => a,
        _ => e,
    }
}

fn as_cut(extent: &Expr, v: &str) -> Option<Cut> {
    // `max(.., 0)` around `min(w, ..)`, in either order; the cast of the result is exact
    // because the value lies in `[0, w]`.
    let inner = clamped_cast(extent);
    let inner = match inner.node() {
        ExprNode::Binary(BinOp::Max, a, b) if b.as_int() == Some(0) => a,
        ExprNode::Binary(BinOp::Max, a, b) if a.as_int() == Some(0) => b,
        _ => inner,
    };
    // `min(w - k, x) + k` (a region's extent `max - min + 1`) is `min(w, x + k)`.
    let (inner, k) = match inner.node() {
        ExprNode::Binary(BinOp::Add, m, k) if k.as_int().is_some() => (m, k.as_int()?),
        _ => (inner, 0),
    };
    let ExprNode::Binary(BinOp::Min, a, b) = inner.node() else {
        return None;
    };
    let (w, x) = match (a.as_int(), b.as_int()) {
        (Some(w), None) => (w.checked_add(k)?, b),
        (None, Some(w)) => (w.checked_add(k)?, a),
        _ => return None,
    };
    if w <= 0 || w > i64::from(i32::MAX) {
        return None;
    }
    // The arithmetic must not wrap for the rewrite to be exact: only `i32` values widened to
    // `i64`, or `i64` itself where `b - v * c` was computed.
    if x.ty() != Type::I64 && x.ty() != Type::I32 {
        return None;
    }
    let (rest, coeff) = affine(x, v)?;
    let c = coeff.checked_neg().filter(|&c| c > 0)?;
    let b_ = halite_core::simplify(&rest.add(Expr::i64(k)));
    Some(Cut {
        extent: extent.clone(),
        bound_to: None,
        w,
        b: b_,
        c,
    })
}

/// `e` as `rest + coeff * v` (`rest` in `i64`, free of `v`), through `+ - *` by constants,
/// negation and widening casts; `None` for any other use of `v`.
fn affine(e: &Expr, v: &str) -> Option<(Expr, i64)> {
    if !e.uses_var(v) {
        return Some((Expr::cast(Type::I64, e.clone()), 0));
    }
    match e.node() {
        ExprNode::Var(n) if &**n == v => Some((Expr::i64(0), 1)),
        ExprNode::Cast(a) if e.ty().holds_all_of(a.ty()) => affine(a, v),
        ExprNode::Unary(halite_core::UnOp::Neg, a) => {
            let (r, c) = affine(a, v)?;
            Some((Expr::i64(0).sub(r), c.checked_neg()?))
        }
        ExprNode::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let ((ra, ca), (rb, cb)) = (affine(a, v)?, affine(b, v)?);
            if *op == BinOp::Add {
                Some((ra.add(rb), ca.checked_add(cb)?))
            } else {
                Some((ra.sub(rb), ca.checked_sub(cb)?))
            }
        }
        ExprNode::Binary(BinOp::Mul, a, b) => {
            let (x, k) = match (a.as_int(), b.as_int()) {
                (_, Some(k)) => (a, k),
                (Some(k), _) => (b, k),
                _ => return None,
            };
            let (r, c) = affine(x, v)?;
            Some((r.mul(Expr::i64(k)), c.checked_mul(k)?))
        }
        _ => None,
    }
}

/// `s` with the uses of the `let` named `name` (the one let binding it) replaced by `to`.
fn replace_in_let(s: &Stmt, name: &Expr, to: &Expr) -> Stmt {
    match s {
        Stmt::Let {
            name: n,
            value,
            body,
        } if Some(&**n) == name.as_var() => Stmt::Let {
            name: n.clone(),
            value: value.clone(),
            body: Box::new(replace(body, name, to)),
        },
        s => s
            .clone()
            .map_children(&mut |c| replace_in_let(&c, name, to)),
    }
}

/// `s` with every occurrence of the expression `from` replaced by `to`.
pub(crate) fn replace(s: &Stmt, from: &Expr, to: &Expr) -> Stmt {
    struct Replace<'a>(&'a Expr, &'a Expr);
    impl ExprMutator for Replace<'_> {
        fn mutate(&mut self, e: &Expr) -> Expr {
            if e == self.0 {
                return self.1.clone();
            }
            self.mutate_children(e)
        }
    }
    s.map_exprs(&mut |e| Replace(from, to).mutate(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inner vector loop of a guarded split of `r` by 8 runs 8 lanes in the first part.
    #[test]
    fn a_guarded_inner_vector_loop_gets_its_steady_state() {
        let n = Expr::var("n", Type::I32);
        let ro = Expr::var("ro", Type::I32);
        let ext = Expr::cast(
            Type::I32,
            Expr::binary(
                BinOp::Max,
                Expr::binary(
                    BinOp::Min,
                    Expr::i64(8),
                    Expr::cast(Type::I64, n.clone())
                        .sub(Expr::cast(Type::I64, ro.mul(Expr::i32(8)))),
                ),
                Expr::i64(0),
            ),
        );
        let inner = Stmt::For {
            var: "ri".into(),
            min: Expr::i32(0),
            extent: ext,
            kind: ForKind::Vectorized(8),
            body: Box::new(Stmt::Store {
                func: "f".into(),
                args: vec![Expr::var("ri", Type::I32)],
                value: Expr::i32(1),
            }),
        };
        let s = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: n.add(Expr::i32(7)).div(Expr::i32(8)),
            kind: ForKind::Serial,
            body: Box::new(inner),
        };
        let out = partition_loops(s).to_string();
        expect_test::expect![[r#"
            let ro.steady = select(n as i64 - 8 < 0, 0, min((n as i64 - 8) / 8 + 1, ((n + 7) / 8) as i64)) as i32
            for ro in [0, +ro.steady):
              vectorized(x8) for ri in [0, +8):
                f(ri) = 1
            for ro in [ro.steady, +(n + 7) / 8 - ro.steady):
              vectorized(x8) for ri in [0, +max(min(8, n as i64 - (ro * 8) as i64), 0) as i32):
                f(ri) = 1
        "#]]
        .assert_eq(&out);
    }

    /// A split by a few whole vectors (an `rfactor` over 4 vectors of 8 lanes) is cut too; a
    /// longer row keeps its test.
    #[test]
    fn rows_of_a_few_vectors_are_cut_and_longer_ones_not() {
        let guarded = |w: i64| {
            let n = Expr::var("n", Type::I32);
            let ro = Expr::var("ro", Type::I32);
            let ext = Expr::cast(
                Type::I32,
                Expr::binary(
                    BinOp::Min,
                    Expr::i64(w),
                    Expr::cast(Type::I64, n.clone())
                        .sub(Expr::cast(Type::I64, ro.mul(Expr::i32(w as i32)))),
                ),
            );
            let acc = Stmt::Store {
                func: "acc".into(),
                args: vec![Expr::var("ri", Type::I32)],
                value: Expr::i32(1),
            };
            Stmt::For {
                var: "ro".into(),
                min: Expr::i32(0),
                extent: n.add(Expr::i32(w as i32 - 1)).div(Expr::i32(w as i32)),
                kind: ForKind::Serial,
                body: Box::new(Stmt::For {
                    var: "ri".into(),
                    min: Expr::i32(0),
                    extent: ext,
                    kind: ForKind::VectorizedRow(8),
                    body: Box::new(acc),
                }),
            }
        };
        let four = partition_loops(guarded(32)).to_string();
        assert!(
            four.contains("ro.steady") && four.contains("for ri in [0, +32)"),
            "{four}"
        );
        let nine = partition_loops(guarded(72)).to_string();
        assert!(!nine.contains("steady"), "{nine}");
        let uneven = partition_loops(guarded(36)).to_string();
        assert!(!uneven.contains("steady"), "{uneven}");
    }

    /// Against brute force: the steady part is exactly the iterations whose extent is `w`,
    /// for loops starting below, at and above zero and extents that run short at once.
    #[test]
    fn the_steady_part_is_exactly_the_full_iterations() {
        use halite_core::expr::substitute;
        for (w, c) in [(8i64, 8i64), (8, 4), (4, 8), (1, 1), (16, 16)] {
            for n in -3..40i32 {
                for lo in -3..4i32 {
                    for (ext, form) in (0..12i32).flat_map(|e| [(e, 0), (e, 1)]) {
                        let v = Expr::var("v", Type::I32);
                        let n64 = Expr::cast(Type::I64, Expr::var("n", Type::I32));
                        // The guarded split's extent, and a region's `max - min + 1`.
                        let extent = if form == 0 {
                            Expr::cast(
                                Type::I32,
                                Expr::binary(
                                    BinOp::Max,
                                    Expr::binary(
                                        BinOp::Min,
                                        Expr::i64(w),
                                        n64.sub(Expr::cast(Type::I64, v.mul(Expr::i32(c as i32)))),
                                    ),
                                    Expr::i64(0),
                                ),
                            )
                        } else {
                            let x = Expr::unary(
                                halite_core::UnOp::Neg,
                                Expr::cast(Type::I64, v).mul(Expr::i64(c)),
                            )
                            .add(n64)
                            .sub(Expr::i64(1));
                            Expr::cast(
                                Type::I32,
                                Expr::binary(BinOp::Min, Expr::i64(w - 1), x).add(Expr::i64(1)),
                            )
                        };
                        let s = Stmt::For {
                            var: "v".into(),
                            min: Expr::i32(lo),
                            extent: Expr::i32(ext),
                            kind: ForKind::Serial,
                            body: Box::new(Stmt::For {
                                var: "l".into(),
                                min: Expr::i32(0),
                                extent: extent.clone(),
                                kind: ForKind::Vectorized(w as u32),
                                body: Box::new(Stmt::Store {
                                    func: "acc".into(),
                                    args: vec![Expr::var("l", Type::I32)],
                                    value: Expr::i32(0),
                                }),
                            }),
                        };
                        let Stmt::Let { value, .. } = partition_loops(s) else {
                            panic!("not partitioned")
                        };
                        let at = |e: &Expr, vv: Option<i32>| {
                            let e = substitute(e, &|m| match m {
                                "n" => Some(Expr::i32(n)),
                                "v" => vv.map(Expr::i32),
                                _ => None,
                            });
                            halite_core::simplify(&e).as_int().expect("a constant")
                        };
                        let steady = at(&value, None);
                        let full = (lo..lo + ext).take_while(|&i| at(&extent, Some(i)) == w);
                        let want = i64::from(lo) + full.count() as i64;
                        assert_eq!(
                            steady, want,
                            "w={w} c={c} n={n} min={lo} extent={ext} form {form}"
                        );
                    }
                }
            }
        }
    }

    /// A vector loop whose extent is a `let` of the body (a region's extent) is cut on the
    /// let's value; the steady part binds the let to the width and uses the constant.
    #[test]
    fn an_extent_bound_by_a_let_is_cut_on_its_value() {
        let ro = Expr::var("ro", Type::I32);
        let n = Expr::var("n", Type::I32);
        let e = Expr::var("e.extent.3", Type::I32);
        let x = Expr::unary(
            halite_core::UnOp::Neg,
            Expr::cast(Type::I64, ro).mul(Expr::i64(16)),
        )
        .add(Expr::cast(Type::I64, n.clone()))
        .sub(Expr::i64(1));
        let value = Expr::cast(
            Type::I32,
            Expr::binary(BinOp::Min, Expr::i64(15), x).add(Expr::i64(1)),
        );
        let s = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: n.add(Expr::i32(15)).div(Expr::i32(16)),
            kind: ForKind::Serial,
            body: Box::new(Stmt::Let {
                name: "e.extent.3".into(),
                value,
                body: Box::new(Stmt::For {
                    var: "d".into(),
                    min: Expr::i32(0),
                    extent: e,
                    kind: ForKind::Vectorized(16),
                    body: Box::new(Stmt::Store {
                        func: "acc".into(),
                        args: vec![Expr::var("d", Type::I32)],
                        value: Expr::i32(0),
                    }),
                }),
            }),
        };
        expect_test::expect![[r#"
            let ro.steady = select(n as i64 - 16 < 0, 0, min((n as i64 - 16) / 16 + 1, ((n + 15) / 16) as i64)) as i32
            for ro in [0, +ro.steady):
              let e.extent.3 = 16
              vectorized(x16) for d in [0, +16):
                acc(d) = 0
            for ro in [ro.steady, +(n + 15) / 16 - ro.steady):
              let e.extent.3 = (min(15, -(ro as i64 * 16) + n as i64 - 1) + 1) as i32
              vectorized(x16) for d in [0, +e.extent.3):
                acc(d) = 0
        "#]].assert_eq(&partition_loops(s).to_string());
    }

    /// A reduction loop split by 2 around a tile: the full-tile test of its body
    /// (`min(2, n - ko * 2) == 2`, from `specialize_full_tiles`) cuts it, and the steady
    /// loop keeps only the full tile's branch, with no test left inside.
    #[test]
    fn a_full_tile_test_cuts_the_loop_around_it() {
        let n = Expr::var("n", Type::I32);
        let ko = Expr::var("ko", Type::I32);
        let ext = Expr::binary(
            BinOp::Min,
            Expr::i32(2),
            n.clone().sub(ko.mul(Expr::i32(2))),
        );
        let full = Expr::binary(BinOp::Eq, ext.clone(), Expr::i32(2));
        let store = |v: i32| Stmt::Store {
            func: "acc".into(),
            args: vec![Expr::i32(0)],
            value: Expr::i32(v),
        };
        let tap = |extent: Expr, kind| Stmt::For {
            var: "ki".into(),
            min: Expr::i32(0),
            extent,
            kind,
            body: Box::new(store(1)),
        };
        let s = Stmt::For {
            var: "ko".into(),
            min: Expr::i32(0),
            extent: n.add(Expr::i32(1)).div(Expr::i32(2)),
            kind: ForKind::Serial,
            body: Box::new(Stmt::block(vec![
                Stmt::If {
                    cond: full.clone(),
                    then: Box::new(tap(Expr::i32(2), ForKind::Unrolled(2))),
                },
                Stmt::If {
                    cond: Expr::unary(halite_core::UnOp::Not, full),
                    then: Box::new(tap(ext, ForKind::Serial)),
                },
            ])),
        };
        expect_test::expect![[r#"
            let ko.steady = select(n as i64 - 2 < 0, 0, min((n as i64 - 2) / 2 + 1, ((n + 1) / 2) as i64)) as i32
            for ko in [0, +ko.steady):
              unrolled(x2) for ki in [0, +2):
                acc(0) = 1
            for ko in [ko.steady, +(n + 1) / 2 - ko.steady):
              if min(2, n - ko * 2) == 2:
                for ki in [0, +2):
                  acc(0) = 1
              if !(min(2, n - ko * 2) == 2):
                for ki in [0, +min(2, n - ko * 2)):
                  acc(0) = 1
        "#]]
        .assert_eq(&partition_loops(s).to_string());
    }

    /// A bound computed inside the loop (a `let` of its body) cannot place the cut before
    /// the loop: the loop stays whole.
    #[test]
    fn a_bound_from_inside_the_body_is_not_used() {
        let ro = Expr::var("ro", Type::I32);
        let e = Expr::var("e", Type::I32);
        let ext = Expr::binary(
            BinOp::Min,
            Expr::i32(8),
            e.sub(ro.clone().mul(Expr::i32(8))),
        );
        let s = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: Expr::i32(4),
            kind: ForKind::Serial,
            body: Box::new(Stmt::Let {
                name: "e".into(),
                value: ro.add(Expr::var("n", Type::I32)),
                body: Box::new(Stmt::For {
                    var: "ri".into(),
                    min: Expr::i32(0),
                    extent: ext,
                    kind: ForKind::Vectorized(8),
                    body: Box::new(Stmt::Store {
                        func: "acc".into(),
                        args: vec![Expr::var("ri", Type::I32)],
                        value: Expr::i32(0),
                    }),
                }),
            }),
        };
        let out = partition_loops(s.clone()).to_string();
        assert_eq!(out, s.to_string());
    }

    /// A row of vectors whose stores move with the row loop is partitioned only when a tap
    /// loop around the vector loop carries each vector.
    #[test]
    fn tap_loops_carry_the_vector() {
        let x = Expr::var("x", Type::I32);
        let n = Expr::var("n", Type::I32);
        let ext = Expr::binary(
            BinOp::Min,
            Expr::i32(8),
            n.clone().sub(x.clone().mul(Expr::i32(8))),
        );
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![x.clone().mul(Expr::i32(8)).add(Expr::var("v", Type::I32))],
            value: Expr::i32(0),
        };
        let lanes = Stmt::For {
            var: "v".into(),
            min: Expr::i32(0),
            extent: ext,
            kind: ForKind::Vectorized(8),
            body: Box::new(store),
        };
        let row = |body: Stmt| Stmt::For {
            var: "x".into(),
            min: Expr::i32(0),
            extent: n.clone().add(Expr::i32(7)).div(Expr::i32(8)),
            kind: ForKind::Serial,
            body: Box::new(body),
        };
        let plain = row(lanes.clone());
        assert_eq!(partition_loops(plain.clone()), plain);
        let taps = row(Stmt::For {
            var: "r".into(),
            min: Expr::i32(0),
            extent: Expr::i32(3),
            kind: ForKind::Unrolled(3),
            body: Box::new(lanes),
        });
        assert!(partition_loops(taps).to_string().contains("x.steady"));
    }
}
