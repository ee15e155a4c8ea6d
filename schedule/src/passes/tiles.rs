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
    full_iterations(tiles(s, &allocs, &mut Vec::new()), false)
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

/// `nonneg`: the variables of the enclosing loops that start at a non-negative constant.
fn tiles(s: Stmt, allocs: &Allocs, nonneg: &mut Vec<Arc<str>>) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => {
            if let Some(f) = name.strip_suffix(".min.0") {
                let f = f.to_string();
                return specialize_region(&f, Stmt::Let { name, value, body }, allocs, nonneg);
            }
            Stmt::Let {
                name,
                value,
                body: Box::new(tiles(*body, allocs, nonneg)),
            }
        }
        Stmt::For {
            ref var, ref min, ..
        } => {
            let pushed = min.as_int().is_some_and(|m| m >= 0);
            if pushed {
                nonneg.push(var.clone());
            }
            let s = s.map_children(&mut |x| tiles(x, allocs, nonneg));
            if pushed {
                nonneg.pop();
            }
            s
        }
        s => s.map_children(&mut |x| tiles(x, allocs, nonneg)),
    }
}

/// `s` is the chain of region lets of `f` (min and extent per dimension) around its scope.
fn specialize_region(f: &str, s: Stmt, allocs: &Allocs, nonneg: &mut Vec<Arc<str>>) -> Stmt {
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
    let body = tiles(cur, allocs, nonneg);
    let mut consts: Vec<(Arc<str>, i64)> = Vec::new();
    let mut size: i64 = 1;
    let mut all = true;
    for (n, v) in &lets {
        if !n.contains(".extent.") {
            continue;
        }
        let diff = |a: &Expr, b: &Expr| (None, difference_upper_bound(a, b, nonneg));
        let hi = constant_range(v, &|_| None, &diff).1;
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

/// The most symbolic upper bounds [`difference_upper_bound`] tries.
const MAX_UPPERS: usize = 16;

/// A constant upper bound of `a - b` where `a` and `b` share variables, which intervals alone
/// lose: in a region extent such as `min(.., jo * 64 + 63) / 16 - jo * 4 + 1` (a tile of 64
/// columns read as 16-column panels, `j / 16`), `a` is at most `(jo * 64 + 63) / 16`, which is
/// `jo * 4 + 3` for `jo >= 0`, so the extent is at most 4. The symbolic upper bounds of `a`
/// (either operand of a `min`, through additions, value-keeping casts and division by a
/// positive constant, dividing a sum term by term where every term is a non-negative multiple
/// of the divisor or a constant, see [`divide_terms`]) each have `b` subtracted and the
/// result simplified; the least constant among them is the bound. `nonneg` are variables
/// known to be non-negative (loops from a non-negative constant).
fn difference_upper_bound(a: &Expr, b: &Expr, nonneg: &[Arc<str>]) -> Option<i64> {
    if !a.ty().is_int() || a.ty() != b.ty() {
        return None;
    }
    symbolic_uppers(a, nonneg)
        .iter()
        .filter_map(|u| halite_core::simplify(&u.clone().sub(b.clone())).as_int())
        .min()
}

/// Expressions at least `e` (at most [`MAX_UPPERS`]; `e` itself where nothing better is known).
fn symbolic_uppers(e: &Expr, nonneg: &[Arc<str>]) -> Vec<Expr> {
    use halite_core::ExprNode;
    let mut out: Vec<Expr> = match e.node() {
        ExprNode::Binary(BinOp::Min, x, y) => {
            let mut v = symbolic_uppers(x, nonneg);
            v.extend(symbolic_uppers(y, nonneg));
            v
        }
        ExprNode::Binary(BinOp::Add, x, y) => {
            let (ux, uy) = (symbolic_uppers(x, nonneg), symbolic_uppers(y, nonneg));
            ux.iter()
                .flat_map(|p| uy.iter().map(move |q| p.clone().add(q.clone())))
                .collect()
        }
        ExprNode::Binary(BinOp::Div, x, d) if d.as_int().is_some_and(|c| c > 0) => {
            let c = d.as_int().unwrap_or(1);
            symbolic_uppers(x, nonneg)
                .into_iter()
                .map(|u| {
                    let u = halite_core::simplify(&u);
                    divide_terms(&u, c, nonneg).unwrap_or_else(|| u.div(d.clone()))
                })
                .collect()
        }
        // Casts that keep every value (wider integers; and `i64 -> i32` of region values,
        // which the entry guards keep in range, as in `constant_range`).
        ExprNode::Cast(x)
            if x.ty().is_int()
                && e.ty().is_int()
                && (e.ty().bits() >= x.ty().bits()
                    || (x.ty() == Type::I64 && e.ty() == Type::I32)) =>
        {
            symbolic_uppers(x, nonneg)
                .into_iter()
                .map(|u| Expr::cast(e.ty(), u))
                .collect()
        }
        _ => vec![e.clone()],
    };
    out.truncate(MAX_UPPERS);
    out
}

/// `e / c` for a constant `c > 0` as a sum of quotients, when every summand of `e` is a
/// constant or `v * k` with `c` dividing `k > 0` and `v` a variable in `nonneg` (or a
/// widening cast of one), and the constants add up to a non-negative number: then `e` is not
/// negative, the truncating division rounds down, and `(Σ v * k + K) / c` is
/// `Σ v * (k / c) + K / c`.
fn divide_terms(e: &Expr, c: i64, nonneg: &[Arc<str>]) -> Option<Expr> {
    use halite_core::ExprNode;
    let ty = e.ty();
    let k = |v: i64| Expr::constant(halite_core::Value::from_i64(ty, v));
    let is_nonneg_var = |x: &Expr| match x.node() {
        ExprNode::Var(n) => nonneg.iter().any(|m| m == n),
        ExprNode::Cast(v) if v.ty().is_int() && x.ty().bits() >= v.ty().bits() => {
            matches!(v.node(), ExprNode::Var(n) if nonneg.iter().any(|m| m == n))
        }
        _ => false,
    };
    let mut constant: i64 = 0;
    let mut quotient: Vec<Expr> = Vec::new();
    for t in e.summands() {
        if let Some(v) = t.as_int() {
            constant = constant.checked_add(v)?;
            continue;
        }
        match t.node() {
            ExprNode::Binary(BinOp::Mul, x, m)
                if is_nonneg_var(x) && m.as_int().is_some_and(|m| m > 0 && m % c == 0) =>
            {
                let f = m.as_int()? / c;
                quotient.push(if f == 1 {
                    x.clone()
                } else {
                    x.clone().mul(k(f))
                });
            }
            _ => return None,
        }
    }
    if constant < 0 {
        return None;
    }
    quotient.push(k(constant / c));
    quotient.into_iter().reduce(|x, y| x.add(y))
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

    /// A tile read as panels (`t(j / 16)` for `j` in a 64-column tile at `jo`) has the extent
    /// `min(jo * 64 + 63, n - 1) / 16 - jo * 4 + 1`: at most 4, which intervals alone cannot see
    /// (both terms vary with `jo`), but dividing `jo * 64 + 63` term by term can (`jo >= 0`).
    #[test]
    fn panel_extents_are_bounded_through_division() {
        let i64v = |n: &str| Expr::cast(Type::I64, Expr::var(n, Type::I32));
        let last = i64v("jo")
            .mul(Expr::i64(64))
            .add(Expr::i64(63))
            .min(i64v("n").sub(Expr::i64(1)));
        let ext = last
            .div(Expr::i64(16))
            .sub(i64v("jo").mul(Expr::i64(4)))
            .add(Expr::i64(1));
        let store = Stmt::Store {
            func: "t".into(),
            args: vec![Expr::var("t.x", Type::I32)],
            value: Expr::i32(1),
        };
        let region = Stmt::Let {
            name: "t.min.0".into(),
            value: Expr::var("jo", Type::I32).mul(Expr::i32(4)),
            body: Box::new(Stmt::Let {
                name: "t.extent.0".into(),
                value: Expr::cast(Type::I32, ext),
                body: Box::new(Stmt::Produce {
                    func: "t".into(),
                    body: Box::new(Stmt::For {
                        var: "t.x".into(),
                        min: Expr::var("t.min.0", Type::I32),
                        extent: Expr::var("t.extent.0", Type::I32),
                        kind: ForKind::Unrolled(4),
                        body: Box::new(store),
                    }),
                }),
            }),
        };
        let nest = |min: i32| Stmt::For {
            var: "jo".into(),
            min: Expr::i32(min),
            extent: Expr::var("m", Type::I32),
            kind: ForKind::Serial,
            body: Box::new(region.clone()),
        };
        let out = specialize_full_tiles(nest(0)).to_string();
        assert!(out.contains("if t.extent.0 == 4:"), "{out}");
        assert!(
            out.contains("unrolled(x4) for t.x in [t.min.0, +4):"),
            "{out}"
        );
        // From a negative `jo`, `(jo * 64 + 63) / 16` rounds toward zero, above `jo * 4 + 3`:
        // no bound, no full-tile copy.
        let out = specialize_full_tiles(nest(-1)).to_string();
        assert!(!out.contains("== 4"), "{out}");
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
            if (min(32, n - o) + 15) / 16 == 2 && min(16, n - o) == 16 && min(16, min(32, n - o) - 16) == 16:
              unrolled(x2) for ji in [0, +2):
                vectorized(x16) for v in [0, +16):
                  t(ji * 16 + v) = 1
            if !((min(32, n - o) + 15) / 16 == 2 && min(16, n - o) == 16 && min(16, min(32, n - o) - 16) == 16):
              for ji in [0, +(min(32, n - o) + 15) / 16):
                vectorized(x16) for v in [0, +min(16, min(32, n - o) - ji * 16)):
                  t(ji * 16 + v) = 1
        "#]]
        .assert_eq(&out);
    }
}
