//! Vector loops as arrays: each value of a vectorized loop body is a `[T; W]` computed by a
//! lane loop, contiguous loads and stores are single unaligned array reads and writes, and
//! loop-invariant values stay scalars.
//!
//! Why this shape: LLVM fully unrolls constant-trip lane loops before it vectorizes, and then
//! merges neighbouring scalar loads into masked loads and permutes, or gathers. Local arrays
//! cannot alias the buffers, and whole-array reads and writes are plain vector moves, so the
//! lane loops become straight vector arithmetic of the enabled instruction set.

use crate::expr::{binary, cast, emit, intrinsic};
use crate::names::{derived, ident, rust_type};
use halite_core::expr::substitute;
use halite_core::{simplify, Expr, ExprNode, Stmt, UnOp};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// A value in a vector body: the same for every lane, or one per lane.
enum V {
    Uniform(TokenStream),
    Varying(Ident),
}

pub(crate) struct VecGen<'a> {
    pub gen: &'a crate::kernel::Gen,
    var: String,
    w: usize,
    /// `let`s of the body, in order (value, varying?).
    lets: Vec<(String, Expr, bool)>,
    out: Vec<TokenStream>,
    n: usize,
    /// Buffers read more than once in the body: their whole-vector loads get a
    /// `load_fence` (see `halite::rt::load_fence`); others stay free to be kept in registers.
    fenced: Vec<String>,
}

impl<'a> VecGen<'a> {
    fn new(gen: &'a crate::kernel::Gen, var: &str, w: usize, fenced: Vec<String>) -> Self {
        VecGen {
            gen,
            var: var.to_string(),
            w,
            lets: Vec::new(),
            out: Vec::new(),
            n: 0,
            fenced,
        }
    }

    fn fresh(&mut self) -> Ident {
        self.n += 1;
        Ident::new(&format!("__v{}", self.n), Span::call_site())
    }

    fn varying(&self, e: &Expr) -> bool {
        let mut v = false;
        e.visit(&mut |x| {
            if let Some(n) = x.as_var() {
                if n == self.var || self.lets.iter().any(|(m, _, var)| *var && m == n) {
                    v = true;
                }
            }
        });
        v
    }

    /// `e` with the varying lets substituted, so that it is written in the loop variable.
    fn expand(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        for (n, val, var) in self.lets.iter().rev() {
            if *var {
                e = substitute(&e, &|m| (m == n).then(|| val.clone()));
            }
        }
        e
    }

    /// The scalar statements that bind the loop variable and every let for lane `lane`.
    fn lane_bindings(&self, lane: TokenStream) -> TokenStream {
        let v = ident(&self.var);
        let vw = derived(&self.var, "w");
        let mut t = vec![quote! {
            let #v: i32 = __min.wrapping_add(#lane);
            let #vw: isize = (__min as isize) + ((#lane) as isize);
        }];
        for (n, val, _) in &self.lets {
            let id = ident(n);
            let ty = rust_type(val.ty());
            let e = emit(val, self.gen);
            t.push(quote!(let #id: #ty = #e;));
            if val.ty() == halite_core::Type::I32 {
                let w = derived(n, "w");
                let wv = self.gen.wide(val);
                t.push(quote!(let #w: isize = #wv;));
            }
        }
        quote!(#(#t)*)
    }

    /// A per-lane evaluation of a whole expression (the fallback for any node).
    fn lanes(&mut self, e: &Expr) -> V {
        let id = self.fresh();
        let t = rust_type(e.ty());
        let w = self.w;
        let binds = self.lane_bindings(quote!(__l as i32));
        let val = emit(e, self.gen);
        self.out.push(quote! {
            let mut #id: [#t; #w] = [<#t as ::core::default::Default>::default(); #w];
            for __l in 0..#w {
                #binds
                #id[__l] = #val;
            }
        });
        V::Varying(id)
    }

    fn elementwise(
        &mut self,
        ty: halite_core::Type,
        parts: Vec<V>,
        f: impl Fn(&[TokenStream]) -> TokenStream,
    ) -> V {
        let id = self.fresh();
        let t = rust_type(ty);
        let w = self.w;
        let args: Vec<TokenStream> = parts
            .iter()
            .map(|p| match p {
                V::Uniform(u) => u.clone(),
                V::Varying(a) => quote!(#a[__l]),
            })
            .collect();
        let body = f(&args);
        self.out.push(quote! {
            let mut #id: [#t; #w] = [<#t as ::core::default::Default>::default(); #w];
            for __l in 0..#w {
                #id[__l] = #body;
            }
        });
        V::Varying(id)
    }

    /// Whether the access `args` of `name` is contiguous in the loop variable.
    fn contiguous(&self, name: &str, args: &[Expr]) -> bool {
        let Some(unit) = self.gen.unit_dim(name) else {
            return false;
        };
        let step = Expr::var(self.var.as_str(), halite_core::Type::I32).add(Expr::i32(1));
        args.iter().enumerate().all(|(d, a)| {
            let a = self.expand(a);
            let next = substitute(&a, &|m| (m == self.var).then(|| step.clone()));
            let diff = simplify(&next.sub(a));
            diff.as_int() == Some(if d == unit { 1 } else { 0 })
        })
    }

    fn expr(&mut self, e: &Expr) -> V {
        if !self.varying(e) {
            return V::Uniform(emit(e, self.gen));
        }
        let ty = e.ty();
        match e.node() {
            ExprNode::Var(n) if *n.as_ref() == *self.var => {
                let id = self.fresh();
                let w = self.w;
                self.out.push(quote! {
                    let mut #id: [i32; #w] = [0i32; #w];
                    for __l in 0..#w {
                        #id[__l] = __min.wrapping_add(__l as i32);
                    }
                });
                V::Varying(id)
            }
            ExprNode::Var(n) => V::Varying(derived(n, "vec")),
            ExprNode::Cast(a) => {
                let from = a.ty();
                let p = self.expr(a);
                self.elementwise(ty, vec![p], |x| cast(from, ty, x[0].clone()))
            }
            ExprNode::Unary(op, a) => {
                let p = self.expr(a);
                let op = *op;
                self.elementwise(ty, vec![p], move |x| {
                    let a = &x[0];
                    match op {
                        UnOp::Neg if ty.is_int() => quote!((#a).wrapping_neg()),
                        UnOp::Neg => quote!((-(#a))),
                        UnOp::Not => quote!((!(#a))),
                    }
                })
            }
            ExprNode::Binary(op, a, b) => {
                let at = a.ty();
                let (pa, pb) = (self.expr(a), self.expr(b));
                let op = *op;
                self.elementwise(ty, vec![pa, pb], move |x| {
                    binary(op, at, x[0].clone(), x[1].clone())
                })
            }
            ExprNode::Select(c, t, f) => {
                let (pc, pt, pf) = (self.expr(c), self.expr(t), self.expr(f));
                self.elementwise(ty, vec![pc, pt, pf], |x| {
                    let (c, t, f) = (&x[0], &x[1], &x[2]);
                    quote!((if #c { #t } else { #f }))
                })
            }
            ExprNode::Intrinsic(op, args) => {
                let parts: Vec<V> = args.iter().map(|a| self.expr(a)).collect();
                let op = *op;
                self.elementwise(ty, parts, move |x| intrinsic(op, ty, x))
            }
            ExprNode::Call { name, args, .. } if self.contiguous(name, args) => {
                // One unaligned array read at lane 0's offset.
                let id = self.fresh();
                let t = rust_type(ty);
                let w = self.w;
                let binds = self.lane_bindings(quote!(0i32));
                let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
                let off = self.gen.offset(name, &a);
                let p = derived(name, "ptr");
                let dense = self.gen.is_view(name);
                let fence = if self.fenced.iter().any(|f| f == &**name) {
                    quote!(::halite::rt::load_fence();)
                } else {
                    quote!()
                };
                let fast = quote!({ #binds let __a = #p.load_array::<#w>(#off); #fence __a });
                // The lane-by-lane fallback only where a view may be strided: an unused one
                // would still be a variable-offset access that keeps LLVM from holding a
                // local tile in registers.
                let code = if dense {
                    let V::Varying(g) = self.lanes(e) else {
                        unreachable!()
                    };
                    quote!(let #id: [#t; #w] = if DENSE { #fast } else { #g };)
                } else {
                    quote!(let #id: [#t; #w] = #fast;)
                };
                self.out.push(code);
                V::Varying(id)
            }
            ExprNode::Call { name, args, .. } => {
                // A gather: the indices as vectors (vector arithmetic, shared with the rest of
                // the body), then one load per lane.
                let parts: Vec<V> = args.iter().map(|a| self.expr(a)).collect();
                let a: Vec<TokenStream> = parts
                    .iter()
                    .map(|p| match p {
                        V::Uniform(u) => quote!(((#u) as isize)),
                        V::Varying(v) => quote!((#v[__l] as isize)),
                    })
                    .collect();
                let off = self.gen.offset(name, &a);
                let p = derived(name, "ptr");
                let id = self.fresh();
                let t = rust_type(ty);
                let w = self.w;
                self.out.push(quote! {
                    let mut #id: [#t; #w] = [<#t as ::core::default::Default>::default(); #w];
                    for __l in 0..#w {
                        #id[__l] = #p.load(#off);
                    }
                });
                V::Varying(id)
            }
            _ => self.lanes(e),
        }
    }
}

/// Whether the body of a loop over `var` reads a buffer at a non-contiguous index (a gather).
pub(crate) fn has_gather(gen: &crate::kernel::Gen, var: &str, body: &Stmt) -> bool {
    let Some((lets, _, _, value)) = lets_and_store(body) else {
        return false;
    };
    let mut vg = VecGen::new(gen, var, 1, Vec::new());
    for (n, val) in &lets {
        let varying = vg.varying(val);
        vg.lets.push((n.clone(), val.clone(), varying));
    }
    let mut found = false;
    for e in lets.iter().map(|(_, v)| v).chain(std::iter::once(value)) {
        e.visit(&mut |x| {
            if let ExprNode::Call { name, args, .. } = x.node() {
                found |= vg.varying(x) && !vg.contiguous(name, args);
            }
        });
    }
    found
}

/// A loop body of the shape vector code handles: `let`s, then one store (its Func, indices
/// and value).
#[allow(clippy::type_complexity)]
fn lets_and_store(body: &Stmt) -> Option<(Vec<(String, Expr)>, &str, &[Expr], &Expr)> {
    let mut lets = Vec::new();
    let mut cur = body;
    while let Stmt::Let { name, value, body } = cur {
        lets.push((name.to_string(), value.clone()));
        cur = body;
    }
    match cur {
        Stmt::Store { func, args, value } => Some((lets, func, args, value)),
        _ => None,
    }
}

/// The body of a vector loop of `w` lanes over `var` (`__min` is lane 0): `let`s then one
/// store. `None` if the body has another shape.
pub(crate) fn vector_body(
    gen: &crate::kernel::Gen,
    var: &str,
    w: usize,
    body: &Stmt,
) -> Option<TokenStream> {
    let (lets, func, args, value) = lets_and_store(body)?;
    let mut reads: Vec<String> = Vec::new();
    let mut fenced: Vec<String> = Vec::new();
    for e in lets.iter().map(|(_, v)| v).chain(std::iter::once(value)) {
        e.visit(&mut |x| {
            if let ExprNode::Call { name, .. } = x.node() {
                if reads.iter().any(|r| r == &**name) {
                    if !fenced.iter().any(|r| r == &**name) {
                        fenced.push(name.to_string());
                    }
                } else {
                    reads.push(name.to_string());
                }
            }
        });
    }
    let mut vg = VecGen::new(gen, var, w, fenced);
    for (n, val) in lets {
        let varying = vg.varying(&val);
        if varying {
            let p = vg.expr(&val);
            let t = rust_type(val.ty());
            let id = derived(&n, "vec");
            let src = match p {
                V::Varying(a) => quote!(#a),
                V::Uniform(u) => quote!([#u; #w]),
            };
            vg.out.push(quote!(let #id: [#t; #w] = #src;));
        } else {
            // The same in every lane: bound once, for the uniform values that use it.
            let id = ident(&n);
            let t = rust_type(val.ty());
            let e = emit(&val, gen);
            vg.out.push(quote!(let #id: #t = #e;));
            if val.ty() == halite_core::Type::I32 {
                let wid = derived(&n, "w");
                let wv = gen.wide(&val);
                vg.out.push(quote!(let #wid: isize = #wv;));
            }
        }
        vg.lets.push((n, val, varying));
    }
    let v = vg.expr(value);
    let t = rust_type(value.ty());
    let vals = match v {
        V::Varying(a) => quote!(#a),
        V::Uniform(u) => quote!([#u; #w]),
    };
    let p = derived(func, "ptr");
    let store = if vg.contiguous(func, args) {
        let binds = vg.lane_bindings(quote!(0i32));
        let a: Vec<TokenStream> = args.iter().map(|a| gen.wide(a)).collect();
        let off = gen.offset(func, &a);
        let scatter = vg.scatter(func, args, &vals);
        let fast = quote!({ #binds #p.store_array::<#w>(#off, __vals); });
        if gen.is_view(func) {
            quote!(if DENSE #fast else { #scatter })
        } else {
            fast
        }
    } else {
        vg.scatter(func, args, &vals)
    };
    let stmts = vg.out;
    Some(quote! {
        #(#stmts)*
        let __vals: [#t; #w] = #vals;
        #store
    })
}

impl VecGen<'_> {
    fn scatter(&self, func: &str, args: &[Expr], _vals: &TokenStream) -> TokenStream {
        let w = self.w;
        let binds = self.lane_bindings(quote!(__l as i32));
        let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
        let off = self.gen.offset(func, &a);
        let p = derived(func, "ptr");
        quote! {
            for __l in 0..#w {
                #binds
                #p.store(#off, __vals[__l]);
            }
        }
    }
}
