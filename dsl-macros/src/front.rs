//! The algorithm front end: the kernel body (syn) -> a typed `halite_core::Pipeline`.
//!
//! Type rules (DESIGN.md section 3), each a compile error with a span when broken:
//! 1. Operands of a binary operator have the same type; nothing converts silently.
//! 2. A literal-only operand (`3`, `-1.0 / 12.0`) takes the type of the other operand; alone
//!    on the right of a definition it takes the Func's element type where known, else `i32` or
//!    `f64`. An integer literal may become a float; a float literal never becomes an integer.
//! 3. Index expressions are `i32`; `f16`/`bf16` only load, store and cast to/from `f32`/`f64`.
//! 4. A Func is defined once by a pure definition whose arguments are distinct variables, and
//!    is used only after its definition.

use crate::diag::{Errors, Origins};
use halite_codegen::KernelArg;
use halite_core::func::{boundary, extent_var};
use halite_core::{
    BinOp, CallKind, Expr, Func, Input, Intrinsic, Param, Pipeline, Type, UnOp, Value,
};
use std::collections::HashMap;

/// A failed lowering; the error has been recorded.
pub struct Reported;
type R<T> = Result<T, Reported>;

#[derive(Clone, Copy, PartialEq)]
enum LitKind {
    Int,
    Float,
}

/// What a name bound by `let` stands for.
#[derive(Clone)]
enum Binding {
    /// `let t = expr;`: the expression, lowered anew at each use.
    Expr(syn::Expr),
}

pub struct Front<'a> {
    pub origins: &'a mut Origins,
    pub errors: &'a mut Errors,
    kernel: String,
    scalars: HashMap<String, Type>,
    inputs: HashMap<String, (Type, usize)>,
    outputs: HashMap<String, (Type, usize, usize)>,
    funcs: Vec<Func>,
    bindings: HashMap<String, Binding>,
    /// Pure variables of the definition being lowered.
    pure: Vec<String>,
    /// Bindings being expanded (to report cycles instead of recursing forever).
    expanding: Vec<String>,
    /// Bindings being inspected by `literal_kind` (same purpose).
    kind_stack: std::cell::RefCell<Vec<String>>,
    /// Funcs whose definition was attempted (so a failed one is not also "never defined").
    attempted: Vec<String>,
    pub directives: Vec<halite_schedule::Directive>,
}

fn ident_of(e: &syn::Expr) -> Option<&syn::Ident> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

fn binop(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    Some(match op {
        B::Add(_) => BinOp::Add,
        B::Sub(_) => BinOp::Sub,
        B::Mul(_) => BinOp::Mul,
        B::Div(_) => BinOp::Div,
        B::Rem(_) => BinOp::Rem,
        B::And(_) => BinOp::And,
        B::Or(_) => BinOp::Or,
        B::BitXor(_) => BinOp::BitXor,
        B::BitAnd(_) => BinOp::BitAnd,
        B::BitOr(_) => BinOp::BitOr,
        B::Shl(_) => BinOp::Shl,
        B::Shr(_) => BinOp::Shr,
        B::Eq(_) => BinOp::Eq,
        B::Lt(_) => BinOp::Lt,
        B::Le(_) => BinOp::Le,
        B::Ne(_) => BinOp::Ne,
        B::Ge(_) => BinOp::Ge,
        B::Gt(_) => BinOp::Gt,
        _ => return None,
    })
}

fn type_name_of(t: &syn::Type) -> Option<Type> {
    match t {
        syn::Type::Path(p) if p.qself.is_none() => {
            let seg = p.path.segments.last()?;
            if !seg.arguments.is_empty() {
                return None;
            }
            match seg.ident.to_string().as_str() {
                "usize" | "isize" => None,
                n => Type::from_name(n),
            }
        }
        syn::Type::Paren(p) => type_name_of(&p.elem),
        _ => None,
    }
}

impl<'a> Front<'a> {
    pub fn new(
        kernel: &str,
        args: &[(KernelArg, syn::Ident)],
        origins: &'a mut Origins,
        errors: &'a mut Errors,
    ) -> Self {
        let mut f = Front {
            origins,
            errors,
            kernel: kernel.to_string(),
            scalars: HashMap::new(),
            inputs: HashMap::new(),
            outputs: HashMap::new(),
            funcs: vec![],
            bindings: HashMap::new(),
            pure: vec![],
            expanding: vec![],
            kind_stack: Default::default(),
            attempted: vec![],
            directives: vec![],
        };
        let mut k = 0;
        for (a, _) in args {
            match a {
                KernelArg::Scalar { name, ty, .. } => {
                    f.scalars.insert(name.clone(), *ty);
                }
                KernelArg::Input { name, ty, dims } => {
                    f.inputs.insert(name.clone(), (*ty, *dims));
                }
                KernelArg::Output { name, ty, dims } => {
                    f.outputs.insert(name.clone(), (*ty, *dims, k));
                    k += 1;
                }
            }
        }
        f
    }

    fn err<T>(&mut self, node: &impl quote::ToTokens, msg: impl std::fmt::Display) -> R<T> {
        self.errors.spanned(node, msg);
        Err(Reported)
    }

    fn is_defined(&self, name: &str) -> bool {
        self.funcs.iter().any(|f| &*f.name == name)
    }

    /// Lowers the whole body into a pipeline.
    pub fn body(&mut self, block: &syn::Block, args: &[(KernelArg, syn::Ident)]) -> Pipeline {
        for stmt in &block.stmts {
            let _ = self.stmt(stmt);
        }
        for (a, id) in args {
            if let KernelArg::Output { name, dims, .. } = a {
                if !self.is_defined(name) && !self.attempted.contains(name) {
                    let vars = ["v", "u", "w", "z", "y", "x"][6 - dims..].join(", ");
                    self.errors.spanned(
                        id,
                        format!("the output `{name}` is never defined: add `{name}({vars}) = ...;` to the kernel body"),
                    );
                }
            }
        }
        let mut p = Pipeline {
            name: self.kernel.clone(),
            funcs: std::mem::take(&mut self.funcs),
            ..Pipeline::default()
        };
        for (a, _) in args {
            match a {
                KernelArg::Scalar { name, ty, .. } => p.params.push(Param {
                    name: name.as_str().into(),
                    ty: *ty,
                }),
                KernelArg::Input { name, ty, dims } => p.inputs.push(Input {
                    name: name.as_str().into(),
                    ty: *ty,
                    dims: *dims,
                }),
                KernelArg::Output { .. } => {}
            }
        }
        p
    }

    fn stmt(&mut self, stmt: &syn::Stmt) -> R<()> {
        match stmt {
            syn::Stmt::Local(l) => self.local(l),
            syn::Stmt::Macro(m) => self.mac(&m.mac),
            syn::Stmt::Expr(syn::Expr::Macro(m), _) => self.mac(&m.mac),
            syn::Stmt::Expr(e, _) => self.definition(e),
            syn::Stmt::Item(i) => self.err(
                i,
                "items are not allowed in a kernel body: define helpers outside the kernel",
            ),
        }
    }

    fn mac(&mut self, m: &syn::Macro) -> R<()> {
        if m.path.is_ident("schedule") {
            let d = crate::sched::parse(m.tokens.clone(), self.origins, self.errors);
            self.directives.extend(d);
            Ok(())
        } else {
            self.err(
                &m.path,
                "unsupported macro in a kernel body: only `schedule! { .. }` is allowed",
            )
        }
    }

    fn local(&mut self, l: &syn::Local) -> R<()> {
        let syn::Pat::Ident(pi) = &l.pat else {
            return self.err(
                &l.pat,
                "expected `let name = ...;` (reduction domains `let (ry, rx) = rdom(..)` are not implemented yet)",
            );
        };
        let name = pi.ident.to_string();
        let Some(init) = &l.init else {
            return self.err(l, "a `let` in a kernel needs a value: `let t = expr;`");
        };
        if init.diverge.is_some() {
            return self.err(l, "`let .. else` is not supported in a kernel");
        }
        if name.contains("__") {
            return self.err(
                &pi.ident,
                "names containing `__` are reserved for generated code",
            );
        }
        if self.scalars.contains_key(&name)
            || self.inputs.contains_key(&name)
            || self.outputs.contains_key(&name)
            || self.is_defined(&name)
        {
            return self.err(
                &pi.ident,
                format!("`{name}` is already the name of a parameter or Func; choose another name"),
            );
        }
        let e = &*init.expr;
        if let syn::Expr::Call(c) = e {
            if let Some(f) = ident_of(&c.func) {
                let fname = f.to_string();
                if let Some(kind) = boundary::Kind::from_name(&fname) {
                    return self.boundary(&name, kind, c);
                }
                if fname == "rdom" {
                    return self.err(f, "reduction domains (`rdom`) are not implemented yet");
                }
            }
        }
        self.bindings.insert(name, Binding::Expr(e.clone()));
        Ok(())
    }

    fn boundary(&mut self, name: &str, kind: boundary::Kind, c: &syn::ExprCall) -> R<()> {
        let want = if kind == boundary::Kind::ConstantExterior {
            2
        } else {
            1
        };
        let fname = ident_of(&c.func).unwrap().to_string();
        if c.args.len() != want {
            let usage = if want == 2 {
                format!("{fname}(input, value)")
            } else {
                format!("{fname}(input)")
            };
            return self.err(c, format!("`{fname}` takes {want} argument(s): `{usage}`"));
        }
        let buf = &c.args[0];
        let Some(info) = ident_of(buf).and_then(|i| self.inputs.get(&i.to_string()).copied())
        else {
            return self.err(
                buf,
                "a boundary condition applies to an input parameter (an `ArrayView`)",
            );
        };
        let input = Input {
            name: ident_of(buf).unwrap().to_string().into(),
            ty: info.0,
            dims: info.1,
        };
        let exterior = if want == 2 {
            let saved = std::mem::take(&mut self.pure);
            let v = self.expr(&c.args[1], Some(info.0));
            self.pure = saved;
            let v = v?;
            if v.ty() != info.0 {
                return self.err(
                    &c.args[1],
                    format!(
                        "the exterior value must be {} like `{}`; convert it with `as {}`",
                        info.0, input.name, info.0
                    ),
                );
            }
            Some(v)
        } else {
            None
        };
        let mut f = boundary::func(name, kind, &input, exterior);
        f.origin = self.origins.of(c);
        self.funcs.push(f);
        Ok(())
    }

    fn definition(&mut self, e: &syn::Expr) -> R<()> {
        let (lhs, rhs, compound) = match e {
            syn::Expr::Assign(a) => (&*a.left, &*a.right, None),
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_) | syn::BinOp::MulAssign(_) | syn::BinOp::DivAssign(_)) => {
                (&*b.left, &*b.right, Some(&b.op))
            }
            syn::Expr::MethodCall(m) if m.method == "where_" => {
                return self.err(&m.method, "reduction domain predicates (`where_`) are not implemented yet");
            }
            other => {
                return self.err(
                    other,
                    "expected a definition `f(y, x) = expr;`; a kernel body holds Func definitions, `let` bindings and a `schedule!` block",
                )
            }
        };
        let syn::Expr::Call(call) = lhs else {
            return self.err(
                lhs,
                "the left side of a definition is a Func applied to variables: `f(y, x) = ...`",
            );
        };
        let Some(fid) = ident_of(&call.func) else {
            return self.err(&call.func, "expected a Func name");
        };
        let name = fid.to_string();
        self.attempted.push(name.clone());
        if self.inputs.contains_key(&name) {
            return self.err(
                fid,
                format!(
                    "`{name}` is an input and cannot be defined; define a new Func or an output"
                ),
            );
        }
        if self.scalars.contains_key(&name) || self.bindings.contains_key(&name) {
            return self.err(
                fid,
                format!("`{name}` is a scalar or a `let` binding, not a Func; choose another name"),
            );
        }
        if name.contains("__") {
            return self.err(fid, "names containing `__` are reserved for generated code");
        }
        if let Some(op) = compound {
            if !self.is_defined(&name) {
                return self.err(op, format!("`{name}` has no pure definition yet: write `{name}(..) = initial value;` before updating it"));
            }
            return self.err(
                op,
                "update definitions (`+=`, `-=`, `*=`, `/=`) are not implemented yet",
            );
        }
        if self.is_defined(&name) {
            return self.err(lhs, format!("`{name}` is already defined; update definitions (redefining a Func) are not implemented yet"));
        }
        // The arguments: distinct variables.
        let mut vars: Vec<String> = Vec::new();
        let mut bad = false;
        for a in &call.args {
            match ident_of(a) {
                Some(v) => {
                    let vn = v.to_string();
                    if vars.contains(&vn) {
                        self.errors.spanned(a, format!("`{vn}` appears twice: the arguments of a pure definition must be distinct variables"));
                        bad = true;
                    } else if self.scalars.contains_key(&vn)
                        || self.inputs.contains_key(&vn)
                        || self.outputs.contains_key(&vn)
                    {
                        self.errors.spanned(
                            a,
                            format!("`{vn}` is a parameter; choose another name for this variable"),
                        );
                        bad = true;
                    } else if vn.contains("__") {
                        self.errors
                            .spanned(a, "names containing `__` are reserved for generated code");
                        bad = true;
                    }
                    vars.push(vn);
                }
                None => {
                    self.errors.spanned(a, "the arguments of a pure definition must be distinct variables (computed indices need an update definition, which is not implemented yet)");
                    bad = true;
                }
            }
        }
        if bad {
            return Err(Reported);
        }
        let output = self.outputs.get(&name).copied();
        if let Some((_, dims, _)) = output {
            if dims != vars.len() {
                return self.err(
                    &call.args,
                    format!(
                        "`{name}` has {dims} dimension(s) but is defined with {} variable(s)",
                        vars.len()
                    ),
                );
            }
        }
        self.pure = vars.clone();
        let value = self.expr(rhs, output.map(|o| o.0));
        self.pure.clear();
        let mut value = value?;
        let ty = match output {
            Some((t, _, _)) => {
                if value.ty() != t {
                    return self.err(
                        rhs,
                        format!(
                            "`{name}` holds `{t}` but this value is `{}`; convert it with `as {t}`",
                            value.ty()
                        ),
                    );
                }
                t
            }
            None => value.ty(),
        };
        value = value.with_origin(self.origins.of(rhs));
        let origin = self.origins.of(lhs);
        self.funcs.push(Func {
            name: name.as_str().into(),
            args: vars.iter().map(|v| v.as_str().into()).collect(),
            ty,
            value,
            output: output.map(|o| o.2),
            origin,
        });
        Ok(())
    }

    /// If `e` is made of literals only, whether any is a float.
    fn literal_kind(&self, e: &syn::Expr) -> Option<LitKind> {
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Int(i) if i.suffix().is_empty() => Some(LitKind::Int),
                syn::Lit::Float(f) if f.suffix().is_empty() => Some(LitKind::Float),
                _ => None,
            },
            syn::Expr::Paren(p) => self.literal_kind(&p.expr),
            syn::Expr::Group(g) => self.literal_kind(&g.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => self.literal_kind(&u.expr),
            syn::Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::Add(_)
                        | syn::BinOp::Sub(_)
                        | syn::BinOp::Mul(_)
                        | syn::BinOp::Div(_)
                        | syn::BinOp::Rem(_)
                ) =>
            {
                let (a, c) = (self.literal_kind(&b.left)?, self.literal_kind(&b.right)?);
                Some(if a == LitKind::Float || c == LitKind::Float {
                    LitKind::Float
                } else {
                    LitKind::Int
                })
            }
            syn::Expr::Path(_) => {
                let id = ident_of(e)?.to_string();
                if self.pure.contains(&id)
                    || self.expanding.contains(&id)
                    || self.kind_stack.borrow().contains(&id)
                {
                    return None;
                }
                match self.bindings.get(&id) {
                    Some(Binding::Expr(b)) => {
                        self.kind_stack.borrow_mut().push(id);
                        let k = self.literal_kind(b);
                        self.kind_stack.borrow_mut().pop();
                        k
                    }
                    None => None,
                }
            }
            _ => None,
        }
    }

    /// Lowers `a` and `b` to one type (rule 2).
    fn unify(&mut self, a: &syn::Expr, b: &syn::Expr, expected: Option<Type>) -> R<(Expr, Expr)> {
        match (self.literal_kind(a), self.literal_kind(b)) {
            (Some(ka), Some(kb)) => {
                let t = match expected {
                    Some(t) => Some(t),
                    None if ka == LitKind::Float || kb == LitKind::Float => Some(Type::F64),
                    None => None,
                };
                let x = self.expr(a, t);
                let y = self.expr(b, t);
                let (x, y) = (x?, y?);
                Ok((x, y))
            }
            (Some(_), None) => {
                let y = self.expr(b, expected)?;
                let x = self.expr(a, Some(y.ty()))?;
                Ok((x, y))
            }
            (None, _) => {
                let x = self.expr(a, expected)?;
                let y = self.expr(b, Some(x.ty()))?;
                Ok((x, y))
            }
        }
    }

    fn same_type(&mut self, node: &impl quote::ToTokens, x: &Expr, y: &Expr, what: &str) -> R<()> {
        if x.ty() == y.ty() {
            return Ok(());
        }
        let (a, b) = (x.ty(), y.ty());
        let target = if a.is_float() {
            a
        } else if b.is_float() {
            b
        } else if a.bits() >= b.bits() {
            a
        } else {
            b
        };
        self.err(node, format!("mismatched types in {what}: `{a}` and `{b}`; types never convert silently: convert one side with `as`, e.g. `(..) as {target}`"))
    }

    fn need_arith(&mut self, node: &impl quote::ToTokens, t: Type, what: &str) -> R<()> {
        if t.is_arith() {
            return Ok(());
        }
        if t.is_storage_float() {
            return self.err(
                node,
                format!("`{t}` is a storage type: cast to `f32` to compute (`(..) as f32`)"),
            );
        }
        self.err(node, format!("{what} needs numbers, found `{t}`"))
    }

    /// A literal of the given type.
    fn literal(&mut self, lit: &syn::Lit, expected: Option<Type>) -> R<Expr> {
        match lit {
            syn::Lit::Bool(b) => Ok(Expr::bool(b.value)),
            syn::Lit::Int(i) => {
                let ty = if i.suffix().is_empty() {
                    expected.unwrap_or(Type::I32)
                } else {
                    match Type::from_name(i.suffix()) {
                        Some(t) => t,
                        None => {
                            return self
                                .err(i, format!("unsupported literal suffix `{}`", i.suffix()))
                        }
                    }
                };
                let Ok(v) = i.base10_parse::<i128>() else {
                    return self.err(i, "integer literal too large");
                };
                if ty.is_float() {
                    return Ok(Expr::constant(Value::from_f64(ty, v as f64).unwrap()));
                }
                if ty.is_storage_float() {
                    return self.err(
                        i,
                        format!("`{ty}` is a storage type: write the literal as `f32` and cast"),
                    );
                }
                if ty == Type::Bool {
                    return self.err(i, "expected `bool`, found an integer literal");
                }
                let (lo, hi) = ty.int_range().unwrap();
                if v < lo || v > hi {
                    return self.err(i, format!("literal out of range for `{ty}`"));
                }
                Ok(Expr::constant(Value::from_i64(ty, v as i64)))
            }
            syn::Lit::Float(f) => {
                let ty = if f.suffix().is_empty() {
                    expected.unwrap_or(Type::F64)
                } else {
                    match Type::from_name(f.suffix()) {
                        Some(t) if t.is_float() => t,
                        _ => {
                            return self
                                .err(f, format!("unsupported literal suffix `{}`", f.suffix()))
                        }
                    }
                };
                if !ty.is_float() {
                    return self.err(f, format!("expected `{ty}`, found a float literal; write an integer or convert with `as`"));
                }
                // Parse in the target type directly, as rustc does (no double rounding).
                let digits = f.base10_digits();
                let v = if ty == Type::F32 {
                    digits.parse::<f32>().map(Value::F32).ok()
                } else {
                    digits.parse::<f64>().map(Value::F64).ok()
                };
                match v {
                    Some(v) if v.as_f64().is_finite() => Ok(Expr::constant(v)),
                    Some(_) => self.err(f, format!("literal out of range for `{ty}`")),
                    None => self.err(f, "invalid float literal"),
                }
            }
            other => self.err(
                other,
                "unsupported literal in a kernel: use numbers and `true`/`false`",
            ),
        }
    }

    /// Lowers an expression; `expected` types literal-only expressions (rule 2).
    pub fn expr(&mut self, e: &syn::Expr, expected: Option<Type>) -> R<Expr> {
        let origin = self.origins.of(e);
        let r = self.expr_inner(e, expected)?;
        Ok(if r.origin() == halite_core::Origin::NONE {
            r.with_origin(origin)
        } else {
            r
        })
    }

    fn expr_inner(&mut self, e: &syn::Expr, expected: Option<Type>) -> R<Expr> {
        match e {
            syn::Expr::Lit(l) => self.literal(&l.lit, expected),
            syn::Expr::Paren(p) => self.expr(&p.expr, expected),
            syn::Expr::Group(g) => self.expr(&g.expr, expected),
            syn::Expr::Block(b) if b.block.stmts.len() == 1 && b.label.is_none() && b.attrs.is_empty() => match &b.block.stmts[0] {
                syn::Stmt::Expr(inner, None) => self.expr(inner, expected),
                s => self.err(s, "expected an expression"),
            },
            syn::Expr::Path(_) => self.path(e, expected),
            syn::Expr::Unary(u) => {
                let a = self.expr(&u.expr, expected)?;
                match u.op {
                    syn::UnOp::Neg(_) => {
                        if a.ty().is_unsigned_int() {
                            return self.err(u, format!("cannot negate a value of unsigned type `{}`", a.ty()));
                        }
                        self.need_arith(u, a.ty(), "`-`")?;
                        Ok(Expr::unary(UnOp::Neg, a))
                    }
                    syn::UnOp::Not(_) => {
                        if !(a.ty().is_int() || a.ty() == Type::Bool) {
                            return self.err(u, format!("`!` needs a `bool` or an integer, found `{}`", a.ty()));
                        }
                        Ok(Expr::unary(UnOp::Not, a))
                    }
                    _ => self.err(u, "unsupported operator in a kernel"),
                }
            }
            syn::Expr::Binary(b) => self.binary(b, expected),
            syn::Expr::Cast(c) => {
                let Some(to) = type_name_of(&c.ty) else {
                    return self.err(&c.ty, "cast to one of u8 u16 u32 u64 i8 i16 i32 i64 f16 bf16 f32 f64");
                };
                let a = self.expr(&c.expr, None)?;
                let from = a.ty();
                if to == Type::Bool {
                    return self.err(&c.ty, "cannot cast to `bool`: compare instead, e.g. `x != 0`");
                }
                if (to.is_storage_float() || from.is_storage_float()) && from != to && !(to.is_float() || from.is_float()) {
                    return self.err(c, format!("`{from} as {to}`: `f16`/`bf16` convert only to and from `f32`/`f64`; cast through `f32`"));
                }
                Ok(Expr::cast(to, a))
            }
            syn::Expr::If(i) => {
                let c = self.expr(&i.cond, Some(Type::Bool))?;
                if c.ty() != Type::Bool {
                    return self.err(&i.cond, format!("the condition of `if` must be `bool`, found `{}`", c.ty()));
                }
                let then = block_expr(&i.then_branch);
                let Some((_, els)) = &i.else_branch else {
                    return self.err(i, "an `if` in a kernel selects a value: it needs an `else` branch");
                };
                let Some(then) = then else {
                    return self.err(&i.then_branch, "each branch of `if` must be a single expression");
                };
                let (t, f) = self.unify(then, els, expected)?;
                self.same_type(i, &t, &f, "the branches of `if`")?;
                Ok(Expr::select(c, t, f))
            }
            syn::Expr::Call(c) => self.call(c),
            syn::Expr::MethodCall(m) => self.method(m, expected),
            syn::Expr::Index(ix) => self.index(ix),
            other => self.err(other, "unsupported in a kernel expression: use arithmetic, comparisons, `as`, `if .. else`, math methods and calls of Funcs"),
        }
    }

    fn path(&mut self, e: &syn::Expr, expected: Option<Type>) -> R<Expr> {
        let Some(id) = ident_of(e) else {
            return self.err(e, "unsupported path in a kernel expression");
        };
        let name = id.to_string();
        if self.pure.contains(&name) {
            return Ok(Expr::var(name, Type::I32));
        }
        if let Some(Binding::Expr(b)) = self.bindings.get(&name).cloned() {
            if self.expanding.contains(&name) {
                return self.err(id, format!("`{name}` refers to itself"));
            }
            self.expanding.push(name);
            let r = self.expr(&b, expected);
            self.expanding.pop();
            return r;
        }
        if let Some(&t) = self.scalars.get(&name) {
            return Ok(Expr::var(name, t));
        }
        if self.inputs.contains_key(&name)
            || self.outputs.contains_key(&name)
            || self.is_defined(&name)
        {
            return self.err(
                id,
                format!("`{name}` is a Func or buffer: call it at a point, e.g. `{name}(y, x)`"),
            );
        }
        let vars = if self.pure.is_empty() {
            "none".to_string()
        } else {
            self.pure.join(", ")
        };
        self.err(id, format!("unknown name `{name}`: the variables of this definition are {vars}; other names must be parameters or `let` bindings"))
    }

    fn binary(&mut self, b: &syn::ExprBinary, expected: Option<Type>) -> R<Expr> {
        let Some(op) = binop(&b.op) else {
            return self.err(&b.op, "compound assignment is only allowed as an update definition `f(..) += ..;` (not implemented yet)");
        };
        match op {
            BinOp::And | BinOp::Or => {
                let x = self.expr(&b.left, Some(Type::Bool))?;
                let y = self.expr(&b.right, Some(Type::Bool))?;
                if x.ty() != Type::Bool || y.ty() != Type::Bool {
                    return self.err(
                        b,
                        format!(
                            "`{}` needs `bool` operands, found `{}` and `{}`",
                            op.symbol(),
                            x.ty(),
                            y.ty()
                        ),
                    );
                }
                Ok(Expr::binary(op, x, y))
            }
            BinOp::Shl | BinOp::Shr => {
                let x = self.expr(&b.left, expected)?;
                let y = self.expr(&b.right, None)?;
                if !x.ty().is_int() || !y.ty().is_int() {
                    return self.err(
                        b,
                        format!(
                            "`{}` needs integer operands, found `{}` and `{}`",
                            op.symbol(),
                            x.ty(),
                            y.ty()
                        ),
                    );
                }
                Ok(Expr::binary(op, x, y))
            }
            _ => {
                let ctx = if op.is_comparison() { None } else { expected };
                let (x, y) = self.unify(&b.left, &b.right, ctx)?;
                self.same_type(b, &x, &y, &format!("`{}`", op.symbol()))?;
                let t = x.ty();
                match op {
                    BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
                        if !(t.is_int() || t == Type::Bool) {
                            return self.err(
                                b,
                                format!("`{}` needs integers or `bool`, found `{t}`", op.symbol()),
                            );
                        }
                    }
                    BinOp::Eq | BinOp::Ne if t == Type::Bool => {}
                    _ => self.need_arith(b, t, &format!("`{}`", op.symbol()))?,
                }
                Ok(Expr::binary(op, x, y))
            }
        }
    }

    fn call(&mut self, c: &syn::ExprCall) -> R<Expr> {
        let Some(fid) = ident_of(&c.func) else {
            return self.err(&c.func, "expected the name of a Func or input");
        };
        let name = fid.to_string();
        let (kind, ty, dims) = if let Some(&(t, d)) = self.inputs.get(&name) {
            (CallKind::Input, t, d)
        } else if let Some(f) = self.funcs.iter().find(|f| *f.name == *name) {
            (CallKind::Func, f.ty, f.dims())
        } else if self.outputs.contains_key(&name) {
            return self.err(
                fid,
                format!("`{name}` is used before its definition: define `{name}` above this line"),
            );
        } else if matches!(
            name.as_str(),
            "sum" | "product" | "maximum" | "minimum" | "argmax" | "argmin"
        ) {
            return self.err(
                fid,
                format!("inline reductions (`{name}`) are not implemented yet"),
            );
        } else if boundary::Kind::from_name(&name).is_some() {
            return self.err(fid, format!("bind a boundary condition with `let` first: `let padded = {name}(..);` then call `padded(y, x)`"));
        } else if self.scalars.contains_key(&name) || self.bindings.contains_key(&name) {
            return self.err(
                fid,
                format!("`{name}` is a value, not a Func; it cannot be called"),
            );
        } else {
            return self.err(
                fid,
                format!(
                    "unknown Func or input `{name}`; Funcs must be defined before they are used"
                ),
            );
        };
        if c.args.len() != dims {
            return self.err(
                c,
                format!(
                    "`{name}` has {dims} dimension(s) but is called with {} index(es)",
                    c.args.len()
                ),
            );
        }
        let mut args = Vec::new();
        let mut ok = true;
        for a in &c.args {
            match self.expr(a, Some(Type::I32)) {
                Ok(x) if x.ty() == Type::I32 => args.push(x),
                Ok(x) => {
                    self.errors.spanned(
                        a,
                        format!(
                            "indices are `i32`, found `{}`; convert with `as i32`",
                            x.ty()
                        ),
                    );
                    ok = false;
                }
                Err(_) => ok = false,
            }
        }
        if !ok {
            return Err(Reported);
        }
        let origin = self.origins.of(c);
        Ok(Expr::call(kind, name, args, ty).with_origin(origin))
    }

    /// `buf.nrows()`, `buf.ncols()`, `buf.len()`; `None` if the receiver is not a buffer.
    fn extent_method(&mut self, m: &syn::ExprMethodCall) -> Option<R<Expr>> {
        let buf = ident_of(&m.receiver)?.to_string();
        let dims = self
            .inputs
            .get(&buf)
            .map(|x| x.1)
            .or_else(|| self.outputs.get(&buf).map(|x| x.1))?;
        let method = m.method.to_string();
        if !m.args.is_empty() {
            return Some(self.err(m, format!("`{method}` takes no arguments here")));
        }
        Some(match method.as_str() {
            "nrows" | "ncols" if dims != 2 => self.err(&m.method, format!("`{method}()` is for 2-D views; `{buf}` has {dims} dimensions: use `{buf}.shape()[k]`")),
            "nrows" => Ok(extent_var(&buf, 0)),
            "ncols" => Ok(extent_var(&buf, 1)),
            "len" => Ok((1..dims).fold(extent_var(&buf, 0), |acc, d| acc.mul(extent_var(&buf, d)))),
            "shape" => self.err(m, format!("index the shape: `{buf}.shape()[k]`")),
            _ => self.err(&m.method, format!("`{buf}` is a buffer: its extents are `{buf}.nrows()`, `{buf}.ncols()`, `{buf}.len()`, `{buf}.shape()[k]`; read it with `{buf}(y, x)`")),
        })
    }

    fn index(&mut self, ix: &syn::ExprIndex) -> R<Expr> {
        if let syn::Expr::MethodCall(m) = &*ix.expr {
            if m.method == "shape" && m.args.is_empty() {
                if let Some(buf) = ident_of(&m.receiver).map(|i| i.to_string()) {
                    let dims = self
                        .inputs
                        .get(&buf)
                        .map(|x| x.1)
                        .or_else(|| self.outputs.get(&buf).map(|x| x.1));
                    if let Some(dims) = dims {
                        let k = match &*ix.index {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Int(i),
                                ..
                            }) => i.base10_parse::<usize>().ok(),
                            _ => None,
                        };
                        return match k {
                            Some(k) if k < dims => Ok(extent_var(&buf, k)),
                            Some(k) => self.err(
                                &ix.index,
                                format!("`{buf}` has {dims} dimensions; axis {k} does not exist"),
                            ),
                            None => self.err(&ix.index, "the axis must be an integer literal"),
                        };
                    }
                }
            }
        }
        if let Some(id) = ident_of(&ix.expr) {
            let name = id.to_string();
            if self.inputs.contains_key(&name) || self.is_defined(&name) {
                return self.err(
                    ix,
                    format!("read `{name}` with a call, `{name}(y, x)`, not with `[..]`"),
                );
            }
        }
        self.err(
            ix,
            "indexing is not supported in a kernel expression; call Funcs and inputs as `f(y, x)`",
        )
    }

    fn method(&mut self, m: &syn::ExprMethodCall, expected: Option<Type>) -> R<Expr> {
        if let Some(r) = self.extent_method(m) {
            return r;
        }
        let name = m.method.to_string();
        let nargs = m.args.len();
        if name == "min" || name == "max" {
            if nargs != 1 {
                return self.err(m, format!("`{name}` takes one argument"));
            }
            let (x, y) = self.unify(&m.receiver, &m.args[0], expected)?;
            self.same_type(m, &x, &y, &format!("`{name}`"))?;
            self.need_arith(m, x.ty(), &format!("`{name}`"))?;
            let op = if name == "min" {
                BinOp::Min
            } else {
                BinOp::Max
            };
            return Ok(Expr::binary(op, x, y));
        }
        let Some(op) = Intrinsic::from_name(&name) else {
            return self.err(&m.method, format!("unknown method `{name}`; supported: abs sqrt exp ln log2 powf powi sin cos tan atan2 floor ceil round trunc min max clamp mul_add div_euclid rem_euclid"));
        };
        if nargs + 1 != op.arity() {
            return self.err(m, format!("`{name}` takes {} argument(s)", op.arity() - 1));
        }
        let mut args = Vec::new();
        match op {
            Intrinsic::Powi => {
                let x = self.expr(&m.receiver, expected)?;
                let n = self.expr(&m.args[0], Some(Type::I32))?;
                if n.ty() != Type::I32 {
                    return self.err(
                        &m.args[0],
                        format!("`powi` takes an `i32` exponent, found `{}`", n.ty()),
                    );
                }
                args.push(x);
                args.push(n);
            }
            _ if nargs == 0 => args.push(self.expr(&m.receiver, expected)?),
            _ => {
                let (x, y) = self.unify(&m.receiver, &m.args[0], expected)?;
                self.same_type(m, &x, &y, &format!("`{name}`"))?;
                args.push(x);
                args.push(y);
                for a in m.args.iter().skip(1) {
                    let t = args[0].ty();
                    let z = self.expr(a, Some(t))?;
                    self.same_type(a, &args[0], &z, &format!("`{name}`"))?;
                    args.push(z);
                }
            }
        }
        let t = args[0].ty();
        self.need_arith(m, t, &format!("`{name}`"))?;
        if op.float_only() && !t.is_float() {
            return self.err(
                &m.method,
                format!("`{name}` needs a float, found `{t}`; convert with `as f32` first"),
            );
        }
        Ok(Expr::intrinsic(op, args))
    }
}

/// The single expression of a block `{ e }`, if it is one.
fn block_expr(b: &syn::Block) -> Option<&syn::Expr> {
    match b.stmts.as_slice() {
        [syn::Stmt::Expr(e, None)] => Some(e),
        _ => None,
    }
}
