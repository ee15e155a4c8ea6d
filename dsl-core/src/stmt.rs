//! Loop nests: the lowered program that code generation turns into Rust.
//!
//! Semantics: statements run in order; a `For` runs its body for `var` in
//! `min .. min + extent` (`i32`), serially unless its [`ForKind`] says otherwise (a parallel
//! loop's iterations may run in any order and concurrently; a vectorized or unrolled one is a
//! code-generation hint with the same result). `Store` writes one element of an output or an
//! allocated Func; `Allocate` gives a Func storage over a box (per-dimension `min`, `extent`)
//! for the duration of its body.

use crate::expr::Expr;
use crate::types::Type;
use std::fmt;
use std::sync::Arc;

/// How a loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ForKind {
    Serial,
    /// Iterations run on rayon's pool, in chunks of `chunk` iterations (1 if unspecified).
    Parallel {
        chunk: u32,
    },
    /// The loop becomes vector code of this many lanes.
    Vectorized(u32),
    /// A whole row vectorized `w` lanes at a time: a vectorizing split whose outer loop was
    /// folded back in (see `schedule_functions`), emitted as one flat loop for LLVM's loop
    /// vectorizer.
    VectorizedRow(u32),
    /// The loop is fully unrolled (its extent is this constant).
    Unrolled(u32),
}

/// A loop-nest statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    For {
        var: Arc<str>,
        min: Expr,
        extent: Expr,
        kind: ForKind,
        body: Box<Stmt>,
    },
    /// `func(args) = value`.
    Store {
        func: Arc<str>,
        args: Vec<Expr>,
        value: Expr,
    },
    /// Storage for `func` over `bounds` (min, extent per dimension, outermost first).
    Allocate {
        func: Arc<str>,
        ty: Type,
        bounds: Vec<(Expr, Expr)>,
        body: Box<Stmt>,
    },
    /// Marks the statements that compute `func` (for printing and analysis).
    Produce {
        func: Arc<str>,
        body: Box<Stmt>,
    },
    Let {
        name: Arc<str>,
        value: Expr,
        body: Box<Stmt>,
    },
    If {
        cond: Expr,
        then: Box<Stmt>,
    },
    Block(Vec<Stmt>),
}

impl Stmt {
    /// A block, flattened.
    pub fn block(stmts: Vec<Stmt>) -> Stmt {
        let mut out = Vec::new();
        for s in stmts {
            match s {
                Stmt::Block(inner) => out.extend(inner),
                s => out.push(s),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap()
        } else {
            Stmt::Block(out)
        }
    }

    /// The statement with each direct sub-statement replaced by `f` of it (in order), its own
    /// fields unchanged: the building block of statement rewrites.
    pub fn map_children(self, f: &mut dyn FnMut(Stmt) -> Stmt) -> Stmt {
        match self {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(f(*body)),
            },
            Stmt::Allocate {
                func,
                ty,
                bounds,
                body,
            } => Stmt::Allocate {
                func,
                ty,
                bounds,
                body: Box::new(f(*body)),
            },
            Stmt::Produce { func, body } => Stmt::Produce {
                func,
                body: Box::new(f(*body)),
            },
            Stmt::Let { name, value, body } => Stmt::Let {
                name,
                value,
                body: Box::new(f(*body)),
            },
            Stmt::If { cond, then } => Stmt::If {
                cond,
                then: Box::new(f(*then)),
            },
            Stmt::Block(v) => Stmt::Block(v.into_iter().map(f).collect()),
            s @ Stmt::Store { .. } => s,
        }
    }

    /// Rebuilds the statement with every expression passed through `f` (bottom-up over
    /// statements; `f` sees each expression once).
    pub fn map_exprs(&self, f: &mut dyn FnMut(&Expr) -> Expr) -> Stmt {
        match self {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => Stmt::For {
                var: var.clone(),
                min: f(min),
                extent: f(extent),
                kind: *kind,
                body: Box::new(body.map_exprs(f)),
            },
            Stmt::Store { func, args, value } => Stmt::Store {
                func: func.clone(),
                args: args.iter().map(&mut *f).collect(),
                value: f(value),
            },
            Stmt::Allocate {
                func,
                ty,
                bounds,
                body,
            } => Stmt::Allocate {
                func: func.clone(),
                ty: *ty,
                bounds: bounds.iter().map(|(m, e)| (f(m), f(e))).collect(),
                body: Box::new(body.map_exprs(f)),
            },
            Stmt::Produce { func, body } => Stmt::Produce {
                func: func.clone(),
                body: Box::new(body.map_exprs(f)),
            },
            Stmt::Let { name, value, body } => Stmt::Let {
                name: name.clone(),
                value: f(value),
                body: Box::new(body.map_exprs(f)),
            },
            Stmt::If { cond, then } => Stmt::If {
                cond: f(cond),
                then: Box::new(then.map_exprs(f)),
            },
            Stmt::Block(v) => Stmt::Block(v.iter().map(|s| s.map_exprs(f)).collect()),
        }
    }

    /// Calls `f` on every statement, parents first.
    pub fn visit(&self, f: &mut dyn FnMut(&Stmt)) {
        f(self);
        match self {
            Stmt::For { body, .. }
            | Stmt::Allocate { body, .. }
            | Stmt::Produce { body, .. }
            | Stmt::Let { body, .. }
            | Stmt::If { then: body, .. } => body.visit(f),
            Stmt::Block(v) => v.iter().for_each(|s| s.visit(f)),
            Stmt::Store { .. } => {}
        }
    }

    fn fmt_indent(&self, f: &mut fmt::Formatter<'_>, ind: usize) -> fmt::Result {
        let pad = "  ".repeat(ind);
        match self {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let k = match kind {
                    ForKind::Serial => "for".to_string(),
                    ForKind::Parallel { chunk: 1 } => "parallel for".to_string(),
                    ForKind::Parallel { chunk } => format!("parallel(chunk {chunk}) for"),
                    ForKind::Vectorized(w) | ForKind::VectorizedRow(w) => {
                        format!("vectorized(x{w}) for")
                    }
                    ForKind::Unrolled(n) => format!("unrolled(x{n}) for"),
                };
                writeln!(f, "{pad}{k} {var} in [{min}, +{extent}):")?;
                body.fmt_indent(f, ind + 1)
            }
            Stmt::Store { func, args, value } => {
                let a: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                writeln!(f, "{pad}{func}({}) = {value}", a.join(", "))
            }
            Stmt::Allocate {
                func,
                ty,
                bounds,
                body,
            } => {
                let b: Vec<String> = bounds.iter().map(|(m, e)| format!("[{m}, +{e})")).collect();
                writeln!(f, "{pad}allocate {func}: {ty} over {}", b.join(" x "))?;
                body.fmt_indent(f, ind + 1)
            }
            Stmt::Produce { func, body } => {
                writeln!(f, "{pad}produce {func}:")?;
                body.fmt_indent(f, ind + 1)
            }
            Stmt::Let { name, value, body } => {
                writeln!(f, "{pad}let {name} = {value}")?;
                body.fmt_indent(f, ind)
            }
            Stmt::If { cond, then } => {
                writeln!(f, "{pad}if {cond}:")?;
                then.fmt_indent(f, ind + 1)
            }
            Stmt::Block(v) => v.iter().try_for_each(|s| s.fmt_indent(f, ind)),
        }
    }
}

impl fmt::Display for Stmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indent(f, 0)
    }
}
