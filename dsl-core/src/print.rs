//! Human-readable printing of expressions (Rust-like infix syntax).

use crate::expr::{BinOp, Expr, ExprNode, UnOp};
use std::fmt;

fn prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
        BinOp::BitOr => 4,
        BinOp::BitXor => 5,
        BinOp::BitAnd => 6,
        BinOp::Shl | BinOp::Shr => 7,
        BinOp::Add | BinOp::Sub => 8,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 9,
        BinOp::Min | BinOp::Max => 11,
    }
}

fn write_prec(f: &mut fmt::Formatter<'_>, e: &Expr, min_prec: u8) -> fmt::Result {
    match e.node() {
        ExprNode::Const(v) => write!(f, "{v}"),
        ExprNode::Var(n) => write!(f, "{n}"),
        ExprNode::Cast(a) => {
            if min_prec > 10 {
                write!(f, "(")?;
            }
            write_prec(f, a, 10)?;
            write!(f, " as {}", e.ty())?;
            if min_prec > 10 {
                write!(f, ")")?;
            }
            Ok(())
        }
        ExprNode::Unary(op, a) => {
            // A method's receiver binds tighter than a prefix operator: `(-a).abs()`.
            if min_prec > 12 {
                write!(f, "(")?;
            }
            write!(f, "{}", if *op == UnOp::Neg { "-" } else { "!" })?;
            write_prec(f, a, 12)?;
            if min_prec > 12 {
                write!(f, ")")?;
            }
            Ok(())
        }
        ExprNode::Binary(op @ (BinOp::Min | BinOp::Max), a, b) => {
            write!(f, "{}(", op.symbol())?;
            write_prec(f, a, 0)?;
            write!(f, ", ")?;
            write_prec(f, b, 0)?;
            write!(f, ")")
        }
        ExprNode::Binary(op, a, b) => {
            let p = prec(*op);
            if p < min_prec {
                write!(f, "(")?;
            }
            write_prec(f, a, p)?;
            write!(f, " {} ", op.symbol())?;
            write_prec(f, b, p + 1)?;
            if p < min_prec {
                write!(f, ")")?;
            }
            Ok(())
        }
        ExprNode::Select(c, t, e2) => {
            write!(f, "select(")?;
            write_prec(f, c, 0)?;
            write!(f, ", ")?;
            write_prec(f, t, 0)?;
            write!(f, ", ")?;
            write_prec(f, e2, 0)?;
            write!(f, ")")
        }
        ExprNode::Intrinsic(op, args) => {
            write_prec(f, &args[0], 13)?;
            write!(f, ".{}(", op.name())?;
            for (i, a) in args[1..].iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_prec(f, a, 0)?;
            }
            write!(f, ")")
        }
        ExprNode::Call { name, args, .. } => {
            write!(f, "{name}(")?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_prec(f, a, 0)?;
            }
            write!(f, ")")
        }
        ExprNode::Let(n, v, b) => {
            write!(f, "(let {n} = ")?;
            write_prec(f, v, 0)?;
            write!(f, " in ")?;
            write_prec(f, b, 0)?;
            write!(f, ")")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_prec(f, self, 0)
    }
}
