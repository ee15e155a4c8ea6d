//! Pass `hoist_invariant_ifs`: an `if` that guards the whole body of a loop and does not
//! depend on the loop moves outside it.
//!
//! The predicate of an update (`where_`, or the guard a `split` of a reduction variable adds)
//! is lowered next to the store, inside the update's innermost loops; when it depends only on
//! outer loops (`ko * 256 + ki < n` inside loops over `i` and `j`), testing it once per
//! iteration of the loops it depends on keeps the inner loops free of branches, so that vector
//! loops stay vector code.
//!
//! Pre: none. Post: `for v { lets; if c { s } }`, where neither `v` nor the lets appear in `c`,
//! is `if c { for v { lets; s } }`; the program computes the same values (a loop whose every
//! iteration does nothing when `c` fails does nothing).

use halite_core::Stmt;

/// Runs the pass, innermost loops first.
pub fn hoist_invariant_ifs(s: Stmt) -> Stmt {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let body = hoist_invariant_ifs(*body);
            let mut bound = vec![var.clone()];
            let mut cur = &body;
            while let Stmt::Let { name, body, .. } = cur {
                bound.push(name.clone());
                cur = body;
            }
            if let Stmt::If { cond, .. } = cur {
                if !bound.iter().any(|v| cond.uses_var(v)) {
                    let cond = cond.clone();
                    let inner = strip_if(body);
                    return Stmt::If {
                        cond,
                        then: Box::new(Stmt::For {
                            var,
                            min,
                            extent,
                            kind,
                            body: Box::new(inner),
                        }),
                    };
                }
            }
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body: Box::new(body),
            }
        }
        s => s.map_children(&mut hoist_invariant_ifs),
    }
}

/// `lets; if c { s }` without its `if`: `lets; s`.
fn strip_if(s: Stmt) -> Stmt {
    match s {
        Stmt::Let { name, value, body } => Stmt::Let {
            name,
            value,
            body: Box::new(strip_if(*body)),
        },
        Stmt::If { then, .. } => *then,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Expr, ForKind, Type};

    /// A predicate on an outer loop leaves the two loops inside it.
    #[test]
    fn moves_a_predicate_out_of_loops_it_does_not_use() {
        let v = |n: &str| Expr::var(n, Type::I32);
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("x")],
            value: v("k"),
        };
        let guarded = Stmt::If {
            cond: v("k").lt(v("n")),
            then: Box::new(store),
        };
        let inner = Stmt::For {
            var: "x".into(),
            min: Expr::i32(0),
            extent: Expr::i32(8),
            kind: ForKind::Vectorized(8),
            body: Box::new(Stmt::Let {
                name: "x.v".into(),
                value: v("x"),
                body: Box::new(guarded),
            }),
        };
        let outer = Stmt::For {
            var: "k".into(),
            min: Expr::i32(0),
            extent: v("m"),
            kind: ForKind::Serial,
            body: Box::new(inner),
        };
        expect_test::expect![[r#"
            for k in [0, +m):
              if k < n:
                vectorized(x8) for x in [0, +8):
                  let x.v = x
                  f(x) = k
        "#]]
        .assert_eq(&hoist_invariant_ifs(outer).to_string());
    }
}
