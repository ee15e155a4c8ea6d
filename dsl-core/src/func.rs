//! Pipelines: scalar parameters, input buffers and the Funcs the kernel body defines.

use crate::expr::{CallKind, Expr, Intrinsic, Origin};
use crate::types::Type;
use std::sync::Arc;

/// A scalar parameter of the kernel. `usize` parameters appear as `i32` values in
/// expressions (the kernel checks at entry that they fit).
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Arc<str>,
    pub ty: Type,
}

/// An input buffer (an `ArrayViewN<T>` parameter).
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub name: Arc<str>,
    pub ty: Type,
    pub dims: usize,
}

/// A reduction variable: it runs over `[min, min + extent)`, where `min` and `extent` are
/// `i32` expressions of scalar parameters and buffer extents.
#[derive(Clone, Debug, PartialEq)]
pub struct RVar {
    pub name: Arc<str>,
    pub min: Expr,
    pub extent: Expr,
}

/// An update definition `name(args) = value`, run after the pure definition and the updates
/// before it.
///
/// Semantics: for every value of the pure variables that appear in `args` (each as the whole
/// argument at its own position: a *pure dimension*), and for every point of the reduction
/// domain in lexicographic order (first variable outermost) where all `predicates` hold, the
/// element at `args` becomes `value`, evaluated with the Func's current contents. Compound
/// assignments are already desugared (`f(a) += e` is `f(a) = f(a) + e`). Reads of the Func
/// itself in `value` (self-reads) use the pure variables at their own positions too, so the
/// updates of different pure points never interact: they may run in any order.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub args: Vec<Expr>,
    pub value: Expr,
    /// The reduction domain, outermost first (empty for an update without one).
    pub rvars: Vec<RVar>,
    /// Conditions (`bool`) that restrict the domain.
    pub predicates: Vec<Expr>,
    pub origin: Origin,
}

impl Update {
    /// For each dimension of `f`, whether this update's argument there is `f`'s own pure
    /// variable of that dimension.
    pub fn pure_dims(&self, f: &Func) -> Vec<bool> {
        self.args
            .iter()
            .zip(&f.args)
            .map(|(a, v)| a.as_var() == Some(&**v))
            .collect()
    }

    /// Every expression of the update: arguments, value, predicates, domain bounds.
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut v: Vec<&Expr> = self.args.iter().collect();
        v.push(&self.value);
        v.extend(self.predicates.iter());
        for r in &self.rvars {
            v.push(&r.min);
            v.push(&r.extent);
        }
        v
    }
}

/// A Func: a pure definition `name(args) = value` and its update definitions. Outputs are
/// Funcs whose values are stored in an output parameter of the same name.
#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub name: Arc<str>,
    /// The pure variables, outermost first (ndarray order).
    pub args: Vec<Arc<str>>,
    pub ty: Type,
    pub value: Expr,
    /// Update definitions, in source order.
    pub updates: Vec<Update>,
    /// `Some(k)` for the k-th output parameter.
    pub output: Option<usize>,
    pub origin: Origin,
}

impl Func {
    pub fn dims(&self) -> usize {
        self.args.len()
    }
    pub fn is_output(&self) -> bool {
        self.output.is_some()
    }
    /// The expressions of stage `k` (0: the pure definition, `k`: update `k - 1`).
    pub fn stage_exprs(&self, k: usize) -> Vec<&Expr> {
        if k == 0 {
            vec![&self.value]
        } else {
            self.updates[k - 1].exprs()
        }
    }
    /// Every expression of every definition of the Func.
    pub fn exprs(&self) -> Vec<&Expr> {
        let mut v = vec![&self.value];
        for u in &self.updates {
            v.extend(u.exprs());
        }
        v
    }
}

/// A whole algorithm: what the kernel body says, without its schedule.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Pipeline {
    pub name: String,
    pub params: Vec<Param>,
    pub inputs: Vec<Input>,
    /// Every Func in definition order (producers before consumers).
    pub funcs: Vec<Func>,
}

impl Pipeline {
    pub fn func(&self, name: &str) -> Option<&Func> {
        self.funcs.iter().find(|f| &*f.name == name)
    }
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| &*i.name == name)
    }
    /// The output Funcs in parameter order.
    pub fn outputs(&self) -> Vec<&Func> {
        let mut outs: Vec<&Func> = self.funcs.iter().filter(|f| f.is_output()).collect();
        outs.sort_by_key(|f| f.output);
        outs
    }
    /// Orders the Funcs so that every Func comes after the Funcs it calls (stable: otherwise
    /// definition order). A Func defined between another's pure definition and its update
    /// (`aw` in `p(i) = 0; aw(i) = ..; p(i) += aw(i);`) moves before its consumer. Funcs
    /// that call each other (impossible in a valid kernel) keep their order.
    pub fn sort_funcs(&mut self) {
        let mut rest = std::mem::take(&mut self.funcs);
        while !rest.is_empty() {
            let ready = rest
                .iter()
                .position(|f| {
                    Pipeline::callees(f)
                        .iter()
                        .all(|(k, n)| *k != CallKind::Func || !rest.iter().any(|g| g.name == *n))
                })
                .unwrap_or(0);
            self.funcs.push(rest.remove(ready));
        }
    }

    /// Names of the Funcs and inputs that `f` calls directly (not counting its self-reads).
    pub fn callees(f: &Func) -> Vec<(CallKind, Arc<str>)> {
        let mut out: Vec<(CallKind, Arc<str>)> = Vec::new();
        for e in f.exprs() {
            e.visit(&mut |e| {
                if let crate::expr::ExprNode::Call { kind, name, .. } = e.node() {
                    if name != &f.name && !out.iter().any(|(k, n)| k == kind && n == name) {
                        out.push((*kind, name.clone()));
                    }
                }
            });
        }
        out
    }
}

/// Whether a name a user writes (a Func, a variable, a loop a schedule makes) is reserved:
/// generated names join IR names with `__` (`out.x.v` becomes `h_out__x__v`), so user names
/// must not contain it, or two different names could become one identifier.
pub fn is_reserved(name: &str) -> bool {
    name.contains("__")
}

/// The message of a reserved name ([`is_reserved`]).
pub const RESERVED_NAME: &str = "names containing `__` are reserved for generated code";

/// The name of the variable that holds extent `dim` of buffer `buf` (`input.extent.1`).
pub fn extent_var_name(buf: &str, dim: usize) -> String {
    format!("{buf}.extent.{dim}")
}

/// The name of the `i32` number of elements of a view of more than one dimension (its
/// `len()`), bound at entry once checked to fit.
pub fn len_var_name(buf: &str) -> String {
    format!("{buf}.len")
}

/// The `i32` extent of a buffer dimension as an expression.
pub fn extent_var(buf: &str, dim: usize) -> Expr {
    Expr::var(extent_var_name(buf, dim), Type::I32)
}

/// Boundary conditions: each returns the definition of a Func, defined everywhere, that reads
/// `input` only inside its bounds. They follow Halide's `BoundaryConditions` namespace.
pub mod boundary {
    use super::*;

    /// Which boundary condition.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Kind {
        /// `repeat_edge`: the nearest edge pixel.
        RepeatEdge,
        /// `constant_exterior(input, value)`: `value` outside the buffer.
        ConstantExterior,
        /// `mirror_image`: reflect, repeating the edge pixel (`.. 1 0 | 0 1 ..`).
        MirrorImage,
        /// `mirror_interior`: reflect about the edge pixel (`.. 2 1 | 0 1 2 ..`).
        MirrorInterior,
    }

    impl Kind {
        pub fn from_name(name: &str) -> Option<Kind> {
            Some(match name {
                "repeat_edge" => Kind::RepeatEdge,
                "constant_exterior" => Kind::ConstantExterior,
                "mirror_image" => Kind::MirrorImage,
                "mirror_interior" => Kind::MirrorInterior,
                _ => return None,
            })
        }
    }

    fn clamp_index(i: Expr, n: &Expr) -> Expr {
        Expr::intrinsic(
            Intrinsic::Clamp,
            vec![i, Expr::i32(0), n.clone().sub(Expr::i32(1))],
        )
    }

    /// The Func `name(d0, .., dn) = ..` that applies `kind` to `input`. `exterior` is the value
    /// for `ConstantExterior` (of the input's type).
    pub fn func(name: &str, kind: Kind, input: &Input, exterior: Option<Expr>) -> Func {
        let args: Vec<Arc<str>> = (0..input.dims).map(|d| format!("d{d}").into()).collect();
        let vars: Vec<Expr> = args
            .iter()
            .map(|a| Expr::var(a.clone(), Type::I32))
            .collect();
        let extents: Vec<Expr> = (0..input.dims)
            .map(|d| extent_var(&input.name, d))
            .collect();
        let index: Vec<Expr> = vars
            .iter()
            .zip(&extents)
            .map(|(v, n)| match kind {
                Kind::RepeatEdge | Kind::ConstantExterior => clamp_index(v.clone(), n),
                Kind::MirrorImage => {
                    // t = v mod 2n; t < n ? t : 2n - 1 - t
                    let two_n = n.clone().mul(Expr::i32(2));
                    let t = Expr::intrinsic(Intrinsic::RemEuclid, vec![v.clone(), two_n.clone()]);
                    let tv = Expr::var(format!("{name}.t"), Type::I32);
                    let m = Expr::select(
                        tv.clone().lt(n.clone()),
                        tv.clone(),
                        two_n.sub(Expr::i32(1)).sub(tv),
                    );
                    clamp_index(Expr::let_in(format!("{name}.t"), t, m), n)
                }
                Kind::MirrorInterior => {
                    // period 2n - 2; t < n ? t : 2n - 2 - t
                    let p = n.clone().mul(Expr::i32(2)).sub(Expr::i32(2));
                    let t = Expr::intrinsic(Intrinsic::RemEuclid, vec![v.clone(), p.clone()]);
                    let tv = Expr::var(format!("{name}.t"), Type::I32);
                    let m = Expr::select(tv.clone().lt(n.clone()), tv.clone(), p.sub(tv));
                    clamp_index(Expr::let_in(format!("{name}.t"), t, m), n)
                }
            })
            .collect();
        let load = Expr::call(CallKind::Input, input.name.clone(), index, input.ty);
        let value = match (kind, exterior) {
            (Kind::ConstantExterior, Some(ext)) => {
                let mut inside = Expr::bool(true);
                for (v, n) in vars.iter().zip(&extents) {
                    let c = Expr::i32(0).le(v.clone()).and(v.clone().lt(n.clone()));
                    inside = if inside.as_const().is_some() {
                        c
                    } else {
                        inside.and(c)
                    };
                }
                Expr::select(inside, load, ext)
            }
            _ => load,
        };
        Func {
            name: name.into(),
            args,
            ty: input.ty,
            value,
            updates: vec![],
            output: None,
            origin: Origin::NONE,
        }
    }
}
