//! Pass `simplify_in_ranges`: decide what the ranges of loop variables and lets decide.
//!
//! The simplifier sees one expression at a time; inside a loop nest, much more is known. In
//! `for ro in [0, +2): let depthwise.extent.3 = min(16, 32 - ro * 16)`, the extent is 16 on
//! every iteration, and a region computed inside a full tile usually has constant extents
//! once the loop ranges around it are taken into account. This pass walks the nest with the
//! interval of every loop variable (`[min, min + extent - 1]`) and of every `let` in scope, and
//!
//! * replaces a variable whose interval is a single constant by that constant,
//! * decides integer comparisons whose operands' intervals do not overlap (or are one point),
//! * drops the operand of an integer `min`/`max` that can never be the result,
//! * keeps the taken side of an `if` whose condition it decided.
//!
//! Intervals are those of `halite_core::interval` (symbolic, so `x * 3 <= x * 3 + 2` holds for
//! an unknown `x` too); a decision that relies on a guard against wrap-around is not taken.
//!
//! Pre: none. Post: the same program, with fewer run-time conditions and more constants.

use super::bounds::restore;
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{BinOp, Expr, ExprMutator, ExprNode, Stmt, Type};
use std::sync::Arc;

/// Runs the pass.
pub fn simplify_in_ranges(s: Stmt) -> Stmt {
    let mut cx = Ranges {
        scope: Scope::new(),
        nonneg: Vec::new(),
    };
    cx.stmt(s)
}

/// The intervals known at a point of the nest.
struct Ranges {
    scope: Scope,
    /// Loop variables whose loop starts at a non-negative constant.
    nonneg: Vec<Arc<str>>,
}

impl Ranges {
    fn stmt(&mut self, s: Stmt) -> Stmt {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let min = self.expr(&min);
                let extent = self.expr(&extent);
                let last = Expr::cast(Type::I64, min.clone())
                    .add(Expr::cast(Type::I64, extent.clone()))
                    .sub(Expr::i64(1));
                let lo = self.interval(&min).min;
                let hi = self.interval(&last).max;
                let nonneg = constant(&lo).is_some_and(|v| v >= 0);
                let old = self
                    .scope
                    .insert(var.clone(), Interval { min: lo, max: hi });
                if nonneg {
                    self.nonneg.push(var.clone());
                }
                let body = self.stmt(*body);
                if nonneg {
                    self.nonneg.pop();
                }
                restore(&mut self.scope, &var, old);
                Stmt::For {
                    var,
                    min,
                    extent,
                    kind,
                    body: Box::new(body),
                }
            }
            Stmt::Let { name, value, body } => {
                let value = self.expr(&value);
                let iv = self.interval(&value);
                let old = self.scope.insert(name.clone(), iv);
                let body = self.stmt(*body);
                restore(&mut self.scope, &name, old);
                Stmt::Let {
                    name,
                    value,
                    body: Box::new(body),
                }
            }
            Stmt::If { cond, then } => {
                let cond = self.expr(&cond);
                match cond.as_const().and_then(|v| v.as_bool()) {
                    Some(true) => self.stmt(*then),
                    Some(false) => Stmt::Block(vec![]),
                    None => Stmt::If {
                        cond,
                        then: Box::new(self.stmt(*then)),
                    },
                }
            }
            Stmt::Store { func, args, value } => Stmt::Store {
                func,
                args: args.iter().map(|a| self.expr(a)).collect(),
                value: self.expr(&value),
            },
            Stmt::Allocate {
                func,
                ty,
                bounds,
                body,
            } => Stmt::Allocate {
                func,
                ty,
                bounds: bounds
                    .iter()
                    .map(|(m, e)| (self.expr(m), self.expr(e)))
                    .collect(),
                body: Box::new(self.stmt(*body)),
            },
            s @ (Stmt::Produce { .. } | Stmt::Block(_)) => s.map_children(&mut |c| self.stmt(c)),
        }
    }

    /// The interval of an integer expression, or unbounded where it relies on a guard.
    fn interval(&self, e: &Expr) -> Interval {
        if !e.ty().is_int() {
            return Interval::everything();
        }
        let mut b = Bounds::new(&self.scope);
        b.nonneg_vars = self.nonneg.clone();
        let iv = b.of(e);
        if b.guards.is_empty() {
            iv
        } else {
            Interval::everything()
        }
    }

    fn expr(&mut self, e: &Expr) -> Expr {
        if self.scope.is_empty() || has_let(e) {
            return e.clone();
        }
        let r = Decide(self).mutate(e);
        if r.same_as(e) {
            r
        } else {
            halite_core::simplify(&r)
        }
    }
}

/// Whether `e` binds a name (the pass leaves such expressions alone rather than track scopes).
fn has_let(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |x| found |= matches!(x.node(), ExprNode::Let(..)));
    found
}

/// The constant value of an interval side, if it is one.
fn constant(side: &Option<Expr>) -> Option<i64> {
    side.as_ref().and_then(|e| e.as_int())
}

struct Decide<'a>(&'a Ranges);

impl Decide<'_> {
    /// The interval of `b - a`, computed in `i64` (exactly: a subtraction that could wrap
    /// there adds a guard, and guarded intervals are not used).
    fn difference(&self, a: &Expr, b: &Expr) -> Option<(Option<i64>, Option<i64>)> {
        if a.ty() == Type::U64 {
            return None;
        }
        let d = Expr::cast(Type::I64, b.clone()).sub(Expr::cast(Type::I64, a.clone()));
        let iv = self.0.interval(&d);
        Some((constant(&iv.min), constant(&iv.max)))
    }
}

impl ExprMutator for Decide<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e = self.mutate_children(e);
        match e.node() {
            ExprNode::Var(n) => {
                let Some(iv) = self.0.scope.get(n) else {
                    return e;
                };
                // A point interval of a value the type holds (bounds are mathematical).
                match (constant(&iv.min), constant(&iv.max)) {
                    (Some(lo), Some(hi)) if lo == hi && e.ty().is_int() => {
                        let c = halite_core::Value::from_i64(e.ty(), lo);
                        if c.as_i64() == Some(lo) {
                            Expr::constant(c)
                        } else {
                            e
                        }
                    }
                    _ => e,
                }
            }
            ExprNode::Binary(op, a, b) if a.ty().is_int() => {
                let decided = match op {
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                        let Some((lo, hi)) = self.difference(a, b) else {
                            return e;
                        };
                        // d = b - a.
                        let pos = lo.is_some_and(|l| l > 0);
                        let nonneg = lo.is_some_and(|l| l >= 0);
                        let neg = hi.is_some_and(|h| h < 0);
                        let nonpos = hi.is_some_and(|h| h <= 0);
                        let zero = nonneg && nonpos;
                        let v = match op {
                            BinOp::Lt => (pos || nonpos).then_some(pos),
                            BinOp::Le => (nonneg || neg).then_some(nonneg),
                            BinOp::Gt => (neg || nonneg).then_some(neg),
                            BinOp::Ge => (nonpos || pos).then_some(nonpos),
                            BinOp::Eq => (zero || pos || neg).then_some(zero),
                            _ => (zero || pos || neg).then_some(!zero),
                        };
                        return v.map(Expr::bool).unwrap_or(e);
                    }
                    BinOp::Min | BinOp::Max => {
                        let Some((lo, hi)) = self.difference(a, b) else {
                            return e;
                        };
                        // b >= a everywhere: min is a, max is b; b <= a: the other way.
                        let b_ge = lo.is_some_and(|l| l >= 0);
                        let b_le = hi.is_some_and(|h| h <= 0);
                        match (op, b_ge, b_le) {
                            (BinOp::Min, true, _) | (BinOp::Max, _, true) => Some(a.clone()),
                            (BinOp::Min, _, true) | (BinOp::Max, true, _) => Some(b.clone()),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                decided.unwrap_or(e)
            }
            _ => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::ForKind;

    fn v(n: &str) -> Expr {
        Expr::var(n, Type::I32)
    }

    /// A region extent that is the same on every iteration of the loop around it becomes a
    /// constant, and a guard it decides disappears.
    #[test]
    fn extents_constant_over_a_loop_range() {
        let ext = Expr::binary(
            BinOp::Min,
            Expr::i32(16),
            Expr::i32(32).sub(v("ro").mul(Expr::i32(16))),
        );
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("e")],
            value: Expr::i32(0),
        };
        let guarded = Stmt::If {
            cond: Expr::binary(BinOp::Lt, Expr::i32(0), v("e")),
            then: Box::new(store),
        };
        let s = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: Expr::i32(2),
            kind: ForKind::Serial,
            body: Box::new(Stmt::Let {
                name: "e".into(),
                value: ext,
                body: Box::new(guarded),
            }),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("let e = 16"), "{out}");
        assert!(!out.contains("if"), "{out}");
        assert!(out.contains("f(16) = 0"), "{out}");
    }

    /// Against an unknown value nothing is decided; within the loop's range it is.
    #[test]
    fn unknown_values_decide_only_what_is_certain() {
        let body = Stmt::Store {
            func: "f".into(),
            args: vec![Expr::binary(BinOp::Min, v("x").mul(Expr::i32(3)), v("n"))],
            value: Expr::binary(BinOp::Le, v("x").mul(Expr::i32(3)), Expr::i32(27)),
        };
        let s = Stmt::For {
            var: "x".into(),
            min: Expr::i32(0),
            extent: Expr::i32(10),
            kind: ForKind::Serial,
            body: Box::new(body),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("min(x * 3, n)"), "{out}");
        assert!(out.contains("= true"), "{out}");
    }
}
