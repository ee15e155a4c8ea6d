//! Helpers shared by the integration tests of this crate.

use halite_core::{Expr, Type};
use halite_schedule::{Arg, Directive};

/// The `i32` variable `n`.
pub fn v(n: &str) -> Expr {
    Expr::var(n, Type::I32)
}

/// The directive `f.name(args)`, without origins, on `f`'s pure definition.
pub fn directive(f: &str, name: &str, args: Vec<Arg>) -> Directive {
    Directive::new(f, name, args)
}
