//! Fused multiply-add contraction, the opt-in `#[kernel(fma)]`: every floating-point
//! `a * b + c`, `c + a * b`, `a * b - c` and `c - a * b` of the algorithm becomes one
//! `mul_add` (rounded once), as if the user had written it.
//!
//! The rewrite changes the algorithm, not the schedule, so `reference` computes the same fused
//! operations and stays bit-for-bit equal to the scheduled kernel. Where both operands of `+`
//! are products, the left one is fused (`a * b + c * d` is `a.mul_add(b, c * d)`). Products
//! are matched after their own operands are rewritten, innermost first.

use crate::expr::{substitute, BinOp, CallKind, Expr, ExprMutator, ExprNode, Intrinsic, UnOp};
use crate::func::Pipeline;
use std::collections::HashMap;
use std::sync::Arc;

/// The pipeline with its floating-point multiply-adds contracted.
///
/// A *product Func* (a pure definition that is one floating-point product, `ixx(y, x) =
/// ix(y, x) * ix(y, x)`, not an output, without updates) that `scheduled` does not name is
/// inlined wherever it is a product operand of `+` or `-`: `ixx(y, x) + c` becomes
/// `ix(y, x).mul_add(ix(y, x), c)`, as LLVM contracts the inlined Funcs of a Halide pipeline.
/// A Func the schedule names keeps its rounded products (it is computed and stored, or at least
/// scheduled as a Func of its own).
pub fn contract_fma(p: &Pipeline, scheduled: &dyn Fn(&str) -> bool) -> Pipeline {
    let mut p = p.clone();
    let mut own = Contract::default();
    for f in &mut p.funcs {
        f.value = own.mutate(&f.value);
    }
    let mut through = Contract::default();
    for f in &p.funcs {
        if let ExprNode::Binary(BinOp::Mul, a, b) = f.value.node() {
            if f.ty.is_float() && f.updates.is_empty() && !f.is_output() && !scheduled(&f.name) {
                through
                    .products
                    .insert(f.name.clone(), (f.args.clone(), a.clone(), b.clone()));
            }
        }
    }
    for f in &mut p.funcs {
        f.value = through.mutate(&f.value);
        for u in &mut f.updates {
            u.value = through.mutate(&u.value);
            for c in &mut u.predicates {
                *c = through.mutate(c);
            }
        }
    }
    p
}

/// `e` with its floating-point multiply-adds contracted.
pub fn contract(e: &Expr) -> Expr {
    Contract::default().mutate(e)
}

/// A product Func: its pure variables and the two operands of its product.
type Product = (Vec<Arc<str>>, Expr, Expr);

/// The rewrite; `products`: the product Funcs fused through, by name.
#[derive(Default)]
struct Contract {
    products: HashMap<Arc<str>, Product>,
}

impl ExprMutator for Contract {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e = self.mutate_children(e);
        if !e.ty().is_float() {
            return e;
        }
        let product = |x: &Expr| match x.node() {
            ExprNode::Binary(BinOp::Mul, a, b) => Some((a.clone(), b.clone())),
            ExprNode::Call {
                kind: CallKind::Func,
                name,
                args,
            } => {
                let (params, a, b) = self.products.get(name)?;
                let at = |n: &str| {
                    params
                        .iter()
                        .position(|p| &**p == n)
                        .map(|k| args[k].clone())
                };
                Some((substitute(a, &at), substitute(b, &at)))
            }
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

    /// A product Func the schedule leaves inlined is fused where it is added, with its
    /// arguments substituted; a scheduled one, an output and a Func with updates are not.
    #[test]
    fn inlined_product_funcs_are_fused_through() {
        use crate::func::Func;
        use crate::Origin;
        let (y, x) = (Expr::var("y", Type::I32), Expr::var("x", Type::I32));
        let call = |f: &str, a: Vec<Expr>| Expr::call(CallKind::Func, f, a, Type::F32);
        let func = |name: &str, value: Expr, output: Option<usize>| Func {
            name: name.into(),
            args: vec!["y".into(), "x".into()],
            ty: Type::F32,
            value,
            updates: vec![],
            output,
            origin: Origin::NONE,
        };
        let g = |a: Expr, b: Expr| call("g", vec![a, b]);
        let sq = func(
            "sq",
            g(y.clone(), x.clone()).mul(g(y.clone(), x.clone())),
            None,
        );
        let other = func("other", g(x.clone(), y.clone()).mul(v("a")), None);
        let out = func(
            "out",
            call("sq", vec![y.clone().sub(Expr::i32(1)), x.clone()])
                .add(call("other", vec![y.clone(), x.clone()]))
                .sub(call("sq", vec![y.clone(), x.clone().add(Expr::i32(2))])),
            Some(0),
        );
        let p = Pipeline {
            funcs: vec![sq, other, out],
            ..Default::default()
        };
        let c = contract_fma(&p, &|f| f == "other");
        assert_eq!(
            c.funcs[2].value.to_string(),
            "(-g(y, x + 2)).mul_add(g(y, x + 2), g(y - 1, x).mul_add(g(y - 1, x), other(y, x)))"
        );
        // Where nothing names it, `other` is fused too (with its arguments swapped).
        let mut p = p;
        p.funcs[2].value = call("other", vec![y.clone().add(Expr::i32(1)), x.clone()]).add(v("a"));
        let c = contract_fma(&p, &|_| false);
        assert_eq!(c.funcs[2].value.to_string(), "g(x, y + 1).mul_add(a, a)");
        assert_eq!(
            contract_fma(&p, &|f| f == "other").funcs[2]
                .value
                .to_string(),
            "other(y + 1, x) + a"
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
