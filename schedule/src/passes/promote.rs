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
//! of its names. Without a vector loop, the array has one element.
//!
//! Pre: allocations are placed and every other pass has run (this only changes where values
//! are kept). Post: the same values are stored to `f`, in the same order of the reduction;
//! intermediate values live in `f.accN`, whose storage size is returned as entry lets.

use halite_core::{CallKind, Expr, ExprMutator, ExprNode, ForKind, Stmt, Type};
use std::sync::Arc;

/// The largest lane loop whose elements are moved to a local array.
const MAX_LANES: i64 = 64;

/// Runs the pass; returns the entry lets of the new arrays' sizes and the nest.
pub fn promote_accumulators(s: Stmt) -> (Vec<(Arc<str>, Expr)>, Stmt) {
    let mut p = Promote::default();
    let s = p.stmt(s);
    (p.lets, s)
}

#[derive(Default)]
struct Promote {
    lets: Vec<(Arc<str>, Expr)>,
    count: usize,
}

/// The matched chain of a loop's body.
struct Chain<'a> {
    /// The stored Func, its arguments and the stored value.
    func: Arc<str>,
    args: &'a [Expr],
    /// The lane loop (variable, min, extent, width) and its lets the arguments need.
    lane: Option<(Arc<str>, Expr, Expr, u32)>,
    lane_lets: Vec<(Arc<str>, Expr)>,
    /// Extents of the chain's loops (the matched loop first).
    extents: Vec<Expr>,
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
        let ty = store_type(s);
        let (lanes, index) = match &c.lane {
            Some((v, _, ext, _)) => (
                crate::passes::tiles::constant_upper_bound(ext).unwrap_or(1),
                Expr::var(v.clone(), Type::I32),
            ),
            None => (1, Expr::i32(0)),
        };
        let size: Arc<str> = crate::passes::allocate::alloc_var(&acc, 0).into();
        self.lets.push((size.clone(), Expr::i64(lanes)));
        let read_f = Expr::call(CallKind::Func, c.func.clone(), c.args.to_vec(), ty);
        let read_acc = Expr::call(CallKind::Func, acc.clone(), vec![index.clone()], ty);
        // The loop with `f(args)` replaced by the array, in reads and in the store.
        let mut rep = Replace {
            from: &read_f,
            to: &read_acc,
        };
        let inner = replace_store(s.clone(), &mut rep, &acc, &index);
        let lane_loop = |body: Stmt| match &c.lane {
            Some((v, min, ext, w)) => {
                let body = c.lane_lets.iter().rev().fold(body, |b, (n, e)| Stmt::Let {
                    name: n.clone(),
                    value: e.clone(),
                    body: Box::new(b),
                });
                Stmt::For {
                    var: v.clone(),
                    min: min.clone(),
                    extent: ext.clone(),
                    kind: ForKind::Vectorized(*w),
                    body: Box::new(body),
                }
            }
            None => body,
        };
        let load = lane_loop(Stmt::Store {
            func: acc.clone(),
            args: vec![index.clone()],
            value: read_f.clone(),
        });
        let store = lane_loop(Stmt::Store {
            func: c.func.clone(),
            args: c.args.to_vec(),
            value: read_acc.clone(),
        });
        let min = match &c.lane {
            Some((_, m, _, _)) => m.clone(),
            None => Expr::i32(0),
        };
        let nonempty = c
            .extents
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
        let body = Stmt::Let {
            name: crate::passes::loop_nest::min_var(&acc, 0).into(),
            value: min,
            body: Box::new(Stmt::block(vec![load, inner, store])),
        };
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
            bounds: vec![(Expr::i64(0), Expr::var(size, Type::I64))],
            body: Box::new(body),
        }
    }
}

/// The type of the one store in `s`.
fn store_type(s: &Stmt) -> Type {
    let mut ty = Type::I32;
    s.visit(&mut |x| {
        if let Stmt::Store { value, .. } = x {
            ty = value.ty();
        }
    });
    ty
}

/// `s` with its one store writing `acc(index)` the value with `f(args)` replaced.
fn replace_store(s: Stmt, rep: &mut Replace<'_>, acc: &Arc<str>, index: &Expr) -> Stmt {
    match s {
        Stmt::Store { value, .. } => Stmt::Store {
            func: acc.clone(),
            args: vec![index.clone()],
            value: rep.mutate(&value),
        },
        s => s.map_children(&mut |c| replace_store(c, rep, acc, index)),
    }
}

struct Replace<'a> {
    from: &'a Expr,
    to: &'a Expr,
}

impl ExprMutator for Replace<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        if e == self.from {
            return self.to.clone();
        }
        self.mutate_children(e)
    }
}

/// Whether `e` reads Func `f`.
fn reads(e: &Expr, f: &str) -> bool {
    crate::schedule::calls(e, f)
}

/// The chain of the loop `s`, if it has the shape the pass rewrites.
fn match_chain(s: &Stmt) -> Option<Chain<'_>> {
    let Stmt::For {
        var,
        min,
        extent,
        body,
        ..
    } = s
    else {
        return None;
    };
    // Names bound by the chain: they change from one step of the reduction to the next.
    let mut moving: Vec<Arc<str>> = vec![var.clone()];
    let mut extents = vec![extent.clone()];
    let mut bounds = vec![min.clone(), extent.clone()];
    let mut lets: Vec<&Expr> = Vec::new();
    let mut cur: &Stmt = body;
    let lane;
    loop {
        match cur {
            Stmt::Let { name, value, body } => {
                moving.push(name.clone());
                lets.push(value);
                cur = body;
            }
            Stmt::For {
                var,
                min,
                extent,
                kind: ForKind::Serial | ForKind::Unrolled(_),
                body,
            } => {
                moving.push(var.clone());
                extents.push(extent.clone());
                bounds.push(min.clone());
                bounds.push(extent.clone());
                cur = body;
            }
            Stmt::For {
                var,
                min,
                extent,
                kind: ForKind::Vectorized(w),
                body,
            } => {
                lane = Some((var, min, extent, *w));
                cur = body;
                break;
            }
            Stmt::Store { .. } => {
                lane = None;
                break;
            }
            _ => return None,
        }
    }
    // Inside the lane loop: lets, then the store.
    let mut lane_lets: Vec<(Arc<str>, Expr)> = Vec::new();
    let mut varying: Vec<Arc<str>> = moving.clone();
    let mut inner_lets: Vec<&Expr> = Vec::new();
    while let Stmt::Let { name, value, body } = cur {
        if varying.iter().any(|n| value.uses_var(n)) {
            varying.push(name.clone());
        } else {
            lane_lets.push((name.clone(), value.clone()));
        }
        inner_lets.push(value);
        cur = body;
    }
    let Stmt::Store { func, args, value } = cur else {
        return None;
    };
    let uses_moving = |e: &Expr| varying.iter().any(|n| e.uses_var(n));
    if args.iter().any(|a| uses_moving(a) || reads(a, func))
        || bounds.iter().any(|b| moving.iter().any(|n| b.uses_var(n)))
        || lets.iter().chain(inner_lets.iter()).any(|e| reads(e, func))
    {
        return None;
    }
    if let Some((v, min, ext, _)) = &lane {
        let lanes = crate::passes::tiles::constant_upper_bound(ext);
        if lanes.is_none_or(|n| !(1..=MAX_LANES).contains(&n))
            || min.uses_var(v)
            || moving.iter().any(|n| min.uses_var(n) || ext.uses_var(n))
            || lane_lets.iter().any(|(_, e)| reads(e, func))
        {
            return None;
        }
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
        lane: lane.map(|(v, m, e, w)| (v.clone(), m.clone(), e.clone(), w)),
        lane_lets,
        extents,
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

    #[test]
    fn a_store_that_moves_with_the_loop_stays() {
        let s = taps(vec![var("r"), var("d")]);
        let (lets, out) = promote_accumulators(s.clone());
        assert!(lets.is_empty());
        assert_eq!(out, s);
    }
}
