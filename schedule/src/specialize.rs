//! `specialize(cond)`: versions of the pipeline's schedule chosen at run time.
//!
//! `f.specialize(c).vectorize(x, 16)` gives the stage `f` (or `f.update(k)`) a second loop
//! schedule used when `c` holds. As in Halide:
//!
//! 1. the specialization starts from the stage's loop schedule as written *before* the
//!    `specialize` call; loop directives on the stage written after it apply only to the
//!    general version;
//! 2. only loop directives (`split`, `fuse`, `reorder`, `tile`, `vectorize`, `unroll`,
//!    `parallel`) may follow `specialize`: where a Func is computed and stored is shared by
//!    every version;
//! 3. several specializations of one stage are tried in the order written (the first whose
//!    condition holds wins); `specialize` with the same condition again adds directives to the
//!    same specialization;
//! 4. the condition is a `bool` over scalar parameters and buffer extents, evaluated once per
//!    call before anything else.
//!
//! Every combination of choices (one per specialized stage) is lowered as a whole pipeline of
//! its own, with its own entry checks; the kernel picks one at entry. At most
//! [`MAX_VERSIONS`] versions.

use crate::directive::{Arg, Diagnostic, Directive};
use crate::schedule::LOOP_DIRECTIVES;
use halite_core::{Expr, Origin, Pipeline};
use std::sync::Arc;

/// The most versions a kernel may have (the product over specialized stages of their number
/// of specializations plus one).
pub const MAX_VERSIONS: usize = 16;

/// The specializations of one stage.
struct Group {
    func: Arc<str>,
    update: Option<usize>,
    /// Conditions, in the order written, with the position of their first `specialize`.
    specs: Vec<(Expr, usize)>,
}

/// One version: its condition (`None` for the general version) and its directives.
pub struct Version {
    pub cond: Option<Expr>,
    pub directives: Vec<Directive>,
    /// The specializations this version takes, as the user wrote them (for error messages):
    /// "`out.specialize(a.shape()[1] >= 64)`"; empty for the general version.
    pub label: String,
    /// How many specializations the version takes.
    pub taken: usize,
}

/// Splits the directives into versions; a single general version when nothing is specialized.
pub fn versions(p: &Pipeline, directives: &[Directive]) -> Result<Vec<Version>, Vec<Diagnostic>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut errors = Vec::new();
    let mut last_origin = Origin::NONE;
    for (i, d) in directives.iter().enumerate() {
        if let Some(_c) = &d.specialization {
            if !LOOP_DIRECTIVES.contains(&&*d.name) {
                errors.push(Diagnostic::new(
                    d.name_origin,
                    format!(
                        "only loop directives ({}) can differ in a specialization; `{}` applies to every version: write it on `{}` without `specialize`",
                        LOOP_DIRECTIVES.join(", "),
                        d.name,
                        d.func
                    ),
                ));
            }
            continue;
        }
        if &*d.name != "specialize" {
            continue;
        }
        let Some(f) = p.func(&d.func) else {
            continue; // reported by the general version's schedule
        };
        if let Some(k) = d.update.filter(|&k| k >= f.updates.len()) {
            errors.push(Diagnostic::new(
                d.func_origin,
                format!(
                    "`{}.update({k})`: `{}` has {} update definition(s)",
                    d.func,
                    d.func,
                    f.updates.len()
                ),
            ));
            continue;
        }
        let [Arg::Expr(c, _)] = d.args.as_slice() else {
            errors.push(Diagnostic::new(d.name_origin, "usage: `specialize(cond)`"));
            continue;
        };
        last_origin = d.name_origin;
        let g = match groups
            .iter_mut()
            .position(|g| g.func == d.func && g.update == d.update)
        {
            Some(k) => &mut groups[k],
            None => {
                groups.push(Group {
                    func: d.func.clone(),
                    update: d.update,
                    specs: vec![],
                });
                groups.last_mut().unwrap()
            }
        };
        if !g.specs.iter().any(|(e, _)| e == c) {
            g.specs.push((c.clone(), i));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let total = groups
        .iter()
        .try_fold(1usize, |acc, g| acc.checked_mul(g.specs.len() + 1));
    if total.is_none_or(|t| t > MAX_VERSIONS) {
        return Err(vec![Diagnostic::new(
            last_origin,
            format!("these specializations make more than {MAX_VERSIONS} versions of the kernel (every combination is compiled); specialize fewer stages or combine conditions with `&&`"),
        )]);
    }
    // Every combination: choice[g] = Some(k) (specialization k of group g) or None.
    let mut out = Vec::new();
    let mut choice: Vec<usize> = vec![0; groups.len()];
    loop {
        let picks: Vec<Option<usize>> = choice
            .iter()
            .zip(&groups)
            .map(|(&c, g)| (c < g.specs.len()).then_some(c))
            .collect();
        if let Some(v) = version(&groups, &picks, directives) {
            out.push(v);
        }
        // Next combination (the last group varies fastest); the all-general one comes last.
        let mut g = groups.len();
        loop {
            if g == 0 {
                return Ok(out);
            }
            g -= 1;
            choice[g] += 1;
            if choice[g] <= groups[g].specs.len() {
                break;
            }
            choice[g] = 0;
        }
    }
}

/// The directives and condition of one combination of choices; `None` when the choices
/// contradict each other (the same condition both true and false: two Funcs specialized on
/// one condition make two versions, not four).
fn version(groups: &[Group], picks: &[Option<usize>], directives: &[Directive]) -> Option<Version> {
    let mut terms: Vec<(&Expr, bool)> = Vec::new();
    for (g, pick) in groups.iter().zip(picks) {
        // Specialization k is taken when conditions 0..k fail and k holds.
        let upto = pick.unwrap_or(g.specs.len());
        let wanted = g.specs[..upto]
            .iter()
            .map(|(c, _)| (c, false))
            .chain(pick.map(|k| (&g.specs[k].0, true)));
        for (c, holds) in wanted {
            match terms.iter().find(|(t, _)| *t == c) {
                Some((_, h)) if *h != holds => return None,
                Some(_) => {}
                None => terms.push((c, holds)),
            }
        }
    }
    let cond = terms
        .into_iter()
        .map(|(c, holds)| match holds {
            true => c.clone(),
            false => Expr::unary(halite_core::UnOp::Not, c.clone()),
        })
        .reduce(|a, b| a.and(b));
    let mut out = Vec::new();
    for (i, d) in directives.iter().enumerate() {
        if &*d.name == "specialize" {
            continue;
        }
        let group = groups
            .iter()
            .zip(picks)
            .find(|(g, _)| g.func == d.func && g.update == d.update);
        match (&d.specialization, group) {
            (Some(c), Some((g, Some(k)))) if &g.specs[*k].0 == c => {
                let mut d = d.clone();
                d.specialization = None;
                out.push(d);
            }
            (Some(_), _) => {}
            (None, Some((g, Some(k))))
                if LOOP_DIRECTIVES.contains(&&*d.name) && i > g.specs[*k].1 => {}
            (None, _) => out.push(d.clone()),
        }
    }
    let taken = picks.iter().filter(|k| k.is_some()).count();
    let label = groups
        .iter()
        .zip(picks)
        .filter_map(|(g, pick)| {
            let k = (*pick)?;
            let stage = match g.update {
                Some(u) => format!("{}.update({u})", g.func),
                None => g.func.to_string(),
            };
            Some(format!(
                "`{stage}.specialize({})`",
                user_syntax(&g.specs[k].0)
            ))
        })
        .collect::<Vec<_>>()
        .join(" and ");
    Some(Version {
        cond,
        directives: out,
        label,
        taken,
    })
}

/// A condition as the user could have written it: buffer extents as `buf.shape()[k]`.
fn user_syntax(c: &Expr) -> String {
    halite_core::expr::substitute(c, &|n| {
        let (buf, d) = n.rsplit_once(".extent.")?;
        let d: usize = d.parse().ok()?;
        Some(Expr::var(
            format!("{buf}.shape()[{d}]"),
            halite_core::Type::I32,
        ))
    })
    .to_string()
}

/// What a version's condition pins down: `(name, value)` for each conjunct `name == constant`
/// (either way round) where `name` is an integer scalar parameter or a buffer extent. Inside the
/// version these names *are* those constants (the kernel checks the condition before it picks
/// the version), so the version is lowered with them substituted, as Halide does: regions,
/// reduction domains and allocations become constant, which makes tiles fully unrollable.
/// Floating-point parameters are left alone (`x == 0.0` also holds for `-0.0`).
pub fn facts(cond: &Expr) -> Vec<(Arc<str>, Expr)> {
    use halite_core::{BinOp, ExprNode};
    let mut out: Vec<(Arc<str>, Expr)> = Vec::new();
    let mut todo = vec![cond.clone()];
    while let Some(e) = todo.pop() {
        match e.node() {
            ExprNode::Binary(BinOp::And, a, b) => {
                todo.push(a.clone());
                todo.push(b.clone());
            }
            ExprNode::Binary(BinOp::Eq, a, b) => {
                let pinned = match (a.node(), b.node()) {
                    (ExprNode::Var(n), ExprNode::Const(_)) => Some((n.clone(), b.clone())),
                    (ExprNode::Const(_), ExprNode::Var(n)) => Some((n.clone(), a.clone())),
                    _ => None,
                };
                if let Some((n, c)) = pinned {
                    let integral = !c.ty().is_float();
                    if integral && !out.iter().any(|(m, _)| *m == n) {
                        out.push((n, c));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `e` with every name of `facts` replaced by its value, simplified.
pub fn substitute_facts(e: &Expr, facts: &[(Arc<str>, Expr)]) -> Expr {
    let map = |n: &str| {
        facts
            .iter()
            .find(|(m, _)| &**m == n)
            .map(|(_, v)| v.clone())
    };
    halite_core::simplify(&halite_core::expr::substitute(e, &map))
}

/// `p` with every name of `facts` replaced by its value, in every definition.
pub fn assume(p: &Pipeline, facts: &[(Arc<str>, Expr)]) -> Pipeline {
    let sub = |e: &Expr| substitute_facts(e, facts);
    let mut p = p.clone();
    for f in &mut p.funcs {
        f.value = sub(&f.value);
        for u in &mut f.updates {
            for a in &mut u.args {
                *a = sub(a);
            }
            u.value = sub(&u.value);
            for c in &mut u.predicates {
                *c = sub(c);
            }
            for r in &mut u.rvars {
                r.min = sub(&r.min);
                r.extent = sub(&r.extent);
            }
        }
    }
    p
}
