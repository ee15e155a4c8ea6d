//! Fused multiply-add contraction, the opt-in `#[kernel(fma)]`: every floating-point
//! `a * b + c`, `c + a * b`, `a * b - c` and `c - a * b` of the algorithm becomes one
//! `mul_add` (rounded once), as if the user had written it.
//!
//! The rewrite changes the algorithm, not the schedule, so `reference` computes the same fused
//! operations and stays bit-for-bit equal to the scheduled kernel. Where both operands of `+`
//! are products, the left one is fused (`a * b + c * d` is `a.mul_add(b, c * d)`). Products
//! are matched after their own operands are rewritten, innermost first.

use crate::expr::{BinOp, Expr, ExprMutator, ExprNode, Intrinsic, UnOp};
use crate::func::Pipeline;

/// The pipeline with its floating-point multiply-adds contracted.
pub fn contract_fma(p: &Pipeline) -> Pipeline {
    let mut p = p.clone();
    for f in &mut p.funcs {
        f.value = contract(&f.value);
        for u in &mut f.updates {
            u.value = contract(&u.value);
            for c in &mut u.predicates {
                *c = contract(c);
            }
        }
    }
    p
}

/// `e` with its floating-point multiply-adds contracted.
pub fn contract(e: &Expr) -> Expr {
    Contract.mutate(e)
}

struct Contract;

impl ExprMutator for Contract {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e = self.mutate_children(e);
        if !e.ty().is_float() {
            return e;
        }
        let product = |x: &Expr| match x.node() {
            ExprNode::Binary(BinOp::Mul, a, b) => Some((a.clone(), b.clone())),
            _ => None,
        };
        let fused = |a: Expr, b: Expr, c: Expr| {
            Expr::intrinsic(Intrinsic::MulAdd, vec![a, b, c]).with_origin(e.origin())
        };
        let neg = |x: &Expr| Expr::unary(UnOp::Neg, x.clone()).with_origin(x.origin());
        match e.node() {
            ExprNode::Binary(BinOp::Add, l, r) => match (product(l), product(r)) {
                (Some((a, b)), _) => fused(a, b, r.clone()),
                (None, Some((a, b))) => fused(a, b, l.clone()),
                _ => e,
            },
            ExprNode::Binary(BinOp::Sub, l, r) => match (product(l), product(r)) {
                // a * b - c == fma(a, b, -c); c - a * b == fma(-a, b, c): negation is exact.
                (Some((a, b)), _) => fused(a, b, neg(r)),
                (None, Some((a, b))) => fused(neg(&a), b, l.clone()),
                _ => e,
            },
            _ => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    fn v(n: &str) -> Expr {
        Expr::var(n, Type::F32)
    }

    #[test]
    fn products_added_or_subtracted_are_fused() {
        let (a, b, c, d) = (v("a"), v("b"), v("c"), v("d"));
        let t = |e: Expr| contract(&e).to_string();
        assert_eq!(
            t(a.clone().mul(b.clone()).add(c.clone())),
            "a.mul_add(b, c)"
        );
        assert_eq!(
            t(c.clone().add(a.clone().mul(b.clone()))),
            "a.mul_add(b, c)"
        );
        assert_eq!(
            t(a.clone().mul(b.clone()).sub(c.clone())),
            "a.mul_add(b, -c)"
        );
        assert_eq!(
            t(c.clone().sub(a.clone().mul(b.clone()))),
            "(-a).mul_add(b, c)"
        );
        // The left product is fused, the right one stays a product.
        assert_eq!(
            t(a.clone().mul(b.clone()).add(c.clone().mul(d.clone()))),
            "a.mul_add(b, c * d)"
        );
        // Nested: the inner sum is fused first, then the outer one around it.
        assert_eq!(
            t(a.clone()
                .mul(b.clone())
                .add(c.clone())
                .mul(d.clone())
                .add(a.clone())),
            "a.mul_add(b, c).mul_add(d, a)"
        );
    }

    #[test]
    fn integers_and_lone_operations_are_left_alone() {
        let (x, y) = (Expr::var("x", Type::I32), Expr::var("y", Type::I32));
        let e = x.clone().mul(y.clone()).add(x.clone());
        assert!(contract(&e).same_as(&e));
        let f = v("a").add(v("b"));
        assert!(contract(&f).same_as(&f));
    }
}
