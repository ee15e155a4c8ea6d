//! Pass `hoist_invariant_ifs`: an `if` that guards the whole body of a loop and does not
//! depend on the loop moves outside it.
//!
//! The predicate of an update (`where_`, or the guard a `split` of a reduction variable adds)
//! is lowered next to the store, inside the update's innermost loops; when it depends only on
//! outer loops (`ko * 256 + ki < n` inside loops over `i` and `j`), testing it once per
//! iteration of the loops it depends on keeps the inner loops free of branches, so that vector
//! loops stay vector code.
//!
//! A predicate that bounds the loop's own variable from above (`ro * 8 + lane < n` around a
//! loop over `lane`) shortens the loop instead: `for lane in [0, max(min(8, n - ro * 8), 0))`,
//! which code generation turns into full vectors and a tail.
//!
//! Pre: none. Post: `for v { lets; if c { s } }`, where neither `v` nor the lets appear in `c`
//! and `c` reads no buffer or Func, is `if c { for v { lets; s } }`; a conjunct `v + e < b` of `c` (with `e`, `b` free of `v`
//! and the lets) is the loop's bound instead; the program computes the same values (a loop
//! whose every iteration does nothing when `c` fails does nothing).

use halite_core::{BinOp, Expr, ExprNode, ForKind, Stmt, Type};
use std::sync::Arc;

/// Runs the pass, innermost loops first.
pub fn hoist_invariant_ifs(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => at_loop(var, min, extent, kind, hoist_invariant_ifs(*body)),
        s => s.map_children(&mut hoist_invariant_ifs),
    }
}

/// The pass at one loop whose body is done: while a conjunct of its guard bounds the loop
/// variable, that conjunct becomes the extent; then a guard free of the loop moves outside.
fn at_loop(var: Arc<str>, min: Expr, extent: Expr, kind: ForKind, body: Stmt) -> Stmt {
    let mut bound = vec![var.clone()];
    let mut cur = &body;
    while let Stmt::Let { name, body, .. } = cur {
        bound.push(name.clone());
        cur = body;
    }
    if let Stmt::If { cond, .. } = cur {
        if let Some((extent, rest)) = loop_bound(&var, &min, &extent, cond, &bound) {
            let body = match rest {
                Some(c) => replace_if(body, c),
                None => strip_if(body),
            };
            return at_loop(var, min, extent, kind, body);
        }
        // A condition that reads stays inside: outside, it would read where the loop runs no
        // iteration (a predicate `a(0) > t` around a loop over an empty `a`), which the entry
        // checks, taken where the read was, do not cover.
        if !bound.iter().any(|v| cond.uses_var(v)) && !cond.reads() {
            return Stmt::If {
                cond: cond.clone(),
                then: Box::new(Stmt::For {
                    var,
                    min,
                    extent,
                    kind,
                    body: Box::new(strip_if(body)),
                }),
            };
        }
    }
    Stmt::For {
        var,
        min,
        extent,
        kind,
        body: Box::new(body),
    }
}

/// Pass `hoist_invariant_branches` (after `tiles`): a serial or unrolled loop whose body is
/// `if c { a }` and `if !c { b }`, with `c` free of the loop variable, becomes
/// `if c { for v { a } }` and `if !c { for v { b } }`, innermost loops first and again on the
/// new loops.
///
/// The full-tile test of a register tile sits inside the reduction loop around the tile
/// (`for k: if full { tile } if !full { edge }`); outside it, the tile's loops form one
/// chain from `k` to the store, which `promote` keeps in registers.
///
/// Pre: none. Post: the same statements run in the same order (exactly one branch runs on
/// every iteration, the same one on all of them).
pub fn hoist_invariant_branches(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind: kind @ (ForKind::Serial | ForKind::Unrolled(_)),
            body,
        } => branches_out(var, min, extent, kind, hoist_invariant_branches(*body)),
        s => s.map_children(&mut hoist_invariant_branches),
    }
}

fn branches_out(var: Arc<str>, min: Expr, extent: Expr, kind: ForKind, body: Stmt) -> Stmt {
    if let Stmt::Block(v) = &body {
        if let [Stmt::If { cond: c, then: a }, Stmt::If { cond: nc, then: b }] = v.as_slice() {
            let complement =
                matches!(nc.node(), ExprNode::Unary(halite_core::UnOp::Not, x) if x == c);
            if complement && !c.uses_var(&var) && !c.reads() {
                let lp = |s: &Stmt| {
                    branches_out(var.clone(), min.clone(), extent.clone(), kind, s.clone())
                };
                return Stmt::Block(vec![
                    Stmt::If {
                        cond: c.clone(),
                        then: Box::new(lp(a)),
                    },
                    Stmt::If {
                        cond: nc.clone(),
                        then: Box::new(lp(b)),
                    },
                ]);
            }
        }
    }
    Stmt::For {
        var,
        min,
        extent,
        kind,
        body: Box::new(body),
    }
}

/// The loop's extent when a conjunct of `cond` is `var + e < b` (`i32`, with `e` and `b` free
/// of the names in `bound`), and the other conjuncts (`None`: there are none).
fn loop_bound(
    var: &Arc<str>,
    min: &Expr,
    extent: &Expr,
    cond: &Expr,
    bound: &[Arc<str>],
) -> Option<(Expr, Option<Expr>)> {
    let mut conjuncts: Vec<Expr> = cond.conjuncts().into_iter().cloned().collect();
    let v = Expr::var(var.clone(), Type::I32);
    let free = |e: &Expr| !bound.iter().any(|n| e.uses_var(n));
    let pos = conjuncts.iter().position(|c| {
        let (lhs, rhs) = match c.node() {
            ExprNode::Binary(BinOp::Lt, a, b) => (a, b.clone()),
            ExprNode::Binary(BinOp::Le, a, b) => (a, b.clone().add(Expr::i32(1))),
            _ => return false,
        };
        lhs.ty() == Type::I32
            && lhs.uses_var(var)
            && free(&rhs)
            && free(&halite_core::simplify(&lhs.clone().sub(v.clone())))
    })?;
    let c = conjuncts.remove(pos);
    let (lhs, rhs) = match c.node() {
        ExprNode::Binary(BinOp::Lt, a, b) => (a.clone(), b.clone()),
        ExprNode::Binary(BinOp::Le, a, b) => (a.clone(), b.clone().add(Expr::i32(1))),
        _ => unreachable!(),
    };
    // var < rhs - rest: the loop runs while var < min + extent and var < rhs - rest.
    // In i64, so that computing the bound cannot wrap where the predicate did not.
    let rest = halite_core::simplify(&lhs.sub(v));
    let wide = |e: Expr| Expr::cast(Type::I64, e);
    let limit = wide(rhs).sub(wide(rest)).sub(wide(min.clone()));
    let extent = Expr::cast(Type::I32, wide(extent.clone()).min(limit).max(Expr::i64(0)));
    let extent = halite_core::simplify(&extent);
    let rest = conjuncts.into_iter().reduce(|a, b| a.and(b));
    Some((extent, rest))
}

/// `lets; if c { s }` with the condition replaced.
fn replace_if(s: Stmt, cond: Expr) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => Stmt::Let {
            name,
            value,
            body: Box::new(replace_if(*body, cond)),
        },
        Stmt::If { then, .. } => Stmt::If { cond, then },
        s => s,
    }
}

/// `lets; if c { s }` without its `if`: `lets; s`.
fn strip_if(s: Stmt) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => Stmt::Let {
            name,
            value,
            body: Box::new(strip_if(*body)),
        },
        Stmt::If { then, .. } => *then,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Expr, ForKind, Type};

    /// A predicate on an outer loop leaves the two loops inside it.
    #[test]
    fn moves_a_predicate_out_of_loops_it_does_not_use() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("x")],
            value: v("k"),
        };
        let guarded = Stmt::If {
            cond: v("k").mul(v("k")).lt(v("n")),
            then: Box::new(store),
        };
        let inner = Stmt::For {
            var: "x".into(),
            min: Expr::i32(0),
            extent: Expr::i32(8),
            kind: ForKind::Vectorized(8),
            body: Box::new(Stmt::Let {
                name: "x.v".into(),
                value: v("x"),
                body: Box::new(guarded),
            }),
        };
        let outer = Stmt::For {
            var: "k".into(),
            min: Expr::i32(0),
            extent: v("m"),
            kind: ForKind::Serial,
            body: Box::new(inner),
        };
        expect_test::expect![[r#"
            for k in [0, +m):
              if k * k < n:
                vectorized(x8) for x in [0, +8):
                  let x.v = x
                  f(x) = k
        "#]]
        .assert_eq(&hoist_invariant_ifs(outer).to_string());
    }

    /// A predicate that reads stays in the loop: outside, it would read even when the loop
    /// runs no iteration (over an empty `a`, `a(0)` does not exist).
    #[test]
    fn a_predicate_that_reads_stays_inside() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let read = |i: Expr| Expr::call(halite_core::CallKind::Input, "a", vec![i], Type::I32);
        let nest = Stmt::For {
            var: "r".into(),
            min: Expr::i32(0),
            extent: v("a.extent.0"),
            kind: ForKind::Serial,
            body: Box::new(Stmt::If {
                cond: Expr::binary(halite_core::BinOp::Gt, read(Expr::i32(0)), v("t")),
                then: Box::new(Stmt::Store {
                    func: "f".into(),
                    args: vec![Expr::i32(0)],
                    value: read(v("r")),
                }),
            }),
        };
        expect_test::expect![[r#"
            for r in [0, +a.extent.0):
              if a(0) > t:
                f(0) = a(r)
        "#]]
        .assert_eq(&hoist_invariant_ifs(nest).to_string());
    }

    /// The guard of a split reduction variable bounds the loop over its inner part.
    #[test]
    fn a_bound_on_the_loop_variable_becomes_its_extent() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("lane")],
            value: v("lane"),
        };
        let cond = v("ro").mul(Expr::i32(8)).add(v("lane")).lt(v("n"));
        let nest = Stmt::For {
            var: "lane".into(),
            min: Expr::i32(0),
            extent: Expr::i32(8),
            kind: ForKind::Vectorized(8),
            body: Box::new(Stmt::If {
                cond: cond.and(v("q").lt(Expr::i32(3))),
                then: Box::new(store),
            }),
        };
        expect_test::expect![[r#"
            if q < 3:
              vectorized(x8) for lane in [0, +max(min(8, n as i64 - (ro * 8) as i64), 0) as i32):
                f(lane) = lane
        "#]]
        .assert_eq(&hoist_invariant_ifs(nest).to_string());
    }

    /// A full-tile test inside a reduction loop moves out of it, both branches.
    #[test]
    fn a_tile_test_leaves_the_reduction_loop() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let store = |x: &str| Stmt::Store {
            func: "f".into(),
            args: vec![v(x)],
            value: v("k"),
        };
        let full = v("t").lt(v("n"));
        let body = Stmt::Block(vec![
            Stmt::If {
                cond: full.clone(),
                then: Box::new(store("a")),
            },
            Stmt::If {
                cond: Expr::unary(halite_core::UnOp::Not, full),
                then: Box::new(store("b")),
            },
        ]);
        let k = Stmt::For {
            var: "k".into(),
            min: Expr::i32(0),
            extent: v("m"),
            kind: ForKind::Serial,
            body: Box::new(body),
        };
        expect_test::expect![[r#"
            if t < n:
              for k in [0, +m):
                f(a) = k
            if !(t < n):
              for k in [0, +m):
                f(b) = k
        "#]]
        .assert_eq(&hoist_invariant_branches(k).to_string());
    }
}
