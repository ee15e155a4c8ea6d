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
    /// In the fast version of a body with boundary clamps: the conditions (in lane 0's
    /// bindings) under which every clamped read it makes unclamped is inside its clamp.
    in_range: Option<Vec<TokenStream>>,
    out: Vec<TokenStream>,
    n: usize,
    /// Buffers read more than once in the body: their whole-vector loads get a
    /// `load_fence` (see `halite::rt::load_fence`); others stay free to be kept in registers.
    fenced: Vec<String>,
    /// The index vectors of gathers already made (see [`Self::gather`]), by key.
    bases: Vec<(String, Ident)>,
    /// Every read of the body (its Func and indices), to find the neighbour of a gather.
    calls: Vec<(String, Vec<Expr>)>,
    /// Reads already made by a pair gather (see [`Self::gather`]), by [`read_key`].
    paired: Vec<(String, Ident)>,
    /// How many of `lets` have their lane-0 scalar bound in `out` (`None`: not even the loop
    /// variable yet); see [`Self::lane0`].
    lane0: Option<usize>,
    /// The varying `let`s whose vector (`name__vec`) has been computed in `out`: a vector is
    /// computed when a lane-wise value first uses it, not where the `let` stands, so a `let`
    /// that only feeds addresses (taken from lane 0) costs no vector code.
    vectors: Vec<String>,
}

impl<'a> VecGen<'a> {
    fn new(gen: &'a crate::kernel::Gen, var: &str, w: usize, fenced: Vec<String>) -> Self {
        VecGen {
            gen,
            var: var.to_string(),
            w,
            lets: Vec::new(),
            in_range: None,
            out: Vec::new(),
            n: 0,
            fenced,
            bases: Vec::new(),
            calls: Vec::new(),
            paired: Vec::new(),
            lane0: None,
            vectors: Vec::new(),
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
            let #vw: isize = __min_w + ((#lane) as isize);
        }];
        for (n, val, _) in &self.lets {
            t.push(bind_let(self.gen, n, val));
        }
        quote!(#(#t)*)
    }

    /// Binds lane 0's loop variable and the varying `let`s known so far in `out`, each once
    /// per body (uniform `let`s are bound where they stand): the scalars from which
    /// whole-vector accesses take their offsets. Returns nothing to splice: the bindings are
    /// statements of the body, before the access that asked for them.
    fn lane0(&mut self) -> TokenStream {
        let start = match self.lane0 {
            Some(k) => k,
            None => {
                let v = ident(&self.var);
                let vw = derived(&self.var, "w");
                self.out.push(quote! {
                    let #v: i32 = __min;
                    let #vw: isize = __min_w;
                });
                0
            }
        };
        for (n, val, varying) in &self.lets[start..] {
            if *varying {
                self.out.push(bind_let(self.gen, n, val));
            }
        }
        self.lane0 = Some(self.lets.len());
        quote!()
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

    /// The read `e` of `name` as the whole-vector block `fast`, which assumes the storage's
    /// unit dimension has stride 1: always true of intermediates, and of views in the vector
    /// paths, which run only for views whose innermost stride is 1 (the kernel's dispatch
    /// sends every other layout to the scalar path).
    fn dense_read(&mut self, e: &Expr, fast: TokenStream) -> V {
        let id = self.fresh();
        let t = rust_type(e.ty());
        let w = self.w;
        self.out.push(quote!(let #id: [#t; #w] = #fast;));
        V::Varying(id)
    }

    /// A read `name(args)` whose index along the unit dimension is `e.clamp(lo, hi)` (a
    /// boundary condition), with `lo`, `hi` the same in every lane and `e` stepping by a small
    /// constant: the arguments with the clamp removed, `e`, `lo`, `hi`, and the step.
    fn unclamped(&self, name: &str, args: &[Expr]) -> Option<(Vec<Expr>, Expr, Expr, Expr, usize)> {
        let unit = self.gen.unit_dim(name)?;
        let a = self.expand(args.get(unit)?);
        let ExprNode::Intrinsic(halite_core::Intrinsic::Clamp, ca) = a.node() else {
            return None;
        };
        let [e, lo, hi] = &ca[..] else { return None };
        if self.varying(lo) || self.varying(hi) {
            return None;
        }
        let mut inner = args.to_vec();
        inner[unit] = e.clone();
        match self.stride(name, &inner, 1) {
            Some(s @ 1..=4) => Some((inner, e.clone(), lo.clone(), hi.clone(), s as usize)),
            _ => None,
        }
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
        self.stride(name, args, 1) == Some(1)
    }

    /// How far the access `args` of `name` moves along the storage's unit dimension when the
    /// loop variable grows by `step`, if that is a constant and the other indices stay put.
    fn stride(&self, name: &str, args: &[Expr], step: i32) -> Option<i64> {
        let unit = self.gen.unit_dim(name)?;
        let next = Expr::var(self.var.as_str(), halite_core::Type::I32).add(Expr::i32(step));
        let mut along = None;
        for (d, a) in args.iter().enumerate() {
            let a = self.expand(a);
            let moved = substitute(&a, &|m| (m == self.var).then(|| next.clone()));
            let diff = simplify(&moved.sub(a)).as_int()?;
            if d == unit {
                along = Some(diff);
            } else if diff != 0 {
                return None;
            }
        }
        along
    }

    /// A read that advances every other lane (an upsampling `f(.., x.div_euclid(2))`): the
    /// index along the unit dimension is `i.div_euclid(2)` or `i.div_euclid(2) + b`, where `i`
    /// steps by 1 with the loop variable and `b` does not vary, and the other indices do not
    /// vary. Returns `i`.
    fn halves(&self, name: &str, args: &[Expr]) -> Option<Expr> {
        let unit = self.gen.unit_dim(name)?;
        let mut inner = None;
        for (d, a) in args.iter().enumerate() {
            let a = self.expand(a);
            if d != unit {
                if self.varying(&a) {
                    return None;
                }
                continue;
            }
            let half = |e: &Expr| match e.node() {
                ExprNode::Intrinsic(halite_core::Intrinsic::DivEuclid, v)
                    if v[1].as_int() == Some(2) =>
                {
                    Some(v[0].clone())
                }
                _ => None,
            };
            inner = match a.node() {
                ExprNode::Binary(halite_core::BinOp::Add, l, r) if !self.varying(r) => half(l),
                ExprNode::Binary(halite_core::BinOp::Add, l, r) if !self.varying(l) => half(r),
                _ => half(&a),
            };
        }
        let i = inner?;
        let next = Expr::var(self.var.as_str(), halite_core::Type::I32).add(Expr::i32(1));
        let moved = substitute(&i, &|m| (m == self.var).then(|| next.clone()));
        (simplify(&moved.sub(i.clone())).as_int() == Some(1)).then_some(i)
    }

    /// The read of [`Self::halves`]: lane `l` reads `(l + p) / 2` elements after lane 0, where
    /// `p` is the parity of lane 0's `i`, so the `w / 2` elements from lane 0's and the last
    /// lane's element hold every lane's, and a fixed selection (one per parity) spreads them.
    fn half_load(&mut self, name: &str, args: &[Expr], i: &Expr) -> TokenStream {
        let binds = self.lane0();
        let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
        let off = self.gen.offset(name, &a);
        let i0 = self.gen.wide(i);
        let p = derived(name, "ptr");
        let (w, h) = (self.w, self.w / 2);
        quote!({
            #binds
            let __o: isize = #off;
            let __p: isize = (#i0) & 1;
            let __a = #p.load_array::<#h>(__o);
            let __e = #p.load(__o.wrapping_add(((#w as isize - 1) + __p) >> 1));
            let __x = |__i: usize| if __i < #h { __a[__i] } else { __e };
            if __p == 0 {
                ::core::array::from_fn::<_, #w, _>(|__l| __x(__l >> 1))
            } else {
                ::core::array::from_fn::<_, #w, _>(|__l| __x((__l + 1) >> 1))
            }
        })
    }

    /// A load whose lanes step by a small constant `s` > 1 (a downsampling `f(2 * x)`): the
    /// `s * (w - 1) + 1` elements the lanes span, read as whole vectors (the last one moved
    /// back to end at the span's end, so nothing outside it is read), then every `s`-th. (One
    /// array read of the span compiles to lane-by-lane loads; whole vectors and a fixed
    /// selection compile to shuffles.)
    fn strided_load(
        &mut self,
        name: &str,
        args: &[Expr],
        s: usize,
        ty: halite_core::Type,
    ) -> TokenStream {
        let binds = self.lane0();
        let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
        let off = self.gen.offset(name, &a);
        let p = derived(name, "ptr");
        let (w, n) = (self.w, s * (self.w - 1) + 1);
        if (s, w, ty) == (2, 8, halite_core::Type::F32) {
            return quote!({ #binds __shuf::stride2_f32x8(#p, #off) });
        }
        if (s, w, ty) == (2, 16, halite_core::Type::F32) {
            return quote!({ #binds __shuf::stride2_f32x16(#p, #off) });
        }
        let starts: Vec<usize> = (0..n.div_ceil(w)).map(|k| (k * w).min(n - w)).collect();
        let chunks: Vec<Ident> = (0..starts.len())
            .map(|k| Ident::new(&format!("__c{k}"), Span::call_site()))
            .collect();
        let loads = starts.iter().zip(&chunks).map(|(st, c)| {
            let st = *st as isize;
            quote!(let #c = #p.load_array::<#w>(__o.wrapping_add(#st)); ::halite::rt::load_fence();)
        });
        // Lane `l` reads element `s * l`, from the first vector that holds it.
        let (lst, lc) = (starts[starts.len() - 1], &chunks[chunks.len() - 1]);
        let mut pick = quote!(#lc[__i - #lst]);
        for (st, c) in starts.iter().zip(&chunks).rev().skip(1) {
            let end = st + w;
            pick = quote!(if __i < #end { #c[__i - #st] } else { #pick });
        }
        quote!({
            #binds
            let __o: isize = #off;
            #(#loads)*
            ::core::array::from_fn::<_, #w, _>(|__l| {
                let __i = #s * __l;
                #pick
            })
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
            ExprNode::Var(n) => {
                if !self.vectors.iter().any(|m| m == &**n) {
                    let val = self
                        .lets
                        .iter()
                        .find(|(m, _, _)| m == &**n)
                        .map(|l| l.1.clone());
                    let Some(val) = val else {
                        // Not a `let` of the body: a vector the caller made.
                        return V::Varying(derived(n, "vec"));
                    };
                    let p = self.expr(&val);
                    let (t, w, id) = (rust_type(val.ty()), self.w, derived(n, "vec"));
                    let src = match p {
                        V::Varying(a) => quote!(#a),
                        V::Uniform(u) => quote!([#u; #w]),
                    };
                    self.out.push(quote!(let #id: [#t; #w] = #src;));
                    self.vectors.push(n.to_string());
                }
                V::Varying(derived(n, "vec"))
            }
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
                // A float and +0.0 chosen by a condition uniform over the lanes (zero
                // padding read across channels): the other arm's bits and-ed with a mask,
                // which LLVM cannot turn into a branch around the arm's load (the depthwise
                // app's edge tiles branched on every tap; without the branches the app
                // measured 3-4% faster).
                let mask = match ty {
                    halite_core::Type::F32 => Some((quote!(u32), quote!(f32))),
                    halite_core::Type::F64 => Some((quote!(u64), quote!(f64))),
                    _ => None,
                };
                let zero_in_t = if is_plus_zero(f) {
                    Some(false)
                } else if is_plus_zero(t) {
                    Some(true)
                } else {
                    None
                };
                if let (V::Uniform(cu), Some((bits, float)), Some(zero_in_t)) =
                    (&pc, mask, zero_in_t)
                {
                    let cond = if zero_in_t {
                        quote!(!(#cu))
                    } else {
                        quote!(#cu)
                    };
                    let keep = if zero_in_t { pf } else { pt };
                    let m = self.fresh();
                    self.out
                        .push(quote!(let #m: #bits = ::halite::rt::mask_of(#cond) as #bits;));
                    let pm = V::Uniform(quote!(#m));
                    return self.elementwise(ty, vec![keep, pm], move |x| {
                        let (v, m) = (&x[0], &x[1]);
                        quote!(#float::from_bits((#v).to_bits() & #m))
                    });
                }
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
            ExprNode::Call { kind, name, args } if self.in_range.is_some() => {
                match self.unclamped(name, args) {
                    Some((inner, ue, lo, hi, st)) => {
                        // The fast version of the body: the clamp does nothing (the guard
                        // in `in_range` checks the first and last lanes' unclamped indices).
                        let binds = self.lane_bindings(quote!(0i32));
                        let (e0, lo, hi) =
                            (self.gen.wide(&ue), self.gen.wide(&lo), self.gen.wide(&hi));
                        let last = (st * (self.w - 1)) as isize;
                        let cond = quote!({
                            #binds
                            let __e0: isize = #e0;
                            __e0 >= #lo && __e0.wrapping_add(#last) <= #hi
                        });
                        let guards = self.in_range.as_mut().unwrap();
                        if !guards.iter().any(|g| g.to_string() == cond.to_string()) {
                            guards.push(cond);
                        }
                        self.expr(&Expr::call(*kind, name.clone(), inner, ty))
                    }
                    None => {
                        let saved = self.in_range.take();
                        let v = self.expr(e);
                        self.in_range = saved;
                        v
                    }
                }
            }
            ExprNode::Call { name, args, .. }
                if matches!(self.stride(name, args, 1), Some(1..=4)) =>
            {
                // One unaligned array read at lane 0's offset; for a stride of 2 to 4, one
                // read of the span and a shuffle.
                let s = self.stride(name, args, 1).unwrap_or(1) as usize;
                let t = rust_type(ty);
                let w = self.w;
                let fence = if self.fenced.iter().any(|f| f == &**name) {
                    quote!(::halite::rt::load_fence();)
                } else {
                    quote!()
                };
                let fast = if s == 1 {
                    let binds = self.lane0();
                    let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
                    let off = self.gen.offset(name, &a);
                    let p = derived(name, "ptr");
                    quote!({ #binds let __a = #p.load_array::<#w>(#off); #fence __a })
                } else {
                    let l = self.strided_load(name, args, s, ty);
                    quote!({ let __a: [#t; #w] = #l; #fence __a })
                };
                self.dense_read(e, fast)
            }
            ExprNode::Call { name, args, .. }
                if self.w >= 2 && self.w.is_multiple_of(2) && self.halves(name, args).is_some() =>
            {
                let i = self.halves(name, args).unwrap();
                let fast = self.half_load(name, args, &i);
                self.dense_read(e, fast)
            }
            ExprNode::Call { name, args, .. } => self.gather(name, args, ty),
            _ => self.lanes(e),
        }
    }
}

impl VecGen<'_> {
    /// A gather: a read whose lanes' offsets have no constant stride.
    ///
    /// Each index is split into the terms that vary across lanes and those that do not
    /// (`zi + 1` into `zi` and `1`); the varying terms give a vector of offsets, and the rest
    /// one scalar offset per read. Reads of the same storage whose indices differ only in
    /// uniform terms (the corners of a trilinear interpolation) share the vector, so each of
    /// their lane loads is one addition away from it. Two `f32` reads at neighbouring
    /// elements of the innermost storage dimension (the two channels of the bilateral grid
    /// at one data-dependent point) are one pair gather (see [`Self::neighbour`]). Folded
    /// storage (whose offset is not linear in the index) computes each lane's offset whole.
    fn gather(&mut self, name: &str, args: &[Expr], ty: halite_core::Type) -> V {
        let p = derived(name, "ptr");
        let id = self.fresh();
        let t = rust_type(ty);
        let w = self.w;
        if !self.gen.unfolded(name) {
            let parts: Vec<V> = args.iter().map(|a| self.expr(a)).collect();
            let a: Vec<TokenStream> = parts
                .iter()
                .map(|p| match p {
                    V::Uniform(u) => quote!(((#u) as isize)),
                    V::Varying(v) => quote!((#v[__l] as isize)),
                })
                .collect();
            let off = self.gen.offset(name, &a);
            self.out.push(quote! {
                let mut #id: [#t; #w] = [<#t as ::core::default::Default>::default(); #w];
                for __l in 0..#w {
                    #id[__l] = #p.load(#off);
                }
            });
            return V::Varying(id);
        }
        let mut varying = Vec::new();
        let mut uniform = Vec::new();
        for a in args {
            let (v, u) = self.split_terms(a);
            varying.push(v);
            uniform.push(u);
        }
        let key = format!(
            "{name}|{}",
            varying
                .iter()
                .map(|v| v.as_ref().map_or(String::new(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join("|")
        );
        let base = match self.bases.iter().find(|(k, _)| *k == key) {
            Some((_, b)) => b.clone(),
            None => {
                let mut terms = Vec::new();
                for (d, v) in varying.iter().enumerate() {
                    if let Some(v) = v {
                        let t = match self.expr(v) {
                            V::Varying(a) => quote!((#a[__l] as isize)),
                            V::Uniform(u) => quote!(((#u) as isize)),
                        };
                        terms.push((d, t));
                    }
                }
                let b = self.fresh();
                let lin = self.gen.linear_part(name, &terms);
                self.out.push(quote! {
                    let mut #b: [isize; #w] = [0isize; #w];
                    for __l in 0..#w {
                        #b[__l] = #lin;
                    }
                });
                self.bases.push((key, b.clone()));
                b
            }
        };
        let u: Vec<TokenStream> = uniform.iter().map(|u| self.gen.wide(u)).collect();
        let off = self.gen.offset(name, &u);
        if ty == halite_core::Type::F32 && (w == 8 || w == 16) {
            let me = read_key(name, args);
            if let Some((_, v)) = self.paired.iter().find(|(k, _)| *k == me) {
                return V::Varying(v.clone());
            }
            if let Some((other, step)) = self.neighbour(name, args, &varying, &uniform) {
                // This read and its neighbour in the innermost storage dimension (the other
                // channel at the same data-dependent point): one pair gather for both.
                // A pair starts at the first of its two elements.
                let pair_start = |off: &TokenStream, step: i64| {
                    if step == 1 {
                        quote!(#off)
                    } else {
                        quote!((#off).wrapping_sub(1))
                    }
                };
                let (first, second) = (self.fresh(), self.fresh());
                let start = pair_start(&off, step);
                let (mine, theirs) = if step == 1 {
                    (first.clone(), second.clone())
                } else {
                    (second.clone(), first.clone())
                };
                let quad = if w == 16 {
                    self.second_pair(name, args, &varying, &uniform, &other)
                } else {
                    None
                };
                if let Some((x, y, x_step, x_uniform)) = quad {
                    // Two pairs at the same data-dependent point (the bilateral grid's two
                    // channels at `z` and `z + 1`): one quad gather, which reads each lane's
                    // four elements at once where the pairs are adjacent in storage.
                    let xu: Vec<TokenStream> = x_uniform.iter().map(|u| self.gen.wide(u)).collect();
                    let x_start = pair_start(&self.gen.offset(name, &xu), x_step);
                    let (third, fourth) = (self.fresh(), self.fresh());
                    self.out.push(quote! {
                        let (#first, #second, #third, #fourth): ([f32; 16], [f32; 16], [f32; 16], [f32; 16]) =
                            __shuf::gather_quad_f32x16(#p, #start, #x_start, &#base);
                    });
                    let (x_mine, y_mine) = if x_step == 1 {
                        (third, fourth)
                    } else {
                        (fourth, third)
                    };
                    self.paired.push((x, x_mine));
                    self.paired.push((y, y_mine));
                } else {
                    // This read and its neighbour in the innermost storage dimension (the
                    // other channel at the same data-dependent point): one pair gather.
                    let f = Ident::new(&format!("gather_pair_f32x{w}"), Span::call_site());
                    self.out.push(quote! {
                        let (#first, #second): ([f32; #w], [f32; #w]) = __shuf::#f(#p, #start, &#base);
                    });
                }
                self.paired.push((me, mine.clone()));
                self.paired.push((other, theirs));
                return V::Varying(mine);
            }
            // Through the path's gather (hardware gathers on AVX-512; `halite::rt::shuffle`).
            let f = Ident::new(&format!("gather_f32x{w}"), Span::call_site());
            self.out.push(quote! {
                let #id: [f32; #w] = __shuf::#f(#p, #off, &#base);
            });
            return V::Varying(id);
        }
        self.out.push(quote! {
            let mut #id: [#t; #w] = [<#t as ::core::default::Default>::default(); #w];
            {
                let __u: isize = #off;
                for __l in 0..#w {
                    #id[__l] = #p.load(#base[__l].wrapping_add(__u));
                }
            }
        });
        V::Varying(id)
    }

    /// Another read of the body of `name` at the element after (`step` 1) or before (`-1`)
    /// this gather's in the innermost storage dimension, lane for lane: the same varying
    /// index terms, the same uniform ones except a difference of exactly 1 in that
    /// dimension. Its key, if there is one that no pair gather has made yet. (Both reads are
    /// in the body, so the entry check covers both elements of every pair.)
    fn neighbour(
        &self,
        name: &str,
        args: &[Expr],
        varying: &[Option<Expr>],
        uniform: &[Expr],
    ) -> Option<(String, i64)> {
        let unit = self.gen.unit_dim(name)?;
        let me = read_key(name, args);
        // Only a read that reaches here as the body has it (not rewritten, e.g. unclamped).
        if !self.calls.iter().any(|(n, a)| read_key(n, a) == me) {
            return None;
        }
        for (n, a) in &self.calls {
            let key = read_key(n, a);
            if n != name || a.len() != args.len() || key == me {
                continue;
            }
            if self.paired.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let mut step = None;
            let mut same = true;
            for (d, e) in a.iter().enumerate() {
                let (v, u) = self.split_terms(e);
                let v_same = same_terms(&v, &varying[d]);
                let diff = halite_core::simplify(&u.sub(uniform[d].clone())).as_int();
                match (v_same, diff) {
                    (true, Some(0)) => {}
                    (true, Some(k)) if d == unit && (k == 1 || k == -1) => step = Some(k),
                    _ => same = false,
                }
            }
            if same {
                if let Some(k) = step {
                    return Some((key, k));
                }
            }
        }
        None
    }

    /// Another pair of neighbouring reads of `name` at the same data-dependent point as the
    /// pair of this read and `other`, one element further or back in the second innermost
    /// storage dimension: a read `x` of the body whose index terms are this read's except a
    /// difference of 1 in the uniform terms of that dimension, and its neighbour `y`. Their
    /// keys, `x`'s step to `y`, and `x`'s uniform terms.
    fn second_pair(
        &self,
        name: &str,
        args: &[Expr],
        varying: &[Option<Expr>],
        uniform: &[Expr],
        other: &str,
    ) -> Option<(String, String, i64, Vec<Expr>)> {
        let next = self.gen.next_dim(name)?;
        let me = read_key(name, args);
        for (n, a) in &self.calls {
            let key = read_key(n, a);
            if n != name || a.len() != args.len() || key == me || key == other {
                continue;
            }
            if self.paired.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let parts: Vec<(Option<Expr>, Expr)> = a.iter().map(|e| self.split_terms(e)).collect();
            if !parts
                .iter()
                .zip(varying)
                .all(|((v, _), mine)| same_terms(v, mine))
            {
                continue;
            }
            let (xv, xu): (Vec<Option<Expr>>, Vec<Expr>) = parts.into_iter().unzip();
            let adjacent = xu.iter().zip(uniform).enumerate().all(|(d, (x, mine))| {
                let diff = halite_core::simplify(&x.clone().sub(mine.clone())).as_int();
                match diff {
                    Some(0) => d != next,
                    Some(1 | -1) => d == next,
                    _ => false,
                }
            });
            if !adjacent {
                continue;
            }
            if let Some((y, step)) = self.neighbour(name, a, &xv, &xu) {
                if y != me && y != other {
                    return Some((key, y, step, xu));
                }
            }
        }
        None
    }

    /// `e` as (the sum of its terms that vary across lanes, the sum of those that do not),
    /// looking through `+` and `-`. The varying part is `None` if no term varies; the
    /// uniform part is `0` if every term does.
    fn split_terms(&self, e: &Expr) -> (Option<Expr>, Expr) {
        fn go(
            vg: &VecGen,
            e: &Expr,
            neg: bool,
            v: &mut Vec<(bool, Expr)>,
            u: &mut Vec<(bool, Expr)>,
        ) {
            match e.node() {
                ExprNode::Binary(halite_core::BinOp::Add, a, b) => {
                    go(vg, a, neg, v, u);
                    go(vg, b, neg, v, u);
                }
                ExprNode::Binary(halite_core::BinOp::Sub, a, b) => {
                    go(vg, a, neg, v, u);
                    go(vg, b, !neg, v, u);
                }
                _ if vg.varying(e) => v.push((neg, e.clone())),
                _ => u.push((neg, e.clone())),
            }
        }
        let sum = |terms: Vec<(bool, Expr)>| {
            terms.into_iter().fold(None, |acc: Option<Expr>, (neg, t)| {
                Some(match (acc, neg) {
                    (None, false) => t,
                    (None, true) => Expr::i32(0).sub(t),
                    (Some(a), false) => a.add(t),
                    (Some(a), true) => a.sub(t),
                })
            })
        };
        let (mut v, mut u) = (Vec::new(), Vec::new());
        if e.ty() == halite_core::Type::I32 {
            go(self, e, false, &mut v, &mut u);
        } else if self.varying(e) {
            v.push((false, e.clone()));
        } else {
            u.push((false, e.clone()));
        }
        (sum(v), sum(u).unwrap_or_else(|| Expr::i32(0)))
    }
}

/// Whether `e` is the float constant +0.0 (not -0.0, whose bits are not all zero).
fn is_plus_zero(e: &Expr) -> bool {
    match e.node() {
        ExprNode::Const(halite_core::Value::F32(z)) => z.to_bits() == 0,
        ExprNode::Const(halite_core::Value::F64(z)) => z.to_bits() == 0,
        _ => false,
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

/// `let n = val;` as a scalar, and for an `i32` also its `isize` copy `n__w` (the form offsets
/// use).
fn bind_let(gen: &crate::kernel::Gen, n: &str, val: &Expr) -> TokenStream {
    let id = ident(n);
    let ty = rust_type(val.ty());
    let e = emit(val, gen);
    if val.ty() == halite_core::Type::I32 {
        let w = derived(n, "w");
        let wv = gen.wide(val);
        quote!(let #id: #ty = #e; let #w: isize = #wv;)
    } else {
        quote!(let #id: #ty = #e;)
    }
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
///
/// Reads through a boundary clamp (`input(y, x.clamp(0, w - 1))`) are gathers near the edges
/// only: when the body has such reads, it is generated twice, and each vector takes the
/// version without the clamps (contiguous or strided loads) when its first and last lanes are
/// inside every clamp's range, the general one otherwise. This is Halide's loop partitioning,
/// decided per vector.
pub(crate) fn vector_body(
    gen: &crate::kernel::Gen,
    var: &str,
    w: usize,
    body: &Stmt,
) -> Option<TokenStream> {
    let (lets, func, args, value) = lets_and_store(body)?;
    let (fast, guards) = body_version(gen, var, w, &lets, func, args, value, true);
    if guards.is_empty() {
        return Some(fast);
    }
    let (general, _) = body_version(gen, var, w, &lets, func, args, value, false);
    Some(quote! {
        if #(#guards)&&* { #fast } else { #general }
    })
}

/// One version of a vector body; with `unclamp`, reads through boundary clamps are made
/// without them, and the conditions that makes right are returned.
#[allow(clippy::too_many_arguments)]
fn body_version(
    gen: &crate::kernel::Gen,
    var: &str,
    w: usize,
    lets: &[(String, Expr)],
    func: &str,
    args: &[Expr],
    value: &Expr,
    unclamp: bool,
) -> (TokenStream, Vec<TokenStream>) {
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
    for e in lets.iter().map(|(_, v)| v).chain(std::iter::once(value)) {
        e.visit(&mut |x| {
            if let ExprNode::Call { name, args, .. } = x.node() {
                vg.calls.push((name.to_string(), args.to_vec()));
            }
        });
    }
    if unclamp {
        vg.in_range = Some(Vec::new());
    }
    for (n, val) in lets {
        let varying = vg.varying(val);
        if !varying {
            // The same in every lane: bound once, for the uniform values that use it.
            vg.out.push(bind_let(gen, n, val));
        }
        vg.lets.push((n.clone(), val.clone(), varying));
    }
    let v = vg.expr(value);
    let t = rust_type(value.ty());
    let vals = match v {
        V::Varying(a) => quote!(#a),
        V::Uniform(u) => quote!([#u; #w]),
    };
    let p = derived(func, "ptr");
    let store = if vg.contiguous(func, args) {
        let binds = vg.lane0();
        let a: Vec<TokenStream> = args.iter().map(|a| gen.wide(a)).collect();
        let off = gen.offset(func, &a);
        // Views too: the vector paths run only for unit innermost strides (see `dense_read`).
        if gen.nontemporal.iter().any(|f| f == func) {
            quote!({ #binds #p.store_array_nontemporal::<#w>(#off, __vals); })
        } else {
            quote!({ #binds #p.store_array::<#w>(#off, __vals); })
        }
    } else {
        vg.scatter(func, args, value.ty())
    };
    let stmts = vg.out;
    let code = quote! {
        #(#stmts)*
        let __vals: [#t; #w] = #vals;
        #store
    };
    (code, vg.in_range.unwrap_or_default())
}

impl VecGen<'_> {
    fn scatter(&self, func: &str, args: &[Expr], ty: halite_core::Type) -> TokenStream {
        let w = self.w;
        let binds = self.lane_bindings(quote!(__l as i32));
        let a: Vec<TokenStream> = args.iter().map(|a| self.gen.wide(a)).collect();
        let off = self.gen.offset(func, &a);
        let p = derived(func, "ptr");
        // Stored lane by lane, the vector is made one register first, so that LLVM computes
        // it with vector instructions (see `halite::rt::shuffle::avx2::keep_f32x8`).
        let keep = match (ty, w) {
            (halite_core::Type::F32, 8) => quote!(let __vals = __shuf::keep_f32x8(__vals);),
            (halite_core::Type::F32, 16) => quote!(let __vals = __shuf::keep_f32x16(__vals);),
            _ => quote!(),
        };
        quote! {
            #keep
            for __l in 0..#w {
                #binds
                #p.store(#off, __vals[__l]);
            }
        }
    }
}

/// Whether two varying parts of indices (see [`VecGen::split_terms`]) are the same terms.
fn same_terms(a: &Option<Expr>, b: &Option<Expr>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// A read of the body as text: `name(arg, ..)`.
fn read_key(name: &str, args: &[Expr]) -> String {
    let a: Vec<String> = args.iter().map(|e| e.to_string()).collect();
    format!("{name}({})", a.join(", "))
}
