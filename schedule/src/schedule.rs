//! The schedule as data, read from the user's directives.
//!
//! A Func's loops start as its pure variables, outermost first (ndarray order). Directives
//! rewrite that list; the loop nest is built from the result by
//! [`crate::passes::loop_nest`]. Lists of loops read outermost first.
//!
//! # Directives and their preconditions
//!
//! Each numbered precondition is checked; a failure is a compile error at the offending token.
//!
//! * `split(v, outer, inner, factor[, tail])`: loop `v` becomes `outer` (extent
//!   `ceil(extent / factor)`) around `inner` (at most `factor`). (1) `v` is a current loop of
//!   the Func; (2) `v` was not split or fused already; (3) `outer` and `inner` are distinct new
//!   names (`outer` may reuse `v`); (4) `factor` is a positive integer literal; (5) `tail` is
//!   `GuardWithIf`, `ShiftInwards` or `RoundUp` (see [`TailStrategy`]).
//! * `fuse(outer, inner, fused)`: two adjacent loops (`inner` directly inside `outer`) become
//!   one. (1) both are current loops, adjacent in that order; (2) `fused` is a new name.
//! * `reorder(v1, .., vn)`: the named loops take the places they occupy, in this order
//!   (outermost first). (1) each is a current loop; (2) none is named twice.
//! * `tile(y, x, yo, xo, yi, xi, ty, tx)` = `split(y, yo, yi, ty)`, `split(x, xo, xi, tx)`,
//!   `reorder(yo, xo, yi, xi)`; `tile(y, x, yi, xi, ty, tx)` keeps the names `y`, `x` outside.
//! * `vectorize(v, w)` = `split(v, v, v_vec, w)` and vectorize `v_vec`; `vectorize(v)`
//!   vectorizes `v` whole. (1) `w` is a power of two from 2 to 64; (2) without `w`, `v` has an
//!   extent known at compile time; (3) the vectorized loop ends up innermost.
//! * `unroll(v, n)` = `split(v, v, v_unroll, n)` and unroll `v_unroll`; `unroll(v)` unrolls `v`
//!   whole. (1) without `n`, `v` has an extent known at compile time (at most 64); (2) `n` is
//!   at most 64.
//! * `parallel(v)`, `parallel(v, chunk)` (= `split(v, v, v_chunk, chunk)`, `v` parallel): the
//!   iterations of `v` run on rayon's pool. (1) not inside a vectorized loop.
//! * `compute_root()`, `compute_inline()`, `compute_at(consumer, loop)`: where the Func is
//!   computed. (1) not an output; (2) `consumer` is a computed Func that uses this one
//!   (directly or through inlined Funcs); (3) `loop` is one of its loops; (4) no cycle.
//! * `store_root()`, `store_at(consumer, loop)`: where its storage lives (default: where it is
//!   computed). (1) the store level encloses the compute level. halite allocates every
//!   intermediate once per call, or once per iteration of the innermost parallel loop around
//!   its compute level (so threads never share a buffer, whatever the store level), sized for
//!   the largest region any iteration computes; the store level is checked but changes no
//!   allocation, and Halide's sliding-window reuse of values across iterations is not
//!   implemented yet.
//!
//! When two directives set the same property (`compute_root()` then `compute_inline()`), the
//! later one wins, as in Halide.
//! * `bound(v, min, extent)`: the Func is computed over exactly `[min, min + extent)` on `v`;
//!   for an output, calls with another extent return an error. (1) `v` is a pure variable;
//!   (2) `min` and `extent` are integer literals, `extent > 0`.
//! * `reorder_storage(v1, .., vn)`: the storage layout of an intermediate, outermost first.
//!   (1) not an output (its layout is the caller's view); (2) a permutation of the pure vars.
//!
//! * `store_nontemporal()`: the Func's whole-vector stores bypass the caches (x86-64's
//!   non-temporal stores, where a vector's address is 16-byte aligned), for large outputs that
//!   nothing reads back soon. (1) an output; (2) without update definitions; (3) read by no
//!   Func of the pipeline; (4) its innermost loop is vectorized and runs over its last
//!   (contiguous) dimension; (5) no split of it uses `ShiftInwards` (which writes some elements
//!   twice). Checked in [`crate::check`].
//!
//! * `specialize(cond)`: the directives chained after it schedule a second version of the
//!   stage's loops, run when `cond` holds; see [`crate::specialize`] for its rules.
//!
//! * `let intm = f.update(k).rfactor(r, u)`: see [`crate::rfactor`] (applied to the algorithm
//!   before the schedule is read).

use crate::directive::{Arg, Diagnostic, Directive};
use halite_core::func::{is_reserved, RESERVED_NAME};
use halite_core::{Expr, ExprNode, ForKind, Origin, Pipeline};
use std::collections::HashMap;
use std::sync::Arc;

/// How a split handles an extent that the factor does not divide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailStrategy {
    /// The default: `GuardWithIf`. (Halide defaults to `ShiftInwards` for pure definitions;
    /// a guarded tail keeps every loop inside the Func's region, which keeps bounds inference
    /// exact and parallel iterations disjoint, at the cost of a scalar last partial vector.)
    Auto,
    /// The last iteration of the outer loop runs a shorter inner loop.
    GuardWithIf,
    /// The last iteration is shifted inwards to stay inside, recomputing a few points (for
    /// pure definitions this is invisible). Extents below the factor run a shorter loop.
    ShiftInwards,
    /// The Func is computed over a region rounded up to a multiple of the factor (not allowed
    /// for outputs, whose shape is the caller's).
    RoundUp,
}

/// One step of loop rewriting.
#[derive(Clone, Debug, PartialEq)]
pub enum Split {
    Split {
        old: Arc<str>,
        outer: Arc<str>,
        inner: Arc<str>,
        factor: i64,
        tail: TailStrategy,
    },
    Fuse {
        outer: Arc<str>,
        inner: Arc<str>,
        fused: Arc<str>,
    },
}

/// A loop of a Func after its splits: its name and how it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    pub name: Arc<str>,
    pub kind: ForKind,
    /// For `vectorize(v)` / `unroll(v)` without a size: the size is found at lowering.
    pub whole: bool,
    pub origin: Origin,
}

/// A place in the loop nest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    Inline,
    Root,
    /// Inside loop `var` of Func `func` (at the start of its body).
    At {
        func: Arc<str>,
        var: Arc<str>,
    },
}

/// The schedule of one Func.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncSchedule {
    pub compute: Level,
    pub compute_origin: Origin,
    /// `None`: stored where it is computed.
    pub store: Option<Level>,
    pub store_origin: Origin,
    pub splits: Vec<Split>,
    /// Where each split was written (for diagnostics), by index.
    pub split_origins: Vec<Origin>,
    /// The loops, outermost first.
    pub dims: Vec<Dim>,
    /// `bound(v, min, extent)` by pure variable index.
    pub bounds: Vec<(usize, i64, i64)>,
    /// `store_nontemporal()`: where it was written, if it was.
    pub nontemporal: Option<Origin>,
    /// Storage order (pure variable indices, outermost first).
    pub storage: Vec<usize>,
    /// The loops of each update definition (`f.update(k)`): only `splits`, `split_origins` and
    /// `dims` are used. An update's loops start as its pure variables, then its reduction
    /// variables (outermost first), as Halide orders them.
    pub updates: Vec<FuncSchedule>,
}

/// The schedule of a whole pipeline.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Schedule {
    pub funcs: HashMap<Arc<str>, FuncSchedule>,
}

/// The directives that schedule one stage's loops (and so also apply to `f.update(k)`).
pub(crate) const LOOP_DIRECTIVES: &[&str] = &[
    "split",
    "fuse",
    "reorder",
    "tile",
    "vectorize",
    "unroll",
    "parallel",
];

/// The directives of the design not implemented yet.
const NOT_YET: &[&str] = &[];
const KNOWN: &[&str] = &[
    "split",
    "fuse",
    "reorder",
    "tile",
    "vectorize",
    "unroll",
    "parallel",
    "compute_root",
    "compute_inline",
    "compute_at",
    "store_at",
    "store_root",
    "bound",
    "reorder_storage",
    "store_nontemporal",
    "specialize",
    "rfactor",
    "clone_in",
];

impl FuncSchedule {
    /// Whether a split of its pure definition rounds up (`TailStrategy::RoundUp`): its loops
    /// may then run, and write, past its region.
    pub fn rounds_up(&self) -> bool {
        self.splits.iter().any(|s| {
            matches!(
                s,
                Split::Split {
                    tail: TailStrategy::RoundUp,
                    ..
                }
            )
        })
    }

    fn new(f: &halite_core::Func) -> FuncSchedule {
        FuncSchedule {
            compute: if f.is_output() {
                Level::Root
            } else {
                Level::Inline
            },
            compute_origin: f.origin,
            store: None,
            store_origin: f.origin,
            splits: vec![],
            split_origins: vec![],
            dims: f
                .args
                .iter()
                .map(|a| Dim {
                    name: a.clone(),
                    kind: ForKind::Serial,
                    whole: false,
                    origin: f.origin,
                })
                .collect(),
            bounds: vec![],
            nontemporal: None,
            storage: (0..f.dims()).collect(),
            updates: f
                .updates
                .iter()
                .map(|u| FuncSchedule::stage(f, u))
                .collect(),
        }
    }

    /// The loop schedule of update `u` of `f`, before any directive.
    fn stage(f: &halite_core::Func, u: &halite_core::Update) -> FuncSchedule {
        let pure = u.pure_dims(f);
        let names = f
            .args
            .iter()
            .zip(&pure)
            .filter(|(_, p)| **p)
            .map(|(a, _)| a.clone())
            .chain(u.rvars.iter().map(|r| r.name.clone()));
        FuncSchedule {
            compute: Level::Root,
            compute_origin: u.origin,
            store: None,
            store_origin: u.origin,
            splits: vec![],
            split_origins: vec![],
            dims: names
                .map(|name| Dim {
                    name,
                    kind: ForKind::Serial,
                    whole: false,
                    origin: u.origin,
                })
                .collect(),
            bounds: vec![],
            nontemporal: None,
            storage: vec![],
            updates: vec![],
        }
    }

    /// The loop schedule of stage `k` (0: the pure definition, `k`: update `k - 1`).
    pub fn stage_schedule(&self, k: usize) -> &FuncSchedule {
        if k == 0 {
            self
        } else {
            &self.updates[k - 1]
        }
    }

    /// Whether any stage has a loop named `v`.
    pub fn has_loop(&self, v: &str) -> bool {
        self.dims.iter().any(|d| &*d.name == v) || self.updates.iter().any(|u| u.has_loop(v))
    }

    fn dim_index(&self, name: &str) -> Option<usize> {
        self.dims.iter().position(|d| &*d.name == name)
    }

    /// The store level (the compute level unless set).
    pub fn store_level(&self) -> &Level {
        self.store.as_ref().unwrap_or(&self.compute)
    }
}

impl Schedule {
    /// The schedule of a Func (every Func of the pipeline has one).
    pub fn get(&self, f: &str) -> &FuncSchedule {
        &self.funcs[f]
    }

    /// Where a Func is computed.
    pub fn compute_level(&self, func: &str) -> Level {
        self.funcs
            .get(func)
            .map_or(Level::Inline, |s| s.compute.clone())
    }

    /// Interprets the user's directives, collecting every error.
    pub fn from_directives(
        p: &Pipeline,
        directives: &[Directive],
    ) -> Result<Schedule, Vec<Diagnostic>> {
        let mut s = Schedule::default();
        for f in &p.funcs {
            s.funcs.insert(f.name.clone(), FuncSchedule::new(f));
        }
        let mut errors = Vec::new();
        for d in directives {
            // New loop names (of `split`, `fuse`, `tile`) become identifiers of the generated
            // code, as Funcs and variables do (`rfactor`'s names are checked where it is
            // applied, before). Applied all the same: later directives use the names.
            errors.extend(d.args.iter().filter_map(|a| match a {
                Arg::Ident(n, o) if is_reserved(n) => Some(Diagnostic::new(*o, RESERVED_NAME)),
                _ => None,
            }));
            if let Err(e) = s.apply(p, d) {
                errors.push(other_stage_hint(p, d, e));
            }
        }
        s.place_reductions(p);
        if errors.is_empty() {
            crate::check::check_schedule(p, &s, &mut errors);
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// The computed Funcs, and their stages, that read `f` directly or through inlined Funcs.
    pub fn consumers(&self, p: &Pipeline, f: &str) -> Vec<(Arc<str>, usize)> {
        let mut out: Vec<(Arc<str>, usize)> = Vec::new();
        let mut stack: Vec<Arc<str>> = vec![f.into()];
        let mut seen: Vec<Arc<str>> = Vec::new();
        while let Some(g) = stack.pop() {
            for c in &p.funcs {
                if c.name == g {
                    continue;
                }
                for k in 0..=c.updates.len() {
                    if !c.stage_exprs(k).iter().any(|e| calls(e, &g)) {
                        continue;
                    }
                    let inlined =
                        self.compute_level(&c.name) == Level::Inline && c.updates.is_empty();
                    if inlined {
                        if !seen.contains(&c.name) {
                            seen.push(c.name.clone());
                            stack.push(c.name.clone());
                        }
                    } else if !out.contains(&(c.name.clone(), k)) {
                        out.push((c.name.clone(), k));
                    }
                }
            }
        }
        out
    }

    /// Funcs with update definitions that the schedule leaves inline cannot be inlined; they
    /// are computed inside the innermost loop of the one stage that uses them (Halide's
    /// choice), except that they stay outside its vector loops and its reduction loops (so a
    /// reduction used by another reduction is not recomputed per step); at root when several
    /// stages use them.
    fn place_reductions(&mut self, p: &Pipeline) {
        for f in p.funcs.iter().rev() {
            if f.updates.is_empty() || f.is_output() || self.compute_level(&f.name) != Level::Inline
            {
                continue;
            }
            let cons = self.consumers(p, &f.name);
            let level = match cons.as_slice() {
                [(c, k)] => {
                    let cf = p.func(c).expect("a consumer is a Func");
                    let st = self.funcs[c].stage_schedule(*k);
                    let rvars: Vec<&Arc<str>> = match k {
                        0 => vec![],
                        _ => cf.updates[k - 1].rvars.iter().map(|r| &r.name).collect(),
                    };
                    st.dims
                        .iter()
                        .rev()
                        .find(|d| {
                            !matches!(d.kind, ForKind::Vectorized(_))
                                && !crate::passes::loop_nest::ancestors(st, &d.name)
                                    .iter()
                                    .any(|a| rvars.contains(&a))
                        })
                        .map_or(Level::Root, |d| Level::At {
                            func: c.clone(),
                            var: d.name.clone(),
                        })
                }
                _ => Level::Root,
            };
            self.funcs.get_mut(&f.name).unwrap().compute = level;
        }
    }

    fn apply(&mut self, p: &Pipeline, d: &Directive) -> Result<(), Diagnostic> {
        let Some(func) = p.func(&d.func) else {
            let known: Vec<&str> = p.funcs.iter().map(|f| &*f.name).collect();
            return Err(Diagnostic::new(
                d.func_origin,
                format!(
                    "no Func named `{}` to schedule; the kernel defines: {}",
                    d.func,
                    known.join(", ")
                ),
            ));
        };
        let name = &*d.name;
        let whole = self.funcs.get_mut(&func.name).unwrap();
        let fs = match d.update {
            None => whole,
            Some(k) if k >= func.updates.len() => {
                let n = func.updates.len();
                return Err(Diagnostic::new(
                    d.func_origin,
                    format!(
                        "`{}.update({k})`: `{}` has {n} update definition(s){}",
                        d.func,
                        d.func,
                        if n > 0 {
                            format!(" (`update(0)` to `update({})`)", n - 1)
                        } else if let Some(r) = positional_reduction(&func.value) {
                            format!(": its `{r}(..)` is two anonymous Funcs (the extreme, then its first position) computed inside the loops of `{}` and not scheduled by name; schedule `{}` itself, or write the extreme as an update of a Func of its own (`m(y) = f32::NEG_INFINITY; m(y) = m(y).max(..);`)", d.func, d.func)
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
            Some(k) => {
                if !LOOP_DIRECTIVES.contains(&name)
                    && KNOWN.contains(&name)
                    && !NOT_YET.contains(&name)
                {
                    return Err(Diagnostic::new(
                        d.name_origin,
                        format!(
                            "`{name}` applies to the whole Func, not to one update: write `{}.{name}({})`",
                            d.func,
                            if matches!(name, "compute_root" | "compute_inline" | "store_root" | "store_nontemporal") { "" } else { ".." }
                        ),
                    ));
                }
                if let ("split", [_, _, _, _, t]) = (name, d.args.as_slice()) {
                    if matches!(
                        tail_arg(t),
                        Ok(TailStrategy::ShiftInwards | TailStrategy::RoundUp)
                    ) {
                        return Err(Diagnostic::new(
                            t.origin(),
                            "an update definition's splits guard their tails (`GuardWithIf`): shifting inwards or rounding up would update some elements twice, or outside the Func",
                        ));
                    }
                }
                &mut whole.updates[k]
            }
        };
        let args = &d.args;
        let wrong = |usage: &str| Diagnostic::new(d.name_origin, format!("usage: `{usage}`"));
        match name {
            "split" => match args.as_slice() {
                [Arg::Ident(v, vo), Arg::Ident(o, oo), Arg::Ident(i, io), factor, rest @ ..] if rest.len() <= 1 => {
                    let f = int_arg(factor, "the split factor")?;
                    let tail = match rest {
                        [] => TailStrategy::Auto,
                        [t] => tail_arg(t)?,
                        _ => unreachable!(),
                    };
                    let at = rest.first().map_or(d.name_origin, |t| t.origin());
                    split(fs, (v, *vo), (o, *oo), (i, *io), f, tail, at)?;
                }
                _ => return Err(wrong("split(v, outer, inner, factor)` or `split(v, outer, inner, factor, TailStrategy)")),
            },
            "fuse" => match args.as_slice() {
                [Arg::Ident(o, oo), Arg::Ident(i, io), Arg::Ident(f, fo)] => {
                    let oi = dim(fs, o, *oo)?;
                    let ii = dim(fs, i, *io)?;
                    if ii != oi + 1 {
                        return Err(Diagnostic::new(*io, format!("`fuse` needs `{i}` directly inside `{o}`; reorder them first")));
                    }
                    fresh(fs, f, *fo, None)?;
                    fs.splits.push(Split::Fuse { outer: o.clone(), inner: i.clone(), fused: f.clone() });
                    fs.split_origins.push(d.name_origin);
                    fs.dims[oi].name = f.clone();
                    fs.dims.remove(ii);
                }
                _ => return Err(wrong("fuse(outer, inner, fused)")),
            },
            "reorder" => {
                let mut idx = Vec::new();
                for a in args {
                    let Arg::Ident(v, o) = a else {
                        return Err(Diagnostic::new(a.origin(), "`reorder` takes loop names"));
                    };
                    let i = dim(fs, v, *o)?;
                    if idx.contains(&i) {
                        return Err(Diagnostic::new(*o, format!("`{v}` is named twice in `reorder`")));
                    }
                    idx.push(i);
                }
                if idx.len() < 2 {
                    return Err(Diagnostic::new(d.name_origin, "`reorder` takes at least two loops: `reorder(v1, v2, ..)`"));
                }
                let mut slots = idx.clone();
                slots.sort();
                let moved: Vec<Dim> = idx.iter().map(|&i| fs.dims[i].clone()).collect();
                for (slot, dm) in slots.into_iter().zip(moved) {
                    fs.dims[slot] = dm;
                }
            }
            "tile" => {
                let ids: Vec<(Arc<str>, Origin)> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Ident(n, o) => Some((n.clone(), *o)),
                        _ => None,
                    })
                    .collect();
                let (names, sizes) = match args.len() {
                    8 if ids.len() == 6 => (ids.clone(), &args[6..]),
                    6 if ids.len() == 4 => (
                        vec![ids[0].clone(), ids[1].clone(), ids[0].clone(), ids[1].clone(), ids[2].clone(), ids[3].clone()],
                        &args[4..],
                    ),
                    _ => return Err(wrong("tile(y, x, yo, xo, yi, xi, ty, tx)` or `tile(y, x, yi, xi, ty, tx)")),
                };
                let ty = int_arg(&sizes[0], "the tile height")?;
                let tx = int_arg(&sizes[1], "the tile width")?;
                let [y, x, yo, xo, yi, xi] = &names[..] else { unreachable!() };
                split(fs, (&y.0, y.1), (&yo.0, yo.1), (&yi.0, yi.1), ty, TailStrategy::Auto, sizes[0].origin())?;
                split(fs, (&x.0, x.1), (&xo.0, xo.1), (&xi.0, xi.1), tx, TailStrategy::Auto, sizes[1].origin())?;
                let order = [yo, xo, yi, xi];
                let idx: Vec<usize> = order.iter().map(|n| fs.dim_index(&n.0).unwrap()).collect();
                let mut slots = idx.clone();
                slots.sort();
                let moved: Vec<Dim> = idx.iter().map(|&i| fs.dims[i].clone()).collect();
                for (slot, dm) in slots.into_iter().zip(moved) {
                    fs.dims[slot] = dm;
                }
            }
            "vectorize" | "unroll" | "parallel" => {
                let (v, vo, size) = match args.as_slice() {
                    [Arg::Ident(v, o)] => (v.clone(), *o, None),
                    [Arg::Ident(v, o), n] => (v.clone(), *o, Some((int_arg(n, "the size")?, n.origin()))),
                    _ => return Err(wrong(&format!("{name}(v)` or `{name}(v, size)"))),
                };
                if name == "unroll" {
                    if let Some((n, no)) = size.filter(|&(n, _)| n > 64) {
                        return Err(Diagnostic::new(no, format!("`unroll` by {n} would copy the body {n} times; unroll by at most 64 (split by a larger factor first and unroll the inner loop)")));
                    }
                }
                if name == "vectorize" {
                    if let Some((w, wo)) = size {
                        if !(2..=64).contains(&w) || !(w as u64).is_power_of_two() {
                            return Err(Diagnostic::new(wo, format!("vector width {w} must be a power of two from 2 to 64")));
                        }
                    }
                }
                let suffix = match name {
                    "vectorize" => "vec",
                    "unroll" => "unroll",
                    _ => "chunk",
                };
                let target = match size {
                    Some((n, no)) => {
                        let mut inner: Arc<str> = format!("{v}_{suffix}").into();
                        let ours = fs.splits.iter().any(|sp| {
                            matches!(sp, Split::Split { old, outer, inner: i, .. } if *old == v && *outer == v && *i == inner)
                        });
                        if !ours {
                            // A loop of the user's own with that name (a pure variable `x_vec`):
                            // the inner loop takes the first free `x_vec2`, `x_vec3`, ...
                            let mut k = 2;
                            while fs.dim_index(&inner).is_some() || fs.splits.iter().any(|sp| split_names(sp).contains(&&*inner)) {
                                inner = format!("{v}_{suffix}{k}").into();
                                k += 1;
                            }
                        }
                        if fs.dim_index(&inner).is_some() {
                            // The user did not pick the inner loop's name: say where it
                            // came from (also after `specialize`, which starts from the
                            // directives written before it).
                            return Err(Diagnostic::new(vo, format!("`{name}({v}, ..)` splits `{v}` into `{v}` and `{inner}`, but `{v}` was already split that way by an earlier `{name}({v}, ..)` (a specialization starts from the directives written before `specialize`); write it once, or split `{v}` yourself and name the parts")));
                        }
                        split(fs, (&v, vo), (&v, vo), (&inner, vo), n, TailStrategy::Auto, no)?;
                        if name == "parallel" { v.clone() } else { inner }
                    }
                    None => {
                        dim(fs, &v, vo)?;
                        v.clone()
                    }
                };
                let i = fs.dim_index(&target).unwrap();
                // The same kind again overrides (`parallel(y).parallel(y)`, a later width).
                let same = matches!(
                    (fs.dims[i].kind, name),
                    (ForKind::Vectorized(_), "vectorize")
                        | (ForKind::Unrolled(_), "unroll")
                        | (ForKind::Parallel { .. }, "parallel")
                );
                if fs.dims[i].kind != ForKind::Serial && !same {
                    let how = match fs.dims[i].kind {
                        ForKind::Vectorized(_) => "vectorized",
                        ForKind::Unrolled(_) => "unrolled",
                        _ => "parallel",
                    };
                    return Err(Diagnostic::new(d.name_origin, format!("loop `{target}` is already {how}; a loop runs one way")));
                }
                let dm = &mut fs.dims[i];
                dm.origin = d.name_origin;
                dm.whole = size.is_none() || name == "parallel";
                dm.kind = match (name, size) {
                    ("vectorize", Some((w, _))) => ForKind::Vectorized(w as u32),
                    ("vectorize", None) => ForKind::Vectorized(0),
                    ("unroll", Some((n, _))) => ForKind::Unrolled(n as u32),
                    ("unroll", None) => ForKind::Unrolled(0),
                    _ => ForKind::Parallel { chunk: 1 },
                };
            }
            "compute_root" | "compute_inline" | "store_root" => {
                if let Some(a) = args.first() {
                    return Err(Diagnostic::new(a.origin(), format!("`{name}()` takes no arguments")));
                }
                not_output(func, d)?;
                match name {
                    "compute_root" => {
                        fs.compute = Level::Root;
                        fs.compute_origin = d.name_origin;
                    }
                    "compute_inline" => {
                        if !func.updates.is_empty() {
                            return Err(Diagnostic::new(d.name_origin, format!("`{}` has update definitions, so it cannot be inlined; use `compute_root()` or `compute_at(..)`", func.name)));
                        }
                        fs.compute = Level::Inline;
                        fs.compute_origin = d.name_origin;
                    }
                    _ => {
                        fs.store = Some(Level::Root);
                        fs.store_origin = d.name_origin;
                    }
                }
            }
            "compute_at" | "store_at" => {
                let [Arg::Ident(c, _), Arg::Ident(v, _)] = args.as_slice() else {
                    if let [Arg::Other(o), _] = args.as_slice() {
                        // `compute_at(out.update(0), r)`: Halide names the Func too.
                        return Err(Diagnostic::new(*o, format!("usage: `{name}(consumer, loop)`, where the consumer is a Func's name; a loop of one of its update stages is named directly (`{name}(out, r)` for the loop over `r` of `out.update(0)`)")));
                    }
                    return Err(wrong(&format!("{name}(consumer, loop)")));
                };
                not_output(func, d)?;
                let level = Level::At { func: c.clone(), var: v.clone() };
                if name == "compute_at" {
                    fs.compute = level;
                    fs.compute_origin = d.name_origin;
                } else {
                    fs.store = Some(level);
                    fs.store_origin = d.name_origin;
                }
            }
            "bound" => {
                let [Arg::Ident(v, vo), mn, ext] = args.as_slice() else {
                    return Err(wrong("bound(v, min, extent)"));
                };
                let Some(k) = func.args.iter().position(|a| a == v) else {
                    return Err(Diagnostic::new(*vo, format!("`bound` takes a pure variable of `{}` ({})", func.name, func.args.join(", "))));
                };
                let m = int_arg(mn, "the min")?;
                let e = int_arg(ext, "the extent")?;
                if e <= 0 || m.checked_add(e).is_none_or(|end| end > i32::MAX as i64) || m < i32::MIN as i64 {
                    return Err(Diagnostic::new(ext.origin(), "the extent must be positive and the range inside i32"));
                }
                fs.bounds.retain(|b| b.0 != k);
                fs.bounds.push((k, m, e));
            }
            "store_nontemporal" => {
                if let Some(a) = args.first() {
                    return Err(Diagnostic::new(a.origin(), "`store_nontemporal()` takes no arguments"));
                }
                if !func.is_output() {
                    return Err(Diagnostic::new(d.name_origin, format!("`{}` is not an output: non-temporal stores are for outputs nothing reads back soon, while an intermediate is read by its consumers; remove `.store_nontemporal()`", func.name)));
                }
                fs.nontemporal = Some(d.name_origin);
            }
            "reorder_storage" => {
                if func.is_output() {
                    return Err(Diagnostic::new(d.name_origin, format!("`{}` is an output: its storage is the caller's view; reorder_storage applies to intermediates", func.name)));
                }
                let mut order = Vec::new();
                for a in args {
                    let Arg::Ident(v, o) = a else {
                        return Err(Diagnostic::new(a.origin(), "`reorder_storage` takes pure variables"));
                    };
                    match func.args.iter().position(|x| x == v) {
                        Some(k) if !order.contains(&k) => order.push(k),
                        Some(_) => return Err(Diagnostic::new(*o, format!("`{v}` is named twice"))),
                        None => return Err(Diagnostic::new(*o, format!("`{v}` is not a pure variable of `{}` ({})", func.name, func.args.join(", ")))),
                    }
                }
                if order.len() != func.dims() {
                    return Err(Diagnostic::new(d.name_origin, format!("`reorder_storage` must name every pure variable of `{}` ({})", func.name, func.args.join(", "))));
                }
                fs.storage = order;
            }
            n if NOT_YET.contains(&n) => {
                return Err(Diagnostic::new(d.name_origin, format!("the directive `{n}` is not implemented yet; remove it")))
            }
            n => {
                return Err(Diagnostic::new(d.name_origin, format!("unknown schedule directive `{n}`; expected one of: {}", KNOWN.join(", "))))
            }
        }
        if let (Some(k), "reorder" | "tile" | "fuse") = (d.update, name) {
            let fs = &self.funcs[&func.name].updates[k];
            if let Some((outer, inner)) =
                crate::check::reduction_order_broken(func, &func.updates[k], fs)
            {
                return Err(Diagnostic::new(
                    d.name_origin,
                    format!(
                        "this `{name}` runs `{outer}` outside `{inner}`, which changes the order in which `{}.update({k})` visits its reduction domain, and the result depends on that order (the update reads `{}` where an earlier iteration wrote, or is not a commutative `+=`, `*=`, `min` or `max`); keep the reduction variables' loops in their order (the domain's first variable outermost, a split's outer loop outside its inner loop), moving only pure loops between them",
                        func.name, func.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Whether `e` calls Func or input `name`.
pub fn calls(e: &halite_core::Expr, name: &str) -> bool {
    let mut found = false;
    e.visit(&mut |x| {
        if let halite_core::ExprNode::Call { name: n, .. } = x.node() {
            found |= &**n == name;
        }
    });
    found
}

fn not_output(func: &halite_core::Func, d: &Directive) -> Result<(), Diagnostic> {
    if func.is_output() {
        return Err(Diagnostic::new(
            d.name_origin,
            format!("`{}` is an output: outputs are always computed at root over their whole shape; remove `.{}(..)`", d.func, d.name),
        ));
    }
    Ok(())
}

fn int_arg(a: &Arg, what: &str) -> Result<i64, Diagnostic> {
    match a {
        Arg::Int(v, o) if *v > 0 || what == "the min" => {
            if *v > i32::MAX as i64 {
                return Err(Diagnostic::new(*o, format!("{what} is too large")));
            }
            Ok(*v)
        }
        Arg::Int(_, o) => Err(Diagnostic::new(*o, format!("{what} must be positive"))),
        other => Err(Diagnostic::new(
            other.origin(),
            format!("{what} must be an integer literal"),
        )),
    }
}

fn tail_arg(a: &Arg) -> Result<TailStrategy, Diagnostic> {
    match a {
        Arg::Ident(n, o) => match &**n {
            "GuardWithIf" | "guard_with_if" | "guard" => Ok(TailStrategy::GuardWithIf),
            "ShiftInwards" | "shift_inwards" => Ok(TailStrategy::ShiftInwards),
            "RoundUp" | "round_up" => Ok(TailStrategy::RoundUp),
            "Auto" | "auto" => Ok(TailStrategy::Auto),
            _ => Err(Diagnostic::new(
                *o,
                format!("unknown tail strategy `{n}`; use GuardWithIf, ShiftInwards or RoundUp"),
            )),
        },
        other => Err(Diagnostic::new(
            other.origin(),
            "the tail strategy is one of GuardWithIf, ShiftInwards, RoundUp",
        )),
    }
}

/// How [`dim`]'s error for an unknown loop begins (read back by [`other_stage_hint`]).
const NO_LOOP: &str = "there is no loop `";

/// A "there is no loop `v`" error for a stage of `f` where `v` is a reduction variable of
/// another stage of `f`: says which (a Func defined by an inline reduction, `g(y) = sum(..)`,
/// has that reduction as its update 0, so its own updates count from 1).
fn other_stage_hint(p: &Pipeline, d: &Directive, mut e: Diagnostic) -> Diagnostic {
    let Some(v) = e
        .message
        .strip_prefix(NO_LOOP)
        .and_then(|m| m.split('`').next())
        .map(str::to_string)
    else {
        return e;
    };
    let Some(f) = p.func(&d.func) else { return e };
    let owner = f
        .updates
        .iter()
        .position(|u| u.rvars.iter().any(|r| *r.name == *v));
    if let Some(j) = owner.filter(|&j| d.update != Some(j)) {
        e.message.push_str(&format!(
            "; `{v}` is a reduction variable of `{}.update({j})`: schedule it there",
            d.func
        ));
        if j > 0 && f.updates[0].rvars.iter().all(|r| *r.name != *v) && d.update == Some(j - 1) {
            e.message.push_str(&format!(
                " (when `{}` is defined by an inline reduction such as `sum(..)`, that reduction is its update 0, and the updates written after it count from 1)",
                d.func
            ));
        }
    }
    e
}

fn dim(fs: &FuncSchedule, v: &str, o: Origin) -> Result<usize, Diagnostic> {
    fs.dim_index(v).ok_or_else(|| {
        let names: Vec<&str> = fs.dims.iter().map(|d| &*d.name).collect();
        let was = fs.splits.iter().find_map(|s| match s {
            Split::Split {
                old, outer, inner, ..
            } if &**old == v && &**outer != v => Some(format!(
                " (it was already split into `{outer}` and `{inner}`)"
            )),
            Split::Fuse {
                outer,
                inner,
                fused,
            } if &**outer == v || &**inner == v => Some(format!(" (it was fused into `{fused}`)")),
            _ => None,
        });
        let extra = was.unwrap_or_default();
        Diagnostic::new(
            o,
            format!(
                "{NO_LOOP}{v}`{extra}; the loops are (outermost first): {}",
                names.join(", ")
            ),
        )
    })
}

fn fresh(fs: &FuncSchedule, v: &str, o: Origin, allow: Option<&str>) -> Result<(), Diagnostic> {
    if Some(v) != allow && fs.dim_index(v).is_some() {
        return Err(Diagnostic::new(
            o,
            format!("a loop named `{v}` already exists; choose a new name"),
        ));
    }
    Ok(())
}

fn split(
    fs: &mut FuncSchedule,
    v: (&Arc<str>, Origin),
    outer: (&Arc<str>, Origin),
    inner: (&Arc<str>, Origin),
    factor: i64,
    tail: TailStrategy,
    origin: Origin,
) -> Result<(), Diagnostic> {
    let i = dim(fs, v.0, v.1)?;
    if matches!(fs.dims[i].kind, ForKind::Vectorized(_)) {
        // Its outer part would stay the vector loop, outside the inner one.
        return Err(Diagnostic::new(
            v.1,
            format!("loop `{}` is already vectorized, and a vector loop is not split again; split it before `vectorize`, and vectorize the inner part", v.0),
        ));
    }
    if outer.0 == inner.0 {
        return Err(Diagnostic::new(
            inner.1,
            "the outer and inner loops need different names",
        ));
    }
    fresh(fs, outer.0, outer.1, Some(v.0))?;
    fresh(fs, inner.0, inner.1, None)?;
    fs.split_origins.push(origin);
    fs.splits.push(Split::Split {
        old: v.0.clone(),
        outer: outer.0.clone(),
        inner: inner.0.clone(),
        factor,
        tail,
    });
    let kind = fs.dims[i].kind;
    fs.dims[i] = Dim {
        name: outer.0.clone(),
        kind,
        whole: false,
        origin: outer.1,
    };
    fs.dims.insert(
        i + 1,
        Dim {
            name: inner.0.clone(),
            kind: ForKind::Serial,
            whole: false,
            origin: inner.1,
        },
    );
    Ok(())
}

/// The loop names a split or fuse mentions.
fn split_names(s: &Split) -> [&str; 3] {
    match s {
        Split::Split {
            old, outer, inner, ..
        } => [old, outer, inner],
        Split::Fuse {
            outer,
            inner,
            fused,
        } => [outer, inner, fused],
    }
}

/// `argmax` or `argmin` if `value` is the result of one (whose anonymous Funcs carry the
/// reduction), for the hint of a `.update(0)` on its Func.
fn positional_reduction(value: &Expr) -> Option<&'static str> {
    let mut found = None;
    value.visit(&mut |e| {
        if let ExprNode::Call { name, .. } = e.node() {
            for r in ["argmax", "argmin"] {
                if name.starts_with(&format!("{r}__")) {
                    found = Some(r);
                }
            }
        }
    });
    found
}
