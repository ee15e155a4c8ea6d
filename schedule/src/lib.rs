//! `halite-schedule`: schedules, lowering and bounds inference.
//!
//! [`lower`] turns an algorithm ([`halite_core::Pipeline`]) and the user's schedule
//! directives into a loop nest ([`halite_core::Stmt`]) plus what the kernel must check at
//! entry. Lowering is a straight list of small passes (see [`passes`]), each a free function
//! with its pre- and postconditions in its doc comment:
//!
//! 1. [`Schedule::from_directives`]: read and check the directives;
//! 2. [`passes::inline::inline_funcs`]: substitute inlined Funcs into their callers;
//! 3. [`passes::bounds::infer_bounds`]: regions of computed Funcs and of buffer reads;
//! 4. [`passes::loop_nest::build_loop_nest`]: loops, storage and regions;
//! 5. [`passes::simplify::simplify_stmt`].

pub mod directive;
pub mod passes;
pub mod schedule;

pub use directive::{Arg, Diagnostic, Directive};
pub use passes::bounds::{RegionCheck, Region};
pub use schedule::{ComputeLevel, Schedule};

use halite_core::{simplify_bounds as simplify, BinOp, Expr, Pipeline, Stmt, UnOp};

/// A lowered pipeline: the loop nest and the entry checks that make it safe.
#[derive(Clone, Debug, PartialEq)]
pub struct Lowered {
    /// The algorithm as written (for `reference`).
    pub pipeline: Pipeline,
    /// The loop nest. Free variables: parameters and buffer extents (`buf.extent.k`).
    pub body: Stmt,
    /// Reads of buffers to check against their shapes before anything runs.
    pub checks: Vec<RegionCheck>,
    /// Conditions (over `i64`, evaluated with saturating arithmetic) under which index
    /// arithmetic cannot wrap; the kernel returns an error at entry if one fails.
    pub guards: Vec<Expr>,
}

impl Lowered {
    /// The loop nest as readable text, with the entry checks first.
    pub fn loop_nest_text(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            let dims: Vec<String> = c
                .dims
                .iter()
                .map(|(lo, hi)| format!("[{lo}, {hi}]"))
                .collect();
            s.push_str(&format!(
                "check {} covers {} (read by {})\n",
                c.buffer,
                dims.join(" x "),
                c.consumer
            ));
        }
        s.push_str(&self.body.to_string());
        s
    }
}

/// Lowers `p` under the schedule `directives`.
pub fn lower(p: &Pipeline, directives: &[Directive]) -> Result<Lowered, Vec<Diagnostic>> {
    let schedule = Schedule::from_directives(p, directives)?;
    let inlined = passes::inline::inline_funcs(p, &schedule);
    let mut info = passes::bounds::infer_bounds(&inlined)?;
    // Intermediate extents are `i32` loop bounds: they must fit.
    for f in &inlined.funcs {
        if let (false, Some(r)) = (f.is_output(), info.regions.get(&f.name)) {
            for (lo, hi) in &r.dims {
                let fits = hi.clone().sub(lo.clone()).lt(Expr::i64(i32::MAX as i64));
                let g = simplify(&Expr::binary(
                    BinOp::Or,
                    Expr::unary(UnOp::Not, r.nonempty.clone()),
                    fits,
                ));
                if !info.guards.contains(&g) {
                    info.guards.push(g);
                }
            }
        }
    }
    let body = passes::loop_nest::build_loop_nest(&inlined, &info);
    let body = passes::simplify::simplify_stmt(&body);
    Ok(Lowered {
        pipeline: p.clone(),
        body,
        checks: info.checks,
        guards: info.guards,
    })
}
