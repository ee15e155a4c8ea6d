//! The algorithm front end: the kernel body (syn) -> a typed `halite_core::Pipeline`.
//!
//! Type rules (DESIGN.md section 3), each a compile error with a span when broken:
//! 1. Operands of a binary operator have the same type; nothing converts silently.
//! 2. A literal-only operand (`3`, `-1.0 / 12.0`) takes the type of the other operand; alone
//!    on the right of a definition it takes the Func's element type where known, else `i32` or
//!    `f64`. An integer literal may become a float; a float literal never becomes an integer.
//! 3. Index expressions are `i32`; `f16`/`bf16` only load, store and cast to/from `f32`/`f64`.
//! 4. A Func is defined once by a pure definition whose arguments are distinct variables, and
//!    is used only after its definition. Update definitions follow it; in them a pure variable
//!    is only ever the whole argument at its own position (on the left and in self-reads).
//! 5. Reduction variables (`let r = rdom(..)`) appear only in update definitions, inline
//!    reductions and predicates (`r.where_(cond);`). An inline reduction `sum(e)` reduces over
//!    every reduction variable free in `e` (with their whole domains and predicates) and
//!    becomes an anonymous Func over the pure variables it uses; `f(y) = sum(e);` makes `f`
//!    itself the reduction, so it can be scheduled (`f.update(0)`).

use crate::diag::{Errors, Origins};
use halite_codegen::KernelArg;
use halite_core::func::{boundary, extent_var, is_reserved, RESERVED_NAME};
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

/// A reduction domain declared by `let (ry, rx) = rdom(..);`.
struct RDomDef {
    /// Reduction variables, outermost first: name, min, extent.
    vars: Vec<(String, Expr, Expr)>,
    /// Predicates (`r.where_(cond)`), lowered where the domain is used.
    predicates: Vec<syn::Expr>,
    /// A definition or inline reduction runs over the domain: no predicate may follow.
    used: bool,
    /// One of its predicates is being lowered (an inline reduction over the domain inside
    /// it would make the domain depend on itself).
    lowering_predicate: bool,
}

/// The inline reductions.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Reduction {
    Sum,
    Product,
    Maximum,
    Minimum,
    Argmax,
    Argmin,
}

impl Reduction {
    fn from_name(n: &str) -> Option<Reduction> {
        Some(match n {
            "sum" => Reduction::Sum,
            "product" => Reduction::Product,
            "maximum" => Reduction::Maximum,
            "minimum" => Reduction::Minimum,
            "argmax" => Reduction::Argmax,
            "argmin" => Reduction::Argmin,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Product => "product",
            Reduction::Maximum => "maximum",
            Reduction::Minimum => "minimum",
            Reduction::Argmax => "argmax",
            Reduction::Argmin => "argmin",
        }
    }
    /// The starting value and the update `acc <- step(acc, e)` of a plain reduction.
    fn init(self, t: Type) -> Expr {
        let num = |v: f64| {
            if t.is_float() {
                Value::from_f64(t, v).expect("a float type")
            } else {
                Value::from_i64(t, v as i64)
            }
        };
        let v = match self {
            Reduction::Sum => num(0.0),
            Reduction::Product => num(1.0),
            Reduction::Maximum | Reduction::Argmax => match t.int_range() {
                Some((lo, _)) if !t.is_float() => Value::from_i64(t, lo as i64),
                _ => num(f64::NEG_INFINITY),
            },
            Reduction::Minimum | Reduction::Argmin => match t.int_range() {
                Some((_, hi)) if !t.is_float() => Value::from_i64(t, hi as i64),
                _ => num(f64::INFINITY),
            },
        };
        Expr::constant(v)
    }
    fn step(self, acc: Expr, e: Expr) -> Expr {
        match self {
            Reduction::Sum => acc.add(e),
            Reduction::Product => acc.mul(e),
            Reduction::Maximum | Reduction::Argmax => acc.max(e),
            Reduction::Minimum | Reduction::Argmin => acc.min(e),
        }
    }
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
    /// While an update is lowered: its Func and the Func's pure variables (for the error on
    /// one of those that the update does not bind).
    update_of: Option<(String, Vec<String>)>,
    /// Bindings being expanded (to report cycles instead of recursing forever).
    expanding: Vec<String>,
    /// Bindings being inspected by `literal_kind` (same purpose).
    kind_stack: std::cell::RefCell<Vec<String>>,
    /// Funcs whose definition was attempted (so a failed one is not also "never defined").
    attempted: Vec<String>,
    /// The schedule's directives, each with the instruction sets it applies to.
    pub directives: Vec<(halite_schedule::Directive, u8)>,
    rdoms: Vec<RDomDef>,
    /// Each reduction variable's domain (index into `rdoms`).
    rvars: HashMap<String, usize>,
    /// Whether reduction variables may appear here (updates, inline reductions, predicates).
    rvars_allowed: bool,
    /// The views of more than one dimension whose `len()` the kernel uses.
    pub lens: Vec<String>,
    /// Lowering the bounds of a reduction domain (for the messages of unknown names).
    in_domain_bounds: bool,
    /// Typing the condition of a `specialize` (unknown names get their own hint).
    in_condition: bool,
    /// Checking a predicate where it is written: a name that is nothing else may be a pure
    /// variable of the definitions that use the domain (checked again there).
    open_pure: bool,
    /// Anonymous Funcs made so far (for unique names).
    anon: usize,
    /// Intermediates whose pure definition is a literal typed by default (`s(y) = 0.0;`): the
    /// first update may give them its type instead ("the type of its other definitions").
    literal_init: HashMap<String, syn::Expr>,
    /// Funcs whose definition had an error (already reported): uses of them are not
    /// reported again as unknown.
    broken: Vec<String>,
    /// The Func whose pure definition is being read (it cannot call itself).
    defining: Option<String>,
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
        // A `macro_rules!` fragment (`as $t` with `$t:ty`).
        syn::Type::Group(g) => type_name_of(&g.elem),
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
            update_of: None,
            expanding: vec![],
            kind_stack: Default::default(),
            attempted: vec![],
            directives: vec![],
            rdoms: vec![],
            rvars: HashMap::new(),
            rvars_allowed: false,
            lens: Vec::new(),
            in_domain_bounds: false,
            in_condition: false,
            open_pure: false,
            anon: 0,
            literal_init: HashMap::new(),
            broken: Vec::new(),
            defining: None,
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

    /// For `g_3` where `g_0`, `g_1`, .. are defined (a Func family `g[j]`), the members that
    /// exist so far.
    fn family_hint(&self, name: &str) -> String {
        let Some((base, k)) = name.rsplit_once('_') else {
            return String::new();
        };
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_digit()) {
            return String::new();
        }
        let members: Vec<&str> = self
            .funcs
            .iter()
            .map(|f| &*f.name)
            .filter(|n| {
                n.strip_prefix(base)
                    .and_then(|r| r.strip_prefix('_'))
                    .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        if members.is_empty() {
            return String::new();
        }
        format!(
            " (`{base}[{k}]`: the family `{base}` defines {} so far)",
            members.join(", ")
        )
    }

    /// Whether Funcs `name_0`, `name_1`, .. (members of a family `name[j]`) exist.
    fn is_family(&self, name: &str) -> bool {
        self.funcs.iter().any(|f| {
            f.name
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('_'))
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        })
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
        p.sort_funcs();
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
            let d = crate::sched::parse(m.tokens.clone(), self);
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
        if let (syn::Pat::Tuple(t), Some(init)) = (&l.pat, &l.init) {
            // `let (a, b) = (e1, e2);` binds each name, as in Rust.
            if let syn::Expr::Tuple(v) = peel(&init.expr) {
                if v.elems.len() != t.elems.len() {
                    return self.err(
                        &l.pat,
                        format!("{} name(s) for {} value(s)", t.elems.len(), v.elems.len()),
                    );
                }
                let mut result = Ok(());
                for (p, e) in t.elems.iter().zip(&v.elems) {
                    let mut one = l.clone();
                    one.pat = p.clone();
                    if let Some(i) = one.init.as_mut() {
                        *i.expr = e.clone();
                    }
                    if self.local(&one).is_err() {
                        result = Err(Reported);
                    }
                }
                return result;
            }
            let pats: Vec<&syn::Pat> = t.elems.iter().collect();
            let r = self.rdom(&pats, &init.expr, &l.pat);
            if r.is_err() {
                // Reported once: later uses of its variables are not errors of their own.
                self.broken.extend(pats.iter().filter_map(|p| match p {
                    syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                    _ => None,
                }));
            }
            return r;
        }
        if let syn::Pat::Type(pt) = &l.pat {
            if let syn::Pat::Ident(pi) = &*pt.pat {
                // Reported here: later uses of the name are not errors of their own.
                self.broken.push(pi.ident.to_string());
            }
            return self.err(
                &pt.ty,
                "a `let` in a kernel takes no type: write `let t = expr;` (it has its value's type; convert the value with `as`, e.g. `let t = a(y, x) as f32;`)",
            );
        }
        let syn::Pat::Ident(pi) = &l.pat else {
            return self.err(
                &l.pat,
                "expected `let name = ...;` or a reduction domain `let (ry, rx) = rdom(..);`",
            );
        };
        let name = pi.ident.to_string();
        let Some(init) = &l.init else {
            return self.err(l, "a `let` in a kernel needs a value: `let t = expr;`");
        };
        if init.diverge.is_some() {
            return self.err(l, "`let .. else` is not supported in a kernel");
        }
        if is_reserved(&name) {
            return self.err(&pi.ident, RESERVED_NAME);
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
        if self.rvars.contains_key(&name) {
            // Reduction variables are not `let` bindings: the binding would be ignored where
            // the domain's variable is meant.
            return self.err(
                &pi.ident,
                format!("`{name}` is already a reduction variable; choose another name for this binding"),
            );
        }
        let e = peel(&init.expr);
        if let syn::Expr::Call(c) = e {
            if let Some(f) = ident_of(&c.func) {
                let fname = f.to_string();
                if let Some(kind) = boundary::Kind::from_name(&fname) {
                    let r = self.boundary(&name, kind, c);
                    if r.is_err() {
                        // Reported once: later calls of it are not errors of their own.
                        self.broken.push(name);
                    }
                    return r;
                }
                if fname == "rdom" {
                    let pat = syn::Pat::Ident(pi.clone());
                    let r = self.rdom(&[&pat], e, &l.pat);
                    if r.is_err() {
                        // Reported once: later uses of `name` are not errors of their own.
                        self.broken.push(name);
                    }
                    return r;
                }
            }
        }
        let mut e = e.clone();
        if self.bindings.contains_key(&name) {
            // `let t = t * 2 + 1;` shadows as in Rust: the `t` on the right is the earlier
            // binding, kept under a generated name.
            let fresh = (1..)
                .map(|k| format!("{name}__shadow{k}"))
                .find(|f| !self.bindings.contains_key(f))
                .expect("a free name");
            if rename(&mut e, &name, &fresh) {
                let old = self.bindings.remove(&name).expect("checked above");
                self.bindings.insert(fresh, old);
            }
        }
        self.bindings.insert(name, Binding::Expr(e));
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
            syn::Expr::MethodCall(m) if m.method == "where_" => return self.predicate(m),
            syn::Expr::Return(_) => {
                return self.err(e, "a kernel body has no `return`: the generated function returns `Ok(())` itself, or an `Err` before writing anything; remove this statement")
            }
            syn::Expr::Call(c) if ident_of(&c.func).is_some_and(|i| i == "Ok" || i == "Err") => {
                return self.err(e, "a kernel body needs no `Ok(..)` or `Err(..)`: the generated function returns `Ok(())` itself, or an `Err` before writing anything; remove this statement")
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
        if is_reserved(&name) {
            return self.err(fid, RESERVED_NAME);
        }
        if let Some(op) = compound {
            if !self.is_defined(&name) {
                // Its later uses are not errors of their own.
                if !self.broken.contains(&name) {
                    self.broken.push(name.clone());
                }
                return self.err(op, format!("`{name}` has no pure definition yet: write `{name}(..) = initial value;` before updating it"));
            }
        }
        if self.is_defined(&name) {
            if is_reserved(&name)
                || self
                    .funcs
                    .iter()
                    .any(|f| *f.name == *name && f.args.iter().any(|a| a.contains('.')))
            {
                return self.err(
                    fid,
                    format!("`{name}` is a boundary condition; it cannot be updated"),
                );
            }
            let op = compound.map(|op| match op {
                syn::BinOp::AddAssign(_) => BinOp::Add,
                syn::BinOp::SubAssign(_) => BinOp::Sub,
                syn::BinOp::MulAssign(_) => BinOp::Mul,
                _ => BinOp::Div,
            });
            return self.update(&name, call, rhs, op.map(|o| (o, compound.unwrap())));
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
                    } else if is_reserved(&vn) {
                        self.errors.spanned(a, RESERVED_NAME);
                        bad = true;
                    } else if self.rvars.contains_key(&vn) {
                        self.errors.spanned(a, format!("`{vn}` is a reduction variable; a pure definition takes new variable names (reduction variables belong in update definitions: `{name}(..) += ..`)"));
                        bad = true;
                    } else if self.bindings.contains_key(&vn) {
                        self.errors.spanned(a, format!("`{vn}` is a `let` binding above; as a variable of `{name}` it would hide the binding in this definition (and in the bindings it uses): rename the binding or the variable"));
                        bad = true;
                    }
                    vars.push(vn);
                }
                None => {
                    // A kernel `for` replaces its variable by the value (`f[j](j) = ..`).
                    let loop_var = if matches!(peel(a), syn::Expr::Lit(_)) {
                        "; a constant here may be the variable of a kernel `for` loop, which stands for its value inside the loop: name the pure variable differently"
                    } else {
                        ""
                    };
                    self.errors.spanned(a, format!("the arguments of a pure definition must be distinct variables; computed indices belong in an update definition after it (`{name}(..) = init; {name}(index) += ..;`){loop_var}"));
                    bad = true;
                }
            }
        }
        if bad {
            // Later reads of `name` would only repeat the error as "unknown Func".
            self.broken.push(name);
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
        self.defining = Some(name.clone());
        // `f(y) = sum(e);`: `f` itself becomes the reduction.
        let folded = match peel(rhs) {
            syn::Expr::Call(c) => match ident_of(&c.func) {
                Some(id)
                    if !self.is_defined(&id.to_string())
                        && !self.inputs.contains_key(&id.to_string()) =>
                {
                    Reduction::from_name(&id.to_string())
                        .filter(|r| !matches!(r, Reduction::Argmax | Reduction::Argmin))
                        .map(|r| (r, c))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((red, c)) = folded {
            let r = self.reduction_parts(red, c, output.map(|o| o.0));
            self.pure.clear();
            self.defining = None;
            let Ok((e, rvars, predicates)) = r else {
                self.broken.push(name.clone());
                return Err(Reported);
            };
            let ty = e.ty();
            if let Some((t, _, _)) = output {
                if ty != t {
                    return self.err(rhs, format!("`{name}` holds `{t}` but this value is `{ty}`; convert it with `as {t}`"));
                }
            }
            let args: Vec<Expr> = vars
                .iter()
                .map(|v| Expr::var(v.as_str(), Type::I32))
                .collect();
            let me = Expr::call(CallKind::Func, name.as_str(), args.clone(), ty);
            let origin = self.origins.of(lhs);
            self.funcs.push(Func {
                name: name.as_str().into(),
                args: vars.iter().map(|v| v.as_str().into()).collect(),
                ty,
                value: red.init(ty),
                updates: vec![halite_core::Update {
                    args,
                    value: red.step(me, e),
                    rvars,
                    predicates,
                    origin: self.origins.of(c),
                }],
                output: output.map(|o| o.2),
                origin,
            });
            return Ok(());
        }
        let value = self.expr(rhs, output.map(|o| o.0));
        self.pure.clear();
        self.defining = None;
        let Ok(mut value) = value else {
            self.broken.push(name.clone());
            return Err(Reported);
        };
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
        if output.is_none() && self.literal_kind(rhs).is_some() {
            self.literal_init.insert(name.clone(), rhs.clone());
        }
        self.funcs.push(Func {
            name: name.as_str().into(),
            args: vars.iter().map(|v| v.as_str().into()).collect(),
            ty,
            value,
            updates: vec![],
            output: output.map(|o| o.2),
            origin,
        });
        Ok(())
    }

    /// Whether any Func defined so far calls `name` (other than its own updates).
    fn is_called(&self, name: &str) -> bool {
        self.funcs.iter().filter(|f| *f.name != *name).any(|f| {
            f.exprs()
                .iter()
                .any(|e| halite_schedule::schedule::calls(e, name))
        })
    }

    /// `let r = rdom(a..b);` / `let (ry, rx) = rdom(a..b, c..d);`
    fn rdom(&mut self, names: &[&syn::Pat], init: &syn::Expr, pat: &syn::Pat) -> R<()> {
        let usage = "a reduction domain is `let r = rdom(0..n);` or `let (ry, rx) = rdom(0..h, 0..w);`, one range per variable";
        let syn::Expr::Call(c) = peel(init) else {
            return self.err(init, usage);
        };
        if ident_of(&c.func).is_none_or(|f| f != "rdom") {
            return self.err(init, usage);
        }
        if c.args.len() != names.len() || c.args.is_empty() {
            return self.err(
                pat,
                format!(
                    "{} name(s) for {} range(s): {usage}",
                    names.len(),
                    c.args.len()
                ),
            );
        }
        let mut vars = Vec::new();
        let mut ok = true;
        for (p, a) in names.iter().zip(&c.args) {
            let syn::Pat::Ident(pi) = p else {
                self.errors.spanned(p, usage);
                ok = false;
                continue;
            };
            let n = pi.ident.to_string();
            if is_reserved(&n) {
                self.errors.spanned(&pi.ident, RESERVED_NAME);
                ok = false;
                continue;
            }
            if self.name_taken(&n) || vars.iter().any(|(v, _, _)| *v == n) {
                self.errors.spanned(
                    &pi.ident,
                    format!("`{n}` is already a name in this kernel; choose another name"),
                );
                ok = false;
                continue;
            }
            match self.domain_range(a, usage) {
                Ok((lo, extent)) => vars.push((n, lo, extent)),
                Err(Reported) => ok = false,
            }
        }
        if !ok {
            return Err(Reported);
        }
        let k = self.rdoms.len();
        for (n, _, _) in &vars {
            self.rvars.insert(n.clone(), k);
        }
        self.rdoms.push(RDomDef {
            vars,
            predicates: vec![],
            used: false,
            lowering_predicate: false,
        });
        Ok(())
    }

    /// Whether `n` already names a parameter, a Func, a `let` binding or a reduction variable.
    fn name_taken(&self, n: &str) -> bool {
        self.scalars.contains_key(n)
            || self.inputs.contains_key(n)
            || self.outputs.contains_key(n)
            || self.is_defined(n)
            || self.bindings.contains_key(n)
            || self.rvars.contains_key(n)
    }

    /// One range of a reduction domain, `min..end` or `min..=last`: its minimum and extent.
    /// Its bounds may use parameters and extents, not pure variables.
    fn domain_range(&mut self, a: &syn::Expr, usage: &str) -> R<(Expr, Expr)> {
        let syn::Expr::Range(r) = peel(a) else {
            return self.err(
                a,
                format!("expected a range `min..end` (or `min..=last`): {usage}"),
            );
        };
        let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
            return self.err(a, "a reduction range needs both ends: `0..n`");
        };
        // (Inside an expression, the definition's pure variables are in scope but not here.)
        for bound in [lo, hi] {
            let tokens = quote::ToTokens::to_token_stream(&**bound);
            if let Some(v) = first_ident(tokens, &self.pure) {
                return self.err(&**bound, format!("the bounds of a reduction domain cannot use the pure variable `{v}`: they hold for every point of the definition (use parameters and extents; restrict the domain per point with `r.where_(..)`)"));
            }
        }
        let saved = std::mem::take(&mut self.pure);
        let rv = std::mem::replace(&mut self.rvars_allowed, false);
        let inside = std::mem::replace(&mut self.in_domain_bounds, true);
        let lo_e = self.expr(lo, Some(Type::I32));
        let hi_e = self.expr(hi, Some(Type::I32));
        self.in_domain_bounds = inside;
        self.rvars_allowed = rv;
        self.pure = saved;
        let (lo_e, hi_e) = (lo_e?, hi_e?);
        let mut bad = false;
        for (node, e) in [(lo, &lo_e), (hi, &hi_e)] {
            let mut read = None;
            e.visit(&mut |x| {
                if let halite_core::ExprNode::Call { name, .. } = x.node() {
                    read.get_or_insert_with(|| name.clone());
                }
            });
            if let Some(name) = read {
                let what = if is_reserved(&name) {
                    "an inline reduction".to_string()
                } else {
                    format!("`{name}`")
                };
                self.errors.spanned(node, format!("the bounds of a reduction domain are fixed for the whole call: they can use scalar parameters and buffer extents, but this one reads {what}; bound the domain by an extent and keep the points you want with a predicate instead (`r.where_(r < a(0))`)"));
                bad = true;
                continue;
            }
            if e.ty() != Type::I32 {
                self.errors.spanned(node, format!("the bounds of a reduction domain are `i32`, found `{}`; convert with `as i32`", e.ty()));
                bad = true;
            }
        }
        if bad {
            return Err(Reported);
        }
        let end = if matches!(r.limits, syn::RangeLimits::Closed(_)) {
            hi_e.add(Expr::i32(1))
        } else {
            hi_e
        };
        let extent = halite_core::simplify(&end.sub(lo_e.clone()));
        Ok((lo_e, extent))
    }

    /// `rdom(a..b)` inside an expression (`sum(f(x + rdom(0..3)))`): a one-dimensional domain
    /// of its own, as if declared by a `let` before the definition, under a generated name
    /// (`rdom0`, `rdom1`, ..: the names of its loops in schedules and the loop nest).
    fn inline_domain(&mut self, c: &syn::ExprCall) -> R<Expr> {
        if !self.rvars_allowed {
            return self.err(c, "`rdom(..)` here is a reduction variable: use it in an update definition (`f(..) += ..`) or an inline reduction (`sum(..)`), not in a pure definition");
        }
        if c.args.len() != 1 {
            return self.err(c, "an `rdom(..)` inside an expression is one-dimensional, `rdom(0..n)`; declare a larger domain first: `let (ry, rx) = rdom(0..h, 0..w);`");
        }
        let (lo, extent) = self.domain_range(&c.args[0], "`rdom(0..n)`")?;
        let mut k = 0;
        let name = loop {
            let n = format!("rdom{k}");
            if !(self.name_taken(&n) || self.pure.contains(&n)) {
                break n;
            }
            k += 1;
        };
        self.rvars.insert(name.clone(), self.rdoms.len());
        self.rdoms.push(RDomDef {
            vars: vec![(name.clone(), lo, extent)],
            predicates: vec![],
            used: false,
            lowering_predicate: false,
        });
        Ok(Expr::var(name, Type::I32))
    }

    /// `r.where_(cond);`
    fn predicate(&mut self, m: &syn::ExprMethodCall) -> R<()> {
        let Some(k) = ident_of(&m.receiver).and_then(|r| self.rvars.get(&r.to_string()).copied())
        else {
            return self.err(&m.receiver, "`where_` restricts a reduction domain: call it on one of its variables, `r.where_(cond);`");
        };
        if self.rdoms[k].used {
            return self.err(m, format!("`{}.where_(..)` comes after a definition that runs over its domain: a predicate restricts every use of the domain, so write it before the first definition or reduction that uses `{}` (right after its `rdom`)", quote::ToTokens::to_token_stream(&m.receiver), quote::ToTokens::to_token_stream(&m.receiver)));
        }
        if m.args.len() != 1 {
            return self.err(
                m,
                "`where_` takes one `bool` condition: `r.where_(r % 2 == 0);`",
            );
        }
        // Check it now; it is lowered again where used, where its other names must be pure
        // variables of the definition (`r.where_(r <= x)` in `out(y, x) = sum(a(y, r))`).
        let saved = std::mem::take(&mut self.pure);
        let was = std::mem::replace(&mut self.rvars_allowed, true);
        self.open_pure = true;
        self.rdoms[k].lowering_predicate = true;
        let c = self.expr(&m.args[0], Some(Type::Bool));
        self.rdoms[k].lowering_predicate = false;
        self.open_pure = false;
        self.rvars_allowed = was;
        self.pure = saved;
        let c = c?;
        if c.ty() != Type::Bool {
            return self.err(
                &m.args[0],
                format!("a predicate must be `bool`, found `{}`", c.ty()),
            );
        }
        self.rdoms[k].predicates.push(m.args[0].clone());
        Ok(())
    }

    /// The reduction variables a definition runs over, in declaration order, and the lowered
    /// predicates that apply to them. An update (`inline: None`) runs over every variable of
    /// each domain with a variable free in `exprs` (Halide's meaning); an inline reduction
    /// (`Some((call, name))`) over only the variables free in its argument (DESIGN.md), and
    /// then a predicate over other variables of their domain only does not apply, and one that
    /// mixes both kinds is an error (which loops it filters is ambiguous). Either way a
    /// predicate over no reduction variable applies, and one naming a variable of another
    /// domain that the definition does not run over is an error (it would have no loop).
    fn domains_of(
        &mut self,
        exprs: &[&Expr],
        inline: Option<(&syn::ExprCall, &str)>,
    ) -> R<(Vec<halite_core::RVar>, Vec<Expr>)> {
        let mut free = Vec::new();
        for e in exprs {
            free_vars(e, &|n| self.rvars.contains_key(n), &mut free);
        }
        let mut domains: Vec<usize> = free.iter().map(|n| self.rvars[n]).collect();
        domains.sort();
        domains.dedup();
        if inline.is_none() {
            free = domains
                .iter()
                .flat_map(|&k| self.rdoms[k].vars.iter().map(|(n, _, _)| n.clone()))
                .collect();
        }
        if let Some(&k) = domains.iter().find(|&&k| self.rdoms[k].lowering_predicate) {
            let r = self.rdoms[k].vars[0].0.clone();
            let msg = |what: &str| {
                format!("{what} reduces over the domain of `{r}` inside a predicate of that same domain, so which points the domain keeps would depend on itself: reduce over a separate domain (`let q = rdom(..);`) in the predicate")
            };
            match inline {
                Some((call, what)) => self.errors.spanned(call, msg(&format!("`{what}` here"))),
                None => self.errors.push(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    msg("a definition"),
                )),
            }
            return Err(Reported);
        }
        for &k in &domains {
            self.rdoms[k].used = true;
        }
        let mut rvars = Vec::new();
        let mut preds = Vec::new();
        for &k in &domains {
            for (n, lo, ext) in &self.rdoms[k].vars {
                if free.contains(n) {
                    rvars.push(halite_core::RVar {
                        name: n.as_str().into(),
                        min: lo.clone(),
                        extent: ext.clone(),
                    });
                }
            }
            let ps = self.rdoms[k].predicates.clone();
            for p in &ps {
                let was = std::mem::replace(&mut self.rvars_allowed, true);
                self.rdoms[k].lowering_predicate = true;
                let c = self.expr(p, Some(Type::Bool));
                self.rdoms[k].lowering_predicate = false;
                self.rvars_allowed = was;
                let c = c?;
                // The reduction variables the predicate names, of any domain.
                let mut mentioned = Vec::new();
                free_vars(&c, &|n| self.rvars.contains_key(n), &mut mentioned);
                let (inside, outside): (Vec<&String>, Vec<&String>) =
                    mentioned.iter().partition(|n| free.contains(n));
                if let Some(o) = outside.iter().find(|n| self.rvars[**n] != k) {
                    let (who, place) = match inline {
                        Some((_, what)) => (format!("`{what}` here"), "its argument"),
                        None => ("this definition".to_string(), "the definition"),
                    };
                    return self.err(p, format!("this predicate mentions `{o}`, a reduction variable of another domain, which {who} does not run over: use `{o}` in {place} too, or declare the variables in one `rdom`"));
                }
                match (inside.is_empty(), outside.first(), inline) {
                    // Over variables this reduction does not run over only.
                    (true, Some(_), _) => {}
                    (false, Some(o), Some((call, what))) => {
                        let over: Vec<String> =
                            rvars.iter().map(|r| format!("`{}`", r.name)).collect();
                        return self.err(
                            call,
                            format!(
                                "`{what}` reduces over the reduction variables that occur in its argument ({}), but a predicate of their domain, `{}`, also mentions `{o}`: use `{o}` in the argument to reduce over it too, or declare a separate `rdom` for the variables this reduction runs over",
                                over.join(", "),
                                quote::ToTokens::to_token_stream(p)
                            ),
                        );
                    }
                    // Over the variables it runs over, or over none (pure variables,
                    // parameters, reads): it applies.
                    _ => preds.push(c),
                }
            }
        }
        Ok((rvars, preds))
    }

    /// An update definition `name(args) = rhs;` or `name(args) op= rhs;`.
    fn update(
        &mut self,
        name: &str,
        call: &syn::ExprCall,
        rhs: &syn::Expr,
        compound: Option<(BinOp, &syn::BinOp)>,
    ) -> R<()> {
        let fi = self.funcs.iter().position(|f| *f.name == *name).unwrap();
        let fargs: Vec<String> = self.funcs[fi].args.iter().map(|a| a.to_string()).collect();
        let fty = self.funcs[fi].ty;
        if call.args.len() != fargs.len() {
            return self.err(
                &call.args,
                format!(
                    "`{name}` has {} dimension(s) but this update gives {} index(es)",
                    fargs.len(),
                    call.args.len()
                ),
            );
        }
        // Pure dimensions: the Func's own variable at its own position.
        let mut pure_here = Vec::new();
        for (d, a) in call.args.iter().enumerate() {
            if let Some(id) = ident_of(a) {
                let n = id.to_string();
                if n == fargs[d] {
                    pure_here.push(n);
                    continue;
                }
                if let Some(k) = fargs.iter().position(|x| *x == n) {
                    if !self.rvars.contains_key(&n)
                        && !self.bindings.contains_key(&n)
                        && !self.scalars.contains_key(&n)
                    {
                        return self.err(a, format!("`{n}` is the pure variable of dimension {k} of `{name}`; in an update, a pure variable can only be the whole index at its own position"));
                    }
                }
            }
        }
        self.pure = pure_here.clone();
        let mark = self.funcs.len();
        let was = std::mem::replace(&mut self.rvars_allowed, true);
        self.update_of = Some((name.to_string(), fargs.clone()));
        let r = self.update_inner(name, call, rhs, compound, &fargs, fty);
        self.update_of = None;
        self.rvars_allowed = was;
        self.pure.clear();
        let (args, value) = r?;
        let (rvars, predicates) = {
            self.pure = pure_here;
            self.rvars_allowed = true;
            let r = self.domains_of(
                &args
                    .iter()
                    .chain(std::iter::once(&value))
                    .collect::<Vec<_>>(),
                None,
            );
            self.rvars_allowed = was;
            self.pure.clear();
            r?
        };
        let exprs: Vec<&Expr> = std::iter::once(&value).chain(&predicates).collect();
        self.check_self_reads(name, &fargs, &args, &exprs, rhs)?;
        self.check_not_read_yet(name, mark, call)?;
        let origin = self.origins.of(call);
        self.funcs[fi].updates.push(halite_core::Update {
            args,
            value,
            rvars,
            predicates,
            origin,
        });
        Ok(())
    }

    fn update_inner(
        &mut self,
        name: &str,
        call: &syn::ExprCall,
        rhs: &syn::Expr,
        compound: Option<(BinOp, &syn::BinOp)>,
        fargs: &[String],
        fty: Type,
    ) -> R<(Vec<Expr>, Expr)> {
        let mut args = Vec::new();
        let mut ok = true;
        for (d, a) in call.args.iter().enumerate() {
            if ident_of(a).is_some_and(|i| i == fargs[d].as_str()) {
                args.push(Expr::var(fargs[d].as_str(), Type::I32));
                continue;
            }
            match self.expr(a, Some(Type::I32)) {
                Ok(x) if x.ty() != Type::I32 => {
                    self.errors.spanned(
                        a,
                        format!(
                            "indices are `i32`, found `{}`; convert with `as i32`",
                            x.ty()
                        ),
                    );
                    ok = false;
                }
                // A computed index may use the update's pure variables (Halide's bilateral
                // grid scatters into `histogram(c, zi, y, x)` with `zi` a function of `y`
                // and `x`): writes for different values of a pure variable still differ in
                // that variable's own position, so they never collide.
                Ok(x) => args.push(x),
                Err(_) => ok = false,
            }
        }
        let mut fty = fty;
        let rhs_v = match self.literal_init.remove(name) {
            Some(init) if self.literal_kind(rhs).is_none() && !self.is_called(name) => {
                // `s(y) = 0.0; s(y) += a(y, r);`: the literal takes the type that makes the
                // update well typed (its own default first).
                let fi = self.funcs.iter().position(|f| *f.name == *name).unwrap();
                let candidates: Vec<Type> = match self.literal_kind(&init) {
                    Some(LitKind::Int) => vec![
                        fty,
                        Type::F32,
                        Type::F64,
                        Type::I32,
                        Type::I64,
                        Type::U8,
                        Type::U16,
                        Type::U32,
                        Type::U64,
                        Type::I8,
                        Type::I16,
                    ],
                    _ => vec![fty, Type::F32, Type::F64],
                };
                let mark = self.errors.len();
                let mut found = None;
                for t in candidates {
                    self.funcs[fi].ty = t;
                    let v = self.expr(rhs, Some(t));
                    let clean = self.errors.len() == mark;
                    self.errors.truncate(mark);
                    if let (Ok(v), true) = (v, clean) {
                        if v.ty() == t {
                            found = Some((t, v));
                            break;
                        }
                    }
                }
                self.funcs[fi].ty = fty;
                match found {
                    Some((t, v)) => {
                        if t != fty {
                            let iv = self.expr(&init, Some(t))?;
                            self.funcs[fi].value = iv.with_origin(self.funcs[fi].value.origin());
                            self.funcs[fi].ty = t;
                            fty = t;
                        }
                        Ok(v)
                    }
                    None => self.expr(rhs, Some(fty)),
                }
            }
            _ => self.expr(rhs, Some(fty)),
        };
        if !ok {
            return Err(Reported);
        }
        let rhs_v = rhs_v?;
        if rhs_v.ty() != fty {
            return self.err(
                rhs,
                format!(
                    "`{name}` holds `{fty}` but this value is `{}`; convert it with `as {fty}`",
                    rhs_v.ty()
                ),
            );
        }
        let value = match compound {
            None => rhs_v,
            Some((op, tok)) => {
                self.need_arith(tok, fty, &format!("`{}=`", op.symbol()))?;
                let me = Expr::call(CallKind::Func, name, args.clone(), fty)
                    .with_origin(self.origins.of(call));
                Expr::binary(op, me, rhs_v)
            }
        }
        .with_origin(self.origins.of(rhs));
        Ok((args, value))
    }

    /// Self-reads of an update of `name` (in its value, indices and predicates) keep the pure
    /// variables at their own positions: the updates of different values of a pure variable
    /// run independently (in parallel, in vectors, in any order), so one may not read
    /// another's point. Errors at the read (the value's span where a read has no origin).
    fn check_self_reads(
        &mut self,
        name: &str,
        fargs: &[String],
        args: &[Expr],
        exprs: &[&Expr],
        rhs: &syn::Expr,
    ) -> R<()> {
        let pure_dims: Vec<bool> = args
            .iter()
            .zip(fargs)
            .map(|(a, v)| a.as_var() == Some(v.as_str()))
            .collect();
        let mut bad: Option<(halite_core::Origin, String)> = None;
        for e in args.iter().chain(exprs.iter().copied()) {
            e.visit(&mut |e| {
                if let halite_core::ExprNode::Call { kind: CallKind::Func, name: n, args: a } = e.node() {
                    if **n == *name && bad.is_none() {
                        for (d, x) in a.iter().enumerate() {
                            if pure_dims[d] && x.as_var() != Some(fargs[d].as_str()) {
                                bad = Some((e.origin(), format!("this update of `{name}` reads `{name}` at another point of dimension {d}: a self-read (in the value, an index or a predicate of the update) must use the pure variable `{}` unchanged at its own position (the updates of different `{}` run independently)", fargs[d], fargs[d])));
                            }
                        }
                    }
                }
            });
        }
        match bad {
            None => Ok(()),
            Some((o, m)) if o == halite_core::Origin::NONE => self.err(rhs, m),
            Some((o, m)) => {
                self.errors.push(self.origins.error(o, &m));
                Err(Reported)
            }
        }
    }

    /// A Func read by another Func is final from then on (Halide's rule: it "cannot be given
    /// a new update definition"): the reader sees all of its definitions, so an update after
    /// the read would make the two depend on each other. `mark` is the number of Funcs before
    /// this update of `name` (the ones after it are its own inline reductions).
    fn check_not_read_yet(&mut self, name: &str, mark: usize, call: &syn::ExprCall) -> R<()> {
        let reader = self.funcs.iter().enumerate().find(|(_, f)| {
            *f.name != *name
                && halite_core::Pipeline::callees(f)
                    .iter()
                    .any(|(k, n)| *k == CallKind::Func && **n == *name)
        });
        let Some((i, f)) = reader else { return Ok(()) };
        let anon = f.name.contains("__");
        let what = |f: &Func| match f.name.split_once("__") {
            Some((red, _)) => format!("an inline reduction (`{red}(..)`)"),
            None => format!("`{}`", f.name),
        };
        if i >= mark {
            let m = format!("this inline reduction reads `{name}` inside an update of `{name}`: an inline reduction is a Func of its own, and a Func read by another Func cannot be updated after that read (as in Halide). Give what it reads a Func of its own (`base(..) = ..;`) and reduce over that, or make the reduction an update of its own (`{name}(..) += ..` over the domain)");
            self.errors.push(self.origins.error(f.origin, &m));
            return Err(Reported);
        }
        let m = format!(
            "`{name}` is read by {} above, so it cannot be updated here: a Func read by another Func is final from that read on (as in Halide; the reader would see this update, which may read the reader). Move this update above {}, or update a new Func",
            what(f),
            if anon { "that reduction".to_string() } else { format!("the definition of `{}`", f.name) }
        );
        self.err(&call.func, m)
    }

    /// Lowers the argument of an inline reduction: the value, its domains and predicates.
    fn reduction_parts(
        &mut self,
        red: Reduction,
        c: &syn::ExprCall,
        expected: Option<Type>,
    ) -> R<(Expr, Vec<halite_core::RVar>, Vec<Expr>)> {
        let name = red.name();
        if c.args.len() != 1 {
            return self.err(
                c,
                format!("`{name}` takes one expression: `{name}(f(y, r))`"),
            );
        }
        let was = std::mem::replace(&mut self.rvars_allowed, true);
        let e = self.expr(&c.args[0], expected);
        self.rvars_allowed = was;
        let e = e?;
        self.need_arith(&c.args[0], e.ty(), &format!("`{name}`"))?;
        let (rvars, preds) = self.domains_of(&[&e], Some((c, name)))?;
        if rvars.is_empty() {
            return self.err(c, format!("`{name}(..)` reduces over the reduction variables in its argument, and this one has none: declare `let r = rdom(0..n);` and use `r` inside"));
        }
        if matches!(red, Reduction::Argmax | Reduction::Argmin) && rvars.len() != 1 {
            return self.err(
                c,
                format!(
                    "`{name}` gives a position along one reduction variable, and its argument uses {}: {}",
                    rvars.len(),
                    rvars.iter().map(|r| format!("`{}`", r.name)).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        Ok((e, rvars, preds))
    }

    /// `sum(e)` and friends inside an expression: an anonymous Func over the pure variables
    /// that `e` uses, called at those variables.
    fn inline_reduction(&mut self, red: Reduction, c: &syn::ExprCall) -> R<Expr> {
        let (e, rvars, preds) = self.reduction_parts(red, c, None)?;
        let mut used = Vec::new();
        let pure = self.pure.clone();
        for x in std::iter::once(&e)
            .chain(&preds)
            .chain(rvars.iter().flat_map(|r| [&r.min, &r.extent]))
        {
            free_vars(x, &|n| pure.iter().any(|p| p == n), &mut used);
        }
        let args: Vec<String> = pure.iter().filter(|p| used.contains(p)).cloned().collect();
        let arg_exprs: Vec<Expr> = args
            .iter()
            .map(|a| Expr::var(a.as_str(), Type::I32))
            .collect();
        let origin = self.origins.of(c);
        let t = e.ty();
        let anon =
            |me: &mut Self, what: &str, ty: Type, init: Expr, step: &dyn Fn(Expr) -> Expr| {
                let fname = format!("{what}__{}", me.anon);
                me.anon += 1;
                let this = Expr::call(CallKind::Func, fname.as_str(), arg_exprs.clone(), ty);
                me.funcs.push(Func {
                    name: fname.as_str().into(),
                    args: args.iter().map(|a| a.as_str().into()).collect(),
                    ty,
                    value: init,
                    updates: vec![halite_core::Update {
                        args: arg_exprs.clone(),
                        value: step(this.clone()),
                        rvars: rvars.clone(),
                        predicates: preds.clone(),
                        origin,
                    }],
                    output: None,
                    origin,
                });
                this
            };
        match red {
            Reduction::Argmax | Reduction::Argmin => {
                let best = anon(
                    self,
                    if red == Reduction::Argmax {
                        "maximum"
                    } else {
                        "minimum"
                    },
                    t,
                    red.init(t),
                    &|acc| red.step(acc, e.clone()),
                );
                // The first position where `e` equals the extreme; the domain's first position
                // if there is none (an empty domain, or only NaNs).
                let r = Expr::var(rvars[0].name.clone(), Type::I32);
                let none = Expr::i32(i32::MAX);
                let pos = Expr::select(e.clone().eq_(best), r, none.clone());
                let first = anon(self, red.name(), Type::I32, none.clone(), &|acc| {
                    acc.min(pos.clone())
                });
                // (`first` is then at most the domain's last position: the `min` changes no
                // value, and gives the result the domain's bounds for a read at it.)
                let last = rvars[0]
                    .min
                    .clone()
                    .add(rvars[0].extent.clone())
                    .sub(Expr::i32(1));
                Ok(Expr::select(
                    first.clone().eq_(none),
                    rvars[0].min.clone(),
                    first.min(last),
                ))
            }
            _ => Ok(anon(self, red.name(), t, red.init(t), &|acc| {
                red.step(acc, e.clone())
            })),
        }
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
            syn::Expr::Binary(b) => {
                use syn::BinOp as B;
                let arithmetic = matches!(
                    b.op,
                    B::Add(_) | B::Sub(_) | B::Mul(_) | B::Div(_) | B::Rem(_)
                );
                // Bit operations and shifts of integer literals (`1 << 40`) too.
                let bits = matches!(
                    b.op,
                    B::BitAnd(_) | B::BitOr(_) | B::BitXor(_) | B::Shl(_) | B::Shr(_)
                );
                if !arithmetic && !bits {
                    return None;
                }
                let (a, c) = (self.literal_kind(&b.left)?, self.literal_kind(&b.right)?);
                match (a == LitKind::Float || c == LitKind::Float, bits) {
                    (false, _) => Some(LitKind::Int),
                    (true, false) => Some(LitKind::Float),
                    (true, true) => None,
                }
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
        if t == Type::Bool {
            return self.err(node, format!("{what} needs numbers, found `bool`: convert it with `(..) as i32` (`true` is 1)"));
        }
        self.err(node, format!("{what} needs numbers, found `{t}`"))
    }

    /// A literal of the given type.
    /// `T::MAX`, `T::MIN` (every element type), `f32::INFINITY`, `NEG_INFINITY`, `NAN`,
    /// `EPSILON`, `MIN_POSITIVE`, and `[std::|core::]f32::consts::NAME`: a constant of type `T`.
    /// `None` when `e` is not such a path.
    fn type_constant(&mut self, e: &syn::Expr) -> Option<R<Expr>> {
        let syn::Expr::Path(p) = e else { return None };
        if p.qself.is_some() {
            return None;
        }
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let segs: Vec<&str> = segs.iter().map(|s| s.as_str()).collect();
        let segs = match segs.as_slice() {
            ["std" | "core", rest @ ..] => rest,
            s => s,
        };
        let (ty_name, consts, name) = match segs {
            [t, n] => (*t, false, *n),
            [t, "consts", n] => (*t, true, *n),
            _ => return None,
        };
        let ty = Type::from_name(ty_name)?;
        if ty.is_storage_float() || ty == Type::Bool {
            return None;
        }
        let v = if ty.is_float() {
            let f = |a: f32, b: f64| if ty == Type::F32 { a as f64 } else { b };
            use std::{f32::consts as c32, f64::consts as c64};
            let x = match (consts, name) {
                (false, "MAX") => f(f32::MAX, f64::MAX),
                (false, "MIN") => f(f32::MIN, f64::MIN),
                (false, "INFINITY") => f64::INFINITY,
                (false, "NEG_INFINITY") => f64::NEG_INFINITY,
                (false, "NAN") => f64::NAN,
                (false, "EPSILON") => f(f32::EPSILON, f64::EPSILON),
                (false, "MIN_POSITIVE") => f(f32::MIN_POSITIVE, f64::MIN_POSITIVE),
                (true, "PI") => f(c32::PI, c64::PI),
                (true, "TAU") => f(c32::TAU, c64::TAU),
                (true, "E") => f(c32::E, c64::E),
                (true, "LN_2") => f(c32::LN_2, c64::LN_2),
                (true, "LN_10") => f(c32::LN_10, c64::LN_10),
                (true, "SQRT_2") => f(c32::SQRT_2, c64::SQRT_2),
                (true, "FRAC_PI_2") => f(c32::FRAC_PI_2, c64::FRAC_PI_2),
                (true, "FRAC_1_SQRT_2") => f(c32::FRAC_1_SQRT_2, c64::FRAC_1_SQRT_2),
                (true, "LOG2_E") => f(c32::LOG2_E, c64::LOG2_E),
                _ => {
                    return Some(self.err(
                        e,
                        format!("unsupported constant `{}` in a kernel", segs.join("::")),
                    ))
                }
            };
            Value::from_f64(ty, x)?
        } else {
            let (lo, hi) = ty.int_range()?;
            match (consts, name) {
                (false, "MAX") => Value::from_i64(ty, hi as i64),
                (false, "MIN") => Value::from_i64(ty, lo as i64),
                _ => {
                    return Some(self.err(
                        e,
                        format!("unsupported constant `{}` in a kernel", segs.join("::")),
                    ))
                }
            }
        };
        Some(Ok(Expr::constant(v)))
    }

    /// An integer literal, negated for `-1` (so that `-2147483648` is an `i32`).
    fn int_literal(&mut self, i: &syn::LitInt, expected: Option<Type>, negate: bool) -> R<Expr> {
        let ty = if i.suffix().is_empty() {
            expected.unwrap_or(Type::I32)
        } else {
            match Type::from_name(i.suffix()) {
                Some(t) => t,
                None => return self.err(i, format!("unsupported literal suffix `{}`", i.suffix())),
            }
        };
        let Ok(v) = i
            .base10_parse::<i128>()
            .map(|v| if negate { -v } else { v })
        else {
            return self.err(i, "integer literal too large");
        };
        if ty.is_float() {
            return Ok(Expr::constant(Value::from_f64(ty, v as f64).unwrap()));
        }
        if ty.is_storage_float() {
            // A storage float constant (an exterior value, a stored literal): the nearest
            // value, as `half`'s `from_f64` rounds.
            return match Value::from_f64(ty, v as f64) {
                Some(c) if c.as_f64().is_finite() => Ok(Expr::constant(c)),
                _ => self.err(i, format!("literal out of range for `{ty}`")),
            };
        }
        if ty == Type::Bool {
            return self.err(i, "expected `bool`, found an integer literal (the `bool` literals are `true` and `false`; to compute with a `bool`, convert it: `(..) as i32`)");
        }
        let (lo, hi) = ty.int_range().unwrap();
        if v < lo || v > hi {
            return self.err(i, format!("literal out of range for `{ty}`"));
        }
        Ok(Expr::constant(Value::from_i64(ty, v as i64)))
    }

    fn literal(&mut self, lit: &syn::Lit, expected: Option<Type>) -> R<Expr> {
        match lit {
            syn::Lit::Bool(b) => Ok(Expr::bool(b.value)),
            syn::Lit::Int(i) => self.int_literal(i, expected, false),
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
                if ty.is_storage_float() {
                    let v = f
                        .base10_digits()
                        .parse::<f64>()
                        .ok()
                        .and_then(|v| Value::from_f64(ty, v));
                    return match v {
                        Some(c) if c.as_f64().is_finite() => Ok(Expr::constant(c)),
                        _ => self.err(f, format!("literal out of range for `{ty}`")),
                    };
                }
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

    /// The condition of `specialize(cond)`: a `bool` over scalar parameters and buffer
    /// extents (it is evaluated once, before anything runs). `None` once reported.
    pub fn condition(&mut self, e: &syn::Expr) -> Option<Expr> {
        let pure = std::mem::take(&mut self.pure);
        let rv = std::mem::replace(&mut self.rvars_allowed, false);
        let inside = std::mem::replace(&mut self.in_condition, true);
        let r = self.expr(e, Some(Type::Bool));
        self.in_condition = inside;
        self.pure = pure;
        self.rvars_allowed = rv;
        let c = r.ok()?;
        if c.ty() != Type::Bool {
            self.errors.spanned(
                e,
                format!("a specialization condition is a `bool`, not `{}`: compare it, e.g. `n % 16 == 0`", c.ty()),
            );
            return None;
        }
        let mut reads = None;
        c.visit(&mut |x| {
            if let halite_core::ExprNode::Call { name, .. } = x.node() {
                reads.get_or_insert(name.clone());
            }
        });
        if let Some(n) = reads {
            self.errors.spanned(
                e,
                format!("a specialization condition may use scalar parameters and buffer extents only, not the values of `{n}`"),
            );
            return None;
        }
        Some(c)
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
            syn::Expr::Unary(syn::ExprUnary {
                op: syn::UnOp::Neg(_),
                expr,
                ..
            }) if matches!(&**expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if !Type::from_name(i.suffix()).is_some_and(|t| t.is_unsigned_int())) =>
            {
                let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) = &**expr else {
                    unreachable!()
                };
                self.int_literal(i, expected, true)
            }
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
                    let t = quote::ToTokens::to_token_stream(&c.ty).to_string();
                    if t == "usize" || t == "isize" {
                        return self.err(&c.ty, format!("`{t}` is not a type of kernel values: indices are `i32` (write `as i32` to index a Func or buffer with another integer)"));
                    }
                    return self.err(&c.ty, "cast to one of u8 u16 u32 u64 i8 i16 i32 i64 f16 bf16 f32 f64");
                };
                let a = self.expr(&c.expr, None)?;
                let from = a.ty();
                if to == Type::Bool {
                    return self.err(&c.ty, "cannot cast to `bool`: compare instead, e.g. `x != 0`");
                }
                if from == Type::Bool && (to.is_float() || to.is_storage_float()) {
                    return self.err(c, format!("cannot cast `bool` to `{to}` (Rust has no such cast): go through an integer, `(b as i32) as {to}`, or select, `if b {{ 1.0 }} else {{ 0.0 }}`"));
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
            if let Some(c) = self.type_constant(e) {
                return c;
            }
            return self.err(e, "unsupported path in a kernel expression: use variables, parameters, `let` names or constants such as `f32::MAX`, `u8::MAX`, `f32::NEG_INFINITY`, `std::f32::consts::PI`");
        };
        let name = id.to_string();
        if self.pure.contains(&name) {
            return Ok(Expr::var(name, Type::I32));
        }
        if self.rvars.contains_key(&name) {
            if !self.rvars_allowed {
                if self.in_domain_bounds {
                    return self.err(id, format!("the bounds of a reduction domain cannot use the reduction variable `{name}`: they are fixed for the whole call (to restrict one variable by another, use `r.where_(..)`)"));
                }
                return self.err(id, format!("`{name}` is a reduction variable: use it in an update definition (`f(..) += ..`) or an inline reduction (`sum(..)`), not in a pure definition"));
            }
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
        if self.open_pure {
            return Ok(Expr::var(name, Type::I32));
        }
        if self.broken.contains(&name) {
            // A reduction variable whose domain had an error (reported there).
            return Err(Reported);
        }
        if let Some((f, fargs)) = &self.update_of {
            if fargs.contains(&name) {
                let call = format!("{f}({})", fargs.join(", "));
                return self.err(id, format!("`{name}` is a pure variable of `{f}`, but this update does not bind it: an update's pure variables are the indices written as the variable alone at its own position (`{call}`); index with `{name}` there, or use a reduction variable or another expression"));
            }
            if !self.in_condition && !self.in_domain_bounds {
                let call = format!("{f}({})", fargs.join(", "));
                return self.err(id, format!("unknown name `{name}`: the pure variables of `{f}` are the ones its pure definition names ({}); an update writes them alone at their own positions (`{call} += ..`), and its other indices are reduction variables (`let r = rdom(..);`) or expressions of them", fargs.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")));
            }
        }
        if self.in_condition {
            return self.err(id, format!("unknown name `{name}` in a specialization condition: it can use scalar parameters, buffer extents and `let` bindings of those, not loop variables (it is evaluated once, before anything runs)"));
        }
        if self.in_domain_bounds {
            return self.err(id, format!("unknown name `{name}` in the bounds of a reduction domain: they can use scalar parameters, buffer extents and `let` bindings of those (to restrict the domain per point, use `r.where_(..)`)"));
        }
        let vars = if self.pure.is_empty() {
            "this definition has no variables".to_string()
        } else {
            format!(
                "the variables of this definition are {}",
                self.pure.join(", ")
            )
        };
        self.err(
            id,
            format!(
                "unknown name `{name}`: {vars}; other names must be parameters or `let` bindings"
            ),
        )
    }

    fn binary(&mut self, b: &syn::ExprBinary, expected: Option<Type>) -> R<Expr> {
        let Some(op) = binop(&b.op) else {
            return self.err(&b.op, "compound assignment is only allowed as a whole statement, an update definition `f(..) += ..;`");
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
                    // `false < true`, as in Rust: compared as 0 and 1.
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge if t == Type::Bool => {
                        return Ok(Expr::binary(
                            op,
                            Expr::cast(Type::U8, x),
                            Expr::cast(Type::U8, y),
                        ));
                    }
                    _ => self.need_arith(b, t, &format!("`{}`", op.symbol()))?,
                }
                Ok(Expr::binary(op, x, y))
            }
        }
    }

    fn call(&mut self, c: &syn::ExprCall) -> R<Expr> {
        let Some(fid) = ident_of(&c.func) else {
            if let syn::Expr::Index(ix) = peel(&c.func) {
                if let Some(base) = ident_of(&ix.expr) {
                    return self.err(&ix.index, format!("`{base}[..]`: the index of a Func family member must be a constant known while the kernel compiles (an integer literal, a `let` bound to one, the variable of an enclosing `for` over a constant range, or `+ - * / %` of those); to choose between Funcs at run time, use `if c {{ {base}[0](..) }} else {{ {base}[1](..) }}`"));
                }
            }
            return self.err(&c.func, "expected the name of a Func or input");
        };
        let name = fid.to_string();
        let (kind, ty, dims) = if let Some(&(t, d)) = self.inputs.get(&name) {
            (CallKind::Input, t, d)
        } else if let Some(f) = self.funcs.iter().find(|f| *f.name == *name) {
            (CallKind::Func, f.ty, f.dims())
        } else if self.defining.as_deref() == Some(name.as_str()) {
            return self.err(
                fid,
                format!("`{name}` reads itself in its pure definition, which cannot be recursive: give `{name}` an initial value first, then refer to earlier values in an update definition after it (`let r = rdom(1..n); {name}(r) = {name}(r - 1) + ..;`)"),
            );
        } else if self.outputs.contains_key(&name) {
            return self.err(
                fid,
                format!("`{name}` is used before its definition: define `{name}` above this line"),
            );
        } else if let Some(red) = Reduction::from_name(&name) {
            return self.inline_reduction(red, c);
        } else if name == "rdom" {
            return self.inline_domain(c);
        } else if boundary::Kind::from_name(&name).is_some() {
            return self.err(fid, format!("bind a boundary condition with `let` first: `let padded = {name}(..);` then call `padded(y, x)`"));
        } else if self.scalars.contains_key(&name) || self.bindings.contains_key(&name) {
            return self.err(
                fid,
                format!("`{name}` is a value, not a Func; it cannot be called"),
            );
        } else if self.broken.contains(&name) {
            // Its definition's error is the one to fix.
            return Err(Reported);
        } else if let Some(help) = method_as_function(&name, c.args.len()) {
            return self.err(fid, help);
        } else {
            let mut family = self.family_hint(&name);
            if family.is_empty() && self.is_family(&name) {
                family = format!(
                    " (`{name}` is a Func family: call one of its members, `{name}[0](..)`)"
                );
            }
            return self.err(
                fid,
                format!(
                    "unknown Func or input `{name}`{family}; Funcs must be defined before they are used"
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
            "nrows" | "ncols" if dims != 2 => self.err(&m.method, format!("`{method}()` is for 2-D views; `{buf}` has {dims} dimensions: use `{buf}.shape()[i]` for the extent of axis `i` (`{buf}.shape()[0]` for the first)")),
            "nrows" => Ok(extent_var(&buf, 0)),
            "ncols" => Ok(extent_var(&buf, 1)),
            // The number of elements, checked at entry to fit an `i32` (a product of the
            // extents would wrap).
            "len" if dims > 1 => {
                if !self.lens.contains(&buf) {
                    self.lens.push(buf.clone());
                }
                Ok(Expr::var(halite_core::func::len_var_name(&buf), Type::I32))
            }
            "len" => Ok(extent_var(&buf, 0)),
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
        if op == Intrinsic::Abs && t.is_unsigned_int() {
            return self.err(
                &m.method,
                format!(
                    "`{t}` has no `abs` (as in Rust): an unsigned value is its own absolute value"
                ),
            );
        }
        if op.float_only() && !t.is_float() {
            return self.err(
                &m.method,
                format!("`{name}` needs a float, found `{t}`; convert with `as f32` first"),
            );
        }
        Ok(Expr::intrinsic(op, args))
    }
}

/// `e` without parentheses and invisible groups.
pub(crate) fn peel(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => peel(&p.expr),
        syn::Expr::Group(g) => peel(&g.expr),
        e => e,
    }
}

/// The names of the variables free in `e` that satisfy `keep`, in first-use order.
fn free_vars(e: &Expr, keep: &dyn Fn(&str) -> bool, out: &mut Vec<String>) {
    e.visit(&mut |x| {
        if let Some(n) = x.as_var() {
            if keep(n) && !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
    });
}

/// The single expression of a block `{ e }`, if it is one.
fn block_expr(b: &syn::Block) -> Option<&syn::Expr> {
    match b.stmts.as_slice() {
        [syn::Stmt::Expr(e, None)] => Some(e),
        _ => None,
    }
}

/// The help for a call of a method as a free function (`clamp(x, lo, hi)`, Halide's
/// spelling) or of Halide's `select`, which halite writes as Rust does; `None` for other
/// names, or where the Func/input lookup already failed on a non-method name.
fn method_as_function(name: &str, nargs: usize) -> Option<String> {
    if name == "select" {
        return Some(
            "`select` is written as Rust writes it: `if cond { a } else { b }` (both arms are evaluated, elementwise)"
                .into(),
        );
    }
    let is_method = matches!(name, "min" | "max") || Intrinsic::from_name(name).is_some();
    if !is_method {
        return None;
    }
    let rest = if nargs > 1 {
        (1..nargs)
            .map(|i| format!("b{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        String::new()
    };
    Some(format!(
        "`{name}` is a method, as in Rust: write `a.{name}({rest})` for `{name}(a{sep}{rest})`",
        sep = if rest.is_empty() { "" } else { ", " }
    ))
}

/// The first identifier of `tokens` (at any depth) that is one of `names`.
fn first_ident(tokens: proc_macro2::TokenStream, names: &[String]) -> Option<String> {
    tokens.into_iter().find_map(|t| match t {
        proc_macro2::TokenTree::Ident(i) => {
            let s = i.to_string();
            names.contains(&s).then_some(s)
        }
        proc_macro2::TokenTree::Group(g) => first_ident(g.stream(), names),
        _ => None,
    })
}

/// `e` with every path `from` replaced by `to`; whether there was one.
fn rename(e: &mut syn::Expr, from: &str, to: &str) -> bool {
    struct Rename<'a>(&'a str, &'a str, bool);
    impl syn::visit_mut::VisitMut for Rename<'_> {
        fn visit_expr_path_mut(&mut self, p: &mut syn::ExprPath) {
            if p.path.is_ident(self.0) {
                let span = p.path.segments[0].ident.span();
                p.path = syn::Ident::new(self.1, span).into();
                self.2 = true;
            }
        }
    }
    let mut r = Rename(from, to, false);
    syn::visit_mut::VisitMut::visit_expr_mut(&mut r, e);
    r.2
}
