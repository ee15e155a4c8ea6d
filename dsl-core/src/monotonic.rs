//! How an integer expression moves when one variable grows: the analysis behind sliding
//! windows (a Func's region along a serial loop must only move forward for the rows computed
//! by earlier iterations to be reusable).
//!
//! [`monotonic`] is conservative: `Increasing` means "never decreases" (it may stay the same),
//! and anything it cannot see through is [`Monotonic::Unknown`]. Arithmetic is taken as
//! mathematical (no wrapping): it is applied to index expressions, which the kernel's entry
//! guards keep from overflowing.

use crate::expr::{BinOp, Expr, ExprNode, Intrinsic, UnOp};

/// The direction of an expression as its variable grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monotonic {
    /// Does not depend on the variable.
    Constant,
    /// Never decreases as the variable grows.
    Increasing,
    /// Never increases as the variable grows.
    Decreasing,
    Unknown,
}

use Monotonic::*;

impl Monotonic {
    fn flip(self) -> Monotonic {
        match self {
            Increasing => Decreasing,
            Decreasing => Increasing,
            m => m,
        }
    }

    /// The direction of `a + b` (also of `min`/`max` and the arms of a fixed `select`).
    fn join(self, other: Monotonic) -> Monotonic {
        match (self, other) {
            (Constant, m) | (m, Constant) => m,
            (a, b) if a == b => a,
            _ => Unknown,
        }
    }
}

/// The direction of `e` as the variable grows. `var` says how each free variable moves (`None`
/// for one that does not depend on the variable, such as an outer loop or a parameter); the
/// variable itself is `Some(Increasing)`.
pub fn monotonic(e: &Expr, var: &dyn Fn(&str) -> Option<Monotonic>) -> Monotonic {
    let m = |x: &Expr| monotonic(x, var);
    match e.node() {
        ExprNode::Const(_) => Constant,
        ExprNode::Var(n) => var(n).unwrap_or(Constant),
        ExprNode::Cast(a) => {
            let inner = m(a);
            // Integer widening and narrowing (of values that fit, see the module doc) keep the
            // order; a cast from or to anything else only keeps constancy.
            if inner == Constant || (e.ty().is_int() && a.ty().is_int()) {
                inner
            } else {
                Unknown
            }
        }
        ExprNode::Unary(UnOp::Neg, a) => m(a).flip(),
        ExprNode::Binary(op, a, b) => {
            let (ma, mb) = (m(a), m(b));
            match op {
                BinOp::Add | BinOp::Min | BinOp::Max => ma.join(mb),
                BinOp::Sub => ma.join(mb.flip()),
                BinOp::Mul => match (ma, mb, a.as_int(), b.as_int()) {
                    (_, Constant, _, Some(c)) => scale(ma, c),
                    (Constant, _, Some(c), _) => scale(mb, c),
                    (Constant, Constant, ..) => Constant,
                    _ => Unknown,
                },
                // Division (towards zero) by a positive constant keeps the order.
                BinOp::Div => match (mb, b.as_int()) {
                    (_, Some(c)) if c > 0 => ma,
                    (Constant, _) if ma == Constant => Constant,
                    _ => Unknown,
                },
                _ if ma == Constant && mb == Constant => Constant,
                _ => Unknown,
            }
        }
        ExprNode::Select(c, t, f) => match m(c) {
            Constant => m(t).join(m(f)),
            _ => Unknown,
        },
        ExprNode::Intrinsic(op, args) => {
            let ms: Vec<Monotonic> = args.iter().map(m).collect();
            match op {
                // `x.clamp(lo, hi)` is `max(x, lo).min(hi)`.
                Intrinsic::Clamp => ms.into_iter().fold(Constant, Monotonic::join),
                Intrinsic::DivEuclid => match (ms[1], args[1].as_int()) {
                    (_, Some(c)) if c > 0 => ms[0],
                    _ if ms.iter().all(|&x| x == Constant) => Constant,
                    _ => Unknown,
                },
                _ if ms.iter().all(|&x| x == Constant) => Constant,
                _ => Unknown,
            }
        }
        _ => {
            let mut any = false;
            for c in e.children() {
                any |= m(c) != Constant;
            }
            if any {
                Unknown
            } else {
                Constant
            }
        }
    }
}

fn scale(m: Monotonic, c: i64) -> Monotonic {
    match c {
        0 => Constant,
        c if c > 0 => m,
        _ => m.flip(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    fn of(e: &Expr) -> Monotonic {
        monotonic(e, &|n| match n {
            "y" => Some(Increasing),
            "d" => Some(Decreasing),
            _ => None,
        })
    }

    #[test]
    fn directions() {
        let y = Expr::var("y", Type::I32);
        let n = Expr::var("n", Type::I32);
        let d = Expr::var("d", Type::I32);
        assert_eq!(of(&n.clone().add(Expr::i32(3))), Constant);
        assert_eq!(of(&y.clone().mul(Expr::i32(32)).add(n.clone())), Increasing);
        assert_eq!(of(&y.clone().mul(Expr::i32(-2))), Decreasing);
        assert_eq!(of(&y.clone().sub(d.clone())), Increasing);
        assert_eq!(of(&y.clone().add(d.clone())), Unknown);
        assert_eq!(of(&y.clone().mul(n.clone())), Unknown);
        assert_eq!(of(&y.clone().div(Expr::i32(2)).min(n.clone())), Increasing);
        assert_eq!(of(&y.clone().div(n.clone())), Unknown);
        let c = Expr::i32(0).lt(n.clone());
        assert_eq!(
            of(&Expr::select(c, y.clone().sub(Expr::i32(3)), y.clone())),
            Increasing
        );
        let c = Expr::i32(0).lt(y.clone());
        assert_eq!(of(&Expr::select(c, y.clone(), n.clone())), Unknown);
        assert_eq!(
            of(&Expr::cast(Type::I64, y.clone()).add(Expr::i64(1))),
            Increasing
        );
        assert_eq!(of(&Expr::cast(Type::F32, y.clone())), Unknown);
        let clamp = Expr::intrinsic(Intrinsic::Clamp, vec![y.clone(), Expr::i32(0), n.clone()]);
        assert_eq!(of(&clamp), Increasing);
        assert_eq!(
            of(&Expr::unary(UnOp::Neg, y.clone()).max(Expr::i32(0))),
            Decreasing
        );
    }
}
