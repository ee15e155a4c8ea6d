//! Pass `specialize_full_tiles`: code for the common case of a tile-sized intermediate.
//!
//! An intermediate computed inside a loop over a region whose extents have small constant upper
//! bounds (a tile of its consumer, a vector's worth of rows) is usually computed over exactly
//! those extents: only the tiles at the edges of the output are smaller. The pass gives the
//! code in the scope of its region a second copy, taken when every extent equals its bound, in
//! which the extents are those constants. Unrolled and vector loops over the region then have
//! constant trip counts in the common case, so code generation and LLVM see straight-line code
//! with constant offsets (which keeps a small accumulator tile in registers).
//!
//! Pre: regions inferred (`let f.min.k`/`let f.extent.k` before each `produce f` inside a loop).
//! Post: each such region's lets wrap `if extents == bounds { body[extents := bounds] }` and
//! `if extents != bounds { body }`; the program computes the same values.

use halite_core::expr::substitute;
use halite_core::{BinOp, Expr, Stmt, Type, UnOp};
use std::sync::Arc;

/// The largest region (in elements) the pass specializes.
const MAX_TILE: i64 = 1 << 16;

/// Runs the pass: full tiles of intermediates, then full iterations of unrolled loops.
pub fn specialize_full_tiles(s: Stmt) -> Stmt {
    let mut allocs = Vec::new();
    s.visit(&mut |x| {
        if let Stmt::Allocate {
            func, ty, bounds, ..
        } = x
        {
            allocs.push((func.clone(), *ty, bounds.clone()));
        }
    });
    full_iterations(tiles(s, &allocs), false)
}

/// The allocations of the nest: Func, element type, bounds.
type Allocs = [(Arc<str>, Type, Vec<(Expr, Expr)>)];

/// An unrolled loop (and, with `vectors`, a vector loop) whose extent is at most its factor
/// `w` but not constant (the inner part of a guarded split) runs `w` iterations except at the
/// edge. It becomes `if extent == w { the loop over w } else { the loop }`, the edge's unrolled
/// loop made serial. For an unrolled loop, the test also asks that the vector loops inside whose
/// width depends on it run full on every iteration (see [`full_vectors`]), and the full copy
/// runs them at their constant width.
fn full_iterations(s: Stmt, vectors: bool) -> Stmt {
    use halite_core::ForKind;
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let body = full_iterations(*body, vectors);
            let (w, edge_kind) = match kind {
                ForKind::Unrolled(w) => (w, ForKind::Serial),
                ForKind::Vectorized(w) if vectors => (w, kind),
                _ => {
                    return Stmt::For {
                        var,
                        min,
                        extent,
                        kind,
                        body: Box::new(body),
                    }
                }
            };
            let extent = halite_core::simplify(&extent);
            if extent.as_int().is_some() || constant_upper_bound(&extent) != Some(w as i64) {
                return Stmt::For {
                    var,
                    min,
                    extent,
                    kind,
                    body: Box::new(body),
                };
            }
            let mut cond = extent.clone().eq_(Expr::i32(w as i32));
            let mut full_body = body.clone();
            // (Up to 16 copies: the test has a term per copy and vector loop.)
            if matches!(kind, ForKind::Unrolled(_)) && w <= 16 {
                let (conds, widened) = full_vectors(&body, &var, &min, w);
                for c in conds {
                    cond = cond.and(c);
                }
                full_body = widen_vectors(full_body, &widened);
            }
            let full = Stmt::For {
                var: var.clone(),
                min: min.clone(),
                extent: Expr::i32(w as i32),
                kind,
                body: Box::new(full_body),
            };
            let edge = Stmt::For {
                var,
                min,
                extent,
                kind: edge_kind,
                body: Box::new(body),
            };
            Stmt::Block(vec![
                Stmt::If {
                    cond: cond.clone(),
                    then: Box::new(full),
                },
                Stmt::If {
                    cond: Expr::unary(UnOp::Not, cond),
                    then: Box::new(edge),
                },
            ])
        }
        s => s.map_children(&mut |x| full_iterations(x, vectors)),
    }
}

/// For an unrolled loop `var` in `[min, +w)` around `body`: the conditions under which every
/// vector loop in `body` whose width varies with `var` (the last vector of a split row, e.g.
/// `min(16, n - var*16)`) runs its full width on every iteration, and those loops' extents
/// (simplified, as text). Only vector loops whose extent uses nothing bound inside `body`
/// count. Taking them into the full-iteration test gives the common case constant vector
/// widths too (a register tile needs them).
fn full_vectors(body: &Stmt, var: &str, min: &Expr, w: u32) -> (Vec<Expr>, Vec<String>) {
    use halite_core::ForKind;
    let mut bound: Vec<Arc<str>> = Vec::new();
    let mut vectors = Vec::new();
    body.visit(&mut |x| match x {
        Stmt::For {
            var: v,
            extent,
            kind,
            ..
        } => {
            bound.push(v.clone());
            if let ForKind::Vectorized(vw) = kind {
                vectors.push((extent.clone(), *vw));
            }
        }
        Stmt::Let { name, .. } => bound.push(name.clone()),
        _ => {}
    });
    let mut out = Vec::new();
    let mut widened = Vec::new();
    for (extent, vw) in vectors {
        let extent = halite_core::simplify(&extent);
        if !extent.uses_var(var) || bound.iter().any(|b| extent.uses_var(b)) {
            continue;
        }
        widened.push(extent.to_string());
        for i in 0..w {
            let at = min.clone().add(Expr::i32(i as i32));
            let e =
                halite_core::simplify(&substitute(&extent, &|n| (n == var).then(|| at.clone())));
            let full = Expr::constant(halite_core::Value::from_i64(e.ty(), vw as i64));
            let c = e.clone().eq_(full);
            if e.as_int() != Some(vw as i64)
                && !out.iter().any(|o: &Expr| o.to_string() == c.to_string())
            {
                out.push(c);
            }
        }
    }
    (out, widened)
}

/// `s` with the vector loops whose simplified extent is one of `widened` running their full
/// width (the caller has established that they do).
fn widen_vectors(s: Stmt, widened: &[String]) -> Stmt {
    use halite_core::ForKind;
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind: ForKind::Vectorized(vw),
            body,
        } => {
            let text = halite_core::simplify(&extent).to_string();
            let extent = if widened.contains(&text) {
                Expr::constant(halite_core::Value::from_i64(extent.ty(), vw as i64))
            } else {
                extent
            };
            Stmt::For {
                var,
                min,
                extent,
                kind: ForKind::Vectorized(vw),
                body: Box::new(widen_vectors(*body, widened)),
            }
        }
        s => s.map_children(&mut |x| widen_vectors(x, widened)),
    }
}

fn tiles(s: Stmt, allocs: &Allocs) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => {
            if let Some(f) = name.strip_suffix(".min.0") {
                let f = f.to_string();
                return specialize_region(&f, Stmt::Let { name, value, body }, allocs);
            }
            Stmt::Let {
                name,
                value,
                body: Box::new(tiles(*body, allocs)),
            }
        }
        s => s.map_children(&mut |x| tiles(x, allocs)),
    }
}

/// `s` is the chain of region lets of `f` (min and extent per dimension) around its scope.
fn specialize_region(f: &str, s: Stmt, allocs: &Allocs) -> Stmt {
    // Peel the chain.
    let mut lets: Vec<(Arc<str>, Expr)> = Vec::new();
    let mut cur = s;
    loop {
        match cur {
            Stmt::Let { name, value, body }
                if name
                    .strip_prefix(f)
                    .and_then(|r| r.strip_prefix('.'))
                    .is_some_and(|r| r.starts_with("min.") || r.starts_with("extent.")) =>
            {
                lets.push((name, value));
                cur = *body;
            }
            other => {
                cur = other;
                break;
            }
        }
    }
    let plain = cur.clone();
    let body = tiles(cur, allocs);
    let mut consts: Vec<(Arc<str>, i64)> = Vec::new();
    let mut size: i64 = 1;
    let mut all = true;
    for (n, v) in &lets {
        if !n.contains(".extent.") {
            continue;
        }
        let hi = constant_upper_bound(v);
        match hi {
            Some(c) if c >= 1 && c <= i32::MAX as i64 => {
                size = size.saturating_mul(c);
                consts.push((n.clone(), c));
            }
            _ => all = false,
        }
    }
    let tiled = all && !consts.is_empty() && size <= MAX_TILE && loops_over(&body, f, size <= 64);
    let inner = if tiled {
        let cond = consts
            .iter()
            .map(|(n, c)| {
                Expr::binary(
                    BinOp::Eq,
                    Expr::var(n.clone(), Type::I32),
                    Expr::i32(*c as i32),
                )
            })
            .reduce(|a, b| a.and(b))
            .expect("at least one extent");
        let full = body.map_exprs(&mut |e| {
            halite_core::simplify(&substitute(e, &|m| {
                consts
                    .iter()
                    .find(|(n, _)| &**n == m)
                    .map(|(_, c)| Expr::i32(*c as i32))
            }))
        });
        // The consumer's own full-iteration guards inside the tile usually hold with it: assume
        // them too (checked with the extents), so that no loop of the full copy has a
        // variable trip count.
        // Inside the full tile, the regions of what it computes are often constant too.
        let full = super::ranges::simplify_in_ranges(full);
        let full = full_iterations(drop_single_iterations(full), true);
        let (hoisted, full) = hoist_guards(full);
        let cond = hoisted.into_iter().fold(cond, |a, b| a.and(b));
        // The edge tiles run the general code, with plain loops instead of unrolled copies
        // and without full-tile copies of what they compute (edges are rare: their code is
        // kept small rather than fast).
        let edge = serial_unrolls(plain);
        // The full tile gets storage of its own: a small tile then lives in a local array
        // that only constant offsets touch, which LLVM keeps in registers.
        let full = match allocs.iter().find(|(n, _, _)| &**n == f) {
            Some((_, ty, bounds)) => Stmt::Allocate {
                func: f.into(),
                ty: *ty,
                bounds: bounds.clone(),
                body: Box::new(full),
            },
            None => full,
        };
        Stmt::Block(vec![
            Stmt::If {
                cond: cond.clone(),
                then: Box::new(drop_single_iterations(full)),
            },
            Stmt::If {
                cond: Expr::unary(UnOp::Not, cond),
                then: Box::new(edge),
            },
        ])
    } else {
        body
    };
    lets.into_iter()
        .rev()
        .fold(inner, |b, (name, value)| Stmt::Let {
            name,
            value,
            body: Box::new(b),
        })
}

/// The most combinations of unrolled-loop values a guard is instantiated for.
const MAX_INSTANCES: usize = 64;

/// Guards `e == c` inside `s` that depend only on values from outside `s` and on unrolled
/// loops of constant extent: their conjunction over every iteration, and `s` with each such
/// `if` replaced by its body (and `if !(e == c)` dropped).
fn hoist_guards(s: Stmt) -> (Vec<Expr>, Stmt) {
    /// Variables bound inside `s`: unrolled loops with their constant range, or opaque.
    type Bound = Vec<(Arc<str>, Option<(i64, i64)>)>;
    fn collect(s: &Stmt, bound: &mut Bound, out: &mut Vec<(Expr, Expr)>) {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let range = match (kind, min.as_int(), extent.as_int()) {
                    (halite_core::ForKind::Unrolled(_), Some(m), Some(e)) => Some((m, e)),
                    _ => None,
                };
                bound.push((var.clone(), range));
                collect(body, bound, out);
                bound.pop();
            }
            Stmt::Let { name, body, .. } => {
                bound.push((name.clone(), None));
                collect(body, bound, out);
                bound.pop();
            }
            Stmt::If { cond, then } => {
                let is_guard = matches!(
                    cond.node(),
                    halite_core::ExprNode::Binary(BinOp::Eq, _, c) if c.as_int().is_some()
                );
                if is_guard && !out.iter().any(|(c, _)| c == cond) {
                    if let Some(all) = instances(cond, bound) {
                        out.push((cond.clone(), all));
                    }
                }
                collect(then, bound, out);
            }
            s => {
                let mut children = Vec::new();
                match s {
                    Stmt::Block(v) => children.extend(v.iter()),
                    Stmt::Allocate { body, .. } | Stmt::Produce { body, .. } => {
                        children.push(&**body)
                    }
                    _ => {}
                }
                for c in children {
                    collect(c, bound, out);
                }
            }
        }
    }
    /// `cond` for every value of the unrolled loops it uses; `None` if it uses anything else
    /// bound inside.
    fn instances(cond: &Expr, bound: &Bound) -> Option<Expr> {
        let mut used: Vec<(Arc<str>, i64, i64)> = Vec::new();
        for (v, r) in bound {
            if cond.uses_var(v) {
                let (m, e) = (*r)?;
                used.push((v.clone(), m, e));
            }
        }
        let combos = used
            .iter()
            .try_fold(1usize, |n, (_, _, e)| n.checked_mul((*e).max(0) as usize))?;
        if combos > MAX_INSTANCES {
            return None;
        }
        let mut all: Vec<Expr> = Vec::new();
        for k in 0..combos {
            let mut rest = k;
            let values: Vec<(Arc<str>, i64)> = used
                .iter()
                .map(|(v, m, e)| {
                    let i = rest % *e as usize;
                    rest /= *e as usize;
                    (v.clone(), m + i as i64)
                })
                .collect();
            let c = halite_core::simplify(&substitute(cond, &|n| {
                values
                    .iter()
                    .find(|(v, _)| &**v == n)
                    .map(|(_, x)| Expr::i32(*x as i32))
            }));
            if !all.contains(&c) {
                all.push(c);
            }
        }
        all.into_iter().reduce(|a, b| a.and(b))
    }
    fn assume(s: Stmt, conds: &[Expr]) -> Stmt {
        match s {
            Stmt::If { cond, then } if conds.contains(&cond) => assume(*then, conds),
            Stmt::If { cond, .. } if matches!(cond.node(), halite_core::ExprNode::Unary(UnOp::Not, c) if conds.contains(c)) => {
                Stmt::Block(vec![])
            }
            s => s.map_children(&mut |x| assume(x, conds)),
        }
    }
    let mut found = Vec::new();
    collect(&s, &mut Vec::new(), &mut found);
    let conds: Vec<Expr> = found.iter().map(|(c, _)| c.clone()).collect();
    let hoisted = found.into_iter().map(|(_, all)| all).collect();
    (hoisted, assume(s, &conds))
}

/// A constant upper bound of an integer expression in which every variable is unknown, except
/// that extents (`*.extent.*`, `*.alloc.*`) are non-negative. `None` if there is none.
pub fn constant_upper_bound(e: &Expr) -> Option<i64> {
    constant_range(e, &|_| None, &|_, _| (None, None)).1
}

/// Constant lower and upper bounds, each `None` where there is none.
pub type Range = (Option<i64>, Option<i64>);

/// Constant bounds of an integer expression. `var` knows the bounds of some variables (others
/// are unknown, extents `*.extent.*`/`*.alloc.*` non-negative); `diff` may bound a difference
/// `a - b` better than its operands' bounds do (both are used).
pub fn constant_range(
    e: &Expr,
    var: &dyn Fn(&str) -> Option<Range>,
    diff: &dyn Fn(&Expr, &Expr) -> Range,
) -> Range {
    use halite_core::ExprNode;
    let range = |x: &Expr| constant_range(x, var, diff);
    let add = |a: Option<i64>, b: Option<i64>| a.zip(b).and_then(|(x, y)| x.checked_add(y));
    let max_opt = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    };
    let min_opt = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    };
    match e.node() {
        ExprNode::Const(_) => {
            let v = e.as_int();
            (v, v)
        }
        ExprNode::Var(n) => match var(n) {
            Some(r) => r,
            None if n.contains(".extent.") || n.contains(".alloc.") => (Some(0), None),
            None => (None, None),
        },
        ExprNode::Cast(a)
            if a.ty().is_int() && e.ty().is_int() && e.ty().bits() >= a.ty().bits() =>
        {
            range(a)
        }
        // A narrowing cast of a region value: the entry guards proved it does not wrap.
        ExprNode::Cast(a) if a.ty() == Type::I64 && e.ty() == Type::I32 => range(a),
        ExprNode::Binary(op, a, b) => {
            let (al, ah) = range(a);
            let (bl, bh) = range(b);
            match op {
                BinOp::Add => (add(al, bl), add(ah, bh)),
                BinOp::Sub => {
                    let (dl, dh) = diff(a, b);
                    (
                        max_opt(add(al, bh.and_then(|x| x.checked_neg())), dl),
                        min_opt(add(ah, bl.and_then(|x| x.checked_neg())), dh),
                    )
                }
                BinOp::Min => (al.zip(bl).map(|(x, y)| x.min(y)), min_opt(ah, bh)),
                BinOp::Max => (max_opt(al, bl), ah.zip(bh).map(|(x, y)| x.max(y))),
                BinOp::Mul => match b.as_int() {
                    Some(c) if c >= 0 => (
                        al.and_then(|x| x.checked_mul(c)),
                        ah.and_then(|x| x.checked_mul(c)),
                    ),
                    _ => (None, None),
                },
                // Truncating division by a positive constant is monotonic.
                BinOp::Div => match b.as_int() {
                    Some(c) if c > 0 => (al.map(|x| x / c), ah.map(|x| x / c)),
                    _ => (None, None),
                },
                _ => (None, None),
            }
        }
        ExprNode::Intrinsic(halite_core::Intrinsic::DivEuclid, args) => match args[1].as_int() {
            Some(c) if c > 0 => {
                let (l, h) = range(&args[0]);
                (l.map(|x| x.div_euclid(c)), h.map(|x| x.div_euclid(c)))
            }
            _ => (None, None),
        },
        ExprNode::Select(_, t, f) => {
            let (tl, th) = range(t);
            let (fl, fh) = range(f);
            (
                tl.zip(fl).map(|(x, y)| x.min(y)),
                th.zip(fh).map(|(x, y)| x.max(y)),
            )
        }
        _ => (None, None),
    }
}

/// `s` with its unrolled loops made serial.
pub(crate) fn serial_unrolls(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let kind = match kind {
                halite_core::ForKind::Unrolled(_) => halite_core::ForKind::Serial,
                k => k,
            };
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(serial_unrolls(*body)),
            }
        }
        s => s.map_children(&mut serial_unrolls),
    }
}

/// `s` with serial loops that run exactly once replaced by a `let` of their variable, so that
/// the loops inside see constant extents once simplified.
pub fn drop_single_iterations(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let ext = halite_core::simplify(&extent);
            if ext.as_int() == Some(1) && kind == halite_core::ForKind::Serial {
                let min = halite_core::simplify(&min);
                let v = var.clone();
                let body = body.map_exprs(&mut |e| {
                    halite_core::simplify(&substitute(e, &|m| (m == &*v).then(|| min.clone())))
                });
                return drop_single_iterations(body);
            }
            Stmt::For {
                var,
                min,
                extent: ext,
                kind,
                body: Box::new(drop_single_iterations(*body)),
            }
        }
        s => s.map_children(&mut drop_single_iterations),
    }
}

/// Whether `s` runs an unrolled or vectorized loop of `f` (where constant extents pay off);
/// with `rows`, a flat vector row counts too (a row of a few lanes: an accumulator).
fn loops_over(s: &Stmt, f: &str, rows: bool) -> bool {
    let prefix = format!("{f}.");
    let mut found = false;
    s.visit(&mut |x| {
        if let Stmt::For { var, kind, .. } = x {
            found |= var.starts_with(&prefix)
                && match kind {
                    halite_core::ForKind::Unrolled(_) | halite_core::ForKind::Vectorized(_) => true,
                    halite_core::ForKind::VectorizedRow(_) => rows,
                    _ => false,
                };
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::ForKind;

    /// A tile computed at a loop is specialized for its full size.
    #[test]
    fn full_tile_copy() {
        let ext = Expr::i32(8).min(Expr::var("n", Type::I32).sub(Expr::var("o", Type::I32)));
        let store = Stmt::Store {
            func: "t".into(),
            args: vec![Expr::var("t.x", Type::I32)],
            value: Expr::i32(1),
        };
        let nest = Stmt::Produce {
            func: "t".into(),
            body: Box::new(Stmt::For {
                var: "t.x".into(),
                min: Expr::var("t.min.0", Type::I32),
                extent: Expr::var("t.extent.0", Type::I32),
                kind: ForKind::Unrolled(8),
                body: Box::new(store),
            }),
        };
        let s = Stmt::Let {
            name: "t.min.0".into(),
            value: Expr::var("o", Type::I32),
            body: Box::new(Stmt::Let {
                name: "t.extent.0".into(),
                value: ext,
                body: Box::new(nest),
            }),
        };
        let out = specialize_full_tiles(s).to_string();
        expect_test::expect![[r#"
            let t.min.0 = o
            let t.extent.0 = min(8, n - o)
            if t.extent.0 == 8:
              produce t:
                unrolled(x8) for t.x in [t.min.0, +8):
                  t(t.x) = 1
            if !(t.extent.0 == 8):
              produce t:
                for t.x in [t.min.0, +t.extent.0):
                  t(t.x) = 1
        "#]]
        .assert_eq(&out);
    }

    /// An unrolled loop of vectors over a split row is full only when its last vector is: the
    /// full copy runs every vector at its constant width.
    #[test]
    fn full_iterations_include_the_last_vector() {
        let i32v = |n: &str| Expr::var(n, Type::I32);
        let row = Expr::i32(32).min(i32v("n").sub(i32v("o")));
        let store = Stmt::Store {
            func: "t".into(),
            args: vec![i32v("ji").mul(Expr::i32(16)).add(i32v("v"))],
            value: Expr::i32(1),
        };
        let s = Stmt::For {
            var: "ji".into(),
            min: Expr::i32(0),
            extent: row.clone().add(Expr::i32(15)).div(Expr::i32(16)),
            kind: ForKind::Unrolled(2),
            body: Box::new(Stmt::For {
                var: "v".into(),
                min: Expr::i32(0),
                extent: Expr::i32(16).min(row.sub(i32v("ji").mul(Expr::i32(16)))),
                kind: ForKind::Vectorized(16),
                body: Box::new(store),
            }),
        };
        let out = full_iterations(s, false).to_string();
        expect_test::expect![[r#"
            if (min(32, n - o) + 15) / 16 == 2 && min(16, min(32, n - o)) == 16 && min(16, min(32, n - o) - 16) == 16:
              unrolled(x2) for ji in [0, +2):
                vectorized(x16) for v in [0, +16):
                  t(ji * 16 + v) = 1
            if !((min(32, n - o) + 15) / 16 == 2 && min(16, min(32, n - o)) == 16 && min(16, min(32, n - o) - 16) == 16):
              for ji in [0, +(min(32, n - o) + 15) / 16):
                vectorized(x16) for v in [0, +min(16, min(32, n - o) - ji * 16)):
                  t(ji * 16 + v) = 1
        "#]]
        .assert_eq(&out);
    }
}
