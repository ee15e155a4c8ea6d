//! `rfactor`: factor a reduction variable out of an associative update into a new Func.
//!
//! `let intm = f.update(k).rfactor(r, u);` rewrites update `k` of `f`,
//! `f(a) = f(a) op e` over the reduction domain `R` (with `op` one of `+`, `-`, `*`, `min`,
//! `max`, or `e1.mul_add(e2, f(a))`), into
//!
//! ```text
//! intm(p.., u) = identity(op)
//! intm(a[r := u], u) = intm(a[r := u], u) op e[r := u]      over R without r
//! f(p..) = f(p..) op' intm(p.., r)                           over r
//! ```
//!
//! where `p..` are the pure variables of `f` and `op'` is `op` (`+` for `-` and `mul_add`).
//! The iterations of `intm`'s update for different `u` are independent, so `u` can be
//! vectorized or parallelized. Rules:
//!
//! 1. `r` is a reduction variable of the update, or a loop made from one by `split` on
//!    `f.update(k)` before the `rfactor` (the split rewrites the domain: `r` becomes
//!    `ro * factor + ri` with a predicate for the last, partial step); no other directive on
//!    `f.update(k)` may come before the `rfactor`;
//! 2. the update has the form above, and `e` does not read `f`;
//! 3. `u` and `intm` are new names;
//! 4. `intm`'s update loops are, as for any update, its pure variables (`f`'s, then `u`)
//!    outside its reduction variables: to vectorize `u`, move it innermost first
//!    (`intm.update(0).reorder(ro, u).vectorize(u, 8)`). Directives written after the
//!    `rfactor` on `f.update(k)` schedule the new update of `f` (its pure variables, then `r`).
//!
//! A predicate from rule 1 bounds the reads of the loop it constrains when that loop is inside
//! the others it names (bounds inference narrows the innermost loop of `ro * f + ri < n`
//! whose coefficient is 1): factoring the inner part `ri` and putting `u` innermost, or
//! factoring the outer part `ro` and keeping `ri` inside `u`, both read exactly the domain.
//!
//! The sum is regrouped: integer results are unchanged (wrapping arithmetic is associative);
//! floating-point results may differ in the last bits, as with any reordered sum.
//! `reference` still computes the algorithm as written.

use crate::directive::{Arg, Diagnostic, Directive};
use halite_core::{
    BinOp, CallKind, Expr, ExprNode, Func, Intrinsic, Pipeline, RVar, Type, Update, Value,
};
use std::sync::Arc;

/// Applies every `rfactor` of `directives` to `p`: the rewritten pipeline and the directives
/// left to schedule it.
pub fn apply(
    p: &Pipeline,
    directives: &[Directive],
) -> Result<(Pipeline, Vec<Directive>), Vec<Diagnostic>> {
    let mut p = p.clone();
    let mut ds: Vec<Directive> = directives.to_vec();
    while let Some(i) = ds
        .iter()
        .position(|d| &*d.name == "rfactor" && d.specialization.is_none())
    {
        let consumed = rfactor_one(&mut p, &ds, i).map_err(|e| vec![e])?;
        // The splits of rule 1 and the rfactor itself are done; the rest schedule the result.
        let mut j = 0;
        ds.retain(|_| {
            j += 1;
            !consumed.contains(&(j - 1))
        });
    }
    if let Some(d) = ds.iter().find(|d| &*d.name == "rfactor") {
        return Err(vec![Diagnostic::new(
            d.name_origin,
            "`rfactor` changes the algorithm, so every version computes it: write it without `specialize`",
        )]);
    }
    Ok((p, ds))
}

/// One `rfactor` (at `ds[i]`); returns the indices of the directives it consumed.
fn rfactor_one(p: &mut Pipeline, ds: &[Directive], i: usize) -> Result<Vec<usize>, Diagnostic> {
    let d = &ds[i];
    let usage = || {
        Diagnostic::new(
            d.name_origin,
            "usage: `let intm = f.update(k).rfactor(r, u);` with `r` a reduction variable of the update and `u` a new variable",
        )
    };
    let (r, ro, u, uo) = match d.args.as_slice() {
        [Arg::Ident(r, ro), Arg::Ident(u, uo)] => (r.clone(), *ro, u.clone(), *uo),
        _ => return Err(usage()),
    };
    let Some(fi) = p.funcs.iter().position(|f| f.name == d.func) else {
        let known: Vec<&str> = p.funcs.iter().map(|f| &*f.name).collect();
        return Err(Diagnostic::new(
            d.func_origin,
            format!(
                "no Func named `{}` to schedule; the kernel defines: {}",
                d.func,
                known.join(", ")
            ),
        ));
    };
    let Some(k) = d.update else {
        return Err(Diagnostic::new(
            d.name_origin,
            format!(
                "`rfactor` applies to an update definition: `{}.update(0).rfactor({r}, {u})`",
                d.func
            ),
        ));
    };
    let f = p.funcs[fi].clone();
    let Some(upd) = f.updates.get(k).cloned() else {
        return Err(Diagnostic::new(
            d.func_origin,
            format!(
                "`{}.update({k})`: `{}` has {} update definition(s)",
                d.func,
                d.func,
                f.updates.len()
            ),
        ));
    };
    // Rule 1: splits of reduction variables written before, on this stage.
    let mut upd = upd;
    let mut consumed = vec![i];
    for (j, e) in ds[..i].iter().enumerate() {
        if e.func != d.func || e.update != Some(k) {
            continue;
        }
        let split = match (&*e.name, e.args.as_slice()) {
            (
                "split",
                [Arg::Ident(v, _), Arg::Ident(o, oo), Arg::Ident(inn, _), Arg::Int(fac, _), rest @ ..],
            ) if *fac > 0
                && (rest.is_empty()
                    || matches!(rest, [Arg::Ident(t, _)] if &**t == "GuardWithIf")) =>
            {
                upd.rvars
                    .iter()
                    .position(|x| x.name == *v)
                    .map(|at| (at, v, *oo, o, inn, *fac))
            }
            _ => None,
        };
        let Some((at, v, oo, o, inn, fac)) = split else {
            return Err(Diagnostic::new(
                e.name_origin,
                format!("before `rfactor`, `{}.update({k})` may only split its reduction variables (to make the one to factor); write this directive after the `rfactor`", d.func),
            ));
        };
        if o == inn || f.args.contains(o) || f.args.contains(inn) {
            return Err(Diagnostic::new(
                oo,
                format!("the split of `{v}` needs two new, distinct loop names: `split({v}, {v}o, {v}i, {fac})`"),
            ));
        }
        upd = split_rvar(&upd, at, o, inn, fac);
        consumed.push(j);
    }
    // Rule 2: the shape of the update.
    let Some(ri) = upd.rvars.iter().position(|x| x.name == r) else {
        let names: Vec<&str> = upd.rvars.iter().map(|x| &*x.name).collect();
        return Err(Diagnostic::new(
            ro,
            format!("`{r}` is not a reduction variable of `{}.update({k})` (it has: {}); split one first to factor part of it", d.func, names.join(", ")),
        ));
    };
    let self_call = Expr::call(CallKind::Func, f.name.clone(), upd.args.clone(), f.ty);
    let Some((op, e, merge)) = associative_form(&upd.value, &self_call) else {
        return Err(Diagnostic::new(
            d.name_origin,
            format!("`rfactor` needs an update of the form `{0}(..) = {0}(..) op e` with `op` one of `+`, `-`, `*`, `min`, `max` (or `e1.mul_add(e2, {0}(..))`), where `e` does not read `{0}`", f.name),
        ));
    };
    if f.ty == Type::Bool {
        return Err(Diagnostic::new(
            d.name_origin,
            "`rfactor` needs a numeric Func",
        ));
    }
    // Rule 3: fresh names.
    let (intm, io) = d
        .binding
        .clone()
        .unwrap_or_else(|| (format!("{}_intm{k}", f.name).into(), d.name_origin));
    let taken = |n: &str| {
        p.funcs.iter().any(|g| &*g.name == n)
            || p.inputs.iter().any(|g| &*g.name == n)
            || p.params.iter().any(|g| &*g.name == n)
    };
    for (name, o) in [(&intm, io), (&u, uo)] {
        if halite_core::func::is_reserved(name) {
            return Err(Diagnostic::new(o, halite_core::func::RESERVED_NAME));
        }
    }
    if taken(&intm) {
        return Err(Diagnostic::new(io, format!("`{intm}` already names a Func, input or parameter: pick a new name for the intermediate")));
    }
    if f.args.contains(&u) || upd.rvars.iter().any(|x| x.name == u) {
        return Err(Diagnostic::new(
            uo,
            format!(
                "`{u}` is already a variable of `{}`: the factored variable needs a new name",
                f.name
            ),
        ));
    }
    let rvar = upd.rvars[ri].clone();
    let uvar = Expr::var(u.clone(), Type::I32);
    let sub = |x: &Expr| halite_core::expr::substitute_var(x, &r, &uvar);
    // intm(p.., u) = identity
    let mut intm_args = f.args.clone();
    intm_args.push(u.clone());
    let mut call_args: Vec<Expr> = upd.args.iter().map(sub).collect();
    call_args.push(uvar.clone());
    let intm_self = Expr::call(CallKind::Func, intm.clone(), call_args.clone(), f.ty);
    let value = op.rebuild(intm_self, sub(&e));
    let intm_func = Func {
        name: intm.clone(),
        args: intm_args,
        ty: f.ty,
        value: Expr::constant(op.identity(f.ty)).with_origin(upd.origin),
        updates: vec![Update {
            args: call_args,
            value,
            rvars: upd.rvars.iter().filter(|x| x.name != r).cloned().collect(),
            predicates: upd.predicates.iter().map(sub).collect(),
            origin: upd.origin,
        }],
        output: None,
        origin: upd.origin,
    };
    // f(p..) = f(p..) op' intm(p.., r) over r.
    let pure: Vec<Expr> = f
        .args
        .iter()
        .map(|a| Expr::var(a.clone(), Type::I32))
        .collect();
    let mut read = pure.clone();
    read.push(Expr::var(r.clone(), Type::I32));
    let merged = Update {
        args: pure.clone(),
        value: merge.rebuild(
            Expr::call(CallKind::Func, f.name.clone(), pure, f.ty),
            Expr::call(CallKind::Func, intm.clone(), read, f.ty),
        ),
        rvars: vec![rvar],
        predicates: vec![],
        origin: upd.origin,
    };
    p.funcs[fi].updates[k] = merged;
    p.funcs.insert(fi, intm_func);
    Ok(consumed)
}

/// Splits reduction variable `at` of `u` into `o` (outer) and `i` (inner, `factor` steps):
/// the same points in the same order, with a predicate when the factor may not divide.
fn split_rvar(u: &Update, at: usize, o: &Arc<str>, i: &Arc<str>, factor: i64) -> Update {
    let r = &u.rvars[at];
    let f = Expr::i32(factor as i32);
    let (ov, iv) = (
        Expr::var(o.clone(), Type::I32),
        Expr::var(i.clone(), Type::I32),
    );
    let offset = ov.clone().mul(f.clone()).add(iv.clone());
    let point = halite_core::simplify(&r.min.clone().add(offset.clone()));
    let sub = |x: &Expr| halite_core::expr::substitute_var(x, &r.name, &point);
    let outer_extent = halite_core::simplify(
        &r.extent
            .clone()
            .add(Expr::i32(factor as i32 - 1))
            .div(f.clone()),
    );
    let mut rvars = u.rvars.clone();
    rvars.splice(
        at..=at,
        [
            RVar {
                name: o.clone(),
                min: Expr::i32(0),
                extent: outer_extent,
            },
            RVar {
                name: i.clone(),
                min: Expr::i32(0),
                extent: f.clone(),
            },
        ],
    );
    // The step inside the domain comes first: the update's own predicates are tested only
    // there (they may read at the point, `a(r) > t`).
    let mut predicates: Vec<Expr> = Vec::new();
    let divides = r.extent.as_int().is_some_and(|e| e % factor == 0);
    if !divides {
        predicates.push(offset.lt(r.extent.clone()));
    }
    predicates.extend(u.predicates.iter().map(sub));
    Update {
        args: u.args.iter().map(sub).collect(),
        value: sub(&u.value),
        rvars,
        predicates,
        origin: u.origin,
    }
}

/// An associative combining operation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Bin(BinOp),
    /// `e1.mul_add(e2, acc)`: `e` is the pair.
    MulAdd,
}

impl Op {
    /// `acc op e`.
    fn rebuild(self, acc: Expr, e: Expr) -> Expr {
        match self {
            Op::Bin(op) => Expr::binary(op, acc, e),
            Op::MulAdd => match e.node() {
                ExprNode::Intrinsic(Intrinsic::MulAdd, a) => {
                    Expr::intrinsic(Intrinsic::MulAdd, vec![a[0].clone(), a[1].clone(), acc])
                }
                _ => unreachable!("a mul_add keeps its factors in a mul_add node"),
            },
        }
    }

    /// The value `x` with `x op e == e` (for `-`: `x - e` starts from 0 as well).
    fn identity(self, t: Type) -> Value {
        let num = |v: f64| {
            if t.is_float() {
                Value::from_f64(t, v).expect("a float type")
            } else {
                Value::from_i64(t, v as i64)
            }
        };
        match self {
            Op::Bin(BinOp::Mul) => num(1.0),
            Op::Bin(BinOp::Max) => match t.int_range() {
                Some((lo, _)) if !t.is_float() => Value::from_i64(t, lo as i64),
                _ => num(f64::NEG_INFINITY),
            },
            Op::Bin(BinOp::Min) => match t.int_range() {
                Some((_, hi)) if !t.is_float() => Value::from_i64(t, hi as i64),
                _ => num(f64::INFINITY),
            },
            _ => num(0.0),
        }
    }
}

/// Whether update `u` of `f` has the form `rfactor` takes (`f(args) = f(args) op e`).
pub(crate) fn factorable(f: &halite_core::Func, u: &Update) -> bool {
    let self_call = Expr::call(CallKind::Func, f.name.clone(), u.args.clone(), f.ty);
    f.ty != Type::Bool && associative_form(&u.value, &self_call).is_some()
}

/// Matches `value` against `acc op e` (or `e op acc` for commutative ops): the operation of
/// the intermediate, `e`, and the operation that merges the intermediate into the Func.
fn associative_form(value: &Expr, acc: &Expr) -> Option<(Op, Expr, Op)> {
    let reads_acc = |e: &Expr| {
        let ExprNode::Call { name, .. } = acc.node() else {
            return true;
        };
        let mut found = false;
        e.visit(&mut |x| {
            if let ExprNode::Call { name: n, .. } = x.node() {
                found |= n == name;
            }
        });
        found
    };
    let (op, e, merge) = match value.node() {
        ExprNode::Binary(op @ (BinOp::Add | BinOp::Mul | BinOp::Min | BinOp::Max), a, b) => {
            if a == acc {
                (Op::Bin(*op), b.clone(), Op::Bin(*op))
            } else if b == acc {
                (Op::Bin(*op), a.clone(), Op::Bin(*op))
            } else {
                return None;
            }
        }
        ExprNode::Binary(BinOp::Sub, a, b) if a == acc => {
            (Op::Bin(BinOp::Sub), b.clone(), Op::Bin(BinOp::Add))
        }
        ExprNode::Intrinsic(Intrinsic::MulAdd, args) if args[2] == *acc => {
            let pair = Expr::intrinsic(
                Intrinsic::MulAdd,
                vec![
                    args[0].clone(),
                    args[1].clone(),
                    Expr::constant(Value::zero(acc.ty())),
                ],
            );
            if reads_acc(&args[0]) || reads_acc(&args[1]) {
                return None;
            }
            return Some((Op::MulAdd, pair, Op::Bin(BinOp::Add)));
        }
        _ => return None,
    };
    if reads_acc(&e) {
        return None;
    }
    Some((op, e, merge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::Origin;

    /// `s(y) += a(y, r)` with `r` split by 4 and the inner part factored out.
    #[test]
    fn factors_a_split_row_sum() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let s_call = Expr::call(CallKind::Func, "s", vec![v("y")], Type::I32);
        let a_call = Expr::call(CallKind::Input, "a", vec![v("y"), v("r")], Type::I32);
        let p = Pipeline {
            name: "k".into(),
            params: vec![],
            inputs: vec![halite_core::Input {
                name: "a".into(),
                ty: Type::I32,
                dims: 2,
            }],
            funcs: vec![Func {
                name: "s".into(),
                args: vec!["y".into()],
                ty: Type::I32,
                value: Expr::i32(0),
                updates: vec![Update {
                    args: vec![v("y")],
                    value: s_call.add(a_call),
                    rvars: vec![RVar {
                        name: "r".into(),
                        min: Expr::i32(0),
                        extent: v("a.extent.1"),
                    }],
                    predicates: vec![],
                    origin: Origin::NONE,
                }],
                output: Some(0),
                origin: Origin::NONE,
            }],
        };
        let d = |name: &str, args: Vec<Arg>, binding: Option<&str>| Directive {
            update: Some(0),
            binding: binding.map(|b| (b.into(), Origin::NONE)),
            ..Directive::new("s", name, args)
        };
        let id = |n: &str| Arg::Ident(n.into(), Origin::NONE);
        let ds = vec![
            d(
                "split",
                vec![id("r"), id("ro"), id("ri"), Arg::Int(4, Origin::NONE)],
                None,
            ),
            d("rfactor", vec![id("ri"), id("u")], Some("intm")),
            d("vectorize", vec![id("y"), Arg::Int(8, Origin::NONE)], None),
        ];
        let (q, rest) = apply(&p, &ds).unwrap();
        let intm = q.func("intm").unwrap();
        assert_eq!(&*intm.args, &["y".into(), "u".into()] as &[Arc<str>]);
        let iu = &intm.updates[0];
        assert_eq!(iu.rvars.len(), 1);
        assert_eq!(&*iu.rvars[0].name, "ro");
        assert_eq!(iu.predicates.len(), 1);
        assert_eq!(iu.predicates[0].to_string(), "ro * 4 + u < a.extent.1");
        assert_eq!(iu.value.to_string(), "intm(y, u) + a(y, ro * 4 + u)");
        let s = q.func("s").unwrap();
        assert_eq!(&*s.updates[0].rvars[0].name, "ri");
        assert_eq!(s.updates[0].value.to_string(), "s(y) + intm(y, ri)");
        // The intermediate comes before its consumer.
        assert_eq!(&*q.funcs[0].name, "intm");
        // The split and the rfactor are consumed.
        let names: Vec<String> = rest
            .iter()
            .map(|d| format!("{}.{}", d.func, d.name))
            .collect();
        assert_eq!(names, ["s.vectorize"]);
    }
}
