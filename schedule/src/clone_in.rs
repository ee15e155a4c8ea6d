//! `clone_in`: give one consumer its own copy of a producer, to schedule separately.
//!
//! `f.clone_in(g)` (Halide's `Func::clone_in`) adds the Func `f_clone_in_g`, defined as `f`
//! is, and makes `g` read it instead of `f`; `f`'s other consumers keep reading `f`. The
//! directives chained after it in the same statement schedule the clone
//! (`down_0.clone_in(downx_1).compute_at(down_1, y)` computes the clone per row of `down_1`
//! while `f` stays inlined elsewhere); later statements name it `f_clone_in_g`. Results do
//! not change: the clone computes the same values.
//!
//! Rules: `f` is an intermediate (not an output) and `g` a Func that reads it; `f` is
//! cloned whole (not `f.update(k)`), once per consumer, and not under `specialize`.

use crate::directive::{Arg, Diagnostic, Directive};
use crate::schedule::calls;
use halite_core::expr::ExprMutator;
use halite_core::{Expr, ExprNode, Pipeline};
use std::sync::Arc;

/// The name of the copy of `f` that `g` reads.
pub fn clone_name(f: &str, g: &str) -> String {
    format!("{f}_clone_in_{g}")
}

/// Applies every `clone_in` of `directives` to `p`: the rewritten pipeline and the other
/// directives.
pub fn apply(
    p: &Pipeline,
    directives: &[Directive],
) -> Result<(Pipeline, Vec<Directive>), Vec<Diagnostic>> {
    let mut p = p.clone();
    let mut errors = Vec::new();
    for d in directives.iter().filter(|d| &*d.name == "clone_in") {
        if let Err(e) = clone_one(&mut p, d) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rest = directives
        .iter()
        .filter(|d| &*d.name != "clone_in")
        .cloned()
        .collect();
    Ok((p, rest))
}

fn clone_one(p: &mut Pipeline, d: &Directive) -> Result<(), Diagnostic> {
    let [Arg::Ident(g, go)] = d.args.as_slice() else {
        return Err(Diagnostic::new(
            d.name_origin,
            format!(
                "usage: `{}.clone_in(g)`, with `g` a Func that reads `{}`",
                d.func, d.func
            ),
        ));
    };
    if d.update.is_some() || d.specialization.is_some() {
        return Err(Diagnostic::new(
            d.name_origin,
            format!(
                "`clone_in` copies all of `{}`: write it on the Func itself, before `update` or `specialize`",
                d.func
            ),
        ));
    }
    let Some(fi) = p.funcs.iter().position(|f| f.name == d.func) else {
        let known: Vec<&str> = p.funcs.iter().map(|f| &*f.name).collect();
        return Err(Diagnostic::new(
            d.func_origin,
            format!(
                "no Func named `{}` to clone; the kernel defines: {}",
                d.func,
                known.join(", ")
            ),
        ));
    };
    if p.funcs[fi].is_output() {
        return Err(Diagnostic::new(
            d.func_origin,
            format!(
                "`{}` is an output; only intermediates can be cloned",
                d.func
            ),
        ));
    }
    let Some(gi) = p.funcs.iter().position(|f| f.name == *g) else {
        return Err(Diagnostic::new(
            *go,
            format!(
                "no Func named `{g}`: `clone_in` takes a Func that reads `{}`",
                d.func
            ),
        ));
    };
    let name: Arc<str> = clone_name(&d.func, g).into();
    if p.func(&name).is_some() {
        // After an earlier `clone_in(g)`, `g` reads the clone instead of the Func.
        let msg = if p.funcs[gi].exprs().iter().any(|e| calls(e, &d.func)) {
            format!(
                "`clone_in` names the copy of `{}` that `{g}` reads `{name}`, which is already a Func of the kernel: rename that Func",
                d.func
            )
        } else {
            format!(
                "`{}` is already cloned for `{g}`: schedule the clone as `{name}`",
                d.func
            )
        };
        return Err(Diagnostic::new(d.name_origin, msg));
    }
    if gi == fi || !p.funcs[gi].exprs().iter().any(|e| calls(e, &d.func)) {
        return Err(Diagnostic::new(
            *go,
            format!(
                "`{g}` does not read `{}`: `clone_in` takes a Func that reads it",
                d.func
            ),
        ));
    }
    let mut clone = p.funcs[fi].clone();
    let mut to_clone = Rename {
        from: d.func.clone(),
        to: name.clone(),
    };
    clone.name = name.clone();
    rename_in(&mut clone, &mut to_clone);
    rename_in(&mut p.funcs[gi], &mut to_clone);
    p.funcs.insert(fi + 1, clone);
    Ok(())
}

/// Every definition of `f` with calls renamed.
fn rename_in(f: &mut halite_core::Func, r: &mut Rename) {
    f.value = r.mutate(&f.value);
    for u in &mut f.updates {
        u.value = r.mutate(&u.value);
        u.args = u.args.iter().map(|a| r.mutate(a)).collect();
        u.predicates = u.predicates.iter().map(|c| r.mutate(c)).collect();
    }
}

/// Renames the calls of one Func.
struct Rename {
    from: Arc<str>,
    to: Arc<str>,
}

impl ExprMutator for Rename {
    fn mutate(&mut self, e: &Expr) -> Expr {
        if let ExprNode::Call { kind, name, args } = e.node() {
            if *name == self.from {
                let args = args.iter().map(|a| self.mutate(a)).collect();
                return Expr::call(*kind, self.to.clone(), args, e.ty());
            }
        }
        self.mutate_children(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{CallKind, Func, Origin, Type};

    fn func(name: &str, value: Expr) -> Func {
        Func {
            name: name.into(),
            args: vec!["x".into()],
            ty: Type::F32,
            value,
            updates: vec![],
            output: None,
            origin: Origin::default(),
        }
    }

    fn directive(f: &str, args: Vec<Arg>) -> Directive {
        Directive::new(f, "clone_in", args)
    }

    #[test]
    fn the_named_consumer_reads_the_clone_and_the_others_the_original() {
        let x = Expr::var("x", Type::I32);
        let call = |n: &str| Expr::call(CallKind::Func, n, vec![x.clone()], Type::F32);
        let mut out = func("out", call("a").add(call("b")));
        out.output = Some(0);
        let p = Pipeline {
            name: "k".into(),
            params: vec![],
            inputs: vec![],
            funcs: vec![
                func("f", Expr::cast(Type::F32, x.clone())),
                func("a", call("f")),
                func("b", call("f")),
                out,
            ],
        };
        let g = |n: &str| Arg::Ident(n.into(), Origin::default());
        let (q, rest) = apply(&p, &[directive("f", vec![g("a")])]).unwrap();
        assert!(rest.is_empty());
        let names: Vec<&str> = q.funcs.iter().map(|f| &*f.name).collect();
        assert_eq!(names, ["f", "f_clone_in_a", "a", "b", "out"]);
        assert_eq!(q.func("a").unwrap().value, call("f_clone_in_a"));
        assert_eq!(q.func("b").unwrap().value, call("f"));
        assert_eq!(q.func("f_clone_in_a").unwrap().value, p.funcs[0].value);
        // A consumer that does not read `f`, an output, and a second clone are errors.
        assert!(apply(&p, &[directive("f", vec![g("out")])]).is_err());
        assert!(apply(&p, &[directive("out", vec![g("a")])]).is_err());
        let twice = [directive("f", vec![g("a")]), directive("f", vec![g("a")])];
        assert!(apply(&p, &twice).is_err());
    }
}
