//! Reads a `schedule! { .. }` block into directives. Interpretation and checks are the
//! schedule crate's (`halite_schedule::Schedule::from_directives`).

use crate::diag::{Errors, Origins};
use halite_schedule::{Arg, Directive};
use proc_macro2::TokenStream;
use syn::parse::Parser;

/// Parses the tokens inside `schedule! { .. }`.
pub fn parse(tokens: TokenStream, origins: &mut Origins, errors: &mut Errors) -> Vec<Directive> {
    let stmts = match syn::Block::parse_within.parse2(tokens) {
        Ok(s) => s,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}: a schedule is a list of `func.directive(args);` statements"),
            ));
            return vec![];
        }
    };
    let mut out = Vec::new();
    for s in &stmts {
        match s {
            syn::Stmt::Expr(e, _) => chain(e, origins, errors, &mut out),
            syn::Stmt::Local(l) => errors.spanned(
                l,
                "`let` in a schedule binds the result of `rfactor`, which is not implemented yet",
            ),
            other => errors.spanned(other, "a schedule holds `func.directive(args);` statements"),
        }
    }
    out
}

/// One statement: a chain `f.a(..).b(..)` (with an optional `.update(k)` after `f`).
fn chain(e: &syn::Expr, origins: &mut Origins, errors: &mut Errors, out: &mut Vec<Directive>) {
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
                errors.spanned(
                    other,
                    "expected a Func name followed by directives, e.g. `blur_x.compute_root()`",
                );
                return;
            }
        }
    }
    let syn::Expr::Path(base) = cur else { return };
    let func_ident = base.path.get_ident().unwrap();
    let func = func_ident.to_string();
    let func_origin = origins.of(func_ident);
    let mut update = None;
    if calls.is_empty() {
        errors.spanned(
            func_ident,
            format!("`{func}` alone does nothing: add a directive, e.g. `{func}.compute_root()`"),
        );
    }
    for m in calls.into_iter().rev() {
        let name = m.method.to_string();
        let args: Vec<Arg> = m
            .args
            .iter()
            .map(|a| {
                let o = origins.of(a);
                match a {
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
                    }) => match &**expr {
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
            match args.as_slice() {
                [Arg::Int(k, _)] if *k >= 0 => update = Some(*k as usize),
                _ => errors.spanned(
                    m,
                    "`update` takes the index of an update definition, e.g. `f.update(0)`",
                ),
            }
            continue;
        }
        out.push(Directive {
            func: func.clone().into(),
            func_origin,
            update,
            name: name.into(),
            name_origin: origins.of(&m.method),
            args,
        });
    }
}
