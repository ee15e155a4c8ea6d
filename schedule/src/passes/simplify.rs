//! Pass `simplify_stmt`: simplify every expression of a loop nest.
//!
//! Pre: none. Post: the same program, with constant folding and canonical index arithmetic
//! (see `halite_core::simplify`).

use halite_core::{simplify, Stmt};

/// Runs the pass.
pub fn simplify_stmt(s: &Stmt) -> Stmt {
    s.map_exprs(&mut |e| simplify(e))
}
