//! Pass `inline_funcs`: substitute every Func scheduled `Inline` into its callers.
//!
//! Pre: Funcs are in definition order (callees before callers), none is recursive.
//! Post: the returned pipeline holds only computed Funcs (outputs and `compute_root` ones), and
//! their definitions (pure and updates: values, computed indices, predicates) call only
//! computed Funcs and inputs.
//!
//! ```text
//! before: blur_x(y, x) = in(y, x) + in(y, x + 1)      out(y, x) = blur_x(y, x) + blur_x(y + 1, x)
//! after:  out(y, x) = (in(y, x) + in(y, x + 1)) + (in(y + 1, x) + in(y + 1, x + 1))
//! ```

use crate::schedule::{Level, Schedule};
use halite_core::expr::{substitute, ExprMutator};
use halite_core::{CallKind, Expr, ExprNode, Func, Pipeline};
use std::collections::HashMap;
use std::sync::Arc;

struct Inliner<'a> {
    /// Inlined Funcs by name, their definitions already inlined.
    defs: &'a HashMap<Arc<str>, Func>,
}

impl ExprMutator for Inliner<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e = self.mutate_children(e);
        if let ExprNode::Call {
            kind: CallKind::Func,
            name,
            args,
        } = e.node()
        {
            if let Some(f) = self.defs.get(name) {
                let map = |v: &str| {
                    f.args
                        .iter()
                        .position(|a| &**a == v)
                        .map(|i| args[i].clone())
                };
                return substitute(&f.value, &map);
            }
        }
        e
    }
}

/// Runs the pass.
pub fn inline_funcs(p: &Pipeline, s: &Schedule) -> Pipeline {
    let mut defs: HashMap<Arc<str>, Func> = HashMap::new();
    let mut out = Pipeline {
        funcs: vec![],
        ..p.clone()
    };
    for f in &p.funcs {
        let mut inl = Inliner { defs: &defs };
        let value = inl.mutate(&f.value);
        let updates = f
            .updates
            .iter()
            .map(|u| halite_core::Update {
                args: u.args.iter().map(|a| inl.mutate(a)).collect(),
                value: inl.mutate(&u.value),
                predicates: u.predicates.iter().map(|c| inl.mutate(c)).collect(),
                ..u.clone()
            })
            .collect();
        let f2 = Func {
            value,
            updates,
            ..f.clone()
        };
        if s.compute_level(&f.name) == Level::Inline {
            defs.insert(f.name.clone(), f2);
        } else {
            out.funcs.push(f2);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Origin, Type};

    #[test]
    fn inlines_through_two_levels() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let call = |f: &str, a: Vec<Expr>| Expr::call(CallKind::Func, f, a, Type::I32);
        let func = |name: &str, value: Expr, output| Func {
            name: name.into(),
            args: vec!["x".into()],
            ty: Type::I32,
            value,
            updates: vec![],
            output,
            origin: Origin::NONE,
        };
        let p = Pipeline {
            name: "t".into(),
            funcs: vec![
                func("a", v("x").mul(Expr::i32(2)), None),
                func("b", call("a", vec![v("x").add(Expr::i32(1))]), None),
                func(
                    "out",
                    call("b", vec![v("x")]).add(call("a", vec![v("x")])),
                    Some(0),
                ),
            ],
            ..Default::default()
        };
        let q = inline_funcs(&p, &Schedule::from_directives(&p, &[]).unwrap());
        assert_eq!(q.funcs.len(), 1);
        assert_eq!(q.funcs[0].value.to_string(), "(x + 1) * 2 + x * 2");
    }
}
