//! Pass `schedule_functions`: the loop nest of every computed Func, placed at its compute
//! level.
//!
//! Pre: `inline_funcs` ran; the schedule passed its checks.
//! Post: one `produce f` block per computed Func: outputs in the pipeline's order at the top
//! level, intermediates at the start of the body of their `compute_at` loop (`compute_root`:
//! at the top level too, in the pipeline's order of Funcs). A Func's loops are named
//! `f.<loop>`; its region is
//! `[f.min.k, +f.extent.k)` (outputs: `[0, +out.extent.k)`), bound later by
//! `infer_regions`. A split pure variable `x` is bound innermost as `let f.x.v = ..`.
//!
//! ```text
//! out.tile(y, x, yi, xi, 32, 256):
//! produce out:
//!   for out.y in [0, +(out.extent.0 + 31) / 32):
//!     for out.x in [0, +(out.extent.1 + 255) / 256):
//!       for out.yi in [0, +min(out.extent.0, 32)):
//!         for out.xi in [0, +min(out.extent.1, 256)):
//!           let out.y.v = max(min(out.y * 32, out.extent.0 - 32), 0) + out.yi
//!           let out.x.v = max(min(out.x * 256, out.extent.1 - 256), 0) + out.xi
//!           out(out.y.v, out.x.v) = ...
//! ```

use crate::directive::Diagnostic;
use crate::schedule::{FuncSchedule, Level, Schedule, Split, TailStrategy};
use halite_core::expr::substitute;
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{simplify, simplify_bounds, Expr, ForKind, Func, Pipeline, Stmt, Type};
use std::collections::HashSet;
use std::sync::Arc;

/// The name of loop `v` of Func `f`.
pub fn loop_var(f: &str, v: &str) -> String {
    format!("{f}.{v}")
}
/// The variable holding the first index of dimension `d` of Func `f`'s region.
pub fn min_var(f: &str, d: usize) -> String {
    format!("{f}.min.{d}")
}
/// The variable holding the extent of dimension `d` of Func `f`'s region.
pub fn extent_var(f: &str, d: usize) -> String {
    format!("{f}.extent.{d}")
}

/// Names of loops whose iterations may run in parallel, and every loop they were split or
/// fused from.
pub(crate) fn parallel_names(fs: &FuncSchedule) -> HashSet<Arc<str>> {
    let mut set: HashSet<Arc<str>> = fs
        .dims
        .iter()
        .filter(|d| matches!(d.kind, ForKind::Parallel { .. }))
        .map(|d| d.name.clone())
        .collect();
    for s in fs.splits.iter().rev() {
        match s {
            Split::Split {
                old, outer, inner, ..
            } => {
                if set.contains(outer) || set.contains(inner) {
                    set.insert(old.clone());
                }
            }
            Split::Fuse {
                outer,
                inner,
                fused,
            } => {
                if set.contains(fused) {
                    set.insert(outer.clone());
                    set.insert(inner.clone());
                }
            }
        }
    }
    set
}

/// Loop `v` and every loop it was split or fused from.
pub(crate) fn ancestors(fs: &FuncSchedule, v: &str) -> HashSet<Arc<str>> {
    let mut set: HashSet<Arc<str>> = HashSet::new();
    set.insert(v.into());
    for s in fs.splits.iter().rev() {
        match s {
            Split::Split {
                old, outer, inner, ..
            } => {
                if set.contains(outer) || set.contains(inner) {
                    set.insert(old.clone());
                }
            }
            Split::Fuse {
                outer,
                inner,
                fused,
            } => {
                if set.contains(fused) {
                    set.insert(outer.clone());
                    set.insert(inner.clone());
                }
            }
        }
    }
    set
}

/// The effective tail strategy of a split (resolving `Auto`).
pub fn resolve_tail(tail: TailStrategy, outer: &str, parallel: &HashSet<Arc<str>>) -> TailStrategy {
    match tail {
        // halite's default is GuardWithIf everywhere (Halide's is ShiftInwards for pure
        // definitions): a guarded tail keeps every loop inside its Func's region, so bounds
        // inference stays exact, parallel iterations never overlap, and only the last, partial
        // vector of a row falls back to scalar code.
        TailStrategy::Auto => {
            let _ = (outer, parallel);
            TailStrategy::GuardWithIf
        }
        t => t,
    }
}

struct LoopInfo {
    name: Arc<str>,
    min: Expr,
    extent: Expr,
}

/// The prefix of the loop names of stage `k` of Func `f`: `f` for its pure definition,
/// `f.s1` for update 0, and so on.
pub fn stage_prefix(f: &str, k: usize) -> String {
    if k == 0 {
        f.to_string()
    } else {
        format!("{f}.s{k}")
    }
}

/// The stage of `consumer` whose loops host a producer computed at one of its loops: the last
/// one that reads `producer` (directly or through inlined Funcs).
pub fn hosting_stage(p: &Pipeline, sch: &Schedule, consumer: &str, producer: &str) -> usize {
    let users = sch.consumers(p, producer);
    if let Some(k) = users
        .iter()
        .filter(|(c, _)| &**c == consumer)
        .map(|(_, k)| *k)
        .max()
    {
        return k;
    }
    // Used only by Funcs computed inside `consumer`: the stage that hosts them.
    for (g, _) in &users {
        let mut cur = g.clone();
        for _ in 0..=p.funcs.len() {
            match sch.compute_level(&cur) {
                Level::At { func, .. } if &*func == consumer => {
                    return hosting_stage(p, sch, consumer, &cur);
                }
                Level::At { func, .. } => cur = func,
                _ => break,
            }
        }
    }
    0
}

/// The splits of a stage that run in guard mode: guarded splits whose inner loop (or a loop
/// split from it) ends up outside their outer loop, or fused with it, cannot shorten the
/// inner loop's last iteration (its extent would depend on a loop inside it): they run the
/// full factor under an `if` instead, as Halide's GuardWithIf does. Indices into `fs.splits`.
/// Without any, every loop of the stage stays inside its region.
pub fn guard_mode_splits(fs: &FuncSchedule) -> Vec<usize> {
    let parallel = parallel_names(fs);
    let pos = |n: &str| fs.dims.iter().position(|d| &*d.name == n);
    let descendants = |root: &Arc<str>, from: usize| -> Vec<Arc<str>> {
        let mut set = vec![root.clone()];
        for sp in &fs.splits[from..] {
            match sp {
                Split::Split {
                    old, outer, inner, ..
                } if set.contains(old) => {
                    set.push(outer.clone());
                    set.push(inner.clone());
                }
                Split::Fuse {
                    outer,
                    inner,
                    fused,
                } if set.contains(outer) || set.contains(inner) => set.push(fused.clone()),
                _ => {}
            }
        }
        set
    };
    fs
        .splits
        .iter()
        .enumerate()
        .filter_map(|(k, sp)| match sp {
            Split::Split {
                outer, inner, tail, ..
            } if resolve_tail(*tail, outer, &parallel) == TailStrategy::GuardWithIf => {
                let lo_inner = descendants(inner, k + 1)
                    .iter()
                    .filter_map(|n| pos(n))
                    .min();
                let hi_outer = descendants(outer, k + 1)
                    .iter()
                    .filter_map(|n| pos(n))
                    .max();
                let (di, dout) = (descendants(inner, k + 1), descendants(outer, k + 1));
                let fused_together = fs.splits[k + 1..].iter().any(|t| {
                    matches!(t, Split::Fuse { outer: a, inner: b, .. }
                        if (dout.contains(a) && di.contains(b)) || (di.contains(a) && dout.contains(b)))
                });
                match (lo_inner, hi_outer) {
                    (Some(i), Some(o)) if i < o => Some(k),
                    _ if fused_together => Some(k),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// The loop nest of one stage of a Func (0: its pure definition, `k`: update `k - 1`), without
/// its `produce` marker. `fs` is that stage's schedule; `bounds` the Func's `bound`s; `facts`
/// the names a specialization pins to constants (an output's extent among them), which make
/// loop extents constant for `vectorize(v)` / `unroll(v)` without a size.
pub fn func_nest(
    f: &Func,
    stage: usize,
    fs: &FuncSchedule,
    bounds: &[(usize, i64, i64)],
    sites: &[Arc<str>],
    facts: &[(Arc<str>, Expr)],
) -> Result<Stmt, Diagnostic> {
    let prefix = stage_prefix(&f.name, stage);
    let g = &*prefix;
    let disp = if stage == 0 {
        f.name.to_string()
    } else {
        format!("{}.update({})", f.name, stage - 1)
    };
    let update = stage.checked_sub(1).map(|k| &f.updates[k]);
    // A vectorizing split whose outer loop sits directly outside its vector loop, runs
    // serially and hosts no producer, iterates its parent loop in order: emit the pair as one
    // vector loop over the parent's whole range. Code generation then hands LLVM one flat loop,
    // which it vectorizes best (one alias check per row instead of one per vector).
    let mut merged: Vec<(usize, ForKind)> = Vec::new();
    let mut phantom: Vec<Arc<str>> = Vec::new();
    let mut merged_outer: Vec<(Arc<str>, ForKind)> = Vec::new();
    for (k, sp) in fs.splits.iter().enumerate() {
        if let Split::Split {
            outer,
            inner,
            tail,
            factor,
            ..
        } = sp
        {
            let p = fs.dims.iter().position(|d| d.name == *inner);
            let Some(p) = p else { continue };
            let vec_kind = match fs.dims[p].kind {
                // `vectorize(inner)` without a size: the split's factor (the bound of the
                // inner loop's extent); a factor too large stays unmerged, and is reported
                // below as any such loop.
                ForKind::Vectorized(0) if (1..=64).contains(factor) => {
                    ForKind::Vectorized(*factor as u32)
                }
                ForKind::Vectorized(0) => ForKind::Serial,
                k => k,
            };
            let later_split = fs.splits[k + 1..].iter().any(|t| match t {
                Split::Split { old, .. } => old == outer || old == inner,
                Split::Fuse {
                    outer: o, inner: i, ..
                } => o == outer || i == outer || o == inner || i == inner,
            });
            if matches!(vec_kind, ForKind::Vectorized(_))
                && p > 0
                && fs.dims[p - 1].name == *outer
                && fs.dims[p - 1].kind == ForKind::Serial
                && !sites.contains(outer)
                && !later_split
                && resolve_tail(*tail, outer, &parallel_names(fs)) == TailStrategy::GuardWithIf
            {
                merged.push((k, vec_kind));
                phantom.push(inner.clone());
                merged_outer.push((outer.clone(), vec_kind));
            }
        }
    }
    let lv = |n: &str| Expr::var(loop_var(g, n), Type::I32);
    let mut loops: Vec<LoopInfo> = Vec::new();
    let mut values: Vec<Expr> = Vec::new();
    // The variables of the stage: its pure variables, then its reduction variables.
    let mut vars: Vec<Arc<str>> = Vec::new();
    let pure = update.map_or(vec![true; f.dims()], |u| u.pure_dims(f));
    for (d, a) in f.args.iter().enumerate() {
        if !pure[d] {
            continue;
        }
        // A `bound(v, min, extent)` fixes the region: its loop has constant bounds, so
        // `unroll(v)` and `vectorize(v)` without a size can use them.
        let (m, e) = match bounds.iter().find(|b| b.0 == d) {
            Some(&(_, m, e)) => (Expr::i32(m as i32), Expr::i32(e as i32)),
            None => crate::passes::bounds::region_vars(f, d),
        };
        loops.push(LoopInfo {
            name: a.clone(),
            min: m,
            extent: e,
        });
        values.push(lv(a));
        vars.push(a.clone());
    }
    for r in update.iter().flat_map(|u| &u.rvars) {
        loops.push(LoopInfo {
            name: r.name.clone(),
            min: r.min.clone(),
            extent: r.extent.clone(),
        });
        values.push(lv(&r.name));
        vars.push(r.name.clone());
    }
    let parallel = parallel_names(fs);
    let guard_mode = guard_mode_splits(fs);
    let mut guards: Vec<Expr> = Vec::new();
    let mut new_guard: Option<Expr> = None;
    // The start of the last, shifted iteration of each `ShiftInwards` split: `(name, value)`.
    let mut shift_bases: Vec<(String, Expr)> = Vec::new();
    let mut new_base: Option<(String, Expr)> = None;
    let take = |loops: &mut Vec<LoopInfo>, n: &str| -> LoopInfo {
        let i = loops
            .iter()
            .position(|l| &*l.name == n)
            .expect("checked by the schedule");
        loops.remove(i)
    };
    for (k, s) in fs.splits.iter().enumerate() {
        if merged.iter().any(|(m, _)| *m == k) {
            // One loop, renamed to the outer name: the old loop's range, unchanged.
            let Split::Split { old, outer, .. } = s else {
                unreachable!()
            };
            let mut l = take(&mut loops, old);
            let name = loop_var(g, old);
            let to = lv(outer);
            let map = |n: &str| (n == name).then(|| to.clone());
            for v in values.iter_mut() {
                *v = simplify(&substitute(v, &map));
            }
            for gd in guards.iter_mut() {
                *gd = simplify(&substitute(gd, &map));
            }
            for (_, b) in shift_bases.iter_mut() {
                *b = simplify(&substitute(b, &map));
            }
            for x in loops.iter_mut() {
                x.min = simplify(&substitute(&x.min, &map));
                x.extent = simplify(&substitute(&x.extent, &map));
            }
            l.name = outer.clone();
            loops.push(l);
            continue;
        }
        let (old, replacement, new_loops) = match s {
            Split::Split {
                old,
                outer,
                inner,
                factor,
                tail,
            } => {
                let l = take(&mut loops, old);
                let fct = Expr::i32(*factor as i32);
                let (o, i) = (lv(outer), lv(inner));
                let outer_ext = simplify(
                    &l.extent
                        .clone()
                        .add(Expr::i32(*factor as i32 - 1))
                        .div(fct.clone()),
                );
                let (inner_ext, base) = match resolve_tail(*tail, outer, &parallel) {
                    TailStrategy::ShiftInwards | TailStrategy::Auto => {
                        // The shifted start is a `let` at the level of the loops it uses:
                        // bounds inference then sees a region `[base, base + f - 1]` whose
                        // extent is the constant `f` (as `min(f, extent)`), not the difference
                        // of two `max(min(..))`s that no simplification cancels.
                        let value = simplify(
                            &o.clone()
                                .mul(fct.clone())
                                .min(l.extent.clone().sub(fct.clone()))
                                .max(Expr::i32(0)),
                        );
                        let mut name = format!("{g}.{old}.base");
                        if shift_bases.iter().any(|(n, _)| *n == name) {
                            name = format!("{g}.{old}.base{k}");
                        }
                        // (Added after this split's own substitution, as a guard is.)
                        new_base = Some((name.clone(), value));
                        (
                            fct.clone().min(l.extent.clone()),
                            Expr::var(name, Type::I32),
                        )
                    }
                    TailStrategy::GuardWithIf if guard_mode.contains(&k) => {
                        // Full factor; the store is guarded by `outer * f + inner < extent`.
                        // (Added after this split's own substitution: it is already written
                        // in the new loops, and `outer` may reuse the old name.)
                        new_guard = Some(
                            o.clone()
                                .mul(fct.clone())
                                .add(i.clone())
                                .lt(l.extent.clone()),
                        );
                        (fct.clone(), o.clone().mul(fct.clone()))
                    }
                    TailStrategy::GuardWithIf => (
                        fct.clone()
                            .min(l.extent.clone().sub(o.clone().mul(fct.clone()))),
                        o.clone().mul(fct.clone()),
                    ),
                    TailStrategy::RoundUp => (fct.clone(), o.clone().mul(fct.clone())),
                };
                let value = simplify(&l.min.clone().add(base).add(i));
                let new = vec![
                    LoopInfo {
                        name: outer.clone(),
                        min: Expr::i32(0),
                        extent: outer_ext,
                    },
                    LoopInfo {
                        name: inner.clone(),
                        min: Expr::i32(0),
                        extent: simplify(&inner_ext),
                    },
                ];
                (vec![old.clone()], vec![value], new)
            }
            Split::Fuse {
                outer,
                inner,
                fused,
            } => {
                let lo = take(&mut loops, outer);
                let li = take(&mut loops, inner);
                if li.extent.uses_var(&loop_var(g, outer)) || li.min.uses_var(&loop_var(g, outer)) {
                    return Err(Diagnostic::new(
                        fs.split_origins.get(k).copied().unwrap_or(f.origin),
                        format!("cannot fuse `{outer}` and `{inner}` of `{disp}`: the extent of `{inner}` depends on `{outer}` (split `{inner}`'s parent with `TailStrategy::ShiftInwards`)"),
                    ));
                }
                let fv = lv(fused);
                // Whenever the fused loop runs, the inner extent is at least 1; saying so
                // (`max(extent, 1)`) lets bounds inference see a positive divisor.
                let div = li.extent.clone().max(Expr::i32(1));
                let vo = simplify(&lo.min.clone().add(fv.clone().div(div.clone())));
                let vi = simplify(&li.min.clone().add(Expr::binary(
                    halite_core::BinOp::Rem,
                    fv,
                    div,
                )));
                let new = vec![LoopInfo {
                    name: fused.clone(),
                    min: Expr::i32(0),
                    extent: simplify(&lo.extent.clone().mul(li.extent.clone())),
                }];
                (vec![outer.clone(), inner.clone()], vec![vo, vi], new)
            }
        };
        let names: Vec<String> = old.iter().map(|o| loop_var(g, o)).collect();
        let map = |n: &str| {
            names
                .iter()
                .position(|x| x == n)
                .map(|i| replacement[i].clone())
        };
        for v in values.iter_mut() {
            *v = simplify(&substitute(v, &map));
        }
        for gd in guards.iter_mut() {
            *gd = simplify(&substitute(gd, &map));
        }
        for (_, b) in shift_bases.iter_mut() {
            *b = simplify(&substitute(b, &map));
        }
        guards.extend(new_guard.take().map(|g| simplify(&g)));
        shift_bases.extend(new_base.take());
        for l in loops.iter_mut() {
            l.min = simplify(&substitute(&l.min, &map));
            l.extent = simplify(&substitute(&l.extent, &map));
        }
        loops.extend(new_loops);
    }
    // The loops in schedule order, each depending only on loops outside it.
    let mut ordered = Vec::new();
    let mut outside: Vec<String> = Vec::new();
    let mut scope = Scope::new();
    // Region extents are unknown but never negative: `min(8, extent)` is at most 8.
    for d in 0..f.dims() {
        if let Some(n) = crate::passes::bounds::region_vars(f, d).1.as_var() {
            scope.insert(
                n.into(),
                Interval {
                    min: Some(Expr::i64(0)),
                    max: None,
                },
            );
        }
    }
    for d in &fs.dims {
        if phantom.contains(&d.name) {
            continue;
        }
        let l = take(&mut loops, &d.name);
        for e in [&l.min, &l.extent] {
            let e = &expand_bases(e, &shift_bases);
            let mut bad = None;
            e.visit(&mut |x| {
                if let Some(n) = x.as_var() {
                    if let Some(rest) = n.strip_prefix(&format!("{g}.")) {
                        let is_loop = !rest.starts_with("min.") && !rest.starts_with("extent.");
                        if is_loop && !outside.iter().any(|o| o == n) {
                            bad = Some(rest.to_string());
                        }
                    }
                }
            });
            if let Some(b) = bad {
                return Err(Diagnostic::new(
                    d.origin,
                    format!("loop `{}` of `{disp}` cannot be outside loop `{b}`: its extent depends on `{b}` (a split with a guarded tail); keep `{}` inside `{b}`", d.name, d.name),
                ));
            }
        }
        // Resolve `vectorize(v)` / `unroll(v)` without a size: the constant bound of the extent.
        let mut kind = d.kind;
        if let Some((_, k)) = merged_outer.iter().find(|(n, _)| *n == d.name) {
            kind = match *k {
                ForKind::Vectorized(w) => ForKind::VectorizedRow(w),
                k => k,
            };
        }
        if matches!(kind, ForKind::Vectorized(0) | ForKind::Unrolled(0)) {
            let mut b = Bounds::new(&scope);
            let extent = crate::specialize::substitute_facts(&l.extent, facts);
            let hi = b
                .of(&extent)
                .max
                .map(|m| simplify_bounds(&m))
                .and_then(|m| m.as_int())
                .or_else(|| crate::passes::tiles::constant_upper_bound(&extent));
            match hi {
                // A loop that never runs (an extent a specialization pins to 0).
                Some(n) if n <= 0 => kind = ForKind::Serial,
                Some(n) if (1..=64).contains(&n) => {
                    kind = if matches!(kind, ForKind::Vectorized(_)) {
                        ForKind::Vectorized(n as u32)
                    } else {
                        ForKind::Unrolled(n as u32)
                    };
                }
                _ => {
                    let what = if matches!(kind, ForKind::Vectorized(_)) {
                        "vectorize"
                    } else {
                        "unroll"
                    };
                    return Err(Diagnostic::new(
                        d.origin,
                        format!("`{what}({})` needs a loop whose extent is a constant of at most 64; give a size (`{what}({}, 8)`), or split it by a factor of at most 64 first", d.name, d.name),
                    ));
                }
            }
        }
        if let ForKind::Vectorized(w) | ForKind::VectorizedRow(w) = kind {
            let mut b = Bounds::new(&scope);
            let hi = b
                .of(&l.extent)
                .max
                .map(|m| simplify_bounds(&m))
                .and_then(|m| m.as_int());
            if let Some(n) = hi {
                if n < w as i64 {
                    return Err(Diagnostic::new(
                        d.origin,
                        format!("vector width {w} is wider than loop `{}` of `{disp}`, which has at most {n} iterations", d.name),
                    ));
                }
            }
        }
        let name = loop_var(g, &d.name);
        scope.insert(
            name.clone().into(),
            Interval {
                min: Some(Expr::i64(0)),
                max: None,
            },
        );
        outside.push(name);
        ordered.push((l, kind));
    }
    // The innermost body: bind split pure variables, then store.
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for (a, v) in vars.iter().zip(&values) {
        if v.as_var() == Some(&loop_var(g, a)) {
            args.push(v.clone());
        } else {
            let n = format!("{g}.{a}.v");
            lets.push((n.clone(), v.clone()));
            args.push(Expr::var(n, Type::I32));
        }
    }
    let subst = |e: &Expr| {
        substitute(e, &|n| {
            vars.iter().position(|a| &**a == n).map(|i| args[i].clone())
        })
    };
    let mut body = match update {
        None => Stmt::Store {
            func: f.name.clone(),
            args: args.clone(),
            value: subst(&f.value),
        },
        Some(u) => {
            let store = Stmt::Store {
                func: f.name.clone(),
                args: u.args.iter().map(&subst).collect(),
                value: subst(&u.value),
            };
            match u.predicates.iter().map(&subst).reduce(|a, b| a.and(b)) {
                Some(cond) => Stmt::If {
                    cond,
                    then: Box::new(store),
                },
                None => store,
            }
        }
    };
    for (n, v) in lets.into_iter().rev() {
        body = Stmt::Let {
            name: n.into(),
            value: v,
            body: Box::new(body),
        };
    }
    if let Some(cond) = guards.into_iter().reduce(|a, b| a.and(b)) {
        body = Stmt::If {
            cond,
            then: Box::new(body),
        };
    }
    // Each shifted start goes just inside the innermost loop it uses (after the starts it
    // uses): bounds inference keeps it a name in the regions of Funcs computed inside.
    let level = |value: &Expr| {
        let value = expand_bases(value, &shift_bases);
        ordered
            .iter()
            .rposition(|(l, _)| value.uses_var(&loop_var(g, &l.name)))
    };
    let mut order: Vec<usize> = Vec::new();
    while order.len() < shift_bases.len() {
        let next = (0..shift_bases.len())
            .find(|&i| {
                !order.contains(&i)
                    && shift_bases.iter().enumerate().all(|(j, (n, _))| {
                        j == i || order.contains(&j) || !shift_bases[i].1.uses_var(n)
                    })
            })
            .expect("shifted starts do not depend on each other in a cycle");
        order.push(next);
    }
    let levels: Vec<Option<usize>> = shift_bases.iter().map(|(_, v)| level(v)).collect();
    let wrap_bases = |body: Stmt, at: Option<usize>| {
        order
            .iter()
            .rev()
            .filter(|&&i| levels[i] == at)
            .fold(body, |body, &i| Stmt::Let {
                name: shift_bases[i].0.clone().into(),
                value: shift_bases[i].1.clone(),
                body: Box::new(body),
            })
    };
    for (idx, (l, kind)) in ordered.into_iter().enumerate().rev() {
        body = wrap_bases(body, Some(idx));
        body = Stmt::For {
            var: loop_var(g, &l.name).into(),
            min: l.min,
            extent: l.extent,
            kind,
            body: Box::new(body),
        };
    }
    Ok(wrap_bases(body, None))
}

/// `e` with the shifted starts of `ShiftInwards` splits replaced by their values (which name
/// loops only).
fn expand_bases(e: &Expr, bases: &[(String, Expr)]) -> Expr {
    let mut e = e.clone();
    // A start may name a start of a later split; one pass per start reaches the loops.
    for _ in 0..bases.len() {
        if !bases.iter().any(|(n, _)| e.uses_var(n)) {
            break;
        }
        e = substitute(&e, &|n| {
            bases.iter().find(|(b, _)| b == n).map(|(_, v)| v.clone())
        });
    }
    e
}

/// `nest` then `body`, inside the shifted starts `body` begins with (a producer computed at
/// the loop then sees each start as a name: its region is `[start, start + factor)`).
fn prepend_inside_bases(body: Stmt, nest: Stmt) -> Stmt {
    match body {
        Stmt::Let { name, value, body } if is_shift_base(&name) => Stmt::Let {
            name,
            value,
            body: Box::new(prepend_inside_bases(*body, nest)),
        },
        body => Stmt::Block(vec![nest, body]),
    }
}

/// Whether `name` is the shifted start of a `ShiftInwards` split (`f.x.base`, `f.x.base3`).
fn is_shift_base(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, last)| {
        last.strip_prefix("base")
            .is_some_and(|k| k.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Inserts `nest` at the start of the body of loop `var` (a full name) inside `produce func`.
fn insert_at(s: Stmt, func: &str, var: &str, nest: &mut Option<Stmt>, inside: bool) -> Stmt {
    match s {
        Stmt::Produce { func: f, body } => {
            let inside2 = inside || &*f == func;
            Stmt::Produce {
                func: f.clone(),
                body: Box::new(insert_at(*body, func, var, nest, inside2)),
            }
        }
        Stmt::For {
            var: v,
            min,
            extent,
            kind,
            body,
        } => {
            let body = insert_at(*body, func, var, nest, inside);
            let body = if inside && &*v == var {
                match nest.take() {
                    Some(n) => prepend_inside_bases(body, n),
                    None => body,
                }
            } else {
                body
            };
            Stmt::For {
                var: v,
                min,
                extent,
                kind,
                body: Box::new(body),
            }
        }
        s => s.map_children(&mut |x| insert_at(x, func, var, nest, inside)),
    }
}

/// The nests of every stage of `f`, in order.
fn produce(
    p: &Pipeline,
    f: &Func,
    sch: &Schedule,
    facts: &[(Arc<str>, Expr)],
    errors: &mut Vec<Diagnostic>,
) -> Option<Stmt> {
    let fs = sch.get(&f.name);
    let mut stages = Vec::new();
    for k in 0..=f.updates.len() {
        // Loops of this stage that host producers.
        let sites: Vec<Arc<str>> = p
            .funcs
            .iter()
            .filter_map(|q| match &sch.get(&q.name).compute {
                Level::At { func, var }
                    if *func == f.name && hosting_stage(p, sch, &f.name, &q.name) == k =>
                {
                    Some(var.clone())
                }
                _ => None,
            })
            .collect();
        match func_nest(f, k, fs.stage_schedule(k), &fs.bounds, &sites, facts) {
            Ok(n) => stages.push(n),
            Err(e) => errors.push(e),
        }
    }
    (stages.len() == f.updates.len() + 1).then(|| Stmt::Produce {
        func: f.name.clone(),
        body: Box::new(Stmt::block(stages)),
    })
}

/// Runs the pass; `facts` as in [`func_nest`].
pub fn schedule_functions(
    p: &Pipeline,
    sch: &Schedule,
    facts: &[(Arc<str>, Expr)],
) -> Result<Stmt, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut top: Vec<Stmt> = Vec::new();
    for f in p.funcs.iter().filter(|f| f.is_output()) {
        if let Some(n) = produce(p, f, sch, facts, &mut errors) {
            top.push(n);
        }
    }
    let mut s = Stmt::Block(top);
    for f in p.funcs.iter().rev().filter(|f| !f.is_output()) {
        let fs = sch.get(&f.name);
        let Some(nest) = produce(p, f, sch, facts, &mut errors) else {
            continue;
        };
        match &fs.compute {
            Level::Inline => {}
            Level::Root => {
                let Stmt::Block(mut v) = s else {
                    unreachable!("the top is a block")
                };
                // In definition order among the top-level Funcs (outputs and the other
                // roots), which is an order of producers before consumers (the Funcs are
                // sorted so), and the order `infer_regions` bounds them in: an intermediate
                // that reads an output (`g(i) = f(i) * 2`, `f` an output) comes after it.
                let order = |n: &str| p.funcs.iter().position(|g| *g.name == *n);
                let me = order(&f.name);
                let at = v
                    .iter()
                    .position(|t| match t {
                        Stmt::Produce { func, .. } => order(func) > me,
                        _ => false,
                    })
                    .unwrap_or(v.len());
                v.insert(at, nest);
                s = Stmt::Block(v);
            }
            Level::At { func, var } => {
                let k = hosting_stage(p, sch, func, &f.name);
                let mut slot = Some(nest);
                s = insert_at(
                    s,
                    func,
                    &loop_var(&stage_prefix(func, k), var),
                    &mut slot,
                    false,
                );
                if slot.is_some() && errors.is_empty() {
                    let which = if k == 0 {
                        format!("`{func}`")
                    } else {
                        format!("`{func}.update({})`, which reads `{}`,", k - 1, f.name)
                    };
                    // The loop may be another stage's: say which, and why it does not count.
                    let cs = sch.get(func);
                    let stage = |j: usize| {
                        if j == 0 {
                            format!("`{func}`'s pure definition")
                        } else {
                            format!("`{func}.update({})`", j - 1)
                        }
                    };
                    let owner = std::iter::once(&cs.dims)
                        .chain(cs.updates.iter().map(|u| &u.dims))
                        .position(|ds| ds.iter().any(|d| *d.name == **var));
                    let message = match owner {
                        Some(j) if j != k => format!(
                            "`{var}` is a loop of {}, but `{}` is read by {} (the stage it is computed for): compute it at a loop of that stage",
                            stage(j),
                            f.name,
                            stage(k)
                        ),
                        _ => format!("{which} has no loop `{var}` to compute `{}` at", f.name),
                    };
                    errors.push(Diagnostic::new(fs.compute_origin, message));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directive::{Arg, Directive};
    use expect_test::expect;
    use halite_core::{CallKind, Origin};

    fn pipeline() -> Pipeline {
        let v = |n: &str| Expr::var(n, Type::I32);
        Pipeline {
            name: "t".into(),
            inputs: vec![halite_core::Input {
                name: "a".into(),
                ty: Type::I32,
                dims: 2,
            }],
            funcs: vec![Func {
                name: "out".into(),
                args: vec!["y".into(), "x".into()],
                ty: Type::I32,
                value: Expr::call(CallKind::Input, "a", vec![v("y"), v("x")], Type::I32),
                updates: vec![],
                output: Some(0),
                origin: Origin::NONE,
            }],
            ..Default::default()
        }
    }

    fn nest(directives: &[(&str, Vec<Arg>)]) -> String {
        let p = pipeline();
        let ds: Vec<Directive> = directives
            .iter()
            .map(|(n, a)| Directive::new("out", n, a.clone()))
            .collect();
        let s = Schedule::from_directives(&p, &ds).unwrap();
        schedule_functions(&p, &s, &[]).unwrap().to_string()
    }

    fn id(n: &str) -> Arg {
        Arg::Ident(n.into(), Origin::NONE)
    }

    /// A guarded split shortens the last inner iteration; reordered outside, it runs the full
    /// factor under an `if`.
    #[test]
    fn guarded_split_and_reorder() {
        let split = (
            "split",
            vec![id("x"), id("xo"), id("xi"), Arg::Int(8, Origin::NONE)],
        );
        expect![[r#"
            produce out:
              for out.y in [0, +out.extent.0):
                for out.xo in [0, +(out.extent.1 + 7) / 8):
                  for out.xi in [0, +min(8, out.extent.1 - out.xo * 8)):
                    let out.x.v = out.xo * 8 + out.xi
                    out(out.y, out.x.v) = a(out.y, out.x.v)
        "#]]
        .assert_eq(&nest(std::slice::from_ref(&split)));
        expect![[r#"
            produce out:
              for out.xi in [0, +8):
                for out.y in [0, +out.extent.0):
                  for out.xo in [0, +(out.extent.1 + 7) / 8):
                    if out.xo * 8 + out.xi < out.extent.1:
                      let out.x.v = out.xo * 8 + out.xi
                      out(out.y, out.x.v) = a(out.y, out.x.v)
        "#]]
        .assert_eq(&nest(&[
            split,
            ("reorder", vec![id("xi"), id("y"), id("xo")]),
        ]));
    }

    /// `vectorize(x, 16)` with nothing in between becomes one vector loop over the row.
    #[test]
    fn vectorized_row() {
        expect![[r#"
            produce out:
              parallel for out.y in [0, +out.extent.0):
                vectorized(x16) for out.x in [0, +out.extent.1):
                  out(out.y, out.x) = a(out.y, out.x)
        "#]]
        .assert_eq(&nest(&[
            ("vectorize", vec![id("x"), Arg::Int(16, Origin::NONE)]),
            ("parallel", vec![id("y")]),
        ]));
    }
}
