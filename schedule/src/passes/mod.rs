//! The lowering passes, one per file, in the order [`crate::lower`] runs them.

pub mod bounds;
pub mod inline;
pub mod loop_nest;
pub mod simplify;
