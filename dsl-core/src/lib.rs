//! `halite-core`: the intermediate representation of halite and its reference interpreter.
//!
//! * [`types`]: element types; [`expr`]: expressions and **the semantics** every part of
//!   halite implements; [`value`]: the executable form of those semantics.
//! * [`func`]: pipelines of Funcs (the algorithm); [`stmt`]: loop nests (the lowered program).
//! * [`simplify`](mod@simplify): exact rewrites; [`interval`]: bounds of index expressions;
//!   [`monotonic`]: the direction an index moves as a loop advances.
//! * [`interp`]: the reference interpreter, the oracle of every test; [`math`]: the `f32`
//!   exponential it shares with the kernels.
//! * [`sexpr`]: an exact text form of a pipeline, embedded by the macro for `reference`.
//!
//! This crate knows nothing of `syn` or of the runtime: nodes carry an opaque
//! [`expr::Origin`] that the macro crate maps back to source spans.

pub mod contract;
pub mod expr;
pub mod func;
pub mod interp;
pub mod interp_nest;
pub mod interval;
pub mod math;
pub mod monotonic;
mod print;
pub mod sexpr;
pub mod simplify;
pub mod stmt;
pub mod types;
pub mod value;

pub use expr::{BinOp, CallKind, Expr, ExprMutator, ExprNode, Intrinsic, Origin, UnOp};
pub use func::{Func, Input, Param, Pipeline, RVar, Update};
pub use interval::Interval;
pub use simplify::{simplify, simplify_bounds};
pub use stmt::{ForKind, Stmt};
pub use types::Type;
pub use value::Value;
