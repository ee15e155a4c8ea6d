//! Pass `hoist_entry_lets`: every `let` outside all loops moves to the kernel's entry.
//!
//! Pre: none. Post: the returned lets (in dependency order) hold everything computed before
//! the first loop (regions of root Funcs, for example); the statement has no `let` outside a
//! loop. The kernel evaluates them before its entry checks, which may use them.

use halite_core::{Expr, Stmt};
use std::sync::Arc;

/// Runs the pass.
pub fn hoist_entry_lets(s: Stmt) -> (Vec<(Arc<str>, Expr)>, Stmt) {
    let mut lets = Vec::new();
    let s = hoist(s, &mut lets);
    (lets, s)
}

fn hoist(s: Stmt, lets: &mut Vec<(Arc<str>, Expr)>) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => {
            lets.push((name, value));
            hoist(*body, lets)
        }
        Stmt::Block(v) => Stmt::block(v.into_iter().map(|x| hoist(x, lets)).collect()),
        s @ (Stmt::For { .. } | Stmt::Store { .. }) => s,
        s => s.map_children(&mut |x| hoist(x, lets)),
    }
}
