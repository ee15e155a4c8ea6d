//! Pass `promote_accumulators`: an element updated on every iteration of a loop, at a place
//! that does not move with the loop, is accumulated in a small local array instead.
//!
//! A reduction whose taps are the inner loops (`for ry: for rx: vectorized for d:
//! f(x, d) = f(x, d) + w(ry, rx, d) * g(x + rx, d)`) loads and stores `f` on every tap. `f` is
//! a heap buffer or the caller's view, which LLVM cannot tell apart from `g` and `w` (raw
//! pointers), so it keeps every store. Halide's LLVM back end marks its buffers as not
//! aliasing; halite instead rewrites the loop so that the element lives in a local array,
//! which LLVM keeps in registers:
//!
//! ```text
//! allocate f.acc0 over [0, w):              (w: a constant bound of the lane loop's extent)
//!   if 0 < ry.extent && 0 < rx.extent:      (the original loads and stores f only then)
//!     let f.acc0.min.0 = lane min
//!     vectorized for d: f.acc0(d) = f(x, d)
//!     for ry: for rx: vectorized for d: f.acc0(d) = f.acc0(d) + w(..) * g(..)
//!     vectorized for d: f(x, d) = f.acc0(d)
//! ```
//!
//! Matched: a serial or unrolled loop whose body is a chain of lets and serial or unrolled
//! loops ending in one store (directly, or inside one vectorized loop of lets and the store),
//! where the store's arguments use none of the chain's names, the value reads `f` only at
//! those arguments, nothing else in the chain reads `f`, and the chain's loop bounds use none
//! of its names. Without a vector loop, the array has one element. Each iteration of the
//! tile's loops must store its own element (each loop moves one argument by a constant step,
//! loops of one argument digits of a mixed radix), or two slots would hold partial values of
//! one element.
//!
//! Pre: allocations are placed and every other pass has run (this only changes where values
//! are kept). Post: the same values are stored to `f`, in the same order of the reduction;
//! intermediate values live in `f.accN`, whose storage size is returned as entry lets.

use crate::schedule::calls;
use halite_core::{CallKind, Expr, ExprNode, ForKind, Stmt, Type};
use std::sync::Arc;

/// Runs the pass; returns the entry lets of the new arrays' sizes and the nest.
pub fn promote_accumulators(s: Stmt) -> (Vec<(Arc<str>, Expr)>, Stmt) {
    let mut p = Promote::default();
    let s = p.stmt(s);
    (p.lets, s)
}

/// The most elements of one local array (a register tile of 16 vectors of 16 lanes is 256).
const MAX_ELEMENTS: i64 = 1024;

#[derive(Default)]
struct Promote {
    lets: Vec<(Arc<str>, Expr)>,
    count: usize,
}

/// A loop of the chain: variable, min, extent, kind.
#[derive(Clone)]
struct Loop {
    var: Arc<str>,
    min: Expr,
    extent: Expr,
    kind: ForKind,
}

/// The matched chain of a loop's body.
struct Chain<'a> {
    /// The stored Func, its arguments and the stored value.
    func: Arc<str>,
    args: &'a [Expr],
    /// The loops that the stored element moves with (a tile), outermost first, then the
    /// vector loop if there is one: the dimensions of the local array.
    dims: Vec<Loop>,
    /// The lets the arguments need, in order.
    lets: Vec<(Arc<str>, Expr)>,
    /// Extents of the loops the element does not move with (the matched loop first).
    taps: Vec<Expr>,
    /// The element type.
    ty: Type,
}

impl Promote {
    fn stmt(&mut self, s: Stmt) -> Stmt {
        if let Stmt::For {
            kind: ForKind::Serial | ForKind::Unrolled(_),
            ..
        } = &s
        {
            if let Some(chain) = match_chain(&s) {
                return self.rewrite(&s, chain);
            }
        }
        s.map_children(&mut |c| self.stmt(c))
    }

    fn rewrite(&mut self, s: &Stmt, c: Chain<'_>) -> Stmt {
        let acc: Arc<str> = format!("{}.acc{}", c.func, self.count).into();
        self.count += 1;
        let ty = c.ty;
        let index: Vec<Expr> = if c.dims.is_empty() {
            vec![Expr::i32(0)]
        } else {
            c.dims
                .iter()
                .map(|l| Expr::var(l.var.clone(), Type::I32))
                .collect()
        };
        let mut bounds = Vec::new();
        let mut mins = Vec::new();
        for (d, l) in c.dims.iter().enumerate() {
            let size: Arc<str> = crate::passes::allocate::alloc_var(&acc, d).into();
            let n = crate::passes::tiles::constant_upper_bound(&l.extent).unwrap_or(1);
            self.lets.push((size.clone(), Expr::i64(n)));
            bounds.push((Expr::i64(0), Expr::var(size, Type::I64)));
            mins.push((crate::passes::loop_nest::min_var(&acc, d), l.min.clone()));
        }
        if c.dims.is_empty() {
            let size: Arc<str> = crate::passes::allocate::alloc_var(&acc, 0).into();
            self.lets.push((size.clone(), Expr::i64(1)));
            bounds.push((Expr::i64(0), Expr::var(size, Type::I64)));
            mins.push((crate::passes::loop_nest::min_var(&acc, 0), Expr::i32(0)));
        }
        let read_f = Expr::call(CallKind::Func, c.func.clone(), c.args.to_vec(), ty);
        let read_acc = Expr::call(CallKind::Func, acc.clone(), index.clone(), ty);
        // The loop with `f(args)` replaced by the array, in reads (only the stored value reads
        // `f`) and in the store.
        let inner = retarget_store(
            crate::passes::partition::replace(s, &read_f, &read_acc),
            &acc,
            &index,
        );
        // A copy of the tile's loops around a store (the lets the arguments need inside).
        let tile_loops = |store: Stmt| {
            let body = c.lets.iter().rev().fold(store, |b, (n, e)| Stmt::Let {
                name: n.clone(),
                value: e.clone(),
                body: Box::new(b),
            });
            c.dims.iter().rev().fold(body, |b, l| Stmt::For {
                var: l.var.clone(),
                min: l.min.clone(),
                extent: l.extent.clone(),
                kind: l.kind,
                body: Box::new(b),
            })
        };
        let load = tile_loops(Stmt::Store {
            func: acc.clone(),
            args: index.clone(),
            value: read_f.clone(),
        });
        let store = tile_loops(Stmt::Store {
            func: c.func.clone(),
            args: c.args.to_vec(),
            value: read_acc.clone(),
        });
        let nonempty = c
            .taps
            .iter()
            .map(|e| {
                Expr::binary(
                    halite_core::BinOp::Lt,
                    Expr::constant(halite_core::Value::from_i64(e.ty(), 0)),
                    e.clone(),
                )
            })
            .reduce(Expr::and)
            .unwrap_or_else(|| Expr::bool(true));
        let body =
            mins.into_iter()
                .rev()
                .fold(Stmt::block(vec![load, inner, store]), |b, (n, m)| {
                    Stmt::Let {
                        name: n.into(),
                        value: m,
                        body: Box::new(b),
                    }
                });
        let nonempty = halite_core::simplify(&nonempty);
        let body = if nonempty.as_const().and_then(|v| v.as_bool()) == Some(true) {
            body
        } else {
            Stmt::If {
                cond: nonempty,
                then: Box::new(body),
            }
        };
        Stmt::Allocate {
            func: acc,
            ty,
            bounds,
            body: Box::new(body),
        }
    }
}

/// `s` with its one store writing `acc(index)` instead.
fn retarget_store(s: Stmt, acc: &Arc<str>, index: &[Expr]) -> Stmt {
    match s {
        Stmt::Store { value, .. } => Stmt::Store {
            func: acc.clone(),
            args: index.to_vec(),
            value,
        },
        s => s.map_children(&mut |c| retarget_store(c, acc, index)),
    }
}

/// Whether distinct iterations of the tile's loops `dims` store distinct elements, so that
/// each element has its own slot of the local array: with the lets substituted, every loop of
/// the tile moves exactly one argument, by a constant non-zero step per iteration, and the
/// loops that move the same argument are digits of a mixed radix (a vector split's `ji * 8 +
/// ji_vec`: each step larger than the span of the smaller ones). A fused loop (`c = fu / 2`,
/// `k = fu % 2`) updates one element on two iterations: not promoted.
fn distinct_elements(args: &[Expr], lets: &[(&Arc<str>, &Expr)], dims: &[Loop]) -> bool {
    let full: Vec<Expr> = args
        .iter()
        .map(|a| {
            lets.iter().rev().fold(a.clone(), |a, (n, e)| {
                halite_core::expr::substitute(&a, &|m| (m == &***n).then(|| (*e).clone()))
            })
        })
        .collect();
    // Per argument: the (step, iterations) of each loop of the tile that moves it.
    let mut digits: Vec<Vec<(i64, i64)>> = vec![Vec::new(); full.len()];
    for l in dims {
        let uses: Vec<usize> = (0..full.len())
            .filter(|&i| full[i].uses_var(&l.var))
            .collect();
        let [i] = uses[..] else {
            return false;
        };
        let v = Expr::var(l.var.clone(), Type::I32);
        let next = halite_core::expr::substitute(&full[i], &|m| {
            (m == &*l.var).then(|| v.clone().add(Expr::i32(1)))
        });
        let step = halite_core::simplify(&next.sub(full[i].clone()));
        let (Some(step), Some(n)) = (
            step.as_int().filter(|&c| c != 0),
            crate::passes::tiles::constant_upper_bound(&l.extent),
        ) else {
            return false;
        };
        digits[i].push((step.saturating_abs(), n.max(1)));
    }
    digits.iter_mut().all(|d| {
        d.sort();
        let mut span = 0i64;
        d.iter().all(|&(step, n)| {
            let ok = step > span;
            span = span.saturating_add(step.saturating_mul(n - 1));
            ok
        })
    })
}

/// A step of the chain from the matched loop to the store.
enum Item<'a> {
    Let(&'a Arc<str>, &'a Expr),
    Loop(Loop),
}

/// The chain of the loop `s`, if it has the shape the pass rewrites.
fn match_chain(s: &Stmt) -> Option<Chain<'_>> {
    let Stmt::For {
        var,
        min,
        extent,
        kind,
        body,
    } = s
    else {
        return None;
    };
    let mut items = vec![Item::Loop(Loop {
        var: var.clone(),
        min: min.clone(),
        extent: extent.clone(),
        kind: *kind,
    })];
    let mut cur: &Stmt = body;
    let mut lane = None;
    loop {
        match cur {
            Stmt::Let { name, value, body } => {
                items.push(Item::Let(name, value));
                cur = body;
            }
            Stmt::For {
                var,
                min,
                extent,
                kind: kind @ (ForKind::Serial | ForKind::Unrolled(_)),
                body,
            } if lane.is_none() => {
                items.push(Item::Loop(Loop {
                    var: var.clone(),
                    min: min.clone(),
                    extent: extent.clone(),
                    kind: *kind,
                }));
                cur = body;
            }
            Stmt::For {
                var,
                min,
                extent,
                kind: kind @ (ForKind::Vectorized(_) | ForKind::VectorizedRow(_)),
                body,
            } if lane.is_none() => {
                lane = Some(Loop {
                    var: var.clone(),
                    min: min.clone(),
                    extent: extent.clone(),
                    kind: *kind,
                });
                cur = body;
            }
            Stmt::Store { .. } => break,
            _ => return None,
        }
    }
    let Stmt::Store { func, args, value } = cur else {
        return None;
    };
    // The lets the arguments need (transitively), and the loops they move with.
    let lets: Vec<(&Arc<str>, &Expr)> = items
        .iter()
        .filter_map(|i| match i {
            Item::Let(n, e) => Some((*n, *e)),
            Item::Loop(_) => None,
        })
        .collect();
    let mut needed = vec![false; lets.len()];
    for k in (0..lets.len()).rev() {
        let name = lets[k].0;
        needed[k] = args.iter().any(|a| a.uses_var(name))
            || (k + 1..lets.len()).any(|j| needed[j] && lets[j].1.uses_var(name));
    }
    let moves_element = |v: &str| {
        args.iter().any(|a| a.uses_var(v))
            || lets
                .iter()
                .zip(&needed)
                .any(|((_, e), &n)| n && e.uses_var(v))
    };
    let loops: Vec<&Loop> = items
        .iter()
        .filter_map(|i| match i {
            Item::Loop(l) => Some(l),
            Item::Let(..) => None,
        })
        .collect();
    let chain_names: Vec<&Arc<str>> = items
        .iter()
        .map(|i| match i {
            Item::Loop(l) => &l.var,
            Item::Let(n, _) => *n,
        })
        .chain(lane.as_ref().map(|l| &l.var))
        .collect();
    let invariant = |e: &Expr| !chain_names.iter().any(|n| e.uses_var(n));
    // The matched loop must not move the element; the others either move it (the tile) or
    // not (taps).
    if moves_element(&loops[0].var) {
        return None;
    }
    let mut dims: Vec<Loop> = Vec::new();
    let mut taps: Vec<Expr> = Vec::new();
    let mut varying: Vec<Arc<str>> = Vec::new();
    // The extent of a loop of the tile may use the loops of the tile around it (a vector
    // loop cut short at the edge of the image), which its copies before and after the taps
    // keep; its min (the array's first index) and a tap loop's bounds (tested before the
    // taps) use none of the chain.
    let tile_invariant = |e: &Expr, outer: &[Loop]| {
        chain_names
            .iter()
            .all(|n| !e.uses_var(n) || outer.iter().any(|l| &l.var == *n))
    };
    for l in &loops {
        if moves_element(&l.var) {
            if !invariant(&l.min) || !tile_invariant(&l.extent, &dims) {
                return None;
            }
            dims.push((*l).clone());
        } else {
            if !invariant(&l.min) || !invariant(&l.extent) {
                return None;
            }
            taps.push(l.extent.clone());
            varying.push(l.var.clone());
        }
    }
    if let Some(l) = &lane {
        if !invariant(&l.min) || !tile_invariant(&l.extent, &dims) {
            return None;
        }
        dims.push(l.clone());
    }
    // The lets the element needs may not change with the taps.
    for (k, (n, e)) in lets.iter().enumerate() {
        if varying.iter().any(|v| e.uses_var(v)) {
            if needed[k] {
                return None;
            }
            varying.push((*n).clone());
        }
    }
    if args
        .iter()
        .any(|a| varying.iter().any(|v| a.uses_var(v)) || calls(a, func))
        || lets.iter().any(|(_, e)| calls(e, func))
    {
        return None;
    }
    if !distinct_elements(args, &lets, &dims) {
        return None;
    }
    let mut elements = 1i64;
    for l in &dims {
        let n = crate::passes::tiles::constant_upper_bound(&l.extent)?;
        if n < 1 {
            return None;
        }
        elements = elements.saturating_mul(n);
    }
    if elements > MAX_ELEMENTS {
        return None;
    }
    // The value reads `f` at the stored element and nowhere else.
    let at_args = Expr::call(CallKind::Func, func.clone(), args.clone(), value.ty());
    let (mut same, mut other) = (false, false);
    value.visit(&mut |e| {
        if let ExprNode::Call { name, .. } = e.node() {
            if name == func {
                if *e == at_args {
                    same = true;
                } else {
                    other = true;
                }
            }
        }
    });
    if !same || other {
        return None;
    }
    // A let inside the value may not shadow a name the arguments use.
    let mut shadows = false;
    value.visit(&mut |e| {
        if let ExprNode::Let(n, _, _) = e.node() {
            shadows |= args.iter().any(|a| a.uses_var(n));
        }
    });
    if shadows {
        return None;
    }
    Some(Chain {
        func: func.clone(),
        args,
        dims,
        lets: lets
            .iter()
            .zip(&needed)
            .filter(|(_, &n)| n)
            .map(|((n, e), _)| ((*n).clone(), (*e).clone()))
            .collect(),
        taps,
        ty: value.ty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::BinOp;

    fn var(n: &str) -> Expr {
        Expr::var(n, Type::I32)
    }

    fn call(f: &str, args: Vec<Expr>) -> Expr {
        Expr::call(CallKind::Func, f, args, Type::F32)
    }

    fn taps(store_args: Vec<Expr>) -> Stmt {
        // for r in [0, +n): vectorized for d in [0, +8): f(x, d) = f(x, d) + g(x + r, d)
        let value = Expr::binary(
            BinOp::Add,
            call("f", store_args.clone()),
            call("g", vec![var("x").add(var("r")), var("d")]),
        );
        Stmt::For {
            var: "r".into(),
            min: Expr::i32(0),
            extent: var("n"),
            kind: ForKind::Serial,
            body: Box::new(Stmt::For {
                var: "d".into(),
                min: Expr::i32(0),
                extent: Expr::i32(8),
                kind: ForKind::Vectorized(8),
                body: Box::new(Stmt::Store {
                    func: "f".into(),
                    args: store_args,
                    value,
                }),
            }),
        }
    }

    /// A fused loop `fu` of a pure and a reduction variable (`c = fu / 2`, `k = fu % 2`)
    /// updates each element on two of its iterations: slots per iteration of `fu` would keep
    /// two partial sums and store only the last, so the loop is left alone.
    #[test]
    fn a_loop_that_updates_an_element_twice_is_not_promoted() {
        let c = var("fu").div(Expr::i32(2));
        let k = Expr::binary(BinOp::Rem, var("fu"), Expr::i32(2));
        let args = vec![var("y"), var("c.v")];
        let value = Expr::binary(
            BinOp::Add,
            call("f", args.clone()),
            call("g", vec![var("y").add(var("k.v")), var("c.v")]),
        );
        let body = Stmt::Let {
            name: "c.v".into(),
            value: c,
            body: Box::new(Stmt::Let {
                name: "k.v".into(),
                value: k,
                body: Box::new(Stmt::Store {
                    func: "f".into(),
                    args,
                    value,
                }),
            }),
        };
        let s = Stmt::For {
            var: "u".into(),
            min: Expr::i32(0),
            extent: Expr::i32(3),
            kind: ForKind::Unrolled(3),
            body: Box::new(Stmt::For {
                var: "fu".into(),
                min: Expr::i32(0),
                extent: Expr::i32(4),
                kind: ForKind::Serial,
                body: Box::new(body),
            }),
        };
        let (lets, out) = promote_accumulators(s.clone());
        assert!(lets.is_empty());
        assert_eq!(out, s);
    }

    /// Two loops of the tile moving one argument: promoted when they are digits of one index
    /// (`a * 4 + b` with `b` in `[0, 4)`), not when their ranges overlap (`a * 2 + b`: the
    /// element 2 is `(1, 0)` and `(0, 2)`).
    #[test]
    fn two_loops_of_one_argument_must_not_overlap() {
        let nest = |step: i32| {
            let x = var("a").mul(Expr::i32(step)).add(var("b"));
            let value = Expr::binary(
                BinOp::Add,
                call("f", vec![x.clone()]),
                call("g", vec![x.clone(), var("r")]),
            );
            let store = Stmt::Store {
                func: "f".into(),
                args: vec![x],
                value,
            };
            let lp = |v: &str, kind: ForKind, body: Stmt| Stmt::For {
                var: v.into(),
                min: Expr::i32(0),
                extent: Expr::i32(4),
                kind,
                body: Box::new(body),
            };
            lp(
                "r",
                ForKind::Serial,
                lp(
                    "a",
                    ForKind::Unrolled(4),
                    lp("b", ForKind::Vectorized(4), store),
                ),
            )
        };
        let (lets, _) = promote_accumulators(nest(4));
        assert_eq!(lets.len(), 2, "a * 4 + b: {lets:?}");
        let (lets, s) = promote_accumulators(nest(2));
        assert!(lets.is_empty(), "a * 2 + b:\n{s}");
    }

    #[test]
    fn a_tap_loop_accumulates_in_a_local_array() {
        let (lets, s) = promote_accumulators(taps(vec![var("x"), var("d")]));
        assert_eq!(lets, vec![("f.acc0.alloc.0".into(), Expr::i64(8))]);
        expect_test::expect![[r#"
            allocate f.acc0: f32 over [0, +f.acc0.alloc.0)
              if 0 < n:
                let f.acc0.min.0 = 0
                vectorized(x8) for d in [0, +8):
                  f.acc0(d) = f(x, d)
                for r in [0, +n):
                  vectorized(x8) for d in [0, +8):
                    f.acc0(d) = f.acc0(d) + g(x + r, d)
                vectorized(x8) for d in [0, +8):
                  f(x, d) = f.acc0(d)
        "#]]
        .assert_eq(&s.to_string());
    }

    /// A whole row of vectors (a vectorizing split folded back into one loop, whose extent
    /// has a constant bound) is an accumulator too.
    #[test]
    fn a_row_of_vectors_accumulates_in_a_local_array() {
        let Stmt::For {
            var: r,
            min,
            extent,
            kind,
            body,
        } = taps(vec![var("x"), var("d")])
        else {
            unreachable!()
        };
        let Stmt::For { body: store, .. } = *body else {
            unreachable!()
        };
        let row = Stmt::For {
            var: "d".into(),
            min: Expr::i32(0),
            extent: Expr::binary(BinOp::Min, Expr::i32(32), var("m")),
            kind: ForKind::VectorizedRow(8),
            body: store,
        };
        let s = Stmt::For {
            var: r,
            min,
            extent,
            kind,
            body: Box::new(row),
        };
        let (lets, s) = promote_accumulators(s);
        assert_eq!(lets, vec![("f.acc0.alloc.0".into(), Expr::i64(32))]);
        assert!(
            s.to_string()
                .contains("f.acc0(d) = f.acc0(d) + g(x + r, d)"),
            "{s}"
        );
    }

    #[test]
    fn a_register_tile_of_an_output_is_kept_in_a_local_array() {
        // for k: unrolled ii in [0, +2): let i.v = io * 2 + ii; vectorized j in [0, +8):
        //   c(i.v, j) = c(i.v, j) + a(i.v, k) * b(k, j)
        let iv = var("io").mul(Expr::i32(2)).add(var("ii"));
        let args = vec![var("i.v"), var("j")];
        let value = Expr::binary(
            BinOp::Add,
            call("c", args.clone()),
            Expr::binary(
                BinOp::Mul,
                call("a", vec![var("i.v"), var("k")]),
                call("b", vec![var("k"), var("j")]),
            ),
        );
        let s = Stmt::For {
            var: "k".into(),
            min: Expr::i32(0),
            extent: var("n"),
            kind: ForKind::Serial,
            body: Box::new(Stmt::For {
                var: "ii".into(),
                min: Expr::i32(0),
                extent: Expr::i32(2),
                kind: ForKind::Unrolled(2),
                body: Box::new(Stmt::Let {
                    name: "i.v".into(),
                    value: iv,
                    body: Box::new(Stmt::For {
                        var: "j".into(),
                        min: Expr::i32(0),
                        extent: Expr::i32(8),
                        kind: ForKind::Vectorized(8),
                        body: Box::new(Stmt::Store {
                            func: "c".into(),
                            args,
                            value,
                        }),
                    }),
                }),
            }),
        };
        let (lets, s) = promote_accumulators(s);
        assert_eq!(
            lets,
            vec![
                ("c.acc0.alloc.0".into(), Expr::i64(2)),
                ("c.acc0.alloc.1".into(), Expr::i64(8))
            ]
        );
        expect_test::expect![[r#"
            allocate c.acc0: f32 over [0, +c.acc0.alloc.0) x [0, +c.acc0.alloc.1)
              if 0 < n:
                let c.acc0.min.0 = 0
                let c.acc0.min.1 = 0
                unrolled(x2) for ii in [0, +2):
                  vectorized(x8) for j in [0, +8):
                    let i.v = io * 2 + ii
                    c.acc0(ii, j) = c(i.v, j)
                for k in [0, +n):
                  unrolled(x2) for ii in [0, +2):
                    let i.v = io * 2 + ii
                    vectorized(x8) for j in [0, +8):
                      c.acc0(ii, j) = c.acc0(ii, j) + a(i.v, k) * b(k, j)
                unrolled(x2) for ii in [0, +2):
                  vectorized(x8) for j in [0, +8):
                    let i.v = io * 2 + ii
                    c(i.v, j) = c.acc0(ii, j)
        "#]]
        .assert_eq(&s.to_string());
    }

    #[test]
    fn a_store_that_moves_with_the_loop_stays() {
        let s = taps(vec![var("r"), var("d")]);
        let (lets, out) = promote_accumulators(s.clone());
        assert!(lets.is_empty());
        assert_eq!(out, s);
    }
}
