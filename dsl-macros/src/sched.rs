//! Reads a `schedule! { .. }` block into directives. Interpretation and checks are the
//! schedule crate's (`halite_schedule::Schedule::from_directives`).

use crate::front::Front;
use halite_codegen::isa;
use halite_schedule::{Arg, Directive};
use proc_macro2::TokenStream;
use syn::parse::Parser;

/// Parses the tokens inside `schedule! { .. }`; `front` types the conditions of `specialize`.
/// Each directive comes with the set of instruction sets whose schedule it belongs to
/// (`halite_codegen::isa` bits): all of them, or those of the `if isa(..)` branch it is in.
pub fn parse(tokens: TokenStream, front: &mut Front) -> Vec<(Directive, u8)> {
    let stmts = match syn::Block::parse_within.parse2(tokens) {
        Ok(s) => s,
        Err(e) => {
            front.errors.push(syn::Error::new(
                e.span(),
                format!("{e}: a schedule is a list of `func.directive(args);` statements"),
            ));
            return vec![];
        }
    };
    let mut out = Vec::new();
    statements(&stmts, isa::ALL, front, &mut out);
    out
}

/// The statements of the block or of one `if isa(..)` branch (`set`: its instruction sets).
fn statements(stmts: &[syn::Stmt], set: u8, front: &mut Front, out: &mut Vec<(Directive, u8)>) {
    for s in stmts {
        let mut ds = Vec::new();
        match s {
            syn::Stmt::Expr(syn::Expr::If(i), _) if set == isa::ALL => {
                branches(i, 0, front, out);
            }
            syn::Stmt::Expr(syn::Expr::If(i), _) => front.errors.spanned(
                &i.if_token,
                "an `if isa(..)` branch cannot hold another: name the instruction sets of each case in one `if isa(..) { .. } else if isa(..) { .. }` chain",
            ),
            syn::Stmt::Expr(e, _) => chain(e, front, &mut ds),
            syn::Stmt::Local(l) => local(l, front, &mut ds),
            other => front.errors.spanned(
                other,
                "a schedule holds `func.directive(args);` statements (and `if isa(..) { .. } else { .. }` branches)",
            ),
        }
        out.extend(ds.into_iter().map(|d| (d, set)));
    }
}

/// `if isa(a, b) { .. } else if isa(c) { .. } else { .. }`: each branch's directives are the
/// schedule of the instruction sets it names (and that no earlier branch took); `else` takes
/// the rest. `taken`: the sets of the branches before this one.
fn branches(i: &syn::ExprIf, taken: u8, front: &mut Front, out: &mut Vec<(Directive, u8)>) {
    let Some(named) = isa_condition(&i.cond, front) else {
        return;
    };
    let set = named & !taken;
    if set == 0 {
        front.errors.spanned(
            &i.cond,
            "every instruction set this branch names is taken by an earlier branch, so it never runs",
        );
    }
    statements(&i.then_branch.stmts, set, front, out);
    match i.else_branch.as_ref().map(|(_, e)| &**e) {
        Some(syn::Expr::If(next)) => branches(next, taken | named, front, out),
        Some(syn::Expr::Block(b)) => {
            let rest = isa::ALL & !(taken | named);
            if rest == 0 {
                front
                    .errors
                    .spanned(b, "every instruction set is taken by the branches before this `else`, so it never runs");
            }
            statements(&b.block.stmts, rest, front, out);
        }
        _ => {}
    }
}

/// The instruction sets `isa(avx2, sse2)` names; `None` once reported.
fn isa_condition(cond: &syn::Expr, front: &mut Front) -> Option<u8> {
    let names = isa::NAMES.map(|(_, n)| n).join(", ");
    let usage = format!("a schedule branches on the instruction set only: `if isa(avx2) {{ .. }} else {{ .. }}`, with names from {names}");
    let syn::Expr::Call(c) = cond else {
        front.errors.spanned(cond, usage);
        return None;
    };
    if !matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("isa")) || c.args.is_empty() {
        front.errors.spanned(cond, usage);
        return None;
    }
    let mut set = 0;
    for a in &c.args {
        let bit = match a {
            syn::Expr::Path(p) => p.path.get_ident().and_then(|id| isa::bit(&id.to_string())),
            _ => None,
        };
        match bit {
            Some(b) => set |= b,
            None => {
                front
                    .errors
                    .spanned(a, format!("unknown instruction set: the names are {names}"));
                return None;
            }
        }
    }
    Some(set)
}

/// `let intm = f.update(k).rfactor(r, u);`: the chain, with `intm` bound to its rfactor.
fn local(l: &syn::Local, front: &mut Front, out: &mut Vec<Directive>) {
    const USAGE: &str = "`let` in a schedule names the intermediate Func made by `rfactor`: `let intm = f.update(0).rfactor(r, u);`";
    let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) else {
        front.errors.spanned(l, USAGE);
        return;
    };
    let ends_in_rfactor = matches!(&*init.expr, syn::Expr::MethodCall(m) if m.method == "rfactor");
    if !ends_in_rfactor || init.diverge.is_some() || pi.by_ref.is_some() || pi.subpat.is_some() {
        front.errors.spanned(l, USAGE);
        return;
    }
    let n = out.len();
    chain(&init.expr, front, out);
    if let Some(d) = out[n..].iter_mut().rev().find(|d| &*d.name == "rfactor") {
        d.binding = Some((pi.ident.to_string().into(), front.origins.of(&pi.ident)));
    }
}

/// One statement: a chain `f.a(..).b(..)` (with an optional `.update(k)` after `f`, and
/// directives after `.specialize(cond)` scheduling only that specialization).
fn chain(e: &syn::Expr, front: &mut Front, out: &mut Vec<Directive>) {
    let mut calls = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            syn::Expr::MethodCall(m) => {
                calls.push(m);
                cur = &m.receiver;
            }
            syn::Expr::Path(p) if p.path.get_ident().is_some() => break,
            syn::Expr::Paren(p) => cur = &p.expr,
            other => {
                front.errors.spanned(
                    other,
                    "expected a Func name followed by directives, e.g. `blur_x.compute_root()`",
                );
                return;
            }
        }
    }
    let syn::Expr::Path(base) = cur else { return };
    let func_ident = base.path.get_ident().unwrap();
    let mut func = func_ident.to_string();
    let func_origin = front.origins.of(func_ident);
    let mut update = None;
    let mut specialization: Option<halite_core::Expr> = None;
    if calls.is_empty() {
        front.errors.spanned(
            func_ident,
            format!("`{func}` alone does nothing: add a directive, e.g. `{func}.compute_root()`"),
        );
    }
    for m in calls.into_iter().rev() {
        let name = m.method.to_string();
        if name == "specialize" {
            if specialization.is_some() {
                front.errors.spanned(
                    &m.method,
                    "a specialization cannot be specialized again: combine the conditions with `&&`",
                );
                return;
            }
            let [cond] = m.args.iter().collect::<Vec<_>>()[..] else {
                front.errors.spanned(
                    m,
                    "usage: `specialize(cond)`, with `cond` a `bool` over scalar parameters and buffer extents",
                );
                return;
            };
            let Some(c) = front.condition(cond) else {
                return;
            };
            let o = front.origins.of(cond);
            out.push(Directive {
                func: func.clone().into(),
                func_origin,
                update,
                name: name.into(),
                name_origin: front.origins.of(&m.method),
                args: vec![Arg::Expr(c.clone(), o)],
                specialization: None,
                binding: None,
            });
            specialization = Some(c);
            continue;
        }
        let origins = &mut *front.origins;
        let args: Vec<Arg> = m
            .args
            .iter()
            .map(|a| {
                let o = origins.of(a);
                match crate::front::peel(a) {
                    syn::Expr::Path(p) if p.path.get_ident().is_some() => {
                        Arg::Ident(p.path.get_ident().unwrap().to_string().into(), o)
                    }
                    // `TailStrategy::RoundUp`: the last segment names it.
                    syn::Expr::Path(p) if p.qself.is_none() && !p.path.segments.is_empty() => {
                        Arg::Ident(p.path.segments.last().unwrap().ident.to_string().into(), o)
                    }
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    }) => match i.base10_parse::<i64>() {
                        Ok(v) => Arg::Int(v, o),
                        Err(_) => Arg::Other(o),
                    },
                    // A negative literal, `-4`.
                    syn::Expr::Unary(syn::ExprUnary {
                        op: syn::UnOp::Neg(_),
                        expr,
                        ..
                    }) => match crate::front::peel(expr) {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(i),
                            ..
                        }) => match i.base10_parse::<i64>() {
                            Ok(v) => Arg::Int(-v, o),
                            Err(_) => Arg::Other(o),
                        },
                        _ => Arg::Other(o),
                    },
                    _ => Arg::Other(o),
                }
            })
            .collect();
        if name == "update" {
            if specialization.is_some() {
                front.errors.spanned(
                    m,
                    "`update(k)` comes before `specialize`: `f.update(k).specialize(cond)`",
                );
                return;
            }
            match args.as_slice() {
                [Arg::Int(k, _)] if *k >= 0 => update = Some(*k as usize),
                _ => front.errors.spanned(
                    m,
                    "`update` takes the index of an update definition, e.g. `f.update(0)`",
                ),
            }
            continue;
        }
        // The directives after `f.clone_in(g)` schedule the clone.
        let cloned = match (name.as_str(), args.as_slice()) {
            ("clone_in", [Arg::Ident(g, _)]) => {
                Some(halite_schedule::clone_in::clone_name(&func, g))
            }
            _ => None,
        };
        out.push(Directive {
            func: func.clone().into(),
            func_origin,
            update,
            name: name.into(),
            name_origin: front.origins.of(&m.method),
            args,
            specialization: specialization.clone(),
            binding: None,
        });
        if let Some(c) = cloned {
            func = c;
        }
    }
}
