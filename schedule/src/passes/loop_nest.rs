//! Pass `build_loop_nest`: one loop nest per computed Func, in definition order, with storage
//! for the `compute_root` intermediates around everything.
//!
//! Pre: `inline_funcs` and `infer_bounds` ran.
//! Post: a statement in which each computed Func `f` is a `produce f` block of loops over its
//! region, outermost dimension first, named `f.v` for its pure variable `v`; intermediate
//! regions are bound by `let f.min.k` / `let f.extent.k` at the top.
//!
//! ```text
//! let blur_x.min.0 = 0
//! let blur_x.extent.0 = out.extent.0 + 2
//! ...
//! allocate blur_x: u16 over [blur_x.min.0, +blur_x.extent.0) x [blur_x.min.1, +blur_x.extent.1)
//!   produce blur_x:
//!     for blur_x.y in [blur_x.min.0, +blur_x.extent.0):
//!       for blur_x.x in [blur_x.min.1, +blur_x.extent.1):
//!         blur_x(blur_x.y, blur_x.x) = ...
//!   produce out: ...
//! ```

use crate::passes::bounds::BoundsInfo;
use halite_core::expr::substitute;
use halite_core::{simplify_bounds as simplify, Expr, ForKind, Pipeline, Stmt, Type};

/// The name of loop variable `v` of Func `f`.
pub fn loop_var(f: &str, v: &str) -> String {
    format!("{f}.{v}")
}
/// The variable holding the first index of dimension `d` of Func `f`'s storage.
pub fn min_var(f: &str, d: usize) -> String {
    format!("{f}.min.{d}")
}
/// The variable holding the extent of dimension `d` of Func `f`'s storage.
pub fn extent_var(f: &str, d: usize) -> String {
    format!("{f}.extent.{d}")
}

/// Runs the pass.
pub fn build_loop_nest(p: &Pipeline, info: &BoundsInfo) -> Stmt {
    let mut produce = Vec::new();
    let mut allocs = Vec::new();
    let mut lets = Vec::new();
    for f in &p.funcs {
        let Some(region) = info.regions.get(&f.name) else {
            continue;
        };
        let (mins, extents): (Vec<Expr>, Vec<Expr>) = if f.is_output() {
            (0..f.dims())
                .map(|d| (Expr::i32(0), halite_core::func::extent_var(&f.name, d)))
                .unzip()
        } else {
            for (d, (lo, hi)) in region.dims.iter().enumerate() {
                let ext = Expr::select(
                    region.nonempty.clone(),
                    hi.clone().sub(lo.clone()).add(Expr::i64(1)),
                    Expr::i64(0),
                );
                lets.push((min_var(&f.name, d), simplify(&Expr::cast(Type::I32, lo.clone()))));
                lets.push((extent_var(&f.name, d), simplify(&Expr::cast(Type::I32, ext))));
            }
            allocs.push((f.name.clone(), f.ty, f.dims()));
            (0..f.dims())
                .map(|d| {
                    (
                        Expr::var(min_var(&f.name, d), Type::I32),
                        Expr::var(extent_var(&f.name, d), Type::I32),
                    )
                })
                .unzip()
        };
        let vars: Vec<Expr> = f
            .args
            .iter()
            .map(|a| Expr::var(loop_var(&f.name, a), Type::I32))
            .collect();
        let value = substitute(&f.value, &|n| {
            f.args.iter().position(|a| &**a == n).map(|i| vars[i].clone())
        });
        let mut body = Stmt::Store {
            func: f.name.clone(),
            args: vars,
            value,
        };
        for d in (0..f.dims()).rev() {
            body = Stmt::For {
                var: loop_var(&f.name, &f.args[d]).into(),
                min: mins[d].clone(),
                extent: extents[d].clone(),
                kind: ForKind::Serial,
                body: Box::new(body),
            };
        }
        produce.push(Stmt::Produce {
            func: f.name.clone(),
            body: Box::new(body),
        });
    }
    let mut s = Stmt::block(produce);
    for (name, ty, dims) in allocs.into_iter().rev() {
        s = Stmt::Allocate {
            bounds: (0..dims)
                .map(|d| {
                    (
                        Expr::var(min_var(&name, d), Type::I32),
                        Expr::var(extent_var(&name, d), Type::I32),
                    )
                })
                .collect(),
            func: name,
            ty,
            body: Box::new(s),
        };
    }
    for (name, value) in lets.into_iter().rev() {
        s = Stmt::Let {
            name: name.into(),
            value,
            body: Box::new(s),
        };
    }
    s
}
