//! Pass `allocate`: storage for every intermediate, sized once for the whole call.
//!
//! Pre: regions inferred, entry lets hoisted. Post: each computed intermediate `f` has
//! `let f.alloc.k` entry lets (`i64`: an upper bound, over all iterations, of the extent its loops
//! write) and an `allocate f` node: at the top (allocated once per call, before anything is
//! written) or, when it is computed inside a parallel loop, at the start of the body of the
//! innermost enclosing parallel loop (one buffer per parallel iteration, so threads never
//! share one). No allocation ever happens inside a serial loop nest. Storage is dense,
//! ordered by the Func's storage order; element `p` lives at `sum((p_k - f.min.k) * stride_k)`,
//! except in a dimension folded by `sliding_window`: `let f.fold.k` (the factor) is an entry let
//! too, and `p_k` lives at `(p_k & (factor - 1)) * stride_k`.

use crate::directive::Diagnostic;
use crate::passes::bounds::{loop_interval, restore};
use crate::passes::loop_nest::min_var;
use crate::passes::sliding::{fold_var, Fold};
use halite_core::interval::{Bounds, Scope};
use halite_core::{simplify_bounds, Expr, ForKind, Func, Stmt, Type};
use std::sync::Arc;

/// The entry let holding the allocated extent of dimension `d` of `f`.
pub fn alloc_var(f: &str, d: usize) -> String {
    format!("{f}.alloc.{d}")
}

/// Where the `produce f` block sits: the scope of intervals at that point, and whether it is
/// inside a parallel loop.
fn site(s: &Stmt, f: &str, scope: &mut Scope, in_parallel: bool) -> Option<(Scope, bool)> {
    match s {
        Stmt::Produce { func, .. } if &**func == f => Some((scope.clone(), in_parallel)),
        Stmt::Produce { body, .. } | Stmt::Allocate { body, .. } | Stmt::If { then: body, .. } => {
            site(body, f, scope, in_parallel)
        }
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let mut b = Bounds::new(scope);
            let iv = loop_interval(&mut b, min, extent);
            let saved = scope.insert(var.clone(), iv);
            let par = in_parallel || matches!(kind, ForKind::Parallel { .. });
            let r = site(body, f, scope, par);
            restore(scope, var, saved);
            r
        }
        Stmt::Let { name, value, body } => {
            let iv = Bounds::new(scope).of(value);
            let saved = scope.insert(name.clone(), iv);
            let r = site(body, f, scope, in_parallel);
            restore(scope, name, saved);
            r
        }
        Stmt::Block(v) => v.iter().find_map(|x| site(x, f, scope, in_parallel)),
        Stmt::Store { .. } => None,
    }
}

/// Upper bounds (symbolic in the region variables of `f`) of `index - f.min.k + 1` over the
/// stores of `f` inside `body`.
fn written_extents(body: &Stmt, f: &Func, scope: &mut Scope, out: &mut Vec<Option<Expr>>) {
    match body {
        Stmt::For {
            var,
            min,
            extent,
            body,
            ..
        } => {
            let mut b = Bounds::new(scope);
            let iv = loop_interval(&mut b, min, extent);
            let saved = scope.insert(var.clone(), iv);
            written_extents(body, f, scope, out);
            restore(scope, var, saved);
        }
        Stmt::Let { name, value, body } => {
            let iv = Bounds::new(scope).of(value);
            let saved = scope.insert(name.clone(), iv);
            written_extents(body, f, scope, out);
            restore(scope, name, saved);
        }
        Stmt::Store { func, args, .. } if *func == f.name => {
            let mut b = Bounds::new(scope);
            for (d, a) in args.iter().enumerate() {
                let rel = a
                    .clone()
                    .sub(Expr::var(min_var(&f.name, d), Type::I32))
                    .add(Expr::i32(1));
                let hi = b.of(&rel).max;
                out[d] = match (out[d].take(), hi) {
                    (Some(x), Some(y)) => Some(simplify_bounds(&x.max(y))),
                    _ => None,
                };
            }
        }
        Stmt::Store { .. } => {}
        Stmt::Produce { body, .. } | Stmt::Allocate { body, .. } | Stmt::If { then: body, .. } => {
            written_extents(body, f, scope, out)
        }
        Stmt::Block(v) => v.iter().for_each(|x| written_extents(x, f, scope, out)),
    }
}

fn produce_body<'a>(s: &'a Stmt, f: &str) -> Option<&'a Stmt> {
    match s {
        Stmt::Produce { func, body } if &**func == f => Some(body),
        Stmt::Produce { body, .. }
        | Stmt::Allocate { body, .. }
        | Stmt::If { then: body, .. }
        | Stmt::For { body, .. }
        | Stmt::Let { body, .. } => produce_body(body, f),
        Stmt::Block(v) => v.iter().find_map(|x| produce_body(x, f)),
        Stmt::Store { .. } => None,
    }
}

/// Wraps the body of the innermost parallel loop enclosing `produce f` in `allocate f`;
/// returns whether `produce f` is inside `s`.
fn wrap_in_parallel(
    s: Stmt,
    f: &str,
    node: &mut Option<(Type, Vec<(Expr, Expr)>)>,
) -> (Stmt, bool) {
    let here = matches!(&s, Stmt::Produce { func, .. } if &**func == f);
    let mut found = false;
    let s = s.map_children(&mut |c| {
        let (c, fd) = wrap_in_parallel(c, f, node);
        found |= fd;
        c
    });
    let s = match s {
        Stmt::For {
            var,
            min,
            extent,
            kind: kind @ ForKind::Parallel { .. },
            body,
        } if found => {
            let body = match node.take() {
                Some((ty, bounds)) => Stmt::Allocate {
                    func: f.into(),
                    ty,
                    bounds,
                    body,
                },
                None => *body,
            };
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(body),
            }
        }
        s => s,
    };
    (s, found || here)
}

/// Lets computed at entry, in order.
pub type EntryLets = Vec<(Arc<str>, Expr)>;

/// Runs the pass; returns the new entry lets and the statement.
pub fn allocate(
    s: Stmt,
    funcs: &[&Func],
    hints: &crate::passes::bounds::Hints,
    folds: &[Fold],
) -> Result<(EntryLets, Stmt), Vec<Diagnostic>> {
    let mut lets = Vec::new();
    let mut s = s;
    let mut errors = Vec::new();
    let rounds_up = |f: &Func| {
        hints
            .schedule
            .funcs
            .get(&f.name)
            .is_some_and(|fs| fs.rounds_up())
    };
    let mut top = Vec::new();
    for f in funcs {
        let Some((_, in_parallel)) = site(&s, &f.name, &mut Scope::new(), false) else {
            continue;
        };
        let body = produce_body(&s, &f.name).expect("produce exists");
        // Loops that never round up write exactly the region; others may write past it.
        let rounds = rounds_up(f);
        let mut ext = vec![Some(Expr::i64(0)); f.dims()];
        if rounds {
            written_extents(body, f, &mut Scope::new(), &mut ext);
        } else {
            for (d, e) in ext.iter_mut().enumerate() {
                *e = Some(Expr::cast(
                    Type::I64,
                    Expr::var(crate::passes::loop_nest::extent_var(&f.name, d), Type::I32),
                ));
            }
        }
        let mut bounds = Vec::new();
        for (d, e) in ext.into_iter().enumerate() {
            let name = alloc_var(&f.name, d);
            if let Some(fold) = folds.iter().find(|x| x.func == f.name && x.dim == d) {
                // A folded dimension holds `factor` slots, whatever the region.
                let v = Expr::i64(fold.factor);
                lets.push((fold_var(&f.name, d).into(), v.clone()));
                lets.push((Arc::<str>::from(name.as_str()), v));
                bounds.push((Expr::i64(0), Expr::var(name, Type::I64)));
                continue;
            }
            let upper =
                e.and_then(|e| crate::passes::bounds::bounds_at_site(&s, &f.name, &e, hints)?.max);
            let Some(upper) = upper else {
                errors.push(Diagnostic::new(
                    f.origin,
                    format!("cannot bound the storage of `{}` (dimension {d})", f.name),
                ));
                continue;
            };
            let v = simplify_bounds(&upper.max(Expr::i64(0)));
            lets.push((Arc::<str>::from(name.as_str()), v));
            bounds.push((Expr::i64(0), Expr::var(name, Type::I64)));
        }
        if in_parallel {
            let mut node = Some((f.ty, bounds));
            s = wrap_in_parallel(s, &f.name, &mut node).0;
        } else {
            top.push((f.name.clone(), f.ty, bounds));
        }
    }
    for (func, ty, bounds) in top.into_iter().rev() {
        s = Stmt::Allocate {
            func,
            ty,
            bounds,
            body: Box::new(s),
        };
    }
    if errors.is_empty() {
        Ok((lets, s))
    } else {
        Err(errors)
    }
}
