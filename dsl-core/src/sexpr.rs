//! A compact, exact text form of a [`Pipeline`], so that the macro can embed the algorithm in
//! the generated code (as a string) and `NAME::reference` can interpret it at run time.
//!
//! ```text
//! (pipeline NAME (params (gain f32)) (inputs (input u16 2))
//!   (func blur_x u16 - (y x) EXPR) (func out u16 0 (y x) EXPR UPDATE..))
//! UPDATE := (update (EXPR..) EXPR (rvars (NAME EXPR EXPR)..) (where EXPR..))
//! EXPR := (c TYPE BITS) | (v TYPE NAME) | (cast TYPE E) | (neg E) | (not E) | (OP E E)
//!       | (select E E E) | (m METHOD E..) | (in TYPE NAME E..) | (f TYPE NAME E..)
//!       | (let NAME E E)
//! ```
//! Constants are written as their type and raw bits, so floats round-trip exactly.

use crate::expr::{BinOp, CallKind, Expr, ExprNode, Intrinsic, UnOp};
use crate::func::{Func, Input, Param, Pipeline, RVar, Update};
use crate::types::Type;
use crate::value::Value;
use std::fmt::Write;
use std::sync::Arc;

fn op_name(op: BinOp) -> String {
    format!("{op:?}").to_lowercase()
}

fn write_expr(out: &mut String, e: &Expr) {
    match e.node() {
        ExprNode::Const(v) => {
            let _ = write!(out, "(c {} {:x})", v.ty(), v.bits());
        }
        ExprNode::Var(n) => {
            let _ = write!(out, "(v {} {n})", e.ty());
        }
        ExprNode::Cast(a) => {
            let _ = write!(out, "(cast {} ", e.ty());
            write_expr(out, a);
            out.push(')');
        }
        ExprNode::Unary(op, a) => {
            out.push_str(if *op == UnOp::Neg { "(neg " } else { "(not " });
            write_expr(out, a);
            out.push(')');
        }
        ExprNode::Binary(op, a, b) => {
            let _ = write!(out, "({} ", op_name(*op));
            write_expr(out, a);
            out.push(' ');
            write_expr(out, b);
            out.push(')');
        }
        ExprNode::Select(c, t, f) => {
            out.push_str("(select");
            for x in [c, t, f] {
                out.push(' ');
                write_expr(out, x);
            }
            out.push(')');
        }
        ExprNode::Intrinsic(op, args) => {
            let _ = write!(out, "(m {}", op.name());
            for a in args {
                out.push(' ');
                write_expr(out, a);
            }
            out.push(')');
        }
        ExprNode::Call { kind, name, args } => {
            let k = if *kind == CallKind::Input { "in" } else { "f" };
            let _ = write!(out, "({k} {} {name}", e.ty());
            for a in args {
                out.push(' ');
                write_expr(out, a);
            }
            out.push(')');
        }
        ExprNode::Let(n, v, b) => {
            let _ = write!(out, "(let {n} ");
            write_expr(out, v);
            out.push(' ');
            write_expr(out, b);
            out.push(')');
        }
    }
}

/// Writes a pipeline in the text form.
pub fn to_string(p: &Pipeline) -> String {
    let mut s = format!("(pipeline {} (params", p.name);
    for prm in &p.params {
        let _ = write!(s, " ({} {})", prm.name, prm.ty);
    }
    s.push_str(") (inputs");
    for i in &p.inputs {
        let _ = write!(s, " ({} {} {})", i.name, i.ty, i.dims);
    }
    s.push(')');
    for f in &p.funcs {
        let out = f.output.map_or("-".to_string(), |k| k.to_string());
        let _ = write!(s, " (func {} {} {out} (", f.name, f.ty);
        s.push_str(
            &f.args
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
        s.push_str(") ");
        write_expr(&mut s, &f.value);
        for u in &f.updates {
            s.push_str(" (update (");
            for (i, a) in u.args.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                write_expr(&mut s, a);
            }
            s.push_str(") ");
            write_expr(&mut s, &u.value);
            s.push_str(" (rvars");
            for r in &u.rvars {
                let _ = write!(s, " ({} ", r.name);
                write_expr(&mut s, &r.min);
                s.push(' ');
                write_expr(&mut s, &r.extent);
                s.push(')');
            }
            s.push_str(") (where");
            for c in &u.predicates {
                s.push(' ');
                write_expr(&mut s, c);
            }
            s.push_str("))");
        }
        s.push(')');
    }
    s.push(')');
    s
}

/// A parsed s-expression.
#[derive(Debug)]
enum Sx {
    Atom(String),
    List(Vec<Sx>),
}

fn parse_sx(text: &str) -> Result<Sx, String> {
    let mut stack: Vec<Vec<Sx>> = vec![vec![]];
    let mut atom = String::new();
    let flush = |atom: &mut String, stack: &mut Vec<Vec<Sx>>| {
        if !atom.is_empty() {
            stack
                .last_mut()
                .unwrap()
                .push(Sx::Atom(std::mem::take(atom)));
        }
    };
    for ch in text.chars() {
        match ch {
            '(' => {
                flush(&mut atom, &mut stack);
                stack.push(vec![]);
            }
            ')' => {
                flush(&mut atom, &mut stack);
                let list = stack.pop().ok_or("unbalanced `)`")?;
                stack
                    .last_mut()
                    .ok_or("unbalanced `)`")?
                    .push(Sx::List(list));
            }
            c if c.is_whitespace() => flush(&mut atom, &mut stack),
            c => atom.push(c),
        }
    }
    let mut top = stack.pop().ok_or("empty")?;
    if !stack.is_empty() || top.len() != 1 {
        return Err("unbalanced s-expression".into());
    }
    Ok(top.remove(0))
}

impl Sx {
    fn atom(&self) -> Result<&str, String> {
        match self {
            Sx::Atom(a) => Ok(a),
            Sx::List(_) => Err("expected an atom".into()),
        }
    }
    fn list(&self) -> Result<&[Sx], String> {
        match self {
            Sx::List(l) => Ok(l),
            Sx::Atom(a) => Err(format!("expected a list, found `{a}`")),
        }
    }
}

fn ty(s: &Sx) -> Result<Type, String> {
    let a = s.atom()?;
    Type::from_name(a).ok_or_else(|| format!("unknown type `{a}`"))
}

fn value_from_bits(t: Type, bits: u64) -> Value {
    use half::{bf16, f16};
    match t {
        Type::Bool => Value::Bool(bits != 0),
        Type::U8 => Value::U8(bits as u8),
        Type::U16 => Value::U16(bits as u16),
        Type::U32 => Value::U32(bits as u32),
        Type::U64 => Value::U64(bits),
        Type::I8 => Value::I8(bits as u8 as i8),
        Type::I16 => Value::I16(bits as u16 as i16),
        Type::I32 => Value::I32(bits as u32 as i32),
        Type::I64 => Value::I64(bits as i64),
        Type::F16 => Value::F16(f16::from_bits(bits as u16)),
        Type::BF16 => Value::BF16(bf16::from_bits(bits as u16)),
        Type::F32 => Value::F32(f32::from_bits(bits as u32)),
        Type::F64 => Value::F64(f64::from_bits(bits)),
    }
}

fn read_expr(s: &Sx) -> Result<Expr, String> {
    let l = s.list()?;
    let head = l.first().ok_or("empty expression")?.atom()?;
    let args =
        |from: usize| -> Result<Vec<Expr>, String> { l[from..].iter().map(read_expr).collect() };
    let arg = |i: usize| -> Result<Expr, String> { read_expr(l.get(i).ok_or("missing operand")?) };
    Ok(match head {
        "c" => {
            let t = ty(&l[1])?;
            let bits = u64::from_str_radix(l[2].atom()?, 16).map_err(|e| e.to_string())?;
            Expr::constant(value_from_bits(t, bits))
        }
        "v" => Expr::var(l[2].atom()?, ty(&l[1])?),
        "cast" => Expr::cast(ty(&l[1])?, arg(2)?),
        "neg" => Expr::unary(UnOp::Neg, arg(1)?),
        "not" => Expr::unary(UnOp::Not, arg(1)?),
        "select" => Expr::select(arg(1)?, arg(2)?, arg(3)?),
        "m" => {
            let name = l[1].atom()?;
            let op =
                Intrinsic::from_name(name).ok_or_else(|| format!("unknown method `{name}`"))?;
            Expr::intrinsic(op, args(2)?)
        }
        "in" | "f" => {
            let kind = if head == "in" {
                CallKind::Input
            } else {
                CallKind::Func
            };
            Expr::call(kind, l[2].atom()?, args(3)?, ty(&l[1])?)
        }
        "let" => Expr::let_in(l[1].atom()?, arg(2)?, arg(3)?),
        op => {
            let op = BinOp::ALL
                .into_iter()
                .find(|b| op_name(*b) == op)
                .ok_or_else(|| format!("unknown operator `{op}`"))?;
            Expr::binary(op, arg(1)?, arg(2)?)
        }
    })
}

fn read_update(s: &Sx) -> Result<Update, String> {
    let l = s.list()?;
    if l.len() != 5 || l[0].atom()? != "update" {
        return Err("expected `(update ..)`".into());
    }
    let rl = l[3].list()?;
    let wl = l[4].list()?;
    Ok(Update {
        args: l[1]
            .list()?
            .iter()
            .map(read_expr)
            .collect::<Result<_, _>>()?,
        value: read_expr(&l[2])?,
        rvars: rl[1..]
            .iter()
            .map(|r| {
                let r = r.list()?;
                Ok(RVar {
                    name: r[0].atom()?.into(),
                    min: read_expr(&r[1])?,
                    extent: read_expr(&r[2])?,
                })
            })
            .collect::<Result<_, String>>()?,
        predicates: wl[1..].iter().map(read_expr).collect::<Result<_, _>>()?,
        origin: crate::expr::Origin::NONE,
    })
}

/// Reads a pipeline back from its text form.
pub fn from_str(text: &str) -> Result<Pipeline, String> {
    let sx = parse_sx(text)?;
    let l = sx.list()?;
    if l.first().map(|a| a.atom()) != Some(Ok("pipeline")) || l.len() < 4 {
        return Err("expected `(pipeline ..)`".into());
    }
    let mut p = Pipeline {
        name: l[1].atom()?.to_string(),
        ..Pipeline::default()
    };
    for prm in &l[2].list()?[1..] {
        let pl = prm.list()?;
        p.params.push(Param {
            name: pl[0].atom()?.into(),
            ty: ty(&pl[1])?,
        });
    }
    for inp in &l[3].list()?[1..] {
        let il = inp.list()?;
        p.inputs.push(Input {
            name: il[0].atom()?.into(),
            ty: ty(&il[1])?,
            dims: il[2].atom()?.parse().map_err(|_| "bad rank")?,
        });
    }
    for f in &l[4..] {
        let fl = f.list()?;
        if fl.len() < 6 || fl[0].atom()? != "func" {
            return Err("expected `(func ..)`".into());
        }
        let out = fl[3].atom()?;
        p.funcs.push(Func {
            name: fl[1].atom()?.into(),
            ty: ty(&fl[2])?,
            output: if out == "-" {
                None
            } else {
                Some(out.parse().map_err(|_| "bad output index")?)
            },
            args: fl[4]
                .list()?
                .iter()
                .map(|a| a.atom().map(Arc::<str>::from))
                .collect::<Result<_, _>>()?,
            value: read_expr(&fl[5])?,
            updates: fl[6..].iter().map(read_update).collect::<Result<_, _>>()?,
            origin: crate::expr::Origin::NONE,
        });
    }
    Ok(p)
}
