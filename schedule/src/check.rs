//! Legality checks of a schedule, as a list of named rules. Each collects errors (with the
//! origin of the directive at fault) instead of stopping at the first.
//!
//! * `check_compute_levels`: `compute_at`/`store_at` name a computed Func that uses this one
//!   (directly or through inlined Funcs) and one of its loops; there is no cycle; the store
//!   level encloses the compute level.
//! * `check_vectorized_innermost`: a vectorized loop is the innermost loop of its Func, and
//!   nothing is computed inside it.
//! * `check_round_up`: outputs never round their loops up (that would write past the view).
//! * `check_parallel_shift_inwards`: a split shifted inwards recomputes the points its last
//!   two outer iterations share; if those iterations may run on different threads they would
//!   write the same elements concurrently, so that combination is refused.
//! * `check_reduction_loops`: a parallel or vectorized loop of an update that runs a reduction
//!   variable `r` needs iterations of `r` that are independent: `r` is a whole index of the
//!   updated element and every self-read reads that same element. Otherwise the loop carries
//!   a dependence (an accumulation) and the schedule is refused.
//! * `check_nontemporal`: `store_nontemporal()` is on an output written once, read by no
//!   Func, whose innermost loop is vectorized over its last dimension and shifts no tail.

use crate::directive::Diagnostic;
use crate::schedule::{FuncSchedule, Level, Schedule, Split, TailStrategy};
use halite_core::{ForKind, Pipeline};
use std::collections::HashSet;
use std::sync::Arc;

/// Runs every check.
pub fn check_schedule(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    check_parallel_shift_inwards(p, s, errors);
    check_compute_levels(p, s, errors);
    check_vectorized_innermost(p, s, errors);
    check_round_up(p, s, errors);
    check_reduction_loops(p, s, errors);
    check_nontemporal(p, s, errors);
}

/// The loops of `fs` along which consecutive iterations store consecutive elements of
/// dimension `last`: `last` itself, then through each split its inner loop (not the outer,
/// whose iterations are a factor apart), and through each fuse with one of them inside, the
/// fused loop.
fn contiguous_loops(fs: &FuncSchedule, last: &Arc<str>) -> HashSet<Arc<str>> {
    let mut chain: HashSet<Arc<str>> = HashSet::new();
    chain.insert(last.clone());
    for s in &fs.splits {
        match s {
            Split::Split { old, inner, .. } => {
                if chain.remove(old) {
                    chain.insert(inner.clone());
                }
            }
            Split::Fuse {
                outer,
                inner,
                fused,
            } => {
                chain.remove(outer);
                if chain.remove(inner) {
                    chain.insert(fused.clone());
                }
            }
        }
    }
    chain
}

/// `store_nontemporal()` (see [`crate::schedule`]): the stores it changes are whole vectors of
/// contiguous elements, each written once, and nothing in the pipeline reads them back.
fn check_nontemporal(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in &p.funcs {
        let fs = s.get(&f.name);
        let Some(at) = fs.nontemporal else { continue };
        let name = &f.name;
        if !f.updates.is_empty() {
            errors.push(Diagnostic::new(at, format!("`{name}` has update definitions (written, or made by an inline reduction such as `sum(..)` that defines it), which read back what it stored; `store_nontemporal()` is for outputs written once (remove it)")));
            continue;
        }
        if let Some(c) = p.funcs.iter().find(|c| {
            (0..=c.updates.len()).any(|k| {
                c.stage_exprs(k)
                    .iter()
                    .any(|e| crate::schedule::calls(e, name))
            })
        }) {
            errors.push(Diagnostic::new(at, format!("`{}` reads `{name}`, which non-temporal stores would send past the caches just before it is read; remove `.store_nontemporal()`", c.name)));
            continue;
        }
        let last = f.args.last();
        let innermost = fs.dims.last().filter(|d| {
            matches!(d.kind, ForKind::Vectorized(_))
                && last.is_some_and(|l| contiguous_loops(fs, l).contains(&d.name))
        });
        if innermost.is_none() {
            let hint = last.map_or(String::new(), |l| {
                format!(" (for example `.vectorize({l}, 16)`)")
            });
            errors.push(Diagnostic::new(at, format!("`store_nontemporal()` writes whole vectors of contiguous elements: vectorize `{name}`'s innermost loop over its last dimension{hint}")));
            continue;
        }
        if fs.splits.iter().any(|sp| {
            matches!(
                sp,
                Split::Split {
                    tail: TailStrategy::ShiftInwards,
                    ..
                }
            )
        }) {
            errors.push(Diagnostic::new(at, format!("a `ShiftInwards` split of `{name}` writes some elements twice, which non-temporal stores must not; use the default tail (`GuardWithIf`) with `store_nontemporal()`")));
        }
    }
}

fn check_reduction_loops(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in &p.funcs {
        let fs = s.get(&f.name);
        for (k, (u, us)) in f.updates.iter().zip(&fs.updates).enumerate() {
            for d in &us.dims {
                let how = match d.kind {
                    ForKind::Parallel { .. } => "in parallel",
                    ForKind::Vectorized(_) | ForKind::VectorizedRow(_) => "in vector lanes",
                    _ => continue,
                };
                let ancestors = crate::passes::loop_nest::ancestors(us, &d.name);
                for r in &u.rvars {
                    if !ancestors.contains(&r.name) || independent(f, u, &r.name) {
                        continue;
                    }
                    let rest = if crate::rfactor::factorable(f, u) {
                        format!(", or split `{}` and factor the inner part out into a Func whose pure variable can be: `{}.update({k}).split({}, {}o, {}i, 16); let intm = {}.update({k}).rfactor({}i, u);`", r.name, f.name, r.name, r.name, r.name, f.name, r.name)
                    } else {
                        // A scan (`f(r) = f(r - 1) + ..`): `rfactor` does not apply.
                        String::new()
                    };
                    errors.push(Diagnostic::new(
                        d.origin,
                        format!("loop `{}` of `{}.update({k})` runs the reduction variable `{}` {how}, but the update may carry a dependence across `{}` (an iteration may read what another one writes: halite proves iterations independent only where each writes and reads its own elements); vectorize or parallelize a pure variable of the update instead (`reorder` it innermost first){rest}", d.name, f.name, r.name, r.name),
                    ));
                }
            }
        }
    }
}

/// Whether update `u` of `f` gives the same result whatever order it visits its reduction
/// domain in: each reduction variable's iterations touch distinct elements, or the update is
/// a commutative and associative accumulation `f(args) = f(args) op e` (`+ * min max`, `e`
/// and the predicates not reading `f`). Float sums and products are regrouped by such a
/// reordering, as by `rfactor` (DESIGN.md section 4).
fn order_free(f: &halite_core::Func, u: &halite_core::Update) -> bool {
    use halite_core::{BinOp, ExprNode};
    if u.rvars.iter().all(|r| independent(f, u, &r.name)) {
        return true;
    }
    let own = |e: &halite_core::Expr| matches!(e.node(), ExprNode::Call { name, args, .. } if *name == f.name && *args == u.args);
    let reads_f = |e: &halite_core::Expr| crate::schedule::calls(e, &f.name);
    let ExprNode::Binary(BinOp::Add | BinOp::Mul | BinOp::Min | BinOp::Max, a, b) = u.value.node()
    else {
        return false;
    };
    let rest = if own(a) {
        b
    } else if own(b) {
        a
    } else {
        return false;
    };
    !reads_f(rest) && !u.predicates.iter().any(reads_f) && !u.args.iter().any(reads_f)
}

/// Where the loops of update `u` of `f` (scheduled as `fs`) visit its reduction domain in
/// another order than the domain's own (its first variable outermost) although the result
/// depends on that order: the first pair of loops `(outer, inner)` out of order. Each loop of
/// a reduction variable has a position in the domain's order: the variable's index, then,
/// along its splits, 0 for an outer and 1 for an inner loop; a fused loop runs in the order of
/// its outer part. The order is kept when the positions of the loops grow from the outermost
/// loop in; pure loops may sit anywhere.
pub(crate) fn reduction_order_broken(
    f: &halite_core::Func,
    u: &halite_core::Update,
    fs: &FuncSchedule,
) -> Option<(Arc<str>, Arc<str>)> {
    if u.rvars.len() + fs.splits.len() < 2 || order_free(f, u) {
        return None;
    }
    let mut pos: Vec<(Arc<str>, Vec<u32>)> = u
        .rvars
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), vec![i as u32]))
        .collect();
    let find = |pos: &Vec<(Arc<str>, Vec<u32>)>, n: &str| {
        pos.iter().find(|(m, _)| &**m == n).map(|(_, p)| p.clone())
    };
    for s in &fs.splits {
        match s {
            Split::Split {
                old, outer, inner, ..
            } => {
                if let Some(p) = find(&pos, old) {
                    let child = |k: u32| {
                        let mut c = p.clone();
                        c.push(k);
                        c
                    };
                    pos.push((outer.clone(), child(0)));
                    pos.push((inner.clone(), child(1)));
                }
            }
            Split::Fuse {
                outer,
                inner,
                fused,
            } => match (find(&pos, outer), find(&pos, inner)) {
                (Some(o), Some(i)) if o > i => return Some((outer.clone(), inner.clone())),
                (Some(p), _) | (None, Some(p)) => pos.push((fused.clone(), p)),
                (None, None) => {}
            },
        }
    }
    let mut last: Option<(Arc<str>, Vec<u32>)> = None;
    for d in &fs.dims {
        let Some(p) = find(&pos, &d.name) else {
            continue;
        };
        if let Some((n, q)) = &last {
            if *q > p {
                return Some((n.clone(), d.name.clone()));
            }
        }
        last = Some((d.name.clone(), p));
    }
    None
}

/// Whether the iterations of reduction variable `r` of update `u` of `f` touch distinct
/// elements: `r` is a whole index of the updated element, and the update reads `f` only at
/// that element.
fn independent(f: &halite_core::Func, u: &halite_core::Update, r: &str) -> bool {
    if !u.args.iter().any(|a| a.as_var() == Some(r)) {
        return false;
    }
    let mut ok = true;
    for e in u.exprs() {
        e.visit(&mut |x| {
            if let halite_core::ExprNode::Call { name, args, .. } = x.node() {
                if *name == f.name && *args != u.args {
                    ok = false;
                }
            }
        });
    }
    ok
}

/// Funcs that `f` reads directly or through inlined Funcs.
fn uses(p: &Pipeline, s: &Schedule, consumer: &str, producer: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![consumer.to_string()];
    while let Some(c) = stack.pop() {
        let Some(f) = p.func(&c) else { continue };
        for (_, callee) in Pipeline::callees(f) {
            if &*callee == producer {
                return true;
            }
            if s.funcs
                .get(&callee)
                .is_some_and(|fs| fs.compute == Level::Inline)
                && seen.insert(callee.clone())
            {
                stack.push(callee.to_string());
            }
        }
    }
    false
}

/// Whether `producer` is used inside loop `var` of `consumer`: `consumer` reads it (directly
/// or through inlined Funcs), or a Func that reads it is computed inside that loop (at it or
/// at a loop inside it, or inside such a Func). Halide allows `compute_at` any such loop: a
/// packed panel of a matrix computed at an outer tile loop, used by the accumulator tile
/// computed at an inner one.
fn used_within(p: &Pipeline, s: &Schedule, consumer: &str, var: &str, producer: &str) -> bool {
    if uses(p, s, consumer, producer) {
        return true;
    }
    p.funcs.iter().any(|g| {
        *g.name != *consumer
            && *g.name != *producer
            && s.compute_level(&g.name) != Level::Inline
            && uses(p, s, &g.name, producer)
            && nested_in(p, s, &g.name, consumer, var)
    })
}

/// Whether Func `g` is computed inside loop `var` of `c` (following `compute_at` outwards).
fn nested_in(p: &Pipeline, s: &Schedule, g: &str, c: &str, var: &str) -> bool {
    let mut cur: Arc<str> = g.into();
    for _ in 0..=p.funcs.len() {
        let Level::At { func: h, var: w } = s.compute_level(&cur) else {
            return false;
        };
        if *h == *c {
            return loop_inside(s.get(c), &w, var);
        }
        cur = h;
    }
    false
}

/// Whether loop `inner` is `outer` or inside it, in the stage of `fs` that has both.
fn loop_inside(fs: &FuncSchedule, inner: &str, outer: &str) -> bool {
    std::iter::once(fs).chain(fs.updates.iter()).any(|st| {
        let pos = |v: &str| st.dims.iter().position(|d| &*d.name == v);
        pos(inner).zip(pos(outer)).is_some_and(|(i, o)| i >= o)
    })
}

fn check_compute_levels(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in &p.funcs {
        let fs = s.get(&f.name);
        for (level, origin, what) in [
            (Some(&fs.compute), fs.compute_origin, "compute_at"),
            (fs.store.as_ref(), fs.store_origin, "store_at"),
        ] {
            let Some(Level::At { func: c, var }) = level else {
                continue;
            };
            let Some(cs) = s.funcs.get(c) else {
                errors.push(Diagnostic::new(
                    origin,
                    format!("`{what}`: no Func named `{c}`"),
                ));
                continue;
            };
            if **c == *f.name {
                errors.push(Diagnostic::new(
                    origin,
                    format!("`{}` cannot be computed inside its own loops", f.name),
                ));
                continue;
            }
            if cs.compute == Level::Inline {
                errors.push(Diagnostic::new(
                    origin,
                    format!("`{c}` is inlined, so it has no loops; schedule `{c}.compute_root()` (or `compute_at`) first"),
                ));
                continue;
            }
            if !cs.has_loop(var) {
                let names: Vec<&str> = cs.dims.iter().map(|d| &*d.name).collect();
                errors.push(Diagnostic::new(
                    origin,
                    format!(
                        "`{c}` has no loop `{var}`; its loops are (outermost first): {}",
                        names.join(", ")
                    ),
                ));
                continue;
            }
            if what == "compute_at" && !used_within(p, s, c, var, &f.name) {
                errors.push(Diagnostic::new(
                    origin,
                    format!(
                        "`{c}` does not use `{}`; compute it at a loop of a Func that reads it",
                        f.name
                    ),
                ));
            }
        }
        if fs.store.is_some() && fs.compute == Level::Inline {
            errors.push(Diagnostic::new(
                fs.store_origin,
                format!("`{}` is inlined, so it has no storage; schedule `compute_root()` or `compute_at(..)` before `store_at`/`store_root`", f.name),
            ));
        }
        // The store level encloses the compute level.
        if let (Some(Level::At { func: sc, var: sv }), Level::At { func: cc, var: cv }) =
            (&fs.store, &fs.compute)
        {
            let cs = s.get(cc);
            let pos = |v: &str| cs.dims.iter().position(|d| &*d.name == v);
            if sc != cc {
                errors.push(Diagnostic::new(
                    fs.store_origin,
                    format!("`store_at({sc}, {sv})` names a loop of `{sc}`, but `{}` is computed in `{cc}` (`compute_at({cc}, {cv})`): store it at a loop of `{cc}` outside `{cv}` (`store_at({cc}, ..)`), or compute it in `{sc}` too", f.name),
                ));
            } else if pos(sv).zip(pos(cv)).is_some_and(|(a, b)| a > b) {
                errors.push(Diagnostic::new(
                    fs.store_origin,
                    format!("`store_at({sc}, {sv})` must enclose the compute level `compute_at({cc}, {cv})`"),
                ));
            }
        }
        if matches!(fs.store, Some(Level::At { .. })) && fs.compute == Level::Root {
            errors.push(Diagnostic::new(
                fs.store_origin,
                "a Func computed at root is stored at root: remove `store_at`, or compute it at a loop with `compute_at`",
            ));
        }
    }
    // No cycle: following compute_at from any Func must reach the root. (Reported only
    // alone: a cycle always comes with a consumer that does not use its producer.)
    if !errors.is_empty() {
        return;
    }
    for f in &p.funcs {
        let mut cur = f.name.clone();
        let mut steps = 0;
        while let Level::At { func, .. } = &s.get(&cur).compute {
            cur = func.clone();
            steps += 1;
            if cur == f.name || steps > p.funcs.len() {
                errors.push(Diagnostic::new(
                    s.get(&f.name).compute_origin,
                    format!("`compute_at` forms a cycle through `{}`", f.name),
                ));
                break;
            }
        }
    }
}

fn check_vectorized_innermost(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in &p.funcs {
        let all = s.get(&f.name);
        for k in 0..=f.updates.len() {
            let fs = all.stage_schedule(k);
            let n = fs.dims.len();
            for (i, d) in fs.dims.iter().enumerate() {
                if matches!(d.kind, ForKind::Vectorized(_)) && i + 1 != n {
                    let stage = if k == 0 {
                        f.name.to_string()
                    } else {
                        format!("{}.update({})", f.name, k - 1)
                    };
                    // `vectorize(x, 8)` names its vector loop `x_vec`, which the user never
                    // wrote: say which loop it splits.
                    let generated = fs.splits.iter().find_map(|sp| match sp {
                        Split::Split {
                            old, outer, inner, ..
                        } if *inner == d.name
                            && outer == old
                            && inner
                                .strip_prefix(&format!("{old}_vec"))
                                .is_some_and(|k| k.chars().all(|c| c.is_ascii_digit())) =>
                        {
                            Some(old.clone())
                        }
                        _ => None,
                    });
                    let what = match generated {
                        Some(v) => format!(
                            "the vector loop `{}` that `vectorize({v}, ..)` split off",
                            d.name
                        ),
                        None => format!("the vectorized loop `{}`", d.name),
                    };
                    errors.push(Diagnostic::new(
                        d.origin,
                        format!("{what} must be the innermost loop of `{stage}`; reorder it inside `{}` (vector lanes are the innermost loop)", fs.dims[n - 1].name),
                    ));
                }
            }
        }
    }
    for f in &p.funcs {
        if let Level::At { func, var } = &s.get(&f.name).compute {
            if let Some(d) = s.funcs.get(func).and_then(|c| {
                std::iter::once(c)
                    .chain(&c.updates)
                    .flat_map(|st| st.dims.iter())
                    .find(|d| d.name == *var)
            }) {
                if matches!(d.kind, ForKind::Vectorized(_)) {
                    errors.push(Diagnostic::new(
                        s.get(&f.name).compute_origin,
                        format!("cannot compute `{}` inside the vectorized loop `{var}` of `{func}`; compute it at an outer loop", f.name),
                    ));
                }
            }
        }
    }
}

fn check_round_up(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in p.funcs.iter().filter(|f| f.is_output()) {
        let fs = s.get(&f.name);
        for (k, sp) in fs.splits.iter().enumerate() {
            if let Split::Split {
                old,
                tail: TailStrategy::RoundUp,
                ..
            } = sp
            {
                errors.push(Diagnostic::new(
                    fs.split_origins.get(k).copied().unwrap_or(f.origin),
                    format!("`{}` is an output: splitting `{old}` with `RoundUp` would write past the caller's view; use `GuardWithIf` or `ShiftInwards`", f.name),
                ));
            }
        }
    }
}

fn check_parallel_shift_inwards(p: &Pipeline, s: &Schedule, errors: &mut Vec<Diagnostic>) {
    for f in &p.funcs {
        let fs = s.get(&f.name);
        let parallel = crate::passes::loop_nest::parallel_names(fs);
        for sp in &fs.splits {
            if let Split::Split {
                old,
                outer,
                tail: TailStrategy::ShiftInwards,
                ..
            } = sp
            {
                if parallel.contains(outer) {
                    errors.push(Diagnostic::new(
                        fs.dims.iter().find(|d| matches!(d.kind, ForKind::Parallel { .. })).map_or(f.origin, |d| d.origin),
                        format!("`{}`: the split of `{old}` shifts its last iteration inwards, and `{outer}` runs in parallel: two threads would write the same elements; use `GuardWithIf` (the default) for this split", f.name),
                    ));
                }
            }
        }
    }
}
