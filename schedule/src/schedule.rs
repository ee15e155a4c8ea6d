//! The schedule as data: where each Func is computed, read from the user's directives.
//!
//! # Directives and their preconditions
//!
//! * `compute_root()`: compute the Func once, over the whole region its consumers read, before
//!   any of them. Preconditions: (1) the Func exists; (2) it is not an output (outputs are
//!   always computed at root over their whole shape).
//! * `compute_inline()`: substitute the Func's definition into each use (the default for
//!   intermediates). Preconditions: (1) the Func exists; (2) it is not an output.
//!
//! Every other directive of the design (`split`, `tile`, `vectorize`, `parallel`, `unroll`,
//! `reorder`, `fuse`, `compute_at`, `store_at`, `store_root`, `bound`, `reorder_storage`,
//! `specialize`, `rfactor`, `update`) is recognised and reported as not implemented yet, so a
//! schedule never silently does less than it says.

use crate::directive::{Diagnostic, Directive};
use halite_core::{Origin, Pipeline};
use std::collections::HashMap;
use std::sync::Arc;

/// Where a Func's values are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeLevel {
    /// Substituted into its consumers.
    Inline,
    /// Computed once, before its consumers, over the region they read.
    Root,
}

/// The schedule of one Func.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncSchedule {
    pub compute: ComputeLevel,
    /// Where the compute level was set (for diagnostics).
    pub origin: Origin,
}

/// The schedule of a whole pipeline.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Schedule {
    pub funcs: HashMap<Arc<str>, FuncSchedule>,
}

/// Directives that exist in the design but are not implemented yet.
const PLANNED: &[&str] = &[
    "split",
    "fuse",
    "reorder",
    "tile",
    "vectorize",
    "unroll",
    "parallel",
    "compute_at",
    "store_at",
    "store_root",
    "bound",
    "reorder_storage",
    "specialize",
    "rfactor",
];

impl Schedule {
    /// The compute level of a Func (outputs are `Root`, intermediates `Inline` by default).
    pub fn compute_level(&self, p: &Pipeline, func: &str) -> ComputeLevel {
        if p.func(func).is_some_and(|f| f.is_output()) {
            return ComputeLevel::Root;
        }
        self.funcs
            .get(func)
            .map_or(ComputeLevel::Inline, |s| s.compute)
    }

    /// Interprets the user's directives, collecting every error.
    pub fn from_directives(p: &Pipeline, directives: &[Directive]) -> Result<Schedule, Vec<Diagnostic>> {
        let mut s = Schedule::default();
        let mut errors = Vec::new();
        for d in directives {
            let Some(func) = p.func(&d.func) else {
                let known: Vec<&str> = p.funcs.iter().map(|f| &*f.name).collect();
                errors.push(Diagnostic::new(
                    d.func_origin,
                    format!(
                        "no Func named `{}` to schedule; the kernel defines: {}",
                        d.func,
                        known.join(", ")
                    ),
                ));
                continue;
            };
            if let Some(k) = d.update {
                errors.push(Diagnostic::new(
                    d.func_origin,
                    format!(
                        "`{}.update({k})`: `{}` has no update definitions (update definitions are not implemented yet)",
                        d.func, d.func
                    ),
                ));
                continue;
            }
            match &*d.name {
                "compute_root" | "compute_inline" => {
                    if !d.args.is_empty() {
                        errors.push(Diagnostic::new(
                            d.args[0].origin(),
                            format!("`{}()` takes no arguments", d.name),
                        ));
                        continue;
                    }
                    if func.is_output() {
                        errors.push(Diagnostic::new(
                            d.name_origin,
                            format!(
                                "`{}` is an output: outputs are always computed at root over their whole shape; remove `.{}()`",
                                d.func, d.name
                            ),
                        ));
                        continue;
                    }
                    let compute = if &*d.name == "compute_root" {
                        ComputeLevel::Root
                    } else {
                        ComputeLevel::Inline
                    };
                    s.funcs.insert(
                        func.name.clone(),
                        FuncSchedule {
                            compute,
                            origin: d.name_origin,
                        },
                    );
                }
                name if PLANNED.contains(&name) => errors.push(Diagnostic::new(
                    d.name_origin,
                    format!(
                        "the directive `{name}` is not implemented yet; remove it (this version honours `compute_root()` and `compute_inline()`)"
                    ),
                )),
                name => errors.push(Diagnostic::new(
                    d.name_origin,
                    format!(
                        "unknown schedule directive `{name}`; expected one of: compute_root, compute_inline, {}",
                        PLANNED.join(", ")
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}
