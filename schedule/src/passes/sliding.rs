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
//! dimension `d` that is not the contiguous dimension of its storage, monotonically
//! ([`halite_core::monotonic`]); `d`'s extent has a constant bound.
//!
//! Pre: regions inferred ([`crate::passes::bounds::infer_regions`], whose region bounds this
//! pass reads). Post: each sliding Func's `produce` block starts with
//! `let f.slide.d.min`/`let f.slide.d.extent` (and copies of the lets its region needs, at
//! `L - 1`, named `x.prev`), its loops run over them; the returned [`Fold`]s tell `allocate`
//! and code generation to index dimension `d` by `r & (F - 1)`.

use crate::passes::bounds::{bounds_at_site, Hints, Regions};
use crate::passes::loop_nest::{extent_var, hosting_stage, loop_var, min_var, stage_prefix};
use crate::schedule::{Level, Schedule, Split, TailStrategy};
use halite_core::expr::substitute;
use halite_core::monotonic::{monotonic, Monotonic};
use halite_core::{simplify, BinOp, Expr, ForKind, Func, Stmt, Type};
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
        let rounds = fs.splits.iter().any(|sp| {
            matches!(
                sp,
                Split::Split {
                    tail: TailStrategy::RoundUp,
                    ..
                }
            )
        });
        if !f.updates.is_empty() || rounds || f.dims() < 2 {
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
            store_loop: store_loop.as_deref(),
            uppers: &uppers,
            unit,
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
    store_loop: Option<&'a str>,
    uppers: &'a [Option<i64>],
    unit: usize,
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
        // How each name inside `L` moves as `L` grows.
        let mut mono: HashMap<Arc<str>, Monotonic> = HashMap::new();
        mono.insert(var.clone(), Monotonic::Increasing);
        let mut blocked = false;
        for c in &ctx[i + 1..] {
            match c {
                Ctx::Loop { var, kind, .. } => {
                    mono.insert(var.clone(), Monotonic::Unknown);
                    blocked |= !matches!(kind, ForKind::Serial | ForKind::Unrolled(_));
                }
                Ctx::Let(n, v) => {
                    let m = monotonic(v, &|x| mono.get(x).copied());
                    mono.insert(n.clone(), m);
                }
                Ctx::If => blocked = true,
            }
        }
        let of = |e: &Expr| monotonic(e, &|x| mono.get(x).copied());
        let moving: Vec<usize> = (0..f.dims())
            .filter(|&d| {
                of(&region.dims[d].0) != Monotonic::Constant
                    || of(&region.dims[d].1) != Monotonic::Constant
            })
            .collect();
        if moving.is_empty() && of(&region.nonempty) == Monotonic::Constant {
            // The region does not depend on this loop: try the one around it.
            continue;
        }
        let forward = |m: Monotonic| matches!(m, Monotonic::Constant | Monotonic::Increasing);
        let [d] = moving[..] else { return None };
        if blocked
            || !matches!(kind, ForKind::Serial | ForKind::Unrolled(_))
            || of(&region.nonempty) != Monotonic::Constant
            || !forward(of(&region.dims[d].0))
            || !forward(of(&region.dims[d].1))
            || d == job.unit
        {
            return None;
        }
        let factor = job.uppers[d]?;
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
            if let Ctx::Let(n, v) = c {
                if mono.get(n) != Some(&Monotonic::Constant) {
                    let pv = simplify(&substitute(v, &|x| renamed.get(x).cloned()));
                    renamed.insert(n.clone(), Expr::var(prev_name(n), v.ty()));
                    lets.push((prev_name(n), pv));
                }
            }
        }
        let prev_hi = simplify(&substitute(&region.dims[d].1, &|x| renamed.get(x).cloned()));
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
