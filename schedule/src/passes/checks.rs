//! Pass `entry_checks`: what the kernel must verify before it computes anything.
//!
//! Pre: entry lets hoisted and storage allocated. Post: one [`RegionCheck`] per buffer the
//! nest reads (inputs, outputs read by later Funcs, and intermediates with a `bound`), the
//! union over every read of the points it may read when it runs; and the [`Guard`]s under
//! which no index arithmetic wraps. All are expressions of entry-level values only.

use crate::directive::Diagnostic;
use crate::passes::bounds::{collect_calls, region_of, Hints};
use crate::schedule::Schedule;
use halite_core::func::extent_var;
use halite_core::interval::Scope;
use halite_core::{CallKind, Expr, Pipeline, Stmt};
use std::sync::Arc;

/// A read of a buffer that the kernel checks at entry: when `when` holds, every point of
/// `dims` (inclusive `i64` bounds) lies in `[limits.min, limits.min + limits.extent)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionCheck {
    pub buffer: Arc<str>,
    pub dims: Vec<(Expr, Expr)>,
    /// Per dimension: first index and extent (`i32` expressions) of what exists.
    pub limits: Vec<(Expr, Expr)>,
    pub when: Expr,
    /// The buffer is an intermediate whose schedule fixes its region with `bound` (the
    /// limits are the bound's), not a view the caller passes.
    pub bounded: bool,
}

/// A condition checked at entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    /// Index arithmetic does not wrap (`bool` over saturating `i64`).
    NoOverflow(Expr),
    /// An output's extent is what its `bound` says.
    OutputExtent {
        buffer: Arc<str>,
        axis: usize,
        extent: i64,
    },
}

/// Runs the pass. `algorithm` is the pipeline as written (before `rfactor`, which moves the
/// writes at computed indices of an output into an intermediate): the elements its updates
/// may write are checked against the output's shape.
pub fn entry_checks(
    s: &Stmt,
    p: &Pipeline,
    sch: &Schedule,
    algorithm: &Pipeline,
) -> Result<(Vec<RegionCheck>, Vec<Guard>), Vec<Diagnostic>> {
    let hints = Hints {
        pipeline: p,
        schedule: sch,
        nonneg: &[],
    };
    let mut calls = Vec::new();
    let mut guards = Vec::new();
    collect_calls(
        s,
        &mut Scope::new(),
        &Expr::bool(true),
        &hints,
        &mut guards,
        &mut calls,
    );
    let mut checks = Vec::new();
    let mut errors = Vec::new();
    // Per buffer: what exists per dimension, `None` for a dimension not to check.
    type Limits = Vec<Option<(Expr, Expr)>>;
    let mut buffers: Vec<(Arc<str>, Limits, bool)> = Vec::new();
    for i in &p.inputs {
        buffers.push((
            i.name.clone(),
            (0..i.dims)
                .map(|d| Some((Expr::i32(0), extent_var(&i.name, d))))
                .collect(),
            false,
        ));
    }
    for f in &p.funcs {
        if f.is_output() {
            buffers.push((
                f.name.clone(),
                (0..f.dims())
                    .map(|d| Some((Expr::i32(0), extent_var(&f.name, d))))
                    .collect(),
                false,
            ));
        } else if let Some(fs) = sch.funcs.get(&f.name) {
            // A `bound` fixes a dimension of an intermediate (wherever it is computed): its
            // reads must stay inside. Other dimensions cover their reads by construction.
            if !fs.bounds.is_empty() && fs.compute != crate::schedule::Level::Inline {
                let limits = (0..f.dims())
                    .map(|d| {
                        fs.bounds
                            .iter()
                            .find(|b| b.0 == d)
                            .map(|&(_, m, e)| (Expr::i32(m as i32), Expr::i32(e as i32)))
                    })
                    .collect();
                buffers.push((f.name.clone(), limits, true));
            }
        }
    }
    for (name, limits, bounded) in buffers {
        let reads: Vec<_> = calls
            .iter()
            .filter(|c| c.name == name && (c.kind == CallKind::Input || p.func(&name).is_some()))
            .cloned()
            .collect();
        match region_of(&name, &reads) {
            Ok(Some(r)) => {
                // An unchecked dimension: an empty needed range passes `check_region`.
                let (dims, limits) = r
                    .dims
                    .into_iter()
                    .zip(limits)
                    .map(|(d, l)| match l {
                        Some(l) => (d, l),
                        None => ((Expr::i64(0), Expr::i64(-1)), (Expr::i32(0), Expr::i32(0))),
                    })
                    .unzip();
                checks.push(RegionCheck {
                    buffer: name,
                    dims,
                    limits,
                    when: r.nonempty,
                    bounded,
                })
            }
            Ok(None) => {}
            Err(e) => errors.extend(e),
        }
    }
    // Updates of outputs write at computed indices: every element they may write must be in
    // the view (checked before anything is written; never clamped).
    for f in algorithm
        .funcs
        .iter()
        .filter(|f| f.is_output() && !f.updates.is_empty())
    {
        match crate::passes::bounds::update_regions(f) {
            Ok(urs) => {
                for ur in urs {
                    if ur.dims.iter().all(|d| d.is_none()) {
                        continue;
                    }
                    let dims = ur
                        .dims
                        .iter()
                        .enumerate()
                        .map(|(d, x)| {
                            x.clone().unwrap_or_else(|| {
                                let n = crate::passes::bounds::to_i64(&extent_var(&f.name, d));
                                (Expr::i64(0), halite_core::simplify(&n.sub(Expr::i64(1))))
                            })
                        })
                        .collect();
                    checks.push(RegionCheck {
                        buffer: f.name.clone(),
                        dims,
                        limits: (0..f.dims())
                            .map(|d| (Expr::i32(0), extent_var(&f.name, d)))
                            .collect(),
                        // An empty output is not computed (see `nonempty`): its updates
                        // write nothing, as in the reference.
                        when: halite_core::simplify(
                            &ur.nonempty.and(crate::passes::nonempty::nonempty(f)),
                        ),
                        bounded: false,
                    });
                }
            }
            Err(e) => errors.extend(e),
        }
    }
    let mut out: Vec<Guard> = guards.into_iter().map(Guard::NoOverflow).collect();
    for f in p.funcs.iter().filter(|f| f.is_output()) {
        for &(d, m, e) in &sch.get(&f.name).bounds {
            if m != 0 {
                errors.push(Diagnostic::new(f.origin, format!("`bound` on the output `{}`: outputs start at index 0, so the min must be 0", f.name)));
            }
            out.push(Guard::OutputExtent {
                buffer: f.name.clone(),
                axis: d,
                extent: e,
            });
        }
    }
    if errors.is_empty() {
        Ok((checks, out))
    } else {
        Err(errors)
    }
}
