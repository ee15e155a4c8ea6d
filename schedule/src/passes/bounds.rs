//! Bounds inference over loop nests: which points of a Func or buffer a piece of code reads.
//!
//! [`collect_calls`] walks a statement with a [`Scope`] of loop-variable intervals and gathers
//! the bounds of every call, each with the condition under which the code runs at all (every
//! enclosing loop of the walked code may be empty). Two passes use it:
//! [`infer_regions`] (the region of each intermediate at its compute site) and
//! `crate::passes::checks` (what the kernel reads, checked at entry).

use crate::directive::Diagnostic;
use crate::schedule::{Level, Schedule};
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{
    simplify_bounds as simplify, BinOp, CallKind, Expr, ExprNode, Origin, Pipeline, Stmt, Type,
    UnOp,
};
use std::sync::Arc;

/// A box of points: per dimension `[min, max]` (inclusive, `i64`), valid when `nonempty`.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub dims: Vec<(Expr, Expr)>,
    /// False when the region has no points (then `dims` mean nothing).
    pub nonempty: Expr,
}

/// One call found by [`collect_calls`].
#[derive(Clone, Debug)]
pub struct CallBox {
    pub kind: CallKind,
    pub name: Arc<str>,
    /// Bounds of each argument.
    pub dims: Vec<Interval>,
    /// Whether each argument may wrap around (then its bounds are unknown).
    pub wraps: Vec<bool>,
    /// The condition under which the call may execute.
    pub when: Expr,
    pub origin: Origin,
}

/// Per-let knowledge: a let named `g.x.v` holds pure variable `x` of Func `g`, which always
/// lies inside `g`'s region (unless `g` rounds its loops up).
pub struct Hints<'a> {
    pub pipeline: &'a Pipeline,
    pub schedule: &'a Schedule,
    /// Variables bound outside the statements analyzed (the loops and lets around a compute
    /// site) that are never negative: `(chunk * 16 + i) % n` inside a loop over `chunk` from
    /// 0 lies in `[0, n - 1]`.
    pub nonneg: &'a [Arc<str>],
}

impl Hints<'_> {
    /// If a let named `g.x.v` holds pure variable `x` of Func `g` (whose loops do not round
    /// up), the region of `g` along `x`: `(min, extent)` as `i32` expressions.
    fn region_of_let(&self, name: &str) -> Option<(Expr, Expr)> {
        let (g, _, x) = let_var(name)?;
        let f = self.pipeline.func(g)?;
        let d = f.args.iter().position(|a| &**a == x)?;
        let fs = self.schedule.funcs.get(g)?;
        if fs.rounds_up() {
            return None;
        }
        Some(region_vars(f, d))
    }

    /// Whether the let `g.x.v` (or `g.s<k>.x.v`) of [`Self::region_of_let`] lies inside the
    /// region on every iteration, not only under its guards: its stage has no split in guard
    /// mode (see [`crate::passes::loop_nest::guard_mode_splits`]), so no loop runs past it.
    fn inside_everywhere(&self, name: &str) -> bool {
        let Some((g, stage, _)) = let_var(name) else {
            return false;
        };
        let fs = match (self.schedule.funcs.get(g), stage) {
            (Some(fs), 0) => fs,
            (Some(fs), k) => match fs.updates.get(k - 1) {
                Some(u) => u,
                None => return false,
            },
            (None, _) => return false,
        };
        crate::passes::loop_nest::guard_mode_splits(fs).is_empty()
    }
}

/// A let named `g.x.v` (pure variable `x` of Func `g`'s pure definition) or `g.s<k>.x.v` (of
/// its stage `k`, update `k - 1`): `(g, stage, x)`.
fn let_var(name: &str) -> Option<(&str, usize, &str)> {
    let (g, x) = name.strip_suffix(".v")?.split_once('.')?;
    let staged = x
        .strip_prefix('s')
        .and_then(|t| t.split_once('.'))
        .filter(|(k, _)| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(k, v)| Some((k.parse::<usize>().ok()?, v)));
    Some(match staged {
        Some((k, v)) => (g, k, v),
        None => (g, 0, x),
    })
}

/// The `i32` expressions of the first index and extent of Func `f`'s region in dimension `d`.
pub fn region_vars(f: &halite_core::Func, d: usize) -> (Expr, Expr) {
    if f.is_output() {
        (Expr::i32(0), halite_core::func::extent_var(&f.name, d))
    } else {
        (
            Expr::var(crate::passes::loop_nest::min_var(&f.name, d), Type::I32),
            Expr::var(crate::passes::loop_nest::extent_var(&f.name, d), Type::I32),
        )
    }
}

/// Whether `e` holds `a op d` (`/` or `%`) by a non-constant `d`, with `a` accepted by `of`:
/// the variables of a fused loop. `by / ny` (the outer one) has an interval over `by` as wide
/// as `by`'s. `by % ny` (the inner one) is bounded by `ny`, except over the lanes of a vector
/// (a range of `by` that may start anywhere), where its interval is `[-ny + 1, ny - 1]`, not
/// the region `[0, ny - 1]` it stays in.
fn by_variable(e: &Expr, op: BinOp, of: &dyn Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    e.visit(&mut |x| {
        if let ExprNode::Binary(o, a, d) = x.node() {
            found |= *o == op && d.as_const().is_none() && of(a);
        }
    });
    found
}

/// The extent `e` of a region where the region is known not to be empty: `select(c, a, b)`
/// with a constant `b < 1` (a region that is empty when another dimension is) is `a` there
/// (through integer casts); other extents are themselves.
fn nonempty_extent(e: &Expr) -> Expr {
    match e.node() {
        ExprNode::Select(_, a, b) if b.as_int().is_some_and(|v| v < 1) => nonempty_extent(a),
        ExprNode::Cast(a) if a.ty().is_int() && e.ty().is_int() => {
            Expr::cast(e.ty(), nonempty_extent(a))
        }
        _ => e.clone(),
    }
}

/// `a && b`, without the terms of `b` that `a` already has.
fn and(a: &Expr, b: Expr) -> Expr {
    let have = a.conjuncts();
    let new: Vec<Expr> = b
        .conjuncts()
        .into_iter()
        .filter(|c| !have.contains(c))
        .cloned()
        .collect();
    match new.into_iter().reduce(|x, y| x.and(y)) {
        Some(n) => simplify(&a.clone().and(n)),
        None => a.clone(),
    }
}

/// Adds guards, each only required when `when` holds.
pub fn push_guards(guards: &mut Vec<Expr>, when: &Expr, new: Vec<Expr>) {
    for g in new {
        let g = simplify(&Expr::binary(
            BinOp::Or,
            Expr::unary(UnOp::Not, when.clone()),
            g,
        ));
        if g.as_const().is_none() && !guards.contains(&g) {
            guards.push(g);
        }
    }
}

/// Walks `s`, adding the intervals of its loops and lets to `scope`, and collects every call
/// (and the guards of every index expression) into `out`/`guards`.
///
/// Two analyses run side by side. Guards come from plain interval arithmetic, with every loop
/// variable and `let` bound to an interval of entry-level values. Call bounds are sharper:
/// `let`s are substituted symbolically and each loop variable's interval is kept in terms of
/// the loops around it, so that `min + extent - 1` of a loop whose `min` and `extent` depend on
/// an outer variable cancels before that variable is bounded (innermost loop first).
pub fn collect_calls(
    s: &Stmt,
    scope: &mut Scope,
    when: &Expr,
    hints: &Hints,
    guards: &mut Vec<Expr>,
    out: &mut Vec<CallBox>,
) {
    let mut w = Walker {
        hints,
        scope,
        lets: Vec::new(),
        wrapping: Vec::new(),
        loops: Vec::new(),
        guards,
        out,
        in_guard: false,
        lanes: Vec::new(),
        facts: Vec::new(),
    };
    w.stmt(s, when);
}

/// The largest expression (in nodes) that [`selects_outside`] rewrites.
const MAX_SELECT_SPREAD: usize = 4000;

/// [`selects_outside`] of `e`, or `e` where it does not apply.
fn spread_or_keep(e: Expr) -> Expr {
    selects_outside(&e).unwrap_or(e)
}

/// `e` in `i64` with its `select`s moved outside the sums around them, so that terms cancel:
/// a loop over a region runs to `min + extent - 1`, and where both are substituted,
/// `m + select(c, h - m + 1, 0) - 1` becomes `select(c, h, m - 1)`. Bounded apart, `m` and the
/// extent reach their largest values on different iterations (a tile shifted inwards), and
/// their sum overshoots the region. Casts between `i32` and `i64` are dropped (index
/// arithmetic does not wrap: the entry guards check it). `None` for expressions too large or
/// of other types.
fn selects_outside(e: &Expr) -> Option<Expr> {
    fn is_index(t: Type) -> bool {
        matches!(t, Type::I32 | Type::I64)
    }
    fn widen(e: &Expr) -> Expr {
        let leaf = || Expr::cast(Type::I64, e.clone());
        match e.node() {
            _ if !is_index(e.ty()) => leaf(),
            ExprNode::Const(v) => v.as_i64().map(Expr::i64).unwrap_or_else(leaf),
            ExprNode::Cast(a) if is_index(a.ty()) => widen(a),
            ExprNode::Binary(
                op @ (BinOp::Add
                | BinOp::Sub
                | BinOp::Mul
                | BinOp::Div
                | BinOp::Rem
                | BinOp::Min
                | BinOp::Max),
                a,
                b,
            ) => Expr::binary(*op, widen(a), widen(b)),
            ExprNode::Intrinsic(
                op @ (halite_core::Intrinsic::DivEuclid | halite_core::Intrinsic::RemEuclid),
                args,
            ) => Expr::intrinsic(*op, args.iter().map(widen).collect()),
            ExprNode::Select(c, a, b) => Expr::select(c.clone(), widen(a), widen(b)),
            _ => leaf(),
        }
    }
    fn spread(e: &Expr) -> Expr {
        match e.node() {
            ExprNode::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let (a, b) = (spread(a), spread(b));
                if let ExprNode::Select(c, t, f) = b.node() {
                    let side =
                        |x: &Expr| spread(&simplify(&Expr::binary(*op, a.clone(), x.clone())));
                    return Expr::select(c.clone(), side(t), side(f));
                }
                if let ExprNode::Select(c, t, f) = a.node() {
                    let side =
                        |x: &Expr| spread(&simplify(&Expr::binary(*op, x.clone(), b.clone())));
                    return Expr::select(c.clone(), side(t), side(f));
                }
                simplify(&Expr::binary(*op, a, b))
            }
            ExprNode::Select(c, a, b) => Expr::select(c.clone(), spread(a), spread(b)),
            // Inside other operations too: a region nested in another one's
            // (`(m2 + select(c, h2 - m2 + 1, 0)).div_euclid(2)`) cancels inside the division.
            ExprNode::Binary(op, a, b) => Expr::binary(*op, spread(a), spread(b)),
            ExprNode::Intrinsic(op, args) => {
                Expr::intrinsic(*op, args.iter().map(spread).collect())
            }
            ExprNode::Cast(a) => Expr::cast(e.ty(), spread(a)),
            _ => e.clone(),
        }
    }
    fn size(e: &Expr) -> usize {
        let mut n = 0;
        e.visit(&mut |_| n += 1);
        n
    }
    if !is_index(e.ty()) || size(e) > MAX_SELECT_SPREAD {
        return None;
    }
    let r = simplify(&spread(&widen(e)));
    (size(&r) <= MAX_SELECT_SPREAD).then_some(r)
}

/// Replaces `min(a, b)`/`max(a, b)` by one operand where `a - b` has a known sign over `scope`
/// (for example `max(32 * y, 0)` is `32 * y` when `y >= 0`), so that later cancellations see
/// through it.
fn prune_min_max(e: &Expr, scope: &Scope) -> Expr {
    struct P<'a>(&'a Scope);
    impl halite_core::ExprMutator for P<'_> {
        fn mutate(&mut self, e: &Expr) -> Expr {
            let e = self.mutate_children(e);
            if let ExprNode::Binary(op @ (BinOp::Min | BinOp::Max), a, b) = e.node() {
                // The difference as mathematical integers: in the operands' type it wraps
                // (`(x as u8) - 5` is never negative), and its sign says nothing.
                if !a.ty().is_int() || a.ty() == Type::U64 {
                    return e;
                }
                let wide = |x: &Expr| Expr::cast(Type::I64, x.clone());
                let d = simplify(&wide(a).sub(wide(b)));
                let mut bnd = Bounds::new(self.0);
                let iv = bnd.of(&d);
                let lo = iv.min.map(|m| simplify(&m)).and_then(|m| m.as_int());
                let hi = iv.max.map(|m| simplify(&m)).and_then(|m| m.as_int());
                let a_ge_b = lo.is_some_and(|l| l >= 0);
                let a_le_b = hi.is_some_and(|h| h <= 0);
                match op {
                    BinOp::Max if a_ge_b => return a.clone(),
                    BinOp::Max if a_le_b => return b.clone(),
                    BinOp::Min if a_ge_b => return b.clone(),
                    BinOp::Min if a_le_b => return a.clone(),
                    _ => {}
                }
            }
            e
        }
    }
    use halite_core::ExprMutator;
    P(scope).mutate(e)
}

/// An expression at least as large as `e` (`upper`) or at most as small (`!upper`) without
/// `select`s: a `select` becomes the `max` (or `min`) of its branches, through the operations
/// whose direction is known (`+`, `-`, `max`, `min`, multiplication and division by
/// constants). `None` where a `select` sits under anything else; other select-free terms stay.
fn relax(e: &Expr, upper: bool) -> Option<Expr> {
    Some(match e.node() {
        ExprNode::Select(_, a, b) => {
            let (a, b) = (relax(a, upper)?, relax(b, upper)?);
            if upper {
                a.max(b)
            } else {
                a.min(b)
            }
        }
        ExprNode::Binary(BinOp::Add, a, b) => relax(a, upper)?.add(relax(b, upper)?),
        ExprNode::Binary(BinOp::Sub, a, b) => relax(a, upper)?.sub(relax(b, !upper)?),
        ExprNode::Binary(op @ (BinOp::Max | BinOp::Min), a, b) => {
            Expr::binary(*op, relax(a, upper)?, relax(b, upper)?)
        }
        ExprNode::Binary(op @ (BinOp::Mul | BinOp::Div), a, b)
            if b.as_int().is_some_and(|c| c > 0) =>
        {
            Expr::binary(*op, relax(a, upper)?, b.clone())
        }
        ExprNode::Binary(BinOp::Mul, a, b) if b.as_int().is_some_and(|c| c < 0) => {
            Expr::binary(BinOp::Mul, relax(a, !upper)?, b.clone())
        }
        // Integer casts between index types are monotone (the entry guards rule out wrapping).
        ExprNode::Cast(a) if a.ty().is_int() && e.ty().is_int() => {
            Expr::cast(e.ty(), relax(a, upper)?)
        }
        _ => {
            let mut has_select = false;
            e.visit(&mut |n| has_select |= matches!(n.node(), ExprNode::Select(..)));
            if has_select {
                return None;
            }
            e.clone()
        }
    })
}

/// `a + b`, `a - b` and `a * c` (`c` a constant) pushed into the `max` and `min` of their
/// operands (`max(p, q) - r` is `max(p - r, q - r)`, `r - min(p, q)` is `max(r - p, r - q)`,
/// `min(p, q) * -2` is `max(p * -2, q * -2)`) and into the branches of a `select`, each
/// remaining sum simplified, so that terms common to both sides cancel. Spends `budget`
/// (stop when it reaches 0). With `var`, only the `max`, `min` and `select` operands that use
/// `var` are split: the others are the same in every iteration of `var`'s loop, and kept whole
/// they can cancel inside the ones that are split (a guarded split under a `ShiftInwards` one
/// runs `b * 3 + xi` with `xi < min(3, n - b * 3)` where `b` is itself a `max(..)`: splitting
/// `b` first leaves `o * 9 + min(3, n - b * 3)`, which never cancels).
fn distribute(e: &Expr, budget: &mut usize, var: Option<&str>) -> Expr {
    if *budget == 0 {
        return e.clone();
    }
    *budget -= 1;
    let split = |x: &Expr, reverses: bool| {
        if var.is_some_and(|v| !x.uses_var(v)) {
            return None;
        }
        arms(x, reverses)
    };
    match e.node() {
        ExprNode::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let (a, b) = (distribute(a, budget, var), distribute(b, budget, var));
            if let Some((x, y, rebuild)) = split(&a, false) {
                let l = distribute(&Expr::binary(*op, x, b.clone()), budget, var);
                let r = distribute(&Expr::binary(*op, y, b), budget, var);
                return rebuild(l, r);
            }
            if let Some((x, y, rebuild)) = split(&b, *op == BinOp::Sub) {
                let l = distribute(&Expr::binary(*op, a.clone(), x), budget, var);
                let r = distribute(&Expr::binary(*op, a, y), budget, var);
                return rebuild(l, r);
            }
            simplify(&Expr::binary(*op, a, b))
        }
        ExprNode::Binary(op @ (BinOp::Max | BinOp::Min), a, b) => {
            Expr::binary(*op, distribute(a, budget, var), distribute(b, budget, var))
        }
        ExprNode::Select(c, t, f) => Expr::select(
            c.clone(),
            distribute(t, budget, var),
            distribute(f, budget, var),
        ),
        ExprNode::Binary(BinOp::Mul, a, c) if c.as_int().is_some_and(|c| c != 0) => {
            let a = distribute(a, budget, var);
            let negative = c.as_int().is_some_and(|c| c < 0);
            if let Some((x, y, rebuild)) = split(&a, negative) {
                let l = distribute(&x.mul(c.clone()), budget, var);
                let r = distribute(&y.mul(c.clone()), budget, var);
                return rebuild(l, r);
            }
            simplify(&a.mul(c.clone()))
        }
        _ => e.clone(),
    }
}

/// `e` with each product `v * m` of the loop variable `v` (as a mathematical `i64` term) by a
/// positive multiple `m` of `c` bounded by the loop's end, where the loop runs `v` from a
/// non-negative start up to `n / c - 1` (a ceiling split: `(e + c - 1) / c` iterations):
/// `v * m` becomes `min(v * m, (n - c) * (m / c))`. That is the same value in every iteration
/// (`v * c <= (n / c) * c - c <= n - c`; a negative `n` leaves the loop empty), and it exposes
/// the loop's end to [`distribute`]: the last inner tile of a split inside a split starts at
/// `o * 96 + min(v * 24, min(96, e - o * 96) - 1)`, whose bound over `o` is `e - 1`, where
/// bounding `o * 96` and `v * 24` apart adds the largest `v` of a full tile to the last `o`.
/// Only products that raise `e` (not under a `-`) are rewritten: this is for upper bounds, and
/// the lower end of the new arm can be below the loop's start. `None` where nothing changed.
fn bound_split_products(e: &Expr, var: &str, iv: &Interval) -> Option<Expr> {
    let starts_nonneg = iv
        .min
        .as_ref()
        .and_then(|m| m.as_int())
        .is_some_and(|m| m >= 0);
    let end = simplify(&iv.max.clone()?.add(Expr::i64(1)));
    let ExprNode::Binary(BinOp::Div, n, c) = end.node() else {
        return None;
    };
    let c = c.as_int().filter(|&c| c > 1 && starts_nonneg)?;
    let is_var = |x: &Expr| match x.node() {
        ExprNode::Var(name) => &**name == var,
        ExprNode::Cast(a) => matches!(a.node(), ExprNode::Var(name) if &**name == var),
        _ => false,
    };
    // Rebuilds the operations through which the direction of `e` is known, rewriting the
    // products met in increasing position; `None` where nothing changed.
    fn walk(e: &Expr, up: bool, is_var: &dyn Fn(&Expr) -> bool, n: &Expr, c: i64) -> Option<Expr> {
        let w = |x: &Expr, up: bool| walk(x, up, is_var, n, c);
        // Both operands, if either changed.
        let both = |a: &Expr, b: &Expr, ua: bool, ub: bool| match (w(a, ua), w(b, ub)) {
            (None, None) => None,
            (x, y) => Some((
                x.unwrap_or_else(|| a.clone()),
                y.unwrap_or_else(|| b.clone()),
            )),
        };
        match e.node() {
            ExprNode::Binary(BinOp::Mul, a, b) => {
                let (x, m) = match (a.as_int(), b.as_int()) {
                    (None, Some(m)) => (a, m),
                    (Some(m), None) => (b, m),
                    _ => return None,
                };
                if up && e.ty() == Type::I64 && is_var(x) && m > 0 && m % c == 0 {
                    let end = simplify(&n.clone().sub(Expr::i64(c)).mul(Expr::i64(m / c)));
                    return Some(e.clone().min(end));
                }
                let x2 = w(x, if m < 0 { !up } else { up })?;
                Some(if a.as_int().is_some() {
                    Expr::binary(BinOp::Mul, a.clone(), x2)
                } else {
                    Expr::binary(BinOp::Mul, x2, b.clone())
                })
            }
            ExprNode::Binary(op @ (BinOp::Add | BinOp::Min | BinOp::Max), a, b) => {
                let (a, b) = both(a, b, up, up)?;
                Some(Expr::binary(*op, a, b))
            }
            ExprNode::Binary(BinOp::Sub, a, b) => {
                let (a, b) = both(a, b, up, !up)?;
                Some(a.sub(b))
            }
            ExprNode::Binary(BinOp::Div, a, b) if b.as_int().is_some_and(|d| d > 0) => {
                Some(w(a, up)?.div(b.clone()))
            }
            ExprNode::Unary(UnOp::Neg, a) => Some(Expr::unary(UnOp::Neg, w(a, !up)?)),
            ExprNode::Select(cond, t, f) => {
                let (t, f) = both(t, f, up, up)?;
                Some(Expr::select(cond.clone(), t, f))
            }
            _ => None,
        }
    }
    walk(e, true, &is_var, n, c)
}

/// The two arms of a `select`, `max` or `min`, and how to put the node back together from new
/// arms: an operation applied to both arms passes through it. With `reverses` (the operation
/// reverses order: `r - x`, `x * -2`), `max` comes back as `min` and `min` as `max`.
#[allow(clippy::type_complexity)]
fn arms(e: &Expr, reverses: bool) -> Option<(Expr, Expr, Box<dyn FnOnce(Expr, Expr) -> Expr>)> {
    match e.node() {
        ExprNode::Select(c, t, f) => {
            let c = c.clone();
            Some((
                t.clone(),
                f.clone(),
                Box::new(move |t, f| Expr::select(c, t, f)),
            ))
        }
        ExprNode::Binary(m @ (BinOp::Max | BinOp::Min), a, b) => {
            let m = match (m, reverses) {
                (BinOp::Max, true) => BinOp::Min,
                (BinOp::Min, true) => BinOp::Max,
                _ => *m,
            };
            Some((
                a.clone(),
                b.clone(),
                Box::new(move |a, b| Expr::binary(m, a, b)),
            ))
        }
        _ => None,
    }
}

/// An integer index expression as a mathematical `i64` expression: the same value wherever
/// the original does not wrap, which the entry guards establish for every index expression of
/// the nest. `+ - *`, `min`, `max`, `select`, division and remainder carry over; a narrowing
/// cast of an `i64` value to `i32` disappears; anything else (a load, a cast from another
/// type) becomes an opaque atom cast to `i64`.
pub fn to_i64(e: &Expr) -> Expr {
    use halite_core::Intrinsic;
    let ty = e.ty();
    if ty == Type::I64
        && !matches!(
            e.node(),
            ExprNode::Binary(..) | ExprNode::Select(..) | ExprNode::Unary(..)
        )
    {
        return e.clone();
    }
    let atom = || Expr::cast(Type::I64, e.clone());
    if !(ty == Type::I32 || ty == Type::I64) {
        return atom();
    }
    match e.node() {
        ExprNode::Const(v) => Expr::i64(v.as_i64().unwrap_or(0)),
        ExprNode::Var(_) => atom(),
        ExprNode::Cast(a) if a.ty() == Type::I64 || a.ty() == Type::I32 => to_i64(a),
        ExprNode::Cast(a) if a.ty().is_int() && a.ty().bits() < 32 => {
            Expr::cast(Type::I64, a.clone())
        }
        ExprNode::Unary(UnOp::Neg, a) => Expr::unary(UnOp::Neg, to_i64(a)),
        ExprNode::Binary(op, a, b)
            if matches!(
                op,
                BinOp::Add
                    | BinOp::Sub
                    | BinOp::Mul
                    | BinOp::Div
                    | BinOp::Rem
                    | BinOp::Min
                    | BinOp::Max
            ) =>
        {
            Expr::binary(*op, to_i64(a), to_i64(b))
        }
        ExprNode::Select(c, t, f) => Expr::select(c.clone(), to_i64(t), to_i64(f)),
        ExprNode::Intrinsic(
            op @ (Intrinsic::Clamp | Intrinsic::DivEuclid | Intrinsic::RemEuclid),
            args,
        ) => Expr::intrinsic(*op, args.iter().map(to_i64).collect()),
        ExprNode::Let(n, v, b) => {
            // Substitute: bound expressions have no lets.
            let v2 = to_i64(v);
            let b2 = halite_core::expr::substitute(b, &|m| (m == &**n).then(|| v.clone()));
            let _ = v2;
            to_i64(&b2)
        }
        _ => atom(),
    }
}

struct Walker<'a, 'b> {
    hints: &'a Hints<'a>,
    /// Intervals of entry-level values, for guards.
    scope: &'b mut Scope,
    /// Let-bound names and their (substituted) values.
    lets: Vec<(Arc<str>, Expr)>,
    /// The let-bound names whose values may wrap around ([`Bounds::wraps`]).
    wrapping: Vec<Arc<str>>,
    /// Enclosing loops (and region-bounded lets), outermost first, with intervals in terms of
    /// the entries before them.
    loops: Vec<(Arc<str>, Interval)>,
    guards: &'b mut Vec<Expr>,
    out: &'b mut Vec<CallBox>,
    /// Inside the `if` of a guarded split: every pure variable lies in its Func's region.
    in_guard: bool,
    /// The variables of the vector loops around the statement: their lanes span a range that
    /// may start anywhere (see [`by_variable`]).
    lanes: Vec<Arc<str>>,
    /// The integer comparisons of the enclosing `if`s, each `(a, b)` meaning `a < b`, lets
    /// substituted (see [`Walker::refine`]).
    facts: Vec<(Expr, Expr)>,
}

/// The largest value (in tree nodes) of a `let` outside all loops that [`Walker`] substitutes.
/// Larger ones stay names: they are evaluated at the kernel's entry anyway, and the region of
/// each root Func is written in terms of its consumers' regions, so substituting them would
/// grow the bounds of a chain of Funcs exponentially with its length.
const MAX_SUBSTITUTED_CONSTANT: usize = 48;

/// The size (in nodes, counting shared ones at each use) above which
/// [`Walker::bounds_of_substituted`] loosens a bound with [`loosen`] before it bounds the next
/// loop. Each loop whose own bounds depend on outer loops multiplies a bound's size (a Func
/// computed inside a split tile, fused and split again, reaches 10^5 nodes in four loops):
/// past this size a bound is worth less than the time and code it takes. (1 500 also worked,
/// but loosened bounds that 5 000 keeps exact: more schedules asked for more input than
/// their algorithm reads, in the property test.)
const LOOSEN_ABOVE: usize = 5000;

/// The operands [`loosen`] keeps: smaller than this (in nodes), where the other operand of a
/// `min`/`max` is larger.
const LOOSEN_KEEPS: usize = 200;

/// A smaller bound than `e` on the same side (`upper`: a value at least `e`'s, otherwise at
/// most): where a `min` (an upper bound) or a `max` (a lower bound) has a large operand and a
/// small one, the small one alone; through sums, differences (the subtrahend bounded on the
/// other side), products and quotients by constants and `select`s (both arms, as a
/// `max`/`min` of them), in `i64` (bound arithmetic, which does not wrap) only. Sound but
/// looser: only for bounds too large to be worth keeping.
fn loosen(e: &Expr, upper: bool) -> Expr {
    if e.ty() != Type::I64 || !larger_than(e, LOOSEN_KEEPS) {
        return e.clone();
    }
    let both = |a: &Expr, b: &Expr, ua: bool, ub: bool| (loosen(a, ua), loosen(b, ub));
    match e.node() {
        // min(a, b) <= either; max(a, b) >= either: keep the smaller operand.
        ExprNode::Binary(op @ (BinOp::Min | BinOp::Max), a, b) if (*op == BinOp::Min) == upper => {
            let (a, b) = both(a, b, upper, upper);
            if larger_than(&a, LOOSEN_KEEPS) && !larger_than(&b, LOOSEN_KEEPS) {
                b
            } else if larger_than(&b, LOOSEN_KEEPS) && !larger_than(&a, LOOSEN_KEEPS) {
                a
            } else {
                Expr::binary(*op, a, b)
            }
        }
        ExprNode::Binary(op @ (BinOp::Min | BinOp::Max | BinOp::Add), a, b) => {
            let (a, b) = both(a, b, upper, upper);
            Expr::binary(*op, a, b)
        }
        ExprNode::Binary(BinOp::Sub, a, b) => {
            let (a, b) = both(a, b, upper, !upper);
            a.sub(b)
        }
        ExprNode::Binary(op @ (BinOp::Mul | BinOp::Div), a, b) => match b.as_int() {
            Some(c) if c > 0 => Expr::binary(*op, loosen(a, upper), b.clone()),
            Some(c) if c < 0 && *op == BinOp::Mul => {
                Expr::binary(*op, loosen(a, !upper), b.clone())
            }
            _ => e.clone(),
        },
        ExprNode::Select(_, t, f) => {
            let (t, f) = both(t, f, upper, upper);
            if upper {
                t.max(f)
            } else {
                t.min(f)
            }
        }
        ExprNode::Intrinsic(halite_core::Intrinsic::Clamp, args) => {
            // min(max(x, lo), hi)
            let lo = Expr::binary(BinOp::Max, args[0].clone(), args[1].clone());
            loosen(&Expr::binary(BinOp::Min, lo, args[2].clone()), upper)
        }
        _ => e.clone(),
    }
}

/// The most steps [`distribute`] takes on one bound before [`Walker::bounds_of_substituted`]
/// keeps the bound as it was.
const DISTRIBUTE_BUDGET: usize = 256;

/// [`DISTRIBUTE_BUDGET`] for a bound that also sees the end of a ceiling split's loop
/// ([`bound_split_products`]), which doubles the arms of each product it bounds.
const SPLIT_END_BUDGET: usize = 1024;

/// Whether `e` has more than `limit` nodes (counted as a tree), without visiting all of them.
fn larger_than(e: &Expr, limit: usize) -> bool {
    fn count(e: &Expr, left: &mut usize) -> bool {
        if *left == 0 {
            return true;
        }
        *left -= 1;
        e.children().into_iter().any(|c| count(c, left))
    }
    let mut left = limit + 1;
    count(e, &mut left)
}

impl Walker<'_, '_> {
    /// Whether a `let` of `value` stays a name instead of being substituted: a large value
    /// outside every loop (see [`MAX_SUBSTITUTED_CONSTANT`]). Such a let is hoisted to the
    /// kernel's entry, so the name is a run-time constant wherever the walk can see it.
    fn keeps_name(&self, value: &Expr) -> bool {
        self.loops.is_empty() && larger_than(value, MAX_SUBSTITUTED_CONSTANT)
    }

    /// `e` with lets substituted, in its own type.
    fn raw_subst(&self, e: &Expr) -> Expr {
        let lets = &self.lets;
        halite_core::expr::substitute(e, &|n| {
            lets.iter()
                .rev()
                .find(|(m, _)| &**m == n)
                .map(|(_, v)| v.clone())
        })
    }

    /// `e` with lets substituted, as a mathematical `i64` expression (see [`to_i64`]).
    fn subst(&self, e: &Expr) -> Expr {
        simplify(&to_i64(&self.raw_subst(e)))
    }

    /// An upper bound of `e` (lets substituted, `+`/`-` already pushed into `max`/`min`):
    /// `max` and `min` bounded operand by operand, every other term by [`Self::bounds`].
    fn structural_upper(&self, e: &Expr) -> Option<Expr> {
        match e.node() {
            ExprNode::Binary(op @ (BinOp::Max | BinOp::Min), a, b) => {
                let (ua, ub) = (self.structural_upper(a), self.structural_upper(b));
                match op {
                    BinOp::Max => Some(simplify(&ua?.max(ub?))),
                    _ => match (ua, ub) {
                        (Some(x), Some(y)) => Some(simplify(&x.min(y))),
                        (x, y) => x.or(y),
                    },
                }
            }
            _ => self.bounds_of_substituted(simplify(e)).max,
        }
    }

    /// Bounds of an index expression over every enclosing loop, innermost first.
    fn bounds(&self, e: &Expr) -> Interval {
        self.bounds_of_substituted(self.subst(e))
    }

    /// [`Self::bounds`] of an expression whose lets are already substituted.
    fn bounds_of_substituted(&self, e: Expr) -> Interval {
        let e = selects_outside(&e).unwrap_or(e);
        let mut iv = Interval {
            min: Some(e.clone()),
            max: Some(e),
        };
        // Loops (and region-bounded lets) that start at a non-negative value: every split and
        // fused loop, and a let such as the first row of a Func computed inside a loop over
        // rows (`f.min.0 = y`), so that `(f.min.0 + r) % n` is known to lie in `[0, n - 1]`.
        let mut nonneg_vars: Vec<Arc<str>> = self.hints.nonneg.to_vec();
        for (name, iv) in &self.loops {
            if halite_core::interval::nonneg(&iv.min, &nonneg_vars) {
                nonneg_vars.push(name.clone());
            }
        }
        for (name, loop_iv) in self.loops.iter().rev() {
            let used = |x: &Option<Expr>| x.as_ref().is_some_and(|m| m.uses_var(name));
            if !used(&iv.min) && !used(&iv.max) {
                continue;
            }
            let mut sc = Scope::new();
            sc.insert(name.clone(), loop_iv.clone());
            // `+`, `-` and constant factors pushed into `min`/`max`, so that a guarded
            // split's `o * f + min(f, e - o * f)` becomes `min(o * f + f, e)`, whose bound over
            // `o` is `e`: bounding the two terms apart would add up to `f - 1` past the end,
            // and a chain of downsampling Funcs doubles that at every level.
            // Distributed within the budget, or `None`.
            let distributed = |m: &Expr, budget: usize| {
                let m = simplify(&prune_min_max(m, &sc));
                let mut budget = budget;
                let d = distribute(&m, &mut budget, Some(name));
                (budget > 0).then(|| simplify(&d))
            };
            let prune = |m: Expr| {
                distributed(&m, DISTRIBUTE_BUDGET)
                    .unwrap_or_else(|| simplify(&prune_min_max(&m, &sc)))
            };
            let mut b = Bounds::new(&sc);
            b.nonneg_vars = nonneg_vars.clone();
            // An upper bound also sees the end of a ceiling split's loop (see
            // [`bound_split_products`]). (Not the lower bound: the loop's end says nothing
            // about how small `v * m` gets.) Where that is too large to distribute, the bound
            // stays as it was.
            let upper = |b: &mut Bounds, m: Expr| match bound_split_products(&m, name, loop_iv) {
                None => b.of(&prune(m)).max,
                Some(r) => match distributed(&r, SPLIT_END_BUDGET) {
                    Some(d) => b.of(&d).max,
                    None => b.of(&prune(m)).max,
                },
            };
            let min = iv.min.and_then(|m| b.of(&prune(m)).min);
            let max = iv.max.and_then(|m| upper(&mut b, m));
            let loosened = |m: Expr, upper: bool| {
                if larger_than(&m, LOOSEN_ABOVE) {
                    simplify(&loosen(&m, upper))
                } else {
                    m
                }
            };
            iv = Interval {
                min: min.map(|m| loosened(m, false)),
                max: max.map(|m| loosened(m, true)),
            };
        }
        // What remains of a read of memory (`a(0)`, at a point fixed by the loops) is bounded
        // by its values, as a data-dependent index is.
        let by_values = |m: Expr, upper: bool| {
            if !m.reads() {
                return Some(simplify(&m));
            }
            let iv = Bounds::new(&Scope::new()).of(&m);
            if upper {
                iv.max
            } else {
                iv.min
            }
        };
        Interval {
            min: iv.min.and_then(|m| by_values(m, false)),
            max: iv.max.and_then(|m| by_values(m, true)),
        }
    }

    /// Inside `if cond`, each of its comparisons `a < b` ([`Self::comparisons`]) in which an enclosing
    /// loop variable `v` appears as `+v` or `-v` (and no loop inside `v` appears) bounds `v`
    /// further: a predicate `ro * 4 + u < n` on a split reduction keeps the reads of `u`'s
    /// iterations inside `n`, as a guarded split's shorter loop does.
    fn narrow_loops(&mut self, comparisons: &[(Expr, Expr)]) {
        for (lhs, rhs) in comparisons {
            // d < 0, in mathematical integers (the guards rule out wrapping).
            let d = simplify(&lhs.clone().sub(rhs.clone()));
            for k in (0..self.loops.len()).rev() {
                let name = self.loops[k].0.clone();
                if !d.uses_var(&name) {
                    continue;
                }
                let v = to_i64(&Expr::var(name.clone(), Type::I32));
                // (A bound that reads memory, `r < a(0)`, is not a bound of the loop known at
                // its start: the loop keeps its extent.)
                let inner_free =
                    |e: &Expr| !self.loops[k..].iter().any(|(n, _)| e.uses_var(n)) && !e.reads();
                // d = v + rest: v < -rest.
                let rest = simplify(&d.clone().sub(v.clone()));
                if inner_free(&rest) {
                    let bound = simplify(&Expr::i64(0).sub(rest).sub(Expr::i64(1)));
                    let iv = &mut self.loops[k].1;
                    iv.max = iv.max.take().map(|m| simplify(&m.min(bound)));
                    break;
                }
                // d = rest - v: v > rest.
                let rest = simplify(&d.clone().add(v));
                if inner_free(&rest) {
                    let bound = simplify(&rest.add(Expr::i64(1)));
                    let iv = &mut self.loops[k].1;
                    iv.min = iv.min.take().map(|m| simplify(&m.max(bound)));
                }
                break;
            }
        }
    }

    /// `iv` (the bounds of index `e`) narrowed by the comparisons of the enclosing `if`s: where
    /// `e` is `a + c` for a fact `a < b` and a constant `c` (or a `c` that shares no variable
    /// with `a`), `e <= b + c - 1` (and `e >= a + c + 1` where `e` is `b + c`). A predicate `ro * 4 + u < n` of a split
    /// reduction whose inner variable `u` is not the innermost loop (after `rfactor`, `u` is a
    /// pure loop outside `ro`) keeps the read at `ro * 4 + u` inside `n`, which bounding
    /// `ro` and `u` apart cannot see.
    fn refine(&self, e: &Expr, iv: Interval) -> Interval {
        if self.facts.is_empty() || !matches!(e.ty(), Type::I32 | Type::I64) {
            return iv;
        }
        let x = self.subst(e);
        let mut iv = iv;
        // `c` is a constant, or free of the variables of the fact's side it offsets (a read
        // at `x + ro * 4 + u` of an `rfactor`ed `u` under `ro * 4 + u < n`, `x` a pure loop
        // outside: it stays below `x + n`).
        // (A constant side says nothing about `c` that `b` does not.)
        let offset = |c: &Expr, side: &Expr| {
            if c.as_int().is_some() {
                return true;
            }
            let mut shared = false;
            c.visit(&mut |n| shared |= n.as_var().is_some_and(|v| side.uses_var(v)));
            side.as_int().is_none() && !shared
        };
        for (a, b) in &self.facts {
            let c = simplify(&x.clone().sub(a.clone()));
            if offset(&c, a) {
                let hi = self
                    .bounds_of_substituted(simplify(&b.clone().add(c).sub(Expr::i64(1))))
                    .max;
                iv.max = match (iv.max, hi) {
                    (Some(p), Some(q)) => Some(simplify(&p.min(q))),
                    (p, q) => p.or(q),
                };
            }
            let c = simplify(&x.clone().sub(b.clone()));
            if offset(&c, b) {
                let lo = self
                    .bounds_of_substituted(simplify(&a.clone().add(c).add(Expr::i64(1))))
                    .min;
                iv.min = match (iv.min, lo) {
                    (Some(p), Some(q)) => Some(simplify(&p.max(q))),
                    (p, q) => p.or(q),
                };
            }
        }
        iv
    }

    /// The comparisons `a < b` (or `<=`, `>`, `>=`, as `a < b + 1` and so on) among the
    /// conjuncts of `cond`, between integer expressions, lets substituted (as mathematical
    /// integers: with the guards against wrap-around of `a` and `b` that the result also
    /// returns, the kernel's comparison is the mathematical one).
    fn comparisons(&self, cond: &Expr) -> (Vec<(Expr, Expr)>, Vec<Expr>) {
        let mut out = Vec::new();
        let mut bnd = Bounds::new(self.scope);
        let mut conjuncts = vec![cond.clone()];
        while let Some(c) = conjuncts.pop() {
            let ExprNode::Binary(op, a, b) = c.node() else {
                continue;
            };
            if *op == BinOp::And {
                conjuncts.push(a.clone());
                conjuncts.push(b.clone());
                continue;
            }
            if !matches!(a.ty(), Type::I32 | Type::I64)
                || !matches!(op, BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge)
            {
                continue;
            }
            // A side whose arithmetic may wrap unguarded (its bounds unknown, `a(r) + 5`, or
            // constant and outside its type) does not compare as mathematical integers.
            let wraps_unguarded = |e: &Expr, bnd: &mut Bounds| {
                let before = bnd.wraps;
                let iv = bnd.of(e);
                let wraps = bnd.wraps && !before;
                wraps || ((iv.min.is_none() || iv.max.is_none()) && !atomic(e))
            };
            if wraps_unguarded(a, &mut bnd) || wraps_unguarded(b, &mut bnd) {
                continue;
            }
            let one = |x: Expr| simplify(&x.add(Expr::i64(1)));
            out.push(match op {
                BinOp::Lt => (self.subst(a), self.subst(b)),
                BinOp::Gt => (self.subst(b), self.subst(a)),
                BinOp::Le => (self.subst(a), one(self.subst(b))),
                BinOp::Ge => (self.subst(b), one(self.subst(a))),
                _ => continue,
            });
        }
        (out, bnd.guards)
    }

    /// Guards that the arithmetic of run-time constants in index expression `e` does not
    /// wrap around. (Bounds take such arithmetic for its own, wrapped, value; the kernel
    /// computes index arithmetic in `isize`, and the symbolic bounds widen it to `i64`: where
    /// `k * k` would wrap in `i32`, the kernel refuses with `IndexOverflow` rather than
    /// index by a value that `reference` computes differently.)
    fn constant_guards(&self, e: &Expr) -> Vec<Expr> {
        let mut b = Bounds::new(self.scope);
        b.constants_exact = false;
        b.of(e);
        b.guards
    }

    fn expr(&mut self, e: &Expr, when: &Expr) {
        match e.node() {
            ExprNode::Let(n, v, b) => {
                self.expr(v, when);
                let mut bnd = Bounds::new(self.scope);
                let iv = bnd.of(v);
                let wraps = bnd.wraps || self.wrapping.iter().any(|w| v.uses_var(w));
                push_guards(self.guards, when, bnd.guards);
                let g = self.constant_guards(v);
                push_guards(self.guards, when, g);
                let sv = self.raw_subst(v);
                let saved = self.scope.insert(n.clone(), iv);
                self.lets.push((n.clone(), sv));
                if wraps {
                    self.wrapping.push(n.clone());
                }
                self.expr(b, when);
                if wraps {
                    self.wrapping.pop();
                }
                self.lets.pop();
                restore(self.scope, n, saved);
            }
            ExprNode::Call { kind, name, args } => {
                let mut guards = Vec::new();
                let mut wraps = Vec::new();
                for a in args {
                    let mut bnd = Bounds::new(self.scope);
                    bnd.of(a);
                    guards.extend(bnd.guards);
                    guards.extend(self.constant_guards(a));
                    wraps.push(bnd.wraps || self.wrapping.iter().any(|w| a.uses_var(w)));
                }
                push_guards(self.guards, when, guards);
                // An index that may wrap around has no bound (its bounds as mathematical
                // integers, below, would not hold).
                let dims: Vec<Interval> = args
                    .iter()
                    .zip(&wraps)
                    .map(|(a, wraps)| match wraps {
                        true => Interval::everything(),
                        false => {
                            let iv = self.refine(a, self.bounds(a));
                            // An `if` in an index (`if y < 1 { 1 - y } else { y - 1 }`)
                            // bounds each arm on its side of the condition. Where `y` is a
                            // let of the loops (`yo * 4 + yi` of a split), substituting it
                            // leaves the arms to the loops, whose narrowed ranges are empty
                            // on most iterations and bound loosely: the plain bounds, with
                            // the let's interval, are then the sharper ones (both hold).
                            let mut select = false;
                            a.visit(&mut |x| select |= matches!(x.node(), ExprNode::Select(..)));
                            if select {
                                iv.intersect(&Bounds::new(self.scope).of(a))
                            } else {
                                iv
                            }
                        }
                    })
                    .collect();
                self.out.push(CallBox {
                    kind: *kind,
                    name: name.clone(),
                    dims,
                    wraps,
                    when: when.clone(),
                    origin: e.origin(),
                });
                for a in args {
                    self.expr(a, when);
                }
            }
            _ => {
                for c in e.children() {
                    self.expr(c, when);
                }
            }
        }
    }

    fn stmt(&mut self, s: &Stmt, when: &Expr) {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                body,
                kind,
            } => {
                let mut b = Bounds::new(self.scope);
                let lo = b.of(min).min;
                let last = min.clone().add(extent.clone()).sub(Expr::i32(1));
                let hi = b.of(&last).max;
                let ext_hi = b.of(extent).max;
                let mut fit = Vec::new();
                if let (Some(l), Some(h)) = (lo.clone(), hi.clone()) {
                    fit.push(simplify(
                        &Expr::i64(i32::MIN as i64)
                            .le(l)
                            .and(h.le(Expr::i64(i32::MAX as i64))),
                    ));
                }
                push_guards(self.guards, when, b.guards);
                push_guards(self.guards, when, fit);
                // The loop's bounds themselves must not wrap: `(n + 63) / 64` of a split's
                // outer loop, for an `n` near `i32::MAX` (an expression of run-time constants
                // is otherwise its own bound, wrapped, and the loop would silently run 0 times).
                let mut exact = Bounds::new(self.scope);
                exact.constants_exact = false;
                exact.of(&last);
                exact.of(extent);
                push_guards(self.guards, when, exact.guards);
                let inner_when = match ext_hi {
                    Some(e) => and(when, Expr::i64(0).lt(e)),
                    None => when.clone(),
                };
                let sym = Interval {
                    min: Some(spread_or_keep(self.subst(min))),
                    max: Some(spread_or_keep(self.subst(&last))),
                };
                let saved = self
                    .scope
                    .insert(var.clone(), Interval { min: lo, max: hi });
                let vector = matches!(
                    kind,
                    halite_core::ForKind::Vectorized(_) | halite_core::ForKind::VectorizedRow(_)
                );
                if vector {
                    self.lanes.push(var.clone());
                }
                self.loops.push((var.clone(), sym));
                self.stmt(body, &inner_when);
                self.loops.pop();
                if vector {
                    self.lanes.pop();
                }
                restore(self.scope, var, saved);
            }
            Stmt::Let { name, value, body } => {
                self.expr(value, when);
                let g = self.constant_guards(value);
                push_guards(self.guards, when, g);
                let mut b = Bounds::new(self.scope);
                let iv = b.of(value);
                let region = self.hints.region_of_let(name);
                let hint = region.as_ref().and_then(|(m, e)| {
                    let lo = b.of(m).min?;
                    let hi = b.of(&m.clone().add(e.clone()).sub(Expr::i32(1))).max?;
                    Some(Interval {
                        min: Some(lo),
                        max: Some(hi),
                    })
                });
                push_guards(self.guards, when, b.guards);
                let opaque = self.keeps_name(value);
                // An opaque name is its own (run-time constant) bound.
                let saved = if opaque {
                    self.scope.remove(name)
                } else {
                    self.scope.insert(
                        name.clone(),
                        match &hint {
                            Some(h) => iv.intersect(h),
                            None => iv,
                        },
                    )
                };
                let sv = self.raw_subst(value);
                // Symbolically, the value itself is exact; it is also inside the region (under
                // a split's guard, or everywhere when no loop of its stage runs past the
                // region), which says so where interval arithmetic loses it (a fused loop's
                // `by / ny`, the loops of a guarded split).
                // (Everywhere: only where a fused loop divides by a run-time extent, or takes
                // the remainder by one of a value that varies over a vector's lanes, which
                // interval arithmetic cannot see through; elsewhere the clamp would only make
                // every region expression bigger, and hide the terms that cancel.)
                let lanes = &self.lanes;
                let fused = (by_variable(value, BinOp::Div, &|_| true)
                    || (!lanes.is_empty()
                        && by_variable(&sv, BinOp::Rem, &|a| lanes.iter().any(|l| a.uses_var(l)))))
                    && self.hints.inside_everywhere(name);
                let inside = self.in_guard || fused;
                let sv = match (region, inside) {
                    (Some((m, e)), true) => {
                        // The code runs only where the region is not empty (a fused loop's
                        // region; under a split's guard `.. < e`, `e >= 1`), which interval
                        // arithmetic may not see, so that the clamp's interval would end
                        // before `m` and make `m - 1` the lowest index read: a fused loop's
                        // strip row count becomes `max(e, 1)`, and a region that is empty
                        // when another dimension is, `select(0 < n, 2, 0)`, its nonempty
                        // side (smaller than a `max` around the select).
                        let hi = if fused {
                            self.raw_subst(&m.clone().add(e.max(Expr::i32(1))).sub(Expr::i32(1)))
                        } else {
                            let e = nonempty_extent(&self.raw_subst(&e));
                            simplify(&self.raw_subst(&m).add(e).sub(Expr::i32(1)))
                        };
                        Expr::intrinsic(
                            halite_core::Intrinsic::Clamp,
                            vec![sv, self.raw_subst(&m), hi],
                        )
                    }
                    _ => sv,
                };
                if !opaque {
                    self.lets.push((name.clone(), sv));
                }
                self.stmt(body, when);
                if !opaque {
                    self.lets.pop();
                }
                restore(self.scope, name, saved);
            }
            Stmt::Store { args, value, .. } => {
                let mut b = Bounds::new(self.scope);
                for a in args {
                    b.of(a);
                    let g = self.constant_guards(a);
                    push_guards(self.guards, when, g);
                }
                push_guards(self.guards, when, b.guards);
                for a in args {
                    self.expr(a, when);
                }
                self.expr(value, when);
            }
            Stmt::Allocate { body, .. } => self.stmt(body, when),
            // An output with no elements is not computed (see `nonempty`): nothing in its
            // production reads, even where a stencil widens its empty region into a non-empty
            // one for a producer computed inside it.
            Stmt::Produce { func, body } => match self.hints.pipeline.func(func) {
                Some(f) if f.is_output() => {
                    let nonempty = (0..f.dims()).fold(when.clone(), |w, d| {
                        let e = to_i64(&halite_core::func::extent_var(&f.name, d));
                        and(&w, Expr::i64(0).lt(e))
                    });
                    self.stmt(body, &nonempty)
                }
                _ => self.stmt(body, when),
            },
            Stmt::If { cond, then } => {
                let loops = self.loops.clone();
                let facts = self.facts.len();
                // The terms of the condition are tested in order: each one's reads happen
                // only where the earlier ones hold (codegen joins the terms with `&&` where a
                // later one reads; where none does, narrowing by earlier terms changes nothing).
                for c in cond.conjuncts() {
                    self.expr(c, when);
                    let (new, guards) = self.comparisons(c);
                    push_guards(self.guards, when, guards);
                    self.narrow_loops(&new);
                    self.facts.extend(new);
                }
                let saved = std::mem::replace(&mut self.in_guard, true);
                self.stmt(then, when);
                self.facts.truncate(facts);
                self.loops = loops;
                self.in_guard = saved;
            }
            Stmt::Block(v) => v.iter().for_each(|s| self.stmt(s, when)),
        }
    }
}

/// Bounds of `e` (an expression of values in scope at the `produce func` block) over every
/// iteration of the loops around that block, with the same symbolic precision as
/// [`collect_calls`]. `None` if there is no such block.
pub fn bounds_at_site(s: &Stmt, func: &str, e: &Expr, hints: &Hints) -> Option<Interval> {
    let mut scope = Scope::new();
    let mut guards = Vec::new();
    let mut out = Vec::new();
    let mut w = Walker {
        hints,
        scope: &mut scope,
        lets: Vec::new(),
        wrapping: Vec::new(),
        loops: Vec::new(),
        guards: &mut guards,
        out: &mut out,
        in_guard: false,
        lanes: Vec::new(),
        facts: Vec::new(),
    };
    w.find_site(s, func, e)
}

impl Walker<'_, '_> {
    fn find_site(&mut self, s: &Stmt, func: &str, e: &Expr) -> Option<Interval> {
        match s {
            Stmt::Produce { func: f, .. } if &**f == func => {
                let plain = self.bounds(e);
                // A second bound that survives the `select`s and unions of a region's extent
                // (a Func read at two loop levels): relax, distribute, bound term by term.
                let mut budget = 20_000;
                let spread = relax(&self.subst(e), true)
                    .map(|r| distribute(&r, &mut budget, None))
                    .filter(|_| budget > 0)
                    .and_then(|d| self.structural_upper(&d));
                Some(Interval {
                    min: plain.min,
                    max: match (plain.max, spread) {
                        (Some(a), Some(b)) => Some(simplify(&a.min(b))),
                        (a, b) => a.or(b),
                    },
                })
            }
            Stmt::Produce { body, .. }
            | Stmt::Allocate { body, .. }
            | Stmt::If { then: body, .. } => self.find_site(body, func, e),
            Stmt::Block(v) => v.iter().find_map(|x| self.find_site(x, func, e)),
            Stmt::Store { .. } => None,
            Stmt::For {
                var,
                min,
                extent,
                body,
                ..
            } => {
                let last = min.clone().add(extent.clone()).sub(Expr::i32(1));
                let sym = Interval {
                    min: Some(spread_or_keep(self.subst(min))),
                    max: Some(spread_or_keep(self.subst(&last))),
                };
                self.loops.push((var.clone(), sym));
                let r = self.find_site(body, func, e);
                self.loops.pop();
                r
            }
            Stmt::Let { name, value, body } => {
                let opaque = self.keeps_name(value);
                if !opaque {
                    let sv = self.raw_subst(value);
                    self.lets.push((name.clone(), sv));
                }
                let r = self.find_site(body, func, e);
                if !opaque {
                    self.lets.pop();
                }
                r
            }
        }
    }
}

/// The interval of a loop variable running over `[min, min + extent)`.
pub(crate) fn loop_interval(b: &mut Bounds, min: &Expr, extent: &Expr) -> Interval {
    let last = min.clone().add(extent.clone()).sub(Expr::i32(1));
    Interval {
        min: b.of(min).min,
        max: b.of(&last).max,
    }
}

/// Puts back what `scope` held for `name` before a nested binding.
pub(crate) fn restore(scope: &mut Scope, name: &Arc<str>, saved: Option<Interval>) {
    match saved {
        Some(i) => {
            scope.insert(name.clone(), i);
        }
        None => {
            scope.remove(name);
        }
    }
}

/// Union of two possibly-empty regions.
pub fn union(a: &Region, b: &Region) -> Region {
    union_all(vec![a.clone(), b.clone()]).expect("two regions")
}

/// Union of possibly-empty regions (`None` for none). Regions under the same condition merge
/// by `min`/`max`; across conditions, an empty region contributes a fallback instead of its
/// bounds: the bounds of the first nonempty one, which cannot move the result. Every bound
/// occurs a bounded number of times, so a union of many reads grows linearly with the
/// number of conditions (pairwise `select(a, select(b, both, a), b)` doubled per read), and
/// the fallback keeps bounds of bounds finite (a sentinel like `i64::MAX` would not).
pub fn union_all(regions: Vec<Region>) -> Option<Region> {
    let mut groups: Vec<Region> = Vec::new();
    for r in regions {
        match groups.iter_mut().find(|g| g.nonempty == r.nonempty) {
            Some(g) => {
                for ((g0, g1), (r0, r1)) in g.dims.iter_mut().zip(r.dims) {
                    *g0 = simplify(&g0.clone().min(r0));
                    *g1 = simplify(&g1.clone().max(r1));
                }
            }
            None => groups.push(r),
        }
    }
    if groups.len() <= 1 {
        return groups.pop();
    }
    let dims = (0..groups[0].dims.len())
        .map(|d| {
            let side = |hi: bool| {
                let bound = |g: &Region| {
                    if hi {
                        g.dims[d].1.clone()
                    } else {
                        g.dims[d].0.clone()
                    }
                };
                let last = bound(groups.last().unwrap());
                let fallback = groups[..groups.len() - 1]
                    .iter()
                    .rev()
                    .fold(last, |acc, g| {
                        Expr::select(g.nonempty.clone(), bound(g), acc)
                    });
                let fallback = simplify(&fallback);
                let terms = groups
                    .iter()
                    .map(|g| Expr::select(g.nonempty.clone(), bound(g), fallback.clone()));
                let e = terms
                    .reduce(|x, y| if hi { x.max(y) } else { x.min(y) })
                    .unwrap();
                simplify(&e)
            };
            (side(false), side(true))
        })
        .collect();
    let nonempty = groups
        .iter()
        .map(|g| g.nonempty.clone())
        .reduce(|x, y| Expr::binary(BinOp::Or, x, y))
        .unwrap();
    Some(Region {
        dims,
        nonempty: simplify(&nonempty),
    })
}

/// A value read or named as it is (a load, a variable, a constant, a widening cast of one):
/// nothing in it can wrap around.
fn atomic(e: &Expr) -> bool {
    match e.node() {
        ExprNode::Var(_) | ExprNode::Const(_) | ExprNode::Call { .. } => true,
        ExprNode::Cast(a) => e.ty().holds_all_of(a.ty()) && atomic(a),
        _ => false,
    }
}

/// The region covered by the calls to `name` in `calls`, or an error at a call whose index
/// has no finite bound. `None` if there is no call.
pub fn region_of(name: &str, calls: &[CallBox]) -> Result<Option<Region>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut acc: Vec<Region> = Vec::new();
    for c in calls.iter().filter(|c| &*c.name == name) {
        let mut dims = Vec::new();
        for (k, iv) in c.dims.iter().enumerate() {
            match (&iv.min, &iv.max) {
                (Some(lo), Some(hi)) => dims.push((lo.clone(), hi.clone())),
                _ if c.wraps[k] => errors.push(Diagnostic::new(
                    c.origin,
                    format!(
                        "cannot bound index {k} of this read of `{name}`: its arithmetic can wrap around (a result outside its type's range for some values); clamp the operands so that it cannot, or compute it in `i64` and clamp it (e.g. `(..).clamp(0, {name}.shape()[{k}] as i64 - 1) as i32`)"
                    ),
                )),
                _ => errors.push(Diagnostic::new(
                    c.origin,
                    format!(
                        "cannot bound index {k} of this read of `{name}`: its value can be anything its type holds; clamp it (e.g. `(..).clamp(0, {name}.shape()[{k}] as i32 - 1)`), or compute it from a narrower type"
                    ),
                )),
            }
        }
        if dims.len() != c.dims.len() {
            continue;
        }
        acc.push(Region {
            dims,
            nonempty: c.when.clone(),
        });
    }
    if errors.is_empty() {
        Ok(union_all(acc))
    } else {
        Err(errors)
    }
}

/// Pass `infer_regions`: for each intermediate (consumers first), the region its consumers
/// read at its compute site, bound by `let f.min.k` / `let f.extent.k` around the site.
///
/// Pre: `schedule_functions` placed a `produce f` block for every computed Func, followed in
/// the same block by the code that uses it. Post: every intermediate's region variables are
/// bound before its `produce` block and stay in scope over its consumers. Also returns each
/// region as bounds (`i64`, in terms of the names in scope at the `produce` block).
pub fn infer_regions(
    s: Stmt,
    p: &Pipeline,
    sch: &Schedule,
) -> Result<(Stmt, Regions), Vec<Diagnostic>> {
    let mut s = s;
    let mut errors = Vec::new();
    let mut regions = Regions::new();
    for f in p.funcs.iter().rev() {
        if f.is_output() {
            continue;
        }
        let fs = sch.get(&f.name);
        if fs.compute == Level::Inline {
            continue;
        }
        let mut result: Result<(), Vec<Diagnostic>> = Ok(());
        let total = count_calls(std::slice::from_ref(&s), &f.name);
        let mut seen = 0;
        s = rewrite_site(
            s,
            &f.name,
            &mut |rest: &[Stmt], nonneg: &[Arc<str>]| {
                let hints = Hints {
                    pipeline: p,
                    schedule: sch,
                    nonneg,
                };
                seen = count_calls(rest, &f.name);
                let mut calls = Vec::new();
                let mut guards = Vec::new();
                let mut scope = Scope::new();
                for r in rest {
                    collect_calls(
                        r,
                        &mut scope,
                        &Expr::bool(true),
                        &hints,
                        &mut guards,
                        &mut calls,
                    );
                }
                match region_of(&f.name, &calls).and_then(|r| with_updates(f, r)) {
                    Ok(r) => {
                        if let Some(r) = &r {
                            regions.insert(f.name.clone(), r.clone());
                        }
                        r
                    }
                    Err(e) => {
                        result = Err(e);
                        None
                    }
                }
            },
            f,
            &fs.bounds,
            &mut Vec::new(),
        );
        if let Err(e) = result {
            errors.extend(e);
        }
        if seen != total {
            let at = match &fs.compute {
                Level::At { func, var } => format!("`{func}`'s loop `{var}`"),
                _ => "its compute level".into(),
            };
            errors.push(Diagnostic::new(
                fs.compute_origin,
                format!("`{}` is computed inside {at}, but it is also used outside it; compute it at root, or at a loop that encloses all its uses", f.name),
            ));
        }
    }
    if errors.is_empty() {
        Ok((s, regions))
    } else {
        Err(errors)
    }
}

/// The region of each intermediate at its compute site, as [`infer_regions`] found it.
pub type Regions = std::collections::HashMap<Arc<str>, Region>;

/// Finds the block holding `produce name` and wraps it and the rest of that block in the
/// region lets computed by `region` from the statements after it.
/// The region of a Func from the statements after its `produce`, given the enclosing loops
/// and lets known never to be negative.
type RegionOf<'a> = dyn FnMut(&[Stmt], &[Arc<str>]) -> Option<Region> + 'a;

/// `nonneg` holds the enclosing loops and lets known never to be negative.
fn rewrite_site(
    s: Stmt,
    name: &str,
    region: &mut RegionOf<'_>,
    f: &halite_core::Func,
    bounds: &[(usize, i64, i64)],
    nonneg: &mut Vec<Arc<str>>,
) -> Stmt {
    match s {
        Stmt::Block(v) => {
            if let Some(i) = v
                .iter()
                .position(|x| matches!(x, Stmt::Produce { func, .. } if &**func == name))
            {
                let r = region(&v[i + 1..], nonneg);
                let mut v = v;
                let mut tail: Vec<Stmt> = v.drain(i..).collect();
                // The consumers' region lets (wrapping the statements after `produce name`)
                // move in front of this Func's own lets, which may name them.
                let mut lifted = Vec::new();
                for t in tail.iter_mut().skip(1) {
                    loop {
                        match std::mem::replace(t, Stmt::Block(vec![])) {
                            Stmt::Let { name, value, body } if !value.reads() => {
                                lifted.push((name, value));
                                *t = *body;
                            }
                            Stmt::Block(mut one) if one.len() == 1 => *t = one.remove(0),
                            other => {
                                *t = other;
                                break;
                            }
                        }
                    }
                }
                let mut inner = Stmt::Block(tail);
                let lets = region_lets(f, r, bounds)
                    .into_iter()
                    .map(|(n, val)| (Arc::from(n), val));
                for (n, val) in lifted.into_iter().chain(lets).rev() {
                    inner = Stmt::Let {
                        name: n,
                        value: val,
                        body: Box::new(inner),
                    };
                }
                v.push(inner);
                return Stmt::Block(v);
            }
            Stmt::Block(
                v.into_iter()
                    .map(|x| rewrite_site(x, name, region, f, bounds, nonneg))
                    .collect(),
            )
        }
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let known = halite_core::interval::nonneg(&Some(min.clone()), nonneg);
            if known {
                nonneg.push(var.clone());
            }
            let body = rewrite_site(*body, name, region, f, bounds, nonneg);
            if known {
                nonneg.pop();
            }
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(body),
            }
        }
        Stmt::Let {
            name: n,
            value,
            body,
        } => {
            let known = halite_core::interval::nonneg(&Some(value.clone()), nonneg);
            if known {
                nonneg.push(n.clone());
            }
            let body = rewrite_site(*body, name, region, f, bounds, nonneg);
            if known {
                nonneg.pop();
            }
            Stmt::Let {
                name: n,
                value,
                body: Box::new(body),
            }
        }
        s => s.map_children(&mut |x| rewrite_site(x, name, region, f, bounds, nonneg)),
    }
}

/// `let f.min.k = ..; let f.extent.k = ..` for a region (empty if nobody reads it).
fn region_lets(
    f: &halite_core::Func,
    r: Option<Region>,
    bounds: &[(usize, i64, i64)],
) -> Vec<(String, Expr)> {
    use crate::passes::loop_nest::{extent_var, min_var};
    let mut out = Vec::new();
    for d in 0..f.dims() {
        if let Some(&(_, m, e)) = bounds.iter().find(|b| b.0 == d) {
            out.push((min_var(&f.name, d), Expr::i32(m as i32)));
            out.push((extent_var(&f.name, d), Expr::i32(e as i32)));
            continue;
        }
        match &r {
            Some(r) => {
                let (lo, hi) = &r.dims[d];
                // When nobody reads it, the extent is 0 (and the min means nothing).
                let ext = Expr::select(
                    r.nonempty.clone(),
                    hi.clone().sub(lo.clone()).add(Expr::i64(1)),
                    Expr::i64(0),
                );
                let lo = lo.clone();
                out.push((min_var(&f.name, d), simplify(&Expr::cast(Type::I32, lo))));
                out.push((
                    extent_var(&f.name, d),
                    simplify(&Expr::cast(Type::I32, ext)),
                ));
            }
            None => {
                out.push((min_var(&f.name, d), Expr::i32(0)));
                out.push((extent_var(&f.name, d), Expr::i32(0)));
            }
        }
    }
    out
}

/// What an update definition touches (the element it writes, and every self-read), as far as
/// its reduction domain decides: per dimension, `None` for a pure dimension (which follows the
/// Func's region) or inclusive `i64` bounds; valid when `nonempty`.
#[derive(Clone, Debug)]
pub struct UpdateRegion {
    pub dims: Vec<Option<(Expr, Expr)>>,
    pub nonempty: Expr,
}

/// The values of reduction variable `r` over its domain, `[min, min + extent - 1]` in `i64`
/// (an empty interval, `max < min`, for an empty domain).
pub fn rvar_interval(r: &halite_core::RVar) -> Interval {
    let lo = simplify(&to_i64(&r.min));
    let ext = simplify(&to_i64(&r.extent));
    Interval {
        min: Some(lo.clone()),
        max: Some(simplify(&lo.add(ext).sub(Expr::i64(1)))),
    }
}

/// The [`UpdateRegion`] of each update of `f`, or errors at indices without a finite bound.
pub fn update_regions(f: &halite_core::Func) -> Result<Vec<UpdateRegion>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for u in &f.updates {
        let pure = u.pure_dims(f);
        let mut scope = Scope::new();
        let mut nonempty = Expr::bool(true);
        for r in &u.rvars {
            let ext = simplify(&to_i64(&r.extent));
            nonempty = simplify(&nonempty.and(Expr::i64(0).lt(ext)));
            scope.insert(r.name.clone(), rvar_interval(r));
        }
        let mut accesses: Vec<(Vec<Expr>, Origin)> = vec![(u.args.clone(), u.origin)];
        for e in u.exprs() {
            e.visit(&mut |x| {
                if let ExprNode::Call { name, args, .. } = x.node() {
                    if *name == f.name {
                        accesses.push((args.clone(), x.origin()));
                    }
                }
            });
        }
        let mut dims: Vec<Option<(Expr, Expr)>> = vec![None; f.dims()];
        for (args, origin) in &accesses {
            for (d, a) in args.iter().enumerate() {
                if pure[d] {
                    continue;
                }
                // (An index that may wrap around has no bound: its bounds as mathematical
                // integers would not hold.)
                let mut typed = Bounds::new(&scope);
                typed.of(a);
                let iv = match typed.wraps {
                    true => Interval::everything(),
                    false => Bounds::new(&scope).of(&simplify(&to_i64(a))),
                };
                let (Some(lo), Some(hi)) = (iv.min, iv.max) else {
                    let why = match typed.wraps {
                        true => "its arithmetic can wrap around (a result outside its type's range for some values); clamp the operands so that it cannot, or compute it in `i64` and clamp it",
                        false => "its value can be anything its type holds; clamp it (e.g. `(..).clamp(0, 255)`) or compute it from a narrower type",
                    };
                    errors.push(Diagnostic::new(
                        if *origin == Origin::NONE {
                            u.origin
                        } else {
                            *origin
                        },
                        format!(
                            "cannot bound index {d} of `{}` in this update: {why}",
                            f.name
                        ),
                    ));
                    continue;
                };
                dims[d] = Some(match dims[d].take() {
                    Some((l, h)) => (simplify(&l.min(lo)), simplify(&h.max(hi))),
                    None => (simplify(&lo), simplify(&hi)),
                });
            }
        }
        out.push(UpdateRegion { dims, nonempty });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `r` (what the consumers read, if anything) grown to hold what `f`'s updates touch.
///
/// An update whose every index comes from its reduction domain (a histogram's
/// `h(clamp(v, 0, 15)) += 1`) runs whatever the consumers read, even nothing: its box counts
/// under its own domain's condition only. An update with pure dimensions runs them over the
/// Func's whole region, so it counts where that region is nonempty: where the consumers read
/// something or a domain-only update runs. (Regions are boxes, unions take bounds per
/// dimension, so the pure dimensions may take those of the consumers' region and the
/// domain-only updates: the pure loops' range is the final union, which holds them.)
fn with_updates(
    f: &halite_core::Func,
    r: Option<Region>,
) -> Result<Option<Region>, Vec<Diagnostic>> {
    let updates = update_regions(f)?;
    let (domain_only, with_pure): (Vec<_>, Vec<_>) = updates
        .into_iter()
        .partition(|ur| ur.dims.iter().all(Option::is_some));
    let mut base = r;
    for ur in domain_only {
        let u = Region {
            dims: ur.dims.into_iter().map(Option::unwrap).collect(),
            nonempty: ur.nonempty,
        };
        base = Some(match base {
            Some(a) => union(&a, &u),
            None => u,
        });
    }
    // No consumer and no domain-only update: the pure loops have nothing to run over.
    let Some(base) = base else { return Ok(None) };
    let mut out = base.clone();
    for ur in with_pure {
        let u = Region {
            dims: ur
                .dims
                .iter()
                .zip(&base.dims)
                .map(|(x, b)| x.clone().unwrap_or_else(|| b.clone()))
                .collect(),
            nonempty: and(&base.nonempty, ur.nonempty.clone()),
        };
        out = union(&out, &u);
    }
    Ok(Some(out))
}

/// The number of calls to `name` in some statements, not counting its own self-reads (inside
/// `produce name`).
fn count_calls(v: &[Stmt], name: &str) -> usize {
    fn count(e: &Expr, name: &str) -> usize {
        let mut n = 0;
        e.visit(&mut |x| {
            if matches!(x.node(), ExprNode::Call { name: c, kind: CallKind::Func, .. } if &**c == name) {
                n += 1;
            }
        });
        n
    }
    fn stmt(s: &Stmt, name: &str) -> usize {
        match s {
            Stmt::Produce { func, .. } if &**func == name => 0,
            Stmt::For {
                min, extent, body, ..
            } => count(min, name) + count(extent, name) + stmt(body, name),
            Stmt::Store { args, value, .. } => {
                args.iter().map(|a| count(a, name)).sum::<usize>() + count(value, name)
            }
            Stmt::Let { value, body, .. } => count(value, name) + stmt(body, name),
            Stmt::If { cond, then } => count(cond, name) + stmt(then, name),
            Stmt::Allocate { body, .. } | Stmt::Produce { body, .. } => stmt(body, name),
            Stmt::Block(v) => v.iter().map(|x| stmt(x, name)).sum(),
        }
    }
    v.iter().map(|s| stmt(s, name)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{CallKind, ForKind};

    /// The calls `s` makes, with their bounds, outside any pipeline or schedule.
    fn calls_of(s: &Stmt) -> Vec<CallBox> {
        let pipeline = Pipeline::default();
        let schedule = Schedule::default();
        let hints = Hints {
            pipeline: &pipeline,
            schedule: &schedule,
            nonneg: &[],
        };
        let (mut guards, mut out) = (Vec::new(), Vec::new());
        collect_calls(
            s,
            &mut Scope::new(),
            &Expr::bool(true),
            &hints,
            &mut guards,
            &mut out,
        );
        out
    }

    /// Distributing over loop `i` keeps a `max` that does not use `i` whole, so that it
    /// cancels inside the guard: `b * 3 + i * 3 + min(3, n - b * 3 - i * 3)` with
    /// `b = max(o * 3, 0)` is `min(b * 3 + i * 3 + 3, n)`; splitting `b` as well leaves `b`'s
    /// arms and the guard's `b` apart, and the sum of their bounds is past `n`.
    #[test]
    fn distributing_over_a_loop_keeps_terms_without_it_whole() {
        let v = |n: &str| Expr::var(n, Type::I64);
        let b = v("o").mul(Expr::i64(3)).max(Expr::i64(0));
        let i3 = v("i").mul(Expr::i64(3));
        let e = b
            .clone()
            .mul(Expr::i64(3))
            .add(i3.clone())
            .add(Expr::i64(3).min(v("n").sub(b.clone().mul(Expr::i64(3))).sub(i3.clone())));
        let mut budget = DISTRIBUTE_BUDGET;
        let d = distribute(&e, &mut budget, Some("i"));
        let want = simplify(&b.mul(Expr::i64(3)).add(i3).add(Expr::i64(3)).min(v("n")));
        assert_eq!(d.to_string(), want.to_string());
        // Over every variable, `b` is split first and nothing cancels.
        let mut budget = DISTRIBUTE_BUDGET;
        let all = distribute(&e, &mut budget, None);
        assert_ne!(all.to_string(), want.to_string());
        assert!(all.to_string().contains("n - "), "{all}");
    }

    /// A large bound keeps the small operand of a `min` (upper) or `max` (lower), through
    /// sums, differences (the subtrahend on the other side) and selects; small bounds stay.
    #[test]
    fn loosening_keeps_small_operands_on_the_bound_side() {
        let v = |n: &str| Expr::var(n, Type::I64);
        // A sum of 200 distinct terms (399 nodes): larger than `LOOSEN_KEEPS`.
        let big = (0..200)
            .map(|k| v(&format!("t{k}")))
            .reduce(|a, b| a.add(b))
            .unwrap();
        let n = v("n");
        let upper = big.clone().min(n.clone()).add(Expr::i64(1));
        assert_eq!(loosen(&upper, true).to_string(), "n + 1");
        // Subtracted, the `max` is bounded from below: its small operand again.
        let lower = Expr::i64(10).sub(big.clone().max(n.clone()));
        assert_eq!(simplify(&loosen(&lower, true)).to_string(), "-n + 10");
        // A select's arms are both kept, as a max of them; the wrong side keeps both operands.
        let sel = Expr::select(v("c").lt(Expr::i64(0)), big.clone().min(n.clone()), v("m"));
        assert_eq!(loosen(&sel, true).to_string(), "max(n, m)");
        let min = big.clone().min(n.clone());
        assert_eq!(loosen(&min, false), min);
        // Small bounds are left as they are.
        let small = v("a").min(n);
        assert_eq!(loosen(&small, true), small);
    }

    /// A read at `ro * 16 + u` under `if ro * 16 + u < n`, with `u` the outer loop (an
    /// `rfactor`ed split reduction): the comparison bounds the read by `n - 1`; the loops'
    /// intervals alone would give the row rounded up to 16.
    #[test]
    fn comparisons_of_enclosing_ifs_bound_reads() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let n = Expr::var("in.extent.0", Type::I32);
        let idx = v("ro").mul(Expr::i32(16)).add(v("u"));
        let read = Expr::call(CallKind::Input, "in", vec![idx.clone()], Type::I32);
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("u")],
            value: read,
        };
        let guarded = Stmt::If {
            cond: Expr::binary(BinOp::Lt, idx, n.clone()),
            then: Box::new(store),
        };
        let inner = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: n.add(Expr::i32(15)).div(Expr::i32(16)),
            kind: ForKind::Serial,
            body: Box::new(guarded),
        };
        let s = Stmt::For {
            var: "u".into(),
            min: Expr::i32(0),
            extent: Expr::i32(16),
            kind: ForKind::Serial,
            body: Box::new(inner),
        };
        let out = calls_of(&s);
        let dims = &out[0].dims[0];
        assert_eq!(
            dims.min.as_ref().map(|e| e.to_string()).as_deref(),
            Some("0")
        );
        assert_eq!(
            dims.max.as_ref().map(|e| e.to_string()).as_deref(),
            Some("min((in.extent.0 as i64 + 15) / 16 * 16 - 1, in.extent.0 as i64 - 1)")
        );
    }

    /// The first entry of each 24-wide tile of a 96-wide tile (a split inside a guarded
    /// split): the last outer tile of 1024 has 64 entries, so its last inner tile starts at
    /// 1008. Bounding `o * 96` and `v * 24` apart gives 1031 (the largest `v` of a full
    /// outer tile added to the last `o`), past the end of the input.
    #[test]
    fn a_split_inside_a_split_stays_inside_its_extent() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let e = Expr::var("in.extent.0", Type::I32);
        let idx = v("o").mul(Expr::i32(96)).add(v("v").mul(Expr::i32(24)));
        let read = Expr::call(CallKind::Input, "in", vec![idx], Type::I32);
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("v")],
            value: read,
        };
        let tile = Expr::i32(96).min(e.clone().sub(v("o").mul(Expr::i32(96))));
        let inner = Stmt::For {
            var: "v".into(),
            min: Expr::i32(0),
            extent: tile.add(Expr::i32(23)).div(Expr::i32(24)),
            kind: ForKind::Serial,
            body: Box::new(store),
        };
        let s = Stmt::For {
            var: "o".into(),
            min: Expr::i32(0),
            extent: e.add(Expr::i32(95)).div(Expr::i32(96)),
            kind: ForKind::Serial,
            body: Box::new(inner),
        };
        let out = calls_of(&s);
        let max = out[0].dims[0].max.clone().expect("an upper bound");
        for (extent, last_tile) in [(1024i64, 1008), (1000, 984), (96, 72), (97, 96), (1, 0)] {
            let at = simplify(&halite_core::expr::substitute(&max, &|n| {
                (n == "in.extent.0").then(|| Expr::i32(extent as i32))
            }));
            let at = at.as_int().unwrap_or_else(|| panic!("{at}"));
            assert!(
                (last_tile..extent).contains(&at),
                "extent {extent}: bound {at} of {max}"
            );
        }
    }
}
