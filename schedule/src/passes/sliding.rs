//! Pass `sliding_window`: a Func stored outside the loop it is computed in computes, at each
//! iteration, only the points earlier iterations did not, and keeps its storage folded.
//!
//! `f.store_at(out, yo).compute_at(out, yi)` keeps `f`'s storage across the iterations of
//! `yi`. When the region `f`'s consumers need at iteration `yi` moves forward along one
//! dimension `d` as `yi` grows (both ends never decrease; Halide's blur: rows `[yi - 1, yi +
//! 1]`), everything but its newest rows was computed by earlier iterations: iteration `yi`
//! computes rows `(max of the region at yi - 1, max at yi]` only, the first iteration the
//! whole region. Storage in `d` is then folded (Halide's `fold_storage`): row `r` lives in slot
//! `r mod F`, `F` the smallest power of two at least the region's largest extent along `d`, so
//! a strip's worth of rows takes `F` rows of memory. A row is only overwritten by row `r + F`,
//! computed after every iteration that reads row `r` (those read rows above `r + F - F`).
//!
//! Conditions (otherwise `f` is computed whole at every iteration, as before): `f` has a store
//! level outside its compute level, no update definitions and no round-up splits; the region
//! depends on one serial loop `L` between the two levels (the innermost one it depends on,
//! with no parallel loop and no `if` between `L` and the `produce` block), through one
//! dimension `d` that is not the contiguous dimension of its storage nor fixed by `bound`,
//! monotonically
//! ([`halite_core::monotonic`]); `d`'s extent has a constant bound.
//!
//! Pre: regions inferred ([`crate::passes::bounds::infer_regions`], whose region bounds this
//! pass reads). Post: each sliding Func's `produce` block starts with
//! `let f.slide.d.min`/`let f.slide.d.extent` (and copies of the lets its region needs, at
//! `L - 1`, named `x.prev`), its loops run over them; the returned [`Fold`]s tell `allocate`
//! and code generation to index dimension `d` by `r & (F - 1)`.

use crate::passes::bounds::{bounds_at_site, Hints, Regions};
use crate::passes::loop_nest::{extent_var, hosting_stage, loop_var, min_var, stage_prefix};
use crate::passes::tiles::{constant_range, Range};
use crate::schedule::{Level, Schedule};
use halite_core::expr::substitute;
use halite_core::monotonic::{monotonic, Monotonic};
use halite_core::{
    simplify, BinOp, Expr, ExprMutator, ExprNode, ForKind, Func, Intrinsic, Stmt, Type,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest fold factor (rows kept per sliding Func).
const MAX_FOLD: i64 = 1 << 12;

/// A folded dimension of a Func's storage: index `r` lives at `r & (factor - 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fold {
    pub func: Arc<str>,
    pub dim: usize,
    /// A power of two.
    pub factor: i64,
}

/// The entry let that records a fold (its value is the factor): read by code generation and by
/// the loop-nest interpreter.
pub fn fold_var(f: &str, d: usize) -> String {
    format!("{f}.fold.{d}")
}

/// What encloses the `produce` block, outermost first.
#[derive(Clone)]
enum Ctx {
    Loop {
        var: Arc<str>,
        min: Expr,
        kind: ForKind,
    },
    Let(Arc<str>, Expr),
    If,
}

/// Runs the pass over every intermediate with a store level outside its compute level.
pub fn sliding_window(
    s: Stmt,
    p: &halite_core::Pipeline,
    sch: &Schedule,
    regions: &Regions,
    hints: &Hints,
) -> (Stmt, Vec<Fold>) {
    let mut s = s;
    let mut folds = Vec::new();
    for f in p.funcs.iter().filter(|f| !f.is_output()) {
        let fs = sch.get(&f.name);
        let store = match (&fs.store, &fs.compute) {
            (Some(st), c) if st != c && *c != Level::Inline && *c != Level::Root => st.clone(),
            _ => continue,
        };
        if !f.updates.is_empty() || fs.rounds_up() || f.dims() < 2 {
            continue;
        }
        let Some(region) = regions.get(&f.name) else {
            continue;
        };
        let store_loop = match &store {
            Level::At { func, var } => Some(loop_var(
                &stage_prefix(func, hosting_stage(p, sch, func, &f.name)),
                var,
            )),
            _ => None,
        };
        // Constant bounds of the region's extents, for the fold factor.
        let uppers: Vec<Option<i64>> = (0..f.dims())
            .map(|d| {
                let e = Expr::cast(Type::I64, Expr::var(extent_var(&f.name, d), Type::I32));
                bounds_at_site(&s, &f.name, &e, hints)
                    .and_then(|iv| iv.max)
                    .and_then(|m| crate::passes::tiles::constant_upper_bound(&simplify(&m)))
            })
            .collect();
        let unit = *fs.storage.last().unwrap_or(&(f.dims() - 1));
        let job = Job {
            f,
            region,
            regions,
            store_loop: store_loop.as_deref(),
            uppers: &uppers,
            unit,
            bounded: fs.bounds.iter().map(|b| b.0).collect(),
        };
        let mut fold = None;
        s = walk(s, &job, &mut Vec::new(), &mut fold);
        folds.extend(fold);
    }
    (s, folds)
}

struct Job<'a> {
    f: &'a Func,
    region: &'a crate::passes::bounds::Region,
    regions: &'a Regions,
    store_loop: Option<&'a str>,
    uppers: &'a [Option<i64>],
    unit: usize,
    /// Dimensions with a `bound` (a fixed region: nothing slides).
    bounded: Vec<usize>,
}

fn walk(s: Stmt, job: &Job, ctx: &mut Vec<Ctx>, fold: &mut Option<Fold>) -> Stmt {
    match s {
        Stmt::Produce { func, body } if func == job.f.name => match slide(job, ctx) {
            Some((lets, d, factor)) => {
                let f = &job.f.name;
                let (mv, ev) = (min_var(f, d), extent_var(f, d));
                let new_min = Expr::var(format!("{f}.slide.{d}.min"), Type::I32);
                let new_ext = Expr::var(format!("{f}.slide.{d}.extent"), Type::I32);
                let map = |n: &str| {
                    if n == mv {
                        Some(new_min.clone())
                    } else if n == ev {
                        Some(new_ext.clone())
                    } else {
                        None
                    }
                };
                let mut body = body.map_exprs(&mut |e| substitute(e, &map));
                for (n, v) in lets.into_iter().rev() {
                    body = Stmt::Let {
                        name: n,
                        value: v,
                        body: Box::new(body),
                    };
                }
                *fold = Some(Fold {
                    func: func.clone(),
                    dim: d,
                    factor,
                });
                Stmt::Produce {
                    func,
                    body: Box::new(body),
                }
            }
            None => Stmt::Produce { func, body },
        },
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            ctx.push(Ctx::Loop {
                var: var.clone(),
                min: min.clone(),
                kind,
            });
            let body = walk(*body, job, ctx, fold);
            ctx.pop();
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(body),
            }
        }
        Stmt::Let { name, value, body } => {
            ctx.push(Ctx::Let(name.clone(), value.clone()));
            let body = walk(*body, job, ctx, fold);
            ctx.pop();
            Stmt::Let {
                name,
                value,
                body: Box::new(body),
            }
        }
        Stmt::If { cond, then } => {
            ctx.push(Ctx::If);
            let then = walk(*then, job, ctx, fold);
            ctx.pop();
            Stmt::If {
                cond,
                then: Box::new(then),
            }
        }
        s => s.map_children(&mut |c| walk(c, job, ctx, fold)),
    }
}

/// Decides whether `job.f` slides at a `produce` block inside `ctx`: the lets to put at the
/// start of the block, the sliding dimension and the fold factor.
#[allow(clippy::type_complexity)]
fn slide(job: &Job, ctx: &[Ctx]) -> Option<(Vec<(Arc<str>, Expr)>, usize, i64)> {
    let f = job.f;
    // Only what lies inside the store level keeps its storage.
    let start = match job.store_loop {
        Some(l) => {
            ctx.iter()
                .position(|c| matches!(c, Ctx::Loop { var, .. } if &**var == l))?
                + 1
        }
        None => 0,
    };
    let region = job.region;
    let loops: Vec<usize> = (start..ctx.len())
        .filter(|&i| matches!(ctx[i], Ctx::Loop { .. }))
        .collect();
    for &i in loops.iter().rev() {
        let Ctx::Loop { var, min, kind } = &ctx[i] else {
            unreachable!()
        };
        // How each name inside `L` moves as `L` grows, with the emptiness tests of regions
        // decided where the extent is provably positive (see `Facts`).
        let mut facts = Facts::default();
        let mut mono: HashMap<Arc<str>, Monotonic> = HashMap::new();
        mono.insert(var.clone(), Monotonic::Increasing);
        let mut blocked = false;
        let mut values: HashMap<Arc<str>, Expr> = HashMap::new();
        for c in &ctx[i + 1..] {
            match c {
                Ctx::Loop { var, kind, .. } => {
                    mono.insert(var.clone(), Monotonic::Unknown);
                    blocked |= !matches!(kind, ForKind::Serial | ForKind::Unrolled(_));
                }
                Ctx::Let(n, v) => {
                    let v = facts.learn(n, v, job.regions);
                    let m = monotonic(&v, &|x| mono.get(x).copied());
                    mono.insert(n.clone(), m);
                    values.insert(n.clone(), v);
                }
                Ctx::If => blocked = true,
            }
        }
        let of = |e: &Expr| monotonic(e, &|x| mono.get(x).copied());
        let nonempty = facts.rewrite(&region.nonempty);
        let dims: Vec<(Expr, Expr)> = region
            .dims
            .iter()
            .map(|(lo, hi)| (facts.rewrite(lo), facts.rewrite(hi)))
            .collect();
        let moving: Vec<usize> = (0..f.dims())
            .filter(|&d| {
                of(&dims[d].0) != Monotonic::Constant || of(&dims[d].1) != Monotonic::Constant
            })
            .collect();
        if moving.is_empty() && of(&nonempty) == Monotonic::Constant {
            // The region does not depend on this loop: try the one around it.
            continue;
        }
        let forward = |m: Monotonic| matches!(m, Monotonic::Constant | Monotonic::Increasing);
        let [d] = moving[..] else { return None };
        if blocked
            || !matches!(kind, ForKind::Serial | ForKind::Unrolled(_))
            || of(&nonempty) != Monotonic::Constant
            || !forward(of(&dims[d].0))
            || !forward(of(&dims[d].1))
            || d == job.unit
            || job.bounded.contains(&d)
        {
            return None;
        }
        let own = facts.range(&Expr::var(extent_var(&f.name, d), Type::I32)).1;
        let factor = match (job.uppers[d], own) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        // A region one row high has nothing to reuse.
        if factor <= 1 || factor > MAX_FOLD {
            return None;
        }
        let factor = (factor as u64).next_power_of_two() as i64;
        // The region's last index at the previous iteration: the lets it needs, copied with
        // `L - 1`.
        let prev_name = |n: &str| Arc::<str>::from(format!("{n}.prev"));
        let mut renamed: HashMap<Arc<str>, Expr> = HashMap::new();
        renamed.insert(
            var.clone(),
            Expr::var(var.clone(), Type::I32).sub(Expr::i32(1)),
        );
        let mut lets: Vec<(Arc<str>, Expr)> = Vec::new();
        for c in &ctx[i + 1..] {
            if let Ctx::Let(n, _) = c {
                let v = &values[n];
                if mono.get(n) != Some(&Monotonic::Constant) {
                    let pv = simplify(&substitute(v, &|x| renamed.get(x).cloned()));
                    renamed.insert(n.clone(), Expr::var(prev_name(n), v.ty()));
                    lets.push((prev_name(n), pv));
                }
            }
        }
        let prev_hi = simplify(&substitute(&dims[d].1, &|x| renamed.get(x).cloned()));
        // Keep only the copies the previous maximum uses.
        let mut needed: Vec<Arc<str>> = Vec::new();
        prev_hi.visit(&mut |e| {
            if let Some(n) = e.as_var() {
                needed.push(n.into());
            }
        });
        for (n, v) in lets.iter().rev() {
            if needed.contains(n) {
                v.visit(&mut |e| {
                    if let Some(x) = e.as_var() {
                        needed.push(x.into());
                    }
                });
            }
        }
        lets.retain(|(n, _)| needed.contains(n));
        let name = &f.name;
        let lo = Expr::var(min_var(name, d), Type::I32);
        let end = lo.clone().add(Expr::var(extent_var(name, d), Type::I32));
        let later = Expr::binary(BinOp::Lt, min.clone(), Expr::var(var.clone(), Type::I32));
        let after_prev = Expr::cast(Type::I32, prev_hi).add(Expr::i32(1));
        let new_min = simplify(&Expr::select(
            later,
            lo.clone().max(after_prev).min(end.clone()),
            lo,
        ));
        let min_name = Arc::<str>::from(format!("{name}.slide.{d}.min"));
        let new_ext = simplify(&end.sub(Expr::var(min_name.clone(), Type::I32)));
        lets.push((min_name, new_min));
        lets.push((format!("{name}.slide.{d}.extent").into(), new_ext));
        return Some((lets, d, factor));
    }
    None
}

/// What the pass knows about the lets inside the sliding loop: constant bounds of their values,
/// and for a region's extent `select(c, hi - lo + 1, 0)` whose `hi - lo + 1` is provably
/// positive, that `0 < extent` is just `c`. The emptiness test of a region read by another
/// Func's loops names that Func's extents; rewritten this way, it no longer seems to move with
/// the loop when the extents only do (an upsampled level's rows `[y / 2, (y + 1) / 2]`).
#[derive(Default)]
struct Facts {
    ranges: HashMap<Arc<str>, Range>,
    positive_when: HashMap<Arc<str>, Expr>,
    /// `g.extent.k` lets: the first and last index and the emptiness test of `g`'s region
    /// (`lo + extent` is `select(nonempty, hi + 1, lo)`, whose direction is visible).
    extents: HashMap<Arc<str>, (Expr, Expr, Expr)>,
}

impl Facts {
    /// Records let `name = value`; returns the value with what is known substituted (the same
    /// value at run time).
    fn learn(&mut self, name: &Arc<str>, value: &Expr, regions: &Regions) -> Expr {
        let v = self.rewrite(value);
        // `g.extent.k`, the extent of another Func's region here: its bounds, for `lo + extent`.
        if let Some((g, k)) = name.rsplit_once(".extent.") {
            if let (Some(r), Ok(k)) = (regions.get(g), k.parse::<usize>()) {
                if let Some((lo, hi)) = r.dims.get(k) {
                    let parts = (
                        self.rewrite(lo),
                        self.rewrite(hi),
                        self.rewrite(&r.nonempty),
                    );
                    self.extents.insert(name.clone(), parts);
                }
            }
        }
        self.ranges.insert(name.clone(), self.range(&v));
        if let ExprNode::Select(c, t, f) = strip_casts(&v).node() {
            if f.as_int() == Some(0) && self.range(t).0.is_some_and(|lo| lo >= 1) {
                self.positive_when.insert(name.clone(), c.clone());
            }
        }
        v
    }

    /// `e` with each `0 < x` (`x` a let known to be positive exactly when `c`) replaced by `c`.
    fn rewrite(&self, e: &Expr) -> Expr {
        let mut m = PositiveTests(self);
        simplify(&m.mutate(e))
    }

    /// Constant bounds of an integer expression (extents are non-negative).
    fn range(&self, e: &Expr) -> Range {
        self.range_of(e, true)
    }

    /// [`Facts::range`]; `structural`: a difference is also bounded by [`diff_range_in`].
    fn range_of(&self, e: &Expr, structural: bool) -> Range {
        constant_range(e, &|n| self.ranges.get(n).copied(), &|a, b| {
            if structural {
                diff_range_in(self, a, b)
            } else {
                (None, None)
            }
        })
    }
}

struct PositiveTests<'a>(&'a Facts);

impl halite_core::ExprMutator for PositiveTests<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        // A sum with a term `g.extent.k` and other terms `lo_g + k` (`k` constant): the end
        // of `g`'s region plus `k`, `select(nonempty, hi_g + 1 + k, lo_g + k)`.
        if matches!(e.node(), ExprNode::Binary(BinOp::Add, ..)) {
            if let Some((n, others)) = take_extent(e, &self.0.extents) {
                let (lo, hi, c) = &self.0.extents[&n];
                // `lo_g` as an expression, or as the let that holds it.
                let (g, d) = n.rsplit_once(".extent.").expect("an extent let");
                let min_let = Expr::cast(e.ty(), Expr::var(format!("{g}.min.{d}"), Type::I32));
                let offset = [lo.clone(), min_let]
                    .iter()
                    .filter(|l| l.ty() == others.ty())
                    .map(|l| diff_range_in(self.0, &others, l))
                    .find(|r| r.0.is_some() && r.0 == r.1);
                if hi.ty() == e.ty() {
                    if let Some((Some(k), Some(k2))) = offset {
                        if k == k2 {
                            let others = self.mutate(&others);
                            let one =
                                |v: i64| Expr::constant(halite_core::Value::from_i64(e.ty(), v));
                            let end = hi.clone().add(one(1 + k));
                            return Expr::select(c.clone(), end, others);
                        }
                    }
                }
            }
        }
        if let ExprNode::Binary(BinOp::Lt, z, x) = e.node() {
            if z.as_int() == Some(0) {
                let x = strip_casts(x);
                if let Some(n) = x.as_var() {
                    if let Some(c) = self.0.positive_when.get(n) {
                        return c.clone();
                    }
                }
                // An extent written out: `0 < select(c, t, 0)` is `c && 0 < t`.
                if let ExprNode::Select(c, t, f) = x.node() {
                    if f.as_int() == Some(0) {
                        let inner = self.mutate(&Expr::binary(BinOp::Lt, z.clone(), t.clone()));
                        return self.mutate(c).and(inner);
                    }
                }
                if self.0.range(x).0.is_some_and(|lo| lo >= 1) {
                    return Expr::bool(true);
                }
            }
        }
        self.mutate_children(e)
    }
}

fn strip_casts(e: &Expr) -> &Expr {
    match e.node() {
        ExprNode::Cast(a) if a.ty().is_int() && e.ty().is_int() => strip_casts(a),
        _ => e,
    }
}

fn hull(a: Range, b: Range) -> Range {
    (
        a.0.zip(b.0).map(|(x, y)| x.min(y)),
        a.1.zip(b.1).map(|(x, y)| x.max(y)),
    )
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Constant bounds of `a - b` from their shapes: equal terms cancel, constants add up, a
/// `select`, `min` or `max` splits into its arms, and `u.div_euclid(k) - v.div_euclid(k)` lies
/// in `[floor(lo / k), ceil(hi / k)]` when `u - v` lies in `[lo, hi]` (so the rows `[y / 2,
/// (y + 1) / 2]` of an upsampled level are at most 2).
fn diff_range_in(facts: &Facts, a: &Expr, b: &Expr) -> Range {
    let diff_range = |a: &Expr, b: &Expr| diff_range_in(facts, a, b);
    if a == b {
        return (Some(0), Some(0));
    }
    let shift = |r: Range, c: i64| (r.0.map(|x| x + c), r.1.map(|x| x + c));
    match (a.node(), b.node()) {
        (ExprNode::Cast(x), ExprNode::Cast(y))
            if x.ty().is_int() && y.ty().is_int() && x.ty() == y.ty() && a.ty().is_int() =>
        {
            return diff_range(x, y)
        }
        (ExprNode::Binary(BinOp::Add, x, c), _) if c.as_int().is_some() => {
            return shift(diff_range(x, b), c.as_int().unwrap())
        }
        (_, ExprNode::Binary(BinOp::Add, y, c)) if c.as_int().is_some() => {
            return shift(diff_range(a, y), -c.as_int().unwrap())
        }
        (ExprNode::Binary(BinOp::Sub, x, c), _) if c.as_int().is_some() => {
            return shift(diff_range(x, b), -c.as_int().unwrap())
        }
        (_, ExprNode::Binary(BinOp::Sub, y, c)) if c.as_int().is_some() => {
            return shift(diff_range(a, y), c.as_int().unwrap())
        }
        (ExprNode::Select(_, t, f), _) => return hull(diff_range(t, b), diff_range(f, b)),
        (_, ExprNode::Select(_, t, f)) => return hull(diff_range(a, t), diff_range(a, f)),
        (ExprNode::Binary(BinOp::Max, x, y), _) => {
            let (p, q) = (diff_range(x, b), diff_range(y, b));
            return (max_opt(p.0, q.0), p.1.zip(q.1).map(|(u, v)| u.max(v)));
        }
        (ExprNode::Binary(BinOp::Min, x, y), _) => {
            let (p, q) = (diff_range(x, b), diff_range(y, b));
            return (p.0.zip(q.0).map(|(u, v)| u.min(v)), min_opt(p.1, q.1));
        }
        (_, ExprNode::Binary(BinOp::Max, x, y)) => {
            let (p, q) = (diff_range(a, x), diff_range(a, y));
            return (p.0.zip(q.0).map(|(u, v)| u.min(v)), min_opt(p.1, q.1));
        }
        (_, ExprNode::Binary(BinOp::Min, x, y)) => {
            let (p, q) = (diff_range(a, x), diff_range(a, y));
            return (max_opt(p.0, q.0), p.1.zip(q.1).map(|(u, v)| u.max(v)));
        }
        (
            ExprNode::Intrinsic(Intrinsic::DivEuclid, u),
            ExprNode::Intrinsic(Intrinsic::DivEuclid, v),
        ) => {
            if let (Some(k), Some(k2)) = (u[1].as_int(), v[1].as_int()) {
                if k == k2 && k > 0 {
                    let r = diff_range(&u[0], &v[0]);
                    return (
                        r.0.map(|x| x.div_euclid(k)),
                        r.1.map(|x| -(-x).div_euclid(k)),
                    );
                }
            }
        }
        _ => {}
    }
    facts.range_of(&simplify(&a.clone().sub(b.clone())), false)
}

/// Splits a sum `e` into a term `g.extent.k` (a let in `extents`, possibly cast) and the sum of
/// the other terms.
fn take_extent(
    e: &Expr,
    extents: &HashMap<Arc<str>, (Expr, Expr, Expr)>,
) -> Option<(Arc<str>, Expr)> {
    let is_ext = |x: &Expr| {
        strip_casts(x)
            .as_var()
            .filter(|n| extents.contains_key(*n))
            .map(Arc::<str>::from)
    };
    match e.node() {
        ExprNode::Binary(BinOp::Add, a, b) => {
            if let Some(n) = is_ext(b) {
                return Some((n, a.clone()));
            }
            if let Some(n) = is_ext(a) {
                return Some((n, b.clone()));
            }
            if let Some((n, rest)) = take_extent(a, extents) {
                return Some((n, rest.add(b.clone())));
            }
            take_extent(b, extents).map(|(n, rest)| (n, a.clone().add(rest)))
        }
        ExprNode::Binary(BinOp::Sub, a, b) => {
            take_extent(a, extents).map(|(n, rest)| (n, rest.sub(b.clone())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y() -> Expr {
        Expr::var("y", Type::I64)
    }
    fn half(e: Expr) -> Expr {
        Expr::intrinsic(Intrinsic::DivEuclid, vec![e, Expr::i64(2)])
    }

    /// The rows of an upsampled level, `[y / 2, (y + 1) / 2]`, are 1 or 2; through a second
    /// level and a `max`, still bounded.
    #[test]
    fn differences_of_shapes() {
        let facts = Facts::default();
        let (lo, hi) = (half(y()), half(y().add(Expr::i64(1))));
        assert_eq!(diff_range_in(&facts, &hi, &lo), (Some(0), Some(1)));
        let hi2 = half(hi.clone().add(Expr::i64(1))).max(half(hi.clone()));
        assert_eq!(
            diff_range_in(&facts, &hi2, &half(lo.clone())),
            (Some(0), Some(1))
        );
        let lo3 = lo.clone().sub(Expr::i64(1)).min(lo.clone());
        assert_eq!(diff_range_in(&facts, &hi, &lo3), (Some(1), Some(2)));
        // Unrelated terms are not bounded.
        let n = Expr::var("n", Type::I64);
        assert_eq!(diff_range_in(&facts, &n, &lo), (None, None));
    }

    /// `0 < g.extent.k` becomes `g`'s emptiness test when its extent is positive whenever
    /// the region is nonempty; `g.min.k + g.extent.k` becomes the end of its region.
    #[test]
    fn extents_are_seen_through() {
        let mut facts = Facts::default();
        let c = Expr::i32(0).lt(Expr::var("out.extent.0", Type::I32));
        let (lo, hi) = (half(y()), half(y().add(Expr::i64(1))));
        let ext = Expr::cast(
            Type::I32,
            Expr::select(
                c.clone(),
                hi.clone().sub(lo.clone()).add(Expr::i64(1)),
                Expr::i64(0),
            ),
        );
        let mut regions = Regions::new();
        regions.insert(
            "g".into(),
            crate::passes::bounds::Region {
                dims: vec![(lo.clone(), hi.clone())],
                nonempty: c.clone(),
            },
        );
        facts.learn(&Arc::from("g.extent.0"), &ext, &regions);
        assert_eq!(
            facts.range(&Expr::var("g.extent.0", Type::I32)),
            (Some(0), Some(2))
        );
        let nonempty = Expr::i32(0).lt(Expr::var("g.extent.0", Type::I32));
        assert_eq!(facts.rewrite(&nonempty), simplify(&c));
        let end = lo
            .clone()
            .add(Expr::cast(Type::I64, Expr::var("g.extent.0", Type::I32)));
        let seen = facts.rewrite(&end);
        let direction = monotonic(&seen, &|n| (n == "y").then_some(Monotonic::Increasing));
        assert_eq!(direction, Monotonic::Increasing, "{seen}");
    }
}
