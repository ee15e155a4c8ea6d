//! Pass `infer_bounds`: the region of every computed Func and the region of every buffer the
//! pipeline reads, as `i64` expressions over output extents, input extents and parameters.
//!
//! Pre: `inline_funcs` ran (definitions call only computed Funcs and inputs).
//! Post: each computed Func has a [`Region`]: outputs their whole shape, `compute_root` Funcs
//! the union of what their consumers read. Each read of a buffer (an input, or an output read
//! by a later Func) gives a [`RegionCheck`] for the entry check. Interval arithmetic adds
//! guards (see `halite_core::interval`).
//!
//! A read whose index has no finite bound (a data-dependent index of a 32-bit type, say) is a
//! compile error pointing at the read.

use crate::directive::Diagnostic;
use halite_core::func::extent_var;
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{simplify_bounds as simplify, CallKind, Expr, ExprNode, Origin, Pipeline, Type};
use std::collections::HashMap;
use std::sync::Arc;

/// A box of points: per dimension `[min, max]` (inclusive, `i64`), valid when `nonempty`.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub dims: Vec<(Expr, Expr)>,
    /// False when the region has no points (then `dims` mean nothing).
    pub nonempty: Expr,
}

/// A read of a buffer that the kernel must check at entry: when `when` holds, every point in
/// `dims` must be inside the buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionCheck {
    pub buffer: Arc<str>,
    /// The Func whose computation reads it (for error messages).
    pub consumer: Arc<str>,
    pub dims: Vec<(Expr, Expr)>,
    pub when: Expr,
}

/// The result of bounds inference.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BoundsInfo {
    pub regions: HashMap<Arc<str>, Region>,
    pub checks: Vec<RegionCheck>,
    pub guards: Vec<Expr>,
}

fn i64v(e: Expr) -> Expr {
    Expr::cast(Type::I64, e)
}

/// Union of two possibly-empty regions.
fn union(a: &Region, b: &Region) -> Region {
    if a.nonempty == b.nonempty {
        let dims = a
            .dims
            .iter()
            .zip(&b.dims)
            .map(|((a0, a1), (b0, b1))| {
                (
                    simplify(&a0.clone().min(b0.clone())),
                    simplify(&a1.clone().max(b1.clone())),
                )
            })
            .collect();
        return Region {
            dims,
            nonempty: a.nonempty.clone(),
        };
    }
    let pick = |x: &Expr, y: &Expr, both: Expr| {
        simplify(&Expr::select(
            a.nonempty.clone(),
            Expr::select(b.nonempty.clone(), both, x.clone()),
            y.clone(),
        ))
    };
    let dims = a
        .dims
        .iter()
        .zip(&b.dims)
        .map(|((a0, a1), (b0, b1))| {
            (
                pick(a0, b0, a0.clone().min(b0.clone())),
                pick(a1, b1, a1.clone().max(b1.clone())),
            )
        })
        .collect();
    Region {
        dims,
        nonempty: simplify(&Expr::binary(
            halite_core::BinOp::Or,
            a.nonempty.clone(),
            b.nonempty.clone(),
        )),
    }
}

/// Every call in `e` with the bounds of its arguments, under `scope` (extended by `let`s).
fn calls_in(
    e: &Expr,
    scope: &Scope,
    guards: &mut Vec<Expr>,
    out: &mut Vec<(CallKind, Arc<str>, Vec<Interval>, Origin)>,
) {
    match e.node() {
        ExprNode::Let(n, v, b) => {
            calls_in(v, scope, guards, out);
            let mut bnd = Bounds::new(scope);
            let iv = bnd.of(v);
            guards.extend(bnd.guards);
            let mut inner = scope.clone();
            inner.insert(n.clone(), iv);
            calls_in(b, &inner, guards, out);
        }
        ExprNode::Call { kind, name, args } => {
            let mut bnd = Bounds::new(scope);
            let ivs: Vec<Interval> = args.iter().map(|a| bnd.of(a)).collect();
            guards.extend(bnd.guards);
            out.push((*kind, name.clone(), ivs, e.origin()));
            for a in args {
                calls_in(a, scope, guards, out);
            }
        }
        _ => {
            for c in e.children() {
                calls_in(c, scope, guards, out);
            }
        }
    }
}

/// Runs the pass on an inlined pipeline.
pub fn infer_bounds(p: &Pipeline) -> Result<BoundsInfo, Vec<Diagnostic>> {
    let mut info = BoundsInfo::default();
    let mut errors = Vec::new();
    // Outputs cover their whole shape.
    for f in p.outputs() {
        let dims = (0..f.dims())
            .map(|d| {
                (
                    Expr::i64(0),
                    simplify(&i64v(extent_var(&f.name, d)).sub(Expr::i64(1))),
                )
            })
            .collect();
        let nonempty = (0..f.dims()).fold(Expr::bool(true), |acc, d| {
            simplify(&acc.and(Expr::i32(0).lt(extent_var(&f.name, d))))
        });
        info.regions.insert(f.name.clone(), Region { dims, nonempty });
    }
    // Consumers before producers: definition order reversed.
    for f in p.funcs.iter().rev() {
        let Some(region) = info.regions.get(&f.name).cloned() else {
            continue; // computed by nobody: dead
        };
        let mut scope = Scope::new();
        for (a, (lo, hi)) in f.args.iter().zip(&region.dims) {
            scope.insert(a.clone(), Interval::new(lo.clone(), hi.clone()));
        }
        let mut calls = Vec::new();
        let mut guards = Vec::new();
        calls_in(&f.value, &scope, &mut guards, &mut calls);
        for g in guards {
            // A guard only matters when the consumer computes something.
            let g = simplify(&Expr::binary(
                halite_core::BinOp::Or,
                Expr::unary(halite_core::UnOp::Not, region.nonempty.clone()),
                g,
            ));
            if !info.guards.contains(&g) {
                info.guards.push(g);
            }
        }
        for (kind, name, ivs, origin) in calls {
            let mut dims = Vec::new();
            for (k, iv) in ivs.iter().enumerate() {
                match (&iv.min, &iv.max) {
                    (Some(lo), Some(hi)) => dims.push((lo.clone(), hi.clone())),
                    _ => {
                        errors.push(Diagnostic::new(
                            origin,
                            format!(
                                "cannot bound index {k} of this read of `{name}`: its value can be anything its type holds; clamp it (e.g. `.clamp(0, {name}.shape()[{k}] as i32 - 1)`), or compute it from a narrower type"
                            ),
                        ));
                    }
                }
            }
            if dims.len() != ivs.len() {
                continue;
            }
            let callee_is_output = p.func(&name).is_some_and(|g| g.is_output());
            if kind == CallKind::Input || callee_is_output {
                let same = info.checks.iter_mut().find(|c| {
                    c.buffer == name && c.consumer == f.name && c.when == region.nonempty
                });
                match same {
                    Some(c) => {
                        for ((lo, hi), (lo2, hi2)) in c.dims.iter_mut().zip(dims) {
                            *lo = simplify(&lo.clone().min(lo2));
                            *hi = simplify(&hi.clone().max(hi2));
                        }
                    }
                    None => info.checks.push(RegionCheck {
                        buffer: name,
                        consumer: f.name.clone(),
                        dims,
                        when: region.nonempty.clone(),
                    }),
                }
            } else {
                let demand = Region {
                    dims,
                    nonempty: region.nonempty.clone(),
                };
                let merged = match info.regions.get(&name) {
                    Some(r) => union(r, &demand),
                    None => demand,
                };
                info.regions.insert(name, merged);
            }
        }
    }
    if errors.is_empty() {
        Ok(info)
    } else {
        Err(errors)
    }
}

