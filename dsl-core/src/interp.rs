//! The reference interpreter: the oracle of every test.
//!
//! It evaluates an algorithm directly from its definitions, ignoring any schedule: each output
//! point is computed by evaluating the output's expression, and each call to a Func evaluates
//! that Func's definition at the called point (memoized, since Funcs are pure). Inputs are read
//! with bounds checks: a read outside an input is an [`InterpError::OutOfBounds`], so the
//! interpreter also tells which points a pipeline really reads. It shares nothing with the
//! scheduler or code generator but [`crate::value`], the executable form of the semantics.
//!
//! A Func with update definitions is evaluated stage by stage, lazily: the value of a point
//! after update `k` comes from running update `k` for the point's pure coordinates (every
//! pure dimension of the update fixed, the whole reduction domain in order) over a sparse
//! record of what it wrote, on top of the values after update `k - 1`. A write outside an
//! output's shape is an [`InterpError::WriteOutOfBounds`].

use crate::expr::{BinOp, CallKind, Expr, ExprNode};
use crate::func::{extent_var_name, len_var_name, Pipeline};
use crate::types::Type;
use crate::value::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A dense row-major buffer of values, as the interpreter sees inputs and outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    pub ty: Type,
    pub shape: Vec<usize>,
    pub data: Vec<Value>,
}

impl Buffer {
    /// A buffer of zeros.
    pub fn zeros(ty: Type, shape: &[usize]) -> Buffer {
        let n = shape.iter().product();
        Buffer {
            ty,
            shape: shape.to_vec(),
            data: vec![Value::zero(ty); n],
        }
    }
    /// The flat index of a point, if it is inside.
    pub fn offset(&self, point: &[i64]) -> Option<usize> {
        if point.len() != self.shape.len() {
            return None;
        }
        let mut off = 0usize;
        for (&i, &n) in point.iter().zip(&self.shape) {
            if i < 0 || i as u64 >= n as u64 {
                return None;
            }
            off = off * n + i as usize;
        }
        Some(off)
    }
}

/// What can go wrong while interpreting.
#[derive(Clone, Debug, PartialEq)]
pub enum InterpError {
    /// A read outside an input buffer.
    OutOfBounds {
        buffer: String,
        point: Vec<i64>,
        shape: Vec<usize>,
    },
    /// An update definition writes an output outside its shape.
    WriteOutOfBounds {
        buffer: String,
        point: Vec<i64>,
        shape: Vec<usize>,
    },
    /// The arguments do not match the pipeline (wrong count, type or rank).
    BadArguments(String),
    /// A malformed pipeline (unknown name, ill-typed operation). The front end's type checker
    /// makes this unreachable for pipelines built by `#[kernel]`.
    Malformed(String),
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpError::OutOfBounds {
                buffer,
                point,
                shape,
            } => write!(
                f,
                "the algorithm reads `{buffer}` at {point:?}, outside its shape {shape:?}"
            ),
            InterpError::WriteOutOfBounds {
                buffer,
                point,
                shape,
            } => write!(
                f,
                "an update of `{buffer}` writes at {point:?}, outside its shape {shape:?}"
            ),
            InterpError::BadArguments(m) => write!(f, "bad arguments: {m}"),
            InterpError::Malformed(m) => write!(f, "malformed pipeline: {m}"),
        }
    }
}

impl std::error::Error for InterpError {}

/// Runs `pipeline` on the given scalar parameters (in `pipeline.params` order), inputs (in
/// `pipeline.inputs` order) and outputs (in output order), filling the outputs. The outputs'
/// shapes say which points to compute. On error the outputs are left unchanged.
pub fn run(
    pipeline: &Pipeline,
    params: &[Value],
    inputs: &[Buffer],
    outputs: &mut [Buffer],
) -> Result<(), InterpError> {
    let outs = pipeline.outputs();
    if params.len() != pipeline.params.len()
        || inputs.len() != pipeline.inputs.len()
        || outputs.len() != outs.len()
    {
        return Err(InterpError::BadArguments(
            "wrong number of params, inputs or outputs".into(),
        ));
    }
    let mut globals: Vec<(Arc<str>, Value)> = Vec::new();
    for (p, v) in pipeline.params.iter().zip(params) {
        if v.ty() != p.ty {
            return Err(InterpError::BadArguments(format!(
                "param `{}` must be {}",
                p.name, p.ty
            )));
        }
        globals.push((p.name.clone(), *v));
    }
    let mut buffers: HashMap<Arc<str>, &Buffer> = HashMap::new();
    for (i, b) in pipeline.inputs.iter().zip(inputs) {
        if b.ty != i.ty || b.shape.len() != i.dims {
            return Err(InterpError::BadArguments(format!(
                "input `{}` must be {}-dimensional {}",
                i.name, i.dims, i.ty
            )));
        }
        buffers.insert(i.name.clone(), b);
        for (d, &n) in b.shape.iter().enumerate() {
            globals.push((extent_var_name(&i.name, d).into(), Value::I32(n as i32)));
        }
        globals.push(len_global(&i.name, &b.shape));
    }
    for (f, b) in outs.iter().zip(outputs.iter()) {
        if b.ty != f.ty || b.shape.len() != f.dims() {
            return Err(InterpError::BadArguments(format!(
                "output `{}` must be {}-dimensional {}",
                f.name,
                f.dims(),
                f.ty
            )));
        }
        for (d, &n) in b.shape.iter().enumerate() {
            globals.push((extent_var_name(&f.name, d).into(), Value::I32(n as i32)));
        }
        globals.push(len_global(&f.name, &b.shape));
    }
    let mut out_shapes = vec![None; pipeline.funcs.len()];
    for (f, b) in outs.iter().zip(outputs.iter()) {
        if let Some(i) = pipeline.funcs.iter().position(|g| g.name == f.name) {
            out_shapes[i] = Some(b.shape.clone());
        }
    }
    let mut interp = Interp {
        pipeline,
        buffers,
        out_shapes,
        func_index: pipeline
            .funcs
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect(),
        memo: vec![FxMap::default(); pipeline.funcs.len()],
        slices: HashMap::new(),
        active: Vec::new(),
        env: globals,
    };
    let mut results = Vec::with_capacity(outs.len());
    for (f, b) in outs.iter().zip(outputs.iter()) {
        let idx = pipeline
            .funcs
            .iter()
            .position(|g| g.name == f.name)
            .expect("output is a func");
        let mut data = Vec::with_capacity(b.data.len());
        let mut point = vec![0i64; b.shape.len()];
        if b.shape.iter().all(|&n| n > 0) {
            loop {
                data.push(interp.eval_func(idx, &point)?);
                // Advance the point in row-major order.
                let mut d = point.len();
                loop {
                    if d == 0 {
                        break;
                    }
                    d -= 1;
                    point[d] += 1;
                    if (point[d] as usize) < b.shape[d] {
                        break;
                    }
                    point[d] = 0;
                    if d == 0 {
                        d = usize::MAX;
                        break;
                    }
                }
                if d == usize::MAX || point.is_empty() {
                    break;
                }
            }
        }
        results.push(data);
    }
    for (b, data) in outputs.iter_mut().zip(results) {
        b.data = data;
    }
    Ok(())
}

fn inside(point: &[i64], shape: &[usize]) -> bool {
    point
        .iter()
        .zip(shape)
        .all(|(&i, &n)| i >= 0 && (i as u64) < n as u64)
}

/// A fast hasher for the interpreter's memo tables (integer coordinates; no untrusted keys).
#[derive(Default)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for b in chunks.remainder() {
            self.write_u64(*b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

struct Interp<'a> {
    pipeline: &'a Pipeline,
    buffers: HashMap<Arc<str>, &'a Buffer>,
    /// Reads of an output by another Func must stay inside the output's shape (by Func index).
    out_shapes: Vec<Option<Vec<usize>>>,
    /// The index of each Func by name.
    func_index: HashMap<Arc<str>, usize>,
    /// Values of pure definitions, per Func.
    memo: Vec<FxMap<Vec<i64>, Value>>,
    /// What update `k` (1-based) of Func `idx` wrote for given pure coordinates.
    slices: HashMap<Slice, Arc<HashMap<Vec<i64>, Value>>>,
    /// Updates being run (innermost last): their Func, stage and writes so far.
    active: Vec<(usize, usize, HashMap<Vec<i64>, Value>)>,
    env: Vec<(Arc<str>, Value)>,
}

/// (Func index, stage, the pure coordinates: `None` in the update's other dimensions).
type Slice = (usize, usize, Vec<Option<i64>>);

impl Interp<'_> {
    /// The value of Func `idx` at `point` after all its definitions.
    fn eval_func(&mut self, idx: usize, point: &[i64]) -> Result<Value, InterpError> {
        let n = self.pipeline.funcs[idx].updates.len();
        self.eval_stage(idx, n, point)
    }

    /// The value of Func `idx` at `point` after its pure definition and `stage` updates.
    fn eval_stage(
        &mut self,
        idx: usize,
        stage: usize,
        point: &[i64],
    ) -> Result<Value, InterpError> {
        if stage == 0 {
            return self.eval_pure(idx, point);
        }
        let f = &self.pipeline.funcs[idx];
        let u = &f.updates[stage - 1];
        let pure = u.pure_dims(f);
        let coords: Vec<Option<i64>> = point
            .iter()
            .zip(&pure)
            .map(|(&p, &is)| is.then_some(p))
            .collect();
        let key = (idx, stage, coords);
        let writes = match self.slices.get(&key) {
            Some(w) => w.clone(),
            None => {
                let w = Arc::new(self.run_update(idx, stage, &key.2)?);
                self.slices.insert(key, w.clone());
                w
            }
        };
        match writes.get(point) {
            Some(v) => Ok(*v),
            None => self.eval_stage(idx, stage - 1, point),
        }
    }

    /// Runs update `stage` of Func `idx` with its pure variables fixed to `coords`, returning
    /// every element it wrote (last write wins).
    fn run_update(
        &mut self,
        idx: usize,
        stage: usize,
        coords: &[Option<i64>],
    ) -> Result<HashMap<Vec<i64>, Value>, InterpError> {
        let f = &self.pipeline.funcs[idx];
        let u = &f.updates[stage - 1];
        let mark = self.env.len();
        for (a, c) in f.args.iter().zip(coords) {
            if let Some(c) = c {
                self.env.push((a.clone(), Value::I32(*c as i32)));
            }
        }
        self.active.push((idx, stage, HashMap::new()));
        let r = self.run_domain(idx, u, 0);
        let (_, _, writes) = self.active.pop().expect("pushed above");
        self.env.truncate(mark);
        r.map(|()| writes)
    }

    /// The loops over reduction variables `k..` of `u`, then one update step.
    fn run_domain(
        &mut self,
        idx: usize,
        u: &crate::func::Update,
        k: usize,
    ) -> Result<(), InterpError> {
        if let Some(r) = u.rvars.get(k) {
            let lo = self.int(&r.min)?;
            let ext = self.int(&r.extent)?;
            for i in lo..lo + ext.max(0) {
                self.env.push((r.name.clone(), Value::I32(i as i32)));
                let res = self.run_domain(idx, u, k + 1);
                self.env.pop();
                res?;
            }
            return Ok(());
        }
        for c in &u.predicates {
            if self.eval(c)? != Value::Bool(true) {
                return Ok(());
            }
        }
        let mut point = Vec::with_capacity(u.args.len());
        for a in &u.args {
            point.push(self.int(a)?);
        }
        let f = &self.pipeline.funcs[idx];
        if let Some(shape) = &self.out_shapes[idx] {
            if !inside(&point, shape) {
                return Err(InterpError::WriteOutOfBounds {
                    buffer: f.name.to_string(),
                    point,
                    shape: shape.clone(),
                });
            }
        }
        let v = self.eval(&u.value)?;
        if v.ty() != f.ty {
            return Err(InterpError::Malformed(format!(
                "`{}` has type {} but an update gives {}",
                f.name,
                f.ty,
                v.ty()
            )));
        }
        self.active
            .last_mut()
            .expect("inside an update")
            .2
            .insert(point, v);
        Ok(())
    }

    /// An `i32` index expression as `i64`.
    fn int(&mut self, e: &Expr) -> Result<i64, InterpError> {
        match self.eval(e)? {
            Value::I32(i) => Ok(i as i64),
            _ => Err(InterpError::Malformed(format!("ill-typed index {e}"))),
        }
    }

    /// The value of Func `idx`'s pure definition at `point` (memoized).
    fn eval_pure(&mut self, idx: usize, point: &[i64]) -> Result<Value, InterpError> {
        let f = &self.pipeline.funcs[idx];
        if let Some(v) = self.memo[idx].get(point) {
            return Ok(*v);
        }
        let mark = self.env.len();
        for (a, &p) in f.args.iter().zip(point) {
            self.env.push((a.clone(), Value::I32(p as i32)));
        }
        let r = self.eval(&f.value);
        self.env.truncate(mark);
        let v = r?;
        if v.ty() != f.ty {
            return Err(InterpError::Malformed(format!(
                "`{}` has type {} but its value is {}",
                f.name,
                f.ty,
                v.ty()
            )));
        }
        self.memo[idx].insert(point.to_vec(), v);
        Ok(v)
    }

    fn lookup(&self, name: &str) -> Result<Value, InterpError> {
        self.env
            .iter()
            .rev()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| InterpError::Malformed(format!("unbound variable `{name}`")))
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, InterpError> {
        let bad = |what: &str| InterpError::Malformed(format!("ill-typed {what} in {e}"));
        Ok(match e.node() {
            ExprNode::Const(v) => *v,
            ExprNode::Var(n) => self.lookup(n)?,
            ExprNode::Cast(a) => self.eval(a)?.cast(e.ty()).ok_or_else(|| bad("cast"))?,
            ExprNode::Unary(op, a) => {
                let a = self.eval(a)?;
                Value::unary(*op, a).ok_or_else(|| bad("unary operator"))?
            }
            // `&&` and `||` as in Rust: the right side is evaluated only where it decides (a
            // predicate `a(r) < 5 && lut(a(r)) > 0` reads `lut` only where `a(r) < 5`).
            ExprNode::Binary(op @ (BinOp::And | BinOp::Or), a, b) => match (op, self.eval(a)?) {
                (BinOp::And, Value::Bool(false)) => Value::Bool(false),
                (BinOp::Or, Value::Bool(true)) => Value::Bool(true),
                (_, Value::Bool(_)) => self.eval(b)?,
                _ => return Err(bad("`&&` or `||`")),
            },
            ExprNode::Binary(op, a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                Value::binary(*op, a, b).ok_or_else(|| bad("binary operator"))?
            }
            ExprNode::Select(c, t, f) => {
                let c = self.eval(c)?;
                let t = self.eval(t)?;
                let f = self.eval(f)?;
                match c {
                    Value::Bool(true) => t,
                    Value::Bool(false) => f,
                    _ => return Err(bad("select condition")),
                }
            }
            ExprNode::Intrinsic(op, args) => {
                let vals = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::intrinsic(*op, &vals).ok_or_else(|| bad("method call"))?
            }
            ExprNode::Call { kind, name, args } => {
                let mut point = Vec::with_capacity(args.len());
                for a in args {
                    match self.eval(a)? {
                        Value::I32(i) => point.push(i as i64),
                        _ => return Err(bad("index")),
                    }
                }
                match kind {
                    CallKind::Input => {
                        let b = *self.buffers.get(name).ok_or_else(|| {
                            InterpError::Malformed(format!("unknown input `{name}`"))
                        })?;
                        let off = b.offset(&point).ok_or_else(|| InterpError::OutOfBounds {
                            buffer: name.to_string(),
                            point: point.clone(),
                            shape: b.shape.clone(),
                        })?;
                        b.data[off]
                    }
                    CallKind::Func => {
                        let idx = *self.func_index.get(name).ok_or_else(|| {
                            InterpError::Malformed(format!("unknown func `{name}`"))
                        })?;
                        if let Some(shape) = &self.out_shapes[idx] {
                            if !inside(&point, shape) {
                                return Err(InterpError::OutOfBounds {
                                    buffer: name.to_string(),
                                    point,
                                    shape: shape.clone(),
                                });
                            }
                        }
                        // A self-read inside an update sees what the update wrote so far.
                        match self.active.last() {
                            Some((i, stage, writes)) if *i == idx => match writes.get(&point) {
                                Some(v) => *v,
                                None => {
                                    let stage = *stage;
                                    self.eval_stage(idx, stage - 1, &point)?
                                }
                            },
                            _ => self.eval_func(idx, &point)?,
                        }
                    }
                }
            }
            ExprNode::Let(n, v, b) => {
                let v = self.eval(v)?;
                self.env.push((n.clone(), v));
                let r = self.eval(b);
                self.env.pop();
                r?
            }
        })
    }
}

/// The `len()` of a buffer (the kernel's entry checks that it fits an `i32` where it is used).
fn len_global(name: &str, shape: &[usize]) -> (Arc<str>, Value) {
    let n = shape.iter().fold(1i64, |a, &n| a.wrapping_mul(n as i64));
    (len_var_name(name).into(), Value::I32(n as i32))
}
