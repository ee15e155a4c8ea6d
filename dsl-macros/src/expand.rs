//! Compile-time repetition: `for` loops in a kernel body and Func families `g[j]`.
//!
//! Pyramids (local Laplacian, interpolate) define one Func per level. Halide builds them with
//! C++ loops over arrays of Funcs; halite writes the same thing in the kernel body:
//!
//! ```text
//! let levels = 8;
//! g[0](y, x) = gray(y, x);
//! for j in 1..levels {
//!     down[j](y, x) = g[j - 1](2 * y, x) + g[j - 1](2 * y + 1, x);
//!     g[j](y, x) = down[j](y, 2 * x) + down[j](y, 2 * x + 1);
//! }
//! schedule! {
//!     for j in 1..4 { g[j].compute_root().vectorize(x, 8); }
//! }
//! ```
//!
//! This pass runs on the syntax before the front end sees it. A `for` loop repeats its body
//! once per value of its range, with the loop variable replaced by that value (an integer
//! literal). `g[e]`, where `g` is not a kernel parameter and `e` is a constant, is the Func
//! named `g_{e}` (so `g[3]` and `g_3` are one Func; defining `g_3` under its plain name next to
//! the family `g` is an error, as a second definition would silently be an update). Constants are integer literals, loop
//! variables of enclosing `for`s, `let` names bound to constants, and `+ - * / %` of them.
//! An `if` statement with a constant condition (comparisons, `&&`, `||`, `!` of constants)
//! keeps the statements of the branch it selects, as the C++ `if` in Halide's generator loops.
//! `schedule!` blocks (in or around loops) are expanded the same way.

use crate::diag::Errors;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use std::collections::{HashMap, HashSet};
use syn::parse::Parser;
use syn::visit_mut::VisitMut;

/// The most statements one kernel may expand to: a typo in a range must not hang the compiler.
const MAX_EXPANDED: usize = 10_000;

/// Names with known constant values: loop variables (substituted everywhere) and `let`
/// constants (used in ranges and family indices only; elsewhere the front end reads the `let`).
#[derive(Clone, Default)]
struct Env {
    loop_vars: HashMap<String, i64>,
    lets: HashMap<String, i64>,
}

impl Env {
    fn get(&self, name: &str) -> Option<i64> {
        self.loop_vars
            .get(name)
            .or_else(|| self.lets.get(name))
            .copied()
    }
}

/// Expands the `for` loops and Func families of a kernel body. `params` are the kernel's
/// parameter names (`input[..]` stays an indexing of the buffer, which the front end rejects
/// with its own message).
pub fn body(block: &syn::Block, params: &HashSet<String>, errors: &mut Errors) -> syn::Block {
    let mut x = Expander {
        params,
        errors,
        count: 0,
        in_schedule: false,
        plain_defs: vec![],
        members: vec![],
        outside: HashSet::new(),
        bound: HashSet::new(),
    };
    let mut env = Env::default();
    let stmts = x.stmts(&block.stmts, &mut env);
    // `g_1(x) = ..` next to a family `g[..]`: the same Func under two spellings, which a
    // second definition would silently turn into an update of the first.
    let mut reported = HashSet::new();
    for (name, span) in &x.plain_defs {
        if x.members.contains(name) && reported.insert(name.clone()) {
            let (base, k) = name.rsplit_once('_').unwrap_or((name, ""));
            x.errors.push(syn::Error::new(
                *span,
                format!("`{name}` is also the name of the Func family member `{base}[{k}]` (a member `g[j]` is the Func `g_j`): this defines it under its other spelling; rename `{name}`, or write `{base}[{k}]` everywhere"),
            ));
        }
    }
    syn::Block {
        brace_token: block.brace_token,
        stmts,
    }
}

struct Expander<'a> {
    params: &'a HashSet<String>,
    errors: &'a mut Errors,
    count: usize,
    /// Inside a `schedule!` block (where `if isa(..)` branches are kept).
    in_schedule: bool,
    /// Funcs defined under a plain name, and the names of family members (see [`body`]).
    plain_defs: Vec<(String, Span)>,
    members: Vec<String>,
    /// `let` names of the enclosing blocks (outside the loop body or `if` branch being
    /// expanded), and of the current one.
    outside: HashSet<String>,
    bound: HashSet<String>,
}

impl Expander<'_> {
    fn stmts(&mut self, stmts: &[syn::Stmt], env: &mut Env) -> Vec<syn::Stmt> {
        let mut out = Vec::new();
        for s in stmts {
            if self.count > MAX_EXPANDED {
                break;
            }
            match s {
                syn::Stmt::Expr(syn::Expr::ForLoop(f), _) => self.for_loop(f, env, &mut out),
                syn::Stmt::Expr(syn::Expr::If(i), _) => self.if_stmt(i, env, &mut out),
                syn::Stmt::Macro(m) if m.mac.path.is_ident("schedule") => {
                    let mut m = m.clone();
                    m.mac.tokens = self.schedule(&m.mac.tokens, env);
                    out.push(syn::Stmt::Macro(m));
                }
                syn::Stmt::Expr(syn::Expr::Macro(m), semi) if m.mac.path.is_ident("schedule") => {
                    let mut m = m.clone();
                    m.mac.tokens = self.schedule(&m.mac.tokens, env);
                    out.push(syn::Stmt::Expr(syn::Expr::Macro(m), *semi));
                }
                other => {
                    let mut s = other.clone();
                    self.rewrite(&mut s, env);
                    if let syn::Stmt::Local(l) = &s {
                        self.track_let(l, env);
                        let mut names = Vec::new();
                        collect_pat_idents(&l.pat, &mut names);
                        for n in names {
                            if self.outside.contains(&n) {
                                self.errors.spanned(
                                    &l.pat,
                                    format!("`{n}` is bound outside this `for` loop or `if`: a kernel expands them into its statements at compile time, so a `let` inside would not end with the block as in Rust; use a new name"),
                                );
                            }
                            self.bound.insert(n);
                        }
                    }
                    out.push(s);
                }
            }
            self.count += 1;
        }
        out
    }

    /// The statements of a loop body or a kept `if` branch: their `let`s may not rebind a
    /// name of an enclosing block (see the check in [`Self::stmts`]).
    fn block(&mut self, stmts: &[syn::Stmt], env: &mut Env) -> Vec<syn::Stmt> {
        let outside = self.outside.clone();
        let bound = std::mem::take(&mut self.bound);
        self.outside.extend(bound.iter().cloned());
        let out = self.stmts(stmts, env);
        self.outside = outside;
        self.bound = bound;
        out
    }

    /// Records `let name = <constant>;` (and forgets a name rebound to anything else).
    fn track_let(&mut self, l: &syn::Local, env: &mut Env) {
        let mut names = Vec::new();
        collect_pat_idents(&l.pat, &mut names);
        for n in &names {
            env.lets.remove(n);
            env.loop_vars.remove(n);
        }
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            if let Some(v) = eval(&init.expr, env) {
                env.lets.insert(pi.ident.to_string(), v);
            }
        }
    }

    fn schedule(&mut self, tokens: &TokenStream, env: &mut Env) -> TokenStream {
        // A block that does not parse is left to the schedule parser, which reports it.
        let Ok(stmts) = syn::Block::parse_within.parse2(tokens.clone()) else {
            return tokens.clone();
        };
        let mut inner = env.clone();
        let was = std::mem::replace(&mut self.in_schedule, true);
        let stmts = self.stmts(&stmts, &mut inner);
        self.in_schedule = was;
        quote!(#(#stmts)*)
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop, env: &mut Env, out: &mut Vec<syn::Stmt>) {
        const USAGE: &str = "a `for` in a kernel repeats its statements at compile time: `for j in 0..levels { .. }`, with a range of constants (integer literals, `let` constants, enclosing loop variables)";
        let syn::Pat::Ident(pi) = &*f.pat else {
            self.errors.spanned(&f.pat, USAGE);
            return;
        };
        if let Some(l) = &f.label {
            self.errors.spanned(l, "a kernel `for` cannot have a label");
            return;
        }
        let Some(values) = self.range(&f.expr, env) else {
            return;
        };
        let var = pi.ident.to_string();
        for v in values {
            if self.count > MAX_EXPANDED {
                self.errors.spanned(
                    &f.expr,
                    format!("the `for` loops of this kernel expand to more than {MAX_EXPANDED} statements"),
                );
                return;
            }
            let mut inner = env.clone();
            inner.lets.remove(&var);
            inner.loop_vars.insert(var.clone(), v);
            out.extend(self.block(&f.body.stmts, &mut inner));
        }
    }

    /// `if cond { .. } else { .. }` as a statement: keeps the statements of the branch that the
    /// constant `cond` selects (a per-element choice is an `if` expression on the right of a
    /// definition instead).
    fn if_stmt(&mut self, i: &syn::ExprIf, env: &mut Env, out: &mut Vec<syn::Stmt>) {
        if is_isa_call(&i.cond) {
            if !self.in_schedule {
                self.errors.spanned(
                    &i.cond,
                    "`if isa(..)` chooses the schedule of an instruction set: write it inside `schedule! { .. }`",
                );
                return;
            }
            // A run-time choice between schedules (see `sched`): kept, with its branches
            // expanded.
            let mut i = i.clone();
            i.then_branch.stmts = self.stmts(&i.then_branch.stmts, &mut env.clone());
            if let Some((_, e)) = &mut i.else_branch {
                match &mut **e {
                    syn::Expr::Block(b) => {
                        b.block.stmts = self.stmts(&b.block.stmts, &mut env.clone());
                    }
                    syn::Expr::If(elif) if !is_isa_call(&elif.cond) => {
                        self.errors.spanned(
                            &elif.cond,
                            "every condition of an `if isa(..)` chain is `isa(..)`: `if isa(avx512) { .. } else if isa(avx2) { .. } else { .. }`",
                        );
                        return;
                    }
                    syn::Expr::If(elif) => {
                        let mut inner = Vec::new();
                        self.if_stmt(elif, env, &mut inner);
                        match inner.pop() {
                            Some(syn::Stmt::Expr(syn::Expr::If(x), _)) if inner.is_empty() => {
                                *elif = x
                            }
                            _ => return, // reported
                        }
                    }
                    _ => {}
                }
            }
            out.push(syn::Stmt::Expr(syn::Expr::If(i), None));
            return;
        }
        let Some(c) = eval_cond(&i.cond, env) else {
            self.errors.spanned(
                &i.cond,
                "an `if` statement in a kernel chooses statements at compile time, so its condition must be a constant: comparisons, `&&`, `||` and `!` of integer literals, `let` constants and loop variables. To choose a value per element, write the `if` on the right of a definition: `f(y, x) = if c { a } else { b };`",
            );
            return;
        };
        if c {
            out.extend(self.block(&i.then_branch.stmts, &mut env.clone()));
            return;
        }
        match i.else_branch.as_ref().map(|(_, e)| &**e) {
            None => {}
            Some(syn::Expr::Block(b)) if b.label.is_none() => {
                out.extend(self.block(&b.block.stmts, &mut env.clone()))
            }
            Some(syn::Expr::If(elif)) => self.if_stmt(elif, env, out),
            Some(other) => self
                .errors
                .spanned(other, "expected `{ .. }` or `if ..` after `else`"),
        }
    }

    /// The values of `a..b`, `a..=b`, optionally `(..).rev()` and `.step_by(k)`.
    fn range(&mut self, e: &syn::Expr, env: &Env) -> Option<Vec<i64>> {
        const USAGE: &str = "the range of a kernel `for` must be known at compile time: `a..b` or `a..=b` of integer literals, `let` constants and enclosing loop variables, optionally `.rev()` or `.step_by(k)`";
        match e {
            syn::Expr::Paren(p) => self.range(&p.expr, env),
            syn::Expr::Group(g) => self.range(&g.expr, env),
            syn::Expr::Range(r) => {
                let lo = r.start.as_deref().and_then(|s| eval(s, env));
                let hi = r.end.as_deref().and_then(|s| eval(s, env));
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    self.errors.spanned(r, USAGE);
                    return None;
                };
                let hi = match r.limits {
                    syn::RangeLimits::HalfOpen(_) => hi,
                    syn::RangeLimits::Closed(_) => hi.saturating_add(1),
                };
                if hi.saturating_sub(lo) > MAX_EXPANDED as i64 {
                    self.errors.spanned(
                        r,
                        format!("this range has {} values; a kernel `for` may repeat at most {MAX_EXPANDED} times", hi - lo),
                    );
                    return None;
                }
                Some((lo..hi).collect())
            }
            syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                let mut v = self.range(&m.receiver, env)?;
                v.reverse();
                Some(v)
            }
            syn::Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                let v = self.range(&m.receiver, env)?;
                match eval(&m.args[0], env) {
                    Some(k) if k > 0 => Some(v.into_iter().step_by(k as usize).collect()),
                    _ => {
                        self.errors
                            .spanned(&m.args[0], "`step_by` takes a positive constant");
                        None
                    }
                }
            }
            other => {
                self.errors.spanned(other, USAGE);
                None
            }
        }
    }

    fn rewrite(&mut self, s: &mut syn::Stmt, env: &Env) {
        let mut r = Rewrite {
            env,
            params: self.params,
            errors: vec![],
            plain_defs: vec![],
            members: vec![],
        };
        r.visit_stmt_mut(s);
        self.plain_defs.extend(r.plain_defs);
        self.members.extend(r.members);
        for (span, msg) in r.errors {
            self.errors.push(syn::Error::new(span, msg));
        }
    }
}

/// Replaces loop variables by their values and `g[const]` by the Func `g_const`.
struct Rewrite<'a> {
    env: &'a Env,
    params: &'a HashSet<String>,
    errors: Vec<(Span, String)>,
    /// Funcs defined (`name(..) = ..`) under their plain name, as written.
    plain_defs: Vec<(String, Span)>,
    /// The names family members were rewritten to (`g[1]` to `g_1`).
    members: Vec<String>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Assign(a) = e {
            if let syn::Expr::Call(c) = &*a.left {
                if let syn::Expr::Path(p) = &*c.func {
                    if let Some(id) = p.path.get_ident() {
                        self.plain_defs.push((id.to_string(), id.span()));
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
        match e {
            syn::Expr::Path(p) => {
                if let Some(id) = p.path.get_ident() {
                    if let Some(&v) = self.env.loop_vars.get(&id.to_string()) {
                        let lit = syn::LitInt::new(&v.to_string(), id.span());
                        *e = if v < 0 {
                            let lit = syn::LitInt::new(&(-v).to_string(), id.span());
                            syn::parse_quote_spanned!(id.span()=> (-#lit))
                        } else {
                            syn::Expr::Lit(syn::ExprLit {
                                attrs: vec![],
                                lit: syn::Lit::Int(lit),
                            })
                        };
                    }
                }
            }
            syn::Expr::Index(ix) => {
                let syn::Expr::Path(p) = &*ix.expr else {
                    return;
                };
                let Some(base) = p.path.get_ident() else {
                    return;
                };
                if self.params.contains(&base.to_string()) {
                    return;
                }
                let Some(k) = eval(&ix.index, self.env) else {
                    return;
                };
                if k < 0 {
                    self.errors.push((
                        base.span(),
                        format!(
                            "`{base}[{k}]`: the index of a Func family member is a constant >= 0"
                        ),
                    ));
                    return;
                }
                let id = syn::Ident::new(&format!("{base}_{k}"), base.span());
                self.members.push(id.to_string());
                *e = syn::Expr::Path(syn::ExprPath {
                    attrs: vec![],
                    qself: None,
                    path: id.into(),
                });
            }
            _ => {}
        }
    }

    /// Macros are left whole: a body's `schedule!` statements are expanded by [`Expander`].
    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

fn collect_pat_idents(p: &syn::Pat, out: &mut Vec<String>) {
    match p {
        syn::Pat::Ident(pi) => out.push(pi.ident.to_string()),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_pat_idents(p, out)),
        syn::Pat::Paren(p) => collect_pat_idents(&p.pat, out),
        syn::Pat::Type(t) => collect_pat_idents(&t.pat, out),
        _ => {}
    }
}

/// The value of a constant integer expression, if it is one.
fn eval(e: &syn::Expr, env: &Env) -> Option<i64> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<i64>().ok(),
        syn::Expr::Path(p) => env.get(&p.path.get_ident()?.to_string()),
        syn::Expr::Paren(p) => eval(&p.expr, env),
        syn::Expr::Group(g) => eval(&g.expr, env),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => eval(expr, env)?.checked_neg(),
        syn::Expr::Binary(b) => {
            let (l, r) = (eval(&b.left, env)?, eval(&b.right, env)?);
            match b.op {
                syn::BinOp::Add(_) => l.checked_add(r),
                syn::BinOp::Sub(_) => l.checked_sub(r),
                syn::BinOp::Mul(_) => l.checked_mul(r),
                syn::BinOp::Div(_) => l.checked_div(r),
                syn::BinOp::Rem(_) => l.checked_rem(r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of a constant condition, if it is one.
/// Whether `e` is `isa(..)`, the condition of a schedule's branch per instruction set.
fn is_isa_call(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("isa")))
}

fn eval_cond(e: &syn::Expr, env: &Env) -> Option<bool> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(b),
            ..
        }) => Some(b.value),
        syn::Expr::Paren(p) => eval_cond(&p.expr, env),
        syn::Expr::Group(g) => eval_cond(&g.expr, env),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Not(_),
            expr,
            ..
        }) => eval_cond(expr, env).map(|b| !b),
        syn::Expr::Binary(b) => match b.op {
            syn::BinOp::And(_) => Some(eval_cond(&b.left, env)? && eval_cond(&b.right, env)?),
            syn::BinOp::Or(_) => Some(eval_cond(&b.left, env)? || eval_cond(&b.right, env)?),
            op => {
                let (l, r) = (eval(&b.left, env)?, eval(&b.right, env)?);
                match op {
                    syn::BinOp::Eq(_) => Some(l == r),
                    syn::BinOp::Ne(_) => Some(l != r),
                    syn::BinOp::Lt(_) => Some(l < r),
                    syn::BinOp::Le(_) => Some(l <= r),
                    syn::BinOp::Gt(_) => Some(l > r),
                    syn::BinOp::Ge(_) => Some(l >= r),
                    _ => None,
                }
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn expand(src: TokenStream) -> (String, usize) {
        let block: syn::Block = syn::parse2(src).unwrap();
        let mut errors = Errors::default();
        let params = ["input".to_string()].into_iter().collect();
        let b = body(&block, &params, &mut errors);
        let n = errors.len();
        (
            b.stmts
                .iter()
                .map(|s| s.to_token_stream().to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            n,
        )
    }

    #[test]
    fn repeats_bodies_and_names_family_members() {
        let (s, n) = expand(quote!({
            let levels = 3;
            g[0](y, x) = input(y, x);
            for j in 1..levels {
                g[j](y, x) = g[j - 1](y, 2 * x) * j;
            }
        }));
        assert_eq!(n, 0);
        assert_eq!(
            s,
            "let levels = 3 ;\n\
             g_0 (y , x) = input (y , x) ;\n\
             g_1 (y , x) = g_0 (y , 2 * x) * 1 ;\n\
             g_2 (y , x) = g_1 (y , 2 * x) * 2 ;"
        );
    }

    #[test]
    fn expands_schedules_nested_loops_and_reversed_ranges() {
        let (s, n) = expand(quote!({
            for i in (0..=1).rev() {
                for j in i..2 {
                    f[i][j](x) = input(x);
                }
            }
            schedule! { for j in (0..4).step_by(2) { f[j].compute_root(); } }
        }));
        assert_eq!(n, 0);
        assert_eq!(
            s,
            "f_1_1 (x) = input (x) ;\n\
             f_0_0 (x) = input (x) ;\n\
             f_0_1 (x) = input (x) ;\n\
             schedule ! { f_0 . compute_root () ; f_2 . compute_root () ; }"
        );
    }

    #[test]
    fn keeps_the_branch_a_constant_condition_selects() {
        let (s, n) = expand(quote!({
            for j in 1..4 {
                if j == 2 {
                    c[j](x) = f[j - 1](x.clamp(0, 9));
                } else if j > 2 && !(j == 5) {
                    c[j](x) = f[j - 1](x + j);
                } else {
                    c[j](x) = f[j - 1](x);
                }
                if false {
                    never(x) = 1;
                }
            }
            schedule! { for j in 1..4 { if j % 2 == 1 { c[j].compute_root(); } } }
        }));
        assert_eq!(n, 0);
        assert_eq!(
            s,
            "c_1 (x) = f_0 (x) ;\n\
             c_2 (x) = f_1 (x . clamp (0 , 9)) ;\n\
             c_3 (x) = f_2 (x + 3) ;\n\
             schedule ! { c_1 . compute_root () ; c_3 . compute_root () ; }"
        );
        let (_, n) = expand(quote!({
            if n > 2 {
                f(x) = input(x);
            }
        }));
        assert_eq!(n, 1, "a condition over a parameter is not constant");
    }

    #[test]
    fn parameters_and_runtime_indices_are_left_to_the_front_end() {
        let (s, n) = expand(quote!({
            out(y, x) = input[y](x) + g[n](x);
        }));
        assert_eq!(n, 0);
        assert_eq!(s, "out (y , x) = input [y] (x) + g [n] (x) ;");
    }

    #[test]
    fn reports_ranges_that_are_not_constant() {
        for src in [
            quote!({
                for j in 0..n {
                    f[j](x) = input(x);
                }
            }),
            quote!({
                for (a, b) in 0..2 {
                    f[a](x) = input(x);
                }
            }),
            quote!({
                for j in 0..100000 {
                    f[j](x) = input(x);
                }
            }),
            quote!({
                f[-1](x) = input(x);
            }),
        ] {
            assert_eq!(expand(src).1, 1);
        }
    }
}
