//! Schedule directives as the front end hands them over: `func.name(args)` with origins.
//!
//! The front end does not interpret directives; [`crate::Schedule::from_directives`] does, so
//! that every rule about schedules lives in this crate.

use halite_core::{Expr, Origin};
use std::sync::Arc;

/// An argument of a directive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A name: a loop variable, a Func.
    Ident(Arc<str>, Origin),
    /// An integer literal (a split factor, a vector width).
    Int(i64, Origin),
    /// A condition over scalar parameters and buffer extents (`specialize(cond)`), typed
    /// by the front end.
    Expr(Expr, Origin),
    /// Anything else the front end could not read as one of the above.
    Other(Origin),
}

impl Arg {
    pub fn origin(&self) -> Origin {
        match self {
            Arg::Ident(_, o) | Arg::Int(_, o) | Arg::Expr(_, o) | Arg::Other(o) => *o,
        }
    }
}

/// One directive: `func.name(args)` (or `func.update(k).name(args)`).
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    /// The Func the directive applies to.
    pub func: Arc<str>,
    pub func_origin: Origin,
    /// `Some(k)` for directives on `func.update(k)`.
    pub update: Option<usize>,
    /// The directive's name (`split`, `compute_root`, ...).
    pub name: Arc<str>,
    pub name_origin: Origin,
    pub args: Vec<Arg>,
    /// For directives chained after `specialize(cond)`: `cond`. They schedule only the
    /// specialized version of the stage.
    pub specialization: Option<Expr>,
    /// For `let intm = f.update(k).rfactor(..)`: the name bound, `intm`.
    pub binding: Option<(Arc<str>, Origin)>,
}

impl Directive {
    /// `func.name(args)` on `func`'s pure definition, without source positions: a schedule
    /// written by a program (tests, the book's pictures) rather than parsed from source.
    pub fn new(func: &str, name: &str, args: Vec<Arg>) -> Directive {
        Directive {
            func: func.into(),
            func_origin: Origin::NONE,
            update: None,
            name: name.into(),
            name_origin: Origin::NONE,
            args,
            specialization: None,
            binding: None,
        }
    }
}

/// A compile error about the algorithm or the schedule: what went wrong, where, and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub origin: Origin,
    pub message: String,
}

impl Diagnostic {
    pub fn new(origin: Origin, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            origin,
            message: message.into(),
        }
    }
}
