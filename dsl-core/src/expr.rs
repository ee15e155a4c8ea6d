//! Expressions, and the semantics every part of halite implements.
//!
//! # Semantics
//!
//! These rules are the contract between the front end, the reference interpreter
//! ([`crate::interp`]), the simplifier and the generated code. The interpreter implements
//! exactly this text (in [`crate::value`]); codegen emits Rust that computes the same bits.
//!
//! * **Types.** Every expression has one [`Type`]. Both operands of a binary operator have the
//!   same type, except shifts, whose right operand may be any integer type. Comparisons and
//!   `&&`/`||` give `bool`. `f16`/`bf16` only appear in loads, stores and casts.
//! * **Integer arithmetic wraps.** `+ - *` and unary `-` wrap on overflow (two's complement).
//!   `/` and `%` truncate toward zero as in Rust; `i32::MIN / -1 == i32::MIN` and
//!   `i32::MIN % -1 == 0`; dividing or taking the remainder by zero gives `0`.
//!   `div_euclid`/`rem_euclid` round toward negative infinity for positive divisors (Rust's
//!   Euclidean rules), wrap like `/`, and give `0` for a zero divisor.
//! * **Shifts** `a << b`, `a >> b` shift by `b` modulo the bit width of `a` (Rust's
//!   `wrapping_shl`/`wrapping_shr`); `>>` is arithmetic for signed and logical for unsigned types.
//! * **Floats follow IEEE 754 and Rust exactly.** Each operation rounds once; `a * b + c` is two
//!   roundings, never fused: only `mul_add` fuses. `%` on floats is Rust's (C's `fmod`).
//!   `min`/`max` are Rust's `f32::min`/`max`: if one operand is NaN, the other is returned.
//!   Math methods (`sqrt`, `exp`, `sin`, ...) are Rust's `std` functions.
//! * **Casts** `e as T` are Rust's `as`: int to int wraps or extends, float to int rounds toward
//!   zero and saturates (NaN gives 0), int to float rounds to nearest, `bool as int` is 0 or 1.
//!   Casts to `bool` are not allowed. `f16`/`bf16` convert to and from `f32`/`f64` only, rounding
//!   to nearest even.
//! * **`clamp(lo, hi)`** is `max(lo).min(hi)` (Rust's `clamp` when `lo <= hi`, never a panic).
//!   Integer `abs` wraps (`i32::MIN.abs() == i32::MIN`).
//! * **Select** (`if c { a } else { b }`) evaluates both arms; there are no side effects, so
//!   evaluation order is unobservable.
//! * **Calls** `f(e1, .., en)` read a Func or an input buffer at a point; there are no writes in
//!   expressions.

use crate::types::Type;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

/// An opaque source location handed out by the front end. The compile-time crates never
/// interpret it; the macro crate maps it back to a `Span` for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Origin(pub u32);

impl Origin {
    /// "No location": used for nodes that lowering creates.
    pub const NONE: Origin = Origin(u32::MAX);
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Min,
    Max,
}

impl BinOp {
    /// Operators whose result is `bool`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
    /// `&&` and `||`.
    pub fn is_logical(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or)
    }
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Min => "min",
            BinOp::Max => "max",
        }
    }
    pub const ALL: [BinOp; 20] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Rem,
        BinOp::BitAnd,
        BinOp::BitOr,
        BinOp::BitXor,
        BinOp::Shl,
        BinOp::Shr,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::And,
        BinOp::Or,
        BinOp::Min,
        BinOp::Max,
    ];
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Arithmetic negation (wrapping for integers).
    Neg,
    /// Logical not for `bool`, bitwise not for integers.
    Not,
}

/// Math methods callable on expressions (`e.sqrt()`, `a.atan2(b)`, ...), with Rust's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    Abs,
    Sqrt,
    Exp,
    Ln,
    Log2,
    Powf,
    Powi,
    Sin,
    Cos,
    Tan,
    Atan2,
    Floor,
    Ceil,
    Round,
    Trunc,
    Clamp,
    MulAdd,
    DivEuclid,
    RemEuclid,
}

impl Intrinsic {
    pub const ALL: [Intrinsic; 19] = [
        Intrinsic::Abs,
        Intrinsic::Sqrt,
        Intrinsic::Exp,
        Intrinsic::Ln,
        Intrinsic::Log2,
        Intrinsic::Powf,
        Intrinsic::Powi,
        Intrinsic::Sin,
        Intrinsic::Cos,
        Intrinsic::Tan,
        Intrinsic::Atan2,
        Intrinsic::Floor,
        Intrinsic::Ceil,
        Intrinsic::Round,
        Intrinsic::Trunc,
        Intrinsic::Clamp,
        Intrinsic::MulAdd,
        Intrinsic::DivEuclid,
        Intrinsic::RemEuclid,
    ];
    /// The Rust method name.
    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::Abs => "abs",
            Intrinsic::Sqrt => "sqrt",
            Intrinsic::Exp => "exp",
            Intrinsic::Ln => "ln",
            Intrinsic::Log2 => "log2",
            Intrinsic::Powf => "powf",
            Intrinsic::Powi => "powi",
            Intrinsic::Sin => "sin",
            Intrinsic::Cos => "cos",
            Intrinsic::Tan => "tan",
            Intrinsic::Atan2 => "atan2",
            Intrinsic::Floor => "floor",
            Intrinsic::Ceil => "ceil",
            Intrinsic::Round => "round",
            Intrinsic::Trunc => "trunc",
            Intrinsic::Clamp => "clamp",
            Intrinsic::MulAdd => "mul_add",
            Intrinsic::DivEuclid => "div_euclid",
            Intrinsic::RemEuclid => "rem_euclid",
        }
    }
    pub fn from_name(name: &str) -> Option<Intrinsic> {
        Intrinsic::ALL.into_iter().find(|i| i.name() == name)
    }
    /// Number of arguments including the receiver.
    pub fn arity(self) -> usize {
        match self {
            Intrinsic::Powf
            | Intrinsic::Powi
            | Intrinsic::Atan2
            | Intrinsic::DivEuclid
            | Intrinsic::RemEuclid => 2,
            Intrinsic::Clamp | Intrinsic::MulAdd => 3,
            _ => 1,
        }
    }
    /// Float-only methods (the rest also accept integers).
    pub fn float_only(self) -> bool {
        !matches!(
            self,
            Intrinsic::Abs | Intrinsic::Clamp | Intrinsic::DivEuclid | Intrinsic::RemEuclid
        )
    }
}

/// What a call reads: an input buffer (a kernel parameter) or a Func defined in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    Input,
    Func,
}

/// The nodes of an expression tree.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprNode {
    /// A typed constant.
    Const(Value),
    /// A variable: a pure variable of a definition, a loop variable, a `let`-bound name, a scalar
    /// parameter, or a buffer extent (named `buf.extent.k`).
    Var(Arc<str>),
    /// `e as T`.
    Cast(Expr),
    Unary(UnOp, Expr),
    Binary(BinOp, Expr, Expr),
    /// `if c { t } else { f }`, both arms evaluated.
    Select(Expr, Expr, Expr),
    /// A math method; the receiver is the first argument.
    Intrinsic(Intrinsic, Vec<Expr>),
    /// A read of a Func or input buffer at a point.
    Call {
        kind: CallKind,
        name: Arc<str>,
        args: Vec<Expr>,
    },
    /// `let name = value in body`.
    Let(Arc<str>, Expr, Expr),
}

#[derive(Debug)]
struct ExprData {
    node: ExprNode,
    ty: Type,
    origin: Origin,
    /// Which simplifications already left this node unchanged (bit 0: exact, bit 1: bounds):
    /// a cache that makes simplifying an already simplified tree O(1).
    simplified: std::sync::atomic::AtomicU8,
    /// [`crate::interval::value_range`] of this node, computed on first use (bound
    /// expressions are asked for it at every node they contain).
    value_range: std::sync::OnceLock<(i128, i128)>,
}

/// An immutable, cheaply cloned expression. Equality is structural and ignores origins.
#[derive(Clone)]
pub struct Expr(Arc<ExprData>);

impl Expr {
    /// The address of this node: equal for clones of one node (a memo key; keep the node alive
    /// as long as the key is used, or the address may be reused).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || (self.0.ty == other.0.ty && self.0.node == other.0.node)
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[allow(clippy::should_implement_trait)]
impl Expr {
    /// Builds a node of a known type. Prefer the typed constructors below, which compute it.
    pub fn new(node: ExprNode, ty: Type) -> Expr {
        Expr(Arc::new(ExprData {
            node,
            ty,
            origin: Origin::NONE,
            simplified: Default::default(),
            value_range: Default::default(),
        }))
    }

    /// Whether simplification `mode` (a bit) is known to leave this node unchanged.
    pub fn is_simplified(&self, mode: u8) -> bool {
        self.0.simplified.load(std::sync::atomic::Ordering::Relaxed) & mode != 0
    }

    /// The cached value range of this node (see [`crate::interval::value_range`]).
    pub(crate) fn value_range_cell(&self) -> &std::sync::OnceLock<(i128, i128)> {
        &self.0.value_range
    }

    /// Records that simplification `mode` leaves this node unchanged.
    pub fn mark_simplified(&self, mode: u8) {
        self.0
            .simplified
            .fetch_or(mode, std::sync::atomic::Ordering::Relaxed);
    }
    /// The same node with a source location attached.
    pub fn with_origin(self, origin: Origin) -> Expr {
        Expr(Arc::new(ExprData {
            node: self.0.node.clone(),
            ty: self.0.ty,
            origin,
            simplified: Default::default(),
            value_range: Default::default(),
        }))
    }
    pub fn node(&self) -> &ExprNode {
        &self.0.node
    }
    pub fn ty(&self) -> Type {
        self.0.ty
    }
    pub fn origin(&self) -> Origin {
        self.0.origin
    }
    /// True when both handles point at the same node (used by folds to detect "unchanged").
    pub fn same_as(&self, other: &Expr) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn constant(v: Value) -> Expr {
        Expr::new(ExprNode::Const(v), v.ty())
    }
    pub fn i32(v: i32) -> Expr {
        Expr::constant(Value::I32(v))
    }
    pub fn i64(v: i64) -> Expr {
        Expr::constant(Value::I64(v))
    }
    pub fn bool(v: bool) -> Expr {
        Expr::constant(Value::Bool(v))
    }
    pub fn var(name: impl Into<Arc<str>>, ty: Type) -> Expr {
        Expr::new(ExprNode::Var(name.into()), ty)
    }
    pub fn cast(ty: Type, e: Expr) -> Expr {
        if e.ty() == ty {
            return e;
        }
        Expr::new(ExprNode::Cast(e), ty)
    }
    pub fn unary(op: UnOp, e: Expr) -> Expr {
        let ty = e.ty();
        Expr::new(ExprNode::Unary(op, e), ty)
    }
    pub fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
        debug_assert!(
            matches!(op, BinOp::Shl | BinOp::Shr) || a.ty() == b.ty(),
            "ill-typed {op:?}: {a} ({}) and {b} ({})",
            a.ty(),
            b.ty()
        );
        let ty = if op.is_comparison() || op.is_logical() {
            Type::Bool
        } else {
            a.ty()
        };
        Expr::new(ExprNode::Binary(op, a, b), ty)
    }
    pub fn select(c: Expr, t: Expr, f: Expr) -> Expr {
        let ty = t.ty();
        Expr::new(ExprNode::Select(c, t, f), ty)
    }
    pub fn intrinsic(op: Intrinsic, args: Vec<Expr>) -> Expr {
        let ty = args[0].ty();
        Expr::new(ExprNode::Intrinsic(op, args), ty)
    }
    pub fn call(kind: CallKind, name: impl Into<Arc<str>>, args: Vec<Expr>, ty: Type) -> Expr {
        Expr::new(
            ExprNode::Call {
                kind,
                name: name.into(),
                args,
            },
            ty,
        )
    }
    pub fn let_in(name: impl Into<Arc<str>>, value: Expr, body: Expr) -> Expr {
        let ty = body.ty();
        Expr::new(ExprNode::Let(name.into(), value, body), ty)
    }

    pub fn add(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Add, self, b)
    }
    pub fn sub(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Sub, self, b)
    }
    pub fn mul(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Mul, self, b)
    }
    pub fn div(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Div, self, b)
    }
    pub fn min(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Min, self, b)
    }
    pub fn max(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Max, self, b)
    }
    pub fn lt(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Lt, self, b)
    }
    pub fn le(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Le, self, b)
    }
    /// `self == b` (named so as not to clash with `PartialEq::eq`).
    pub fn eq_(self, b: Expr) -> Expr {
        Expr::binary(BinOp::Eq, self, b)
    }
    pub fn and(self, b: Expr) -> Expr {
        Expr::binary(BinOp::And, self, b)
    }

    /// The constant value of this node, if it is a constant.
    pub fn as_const(&self) -> Option<Value> {
        match self.node() {
            ExprNode::Const(v) => Some(*v),
            _ => None,
        }
    }
    /// The value of an integer constant as `i64`.
    pub fn as_int(&self) -> Option<i64> {
        self.as_const().and_then(|v| v.as_i64())
    }
    /// The terms of a chain of `&&`, left to right (the expression itself if it is not one).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match self.node() {
            ExprNode::Binary(BinOp::And, a, b) => {
                let mut v = a.conjuncts();
                v.extend(b.conjuncts());
                v
            }
            _ => vec![self],
        }
    }

    /// The `+`-separated terms of a sum (`a + b + c` as `[a, b, c]`; a subtraction is one term).
    pub fn summands(&self) -> Vec<&Expr> {
        match self.node() {
            ExprNode::Binary(BinOp::Add, a, b) => {
                let mut v = a.summands();
                v.extend(b.summands());
                v
            }
            _ => vec![self],
        }
    }

    pub fn as_var(&self) -> Option<&str> {
        match self.node() {
            ExprNode::Var(n) => Some(n),
            _ => None,
        }
    }

    /// Calls `f` on every node, parents before children.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        for c in self.children() {
            c.visit(f);
        }
    }

    /// The direct sub-expressions, in evaluation order.
    pub fn children(&self) -> Vec<&Expr> {
        match self.node() {
            ExprNode::Const(_) | ExprNode::Var(_) => vec![],
            ExprNode::Cast(a) | ExprNode::Unary(_, a) => vec![a],
            ExprNode::Binary(_, a, b) | ExprNode::Let(_, a, b) => vec![a, b],
            ExprNode::Select(c, t, f) => vec![c, t, f],
            ExprNode::Intrinsic(_, args) | ExprNode::Call { args, .. } => args.iter().collect(),
        }
    }

    /// True if the variable `name` occurs free in this expression.
    pub fn uses_var(&self, name: &str) -> bool {
        match self.node() {
            ExprNode::Var(n) => &**n == name,
            ExprNode::Let(n, v, b) => v.uses_var(name) || (&**n != name && b.uses_var(name)),
            _ => self.children().into_iter().any(|c| c.uses_var(name)),
        }
    }

    /// True if evaluating this expression reads a buffer or Func.
    pub fn reads(&self) -> bool {
        matches!(self.node(), ExprNode::Call { .. })
            || self.children().into_iter().any(|c| c.reads())
    }

    /// True if `sub` occurs in this expression (structurally equal).
    pub fn contains(&self, sub: &Expr) -> bool {
        self == sub || self.children().into_iter().any(|c| c.contains(sub))
    }

    /// This expression with every occurrence of `from` (structurally equal) replaced by `to`.
    pub fn replace(&self, from: &Expr, to: &Expr) -> Expr {
        struct Replace<'a>(&'a Expr, &'a Expr);
        impl ExprMutator for Replace<'_> {
            fn mutate(&mut self, e: &Expr) -> Expr {
                if e == self.0 {
                    self.1.clone()
                } else {
                    self.mutate_children(e)
                }
            }
        }
        Replace(from, to).mutate(self)
    }

    /// The number of nodes of this expression (as a tree), counting at most to `limit + 1`.
    pub fn size_up_to(&self, limit: usize) -> usize {
        fn count(e: &Expr, left: &mut usize) {
            if *left == 0 {
                return;
            }
            *left -= 1;
            for c in e.children() {
                count(c, left);
            }
        }
        let mut left = limit + 1;
        count(self, &mut left);
        limit + 1 - left
    }
}

/// A rewrite of expression trees. Implement [`ExprMutator::mutate`] for the nodes you care
/// about and call [`ExprMutator::mutate_children`] for the rest; unchanged subtrees are shared,
/// not copied.
pub trait ExprMutator {
    fn mutate(&mut self, e: &Expr) -> Expr {
        self.mutate_children(e)
    }

    /// Rebuilds `e` with mutated children, returning `e` itself when nothing changed.
    fn mutate_children(&mut self, e: &Expr) -> Expr {
        let node = match e.node() {
            ExprNode::Const(_) | ExprNode::Var(_) => return e.clone(),
            ExprNode::Cast(a) => {
                let a2 = self.mutate(a);
                if a2.same_as(a) {
                    return e.clone();
                }
                ExprNode::Cast(a2)
            }
            ExprNode::Unary(op, a) => {
                let a2 = self.mutate(a);
                if a2.same_as(a) {
                    return e.clone();
                }
                ExprNode::Unary(*op, a2)
            }
            ExprNode::Binary(op, a, b) => {
                let (a2, b2) = (self.mutate(a), self.mutate(b));
                if a2.same_as(a) && b2.same_as(b) {
                    return e.clone();
                }
                ExprNode::Binary(*op, a2, b2)
            }
            ExprNode::Select(c, t, f) => {
                let (c2, t2, f2) = (self.mutate(c), self.mutate(t), self.mutate(f));
                if c2.same_as(c) && t2.same_as(t) && f2.same_as(f) {
                    return e.clone();
                }
                ExprNode::Select(c2, t2, f2)
            }
            ExprNode::Intrinsic(op, args) => {
                let new: Vec<Expr> = args.iter().map(|a| self.mutate(a)).collect();
                if new.iter().zip(args).all(|(n, o)| n.same_as(o)) {
                    return e.clone();
                }
                ExprNode::Intrinsic(*op, new)
            }
            ExprNode::Call { kind, name, args } => {
                let new: Vec<Expr> = args.iter().map(|a| self.mutate(a)).collect();
                if new.iter().zip(args).all(|(n, o)| n.same_as(o)) {
                    return e.clone();
                }
                ExprNode::Call {
                    kind: *kind,
                    name: name.clone(),
                    args: new,
                }
            }
            ExprNode::Let(n, v, b) => {
                let (v2, b2) = (self.mutate(v), self.mutate(b));
                if v2.same_as(v) && b2.same_as(b) {
                    return e.clone();
                }
                ExprNode::Let(n.clone(), v2, b2)
            }
        };
        Expr(Arc::new(ExprData {
            node,
            ty: e.ty(),
            origin: e.origin(),
            simplified: Default::default(),
            value_range: Default::default(),
        }))
    }
}

/// Replaces free variables by expressions (capture-avoiding for `let`, whose names are unique
/// in practice; a `let` that shadows a substituted name stops the substitution in its body).
pub fn substitute(e: &Expr, map: &dyn Fn(&str) -> Option<Expr>) -> Expr {
    struct Subst<'a>(&'a dyn Fn(&str) -> Option<Expr>);
    impl ExprMutator for Subst<'_> {
        fn mutate(&mut self, e: &Expr) -> Expr {
            match e.node() {
                ExprNode::Var(n) => (self.0)(n).unwrap_or_else(|| e.clone()),
                ExprNode::Let(n, v, b) => {
                    let v2 = self.mutate(v);
                    let name = n.clone();
                    let inner = |s: &str| if s == &*name { None } else { (self.0)(s) };
                    let b2 = substitute(b, &inner);
                    if v2.same_as(v) && b2.same_as(b) {
                        e.clone()
                    } else {
                        Expr::let_in(n.clone(), v2, b2).with_origin(e.origin())
                    }
                }
                _ => self.mutate_children(e),
            }
        }
    }
    Subst(map).mutate(e)
}

/// Replaces one variable.
pub fn substitute_var(e: &Expr, name: &str, value: &Expr) -> Expr {
    substitute(e, &|n| (n == name).then(|| value.clone()))
}
