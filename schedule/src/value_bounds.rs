//! Pass `clamp_indices_by_values`: an index computed from a Func's values is bounded by the
//! values that Func's definitions can produce.
//!
//! Bounds inference bounds a data-dependent index by the range of its expression; a call of an
//! integer Func inside it (`a(y, best(y))` with `best(y) = argmax(a(y, r))`) would otherwise
//! have the whole range of its type, and a 32-bit index whose range is the whole type cannot
//! be checked against a buffer (the kernel would not compile: "cannot bound index"). This
//! pass computes, for each `i32`, `u32` and `i64` Func (the narrower ones are bounded by their
//! type already), an interval of run-time constants (scalar parameters and buffer
//! extents) that holds every value it can take: the union over its pure definition and its
//! updates, with its pure variables unbounded and its reduction variables over their domains.
//! A self-reference of an update is taken at the interval found so far, up to a fixed point
//! (a running minimum `first(y) = min(first(y), r)` settles; a scan `f(r) = f(r - 1) + g(r)`
//! does not, and its Func stays unbounded). Every call of such a Func inside an index (of a
//! call, or of an update's left side) becomes `f(..).clamp(lo, hi)`.
//!
//! Pre: the pipeline as the front end makes it. Post: the same values everywhere (each clamp
//! leaves the value it clamps unchanged); indices through Func values have finite bounds.
//! Should the analysis be wrong, the clamp still keeps every read inside the region that
//! bounds inference checks: a wrong value, never a read out of bounds.

use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{simplify, CallKind, Expr, ExprMutator, ExprNode, Intrinsic, Pipeline, Type};
use std::collections::HashMap;
use std::sync::Arc;

/// How many times an update's self-reference is re-bounded before the Func is given up.
const MAX_ROUNDS: usize = 4;

/// Runs the pass.
pub fn clamp_indices_by_values(p: &Pipeline) -> Pipeline {
    let bounds = value_bounds(p);
    if bounds.is_empty() {
        return p.clone();
    }
    let mut p = p.clone();
    let mut w = InIndices {
        bounds: &bounds,
        depth: 0,
    };
    for f in &mut p.funcs {
        f.value = w.mutate(&f.value);
        for u in &mut f.updates {
            // The left side's arguments are indices.
            w.depth += 1;
            u.args = u.args.iter().map(|a| w.mutate(a)).collect();
            w.depth -= 1;
            u.value = w.mutate(&u.value);
            u.predicates = u.predicates.iter().map(|c| w.mutate(c)).collect();
        }
    }
    p
}

/// The value interval (`i64` run-time constants) of each `i32`, `u32` or `i64` Func whose
/// values have finite bounds.
pub fn value_bounds(p: &Pipeline) -> HashMap<Arc<str>, (Expr, Expr)> {
    let mut known: HashMap<Arc<str>, (Expr, Expr)> = HashMap::new();
    for f in &p.funcs {
        // (`u64` values do not fit the `i64` bounds; the narrower types bound themselves.)
        if !matches!(f.ty, Type::I32 | Type::U32 | Type::I64) {
            continue;
        }
        let mut scope = Scope::new();
        for a in &f.args {
            scope.insert(a.clone(), Interval::everything());
        }
        let Some(pure) = interval_of(&f.value, &scope, &known, None) else {
            continue;
        };
        let mut hyp = pure.clone();
        let mut settled = f.updates.is_empty();
        for _ in 0..MAX_ROUNDS {
            if settled {
                break;
            }
            let mut next = Some(pure.clone());
            for u in &f.updates {
                let mut sc = scope.clone();
                // (An update over an empty domain never runs: its interval, inverted then,
                // only widens the union.)
                for r in &u.rvars {
                    sc.insert(r.name.clone(), crate::passes::bounds::rvar_interval(r));
                }
                let iv = interval_of(&u.value, &sc, &known, Some((&f.name, &hyp)));
                next = match (next, iv) {
                    (Some(a), Some(b)) => Some((simplify(&a.0.min(b.0)), simplify(&a.1.max(b.1)))),
                    _ => None,
                };
            }
            let Some(next) = next else { break };
            settled = next == hyp;
            hyp = next;
        }
        if settled {
            known.insert(f.name.clone(), hyp);
        }
    }
    known
}

/// The finite interval of `e`, with calls of Funcs in `known` (and `this` at its hypothesis)
/// clamped to their intervals; `None` if unbounded or if the bounds need overflow guards.
fn interval_of(
    e: &Expr,
    scope: &Scope,
    known: &HashMap<Arc<str>, (Expr, Expr)>,
    this: Option<(&Arc<str>, &(Expr, Expr))>,
) -> Option<(Expr, Expr)> {
    let mut c = ClampCalls { known, this };
    let e = c.mutate(e);
    let mut b = Bounds::new(scope);
    let iv = b.of(&e);
    if !b.guards.is_empty() {
        return None;
    }
    Some((simplify(&iv.min?), simplify(&iv.max?)))
}

/// `f(..)` clamped to `[lo, hi]` (`i64` bounds, cut to `f`'s type).
fn clamped(call: &Expr, (lo, hi): &(Expr, Expr)) -> Expr {
    let ty = call.ty();
    let (tmin, tmax) = ty.int_range().expect("an integer Func");
    let cut = |b: &Expr| {
        let b = b
            .clone()
            .max(Expr::i64(tmin as i64))
            .min(Expr::i64(tmax as i64));
        Expr::cast(ty, simplify(&b))
    };
    Expr::intrinsic(Intrinsic::Clamp, vec![call.clone(), cut(lo), cut(hi)])
}

/// Clamps every call of a bounded Func (for the analysis only).
struct ClampCalls<'a> {
    known: &'a HashMap<Arc<str>, (Expr, Expr)>,
    this: Option<(&'a Arc<str>, &'a (Expr, Expr))>,
}

impl ExprMutator for ClampCalls<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e2 = self.mutate_children(e);
        if let ExprNode::Call {
            kind: CallKind::Func,
            name,
            ..
        } = e2.node()
        {
            if let Some((n, iv)) = self.this {
                if n == name {
                    return clamped(&e2, iv);
                }
            }
            if let Some(iv) = self.known.get(name) {
                return clamped(&e2, iv);
            }
        }
        e2
    }
}

/// Clamps the calls of bounded Funcs that sit inside an index.
struct InIndices<'a> {
    bounds: &'a HashMap<Arc<str>, (Expr, Expr)>,
    /// How many call arguments enclose the node being visited.
    depth: usize,
}

impl ExprMutator for InIndices<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let is_call = matches!(e.node(), ExprNode::Call { .. });
        if is_call {
            self.depth += 1;
        }
        let e2 = self.mutate_children(e);
        if is_call {
            self.depth -= 1;
        }
        match e2.node() {
            ExprNode::Call {
                kind: CallKind::Func,
                name,
                ..
            } if self.depth > 0 => match self.bounds.get(name) {
                Some(iv) => clamped(&e2, iv),
                None => e2,
            },
            _ => e2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Func, Origin, RVar, Update};

    fn func(name: &str, args: &[&str], value: Expr, updates: Vec<Update>) -> Func {
        Func {
            name: name.into(),
            args: args.iter().map(|a| (*a).into()).collect(),
            ty: value.ty(),
            value,
            updates,
            output: None,
            origin: Origin::default(),
        }
    }

    /// A running minimum settles at the union of its start and its domain; a scan stays
    /// unbounded; an index through a bounded Func is clamped, other calls are not.
    #[test]
    fn running_minimum_is_bounded_and_scan_is_not() {
        let y = Expr::var("y", Type::I32);
        let r = Expr::var("r", Type::I32);
        let n = Expr::var("n", Type::I32);
        let rv = vec![RVar {
            name: "r".into(),
            min: Expr::i32(0),
            extent: n.clone(),
        }];
        let first = Expr::call(CallKind::Func, "first", vec![y.clone()], Type::I32);
        let running = func(
            "first",
            &["y"],
            Expr::i32(i32::MAX),
            vec![Update {
                args: vec![y.clone()],
                value: first.clone().min(r.clone()),
                rvars: rv.clone(),
                predicates: vec![],
                origin: Origin::default(),
            }],
        );
        let scanned = Expr::call(
            CallKind::Func,
            "scan",
            vec![r.clone().sub(Expr::i32(1))],
            Type::I32,
        );
        let scan = func(
            "scan",
            &["x"],
            Expr::var("x", Type::I32),
            vec![Update {
                args: vec![r.clone()],
                value: scanned.add(Expr::i32(1)),
                rvars: rv,
                predicates: vec![],
                origin: Origin::default(),
            }],
        );
        let read = Expr::call(CallKind::Input, "a", vec![first.clone()], Type::I32);
        let out = func("out", &["y"], read.add(first.clone()), vec![]);
        let p = Pipeline {
            name: "t".into(),
            params: vec![],
            inputs: vec![],
            funcs: vec![running, scan, out],
        };
        let b = value_bounds(&p);
        let (lo, hi) = &b["first"];
        assert_eq!(lo.as_int(), Some(0), "{lo}");
        assert_eq!(hi.as_int(), Some(i32::MAX as i64), "{hi}");
        assert!(!b.contains_key("scan"));
        let q = clamp_indices_by_values(&p);
        let text = q.funcs[2].value.to_string();
        // The index is clamped; the value added is not.
        assert!(text.starts_with("a(first(y).clamp("), "{text}");
        assert!(text.ends_with("+ first(y)"), "{text}");
    }
}
