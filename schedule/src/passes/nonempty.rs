//! Pass `skip_empty_outputs`: an output with no elements is not computed, so the rest of the
//! nest may assume every output extent is at least 1.
//!
//! Regions are exact: a producer computed per row of a consumer needs nothing when the row is
//! empty, so its region reads `select(0 < out.extent.1, .., 0)`, and such selects nest through
//! every stage of a pipeline. Nothing needs computing for an empty output, so this pass wraps
//! the production of each output in `if 0 < out.extent.0 && 0 < out.extent.1 ..`; the ranges
//! pass then decides those selects from the condition, and regions computed per row become
//! constants again.
//!
//! Pre: storage allocated and entry checks taken (they still see the exact regions, so an
//! empty output asks nothing of the inputs). Post: the same results; an output with no
//! elements runs none of its loops.

use halite_core::{BinOp, Expr, Func, Stmt};
use std::sync::Arc;

/// The condition under which `f`'s production runs: each extent at least 1 (`true` for a
/// rank-0 output).
pub fn nonempty(f: &Func) -> Expr {
    (0..f.dims())
        .map(|d| {
            Expr::binary(
                BinOp::Lt,
                Expr::i32(0),
                halite_core::func::extent_var(&f.name, d),
            )
        })
        .reduce(|a, b| a.and(b))
        .unwrap_or_else(|| Expr::bool(true))
}

/// Allocation sizes simplified under the condition of the only output (`conds`, one per
/// output of rank at least 1; `outputs` counts all outputs). With one output, nothing runs
/// when it is empty, so storage may be sized as if it were not; the sizes stay upper bounds
/// of what the nest uses. With several, the lets are returned unchanged.
pub fn sized_for_nonempty(
    lets: Vec<(Arc<str>, Expr)>,
    conds: &[(Arc<str>, Expr)],
    outputs: usize,
) -> Vec<(Arc<str>, Expr)> {
    match conds {
        [(_, cond)] if outputs == 1 => lets
            .into_iter()
            .map(|(n, v)| (n, super::ranges::simplify_assuming(&v, cond)))
            .collect(),
        _ => lets,
    }
}

/// Runs the pass: wraps `produce f` of every output `f` listed in `conds` in `if` its
/// condition (usually [`nonempty`] of it).
pub fn skip_empty_outputs(s: Stmt, conds: &[(Arc<str>, Expr)]) -> Stmt {
    match s {
        Stmt::Produce { func, body } => {
            let cond = conds
                .iter()
                .find(|(f, _)| *f == func)
                .map(|(_, c)| c.clone());
            let produce = Stmt::Produce { func, body };
            match cond {
                Some(cond) => Stmt::If {
                    cond,
                    then: Box::new(produce),
                },
                None => produce,
            }
        }
        s => s.map_children(&mut |c| skip_empty_outputs(c, conds)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Origin, Type};

    /// Only outputs of rank at least 1 are wrapped, each in the test of its own extents.
    #[test]
    fn wraps_each_output_in_its_extents_test() {
        let f = Func {
            name: "out".into(),
            args: vec!["y".into(), "x".into()],
            ty: Type::U8,
            value: Expr::constant(halite_core::Value::U8(0)),
            updates: vec![],
            output: Some(0),
            origin: Origin::default(),
        };
        let produce = |name: &str| Stmt::Produce {
            func: name.into(),
            body: Box::new(Stmt::Store {
                func: name.into(),
                args: vec![],
                value: Expr::i32(0),
            }),
        };
        let s = Stmt::block(vec![produce("g"), produce("out")]);
        let out = skip_empty_outputs(s, &[(f.name.clone(), nonempty(&f))]).to_string();
        expect_test::expect![[r#"
            produce g:
              g() = 0
            if 0 < out.extent.0 && 0 < out.extent.1:
              produce out:
                out() = 0
        "#]]
        .assert_eq(&out);
    }
}
