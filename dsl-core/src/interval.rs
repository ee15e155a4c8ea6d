//! Interval arithmetic: conservative bounds of integer expressions, as symbolic `i64`
//! expressions over the variables that stay unknown until run time (parameters, buffer
//! extents, enclosing loop variables).
//!
//! Bounds are mathematical: `[min, max]` contains every value the expression can take. Where
//! an `i32` (or other integer) operation could wrap, the bounds of its unwrapped result are
//! only valid if they stay inside the type; such places add a **guard**, a `bool` expression
//! that the kernel evaluates at entry (with saturating `i64` arithmetic) and that must hold or
//! the kernel returns an error before computing anything. An unknown side is `None`.
//!
//! Architecture invariant: every bound expression is of type `i64`, and evaluating it with
//! saturating arithmetic never gives a value inside the bounds of an expression that could
//! actually fall outside them.

use crate::expr::{BinOp, Expr, ExprNode, Intrinsic, UnOp};
use crate::simplify::simplify_bounds as simplify;
use crate::types::Type;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A closed interval `[min, max]` of `i64` expressions; `None` is unbounded.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    pub min: Option<Expr>,
    pub max: Option<Expr>,
}

impl Interval {
    pub fn new(min: Expr, max: Expr) -> Interval {
        Interval {
            min: Some(simplify(&min)),
            max: Some(simplify(&max)),
        }
    }
    pub fn point(e: Expr) -> Interval {
        let e = simplify(&e);
        Interval {
            min: Some(e.clone()),
            max: Some(e),
        }
    }
    pub fn constant(lo: i64, hi: i64) -> Interval {
        Interval::new(Expr::i64(lo), Expr::i64(hi))
    }
    pub fn everything() -> Interval {
        Interval {
            min: None,
            max: None,
        }
    }
    pub fn is_bounded(&self) -> bool {
        self.min.is_some() && self.max.is_some()
    }
    /// The smallest interval containing both (an empty interval is not special-cased).
    pub fn union(&self, o: &Interval) -> Interval {
        Interval {
            min: lift2(&self.min, &o.min, |a, b| a.min(b)),
            max: lift2(&self.max, &o.max, |a, b| a.max(b)),
        }
    }
    /// The largest interval inside both (each side as known: an unknown side takes the
    /// other's).
    pub fn intersect(&self, o: &Interval) -> Interval {
        Interval {
            min: lift_either(&self.min, &o.min, |a, b| a.max(b)),
            max: lift_either(&self.max, &o.max, |a, b| a.min(b)),
        }
    }
    /// The range of values of a small integer type, or unbounded for wider ones: an index
    /// over the whole range of a 32-bit type is no bound at all.
    pub fn of_type(ty: Type) -> Interval {
        match ty.int_range() {
            Some((lo, hi)) if ty.bits() <= 16 => Interval::constant(lo as i64, hi as i64),
            _ => Interval::everything(),
        }
    }
}

/// `f(a, b)` where both sides are known, else the known one: for a `min` bounded above (a
/// `max` below) by either operand.
fn lift_either(a: &Option<Expr>, b: &Option<Expr>, f: impl Fn(Expr, Expr) -> Expr) -> Option<Expr> {
    match (a, b) {
        (Some(_), Some(_)) => lift2(a, b, f),
        _ => a.clone().or(b.clone()),
    }
}

fn lift2(a: &Option<Expr>, b: &Option<Expr>, f: impl Fn(Expr, Expr) -> Expr) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let both = a.as_int().is_some() && b.as_int().is_some();
            exact(both, simplify(&f(a.clone(), b.clone())))
        }
        _ => None,
    }
}

/// A bound computed from constant sides (`constant_inputs`) that did not fold to a constant
/// left `i64` (the bounds simplifier leaves such sums unfolded rather than wrap around): no
/// bound on that side. Anything else as it is.
fn exact(constant_inputs: bool, r: Expr) -> Option<Expr> {
    (!constant_inputs || r.as_int().is_some()).then_some(r)
}

/// Bounds of a float expression (see `Bounds::float_of`).
struct FloatInterval {
    lo: Option<Expr>,
    hi: Option<Expr>,
    /// The value may be NaN where the bounds are not.
    nan: bool,
}

/// Known intervals of variables. A variable not in scope is a run-time constant: its bounds
/// are the variable itself.
pub type Scope = HashMap<Arc<str>, Interval>;

/// Bounds of `e` together with the guards they rely on.
pub struct Bounds<'a> {
    scope: &'a Scope,
    /// Variables known to be non-negative (loop variables of loops starting at 0), which
    /// sharpens `/` and `%` by non-constant divisors.
    pub nonneg_vars: Vec<Arc<str>>,
    /// Conditions (`bool` over `i64` expressions) under which the bounds are valid.
    pub guards: Vec<Expr>,
    /// Whether an expression of run-time constants is its own bound (the default: the kernel
    /// evaluates the same expression, wrapping included). Off, such expressions are bounded
    /// operation by operation, with the guards that none wraps: for the values computed at
    /// entry (a region's extent `(hi - lo + 1) as i32`), whose wrapping nothing else checks.
    pub constants_exact: bool,
    /// Some operation's result has constant bounds that leave its type (`x.clamp(0, 70000) *
    /// x.clamp(0, 70000)` in `i32`), so it wraps around for some values: its bounds are then
    /// the type's, and the same expression's bounds as mathematical integers (what the guards
    /// make of other indices) are wrong. Indices with this flag cannot be bounded.
    pub wraps: bool,
    /// Sub-expressions whose bounds the caller knows better than their operands tell (the
    /// `o * 16` of a split's outer loop `o`, which is at most the split extent less one),
    /// matched structurally; the interval is exact, with no wrap-around (no guard).
    pub known: &'a [(Expr, Interval)],
    /// [`Self::is_run_time_constant`] of the nodes seen so far, by address.
    constant_memo: HashMap<usize, (Expr, bool)>,
}

impl<'a> Bounds<'a> {
    pub fn new(scope: &'a Scope) -> Self {
        Bounds {
            scope,
            nonneg_vars: vec![],
            guards: vec![],
            constants_exact: true,
            wraps: false,
            known: &[],
            constant_memo: HashMap::new(),
        }
    }

    /// Conservative bounds of an integer expression.
    pub fn of(&mut self, e: &Expr) -> Interval {
        let ty = e.ty();
        if !ty.is_int() {
            return match ty {
                Type::Bool => Interval::constant(0, 1),
                _ => Interval::everything(),
            };
        }
        let i64c = Expr::i64;
        if let Some((_, iv)) = self.known.iter().find(|(k, _)| k == e) {
            return iv.clone();
        }
        // An expression of run-time constants only (no variable in scope, no load) is its own
        // exact bound: the kernel evaluates the same expression, wrapping included.
        if !matches!(e.node(), ExprNode::Const(_))
            && ty != Type::U64
            && self.constants_exact
            && self.is_run_time_constant(e)
        {
            return Interval::point(Expr::cast(Type::I64, e.clone()));
        }
        match e.node() {
            ExprNode::Const(v) => match v.as_i64() {
                Some(c) => Interval::constant(c, c),
                None => Interval::of_type(ty),
            },
            ExprNode::Var(n) => match self.scope.get(n) {
                Some(i) => i.clone(),
                None if ty == Type::U64 => Interval::everything(),
                None => Interval::point(Expr::cast(Type::I64, e.clone())),
            },
            ExprNode::Cast(a) => {
                let src = a.ty();
                if src.is_int() || src == Type::Bool {
                    let ia = self.of(a);
                    self.fit(ty, ia, src)
                } else if matches!(src, Type::F32 | Type::F64) {
                    self.float_to_int(ty, a)
                } else {
                    Interval::of_type(ty)
                }
            }
            ExprNode::Unary(UnOp::Neg, a) => {
                let ia = self.of(a);
                let neg =
                    |m: Expr| exact(m.as_int().is_some(), simplify(&Expr::unary(UnOp::Neg, m)));
                let r = Interval {
                    min: ia.max.and_then(neg),
                    max: ia.min.and_then(neg),
                };
                self.wrap(ty, r)
            }
            ExprNode::Unary(UnOp::Not, _) => Interval::of_type(ty),
            ExprNode::Binary(op, a, b) => self.binary(ty, *op, a, b),
            ExprNode::Select(c, t, f) => {
                // Each arm under its side of the condition: `if x > 2 { x - 1 } else { x + 1 }`
                // over `x` in `[0, 4]` is `[2, 3]` or `[1, 3]`, not `[-1, 5]`.
                let it = self.of_given(c, true, t);
                let iff = self.of_given(c, false, f);
                it.union(&iff)
            }
            ExprNode::Intrinsic(op, args) => match op {
                Intrinsic::Clamp => {
                    let lo = Expr::binary(BinOp::Max, args[0].clone(), args[1].clone());
                    self.of(&Expr::binary(BinOp::Min, lo, args[2].clone()))
                }
                Intrinsic::Abs => {
                    let ia = self.of(&args[0]);
                    if ty.is_unsigned_int() {
                        return ia;
                    }
                    let r = match (ia.min, ia.max) {
                        (Some(lo), Some(hi)) => {
                            let m = Expr::unary(UnOp::Neg, lo).max(hi);
                            Interval::new(i64c(0), m)
                        }
                        _ => Interval::everything(),
                    };
                    self.wrap(ty, r)
                }
                Intrinsic::RemEuclid => {
                    let ia = self.of(&args[0]);
                    let ib = self.of(&args[1]);
                    // The remainder of a non-negative dividend is at most the dividend (as for
                    // `%`).
                    let below = match ia.max {
                        Some(m) if self.nonneg(&ia.min) => Some(m),
                        _ => None,
                    };
                    match (ib.min, ib.max) {
                        (Some(lo), Some(hi)) => {
                            // |divisor| - 1, at least 0 (a zero divisor gives 0).
                            let m = Expr::unary(UnOp::Neg, lo).max(hi).sub(i64c(1)).max(i64c(0));
                            let m = match below {
                                Some(d) => simplify(&m.min(d)),
                                None => m,
                            };
                            Interval::new(i64c(0), m)
                        }
                        _ => match below {
                            Some(d) => Interval::new(i64c(0), d),
                            None => Interval::of_type(ty),
                        },
                    }
                }
                Intrinsic::DivEuclid => {
                    let ia = self.of(&args[0]);
                    match args[1].as_int() {
                        Some(c) if c > 0 => Interval {
                            min: ia.min.map(|m| {
                                simplify(&Expr::intrinsic(Intrinsic::DivEuclid, vec![m, i64c(c)]))
                            }),
                            max: ia.max.map(|m| {
                                simplify(&Expr::intrinsic(Intrinsic::DivEuclid, vec![m, i64c(c)]))
                            }),
                        },
                        // A divisor fixed for the call: monotonic in the dividend (see `/`).
                        _ => {
                            let ib = self.of(&args[1]);
                            match (point(&ib), &ia.min, &ia.max) {
                                (Some(d), Some(a0), Some(a1)) => {
                                    let q = |m: &Expr| {
                                        Expr::intrinsic(
                                            Intrinsic::DivEuclid,
                                            vec![m.clone(), d.clone()],
                                        )
                                    };
                                    let (q0, q1) = (q(a0), q(a1));
                                    if self.nonneg(&ib.min) {
                                        Interval::new(simplify(&q0), simplify(&q1))
                                    } else {
                                        // (`MIN.div_euclid(-1)` wraps.)
                                        let r = Interval::new(
                                            simplify(&q0.clone().min(q1.clone())),
                                            simplify(&q0.max(q1)),
                                        );
                                        self.wrap(ty, r)
                                    }
                                }
                                _ => {
                                    let r = self.shrinking(ty, ia);
                                    self.wrap(ty, r)
                                }
                            }
                        }
                    }
                }
                _ => Interval::of_type(ty),
            },
            ExprNode::Call { .. } => Interval::of_type(ty),
            ExprNode::Let(n, v, b) => {
                let iv = self.of(v);
                let mut inner = self.scope.clone();
                inner.insert(n.clone(), iv);
                self.in_scope(&inner, |sub| sub.of(b))
            }
        }
    }

    /// Bounds of `e as ty` for a float `e` (Rust's `as`: saturating, NaN gives 0): the
    /// float bounds cast the same way, widened to 0 where `e` may be NaN. A bound is NaN
    /// only where the value is (a NaN run-time constant), or in degenerate corners (`0 *
    /// inf`, `inf - inf`) of values that may be NaN, whose other values then cast to the
    /// same side of 0: casting it to 0 stays conservative.
    fn float_to_int(&mut self, ty: Type, e: &Expr) -> Interval {
        let fi = self.float_of(e);
        let side = |b: Option<Expr>| -> Option<Expr> {
            b.map(|b| simplify(&Expr::cast(Type::I64, Expr::cast(ty, b))))
        };
        let mut r = Interval {
            min: side(fi.lo),
            max: side(fi.hi),
        };
        if fi.nan {
            r = Interval {
                min: r.min.map(|m| simplify(&m.min(Expr::i64(0)))),
                max: r.max.map(|m| simplify(&m.max(Expr::i64(0)))),
            };
        }
        let t = Interval::of_type(ty);
        Interval {
            min: r.min.or(t.min),
            max: r.max.or(t.max),
        }
    }

    /// Bounds of a float expression as expressions of its own type. Correctly rounded
    /// operations are monotonic in each operand, so evaluating the bounds with the same
    /// operations in the same type bounds every non-NaN result. `nan` says the value may be
    /// NaN (a parameter may be); where it is not, neither are the bounds. Rust's `min`/`max`
    /// give the other operand for a NaN one, so they only narrow by a side that is never NaN.
    fn float_of(&mut self, e: &Expr) -> FloatInterval {
        let ty = e.ty();
        let unknown = FloatInterval {
            lo: None,
            hi: None,
            nan: true,
        };
        if !matches!(ty, Type::F32 | Type::F64) {
            return unknown;
        }
        if self.is_run_time_constant(e) {
            // Its own bound; a parameter may be NaN, a constant only if it is.
            let nan = match e.as_const() {
                Some(Value::F32(v)) => v.is_nan(),
                Some(Value::F64(v)) => v.is_nan(),
                _ => true,
            };
            return FloatInterval {
                lo: Some(e.clone()),
                hi: Some(e.clone()),
                nan,
            };
        }
        match e.node() {
            ExprNode::Cast(a) if a.ty().is_int() => {
                let ia = self.of(a);
                let c = |b: Option<Expr>| b.map(|b| simplify(&Expr::cast(ty, b)));
                FloatInterval {
                    lo: c(ia.min),
                    hi: c(ia.max),
                    nan: false,
                }
            }
            ExprNode::Cast(a) if matches!(a.ty(), Type::F32 | Type::F64) => {
                let fa = self.float_of(a);
                let c = |b: Option<Expr>| b.map(|b| simplify(&Expr::cast(ty, b)));
                FloatInterval {
                    lo: c(fa.lo),
                    hi: c(fa.hi),
                    nan: fa.nan,
                }
            }
            ExprNode::Unary(UnOp::Neg, a) => {
                let fa = self.float_of(a);
                let n = |b: Option<Expr>| b.map(|b| simplify(&Expr::unary(UnOp::Neg, b)));
                FloatInterval {
                    lo: n(fa.hi),
                    hi: n(fa.lo),
                    nan: fa.nan,
                }
            }
            ExprNode::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                let (fa, fb) = (self.float_of(a), self.float_of(b));
                let (lo, hi) = match op {
                    BinOp::Add => (
                        lift2(&fa.lo, &fb.lo, |x, y| x.add(y)),
                        lift2(&fa.hi, &fb.hi, |x, y| x.add(y)),
                    ),
                    BinOp::Sub => (
                        lift2(&fa.lo, &fb.hi, |x, y| x.sub(y)),
                        lift2(&fa.hi, &fb.lo, |x, y| x.sub(y)),
                    ),
                    // Division only by a run-time constant (its own bounds): a divisor that
                    // may cross zero has no useful bounds.
                    BinOp::Div if fb.lo != fb.hi => (None, None),
                    _ => match (&fa.lo, &fa.hi, &fb.lo, &fb.hi) {
                        (Some(a0), Some(a1), Some(b0), Some(b1)) => {
                            let f = |x: &Expr, y: &Expr| Expr::binary(*op, x.clone(), y.clone());
                            let ps = [f(a0, b0), f(a0, b1), f(a1, b0), f(a1, b1)];
                            (
                                Some(simplify(
                                    &ps.iter().cloned().reduce(|x, y| x.min(y)).unwrap(),
                                )),
                                Some(simplify(
                                    &ps.iter().cloned().reduce(|x, y| x.max(y)).unwrap(),
                                )),
                            )
                        }
                        _ => (None, None),
                    },
                };
                // `inf - inf`, `0 * inf`, `0 / 0` are NaN.
                FloatInterval { lo, hi, nan: true }
            }
            ExprNode::Binary(BinOp::Min, a, b) => {
                let (fa, fb) = (self.float_of(a), self.float_of(b));
                // Rust's `min` gives the other operand for a NaN one.
                let hi = match (fa.nan, fb.nan) {
                    (false, false) => lift_either(&fa.hi, &fb.hi, |x, y| x.min(y)),
                    (true, false) => fb.hi.clone(),
                    (false, true) => fa.hi.clone(),
                    (true, true) => lift2(&fa.hi, &fb.hi, |x, y| x.max(y)),
                };
                FloatInterval {
                    lo: lift2(&fa.lo, &fb.lo, |x, y| x.min(y)),
                    hi,
                    nan: fa.nan && fb.nan,
                }
            }
            ExprNode::Binary(BinOp::Max, a, b) => {
                let (fa, fb) = (self.float_of(a), self.float_of(b));
                let lo = match (fa.nan, fb.nan) {
                    (false, false) => lift_either(&fa.lo, &fb.lo, |x, y| x.max(y)),
                    (true, false) => fb.lo.clone(),
                    (false, true) => fa.lo.clone(),
                    (true, true) => lift2(&fa.lo, &fb.lo, |x, y| x.min(y)),
                };
                FloatInterval {
                    lo,
                    hi: lift2(&fa.hi, &fb.hi, |x, y| x.max(y)),
                    nan: fa.nan && fb.nan,
                }
            }
            ExprNode::Intrinsic(Intrinsic::Clamp, args) => {
                // Rust's `clamp`: NaN stays NaN, anything else lands in `[lo, hi]`.
                let (fx, fl, fh) = (
                    self.float_of(&args[0]),
                    self.float_of(&args[1]),
                    self.float_of(&args[2]),
                );
                // As the generated code computes it: `t = if x < lo { lo } else { x }`, then
                // `if t > hi { hi } else { t }`. A bound that may be NaN does not bound
                // (`x < NaN` is false), and `lo > hi` gives `hi`, below `lo`.
                let t_lo = if fl.nan {
                    fx.lo.clone()
                } else {
                    lift_either(&fx.lo, &fl.lo, |x, l| x.max(l))
                };
                let t_hi = lift2(&fx.hi, &fl.hi, |x, l| x.max(l));
                let (lo, hi) = if fh.nan {
                    (t_lo, t_hi)
                } else {
                    (
                        lift2(&t_lo, &fh.lo, |t, h| t.min(h)),
                        lift_either(&t_hi, &fh.hi, |t, h| t.min(h)),
                    )
                };
                // A NaN run-time constant `x` has bounds but the value NaN.
                FloatInterval { lo, hi, nan: true }
            }
            // `|x|` for `x` in `[lo, hi]`: at most `max(-lo, hi)`, at least 0 (`max(lo, -hi,
            // 0)` exactly, which 0 bounds).
            ExprNode::Intrinsic(Intrinsic::Abs, args) => {
                let fa = self.float_of(&args[0]);
                let zero = Expr::constant(match args[0].ty() {
                    Type::F64 => Value::F64(0.0),
                    _ => Value::F32(0.0),
                });
                FloatInterval {
                    lo: Some(zero),
                    hi: lift2(&fa.lo, &fa.hi, |l, h| {
                        simplify(&Expr::unary(UnOp::Neg, l).max(h))
                    }),
                    nan: fa.nan,
                }
            }
            ExprNode::Intrinsic(
                op @ (Intrinsic::Floor | Intrinsic::Ceil | Intrinsic::Round | Intrinsic::Trunc),
                args,
            ) => {
                let fa = self.float_of(&args[0]);
                let f = |b: Option<Expr>| b.map(|b| simplify(&Expr::intrinsic(*op, vec![b])));
                FloatInterval {
                    lo: f(fa.lo),
                    hi: f(fa.hi),
                    nan: fa.nan,
                }
            }
            ExprNode::Select(_, t, f) => {
                let (ft, ff) = (self.float_of(t), self.float_of(f));
                // A NaN bound of one arm must not hide the other's: Rust's `min`/`max` skip it.
                FloatInterval {
                    lo: lift2(&ft.lo, &ff.lo, |x, y| x.min(y)),
                    hi: lift2(&ft.hi, &ff.hi, |x, y| x.max(y)),
                    nan: true,
                }
            }
            _ => unknown,
        }
    }

    /// Bounds of `e` where `cond` is `truth`: the variables of the scope that `cond` compares
    /// with an expression of known bounds (`x > 2`, `y < h - 1`, joined by `&&`, or by `||`
    /// when false) get the part of their interval on that side. A select's value is the arm
    /// its condition picks, so its arms' bounds may assume their side.
    fn of_given(&mut self, cond: &Expr, truth: bool, e: &Expr) -> Interval {
        let plain = self.of_given_vars(cond, truth, e);
        // A compared side that is no variable but occurs in `e` itself (`1 - m` under
        // `m < 1`, `m` a `min(x + 1, n - 1)` of an inlined index) is bounded as a variable
        // of its own: its interval, narrowed by the condition, bounds `e` too.
        let ExprNode::Binary(op, a, b) = cond.node() else {
            return plain;
        };
        if !op.is_comparison() || !a.ty().is_int() || a.ty() == Type::U64 {
            return plain;
        }
        let mut iv = plain;
        for side in [a, b] {
            // (Sides that move with the scope's variables, in arms of a modest size: the
            // selects of region expressions compare run-time constants.)
            let scope = self.scope;
            let mut moves = false;
            side.visit(&mut |x| {
                moves |= matches!(x.node(), ExprNode::Var(n) if scope.contains_key(n));
            });
            let general = moves
                && !matches!(side.node(), ExprNode::Var(_))
                && !side.reads()
                && e.size_up_to(256) <= 256
                && e.contains(side);
            if !general {
                continue;
            }
            let name: Arc<str> = format!("cmp.{}", side.id()).into();
            let var = Expr::var(name.clone(), side.ty());
            let at = self.of(side);
            let mut scope = self.scope.clone();
            scope.insert(name, at);
            let (cond, e) = (cond.replace(side, &var), e.replace(side, &var));
            let g = self.in_scope(&scope, |inner| inner.of_given_vars(&cond, truth, &e));
            iv = iv.intersect(&g);
        }
        iv
    }

    /// `f` run by bounds over `scope` (this one's, with some variables added or narrowed),
    /// whose guards and wraps become this one's.
    fn in_scope(&mut self, scope: &Scope, f: impl FnOnce(&mut Bounds) -> Interval) -> Interval {
        let mut inner = Bounds {
            scope,
            nonneg_vars: self.nonneg_vars.clone(),
            guards: vec![],
            constants_exact: self.constants_exact,
            wraps: false,
            known: self.known,
            constant_memo: HashMap::new(),
        };
        let r = f(&mut inner);
        self.guards.extend(inner.guards);
        self.wraps |= inner.wraps;
        r
    }

    /// [`Self::of_given`] through the variables of the scope only.
    fn of_given_vars(&mut self, cond: &Expr, truth: bool, e: &Expr) -> Interval {
        let mut narrowed: Vec<(Arc<str>, Interval)> = Vec::new();
        self.narrow(cond, truth, &mut narrowed);
        if narrowed.is_empty() {
            return self.of(e);
        }
        let mut scope = self.scope.clone();
        scope.extend(narrowed);
        self.in_scope(&scope, |inner| inner.of(e))
    }

    /// The narrowed intervals `cond == truth` gives (see [`Self::of_given`]), appended to
    /// `out` (a later entry for a variable refines an earlier one).
    fn narrow(&mut self, cond: &Expr, truth: bool, out: &mut Vec<(Arc<str>, Interval)>) {
        use BinOp::*;
        match cond.node() {
            ExprNode::Binary(And, a, b) if truth => {
                self.narrow(a, true, out);
                self.narrow(b, true, out);
            }
            ExprNode::Binary(Or, a, b) if !truth => {
                self.narrow(a, false, out);
                self.narrow(b, false, out);
            }
            ExprNode::Unary(UnOp::Not, a) => self.narrow(a, !truth, out),
            ExprNode::Binary(op @ (Lt | Le | Gt | Ge | Eq), a, b)
                if a.ty().is_int() && a.ty() != Type::U64 =>
            {
                let flip = |op: BinOp| match op {
                    Lt => Gt,
                    Le => Ge,
                    Gt => Lt,
                    Ge => Le,
                    o => o,
                };
                // `v + k op e` (or `v - k`) is `v op e - k`, where `v + k` does not wrap (the
                // guard below) and `e - k` is computed in `i64` (in the comparison's type, `n
                // + 5` for `x - 5 < n` wraps for a large `n`, and a run-time constant is its
                // own bound, wrapped).
                // (`k` may also be an expression free of the scope's variables and of loads:
                // a split's `yo * 4 + yi < 1` narrows `yi`. The one variable of the scope in
                // `x` is then `v` if `x - v` no longer has it.)
                let scope = self.scope;
                let vars_in = |e: &Expr| {
                    let mut vs: Vec<Arc<str>> = Vec::new();
                    e.visit(&mut |x| {
                        if let ExprNode::Var(n) = x.node() {
                            if scope.contains_key(n) && !vs.contains(n) {
                                vs.push(n.clone());
                            }
                        }
                    });
                    vs
                };
                let var_plus = |x: &Expr| -> Option<(Arc<str>, Expr)> {
                    if let ExprNode::Var(n) = x.node() {
                        return Some((n.clone(), Expr::i64(0)));
                    }
                    if !x.ty().is_int() || x.reads() {
                        return None;
                    }
                    let [v] = &vars_in(x)[..] else { return None };
                    let rest = simplify(&x.clone().sub(Expr::var(v.clone(), x.ty())));
                    if !vars_in(&rest).is_empty() {
                        return None;
                    }
                    Some((
                        v.clone(),
                        match rest.as_int() {
                            Some(k) => Expr::i64(k),
                            None => Expr::cast(Type::I64, rest),
                        },
                    ))
                };
                let shifted = |e: &Expr, k: &Expr| -> Expr {
                    if k.as_int() == Some(0) {
                        e.clone()
                    } else {
                        Expr::binary(Sub, Expr::cast(Type::I64, e.clone()), k.clone())
                    }
                };
                let (v, other, op) = match (var_plus(a), var_plus(b)) {
                    (Some((n, k)), _) if self.scope.contains_key(&n) && !b.uses_var(&n) => {
                        (n, shifted(b, &k), *op)
                    }
                    (_, Some((n, k))) if self.scope.contains_key(&n) && !a.uses_var(&n) => {
                        (n, shifted(a, &k), flip(*op))
                    }
                    _ => return,
                };
                // The bounds of the side with `v` register the guard that `v + k` does not
                // wrap (else the comparison would not say what it says about `v`).
                let _ = self.of(a);
                let _ = self.of(b);
                let other = &other;
                let op = match (truth, op) {
                    (true, o) => o,
                    (false, Lt) => Ge,
                    (false, Le) => Gt,
                    (false, Gt) => Le,
                    (false, Ge) => Lt,
                    (false, _) => return,
                };
                let io = self.of(other);
                let cur = out
                    .iter()
                    .rev()
                    .find(|(m, _)| *m == v)
                    .map(|(_, i)| i.clone())
                    .unwrap_or_else(|| self.scope[&v].clone());
                let step = |b: Option<Expr>, d: i64| b.map(|b| simplify(&b.add(Expr::i64(d))));
                let tighter = |old: Option<Expr>, new: Option<Expr>, hi: bool| match (old, new) {
                    (Some(o), Some(n)) => Some(simplify(&if hi { o.min(n) } else { o.max(n) })),
                    (o, n) => o.or(n),
                };
                let (mut lo, mut hi) = (cur.min, cur.max);
                match op {
                    Lt => hi = tighter(hi, step(io.max, -1), true),
                    Le => hi = tighter(hi, io.max, true),
                    Gt => lo = tighter(lo, step(io.min, 1), false),
                    Ge => lo = tighter(lo, io.min, false),
                    _ => {
                        lo = tighter(lo, io.min, false);
                        hi = tighter(hi, io.max, true);
                    }
                }
                out.push((v, Interval { min: lo, max: hi }));
            }
            _ => {}
        }
    }

    /// No variable of the scope, no load and no `let` occurs in `e`. Memoized per node: `of`
    /// asks this of every sub-expression it visits.
    fn is_run_time_constant(&mut self, e: &Expr) -> bool {
        let key = e.id();
        if let Some((_, v)) = self.constant_memo.get(&key) {
            return *v;
        }
        let v = match e.node() {
            ExprNode::Var(n) => !self.scope.contains_key(n) && e.ty() != Type::U64,
            ExprNode::Call { .. } | ExprNode::Let(..) => false,
            // `k as i32` of an `i64` wraps where `k` does not fit, and index bounds take
            // it for `k` (see `to_i64` in the schedule's bounds): bounded by its operand,
            // with the guard that it fits.
            ExprNode::Cast(a) if a.ty() == Type::I64 && e.ty() == Type::I32 => false,
            _ => e
                .children()
                .into_iter()
                .all(|c| self.is_run_time_constant(c)),
        };
        // The memo holds the node, so its address cannot be reused while the memo lives.
        self.constant_memo.insert(key, (e.clone(), v));
        v
    }

    fn nonneg(&self, e: &Option<Expr>) -> bool {
        nonneg(e, &self.nonneg_vars)
    }

    /// Bounds of `a op b`.
    fn binary(&mut self, ty: Type, op: BinOp, a: &Expr, b: &Expr) -> Interval {
        let i64c = Expr::i64;
        let (ia, ib) = (self.of(a), self.of(b));
        match op {
            BinOp::Add => {
                let r = Interval {
                    min: lift2(&ia.min, &ib.min, |x, y| x.add(y)),
                    max: lift2(&ia.max, &ib.max, |x, y| x.add(y)),
                };
                self.wrap(ty, r)
            }
            BinOp::Sub => {
                let r = Interval {
                    min: lift2(&ia.min, &ib.max, |x, y| x.sub(y)),
                    max: lift2(&ia.max, &ib.min, |x, y| x.sub(y)),
                };
                self.wrap(ty, r)
            }
            BinOp::Mul => {
                let r = match (b.as_int(), a.as_int()) {
                    (Some(c), _) => scale(&ia, c),
                    (_, Some(c)) => scale(&ib, c),
                    _ => match (&ia.min, &ia.max, &ib.min, &ib.max) {
                        (Some(a0), Some(a1), Some(b0), Some(b1)) => {
                            let ps = [
                                a0.clone().mul(b0.clone()),
                                a0.clone().mul(b1.clone()),
                                a1.clone().mul(b0.clone()),
                                a1.clone().mul(b1.clone()),
                            ];
                            let lo = ps.iter().cloned().reduce(|x, y| x.min(y)).unwrap();
                            let hi = ps.iter().cloned().reduce(|x, y| x.max(y)).unwrap();
                            let constant = [a0, a1, b0, b1].iter().all(|x| x.as_int().is_some());
                            Interval {
                                min: exact(constant, simplify(&lo)),
                                max: exact(constant, simplify(&hi)),
                            }
                        }
                        _ => Interval::everything(),
                    },
                };
                self.wrap(ty, r)
            }
            BinOp::Div => match b.as_int() {
                Some(0) => Interval::constant(0, 0),
                Some(c) if c > 0 => Interval {
                    min: ia.min.map(|m| simplify(&m.div(i64c(c)))),
                    max: ia.max.map(|m| simplify(&m.div(i64c(c)))),
                },
                Some(c) if c < 0 && c != -1 => Interval {
                    min: ia.max.map(|m| simplify(&m.div(i64c(c)))),
                    max: ia.min.map(|m| simplify(&m.div(i64c(c)))),
                },
                // A negation, which wraps for the type's minimum (`i8::MIN / -1 == i8::MIN`).
                Some(-1) => {
                    let neg = |m: Expr| simplify(&Expr::unary(UnOp::Neg, m));
                    let r = Interval {
                        min: ia.max.map(neg),
                        max: ia.min.map(neg),
                    };
                    self.wrap(ty, r)
                }
                // A divisor fixed for the call (`n`, `n.max(1)`): the quotient is monotonic in
                // the dividend (either way, or 0 for a zero divisor), so its ends are the
                // quotients of the dividend's ends.
                _ if point(&ib).is_some() && ia.min.is_some() && ia.max.is_some() => {
                    let d = point(&ib).unwrap();
                    let q = |m: &Option<Expr>| m.clone().unwrap().div(d.clone());
                    let (q0, q1) = (q(&ia.min), q(&ia.max));
                    if self.nonneg(&ib.min) {
                        // Non-decreasing (the common case, `fused / extent`): no `min`/`max`
                        // that would double the bound's size at every level of a nest.
                        Interval::new(simplify(&q0), simplify(&q1))
                    } else {
                        // (A divisor of -1 negates: the type's minimum wraps.)
                        let r = Interval::new(
                            simplify(&q0.clone().min(q1.clone())),
                            simplify(&q0.max(q1)),
                        );
                        self.wrap(ty, r)
                    }
                }
                // Both non-negative: the quotient lies in [0, a] (a zero divisor gives 0).
                _ if self.nonneg(&ia.min) && self.nonneg(&ib.min) => Interval {
                    min: Some(i64c(0)),
                    max: ia.max.clone(),
                },
                // A non-negative divisor: the quotient has the dividend's sign (or is 0) and
                // is no larger in magnitude.
                _ if self.nonneg(&ib.min) && ia.min.is_some() && ia.max.is_some() => Interval::new(
                    simplify(&ia.min.clone().unwrap().min(i64c(0))),
                    simplify(&ia.max.clone().unwrap().max(i64c(0))),
                ),
                // No larger in magnitude, which for the type's minimum divided by -1 is one
                // more than the type holds: it wraps.
                _ => {
                    let r = self.shrinking(ty, ia);
                    self.wrap(ty, r)
                }
            },
            BinOp::Rem => match b.as_int() {
                Some(0) => Interval::constant(0, 0),
                Some(c) => {
                    // Truncating: the sign of `a` (or 0), no larger in magnitude than `a` or
                    // `|c| - 1`. So `a` in `[lo, hi]` gives `[max(min(lo, 0), -m), min(max(hi,
                    // 0), m)]`, which is `[0, min(hi, m)]` for a region `[0, hi]`.
                    // (`c` is not 0; for `i64::MIN`, `|c| - 1` is `i64::MAX`.)
                    let m = (c.unsigned_abs() - 1) as i64;
                    // (An unsigned remainder is non-negative, whatever is known of `a`: a
                    // `u64` dividend has no bounds in `i64`.)
                    let lo = if ty.is_unsigned_int() || self.nonneg(&ia.min) {
                        Some(i64c(0))
                    } else {
                        ia.min.map(|lo| lo.min(i64c(0)).max(i64c(-m)))
                    };
                    let hi = ia.max.map(|hi| hi.max(i64c(0)).min(i64c(m)));
                    Interval {
                        min: Some(simplify(&lo.unwrap_or(i64c(-m)))),
                        max: Some(simplify(&hi.unwrap_or(i64c(m)))),
                    }
                }
                // Truncating: the remainder has the dividend's sign (or is 0), and is smaller
                // in magnitude than both the dividend and the divisor (a zero divisor gives
                // 0), whatever the divisor's sign.
                None => {
                    let lo = if ty.is_unsigned_int() || self.nonneg(&ia.min) {
                        Some(i64c(0))
                    } else {
                        ia.min.clone().map(|m| m.min(i64c(0)))
                    };
                    // (Where a sign is known, the shorter forms: these bounds nest.)
                    let hi = if self.nonneg(&ia.min) {
                        ia.max.clone()
                    } else {
                        ia.max.clone().map(|m| m.max(i64c(0)))
                    };
                    // |b| - 1, at least 0.
                    let mag = match (&ib.min, &ib.max) {
                        (_, Some(h)) if self.nonneg(&ib.min) => {
                            Some(h.clone().sub(i64c(1)).max(i64c(0)))
                        }
                        (Some(l), Some(h)) => Some(
                            Expr::unary(UnOp::Neg, l.clone())
                                .max(h.clone())
                                .sub(i64c(1))
                                .max(i64c(0)),
                        ),
                        _ => None,
                    };
                    let lo = match (lo, &mag) {
                        (Some(lo), Some(m)) if !self.nonneg(&Some(lo.clone())) => {
                            Some(lo.max(Expr::unary(UnOp::Neg, m.clone())))
                        }
                        (lo, _) => lo,
                    };
                    let hi = match (hi, &mag) {
                        (Some(hi), Some(m)) => Some(hi.min(m.clone())),
                        (hi, _) => hi,
                    };
                    match (lo, hi) {
                        (Some(lo), Some(hi)) => Interval::new(simplify(&lo), simplify(&hi)),
                        _ => self.shrinking(ty, ia),
                    }
                }
            },
            BinOp::Min => Interval {
                min: lift2(&ia.min, &ib.min, |x, y| x.min(y)),
                max: lift_either(&ia.max, &ib.max, |x, y| x.min(y)),
            },
            BinOp::Max => Interval {
                min: lift_either(&ia.min, &ib.min, |x, y| x.max(y)),
                max: lift2(&ia.max, &ib.max, |x, y| x.max(y)),
            },
            BinOp::Shr => match b.as_int() {
                Some(s) if (0..ty.bits() as i64).contains(&s) => Interval {
                    min: ia
                        .min
                        .map(|m| simplify(&Expr::binary(BinOp::Shr, m, i64c(s)))),
                    max: ia
                        .max
                        .map(|m| simplify(&Expr::binary(BinOp::Shr, m, i64c(s)))),
                },
                _ => Interval::of_type(ty),
            },
            BinOp::Shl => match b.as_int() {
                Some(s) if (0..ty.bits() as i64 - 1).contains(&s) => {
                    let r = scale(&ia, 1i64 << s);
                    self.wrap(ty, r)
                }
                _ => Interval::of_type(ty),
            },
            BinOp::BitAnd => {
                let mask = b.as_int().or(a.as_int());
                match mask {
                    Some(m) if m >= 0 => Interval::constant(0, m),
                    _ => Interval::of_type(ty),
                }
            }
            _ => Interval::of_type(ty),
        }
    }

    /// For `/` and `%` by an unknown divisor: the result is no larger in magnitude than the
    /// dividend and has its sign (or is 0).
    fn shrinking(&mut self, ty: Type, ia: Interval) -> Interval {
        match (ia.min, ia.max) {
            (Some(lo), Some(hi)) => {
                let m = Expr::unary(UnOp::Neg, lo).max(hi);
                let r = Interval::new(Expr::unary(UnOp::Neg, m.clone()), m);
                if ty.is_unsigned_int() {
                    Interval::new(Expr::i64(0), r.max.unwrap())
                } else {
                    r
                }
            }
            _ => Interval::of_type(ty),
        }
    }

    /// The bounds of a wrapping operation of type `ty` whose unwrapped result lies in `r`:
    /// `r` itself, guarded to fit in `ty`; or the type's range for small types when `r` is
    /// unknown.
    fn wrap(&mut self, ty: Type, r: Interval) -> Interval {
        self.wrap_in(ty, r, false)
    }

    /// [`Self::wrap`], where `on_purpose` says the program means the wrap (a cast between
    /// signed and unsigned, as Rust's `as`): then, as for small types, values that may not
    /// fit are bounded by the type's whole range instead of guarded to fit (a guard would
    /// refuse the kernel's intended inputs).
    fn wrap_in(&mut self, ty: Type, r: Interval, on_purpose: bool) -> Interval {
        let (lo, hi) = ty.int_range().expect("integer type");
        match (&r.min, &r.max) {
            (Some(a), Some(b)) => {
                let (lo64, hi64) = (
                    lo.max(i64::MIN as i128 + 1) as i64,
                    hi.min(i64::MAX as i128 - 1) as i64,
                );
                // Where the values may not fit, the type's range if that is the bound asked
                // for and an `i64` can state it.
                let whole =
                    (on_purpose || ty.bits() <= 16) && (lo64 as i128, hi64 as i128) == (lo, hi);
                if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
                    if x >= lo64 && y <= hi64 {
                        return r;
                    }
                    if whole {
                        return Interval::constant(lo64, hi64);
                    }
                    self.wraps = true;
                    return Interval::everything();
                }
                // Sides that stay in range whatever values their variables have (`n as i64`
                // for an `i32` `n` and an `i32` result, `min(16, n as i64)` in `i64`) need
                // no guard.
                if value_range(a).0 >= lo64 as i128 && value_range(b).1 <= hi64 as i128 {
                    return r;
                }
                let fits = Expr::i64(lo64)
                    .le(a.clone())
                    .and(b.clone().le(Expr::i64(hi64)));
                if whole {
                    // No need to fail: the type's range is a fine bound.
                    return Interval {
                        min: Some(simplify(&Expr::select(
                            fits.clone(),
                            a.clone(),
                            Expr::i64(lo64),
                        ))),
                        max: Some(simplify(&Expr::select(fits, b.clone(), Expr::i64(hi64)))),
                    };
                }
                if on_purpose {
                    return Interval::everything(); // `as u64`, `as i64`: any value
                }
                let g = simplify(&fits);
                if g.as_const() != Some(Value::Bool(true)) && !self.guards.contains(&g) {
                    self.guards.push(g);
                }
                r
            }
            _ => Interval::of_type(ty),
        }
    }

    /// Bounds of a cast to `ty` of a value in `ia` of integer type `src`.
    fn fit(&mut self, ty: Type, ia: Interval, src: Type) -> Interval {
        if ty.holds_all_of(src) {
            return ia; // widening: exact
        }
        // A cast between signed and unsigned (`(x - 5) as u32`) wraps on purpose.
        let on_purpose = src.is_unsigned_int() != ty.is_unsigned_int() && src != Type::Bool;
        self.wrap_in(ty, ia, on_purpose)
    }
}

/// A range of the values that the integer expression `e` can take, whatever values its
/// variables have in their types, computed exactly in
/// `i128`; the type's whole range where the structure tells nothing better. Cached in each
/// node: linear in the number of nodes not asked before (bound expressions share their
/// sub-expressions a lot, and interval arithmetic asks at every node of them).
pub fn value_range(e: &Expr) -> (i128, i128) {
    if let Some(r) = e.value_range_cell().get() {
        return *r;
    }
    let r = value_range_node(e);
    *e.value_range_cell().get_or_init(|| r)
}

fn value_range_node(e: &Expr) -> (i128, i128) {
    let ty = e.ty();
    let whole = ty.int_range().unwrap_or((i128::MIN, i128::MAX));
    let r = match e.node() {
        ExprNode::Const(_) => e.as_int().map(|c| (c as i128, c as i128)),
        ExprNode::Cast(x) if x.ty().is_int() && ty.holds_all_of(x.ty()) => Some(value_range(x)),
        ExprNode::Unary(UnOp::Neg, a) => {
            let (lo, hi) = value_range(a);
            Some((-hi, -lo))
        }
        ExprNode::Binary(op, a, b) => {
            let ((a0, a1), (b0, b1)) = (value_range(a), value_range(b));
            match op {
                BinOp::Add => a0.checked_add(b0).zip(a1.checked_add(b1)),
                BinOp::Sub => a0.checked_sub(b1).zip(a1.checked_sub(b0)),
                BinOp::Mul => {
                    let p = [
                        a0.checked_mul(b0),
                        a0.checked_mul(b1),
                        a1.checked_mul(b0),
                        a1.checked_mul(b1),
                    ];
                    p.iter().all(Option::is_some).then(|| {
                        let p = p.map(Option::unwrap);
                        (*p.iter().min().unwrap(), *p.iter().max().unwrap())
                    })
                }
                // Truncating division by a positive constant moves every value toward 0.
                BinOp::Div if b.as_int().is_some_and(|c| c > 0) => {
                    let c = b.as_int().unwrap() as i128;
                    Some((a0 / c, a1 / c))
                }
                BinOp::Min => Some((a0.min(b0), a1.min(b1))),
                BinOp::Max => Some((a0.max(b0), a1.max(b1))),
                _ => None,
            }
        }
        ExprNode::Select(_, t, f) => {
            let ((t0, t1), (f0, f1)) = (value_range(t), value_range(f));
            Some((t0.min(f0), t1.max(f1)))
        }
        _ => None,
    };
    // The result of an operation wraps to its type: outside the type's range, only the type's
    // range is certain.
    match r {
        Some((lo, hi)) if lo >= whole.0 && hi <= whole.1 => (lo, hi),
        _ => whole,
    }
}

/// Whether a bound is provably non-negative: built from non-negative constants and buffer
/// extents (`buf.extent.k`, never negative) with `+ * / max` and non-negative `min`/`select`.
pub fn nonneg(e: &Option<Expr>, vars: &[Arc<str>]) -> bool {
    fn go(e: &Expr, vars: &[Arc<str>]) -> bool {
        match e.node() {
            ExprNode::Const(v) => v.as_i64().is_some_and(|c| c >= 0),
            ExprNode::Var(n) => {
                n.contains(".extent.")
                    || n.contains(".alloc.")
                    || n.ends_with(".len")
                    || vars.contains(n)
            }
            // (A narrowing cast, `(n as i64 * k) as i32` or `u as i32` of a `u32`, can make
            // anything negative.)
            ExprNode::Cast(a) => {
                e.ty().holds_all_of(a.ty()) && (a.ty().is_unsigned_int() || go(a, vars))
            }
            ExprNode::Binary(BinOp::Add | BinOp::Mul | BinOp::Div | BinOp::Min, a, b) => {
                go(a, vars) && go(b, vars)
            }
            ExprNode::Binary(BinOp::Max, a, b) => go(a, vars) || go(b, vars),
            ExprNode::Select(_, a, b) => go(a, vars) && go(b, vars),
            _ => false,
        }
    }
    e.as_ref().is_some_and(|e| go(e, vars))
}

/// The value of an interval that holds one value (a run-time constant, or a variable of the
/// scope that is fixed), if it is one.
fn point(i: &Interval) -> Option<Expr> {
    match (&i.min, &i.max) {
        (Some(a), Some(b)) if a == b => Some(a.clone()),
        _ => None,
    }
}

/// `ia * c` for a constant `c`.
fn scale(ia: &Interval, c: i64) -> Interval {
    let mul = |e: &Option<Expr>| {
        e.as_ref()
            .and_then(|x| exact(x.as_int().is_some(), simplify(&x.clone().mul(Expr::i64(c)))))
    };
    if c >= 0 {
        Interval {
            min: mul(&ia.min),
            max: mul(&ia.max),
        }
    } else {
        Interval {
            min: mul(&ia.max),
            max: mul(&ia.min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Expr {
        Expr::var("x", Type::I32)
    }
    fn scope_x(lo: i64, hi: i64) -> Scope {
        let mut s = Scope::new();
        s.insert("x".into(), Interval::constant(lo, hi));
        s
    }
    fn show(i: &Interval) -> String {
        let f = |e: &Option<Expr>| {
            e.as_ref()
                .map_or("-inf/+inf".to_string(), |e| e.to_string())
        };
        format!("[{}, {}]", f(&i.min), f(&i.max))
    }

    #[test]
    fn affine_bounds() {
        let s = scope_x(0, 9);
        let mut b = Bounds::new(&s);
        let e = x().mul(Expr::i32(-2)).add(Expr::i32(3));
        assert_eq!(show(&b.of(&e)), "[-15, 3]");
        assert!(b.guards.is_empty(), "constant bounds need no guard");
    }

    #[test]
    fn symbolic_bounds_carry_guards() {
        let mut s = Scope::new();
        let n = Expr::cast(Type::I64, Expr::var("n", Type::I32));
        s.insert("x".into(), Interval::new(Expr::i64(0), n.sub(Expr::i64(1))));
        let mut b = Bounds::new(&s);
        let i = b.of(&x().add(Expr::i32(2)));
        assert_eq!(show(&i), "[2, n as i64 + 1]");
        assert_eq!(b.guards.len(), 1);
        assert_eq!(b.guards[0].to_string(), "n as i64 + 1 <= 2147483647");
    }

    #[test]
    fn clamp_bounds_unbounded_values() {
        let s = Scope::new();
        let mut b = Bounds::new(&s);
        let data = Expr::call(crate::expr::CallKind::Input, "input", vec![], Type::I32);
        let e = Expr::intrinsic(
            Intrinsic::Clamp,
            vec![data.clone(), Expr::i32(0), Expr::i32(255)],
        );
        assert_eq!(show(&b.of(&e)), "[0, 255]");
        assert_eq!(show(&b.of(&data)), "[-inf/+inf, -inf/+inf]");
        let small = Expr::cast(
            Type::I32,
            Expr::call(crate::expr::CallKind::Input, "t", vec![], Type::U8),
        );
        assert_eq!(show(&b.of(&small)), "[0, 255]");
    }

    /// Bounds that leave `i64` are unknown, never wrapped around: `x * 4` with `x` up to
    /// `2^62` has no upper bound (wrapped, it would be 0); an `i64` operation with one side
    /// unknown has no bounds at all (its value may wrap).
    #[test]
    fn bounds_past_i64_are_unknown() {
        let mut s = Scope::new();
        s.insert("x".into(), Interval::constant(1, 1 << 62));
        let x = Expr::var("x", Type::I64);
        let mut b = Bounds::new(&s);
        let none = "[-inf/+inf, -inf/+inf]";
        assert_eq!(show(&b.of(&x.clone().mul(Expr::i64(4)))), none);
        assert_eq!(show(&b.of(&x.clone().add(x.clone()))), none);
        let prod = x.clone().mul(x.clone());
        assert_eq!(show(&b.of(&prod)), none);
        assert_eq!(show(&b.of(&Expr::unary(UnOp::Neg, prod))), none);
        // In `i32`, whose bounds stay far inside `i64`, and in range, exact as before.
        let top = (1i64 << 62) + 5;
        assert_eq!(
            show(&b.of(&x.clone().add(Expr::i64(5)))),
            format!("[6, {top}]")
        );
        let y = Expr::cast(Type::I64, Expr::var("y", Type::I32));
        assert_eq!(
            show(&b.of(&y.clone().mul(y).mul(Expr::i64(4)))),
            "[y as i64 * y as i64 * 4, y as i64 * y as i64 * 4]"
        );
    }

    #[test]
    fn division_and_remainder() {
        let s = scope_x(-7, 9);
        let mut b = Bounds::new(&s);
        assert_eq!(show(&b.of(&x().div(Expr::i32(2)))), "[-3, 4]");
        assert_eq!(show(&b.of(&x().div(Expr::i32(-2)))), "[-4, 3]");
        let re = Expr::intrinsic(Intrinsic::RemEuclid, vec![x(), Expr::i32(4)]);
        assert_eq!(show(&b.of(&re)), "[0, 3]");
        // A non-negative dividend bounds its remainder too.
        let small = scope_x(0, 1);
        let re = Expr::intrinsic(Intrinsic::RemEuclid, vec![x(), Expr::var("k", Type::I32)]);
        assert_eq!(
            show(&Bounds::new(&small).of(&re)),
            "[0, min(max(max(-(k as i64), k as i64) - 1, 0), 1)]"
        );
        let de = Expr::intrinsic(Intrinsic::DivEuclid, vec![x(), Expr::i32(4)]);
        assert_eq!(show(&b.of(&de)), "[-2, 2]");
        // By a divisor fixed for the call: the quotients of the ends (either order).
        let y = Expr::var("y", Type::I32);
        assert_eq!(
            show(&b.of(&x().div(y.clone()))),
            "[min(-7 / y as i64, 9 / y as i64), max(-7 / y as i64, 9 / y as i64)]"
        );
        // By a divisor that varies: no larger in magnitude, and the dividend's sign for a
        // non-negative divisor; a remainder by anything has the dividend's sign.
        let mut s2 = scope_x(-7, 9);
        s2.insert("d".into(), Interval::constant(-3, 5));
        s2.insert("p".into(), Interval::constant(0, 5));
        let mut b2 = Bounds::new(&s2);
        let (d, p) = (Expr::var("d", Type::I32), Expr::var("p", Type::I32));
        assert_eq!(show(&b2.of(&x().div(d.clone()))), "[-9, 9]");
        assert_eq!(show(&b2.of(&x().div(p))), "[-7, 9]");
        assert_eq!(show(&b2.of(&Expr::binary(BinOp::Rem, x(), d))), "[-4, 4]");
        let mut s3 = scope_x(0, 9);
        s3.insert("d".into(), Interval::everything());
        let d = Expr::var("d", Type::I32);
        assert_eq!(
            show(&Bounds::new(&s3).of(&Expr::binary(BinOp::Rem, x(), d))),
            "[0, 9]"
        );
        // Truncating remainder: the sign of the dividend, no larger than it or the divisor.
        assert_eq!(
            show(&b.of(&Expr::binary(BinOp::Rem, x(), Expr::i32(4)))),
            "[-3, 3]"
        );
        assert_eq!(
            show(&b.of(&Expr::binary(BinOp::Rem, x(), Expr::i32(100)))),
            "[-7, 9]"
        );
        let s = scope_x(2, 5);
        assert_eq!(
            show(&Bounds::new(&s).of(&Expr::binary(BinOp::Rem, x(), Expr::i32(11)))),
            "[0, 5]"
        );
        // A region `[m, m + 3]` starting at a run-time `m`: no wider than the region where it
        // starts at 0 or more.
        let mut s = Scope::new();
        let m = Expr::var("m", Type::I64);
        s.insert("x".into(), Interval::new(m.clone(), m.add(Expr::i64(3))));
        assert_eq!(
            show(&Bounds::new(&s).of(&Expr::binary(BinOp::Rem, x(), Expr::i32(11)))),
            "[max(min(m, 0), -10), min(max(m + 3, 0), 10)]"
        );
    }

    #[test]
    fn casts_between_signed_and_unsigned_wrap_as_in_rust() {
        // `(x - 5) as u32` for `x` in [0, 9]: negative values wrap to large ones, so the
        // bound is the type's range where they may occur (no guard that they do not).
        let s = scope_x(0, 9);
        let mut b = Bounds::new(&s);
        let e = Expr::cast(Type::U32, x().sub(Expr::i32(5)));
        assert_eq!(show(&b.of(&e)), "[0, 4294967295]");
        assert!(b.guards.is_empty());
        let e = Expr::binary(BinOp::Rem, e, Expr::cast(Type::U32, Expr::i32(7)));
        assert_eq!(show(&b.of(&e)), "[0, 6]");
        // Where they fit, exact.
        let s = scope_x(5, 9);
        let e = Expr::cast(Type::U32, x().sub(Expr::i32(5)));
        assert_eq!(show(&Bounds::new(&s).of(&e)), "[0, 4]");
        // A type whose range an `i64` cannot state: no bound, and still no guard.
        let s = scope_x(0, 9);
        let mut b = Bounds::new(&s);
        let e = Expr::cast(Type::U64, x().sub(Expr::i32(5)));
        assert_eq!(show(&b.of(&e)), "[-inf/+inf, -inf/+inf]");
        assert!(b.guards.is_empty());
        // Its remainder is bounded all the same: unsigned, so not negative.
        let n = Expr::var("n", Type::U64);
        let e = Expr::binary(BinOp::Rem, n.clone(), Expr::constant(Value::U64(4)));
        assert_eq!(show(&b.of(&e)), "[0, 3]");
        let e = Expr::binary(BinOp::Rem, Expr::constant(Value::U64(9)), n);
        assert_eq!(show(&b.of(&e)), "[0, 9]");
    }

    /// A select's condition on an expression (not a variable) that its arms use bounds the
    /// arms: the book's reflection of an inlined, clamped index.
    #[test]
    fn arms_are_bounded_by_conditions_on_their_own_subexpressions() {
        let s = scope_x(0, 9);
        let m = x().add(Expr::i32(1)).min(Expr::i32(8));
        let e = Expr::select(
            m.clone().lt(Expr::i32(1)),
            Expr::i32(1).sub(m.clone()),
            m.sub(Expr::i32(1)),
        );
        assert_eq!(show(&Bounds::new(&s).of(&e)), "[0, 7]");
    }

    #[test]
    fn wrapping_with_an_unknown_side_is_unbounded() {
        let s = Scope::new();
        let mut b = Bounds::new(&s);
        let data = Expr::call(crate::expr::CallKind::Input, "input", vec![], Type::I32);
        let e = data.max(Expr::i32(0)).add(Expr::i32(5));
        assert_eq!(show(&b.of(&e)), "[-inf/+inf, -inf/+inf]");
    }

    /// Brute force: every value of small expressions lies in its computed bounds.
    #[test]
    fn float_to_int_bounds_contain_every_value() {
        use crate::expr::CallKind;
        let f = |v: f32| Expr::constant(Value::F32(v));
        let cl =
            |e: Expr, lo: f32, hi: f32| Expr::intrinsic(Intrinsic::Clamp, vec![e, f(lo), f(hi)]);
        // `v` stands for a load (unknown, maybe NaN); `p` for a scalar parameter.
        let build = |v: Expr, p: Expr| -> Vec<Expr> {
            let xf = Expr::cast(Type::F32, x());
            vec![
                Expr::cast(
                    Type::I32,
                    cl(v.clone(), 0.0, 1.0)
                        .mul(f(1.0).div(p.clone()))
                        .add(f(0.5)),
                ),
                Expr::cast(Type::I32, cl(v.clone(), 0.0, 1.0).mul(p.clone())),
                Expr::cast(Type::I32, cl(v.clone(), -2.0, 3.0).sub(p.clone())),
                Expr::cast(
                    Type::I16,
                    Expr::intrinsic(Intrinsic::Floor, vec![cl(v.clone(), 0.0, 1.0)])
                        .add(xf.clone()),
                ),
                Expr::cast(Type::I32, v.clone().max(f(0.0)).min(p.clone())),
                Expr::cast(
                    Type::I32,
                    Expr::select(x().lt(Expr::i32(0)), cl(v.clone(), 0.0, 1.0), p.clone()),
                ),
                Expr::cast(
                    Type::U8,
                    Expr::unary(UnOp::Neg, cl(v.clone(), 0.0, 1.0)).div(p.clone()),
                ),
                Expr::cast(Type::I32, xf.mul(p.clone()).sub(cl(v, -1.0, 1.0))),
            ]
        };
        let load = Expr::call(CallKind::Input, "a", vec![x()], Type::F32);
        let symbolic = build(load, Expr::var("p", Type::F32));
        let vs = [
            f32::NEG_INFINITY,
            -2.0,
            -0.5,
            0.0,
            0.3,
            1.0,
            7.0,
            f32::INFINITY,
            f32::NAN,
        ];
        let ps = [0.1, 0.0, -0.0, -3.0, f32::INFINITY, f32::NAN, 1e-30, 1e30];
        for (k, e) in symbolic.iter().enumerate() {
            let s = scope_x(-5, 6);
            let i = Bounds::new(&s).of(e);
            if k != 4 {
                assert!(i.is_bounded(), "{e}");
            }
            for &pv in &ps {
                // An unknown side (`min(max(v, 0), p)` has no upper bound: `p` may be NaN).
                let at_p = |b: &Option<Expr>, unknown: i64| {
                    b.as_ref().map_or(unknown, |b| {
                        let b = crate::expr::substitute(b, &|n| (n == "p").then(|| f(pv)));
                        simplify(&b).as_int().unwrap_or_else(|| panic!("{b}"))
                    })
                };
                let (lo, hi) = (at_p(&i.min, i64::MIN), at_p(&i.max, i64::MAX));
                for &vv in &vs {
                    for xv in -5..=6 {
                        let concrete = &build(f(vv), f(pv))[k];
                        let c = crate::expr::substitute(concrete, &|n| {
                            (n == "x").then(|| Expr::i32(xv))
                        });
                        let c = crate::simplify::simplify(&c).as_int().unwrap();
                        assert!(
                            lo <= c && c <= hi,
                            "{e} = {c} at v={vv}, p={pv}, x={xv} outside [{lo}, {hi}]"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bounds_contain_every_value() {
        let y = Expr::var("y", Type::I32);
        let exprs = vec![
            x().mul(y.clone()).sub(Expr::i32(3)),
            x().div(y.clone()).add(x().clamp_to(-2, 3)),
            Expr::intrinsic(Intrinsic::RemEuclid, vec![x(), y.clone()]),
            x().min(y.clone()).max(Expr::i32(-1)),
            Expr::select(x().lt(y.clone()), x(), y.clone().mul(Expr::i32(3))),
            Expr::binary(BinOp::Rem, x(), y.clone()),
            Expr::binary(BinOp::Shr, x(), Expr::i32(1)),
            Expr::intrinsic(Intrinsic::Abs, vec![x().sub(y.clone())]),
        ];
        for e in exprs {
            let mut s = scope_x(-5, 6);
            s.insert("y".into(), Interval::constant(-3, 4));
            let mut b = Bounds::new(&s);
            let i = b.of(&e);
            let (lo, hi) = (
                i.min.unwrap().as_int().unwrap(),
                i.max.unwrap().as_int().unwrap(),
            );
            for xv in -5..=6 {
                for yv in -3..=4 {
                    let v = crate::expr::substitute(&e, &|n| match n {
                        "x" => Some(Expr::i32(xv)),
                        "y" => Some(Expr::i32(yv)),
                        _ => None,
                    });
                    let v = simplify(&v).as_int().unwrap();
                    assert!(
                        lo <= v && v <= hi,
                        "{e} = {v} at x={xv}, y={yv} outside [{lo}, {hi}]"
                    );
                }
            }
        }
    }

    trait ClampTo {
        fn clamp_to(self, lo: i32, hi: i32) -> Expr;
    }
    impl ClampTo for Expr {
        fn clamp_to(self, lo: i32, hi: i32) -> Expr {
            Expr::intrinsic(Intrinsic::Clamp, vec![self, Expr::i32(lo), Expr::i32(hi)])
        }
    }
}
