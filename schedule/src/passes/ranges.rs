//! Pass `simplify_in_ranges`: decide what the ranges of loop variables and lets decide.
//!
//! The simplifier sees one expression at a time; inside a loop nest, much more is known. In
//! `for ro in [0, +2): let depthwise.extent.3 = min(16, 32 - ro * 16)`, the extent is 16 on
//! every iteration, and a region computed inside a full tile usually has constant extents
//! once the loop ranges around it are taken into account. This pass walks the nest with the
//! interval of every loop variable (`[min, min + extent - 1]`) and of every `let` in scope, and
//!
//! * replaces a variable whose interval is a single constant by that constant,
//! * decides integer comparisons whose operands' intervals do not overlap (or are one point),
//! * drops the operand of an integer `min`/`max` that can never be the result,
//! * divides a sum by a constant `c` term by term when the terms that are not multiples of
//!   `c` lie in `[0, c - 1]` and the sum is not negative (see [`Decide::split_multiples`]):
//!   `(jo * 256 + jm * 16 + jv) / 16` is `jo * 16 + jm` and `% 16` is `jv` for `jv` in
//!   `[0, 15]`, so a vector over `jv` reads a packed panel densely instead of lane by lane,
//! * keeps the taken side of an `if` whose condition it decided,
//! * inside an `if` whose condition bounds a variable from below (`0 < out.extent.1`), uses
//!   that bound where the intervals alone decide nothing (see [`lower_bounds_of`]),
//! * inside the outer loop `o` of a split of extent `e` by `f`, knows that `o * f <= e - 1`,
//!   so the last block `min(f, e - o * f)` is never empty (see [`split_products`]): a region
//!   computed at a split reduction loop (`depthwise` at `pointwise`'s `ro`) is then not
//!   guarded by a test of its emptiness, and keeps the constant extents of the tile.
//!
//! Intervals are those of `halite_core::interval` (symbolic, so `x * 3 <= x * 3 + 2` holds for
//! an unknown `x` too); a decision that relies on a guard against wrap-around is not taken.
//!
//! Pre: none. Post: the same program, with fewer run-time conditions and more constants.

use super::bounds::restore;
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{BinOp, Expr, ExprMutator, ExprNode, Stmt, Type};
use std::sync::Arc;

/// Runs the pass.
pub fn simplify_in_ranges(s: Stmt) -> Stmt {
    let mut cx = Ranges {
        scope: Scope::new(),
        nonneg: Vec::new(),
        facts: Scope::new(),
        known: Vec::new(),
        loose: Scope::new(),
        values: Vec::new(),
    };
    cx.stmt(s)
}

/// `e` simplified knowing the lower bounds that `cond` places on variables (as inside
/// `if cond`); for values computed outside the nest, such as allocation sizes.
pub fn simplify_assuming(e: &Expr, cond: &Expr) -> Expr {
    let mut cx = Ranges {
        scope: Scope::new(),
        nonneg: Vec::new(),
        facts: lower_bounds_of(cond).into_iter().collect(),
        known: Vec::new(),
        loose: Scope::new(),
        values: Vec::new(),
    };
    cx.expr(e)
}

/// The lower bounds that the conjuncts of `cond` put on integer variables: `c < v`, `c <= v`,
/// `v > c`, `v >= c` (through casts that keep the value) give `v` in `[c + 1, ..]` or `[c, ..]`.
pub fn lower_bounds_of(cond: &Expr) -> Vec<(Arc<str>, Interval)> {
    fn var_of(e: &Expr) -> Option<(Arc<str>, Type)> {
        match e.node() {
            ExprNode::Var(n) if e.ty().is_int() => Some((n.clone(), e.ty())),
            // Widening casts keep the value, so they keep the bound.
            ExprNode::Cast(a) if e.ty().holds_all_of(a.ty()) => var_of(a),
            _ => None,
        }
    }
    let mut out: Vec<(Arc<str>, Interval)> = Vec::new();
    let mut todo = vec![cond.clone()];
    while let Some(e) = todo.pop() {
        let ExprNode::Binary(op, a, b) = e.node() else {
            continue;
        };
        // `(variable side, constant side, strict)`: `a < b` bounds `b` below by `a + 1`.
        let (var_side, const_side, strict) = match op {
            BinOp::And => {
                todo.push(a.clone());
                todo.push(b.clone());
                continue;
            }
            BinOp::Lt => (b, a, true),
            BinOp::Le => (b, a, false),
            BinOp::Gt => (a, b, true),
            BinOp::Ge => (a, b, false),
            _ => continue,
        };
        let (Some((name, ty)), Some(k)) = (var_of(var_side), const_side.as_int()) else {
            continue;
        };
        let Some(lo) = k.checked_add(strict as i64) else {
            continue;
        };
        // Intervals in scope are `i64` whatever the variable's type (as for loops); the upper
        // side is the type's largest value, so arithmetic on the bound is known not to wrap.
        let Some((_, top)) = ty.int_range() else {
            continue;
        };
        let fits = i128::from(lo) <= top;
        let iv = Interval {
            min: Some(Expr::i64(lo)),
            max: i64::try_from(top).ok().map(Expr::i64),
        };
        let weaker = out
            .iter()
            .any(|(n, known)| *n == name && constant(&known.min).is_some_and(|m| m >= lo));
        if fits && !weaker {
            out.retain(|(n, _)| *n != name);
            out.push((name, iv));
        }
    }
    out
}

/// What [`Ranges::forget`] returns: the known products and `let` values before a binding.
type Saved = (Vec<(Expr, Interval)>, Vec<(Arc<str>, Expr)>);

/// The intervals known at a point of the nest.
struct Ranges {
    scope: Scope,
    /// Loop variables whose loop starts at a non-negative constant.
    nonneg: Vec<Arc<str>>,
    /// Lower bounds that enclosing `if` conditions put on variables, used only where the
    /// intervals of `scope` decide nothing (a bound with no upper side would make `scope`
    /// lose what it knows symbolically, such as `n - (n - 1) = 1`).
    facts: Scope,
    /// The products `o * f` of the split loops in scope (see [`split_products`]).
    known: Vec<(Expr, Interval)>,
    /// The intervals of `scope` taken whatever guards against wrap-around they rely on
    /// (sound for index arithmetic, see [`Ranges::interval_if`]).
    loose: Scope,
    /// The values of the `let`s in scope whose names are still what they were bound to (a
    /// loop or `let` rebinding a name they use drops them), for [`Decide::split_multiples`].
    values: Vec<(Arc<str>, Expr)>,
}

impl Ranges {
    fn stmt(&mut self, s: Stmt) -> Stmt {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let min = self.expr(&min);
                let extent = self.expr(&extent);
                let last = Expr::cast(Type::I64, min.clone())
                    .add(Expr::cast(Type::I64, extent.clone()))
                    .sub(Expr::i64(1));
                let lo = self.interval(&min).min;
                let hi = self.interval(&last).max;
                let loose = Interval {
                    min: self.interval_if(&min, true).min,
                    max: self.interval_if(&last, true).max,
                };
                let old_loose = self.loose.insert(var.clone(), loose);
                let nonneg = constant(&lo).is_some_and(|v| v >= 0);
                let old = self
                    .scope
                    .insert(var.clone(), Interval { min: lo, max: hi });
                if nonneg {
                    self.nonneg.push(var.clone());
                }
                let saved_known = self.forget(&var);
                let products = split_products(&var, &min, &extent, &self.scope);
                self.known.extend(products);
                let body = self.stmt(*body);
                (self.known, self.values) = saved_known;
                if nonneg {
                    self.nonneg.pop();
                }
                restore(&mut self.scope, &var, old);
                restore(&mut self.loose, &var, old_loose);
                Stmt::For {
                    var,
                    min,
                    extent,
                    kind,
                    body: Box::new(body),
                }
            }
            Stmt::Let { name, value, body } => {
                let value = self.expr_as(&value, true);
                let iv = self.interval(&value);
                // What the enclosing conditions add (`e.extent.1 >= 1` inside `if 0 < n`).
                let fact = if self.facts.is_empty() {
                    None
                } else {
                    let more = self.interval_with_facts(&value);
                    (more != iv).then_some(more)
                };
                let old = self.scope.insert(name.clone(), iv);
                let old_loose = self
                    .loose
                    .insert(name.clone(), self.interval_if(&value, true));
                // (An outer fact about a name this let shadows no longer holds.)
                let old_fact = match fact {
                    Some(f) => self.facts.insert(name.clone(), f),
                    None => self.facts.remove(&name),
                };
                let saved_known = self.forget(&name);
                if value.ty().is_int() && !has_let(&value) {
                    self.values.push((name.clone(), value.clone()));
                }
                let body = self.stmt(*body);
                (self.known, self.values) = saved_known;
                restore(&mut self.scope, &name, old);
                restore(&mut self.loose, &name, old_loose);
                restore(&mut self.facts, &name, old_fact);
                Stmt::Let {
                    name,
                    value,
                    body: Box::new(body),
                }
            }
            Stmt::If { cond, then } => {
                let cond = self.expr(&cond);
                match cond.as_const().and_then(|v| v.as_bool()) {
                    Some(true) => self.stmt(*then),
                    Some(false) => Stmt::Block(vec![]),
                    None => {
                        let known = lower_bounds_of(&cond);
                        let saved: Vec<_> = known
                            .into_iter()
                            .map(|(n, iv)| {
                                let old = self.facts.insert(n.clone(), iv);
                                (n, old)
                            })
                            .collect();
                        let then = self.stmt(*then);
                        for (n, old) in saved.into_iter().rev() {
                            restore(&mut self.facts, &n, old);
                        }
                        Stmt::If {
                            cond,
                            then: Box::new(then),
                        }
                    }
                }
            }
            Stmt::Store { func, args, value } => Stmt::Store {
                func,
                args: args.iter().map(|a| self.expr_as(a, true)).collect(),
                value: self.expr(&value),
            },
            Stmt::Allocate {
                func,
                ty,
                bounds,
                body,
            } => Stmt::Allocate {
                func,
                ty,
                bounds: bounds
                    .iter()
                    .map(|(m, e)| (self.expr(m), self.expr(e)))
                    .collect(),
                body: Box::new(self.stmt(*body)),
            },
            s @ (Stmt::Produce { .. } | Stmt::Block(_)) => s.map_children(&mut |c| self.stmt(c)),
        }
    }

    /// Drops the known products that mention `name` (a loop or `let` that shadows it);
    /// returns what was known before, to restore after its scope.
    fn forget(&mut self, name: &str) -> Saved {
        let saved = (self.known.clone(), self.values.clone());
        self.known.retain(|(k, _)| !k.uses_var(name));
        self.values
            .retain(|(n, v)| &**n != name && !v.uses_var(name));
        saved
    }

    /// The interval of an integer expression, or unbounded where it relies on a guard.
    fn interval(&self, e: &Expr) -> Interval {
        self.interval_if(e, false)
    }

    /// [`Ranges::interval`], or with `unguarded`, the interval whatever guards against
    /// wrap-around it relies on: for index expressions, whose arithmetic the entry guards
    /// keep from wrapping (pass `entry_checks` guards every call's and store's arguments and
    /// every `let` of the nest).
    fn interval_if(&self, e: &Expr, unguarded: bool) -> Interval {
        if !e.ty().is_int() {
            return Interval::everything();
        }
        let mut b = Bounds::new(if unguarded { &self.loose } else { &self.scope });
        b.nonneg_vars = self.nonneg.clone();
        b.known = &self.known;
        let iv = b.of(e);
        if unguarded || b.guards.is_empty() {
            iv
        } else {
            Interval::everything()
        }
    }

    /// The interval of `e` with the enclosing conditions' lower bounds too, for a side that
    /// [`Ranges::interval`] leaves unknown.
    fn interval_with_facts(&self, e: &Expr) -> Interval {
        self.interval_with_facts_if(e, false)
    }

    /// [`Ranges::interval_with_facts`], ignoring guards with `unguarded` (see
    /// [`Ranges::interval_if`]).
    fn interval_with_facts_if(&self, e: &Expr, unguarded: bool) -> Interval {
        let iv = self.interval_if(e, unguarded);
        let known = |side: &Option<Expr>| side.as_ref().is_some_and(|x| x.as_int().is_some());
        if self.facts.is_empty() || (known(&iv.min) && known(&iv.max)) {
            return iv;
        }
        let mut both = if unguarded {
            self.loose.clone()
        } else {
            self.scope.clone()
        };
        for (n, f) in &self.facts {
            let merged = match both.get(n) {
                Some(iv) => Interval {
                    min: prefer_constant(iv.min.clone(), f.min.clone()),
                    max: prefer_constant(iv.max.clone(), f.max.clone()),
                },
                None => f.clone(),
            };
            both.insert(n.clone(), merged);
        }
        let mut b = Bounds::new(&both);
        b.nonneg_vars = self.nonneg.clone();
        b.known = &self.known;
        let more = b.of(e);
        if !unguarded && !b.guards.is_empty() {
            return iv;
        }
        Interval {
            min: prefer_constant(iv.min, more.min),
            max: prefer_constant(iv.max, more.max),
        }
    }

    fn expr(&mut self, e: &Expr) -> Expr {
        self.expr_as(e, false)
    }

    /// [`Ranges::expr`] of an index expression (`index`: a store's argument or a `let`'s
    /// value, which the entry guards keep from wrapping).
    fn expr_as(&mut self, e: &Expr, index: bool) -> Expr {
        if (self.scope.is_empty() && self.facts.is_empty()) || has_let(e) {
            return e.clone();
        }
        // Each round decides what the simplified result of the last one shows
        // (`0 < select(true, 1, 0)`); a few rounds reach what nested regions need.
        let mut cur = e.clone();
        for _ in 0..4 {
            let r = Decide(self, index).mutate(&cur);
            if r.same_as(&cur) {
                break;
            }
            cur = halite_core::simplify(&r);
        }
        cur
    }
}

/// What the loop `for o in [0, +(e + (f - 1)) / f)` (the outer loop of a split of extent `e`
/// by a constant `f`, whose guarded last block is `min(f, e - o * f)`) tells of `o * f`: it
/// lies in `[0, e - 1]`, without wrap-around, so `e - o * f` is at least 1. (The loop runs
/// only if `e + f - 1` did not wrap and `e >= 1`; then `o <= (e + f - 1) / f - 1` gives
/// `o * f <= e - 1`.) Only for an `e` of run-time constants (no variable of `scope`), so the
/// interval holds wherever `o` is in scope. Both the product in `o`'s type and in `i64` are
/// known.
fn split_products(o: &Arc<str>, min: &Expr, extent: &Expr, scope: &Scope) -> Vec<(Expr, Interval)> {
    let ty = extent.ty();
    if !ty.is_int() || ty.is_unsigned_int() || min.as_int() != Some(0) {
        return vec![];
    }
    let ExprNode::Binary(BinOp::Div, num, f) = extent.node() else {
        return vec![];
    };
    let ExprNode::Binary(BinOp::Add, e, c) = num.node() else {
        return vec![];
    };
    let (Some(f), Some(c)) = (f.as_int(), c.as_int()) else {
        return vec![];
    };
    if f < 2 || c != f - 1 || !e.ty().is_int() {
        return vec![];
    }
    let mut free = true;
    e.visit(&mut |x| {
        if let ExprNode::Var(n) = x.node() {
            free &= !scope.contains_key(n);
        }
        free &= !matches!(x.node(), ExprNode::Call { .. } | ExprNode::Let(..));
    });
    if !free {
        return vec![];
    }
    let iv = Interval {
        min: Some(Expr::i64(0)),
        max: Some(halite_core::simplify(
            &Expr::cast(Type::I64, e.clone()).sub(Expr::i64(1)),
        )),
    };
    let ov = Expr::var(o.clone(), ty);
    vec![
        (
            ov.clone()
                .mul(Expr::constant(halite_core::Value::from_i64(ty, f))),
            iv.clone(),
        ),
        (Expr::cast(Type::I64, ov).mul(Expr::i64(f)), iv),
    ]
}

/// Of two valid bounds on the same side, a constant one (the one that decides comparisons).
fn prefer_constant(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (&a, &b) {
        (Some(x), _) if x.as_int().is_some() => a,
        (_, Some(y)) if y.as_int().is_some() => b,
        _ => a.or(b),
    }
}

/// Whether `e` binds a name (the pass leaves such expressions alone rather than track scopes).
fn has_let(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |x| found |= matches!(x.node(), ExprNode::Let(..)));
    found
}

/// The constant value of an interval side, if it is one.
fn constant(side: &Option<Expr>) -> Option<i64> {
    side.as_ref().and_then(|e| e.as_int())
}

/// Decides what the ranges decide; `index` while inside the arguments of a call or store
/// (index arithmetic, which the entry guards keep from wrapping).
struct Decide<'a>(&'a Ranges, bool);

impl Decide<'_> {
    /// The interval of `b - a`, computed in `i64` (exactly: a subtraction that could wrap
    /// there adds a guard, and guarded intervals are not used).
    fn difference(&self, a: &Expr, b: &Expr) -> Option<(Option<i64>, Option<i64>)> {
        if a.ty() == Type::U64 {
            return None;
        }
        let d = Expr::cast(Type::I64, b.clone()).sub(Expr::cast(Type::I64, a.clone()));
        let iv = self.0.interval_with_facts(&d);
        Some((constant(&iv.min), constant(&iv.max)))
    }

    /// `(q + r) / c` as `q / c` and `(q + r) % c` as `r`, for a constant `c >= 2`, where `q` is
    /// the terms of the sum that are multiples of `c` (`x * k` with `c` dividing `k`, or such a
    /// constant), `r` the others, `r` lies in `[0, c - 1]` and the sum is not negative (so
    /// that the truncating division rounds down: `q + r = c * (q / c) + r` with `0 <= r < c`).
    /// A `let` name stands for its value here (a vector index is usually one). Intervals are
    /// taken in `i64`; in index arithmetic (the arguments of calls and stores, `let` values),
    /// whose wrap-around the entry guards rule out, whatever guards they rely on, elsewhere
    /// only without guards, so that the sum as computed equals the mathematical one.
    fn split_multiples(&self, op: BinOp, a: &Expr, b: &Expr) -> Option<Expr> {
        let c = b.as_int()?;
        let ty = a.ty();
        // (Index types only: an unsigned `u64` would not fit the `i64` intervals.)
        if c < 2 || !matches!(ty, Type::I32 | Type::I64) {
            return None;
        }
        let value = match a.node() {
            ExprNode::Var(n) => self
                .0
                .values
                .iter()
                .rev()
                .find(|(m, _)| m == n)
                .map_or_else(|| a.clone(), |(_, v)| v.clone()),
            _ => a.clone(),
        };
        let k = |v: i64| Expr::constant(halite_core::Value::from_i64(ty, v));
        let multiple = |e: &Expr| e.as_int().filter(|v| v % c == 0).map(|v| v / c);
        let (mut q, mut r): (Vec<Expr>, Vec<Expr>) = (Vec::new(), Vec::new());
        for t in value.summands() {
            match t.node() {
                _ if multiple(t).is_some() => q.extend(multiple(t).map(k)),
                ExprNode::Binary(BinOp::Mul, x, m) if multiple(m).is_some() => {
                    q.extend(multiple(m).map(|f| {
                        if f == 1 {
                            x.clone()
                        } else {
                            x.clone().mul(k(f))
                        }
                    }));
                }
                _ => r.push(t.clone()),
            }
        }
        let sum = |v: Vec<Expr>| {
            v.into_iter()
                .reduce(|x, y| x.add(y))
                .unwrap_or_else(|| k(0))
        };
        let r = sum(r);
        let in_i64 = |e: &Expr| {
            self.0
                .interval_with_facts_if(&Expr::cast(Type::I64, e.clone()), self.1)
        };
        let (ir, ia) = (in_i64(&r), in_i64(&value));
        // Sides may be symbolic (`min(16, n - jo * 16) - 1`): their constant bounds decide.
        let lower = |side: &Option<Expr>| {
            side.as_ref().and_then(|x| {
                crate::passes::tiles::constant_range(x, &|_| None, &|_, _| (None, None)).0
            })
        };
        let upper = |side: &Option<Expr>| {
            side.as_ref()
                .and_then(crate::passes::tiles::constant_upper_bound)
        };
        let fits = lower(&ir.min).is_some_and(|lo| lo >= 0)
            && upper(&ir.max).is_some_and(|hi| hi < c)
            && lower(&ia.min).is_some_and(|lo| lo >= 0);
        if !fits {
            return None;
        }
        Some(match op {
            BinOp::Div => sum(q),
            _ => r,
        })
    }
}

impl ExprMutator for Decide<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        if let ExprNode::Call { .. } = e.node() {
            if !self.1 {
                self.1 = true;
                let r = self.mutate_children(e);
                self.1 = false;
                return r;
            }
        }
        let e = self.mutate_children(e);
        match e.node() {
            ExprNode::Var(n) => {
                let Some(iv) = self.0.scope.get(n) else {
                    return e;
                };
                // A point interval of a value the type holds (bounds are mathematical).
                match (constant(&iv.min), constant(&iv.max)) {
                    (Some(lo), Some(hi)) if lo == hi && e.ty().is_int() => {
                        let c = halite_core::Value::from_i64(e.ty(), lo);
                        if c.as_i64() == Some(lo) {
                            Expr::constant(c)
                        } else {
                            e
                        }
                    }
                    _ => e,
                }
            }
            ExprNode::Binary(op, a, b) if a.ty().is_int() => {
                let decided = match op {
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                        let Some((lo, hi)) = self.difference(a, b) else {
                            return e;
                        };
                        // d = b - a.
                        let pos = lo.is_some_and(|l| l > 0);
                        let nonneg = lo.is_some_and(|l| l >= 0);
                        let neg = hi.is_some_and(|h| h < 0);
                        let nonpos = hi.is_some_and(|h| h <= 0);
                        let zero = nonneg && nonpos;
                        let v = match op {
                            BinOp::Lt => (pos || nonpos).then_some(pos),
                            BinOp::Le => (nonneg || neg).then_some(nonneg),
                            BinOp::Gt => (neg || nonneg).then_some(neg),
                            BinOp::Ge => (nonpos || pos).then_some(nonpos),
                            BinOp::Eq => (zero || pos || neg).then_some(zero),
                            _ => (zero || pos || neg).then_some(!zero),
                        };
                        return v.map(Expr::bool).unwrap_or(e);
                    }
                    BinOp::Min | BinOp::Max => {
                        let Some((lo, hi)) = self.difference(a, b) else {
                            return e;
                        };
                        // b >= a everywhere: min is a, max is b; b <= a: the other way.
                        let b_ge = lo.is_some_and(|l| l >= 0);
                        let b_le = hi.is_some_and(|h| h <= 0);
                        match (op, b_ge, b_le) {
                            (BinOp::Min, true, _) | (BinOp::Max, _, true) => Some(a.clone()),
                            (BinOp::Min, _, true) | (BinOp::Max, true, _) => Some(b.clone()),
                            _ => None,
                        }
                    }
                    BinOp::Div | BinOp::Rem => self.split_multiples(*op, a, b),
                    _ => None,
                };
                decided.unwrap_or(e)
            }
            _ => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::ForKind;

    fn v(n: &str) -> Expr {
        Expr::var(n, Type::I32)
    }

    /// A size computed at entry (as an allocation's is) keeps its value under the facts of
    /// `if 0 < n`: `n` may be as large as `i32::MAX`, so `n * n * 4` in `i64` may exceed `i64`,
    /// and its upper bound is unknown rather than wrapped around to a negative number (which
    /// would decide `min(n * n * 4, 7)` to be `n * n * 4`).
    #[test]
    fn sizes_past_i64_decide_nothing() {
        let n = Expr::cast(Type::I64, v("n"));
        let e = n.clone().mul(n).mul(Expr::i64(4)).min(Expr::i64(7));
        let cond = Expr::binary(BinOp::Lt, Expr::i32(0), v("n"));
        let s = simplify_assuming(&e, &cond);
        let at = |e: &Expr, n: i32| {
            halite_core::interp_nest::eval_at_entry(
                &[],
                vec![("n".into(), halite_core::Value::I32(n))],
                e,
            )
            .unwrap()
        };
        for n in [1, 2, 1000] {
            assert_eq!(at(&s, n), at(&e, n), "{s}");
        }
    }

    /// A packed panel read by a vector: `j / 16` and `j % 16` of `j = jo * 256 + jm * 16 + jv`
    /// (a `let`) are `jo * 16 + jm` and `jv` for `jv` in `[0, 15]`; not where `jv` may reach 16.
    #[test]
    fn sums_divide_term_by_term() {
        let nest = |jv_extent: i32| {
            let j = v("jo")
                .mul(Expr::i32(256))
                .add(v("jm").mul(Expr::i32(16)))
                .add(v("jv"));
            let store = Stmt::Store {
                func: "c".into(),
                args: vec![v("j")],
                value: Expr::call(
                    halite_core::CallKind::Func,
                    "p",
                    vec![
                        Expr::binary(BinOp::Div, v("j"), Expr::i32(16)),
                        Expr::binary(BinOp::Rem, v("j"), Expr::i32(16)),
                    ],
                    Type::F32,
                ),
            };
            let lp = |var: &str, extent: Expr, kind, body| Stmt::For {
                var: var.into(),
                min: Expr::i32(0),
                extent,
                kind,
                body: Box::new(body),
            };
            let n = Expr::var("n", Type::I32);
            lp(
                "jo",
                Expr::binary(BinOp::Div, n.add(Expr::i32(255)), Expr::i32(256)),
                ForKind::Parallel { chunk: 1 },
                lp(
                    "jm",
                    Expr::i32(16),
                    ForKind::Serial,
                    lp(
                        "jv",
                        Expr::i32(jv_extent),
                        ForKind::Vectorized(8),
                        Stmt::Let {
                            name: "j".into(),
                            value: j,
                            body: Box::new(store),
                        },
                    ),
                ),
            )
        };
        let out = simplify_in_ranges(nest(16)).to_string();
        assert!(out.contains("p(jo * 16 + jm, jv)"), "{out}");
        let out = simplify_in_ranges(nest(17)).to_string();
        assert!(out.contains("p(j / 16, j % 16)"), "{out}");
        // A value (not an index) may wrap: `jo * 256` is not known to fit without a guard.
        let value = v("jo").mul(Expr::i32(256)).add(v("jv")).div(Expr::i32(16));
        let s = Stmt::For {
            var: "jo".into(),
            min: Expr::i32(0),
            extent: Expr::var("n", Type::I32),
            kind: ForKind::Serial,
            body: Box::new(Stmt::For {
                var: "jv".into(),
                min: Expr::i32(0),
                extent: Expr::i32(16),
                kind: ForKind::Serial,
                body: Box::new(Stmt::Store {
                    func: "c".into(),
                    args: vec![v("jo")],
                    value,
                }),
            }),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("(jo * 256 + jv) / 16"), "{out}");
    }

    /// A region extent that is the same on every iteration of the loop around it becomes a
    /// constant, and a guard it decides disappears.
    #[test]
    fn extents_constant_over_a_loop_range() {
        let ext = Expr::binary(
            BinOp::Min,
            Expr::i32(16),
            Expr::i32(32).sub(v("ro").mul(Expr::i32(16))),
        );
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![v("e")],
            value: Expr::i32(0),
        };
        let guarded = Stmt::If {
            cond: Expr::binary(BinOp::Lt, Expr::i32(0), v("e")),
            then: Box::new(store),
        };
        let s = Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent: Expr::i32(2),
            kind: ForKind::Serial,
            body: Box::new(Stmt::Let {
                name: "e".into(),
                value: ext,
                body: Box::new(guarded),
            }),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("let e = 16"), "{out}");
        assert!(!out.contains("if"), "{out}");
        assert!(out.contains("f(16) = 0"), "{out}");
    }

    /// The last block of a split of a run-time extent is never empty: inside
    /// `for ro in [0, +(n + 15) / 16)`, `0 < min(16, n - ro * 16)` holds (in `i32`, where
    /// `n - ro * 16` alone would need a guard against wrap-around, and in `i64`).
    #[test]
    fn split_blocks_are_not_empty() {
        let n = Expr::var("f.extent.0", Type::I32);
        let blk = Expr::binary(
            BinOp::Min,
            Expr::i32(16),
            n.clone().sub(v("ro").mul(Expr::i32(16))),
        );
        let wide = Expr::cast(Type::I64, n.clone())
            .sub(Expr::cast(Type::I64, v("ro")).mul(Expr::i64(16)))
            .sub(Expr::i64(1));
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![Expr::i32(0)],
            value: Expr::binary(BinOp::Lt, Expr::i32(0), blk.clone()).and(Expr::binary(
                BinOp::Le,
                Expr::i64(0),
                wide,
            )),
        };
        let loop_over = |extent: Expr| Stmt::For {
            var: "ro".into(),
            min: Expr::i32(0),
            extent,
            kind: ForKind::Serial,
            body: Box::new(store.clone()),
        };
        let split = n.clone().add(Expr::i32(15)).div(Expr::i32(16));
        let out = simplify_in_ranges(loop_over(split)).to_string();
        assert!(out.contains("f(0) = true"), "{out}");
        // A loop of another extent tells nothing of the block.
        let other = n.add(Expr::i32(16)).div(Expr::i32(16));
        let out = simplify_in_ranges(loop_over(other)).to_string();
        assert!(!out.contains("f(0) = true"), "{out}");
    }

    /// Against an unknown value nothing is decided; within the loop's range it is.
    #[test]
    fn unknown_values_decide_only_what_is_certain() {
        let body = Stmt::Store {
            func: "f".into(),
            args: vec![Expr::binary(BinOp::Min, v("x").mul(Expr::i32(3)), v("n"))],
            value: Expr::binary(BinOp::Le, v("x").mul(Expr::i32(3)), Expr::i32(27)),
        };
        let s = Stmt::For {
            var: "x".into(),
            min: Expr::i32(0),
            extent: Expr::i32(10),
            kind: ForKind::Serial,
            body: Box::new(body),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("min(x * 3, n)"), "{out}");
        assert!(out.contains("= true"), "{out}");
    }
}

#[cfg(test)]
mod facts_tests {
    use super::*;

    #[test]
    fn an_if_bounds_its_variables_below() {
        let n = Expr::var("out.extent.1", Type::I32);
        let pos = Expr::binary(BinOp::Lt, Expr::i64(0), Expr::cast(Type::I64, n.clone()));
        let sel = Expr::cast(
            Type::I32,
            Expr::select(pos.clone(), Expr::i32(1), Expr::i32(0)),
        );
        let outer = Expr::binary(BinOp::Lt, Expr::i64(0), Expr::cast(Type::I64, sel));
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![Expr::i32(0)],
            value: outer,
        };
        let s = Stmt::If {
            cond: Expr::binary(BinOp::Lt, Expr::i32(0), n),
            then: Box::new(store),
        };
        let out = simplify_in_ranges(s).to_string();
        assert!(out.contains("f(0) = true"), "{out}");
    }
}
