//! The lowering passes, one per file, in the order [`crate::lower`] runs them.

pub mod allocate;
pub mod bounds;
pub mod checks;
pub mod hoist;
pub mod inline;
pub mod interior;
pub mod loop_nest;
pub mod nonempty;
pub mod partition;
pub mod promote;
pub mod ranges;
pub mod simplify;
pub mod sliding;
pub mod tiles;
pub mod unswitch;
