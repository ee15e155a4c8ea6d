//! The simplifier: constant folding and a few exact algebraic rewrites.
//!
//! Every rewrite preserves the semantics of [`crate::expr`] bit for bit:
//! * constants fold through [`crate::value`], so folding is exactly run-time evaluation;
//! * integer `+ - *` wrap, which makes them a ring: sums of integer terms are collected into a
//!   canonical linear form `c0 + c1*t1 + ..` (terms in first-seen order), exact under wrapping;
//! * float arithmetic is never reassociated or rewritten, only folded when all operands are
//!   constants;
//! * `min`/`max`/`select` with equal or constant operands collapse.

use crate::expr::{substitute_var, BinOp, Expr, ExprMutator, ExprNode, Intrinsic, UnOp};
use crate::types::Type;
use crate::value::Value;

/// Simplifies an expression, preserving its value bit for bit.
pub fn simplify(e: &Expr) -> Expr {
    Simplifier { bounds: false }.mutate(e)
}

/// Simplifies a *bound expression*: an `i64` expression of interval arithmetic, whose
/// operations are mathematical (they never overflow: see `crate::interval`). On top of the
/// exact rewrites it collapses `min`/`max` of terms that differ by constants, which is only
/// valid without wrap-around.
pub fn simplify_bounds(e: &Expr) -> Expr {
    Simplifier { bounds: true }.mutate(e)
}

struct Simplifier {
    bounds: bool,
}

impl ExprMutator for Simplifier {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let mode = if self.bounds { 2 } else { 1 };
        if e.is_simplified(mode) {
            return e.clone();
        }
        let e = self.mutate_children(e);
        let r = rewrite(&e, self.bounds);
        // A rewrite may produce a node whose children were built by hand: simplify once more
        // only if it changed, then remember the fixpoint.
        let r = if r.same_as(&e) {
            r
        } else {
            Simplifier {
                bounds: self.bounds,
            }
            .mutate_children(&r)
        };
        r.mark_simplified(mode);
        r
    }
}

fn konst(e: &Expr) -> Option<Value> {
    e.as_const()
}

fn is_int_const(e: &Expr, v: i64) -> bool {
    e.ty().is_int() && e.as_int() == Some(v)
}

/// One bottom-up rewrite step; children are already simplified.
fn rewrite(e: &Expr, bounds: bool) -> Expr {
    let ty = e.ty();
    match e.node() {
        ExprNode::Cast(a) => {
            if let Some(v) = konst(a).and_then(|v| v.cast(ty)) {
                return Expr::constant(v);
            }
            // `select(c, 1, 0) as i64` -> `select(c, 1i64, 0i64)`: the cast of whichever
            // constant the select picks.
            if let ExprNode::Select(c, t, f) = a.node() {
                let cast = |x: &Expr| konst(x).and_then(|v| v.cast(ty)).map(Expr::constant);
                if let (Some(t), Some(f)) = (cast(t), cast(f)) {
                    return rewrite(&Expr::select(c.clone(), t, f), bounds);
                }
            }
            e.clone()
        }
        ExprNode::Unary(op, a) => {
            let neg_overflows = bounds
                && *op == UnOp::Neg
                && konst(a).is_some_and(|v| overflows_i64(BinOp::Sub, Value::zero(v.ty()), v));
            if neg_overflows {
                return e.clone();
            }
            if let Some(v) = konst(a).and_then(|v| Value::unary(*op, v)) {
                return Expr::constant(v);
            }
            if let ExprNode::Unary(op2, inner) = a.node() {
                if op == op2 && (ty.is_int() || ty == Type::Bool) {
                    return inner.clone();
                }
            }
            if *op == UnOp::Neg && ty.is_int() {
                return linear_checked(e, bounds).unwrap_or_else(|| e.clone());
            }
            e.clone()
        }
        ExprNode::Binary(op, a, b) => {
            if let (Some(x), Some(y)) = (konst(a), konst(b)) {
                if bounds && overflows_i64(*op, x, y) {
                    // Bounds are mathematical: a sum that does not fit stays unfolded rather
                    // than wrap around (see `crate::interval`).
                    return e.clone();
                }
                if let Some(v) = Value::binary(*op, x, y) {
                    return Expr::constant(v);
                }
            }
            if let Some(r) = fold_into_select(*op, a, b, bounds) {
                return r;
            }
            if ty.is_int() && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul) {
                let l = match linear_checked(e, bounds) {
                    Some(l) => l,
                    None => return e.clone(),
                };
                if bounds && matches!(op, BinOp::Add | BinOp::Sub) {
                    if let Some(pushed) = push_into_select(&l) {
                        return pushed;
                    }
                }
                return l;
            }
            match op {
                BinOp::Div if is_int_const(b, 1) => a.clone(),
                // (A zero divisor gives 0 too.)
                BinOp::Div | BinOp::Rem if is_int_const(a, 0) => a.clone(),
                BinOp::Min | BinOp::Max if a == b => a.clone(),
                BinOp::Min | BinOp::Max if ty.is_int() => match min_max_absorb(*op, e) {
                    Some(r) => r,
                    None if bounds && ty == Type::I64 => min_max_chain(*op, e),
                    None => e.clone(),
                },
                BinOp::Eq | BinOp::Le | BinOp::Ge if a == b && a.ty().is_int() => Expr::bool(true),
                BinOp::Ne | BinOp::Lt | BinOp::Gt if a == b && a.ty().is_int() => Expr::bool(false),
                BinOp::And => match (konst(a), konst(b)) {
                    (Some(Value::Bool(true)), _) => b.clone(),
                    (_, Some(Value::Bool(true))) => a.clone(),
                    (Some(Value::Bool(false)), _) | (_, Some(Value::Bool(false))) => {
                        Expr::bool(false)
                    }
                    // `a && b && a` is `a && b`.
                    _ if implies(a, b) => a.clone(),
                    _ if implies(b, a) => b.clone(),
                    _ => e.clone(),
                },
                BinOp::Or => match (konst(a), konst(b)) {
                    (Some(Value::Bool(false)), _) => b.clone(),
                    (_, Some(Value::Bool(false))) => a.clone(),
                    (Some(Value::Bool(true)), _) | (_, Some(Value::Bool(true))) => Expr::bool(true),
                    // Absorption: `a || a && x` is `a`.
                    _ if implies(b, a) => a.clone(),
                    _ if implies(a, b) => b.clone(),
                    _ => e.clone(),
                },
                _ => e.clone(),
            }
        }
        ExprNode::Select(c, t, f) => match (konst(c), konst(t), konst(f)) {
            (Some(Value::Bool(true)), ..) => t.clone(),
            (Some(Value::Bool(false)), ..) => f.clone(),
            _ if t == f => t.clone(),
            (_, Some(Value::Bool(true)), Some(Value::Bool(false))) => c.clone(),
            (_, Some(Value::Bool(false)), Some(Value::Bool(true))) => {
                rewrite(&Expr::unary(UnOp::Not, c.clone()), bounds)
            }
            _ => {
                // Each arm is only evaluated for its side of `c`: inside it, `c` is a
                // constant (`select(c, select(c, a, b) + 1, 0)` -> `select(c, a + 1, 0)`).
                let (t2, f2) = (assume(t, c, true), assume(f, c, false));
                if t2.same_as(t) && f2.same_as(f) {
                    return e.clone();
                }
                let mut s = Simplifier { bounds };
                rewrite(
                    &Expr::select(c.clone(), s.mutate(&t2), s.mutate(&f2)),
                    bounds,
                )
            }
        },
        ExprNode::Intrinsic(op, args) => {
            let vals: Option<Vec<Value>> = args.iter().map(konst).collect();
            if let Some(v) = vals.and_then(|vs| Value::intrinsic(*op, &vs)) {
                return Expr::constant(v);
            }
            e.clone()
        }
        ExprNode::Let(n, v, b) => {
            if !b.uses_var(n) {
                return b.clone();
            }
            if konst(v).is_some() || v.as_var().is_some() {
                let body = substitute_var(b, n, v);
                return Simplifier { bounds }.mutate(&body);
            }
            e.clone()
        }
        ExprNode::Const(_) | ExprNode::Var(_) | ExprNode::Call { .. } => e.clone(),
    }
}

/// Whether `a` implies `b` because every conjunct of `b` is one of `a`'s.
fn implies(a: &Expr, b: &Expr) -> bool {
    let have = a.conjuncts();
    b.conjuncts().iter().all(|c| have.contains(c))
}

/// `e` with every occurrence of the condition `c` replaced by the constant `v` (the node
/// itself when `c` does not occur), outside reads and `let`s. Shared subtrees are visited
/// once.
fn assume(e: &Expr, c: &Expr, v: bool) -> Expr {
    struct Assume<'a> {
        c: &'a Expr,
        v: bool,
        memo: std::collections::HashMap<usize, Expr>,
    }
    impl ExprMutator for Assume<'_> {
        fn mutate(&mut self, e: &Expr) -> Expr {
            if e.ty() == Type::Bool && e == self.c {
                return Expr::bool(self.v);
            }
            // Both arms of a select are evaluated: the other side's reads must keep their
            // indices (bounds inference saw those), so reads and `let`s are left alone.
            if matches!(
                e.node(),
                ExprNode::Const(_) | ExprNode::Var(_) | ExprNode::Call { .. } | ExprNode::Let(..)
            ) {
                return e.clone();
            }
            if let Some(r) = self.memo.get(&e.id()) {
                return r.clone();
            }
            let r = self.mutate_children(e);
            self.memo.insert(e.id(), r.clone());
            r
        }
    }
    Assume {
        c,
        v,
        memo: Default::default(),
    }
    .mutate(e)
}

/// An operation between a select of two constants and a constant, folded in each arm:
/// `select(c, 0, -1) + 1` -> `select(c, 1, 0)`, then `0 < select(c, 1, 0)` -> `c` (a select
/// between `true` and `false` is its condition) and `select(c, 3, 5) < 9` -> `true`.
fn fold_into_select(op: BinOp, a: &Expr, b: &Expr, bounds: bool) -> Option<Expr> {
    let (sel, k, sel_left) = match (a.node(), konst(b), b.node(), konst(a)) {
        (ExprNode::Select(..), Some(k), ..) => (a, k, true),
        (_, _, ExprNode::Select(..), Some(k)) => (b, k, false),
        _ => return None,
    };
    let ExprNode::Select(c, t, f) = sel.node() else {
        return None;
    };
    let fold = |x: &Expr| {
        let x = konst(x)?;
        let (l, r) = if sel_left { (x, k) } else { (k, x) };
        if bounds && overflows_i64(op, l, r) {
            return None;
        }
        Value::binary(op, l, r).map(Expr::constant)
    };
    let (t, f) = (fold(t)?, fold(f)?);
    Some(rewrite(&Expr::select(c.clone(), t, f), bounds))
}

/// `t + select(c, a, b)` -> `select(c, t + a, t + b)`, `t + min(a, b)` -> `min(t + a, t + b)`
/// and `t - min(a, b)` -> `max(t - a, t - b)` (likewise for `max`), when the sum has exactly
/// one such term, so that terms inside and outside can cancel
/// (`m + select(c, e - m + 1, 0) - 1` -> `select(c, e, m - 1)`). Bound expressions only: it
/// is exact for mathematical integers, which bounds are.
fn push_into_select(e: &Expr) -> Option<Expr> {
    let ty = e.ty();
    let mut l = Linear::new(ty);
    l.collect(e, Value::from_i64(ty, 1));
    if l.overflow {
        return None;
    }
    let one = Value::from_i64(ty, 1);
    let minus_one = wrapping_neg(one);
    let special: Vec<usize> = l
        .terms
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| {
            matches!(
                t.node(),
                ExprNode::Select(..) | ExprNode::Binary(BinOp::Min | BinOp::Max, ..)
            )
        })
        .map(|(i, _)| i)
        .collect();
    let [i] = special[..] else { return None };
    let coeff = l.terms[i].1;
    let is_select = matches!(l.terms[i].0.node(), ExprNode::Select(..));
    if !(coeff == one || (coeff == minus_one && !is_select))
        // Only when another non-constant term could cancel inside: pushing a lone constant
        // in would make `m + 1` and `m + 2` look unrelated to later rewrites.
        || l.terms.len() < 2
    {
        return None;
    }
    let (t, _) = l.terms.remove(i);
    let rest = l.build();
    let mut s = Simplifier { bounds: true };
    let neg = coeff != one;
    let side = |x: &Expr| {
        if neg {
            rest.clone().sub(x.clone())
        } else {
            rest.clone().add(x.clone())
        }
    };
    Some(match t.node() {
        ExprNode::Select(c, a, b) => {
            let (ta, tb) = (s.mutate(&side(a)), s.mutate(&side(b)));
            rewrite(&Expr::select(c.clone(), ta, tb), true)
        }
        ExprNode::Binary(op, a, b) => {
            let op = match (op, neg) {
                (BinOp::Min, true) => BinOp::Max,
                (BinOp::Max, true) => BinOp::Min,
                (op, _) => *op,
            };
            let (ta, tb) = (s.mutate(&side(a)), s.mutate(&side(b)));
            rewrite(&Expr::binary(op, ta, tb), true)
        }
        _ => unreachable!(),
    })
}

/// Drops the operands of an integer `min`/`max` chain that cannot decide it: one equal to
/// another up to the order inside a chain of the other operation (`min(max(a, b), max(b, a))`
/// is `max(a, b)`); a chain of the other operation that holds another operand
/// (`min(a, max(a, b))` is `a`); and every constant but the one that decides among them
/// (`min(min(a, 0), 1)` is `min(a, 0)`). Bounds of regions that meet at both ends of a loop
/// have the first two shapes, and without this they double in size at each loop they are
/// bounded over. `None` when nothing is dropped.
fn min_max_absorb(op: BinOp, e: &Expr) -> Option<Expr> {
    let operands = chain_operands(op, e);
    let dual = if op == BinOp::Min {
        BinOp::Max
    } else {
        BinOp::Min
    };
    // Each operand as a chain of the other operation (one element where it is not one).
    let elements: Vec<Vec<Expr>> = operands.iter().map(|o| chain_operands(dual, o)).collect();
    let same = |i: usize, j: usize| {
        operands[i] == operands[j] || {
            let (ei, ej) = (&elements[i], &elements[j]);
            ei.len() > 1
                && ei.len() == ej.len()
                && ei.iter().all(|x| ej.contains(x))
                && ej.iter().all(|x| ei.contains(x))
        }
    };
    let mut keep = vec![true; operands.len()];
    for i in 0..operands.len() {
        let twin = (0..i).any(|j| keep[j] && same(j, i));
        let holds_another = elements[i].len() > 1
            && (0..operands.len()).any(|j| j != i && keep[j] && elements[i].contains(&operands[j]));
        keep[i] = !twin && !holds_another;
    }
    // Constants: the smallest (largest for `max`) decides among them.
    let best = (0..operands.len())
        .filter(|&i| keep[i])
        .filter_map(|i| operands[i].as_int())
        .reduce(|a, b| pick(op, a, b));
    let mut best_kept = false;
    for i in 0..operands.len() {
        if keep[i] && operands[i].as_int().is_some() {
            keep[i] = operands[i].as_int() == best && !best_kept;
            best_kept |= keep[i];
        }
    }
    keep.contains(&false).then(|| {
        operands
            .into_iter()
            .zip(keep)
            .filter_map(|(o, k)| k.then_some(o))
            .reduce(|a, b| Expr::binary(op, a, b))
            .expect("an operand is kept")
    })
}

/// The operands of a chain of `op` (`min(min(a, b), c)` is `[a, b, c]`; `e` alone where it is
/// not one).
fn chain_operands(op: BinOp, e: &Expr) -> Vec<Expr> {
    fn flatten(op: BinOp, e: &Expr, out: &mut Vec<Expr>) {
        match e.node() {
            ExprNode::Binary(o, a, b) if *o == op => {
                flatten(op, a, out);
                flatten(op, b, out);
            }
            _ => out.push(e.clone()),
        }
    }
    let mut out = Vec::new();
    flatten(op, e, &mut out);
    out
}

/// The smaller of two constants for `min`, the larger for `max`.
fn pick(op: BinOp, a: i64, b: i64) -> i64 {
    if op == BinOp::Min {
        a.min(b)
    } else {
        a.max(b)
    }
}

/// Collapses a chain `min(min(a + 1, b), a + 3)`: operands that differ only by a constant
/// keep the smallest (largest for `max`) constant. The same for operands
/// `(a + c).div_euclid(k)` with one `a` and `k > 0` (flooring division is monotone), which
/// the regions of upsampled pyramid levels are made of: without it, each level's region
/// holds the next one's twice.
fn min_max_chain(op: BinOp, e: &Expr) -> Expr {
    let ty = e.ty();
    // The direct operands first: `min(m, m + 1)` with `m` itself a `min` must not be taken
    // apart before its twin is seen.
    if let ExprNode::Binary(_, a, b) = e.node() {
        let ((ta, ka, ca), (tb, kb, cb)) = (monotone_parts(a), monotone_parts(b));
        if ta == tb && ka == kb {
            return rebuild(ty, ta, ka, pick(op, ca, cb));
        }
    }
    let operands = chain_operands(op, e);
    let mut groups: Vec<(Expr, Option<Expr>, i64)> = Vec::new();
    for o in &operands {
        let (t, k, c) = monotone_parts(o);
        match groups.iter_mut().find(|(u, l, _)| *u == t && *l == k) {
            Some(g) => g.2 = pick(op, g.2, c),
            None => groups.push((t, k, c)),
        }
    }
    if groups.len() == operands.len() {
        return e.clone();
    }
    groups
        .into_iter()
        .map(|(t, k, c)| rebuild(ty, t, k, c))
        .reduce(|a, b| Expr::binary(op, a, b))
        .unwrap()
}

/// `e` as `t + c` (`k` is `None`) or `(t + c).div_euclid(k)` with a constant `k > 0`.
fn monotone_parts(e: &Expr) -> (Expr, Option<Expr>, i64) {
    if let ExprNode::Intrinsic(Intrinsic::DivEuclid, v) = e.node() {
        if v[1].as_int().is_some_and(|k| k > 0) {
            let (t, c) = split_const(&v[0]);
            return (t, Some(v[1].clone()), c);
        }
    }
    let (t, c) = split_const(e);
    (t, None, c)
}

/// The inverse of [`monotone_parts`].
fn rebuild(ty: Type, t: Expr, k: Option<Expr>, c: i64) -> Expr {
    let sum = |ty: Type| {
        let e = t.clone().add(Expr::constant(Value::from_i64(ty, c)));
        linear_checked(&e, true).unwrap_or(e)
    };
    match k {
        None => sum(ty),
        Some(k) => Expr::intrinsic(Intrinsic::DivEuclid, vec![sum(k.ty()), k]),
    }
}

/// Splits `t + c` into `(t, c)`; a non-sum is `(e, 0)`.
fn split_const(e: &Expr) -> (Expr, i64) {
    match e.node() {
        ExprNode::Binary(BinOp::Add, a, b) => {
            if let Some(c) = b.as_int() {
                return (a.clone(), c);
            }
        }
        ExprNode::Binary(BinOp::Sub, a, b) => {
            if let Some(c) = b.as_int().and_then(|c| c.checked_neg()) {
                return (a.clone(), c);
            }
        }
        _ => {}
    }
    if let Some(c) = e.as_int() {
        return (Expr::constant(Value::from_i64(e.ty(), 0)), c);
    }
    (e.clone(), 0)
}

/// A linear combination `c0 + sum(ci * ti)` over wrapping integers of one type.
struct Linear {
    ty: Type,
    c0: Value,
    terms: Vec<(Expr, Value)>,
    /// An `i64` coefficient or the constant wrapped around while collecting.
    overflow: bool,
}

impl Linear {
    fn new(ty: Type) -> Linear {
        Linear {
            ty,
            c0: Value::zero(ty),
            terms: vec![],
            overflow: false,
        }
    }

    /// `x op y` with wrap-around, noting an `i64` overflow.
    fn op(&mut self, op: BinOp, x: Value, y: Value) -> Value {
        self.overflow |= overflows_i64(op, x, y);
        Value::binary(op, x, y).unwrap()
    }

    fn add_term(&mut self, t: Expr, c: Value) {
        if let Some(i) = self.terms.iter().position(|(u, _)| *u == t) {
            self.terms[i].1 = self.op(BinOp::Add, self.terms[i].1, c);
        } else {
            self.terms.push((t, c));
        }
    }

    /// Adds `scale * e` to the combination.
    fn collect(&mut self, e: &Expr, scale: Value) {
        let neg = |l: &mut Linear, v: Value| l.op(BinOp::Sub, Value::zero(v.ty()), v);
        match e.node() {
            ExprNode::Const(v) => {
                let p = self.op(BinOp::Mul, *v, scale);
                self.c0 = self.op(BinOp::Add, self.c0, p);
            }
            ExprNode::Binary(BinOp::Add, a, b) => {
                self.collect(a, scale);
                self.collect(b, scale);
            }
            ExprNode::Binary(BinOp::Sub, a, b) => {
                self.collect(a, scale);
                let s = neg(self, scale);
                self.collect(b, s);
            }
            ExprNode::Unary(UnOp::Neg, a) if self.ty.is_signed_int() => {
                let s = neg(self, scale);
                self.collect(a, s);
            }
            ExprNode::Binary(BinOp::Mul, a, b) if konst(b).is_some() => {
                let s = self.op(BinOp::Mul, scale, konst(b).unwrap());
                self.collect(a, s);
            }
            ExprNode::Binary(BinOp::Mul, a, b) if konst(a).is_some() => {
                let s = self.op(BinOp::Mul, scale, konst(a).unwrap());
                self.collect(b, s);
            }
            _ => self.add_term(e.clone(), scale),
        }
    }

    fn build(self) -> Expr {
        let zero = Value::zero(self.ty);
        let one = Value::from_i64(self.ty, 1);
        let signed = self.ty.is_signed_int();
        let mut acc: Option<Expr> = None;
        for (t, c) in self.terms {
            if c == zero {
                continue;
            }
            // Subtract where the negated coefficient is the smaller one (exact: wrapping).
            let negc = wrapping_neg(c);
            let neg = if signed {
                c.as_i64().is_some_and(|v| v < 0) && negc.as_i64().is_some_and(|v| v > 0)
            } else {
                negc.bits() < c.bits()
            };
            let mag = if neg { negc } else { c };
            let term = if mag == one {
                t
            } else {
                Expr::binary(BinOp::Mul, t, Expr::constant(mag))
            };
            acc = Some(match (acc, neg) {
                (None, false) => term,
                (None, true) if signed => Expr::unary(UnOp::Neg, term),
                (None, true) => Expr::binary(BinOp::Sub, Expr::constant(zero), term),
                (Some(a), false) => Expr::binary(BinOp::Add, a, term),
                (Some(a), true) => Expr::binary(BinOp::Sub, a, term),
            });
        }
        match acc {
            None => Expr::constant(self.c0),
            Some(a) if self.c0 == zero => a,
            Some(a) => {
                // Print `a - 3` rather than `a + -3` (or `a + 65533u16`).
                let m = wrapping_neg(self.c0);
                let neg = if signed {
                    m.as_i64().is_some_and(|v| v > 0)
                } else {
                    m.bits() < self.c0.bits()
                };
                if neg {
                    Expr::binary(BinOp::Sub, a, Expr::constant(m))
                } else {
                    Expr::binary(BinOp::Add, a, Expr::constant(self.c0))
                }
            }
        }
    }
}

/// `0 - v` with wrap-around, for any integer type.
fn wrapping_neg(v: Value) -> Value {
    Value::binary(BinOp::Sub, Value::zero(v.ty()), v).expect("integer")
}

/// Rewrites an integer sum into canonical linear form; `None` in bounds mode (`bounds`) where
/// an `i64` coefficient or constant of the combination would not fit (bounds are
/// mathematical and must not wrap around).
fn linear_checked(e: &Expr, bounds: bool) -> Option<Expr> {
    let ty = e.ty();
    let mut l = Linear::new(ty);
    l.collect(e, Value::from_i64(ty, 1));
    (!(bounds && l.overflow)).then(|| l.build())
}

/// Whether `x op y` (`+`, `-`, `*` of two `i64` values) leaves the range of `i64`.
fn overflows_i64(op: BinOp, x: Value, y: Value) -> bool {
    let (Value::I64(a), Value::I64(b)) = (x, y) else {
        return false;
    };
    match op {
        BinOp::Add => a.checked_add(b).is_none(),
        BinOp::Sub => a.checked_sub(b).is_none(),
        BinOp::Mul => a.checked_mul(b).is_none(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::Buffer;

    fn x() -> Expr {
        Expr::var("x", Type::I32)
    }

    #[test]
    fn folds_constants_exactly() {
        let e = Expr::i32(i32::MAX).add(Expr::i32(1));
        assert_eq!(simplify(&e), Expr::i32(i32::MIN));
        let d = Expr::i32(7).div(Expr::i32(0));
        assert_eq!(simplify(&d), Expr::i32(0));
    }

    #[test]
    fn collects_linear_terms() {
        let e = x().add(Expr::i32(2)).sub(Expr::i32(1)).sub(x());
        assert_eq!(simplify(&e), Expr::i32(1));
        let e = x().add(Expr::i32(3)).mul(Expr::i32(2)).sub(Expr::i32(6));
        assert_eq!(format!("{}", simplify(&e)), "x * 2");
        let e = Expr::i32(1).sub(x().add(Expr::i32(4)));
        assert_eq!(format!("{}", simplify(&e)), "-x - 3");
    }

    /// Integer `min`/`max` chains drop operands that cannot decide them: a twin up to the
    /// order inside the other operation's chain, and a chain of the other operation that
    /// holds another operand. Not for floats (`max(-0.0, 0.0)` depends on the order).
    #[test]
    fn min_max_drop_undecisive_operands() {
        let v = |n: &str| Expr::var(n, Type::I64);
        let (a, b, c) = (v("a"), v("b"), v("c"));
        let twins = a
            .clone()
            .max(b.clone().min(c.clone()))
            .min(b.clone().min(c.clone()).max(a.clone()));
        assert_eq!(format!("{}", simplify(&twins)), "max(a, min(b, c))");
        let absorbed = a.clone().min(b.clone()).min(c.clone().max(a.clone()));
        assert_eq!(format!("{}", simplify(&absorbed)), "min(a, b)");
        let constants = a.clone().min(Expr::i64(0)).min(Expr::i64(1));
        assert_eq!(format!("{}", simplify(&constants)), "min(a, 0)");
        let kept = a.clone().min(b.clone().max(c.clone()));
        assert_eq!(simplify(&kept), kept);
        let f = |n: &str| Expr::var(n, Type::F32);
        let floats = f("p").max(f("q")).min(f("q").max(f("p")));
        assert_eq!(simplify(&floats), floats);
    }

    #[test]
    fn never_reassociates_floats() {
        let f = Expr::var("f", Type::F32);
        let c = |v: f32| Expr::constant(Value::F32(v));
        let e = f.clone().add(c(1.0)).sub(c(1.0));
        assert_eq!(simplify(&e), e);
    }

    /// Bound expressions are mathematical: an `i64` sum or product of constants that does not
    /// fit stays unfolded (and so does a linear combination whose constant would not fit),
    /// where exact mode wraps around as the kernel does.
    #[test]
    fn bounds_never_wrap_around() {
        let big = Expr::i64(1 << 62);
        let sum = big.clone().add(big.clone());
        assert_eq!(simplify(&sum), Expr::i64(i64::MIN));
        assert_eq!(simplify_bounds(&sum).as_int(), None);
        assert_eq!(
            simplify_bounds(&big.clone().mul(Expr::i64(4))).as_int(),
            None
        );
        let neg = Expr::unary(UnOp::Neg, Expr::i64(i64::MIN));
        assert_eq!(simplify_bounds(&neg).as_int(), None);
        let x = Expr::var("x", Type::I64);
        let e = x.clone().add(big.clone()).add(big.clone());
        let s = simplify_bounds(&e);
        assert!(!s.to_string().contains(&i64::MIN.to_string()), "{s}");
        // What fits still folds.
        assert_eq!(
            simplify_bounds(&x.clone().add(Expr::i64(3)).sub(x).add(big)).as_int(),
            Some((1 << 62) + 3)
        );
    }

    #[test]
    fn min_of_offsets() {
        let x = Expr::var("x", Type::I64);
        let e = x.clone().add(Expr::i64(2)).min(x.clone().add(Expr::i64(5)));
        assert_eq!(format!("{}", simplify_bounds(&e)), "x + 2");
        let y = Expr::var("y", Type::I64);
        let e = x
            .clone()
            .sub(Expr::i64(1))
            .max(y.clone())
            .max(x.clone())
            .max(x.clone().add(Expr::i64(1)));
        assert_eq!(format!("{}", simplify_bounds(&e)), "max(x + 1, y)");
        // Flooring division by a positive constant is monotone: the region of an upsampled
        // level, `min(a.div_euclid(2), (a + 1).div_euclid(2))`, is `a.div_euclid(2)`.
        let half = |e: Expr| Expr::intrinsic(Intrinsic::DivEuclid, vec![e, Expr::i64(2)]);
        let e = half(x.clone()).min(half(x.clone().add(Expr::i64(1))));
        assert_eq!(format!("{}", simplify_bounds(&e)), "x.div_euclid(2)");
        let e = half(x.clone().sub(Expr::i64(1)))
            .max(y.clone())
            .max(half(x.clone().add(Expr::i64(1))));
        assert_eq!(
            format!("{}", simplify_bounds(&e)),
            "max((x + 1).div_euclid(2), y)"
        );
        // Not in exact mode: with wrap-around, `min(x + 1, x + 2)` is `x + 2` at `i32::MAX - 1`.
        let xi = Expr::var("x", Type::I32);
        let e = xi.clone().add(Expr::i32(1)).min(xi.add(Expr::i32(2)));
        assert_eq!(simplify(&e), e);
    }

    /// The extents of possibly empty regions are selects between constants (`select(0 < n,
    /// 1, 0)`), tested, cast and offset by later bounds: they fold in each arm, and a
    /// select's condition is known inside its arms.
    #[test]
    fn selects_between_constants_fold() {
        let n = Expr::var("n", Type::I64);
        let c = Expr::i64(0).lt(n.clone());
        let one_or_zero = Expr::select(c.clone(), Expr::i32(1), Expr::i32(0));
        // `0 < select(c, 1, 0) as i64` is `c`.
        let e = Expr::i64(0).lt(Expr::cast(Type::I64, one_or_zero.clone()));
        assert_eq!(simplify(&e), c);
        // `max(select(c, 0, -1), -1) + 1` is `select(c, 1, 0)`.
        let e = Expr::select(c.clone(), Expr::i64(0), Expr::i64(-1))
            .max(Expr::i64(-1))
            .add(Expr::i64(1));
        assert_eq!(simplify_bounds(&e).to_string(), "select(0 < n, 1, 0)");
        // Inside `select(c, t, f)`, `c` is true in `t` and false in `f`.
        let inner = Expr::select(c.clone(), n.clone(), Expr::i64(-1));
        let e = Expr::select(c.clone(), inner.clone().add(Expr::i64(1)), inner);
        assert_eq!(simplify(&e).to_string(), "select(0 < n, n + 1, -1)");
        // `a || a && b` is `a`; `a && b && a` is `a && b`.
        let d = n.clone().lt(Expr::i64(9));
        let both = c.clone().and(d.clone());
        let or = Expr::binary(BinOp::Or, c.clone(), both.clone());
        assert_eq!(simplify(&or), c);
        assert_eq!(simplify(&both.clone().and(c.clone())), both);
        let three = both.clone().and(n.clone().lt(Expr::i64(7)));
        assert_eq!(
            simplify(&Expr::binary(BinOp::Or, both.clone(), three)),
            both
        );
        // Not folded: an arm that is not a constant, or a bound that would overflow.
        let e = Expr::select(c.clone(), n.clone(), Expr::i64(0)).add(Expr::i64(1));
        assert_eq!(simplify(&e), e);
        let big = Expr::select(c, Expr::i64(i64::MAX), Expr::i64(0)).add(Expr::i64(1));
        assert_eq!(simplify_bounds(&big), big);
    }

    #[test]
    fn simplified_expressions_evaluate_the_same() {
        // A brute-force check of the linear rewrite under wrapping, through the interpreter.
        use crate::func::{Func, Pipeline};
        let y = Expr::var("y", Type::I32);
        let exprs = [
            x().mul(Expr::i32(65537))
                .add(y.clone())
                .sub(x().mul(Expr::i32(65536))),
            x().sub(y.clone().mul(Expr::i32(-3)))
                .add(Expr::i32(i32::MAX)),
            Expr::unary(UnOp::Neg, x().sub(y.clone())).add(x()),
            // Selects between constants, and conditions known inside a select's arms.
            Expr::cast(
                Type::I32,
                Expr::i64(2).lt(Expr::cast(
                    Type::I64,
                    Expr::select(x().lt(y.clone()), Expr::i32(3), Expr::i32(-1)).add(Expr::i32(1)),
                )),
            ),
            Expr::select(
                x().lt(Expr::i32(4)),
                Expr::select(x().lt(Expr::i32(4)), y.clone(), x()).add(Expr::i32(1)),
                Expr::select(x().lt(Expr::i32(4)), x(), y.clone().mul(Expr::i32(2))),
            ),
        ];
        let u = |e: Expr| Expr::cast(Type::U8, e);
        let exprs: Vec<Expr> = exprs
            .into_iter()
            .chain([
                u(x())
                    .mul(Expr::constant(Value::U8(3)))
                    .sub(u(y.clone()).add(Expr::constant(Value::U8(7)))),
                Expr::constant(Value::U8(200))
                    .sub(u(x()))
                    .sub(u(y.clone()).mul(Expr::constant(Value::U8(255)))),
            ])
            .map(|e| Expr::cast(Type::I32, e))
            .collect();
        for e in exprs {
            let s = simplify(&e);
            let run = |v: &Expr| {
                let p = Pipeline {
                    name: "t".into(),
                    funcs: vec![Func {
                        name: "out".into(),
                        args: vec!["y".into(), "x".into()],
                        ty: Type::I32,
                        value: v.clone(),
                        updates: vec![],
                        output: Some(0),
                        origin: Default::default(),
                    }],
                    ..Default::default()
                };
                let mut out = [Buffer::zeros(Type::I32, &[7, 9])];
                crate::interp::run(&p, &[], &[], &mut out).unwrap();
                out[0].data.clone()
            };
            assert_eq!(run(&e), run(&s), "{e} vs {s}");
        }
    }
}
