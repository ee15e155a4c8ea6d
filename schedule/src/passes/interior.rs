//! Pass `specialize_interiors`: a copy of a small loop nest without its boundary conditions,
//! taken when every one of them holds throughout.
//!
//! A boundary condition written in the algorithm (zero padding as
//! `if y >= 0 && y < h { input(b, y.clamp(0, h - 1), ..) } else { 0.0 }`, or a clamped read
//! `input(x.clamp(0, w - 1))`) is tested at every point where it is inlined: in a convolution
//! whose padded input is inlined into its taps, on every tap of every pixel. Yet on a tile
//! away from the image's edges every such test passes. For a loop nest of constant extents and
//! at most [`MAX_ITERATIONS`] iterations (a tile, once `specialize_full_tiles` has made its
//! extents constant), the pass computes with interval arithmetic, over the nest's loops, the
//! condition under which every analyzable `select` condition takes the same arm and every
//! integer `clamp` leaves its value unchanged on every iteration, and gives the nest a second
//! copy with those selects and clamps removed:
//!
//! ```text
//! if interior { nest[select(c, t, f) := t, x.clamp(lo, hi) := x] }
//! if !interior { nest }
//! ```
//!
//! This is Halide's loop partitioning of boundary conditions (its `likely` branches), decided
//! once per small nest instead of by splitting a loop's range.
//!
//! Analyzable: a condition that is a conjunction (the copy takes the `true` arm) or a
//! disjunction (the `false` arm) of integer comparisons `<`, `<=`, `>`, `>=` of expressions
//! that read no Func or buffer; a `clamp` of such an expression between two such expressions.
//! The test reads only names bound outside the nest, and is kept only when its `i64`
//! arithmetic provably cannot overflow (it is evaluated with the loop nest's wrapping
//! arithmetic), together with the guards under which the bounds hold (no index arithmetic of
//! the nest wraps).
//!
//! Pre: runs last but for simplification (extents are as constant as they get). Post: each
//! nest of constant extents and at most [`MAX_ITERATIONS`] iterations with analyzable
//! conditions is `if c { copy } if !c { nest }`; where `c` holds, the copy computes the same
//! values as the nest (the arms it drops are never taken, the clamps it drops change nothing).

use crate::passes::bounds::restore;
use halite_core::interval::{value_range, Bounds, Interval, Scope};
use halite_core::{BinOp, Expr, ExprMutator, ExprNode, Intrinsic, Stmt, Type, UnOp};
use std::sync::Arc;

/// The most iterations (over all its loops) of a nest the pass copies.
pub const MAX_ITERATIONS: i64 = 1 << 16;

/// Runs the pass: the outermost qualifying nests.
pub fn specialize_interiors(s: Stmt) -> Stmt {
    match s {
        Stmt::For { .. } if iterations(&s).is_some_and(|n| n <= MAX_ITERATIONS) => at_nest(s),
        s => s.map_children(&mut specialize_interiors),
    }
}

/// The number of innermost statements a nest executes, if all its loops have constant
/// extents.
fn iterations(s: &Stmt) -> Option<i64> {
    match s {
        Stmt::For { extent, body, .. } => {
            let n = halite_core::simplify(extent).as_int()?.max(0);
            n.checked_mul(iterations(body)?)
        }
        Stmt::Block(v) => v
            .iter()
            .try_fold(0i64, |acc, s| acc.checked_add(iterations(s)?)),
        Stmt::Let { body, .. } | Stmt::Allocate { body, .. } | Stmt::Produce { body, .. } => {
            iterations(body)
        }
        Stmt::If { then, .. } => iterations(then),
        Stmt::Store { .. } => Some(1),
    }
}

/// The pass at one nest.
///
/// (Trying an edge nest's serial loops again one level in, so that the taps of an edge tile
/// that stay inside the image would run the copy too, measured no faster on the depthwise
/// app, whose edge tiles are 17% of its tiles, and made its generated code 45% larger.)
fn at_nest(s: Stmt) -> Stmt {
    let mut w = Walk {
        scope: Scope::new(),
        bound: Vec::new(),
        conds: Vec::new(),
        resolved: 0,
        failed: false,
    };
    let copy = w.stmt(&s);
    if w.failed || w.resolved == 0 {
        return s;
    }
    let mut cond = Expr::bool(true);
    for c in prune(w.conds) {
        cond = cond.and(c);
    }
    let cond = halite_core::simplify(&cond);
    match cond.as_const() {
        Some(halite_core::Value::Bool(true)) => copy,
        Some(_) => s,
        None => Stmt::Block(vec![
            Stmt::If {
                cond: cond.clone(),
                then: Box::new(copy),
            },
            Stmt::If {
                cond: Expr::unary(UnOp::Not, cond),
                then: Box::new(s),
            },
        ]),
    }
}

/// The walk over a nest that builds its interior copy.
struct Walk {
    /// Intervals of the nest's loop variables and `let`s in scope, over names bound outside.
    scope: Scope,
    /// Every name the nest binds (a test must not read one).
    bound: Vec<Arc<str>>,
    /// Conditions (`bool`, over names bound outside the nest) for the copy to be right.
    conds: Vec<Expr>,
    /// How many selects and clamps the copy drops.
    resolved: usize,
    /// A bound came out unusable: the nest stays as it is.
    failed: bool,
}

impl Walk {
    fn stmt(&mut self, s: &Stmt) -> Stmt {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let (min2, extent2) = (self.expr(min), self.expr(extent));
                // (Loop bounds never wrap: the entry checks guard them.)
                let wide = |e: &Expr| Expr::cast(Type::I64, e.clone());
                let last = wide(min).add(wide(extent)).sub(Expr::i64(1));
                let iv = {
                    let mut b = Bounds::new(&self.scope);
                    let lo = b.of(&wide(min)).min;
                    let hi = b.of(&last).max;
                    self.guards(b.guards);
                    Interval { min: lo, max: hi }
                };
                let saved = self.scope.insert(var.clone(), iv);
                self.bound.push(var.clone());
                let body = self.stmt(body);
                restore(&mut self.scope, var, saved);
                Stmt::For {
                    var: var.clone(),
                    min: min2,
                    extent: extent2,
                    kind: *kind,
                    body: Box::new(body),
                }
            }
            Stmt::Let { name, value, body } => {
                let value2 = self.expr(value);
                let iv = {
                    let mut b = Bounds::new(&self.scope);
                    let iv = b.of(value);
                    self.guards(b.guards);
                    iv
                };
                let saved = self.scope.insert(name.clone(), iv);
                self.bound.push(name.clone());
                let body = self.stmt(body);
                restore(&mut self.scope, name, saved);
                Stmt::Let {
                    name: name.clone(),
                    value: value2,
                    body: Box::new(body),
                }
            }
            Stmt::Store { func, args, value } => Stmt::Store {
                func: func.clone(),
                args: args.iter().map(|a| self.expr(a)).collect(),
                value: self.expr(value),
            },
            Stmt::If { cond, then } => Stmt::If {
                cond: self.expr(cond),
                then: Box::new(self.stmt(then)),
            },
            s @ (Stmt::Allocate { .. } | Stmt::Produce { .. } | Stmt::Block(_)) => {
                s.clone().map_children(&mut |c| self.stmt(&c))
            }
        }
    }

    /// `e` with its analyzable selects and clamps resolved; their conditions recorded.
    fn expr(&mut self, e: &Expr) -> Expr {
        let mut lets = Vec::new();
        e.visit(&mut |x| {
            if let ExprNode::Let(n, ..) = x.node() {
                lets.push(n.clone());
            }
        });
        self.bound.extend(lets);
        Resolve(self).mutate(e)
    }

    /// Adds the guards of a bound (each must be safe to evaluate).
    fn guards(&mut self, gs: Vec<Expr>) {
        for g in gs {
            self.require(g);
        }
    }

    /// Records a condition if it reads only outside names and cannot overflow; otherwise
    /// the nest is left alone.
    fn require(&mut self, c: Expr) {
        let c = halite_core::simplify(&c);
        if let ExprNode::Binary(BinOp::And, a, b) = c.node() {
            self.require(a.clone());
            self.require(b.clone());
            return;
        }
        if c.as_const() == Some(halite_core::Value::Bool(true)) || always(&c) {
            return;
        }
        if !safe(&c) || self.bound.iter().any(|b| c.uses_var(b)) {
            self.failed = true;
            return;
        }
        if !self.conds.contains(&c) {
            self.conds.push(c);
        }
    }

    /// The conditions for every comparison in `atoms` to be `want` on every iteration, if
    /// each is analyzable.
    fn atoms_hold(&mut self, atoms: &[Expr], want: bool) -> Option<Vec<Expr>> {
        let mut out = Vec::new();
        for a in atoms {
            let ExprNode::Binary(op, x, y) = a.node() else {
                return None;
            };
            if !x.ty().is_int() || x.reads() || y.reads() {
                return None;
            }
            // `x op y` is `d op 0` with `d = x - y`, computed without wrapping.
            let d = Expr::cast(Type::I64, x.clone()).sub(Expr::cast(Type::I64, y.clone()));
            let op = if want { *op } else { negate(*op)? };
            let mut b = Bounds::new(&self.scope);
            let iv = b.of(&d);
            let zero = Expr::i64(0);
            let c = match op {
                BinOp::Lt => iv.max?.lt(zero),
                BinOp::Le => iv.max?.le(zero),
                BinOp::Gt => zero.lt(iv.min?),
                BinOp::Ge => zero.le(iv.min?),
                _ => return None,
            };
            out.extend(b.guards);
            out.push(c);
        }
        Some(out)
    }
}

/// The conditions with those implied by another one left out: each is read as `0 <= e`,
/// and `0 <= e2` goes when `e2 - e1` is a non-negative constant for a kept `0 <= e1` (the
/// tests of a tile's first and last taps imply those of the taps between).
fn prune(conds: Vec<Expr>) -> Vec<Expr> {
    let slack = |c: &Expr| -> Option<Expr> {
        match c.node() {
            ExprNode::Binary(BinOp::Le, a, b) if a.ty() == Type::I64 => {
                Some(b.clone().sub(a.clone()))
            }
            ExprNode::Binary(BinOp::Lt, a, b) if a.ty() == Type::I64 => {
                Some(b.clone().sub(a.clone()).sub(Expr::i64(1)))
            }
            _ => None,
        }
    };
    let slacks: Vec<Option<Expr>> = conds.iter().map(slack).collect();
    // `i` implies `j` (or they are equal and `i` comes first).
    let implies = |i: usize, j: usize| match (&slacks[i], &slacks[j]) {
        (Some(ei), Some(ej)) => halite_core::simplify(&ej.clone().sub(ei.clone()))
            .as_int()
            .is_some_and(|k| k > 0 || (k == 0 && i < j)),
        _ => false,
    };
    (0..conds.len())
        .filter(|&j| !(0..conds.len()).any(|i| i != j && implies(i, j)))
        .map(|j| conds[j].clone())
        .collect()
}

/// The mutator that resolves selects and clamps inside one expression.
struct Resolve<'a>(&'a mut Walk);

impl ExprMutator for Resolve<'_> {
    fn mutate(&mut self, e: &Expr) -> Expr {
        let e2 = self.mutate_children(e);
        match e2.node() {
            ExprNode::Select(c, t, f) => {
                let (atoms, want) = match split(c, BinOp::And) {
                    Some(a) => (a, true),
                    None => match split(c, BinOp::Or) {
                        Some(a) => (a, false),
                        None => return e2,
                    },
                };
                match self.0.atoms_hold(&atoms, want) {
                    Some(conds) => {
                        for c in conds {
                            self.0.require(c);
                        }
                        self.0.resolved += 1;
                        if want {
                            t.clone()
                        } else {
                            f.clone()
                        }
                    }
                    None => e2,
                }
            }
            ExprNode::Intrinsic(Intrinsic::Clamp, args) if e2.ty().is_int() => {
                let (x, lo, hi) = (&args[0], &args[1], &args[2]);
                let atoms = [
                    Expr::binary(BinOp::Ge, x.clone(), lo.clone()),
                    Expr::binary(BinOp::Le, x.clone(), hi.clone()),
                ];
                match self.0.atoms_hold(&atoms, true) {
                    Some(conds) => {
                        for c in conds {
                            self.0.require(c);
                        }
                        self.0.resolved += 1;
                        x.clone()
                    }
                    None => e2,
                }
            }
            _ => e2,
        }
    }
}

/// The comparisons joined by `op` (`&&` or `||`) in `c`, with `!` pushed into them; `None`
/// if `c` has another shape.
fn split(c: &Expr, op: BinOp) -> Option<Vec<Expr>> {
    match c.node() {
        ExprNode::Binary(o, a, b) if *o == op => {
            let mut v = split(a, op)?;
            v.extend(split(b, op)?);
            Some(v)
        }
        ExprNode::Binary(o, a, b) if o.is_comparison() && a.ty().is_int() => {
            matches!(o, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
                .then(|| vec![Expr::binary(*o, a.clone(), b.clone())])
        }
        ExprNode::Unary(UnOp::Not, a) => match a.node() {
            ExprNode::Binary(o, x, y) if o.is_comparison() && x.ty().is_int() => {
                Some(vec![Expr::binary(negate(*o)?, x.clone(), y.clone())])
            }
            _ => None,
        },
        _ => None,
    }
}

/// The comparison that is true exactly when `op` is false.
fn negate(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Lt => BinOp::Ge,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Ge => BinOp::Lt,
        _ => return None,
    })
}

/// Whether the comparison `c` holds whatever values its variables have in their types (the
/// guard that `y0 as i64` is at least `i32::MIN`).
fn always(c: &Expr) -> bool {
    match c.node() {
        ExprNode::Binary(BinOp::Le, a, b) => value_range(a).1 <= value_range(b).0,
        ExprNode::Binary(BinOp::Lt, a, b) => value_range(a).1 < value_range(b).0,
        _ => false,
    }
}

/// Whether evaluating `c` with wrapping arithmetic gives its mathematical value: no `i64`
/// node can overflow. `value_range` gives a node that might the whole range of its type, so
/// every `i64` node must have a range strictly inside it (an `i64` variable, unbounded, fails).
/// Narrower integer nodes are run-time constants of the nest, whose bounds are the very
/// expression, wrapping included.
fn safe(c: &Expr) -> bool {
    let mut ok = true;
    c.visit(&mut |e| {
        if e.ty() == Type::I64 {
            let (lo, hi) = value_range(e);
            ok &= lo > i64::MIN as i128 && hi < i64::MAX as i128;
        }
    });
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{CallKind, ForKind};

    fn v(n: &str) -> Expr {
        Expr::var(n, Type::I32)
    }

    fn loop_(var: &str, min: Expr, extent: i32, kind: ForKind, body: Stmt) -> Stmt {
        Stmt::For {
            var: var.into(),
            min,
            extent: Expr::i32(extent),
            kind,
            body: Box::new(body),
        }
    }

    /// A 3-tap zero-padded convolution of a 4 x 8 tile at `(y0, x0)`, reading `input` of
    /// `h` x `w` (a select around a clamped read).
    fn padded_taps() -> Stmt {
        let (y, x, r) = (v("y"), v("x"), v("r"));
        let yy = y.clone().add(r.clone()).sub(Expr::i32(1));
        let (h, w) = (v("h"), v("w"));
        let inside = Expr::binary(BinOp::Ge, yy.clone(), Expr::i32(0))
            .and(yy.clone().lt(h.clone()))
            .and(Expr::binary(BinOp::Ge, x.clone(), Expr::i32(0)))
            .and(x.clone().lt(w.clone()));
        let read = Expr::call(
            CallKind::Input,
            "input",
            vec![
                Expr::intrinsic(
                    Intrinsic::Clamp,
                    vec![yy.clone(), Expr::i32(0), h.clone().sub(Expr::i32(1))],
                ),
                x.clone(),
            ],
            Type::F32,
        );
        let value = Expr::select(inside, read, Expr::constant(halite_core::Value::F32(0.0)));
        let store = Stmt::Store {
            func: "f".into(),
            args: vec![r.clone(), y.clone(), x.clone()],
            value,
        };
        loop_(
            "r",
            Expr::i32(0),
            3,
            ForKind::Serial,
            loop_(
                "y",
                v("y0"),
                4,
                ForKind::Unrolled(4),
                loop_("x", v("x0"), 8, ForKind::Vectorized(8), store),
            ),
        )
    }

    /// The interior copy reads `input` directly; the test is the tile's distance from the
    /// edges.
    #[test]
    fn a_zero_padded_tile_gets_an_interior_copy() {
        let nest = padded_taps();
        expect_test::expect![[r#"
            if y0 as i64 + 5 <= 2147483647 && 0 <= y0 as i64 - 1 && y0 as i64 - (h - 1) as i64 + 4 <= 0 && y0 as i64 - h as i64 + 4 < 0 && 0 <= x0 as i64 && x0 as i64 - w as i64 + 7 < 0:
              for r in [0, +3):
                unrolled(x4) for y in [y0, +4):
                  vectorized(x8) for x in [x0, +8):
                    f(r, y, x) = input(y + r - 1, x)
            if !(y0 as i64 + 5 <= 2147483647 && 0 <= y0 as i64 - 1 && y0 as i64 - (h - 1) as i64 + 4 <= 0 && y0 as i64 - h as i64 + 4 < 0 && 0 <= x0 as i64 && x0 as i64 - w as i64 + 7 < 0):
              for r in [0, +3):
                unrolled(x4) for y in [y0, +4):
                  vectorized(x8) for x in [x0, +8):
                    f(r, y, x) = select(y + r - 1 >= 0 && y + r - 1 < h && x >= 0 && x < w, input((y + r - 1).clamp(0, h - 1), x), 0.0f32)
        "#]]
        .assert_eq(&specialize_interiors(nest).to_string());
    }

    /// Both versions store the same values for tiles inside, at and across every edge.
    #[test]
    fn the_copy_computes_what_the_nest_computes() {
        use halite_core::interp::Buffer;
        use halite_core::interp_nest::run_nest;
        use halite_core::Value;
        use std::collections::HashMap;
        let (h, w) = (7usize, 10usize);
        let mut input = Buffer::zeros(Type::F32, &[h, w]);
        for (i, v) in input.data.iter_mut().enumerate() {
            *v = Value::F32(i as f32 + 1.0);
        }
        let inputs: HashMap<Arc<str>, Buffer> = [("input".into(), input)].into();
        let original = padded_taps();
        let specialized = specialize_interiors(original.clone());
        assert_ne!(original, specialized);
        for y0 in 0..=(h as i32 - 4) {
            for x0 in 0..=(w as i32 - 8) {
                let run = |s: &Stmt| {
                    let mut out: HashMap<Arc<str>, Buffer> =
                        [("f".into(), Buffer::zeros(Type::F32, &[3, h, w]))].into();
                    let env = [("h", h as i32), ("w", w as i32), ("y0", y0), ("x0", x0)]
                        .map(|(n, v)| (Arc::from(n), Value::I32(v)))
                        .to_vec();
                    run_nest(&[], s, env, &inputs, &mut out).unwrap();
                    out.remove("f").unwrap().data
                };
                assert_eq!(run(&original), run(&specialized), "tile at ({y0}, {x0})");
            }
        }
    }

    /// A test whose `i64` arithmetic could wrap is not used: an `i64` variable, or two
    /// products of `i32` values added.
    #[test]
    fn tests_that_could_overflow_are_refused() {
        let w = |n: &str| Expr::cast(Type::I64, v(n));
        let zero = Expr::i64(0);
        assert!(safe(&zero.clone().le(w("a").add(Expr::i64(5)))));
        assert!(safe(&zero.clone().le(w("a").mul(w("b")))));
        assert!(!safe(
            &zero.clone().le(w("a").mul(w("b")).add(w("c").mul(w("d"))))
        ));
        assert!(!safe(&zero.le(Expr::var("n", Type::I64).add(Expr::i64(1)))));
    }
}
