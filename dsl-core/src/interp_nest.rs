//! An interpreter of lowered loop nests, for testing the scheduler: it runs a [`Stmt`] the way
//! generated code would, and checks what generated code takes for granted.
//!
//! * Every read of an intermediate reads a point that its current `produce` block computed
//!   (bounds inference gave a big enough region).
//! * Every store to an intermediate lands inside its allocation (`f.alloc.k` from `f.min.k`).
//! * A Func with a folded dimension (entry let `f.fold.k`, a sliding window) keeps its values
//!   across `produce` blocks, in storage modelled slot by slot (`p_k & (fold - 1)` in a folded
//!   dimension, `p_k - f.min.k` in the others): a read must find the point it asks for in its
//!   slot, not one that overwrote it (nor anything from before its `allocate`).
//! * Every read of a buffer is inside it.
//!
//! Parallel loops run serially; vector and unrolled loops run as plain loops.

use crate::expr::{BinOp, CallKind, Expr, ExprNode};
use crate::interp::Buffer;
use crate::stmt::{ForKind, Stmt};
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Runs a lowered nest. `env` holds parameters and buffer extents (`buf.extent.k`);
/// `entry_lets` are evaluated first, in order.
pub fn run_nest(
    entry_lets: &[(Arc<str>, Expr)],
    body: &Stmt,
    env: Vec<(Arc<str>, Value)>,
    inputs: &HashMap<Arc<str>, Buffer>,
    outputs: &mut HashMap<Arc<str>, Buffer>,
) -> Result<(), String> {
    run_nest_traced(entry_lets, body, env, inputs, outputs, &mut |_| {})
}

/// One store, as [`run_nest_traced`] reports it.
pub struct StoreEvent<'a> {
    pub func: &'a str,
    pub point: &'a [i64],
    /// The loops around the store, outermost first: name, kind and iteration (from 0).
    pub loops: &'a [(Arc<str>, ForKind, i64)],
}

/// [`run_nest`], calling `trace` at every store (to draw the order a schedule computes in).
pub fn run_nest_traced(
    entry_lets: &[(Arc<str>, Expr)],
    body: &Stmt,
    env: Vec<(Arc<str>, Value)>,
    inputs: &HashMap<Arc<str>, Buffer>,
    outputs: &mut HashMap<Arc<str>, Buffer>,
    trace: &mut dyn FnMut(&StoreEvent),
) -> Result<(), String> {
    let mut m = Machine {
        env,
        inputs,
        outputs,
        funcs: HashMap::new(),
        folds: HashMap::new(),
        allocated: Vec::new(),
        loops: Vec::new(),
        trace,
    };
    for (n, v) in entry_lets {
        let val = m.eval(v)?;
        m.env.push((n.clone(), val));
        if let Some((f, d)) = n.rsplit_once(".fold.") {
            let (Ok(d), Some(fac)) = (d.parse::<usize>(), val.as_i64()) else {
                return Err(format!("ill-formed fold `{n}`"));
            };
            let v = m.folds.entry(f.into()).or_default();
            v.resize(v.len().max(d + 1), None);
            v[d] = Some(fac);
        }
    }
    m.stmt(body)
}

/// An intermediate's values: by point, or for a folded Func by storage slot (see
/// [`Machine::slot`]) with the point the slot holds.
type Storage = HashMap<Vec<i64>, (Option<Vec<i64>>, Value)>;

struct Machine<'a> {
    env: Vec<(Arc<str>, Value)>,
    inputs: &'a HashMap<Arc<str>, Buffer>,
    outputs: &'a mut HashMap<Arc<str>, Buffer>,
    /// The values of each intermediate: by point (computed by its current `produce`), or for
    /// a folded Func by storage slot (with the point each slot holds).
    funcs: HashMap<Arc<str>, Storage>,
    /// The fold factor of each folded dimension, per Func.
    folds: HashMap<Arc<str>, Vec<Option<i64>>>,
    /// The Funcs whose `allocate` encloses the current statement.
    allocated: Vec<Arc<str>>,
    loops: Vec<(Arc<str>, ForKind, i64)>,
    trace: &'a mut dyn FnMut(&StoreEvent),
}

impl Machine<'_> {
    fn lookup(&self, n: &str) -> Result<Value, String> {
        self.env
            .iter()
            .rev()
            .find(|(m, _)| &**m == n)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("unbound `{n}`"))
    }

    fn fold(&self, func: &str, d: usize) -> Option<i64> {
        self.folds.get(func)?.get(d).copied().flatten()
    }

    /// Where point `p` of a folded intermediate `func` lives: its storage slot. `None` for a
    /// Func without folds, whose values are kept by point.
    fn slot(&self, func: &str, p: &[i64]) -> Result<Option<Vec<i64>>, String> {
        if !self.folds.contains_key(func) {
            return Ok(None);
        }
        p.iter()
            .enumerate()
            .map(|(d, &x)| match self.fold(func, d) {
                Some(f) => Ok(x & (f - 1)),
                None => Ok(x - self.int(&format!("{func}.min.{d}"))?),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn int(&self, n: &str) -> Result<i64, String> {
        self.lookup(n)?
            .as_i64()
            .ok_or_else(|| format!("`{n}` is not an integer"))
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, String> {
        let bad = || format!("ill-typed {e}");
        Ok(match e.node() {
            ExprNode::Const(v) => *v,
            ExprNode::Var(n) => self.lookup(n)?,
            ExprNode::Cast(a) => self.eval(a)?.cast(e.ty()).ok_or_else(bad)?,
            ExprNode::Unary(op, a) => {
                let a = self.eval(a)?;
                Value::unary(*op, a).ok_or_else(bad)?
            }
            // `&&` and `||` evaluate their right side only where it decides, as the
            // generated code does for the terms of a condition that read.
            ExprNode::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                match (op, self.eval(a)?.as_bool().ok_or_else(bad)?) {
                    (BinOp::And, false) => Value::Bool(false),
                    (BinOp::Or, true) => Value::Bool(true),
                    _ => self.eval(b)?,
                }
            }
            ExprNode::Binary(op, a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Value::binary(*op, a, b).ok_or_else(bad)?
            }
            ExprNode::Select(c, t, f) => {
                let (c, t, f) = (self.eval(c)?, self.eval(t)?, self.eval(f)?);
                if c.as_bool().ok_or_else(bad)? {
                    t
                } else {
                    f
                }
            }
            ExprNode::Intrinsic(op, args) => {
                let v = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::intrinsic(*op, &v).ok_or_else(bad)?
            }
            ExprNode::Let(n, v, b) => {
                let v = self.eval(v)?;
                self.env.push((n.clone(), v));
                let r = self.eval(b);
                self.env.pop();
                r?
            }
            ExprNode::Call { kind, name, args } => {
                let p = args
                    .iter()
                    .map(|a| self.eval(a).and_then(|v| v.as_i64().ok_or_else(bad)))
                    .collect::<Result<Vec<_>, _>>()?;
                if *kind == CallKind::Func && self.funcs.contains_key(name) {
                    let key = self.slot(name, &p)?;
                    return match self.funcs[name].get(key.as_deref().unwrap_or(&p)) {
                        Some((None, v)) => Ok(*v),
                        Some((Some(q), v)) if *q == p => Ok(*v),
                        Some((Some(q), _)) => Err(format!(
                            "read of `{name}` at {p:?} finds {q:?} in its folded storage"
                        )),
                        None => Err(format!(
                            "read of `{name}` at {p:?}, which its current produce did not compute"
                        )),
                    };
                }
                let buf = self.inputs.get(name).or_else(|| self.outputs.get(name));
                let b = buf.ok_or_else(|| format!("unknown buffer `{name}`"))?;
                let off = b
                    .offset(&p)
                    .ok_or_else(|| format!("read of `{name}` at {p:?} outside {:?}", b.shape))?;
                b.data[off]
            }
        })
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), String> {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                body,
                kind,
            } => {
                let m = self.eval(min)?.as_i64().ok_or("loop min")?;
                let e = self.eval(extent)?.as_i64().ok_or("loop extent")?;
                for i in 0..e.max(0) {
                    self.env.push((var.clone(), Value::I32((m + i) as i32)));
                    self.loops.push((var.clone(), *kind, i));
                    let r = self.stmt(body);
                    self.loops.pop();
                    self.env.pop();
                    r?;
                }
                Ok(())
            }
            Stmt::Let { name, value, body } => {
                let v = self.eval(value)?;
                self.env.push((name.clone(), v));
                let r = self.stmt(body);
                self.env.pop();
                r
            }
            Stmt::Store { func, args, value } => {
                let p = args
                    .iter()
                    .map(|a| self.eval(a).map(|v| v.as_i64().unwrap_or(i64::MIN)))
                    .collect::<Result<Vec<_>, _>>()?;
                let v = self.eval(value)?;
                (self.trace)(&StoreEvent {
                    func,
                    point: &p,
                    loops: &self.loops,
                });
                if let Some(b) = self.outputs.get_mut(func) {
                    let off = b.offset(&p).ok_or_else(|| {
                        format!("store to `{func}` at {p:?} outside {:?}", b.shape)
                    })?;
                    b.data[off] = v;
                    return Ok(());
                }
                for (d, &x) in p.iter().enumerate() {
                    if self.fold(func, d).is_some() {
                        continue;
                    }
                    let lo = self.int(&format!("{func}.min.{d}"))?;
                    let alloc = self.int(&format!("{func}.alloc.{d}"))?;
                    if x < lo || x - lo >= alloc {
                        return Err(format!("store to `{func}` at {p:?} outside its storage ({d}: [{lo}, +{alloc}))"));
                    }
                }
                let entry = match self.slot(func, &p)? {
                    Some(key) => (key, (Some(p), v)),
                    None => (p, (None, v)),
                };
                self.funcs
                    .entry(func.clone())
                    .or_default()
                    .insert(entry.0, entry.1);
                Ok(())
            }
            Stmt::Produce { func, body } => {
                if !self.outputs.contains_key(func) {
                    if self.folds.contains_key(func) {
                        // A sliding window: earlier iterations' values stay.
                        self.funcs.entry(func.clone()).or_default();
                    } else {
                        self.funcs.insert(func.clone(), HashMap::new());
                    }
                }
                self.stmt(body)
            }
            Stmt::Allocate { func, body, .. } => {
                // Fresh storage holds nothing computed yet (an allocation inside one of the
                // same Func, a copy of a tile, is the same storage).
                let fresh = !self.allocated.contains(func);
                if fresh {
                    self.funcs.remove(func);
                    self.allocated.push(func.clone());
                }
                let r = self.stmt(body);
                if fresh {
                    self.allocated.pop();
                }
                r
            }
            Stmt::If { cond, then } => {
                if self.eval(cond)?.as_bool() == Some(true) {
                    self.stmt(then)?;
                }
                Ok(())
            }
            Stmt::Block(v) => v.iter().try_for_each(|s| self.stmt(s)),
        }
    }
}

/// Evaluates `e` (for example an entry check) after the entry lets, in `env`.
pub fn eval_at_entry(
    entry_lets: &[(Arc<str>, Expr)],
    env: Vec<(Arc<str>, Value)>,
    e: &Expr,
) -> Result<Value, String> {
    let inputs = HashMap::new();
    let mut outputs = HashMap::new();
    let mut ignore = |_: &StoreEvent| {};
    let mut m = Machine {
        env,
        inputs: &inputs,
        outputs: &mut outputs,
        funcs: HashMap::new(),
        folds: HashMap::new(),
        allocated: Vec::new(),
        loops: Vec::new(),
        trace: &mut ignore,
    };
    for (n, v) in entry_lets {
        let val = m.eval(v)?;
        m.env.push((n.clone(), val));
    }
    m.eval(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;

    /// `out(y, x) = f(y, x) + f(y + 1, x)` with `f(y, x) = y` computed one new row per `y` into
    /// storage folded by `fold` rows (a sliding window by hand).
    fn sliding(fold: i64, rows_per_iteration: i32) -> Result<Buffer, String> {
        let v = |n: &str| Expr::var(n, Type::I32);
        let f_at = |y: Expr| Expr::call(CallKind::Func, "f", vec![y, v("out.x")], Type::I32);
        let produce = Stmt::Produce {
            func: "f".into(),
            body: Box::new(Stmt::For {
                var: "f.y".into(),
                // The first iteration computes rows 0 and 1, later ones row `y + 1` only.
                min: Expr::select(
                    Expr::i32(0).lt(v("out.y")),
                    v("out.y").add(Expr::i32(2 - rows_per_iteration)),
                    Expr::i32(0),
                ),
                extent: Expr::select(
                    Expr::i32(0).lt(v("out.y")),
                    Expr::i32(rows_per_iteration),
                    Expr::i32(2),
                ),
                kind: ForKind::Serial,
                body: Box::new(Stmt::Store {
                    func: "f".into(),
                    args: vec![v("f.y"), v("out.x")],
                    value: v("f.y"),
                }),
            }),
        };
        let store = Stmt::Store {
            func: "out".into(),
            args: vec![v("out.y"), v("out.x")],
            value: f_at(v("out.y")).add(f_at(v("out.y").add(Expr::i32(1)))),
        };
        let body = Stmt::For {
            var: "out.x".into(),
            min: Expr::i32(0),
            extent: Expr::i32(2),
            kind: ForKind::Serial,
            body: Box::new(Stmt::Allocate {
                func: "f".into(),
                ty: Type::I32,
                bounds: vec![],
                body: Box::new(Stmt::For {
                    var: "out.y".into(),
                    min: Expr::i32(0),
                    extent: Expr::i32(5),
                    kind: ForKind::Serial,
                    body: Box::new(Stmt::Let {
                        name: "f.min.1".into(),
                        value: v("out.x"),
                        body: Box::new(Stmt::Block(vec![produce, store])),
                    }),
                }),
            }),
        };
        let lets = vec![
            ("f.fold.0".into(), Expr::i64(fold)),
            ("f.alloc.1".into(), Expr::i64(1)),
        ];
        let mut outputs: HashMap<Arc<str>, Buffer> =
            [("out".into(), Buffer::zeros(Type::I32, &[5, 2]))]
                .into_iter()
                .collect();
        run_nest(&lets, &body, vec![], &HashMap::new(), &mut outputs)?;
        Ok(outputs.remove("out").unwrap())
    }

    /// Rows from earlier iterations are read back from their slots; a fold too small for the
    /// rows one iteration reads, or rows never computed, are reported, not read as wrong values.
    #[test]
    fn folded_storage_is_checked() {
        let out = sliding(2, 1).unwrap();
        assert_eq!(out.data[..4], [1, 1, 3, 3].map(Value::I32));
        let e = sliding(1, 1).unwrap_err();
        assert!(e.contains("finds [1, 0]"), "{e}");
        // No new rows: row 2's slot still holds row 0.
        let e = sliding(2, 0).unwrap_err();
        assert!(e.contains("at [2, 0] finds [0, 0]"), "{e}");
    }
}
