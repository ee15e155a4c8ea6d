//! `halite-schedule`: schedules, lowering and bounds inference.
//!
//! [`lower`] turns an algorithm ([`halite_core::Pipeline`]) and the user's schedule
//! directives into a loop nest ([`halite_core::Stmt`]) plus what the kernel must compute and
//! check at entry. Lowering is a straight list of small passes (see [`passes`]), each a free
//! function with its pre- and postconditions in its doc comment:
//!
//! 1. [`Schedule::from_directives`]: read the directives; [`check`]: their legality;
//! 2. [`passes::inline::inline_funcs`]: substitute inlined Funcs into their callers;
//! 3. [`passes::loop_nest::schedule_functions`]: each computed Func's loops, at its level;
//! 4. [`passes::bounds::infer_regions`]: the region of each intermediate at its site;
//! 5. [`passes::sliding::sliding_window`]: only the new rows, when storage outlives an iteration;
//! 6. [`passes::hoist::hoist_entry_lets`]: values computed before any loop go to the entry;
//! 7. [`passes::allocate::allocate`]: storage, sized once per call;
//! 8. [`passes::checks::entry_checks`]: the regions read from buffers, and overflow guards;
//! 9. [`passes::nonempty::skip_empty_outputs`]: an empty output runs no loops;
//! 10. [`passes::unswitch::hoist_invariant_ifs`]: predicates out of the loops they do not use;
//! 11. [`passes::ranges::simplify_in_ranges`]: what the ranges of loops and lets decide;
//! 12. [`passes::tiles::specialize_full_tiles`]: a full-tile copy of code over small regions;
//! 13. [`passes::partition::partition_loops`]: the steady state of loops cut short at the end;
//! 14. [`passes::promote::promote_accumulators`]: accumulators in local arrays;
//! 15. [`passes::interior::specialize_interiors`]: small nests without their boundary tests;
//! 16. [`passes::simplify::simplify_stmt`].

pub mod check;
pub mod clone_in;
pub mod directive;
pub mod passes;
pub mod rfactor;
pub mod schedule;
pub mod specialize;
pub mod value_bounds;

pub use directive::{Arg, Diagnostic, Directive};
pub use passes::checks::{Guard, RegionCheck};
pub use schedule::{Level, Schedule, TailStrategy};

use halite_core::interval::{Bounds, Scope};
use halite_core::{Expr, Pipeline, Stmt};
use std::sync::Arc;

/// A lowered pipeline: the loop nest and the entry checks that make it safe.
#[derive(Clone, Debug, PartialEq)]
pub struct Lowered {
    /// The algorithm as written (for `reference`).
    pub pipeline: Pipeline,
    /// Values computed at entry, in order (regions of root Funcs, storage sizes).
    pub entry_lets: Vec<(Arc<str>, Expr)>,
    /// The loop nest. Free variables: parameters, buffer extents (`buf.extent.k`) and the
    /// entry lets.
    pub body: Stmt,
    /// Reads of buffers to check against their shapes before anything runs.
    pub checks: Vec<RegionCheck>,
    /// Conditions the kernel checks at entry (no index arithmetic wraps, output extents).
    pub guards: Vec<Guard>,
    /// The storage order of each intermediate (pure variable indices, outermost first).
    pub storage: std::collections::HashMap<Arc<str>, Vec<usize>>,
    /// The outputs whose whole-vector stores are non-temporal (`store_nontemporal()`).
    pub nontemporal: Vec<Arc<str>>,
    /// Specialized versions (`specialize`), tried in order before this, the general one: a
    /// condition over parameters and extents, and the whole lowered pipeline to run when it
    /// holds. At most one holds for any call.
    pub specializations: Vec<(Expr, Lowered)>,
}

impl Lowered {
    /// The loop nest as readable text, with the entry checks first.
    pub fn loop_nest_text(&self) -> String {
        if self.specializations.is_empty() {
            return self.version_text();
        }
        let indent = |t: String| -> String { t.lines().map(|l| format!("  {l}\n")).collect() };
        let mut s = String::new();
        for (c, l) in &self.specializations {
            s.push_str(&format!("specialized when {c}:\n"));
            s.push_str(&indent(l.version_text()));
        }
        s.push_str("otherwise:\n");
        s.push_str(&indent(self.version_text()));
        s
    }

    fn version_text(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            let dims: Vec<String> = c
                .dims
                .iter()
                .map(|(lo, hi)| format!("[{lo}, {hi}]"))
                .collect();
            s.push_str(&format!("check {} covers {}\n", c.buffer, dims.join(" x ")));
        }
        for (n, v) in &self.entry_lets {
            s.push_str(&format!("let {n} = {v}\n"));
        }
        for f in &self.nontemporal {
            s.push_str(&format!("non-temporal vector stores to {f}\n"));
        }
        s.push_str(&self.body.to_string());
        s
    }
}

/// Lowers `p` under the schedule `directives`.
pub fn lower(p: &Pipeline, directives: &[Directive]) -> Result<Lowered, Vec<Diagnostic>> {
    let algorithm = p;
    // Indices through Func values get the bounds of those values (for the checks too; the
    // reference runs the algorithm as written).
    let checked = value_bounds::clamp_indices_by_values(algorithm);
    let (p, directives) = clone_in::apply(&checked, directives)?;
    let (p, directives) = rfactor::apply(&p, &directives)?;
    let (p, directives) = (&p, &directives[..]);
    let mut versions = specialize::versions(p, directives)?;
    let general = versions.pop().expect("the general version");
    let schedule = Schedule::from_directives(p, &general.directives)?;
    // A specialization of an inlined Func has no loops to run differently.
    let inlined: Vec<Diagnostic> = directives
        .iter()
        .filter(|d| &*d.name == "specialize")
        .filter(|d| p.func(&d.func).is_some() && schedule.compute_level(&d.func) == Level::Inline)
        .map(|d| Diagnostic::new(
            d.name_origin,
            format!("`{}` is inlined into its consumers, so it has no loops to specialize: compute it somewhere first (`compute_root()`, `compute_at(..)`)", d.func),
        ))
        .collect();
    if !inlined.is_empty() {
        return Err(inlined);
    }
    let mut lowered = lower_version(p, schedule, &checked, algorithm, &[])?;
    // Errors the general version does not have, with the versions that have them: each is
    // reported once, naming the version that takes the fewest specializations.
    let mut found: Vec<(Diagnostic, usize, String)> = Vec::new();
    for v in versions {
        let cond = halite_core::simplify(&v.cond.expect("a specialized condition"));
        let facts = specialize::facts(&cond);
        let pv = specialize::assume(p, &facts);
        match Schedule::from_directives(&pv, &v.directives)
            .and_then(|s| lower_version(&pv, s, &checked, algorithm, &facts))
        {
            Ok(l) => {
                lowered.specializations.push((cond, l));
            }
            Err(es) => {
                for e in es {
                    match found.iter_mut().find(|(f, _, _)| *f == e) {
                        Some(f) if f.1 > v.taken => (f.1, f.2) = (v.taken, v.label.clone()),
                        Some(_) => {}
                        None => found.push((e, v.taken, v.label.clone())),
                    }
                }
            }
        }
    }
    let errors: Vec<Diagnostic> = found
        .into_iter()
        .map(|(e, _, label)| {
            Diagnostic::new(
                e.origin,
                format!("{} (in the version under {label})", e.message),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(lowered)
    } else {
        Err(errors)
    }
}

/// Lowers one version of the schedule (read from directives without `specialize`);
/// `checked` is the pipeline before `rfactor` (whose update writes are checked against the
/// outputs), `algorithm` the one `reference` runs. `facts`: names the
/// version's condition pins to constants (already substituted into `p`), substituted into
/// the loop nest too (output extents).
fn lower_version(
    p: &Pipeline,
    schedule: Schedule,
    checked: &Pipeline,
    algorithm: &Pipeline,
    facts: &[(Arc<str>, Expr)],
) -> Result<Lowered, Vec<Diagnostic>> {
    let inlined = passes::inline::inline_funcs(p, &schedule);
    let s = passes::loop_nest::schedule_functions(&inlined, &schedule, facts)?;
    let s = if facts.is_empty() {
        s
    } else {
        s.map_exprs(&mut |e| specialize::substitute_facts(e, facts))
    };
    let (s, regions) = passes::bounds::infer_regions(s, &inlined, &schedule)?;
    let hints = passes::bounds::Hints {
        pipeline: &inlined,
        schedule: &schedule,
        nonneg: &[],
    };
    let (s, folds) = passes::sliding::sliding_window(s, &inlined, &schedule, &regions, &hints);
    let (mut entry_lets, s) = passes::hoist::hoist_entry_lets(s);
    let intermediates: Vec<&halite_core::Func> =
        inlined.funcs.iter().filter(|f| !f.is_output()).collect();
    let (alloc_lets, s) = passes::allocate::allocate(s, &intermediates, &hints, &folds)?;
    let outputs: Vec<&halite_core::Func> = inlined.funcs.iter().filter(|f| f.is_output()).collect();
    let nonempty: Vec<(Arc<str>, Expr)> = outputs
        .iter()
        .filter(|f| f.dims() > 0)
        .map(|f| {
            let cond = passes::nonempty::nonempty(f);
            (f.name.clone(), specialize::substitute_facts(&cond, facts))
        })
        .collect();
    entry_lets.extend(passes::nonempty::sized_for_nonempty(
        alloc_lets,
        &nonempty,
        outputs.len(),
    ));
    let (checks, mut guards) = passes::checks::entry_checks(&s, &inlined, &schedule, checked)?;
    // The entry lets' own arithmetic must not wrap either.
    let scope = Scope::new();
    for (_, v) in &entry_lets {
        let mut b = Bounds::new(&scope);
        b.constants_exact = false;
        b.of(v);
        for g in b.guards {
            let g = Guard::NoOverflow(g);
            if !guards.contains(&g) {
                guards.push(g);
            }
        }
    }
    let entry_lets: Vec<(Arc<str>, Expr)> = entry_lets
        .into_iter()
        .map(|(n, v)| (n, halite_core::simplify(&v)))
        .collect();
    let s = passes::nonempty::skip_empty_outputs(s, &nonempty);
    let s = passes::unswitch::hoist_invariant_ifs(s);
    let s = passes::ranges::simplify_in_ranges(s);
    let s = passes::tiles::specialize_full_tiles(s);
    let s = passes::unswitch::hoist_invariant_branches(s);
    let s = passes::partition::partition_loops(s);
    let s = passes::tiles::drop_single_iterations(s);
    let (acc_lets, s) = passes::promote::promote_accumulators(s);
    let mut entry_lets = entry_lets;
    entry_lets.extend(acc_lets);
    let s = passes::interior::specialize_interiors(s);
    let body: Stmt = passes::simplify::simplify_stmt(&s);
    let storage = inlined
        .funcs
        .iter()
        .map(|f| (f.name.clone(), schedule.get(&f.name).storage.clone()))
        .collect();
    let nontemporal = inlined
        .funcs
        .iter()
        .filter(|f| schedule.get(&f.name).nontemporal.is_some())
        .map(|f| f.name.clone())
        .collect();
    Ok(Lowered {
        pipeline: algorithm.clone(),
        entry_lets,
        body,
        checks,
        guards,
        storage,
        nontemporal,
        specializations: vec![],
    })
}
