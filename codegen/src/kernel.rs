//! The whole kernel: entry checks, storage, instruction-set dispatch and the loop nest.
//!
//! Generated shape:
//!
//! ```text
//! pub fn k(..) -> Result<(), Error> {
//!     prologue: views -> pointers, extents, strides; scalars; entry lets
//!     guards and region checks            (return Err before anything is written)
//!     storage of top-level intermediates   (fallible, before anything is written)
//!     struct Env { every value above }
//!     match (isa, dense) { .. => unsafe { body_<isa>_<layout>(env) } }
//! }
//! ```
//! The loop nest is emitted once per instruction set inside `#[target_feature]` functions.
//! The vector paths assume *dense* views (every view's innermost stride is the constant 1, so
//! vector loops become plain vector loads and stores) and run only for them; the portable
//! scalar path takes every other layout.

use crate::expr::{emit, emit_saturating, LoadEmitter};
use crate::isa;
use crate::names::{derived, ident, rust_type};
use halite_core::{CallKind, Expr, ForKind, Stmt, Type};
use halite_schedule::{Guard, Lowered};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

/// One parameter of the kernel's signature, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelArg {
    /// A scalar; `usize` ones are `i32` in expressions (`is_usize`).
    Scalar {
        name: String,
        ty: Type,
        is_usize: bool,
    },
    Input {
        name: String,
        ty: Type,
        dims: usize,
    },
    Output {
        name: String,
        ty: Type,
        dims: usize,
    },
}

/// What the front end hands the back end besides the lowered pipeline.
pub struct KernelSig {
    /// The kernel's name.
    pub name: String,
    /// Attributes (doc comments) to keep on the kernel fn.
    pub attrs: TokenStream,
    /// Its visibility.
    pub vis: TokenStream,
    /// `fn name(..) -> Result<(), Error>` as the user wrote it.
    pub sig: TokenStream,
    /// The same signature named `reference`.
    pub reference_sig: TokenStream,
    pub args: Vec<KernelArg>,
    /// The views of more than one dimension whose `len()` the kernel uses (bound at entry,
    /// once checked to fit an `i32`).
    pub lens: Vec<String>,
}

/// Where each buffer lives in the generated code.
#[derive(Clone)]
enum Storage {
    /// A view parameter: pointer and per-dimension element strides.
    View { dims: usize },
    /// An allocated intermediate: dense over its allocation; dimension `unit` has stride 1.
    /// `stack`: the constant strides of a small allocation that lives in a local array (so
    /// that LLVM sees constant offsets and can keep it in registers).
    /// `folds`: per dimension, the factor of a folded dimension (a sliding window's rows:
    /// index `i` lives in slot `i & (factor - 1)`).
    Alloc {
        dims: usize,
        unit: usize,
        /// The dimension just outside `unit` in storage order, if any.
        next: Option<usize>,
        stack: Option<Vec<isize>>,
        folds: Vec<Option<i64>>,
    },
}

/// The largest intermediate (in bytes) kept in a local array instead of the heap.
const STACK_BYTES: i64 = 16 << 10;

pub(crate) struct Gen {
    storage: HashMap<String, Storage>,
    /// `i32` variables that also have an `isize` copy in scope.
    wide_vars: Vec<String>,
    /// Emit vector loops as fixed-width loops (false for the scalar path).
    simd: bool,
    /// Rebinds each view's innermost stride to the constant 1 when the body is instantiated
    /// for dense views (`DENSE`); repeated inside parallel closures, which LLVM compiles as
    /// separate functions that would otherwise see the stride as a run-time value.
    dense_shadow: TokenStream,
    /// Heap allocations already made around the code being generated.
    allocated: Vec<String>,
    /// Small allocations kept in local arrays: element type, length, allocated once per call?
    stack_bufs: std::collections::BTreeMap<String, (TokenStream, usize, bool)>,
    /// Constant bounds of the integer `let`s in scope (innermost last), for the extents of
    /// short loops.
    let_ranges: Vec<(String, halite_schedule::passes::tiles::Range)>,
    /// The outputs whose whole-vector stores are non-temporal (`store_nontemporal()`).
    pub(crate) nontemporal: Vec<String>,
}

/// `let mut f_buf = [T; n]; let f_ptr = ..` for a small allocation.
fn stack_buf(f: &str, t: &TokenStream, n: usize) -> TokenStream {
    let buf = derived(f, "buf");
    let p = derived(f, "ptr");
    quote! {
        let mut #buf: [#t; #n] = [<#t as ::core::default::Default>::default(); #n];
        let #p = ::halite::rt::Ptr::new(#buf.as_mut_ptr());
    }
}

/// The fold factor of dimension `d` of intermediate `f`, if `sliding_window` folded it.
fn fold_factor(lowered: &Lowered, f: &str, d: usize) -> Option<i64> {
    let name = halite_schedule::passes::sliding::fold_var(f, d);
    let (_, v) = lowered.entry_lets.iter().find(|(n, _)| **n == *name)?;
    v.as_int()
}

/// A constant upper bound of the entry let `name` (an allocation extent), if it has one.
fn constant_bound(lowered: &Lowered, name: &str) -> Option<i64> {
    let (_, v) = lowered.entry_lets.iter().find(|(n, _)| ident(n) == name)?;
    halite_schedule::passes::tiles::constant_upper_bound(v)
}

impl Gen {
    /// Whether `s` stores to an output whose whole-vector stores are non-temporal (in the
    /// vector paths): the loops that do end with `stream_fence`.
    pub(crate) fn streams(&self, s: &Stmt) -> bool {
        let mut found = false;
        if self.simd && !self.nontemporal.is_empty() {
            s.visit(&mut |x| {
                if let Stmt::Store { func, .. } = x {
                    found |= self.nontemporal.iter().any(|f| f == &**func);
                }
            });
        }
        found
    }

    /// The storage dimension of `name` with unit stride, if it is known to be contiguous in
    /// the body being generated (views: in the vector paths, which run only when `DENSE`;
    /// intermediates: always).
    pub(crate) fn unit_dim(&self, name: &str) -> Option<usize> {
        match self.storage.get(name)? {
            Storage::View { dims } => Some(dims - 1),
            Storage::Alloc { unit, .. } => Some(*unit),
        }
    }

    /// The dimension of `name`'s storage just outside the unit-stride one (the second
    /// innermost), if it has one.
    pub(crate) fn next_dim(&self, name: &str) -> Option<usize> {
        match self.storage.get(name)? {
            Storage::View { dims } => dims.checked_sub(2),
            Storage::Alloc { next, .. } => *next,
        }
    }

    /// The element stride of dimension `d` of `name`'s storage (a literal where it is known),
    /// and the fold factor of the dimension if it is folded.
    fn stride(&self, name: &str, d: usize) -> (TokenStream, Option<i64>) {
        match self.storage.get(name) {
            Some(Storage::Alloc {
                unit, stack, folds, ..
            }) => {
                let s = match stack {
                    _ if d == *unit => quote!(1isize),
                    Some(st) => {
                        let c = proc_macro2::Literal::isize_suffixed(st[d]);
                        quote!(#c)
                    }
                    None => {
                        let s = derived(name, &format!("s{d}"));
                        quote!(#s)
                    }
                };
                (s, folds[d])
            }
            _ => {
                let s = derived(name, &format!("s{d}"));
                (quote!(#s), None)
            }
        }
    }

    /// Whether no dimension of `name`'s storage is folded: its offsets are then linear in
    /// the indices (see [`Self::linear_part`]).
    pub(crate) fn unfolded(&self, name: &str) -> bool {
        match self.storage.get(name) {
            Some(Storage::Alloc { folds, .. }) => folds.iter().all(Option::is_none),
            _ => true,
        }
    }

    /// `Σ args[d] * stride(d)` over the dimensions `d` that `args` names (`isize`
    /// expressions): the part of an offset that moves with the indices. For storage that is
    /// not folded, `offset(a + b) = offset(a) + linear_part(b)`.
    pub(crate) fn linear_part(&self, name: &str, args: &[(usize, TokenStream)]) -> TokenStream {
        let terms = args.iter().map(|(d, a)| {
            let (s, _) = self.stride(name, *d);
            quote!((#a).wrapping_mul(#s))
        });
        quote!(0isize #(.wrapping_add(#terms))*)
    }

    /// The element offset of a point in `name`'s storage; `args` are `isize` expressions.
    pub(crate) fn offset(&self, name: &str, args: &[TokenStream]) -> TokenStream {
        let terms: Vec<TokenStream> = match self.storage.get(name) {
            Some(Storage::View { dims }) => (0..*dims)
                .map(|d| {
                    let (s, _) = self.stride(name, d);
                    let a = &args[d];
                    quote!((#a).wrapping_mul(#s))
                })
                .collect(),
            Some(Storage::Alloc { dims, unit, .. }) => (0..*dims)
                .map(|d| {
                    let (s, fold) = self.stride(name, d);
                    let a = &args[d];
                    if let Some(f) = fold {
                        // A folded dimension (never the unit one): the slot of the index.
                        let mask = proc_macro2::Literal::isize_suffixed(f as isize - 1);
                        return quote!(((#a) & #mask).wrapping_mul(#s));
                    }
                    // The region's first index as the same `isize` value the loops use, so
                    // that `index - min` folds to the loop counter.
                    let m = self.wide(&Expr::var(
                        halite_schedule::passes::loop_nest::min_var(name, d),
                        Type::I32,
                    ));
                    if d == *unit {
                        // A literal unit stride, so that LLVM sees contiguous accesses.
                        quote!((#a).wrapping_sub(#m))
                    } else {
                        quote!(((#a).wrapping_sub(#m)).wrapping_mul(#s))
                    }
                })
                .collect(),
            None => {
                let msg = format!("halite internal error: no storage for `{name}`");
                return quote!(::core::compile_error!(#msg));
            }
        };
        quote!(0isize #(.wrapping_add(#terms))*)
    }

    fn stmt(&mut self, s: &Stmt) -> TokenStream {
        match s {
            Stmt::For {
                var,
                min,
                extent,
                kind,
                body,
            } => {
                let body_stmt: &Stmt = body;
                // A row of exactly one vector (the lanes of an `rfactor`ed reduction in its
                // steady-state loop) is a vector loop: emitted as a flat loop, LLVM unrolls it
                // into scalars and then vectorizes the loop around it, across the lanes.
                let one_vector;
                let kind = match kind {
                    ForKind::VectorizedRow(w) if extent.as_int() == Some(i64::from(*w)) => {
                        one_vector = ForKind::Vectorized(*w);
                        &one_vector
                    }
                    ForKind::VectorizedRow(w) => {
                        // A row of a few whole vectors (an `rfactor` over 64 lanes, to have
                        // several independent accumulators): one vector loop per vector, in
                        // order, so that each keeps its lanes in registers as above. (A flat
                        // loop of 64 would be vectorized by LLVM with its accumulators in
                        // memory, each update waiting for the previous store.)
                        let w64 = i64::from(*w);
                        if let Some(n) = extent.as_int().filter(|n| {
                            *n > w64
                                && n % w64 == 0
                                && n / w64 <= halite_schedule::passes::partition::ROW_VECTORS
                        }) {
                            let rows: Vec<TokenStream> = (0..n / w64)
                                .map(|k| {
                                    let part = Stmt::For {
                                        var: var.clone(),
                                        min: halite_core::simplify(
                                            &min.clone().add(Expr::i32((k * w64) as i32)),
                                        ),
                                        extent: Expr::i32(*w as i32),
                                        kind: ForKind::Vectorized(*w),
                                        body: body.clone(),
                                    };
                                    let code = self.stmt(&part);
                                    quote!({ #code })
                                })
                                .collect();
                            return quote!(#(#rows)*);
                        }
                        kind
                    }
                    k => k,
                };
                if let ForKind::Unrolled(w) = kind {
                    if let Some(n) = extent.as_int().filter(|n| (0..=i64::from(*w)).contains(n)) {
                        // A constant trip count: one copy of the body per iteration, with the
                        // iteration's value substituted and simplified (so that inner loops
                        // and offsets become constants). (A count below the factor is a loop
                        // that bounds or a specialization made shorter than its split.)
                        let copies: Vec<TokenStream> = (0..n as i32)
                            .map(|k| {
                                let val = halite_core::simplify(&min.clone().add(Expr::i32(k)));
                                let b = body_stmt.map_exprs(&mut |e| {
                                    halite_core::simplify(&halite_core::expr::substitute(e, &|m| {
                                        (m == &**var).then(|| val.clone())
                                    }))
                                });
                                let code = self.stmt(&b);
                                quote!({ #code })
                            })
                            .collect();
                        return quote!(#(#copies)*);
                    }
                }
                let v = ident(var);
                let vw = wide_ident(var);
                let (min_t, ext) = (emit(min, self), emit(extent, self));
                // The first iteration as `i32` and as the `isize` value offsets use (the wide
                // form of `min`, so that `v - region min` folds to a constant when the loop
                // starts at the region's first index).
                let min_w = self.wide(min);
                let min_decl = quote!(let __min: i32 = #min_t; let __min_w: isize = #min_w;);
                let shadow = self.dense_shadow.clone();
                self.wide_vars.push(var.to_string());
                // Storage allocated at the top of a parallel loop's body is made once per rayon
                // task (`for_each_init`) and reused by the iterations that task runs.
                let mut task_bufs = Vec::new();
                let mut inner: &Stmt = body;
                let mut task_stack = Vec::new();
                let mut task_stack_names = Vec::new();
                if matches!(kind, ForKind::Parallel { .. }) {
                    while let Stmt::Allocate {
                        func, ty, body: b, ..
                    } = inner
                    {
                        match self.stack_bufs.get(&**func) {
                            Some((t, n, _)) => {
                                task_stack.push(stack_buf(func, t, *n));
                                task_stack_names.push(func.to_string());
                            }
                            None => {
                                task_bufs.push((func.to_string(), *ty));
                                self.allocated.push(func.to_string());
                            }
                        }
                        inner = b;
                    }
                }
                // (An allocation of the same array inside, a copy of a tile, reuses it.)
                let outer_allocated = self.allocated.len();
                self.allocated.extend(task_stack_names);
                let body = self.stmt(inner);
                self.allocated.truncate(outer_allocated);
                let serial = quote! {
                    for __i in 0..#ext {
                        let #v: i32 = __min.wrapping_add(__i);
                        let #vw: isize = __min_w + (__i as isize);
                        #body
                    }
                };
                // A short loop that updates a local array (an accumulator tile) runs as copies
                // at constant offsets, guarded where the extent is not its bound: a loop with
                // a variable index would keep LLVM from holding the array in registers.
                // (Innermost loops only: copies of copies would multiply the code.)
                let mut to_stack = false;
                let mut innermost = true;
                body_stmt.visit(&mut |x| match x {
                    Stmt::Store { func, .. } => to_stack |= self.stack_bufs.contains_key(&**func),
                    Stmt::For { .. } => innermost = false,
                    _ => {}
                });
                let to_stack = to_stack && innermost;
                let short = self
                    .constant_range(extent)
                    .1
                    .filter(|&w| to_stack && (1..=16).contains(&w) && extent.as_int().is_none());
                // `w` copies of the body at `__min + k`, each run only while `k < __ext` when
                // `guarded`.
                let copies = |w: i32, guarded: bool| {
                    let copies = (0..w).map(|k| {
                        let one = quote!({ let #v: i32 = __min.wrapping_add(#k); let #vw: isize = __min_w + (#k as isize); #body });
                        if guarded {
                            quote!(if #k < __ext #one)
                        } else {
                            one
                        }
                    });
                    if guarded {
                        quote!(let __ext: i32 = #ext; #(#copies)*)
                    } else {
                        quote!(#(#copies)*)
                    }
                };
                match kind {
                    ForKind::Serial | ForKind::VectorizedRow(_) if short.is_some() => {
                        let w = short.unwrap() as i32;
                        let arrays = match kind {
                            ForKind::VectorizedRow(vw) if self.simd && *vw as i32 == w => {
                                crate::vector::vector_body(self, var, w as usize, body_stmt)
                            }
                            _ => None,
                        };
                        let full = arrays.unwrap_or_else(|| copies(w, false));
                        let guarded = copies(w, true);
                        quote! {
                            #min_decl
                            if #ext == #w {
                                #full
                            } else {
                                #guarded
                            }
                        }
                    }
                    ForKind::VectorizedRow(width)
                        if self.simd
                            && (crate::vector::has_gather(self, var, body_stmt)
                                || self.streams(body_stmt)) =>
                    {
                        // LLVM does not vectorize a flat loop whose loads are gathers (it
                        // cannot check them against the store), and non-temporal stores are
                        // whole vectors: whole vectors as arrays, then the remainder lane by
                        // lane.
                        let w = *width as i32;
                        match crate::vector::vector_body(self, var, w as usize, body_stmt) {
                            Some(arrays) => quote! {
                                let __min0: i32 = #min_t;
                                let __min0_w: isize = #min_w;
                                let __ext0: i32 = #ext;
                                let __full: i32 = __ext0 - __ext0 % #w;
                                let mut __c: i32 = 0;
                                while __c < __full {
                                    let __min: i32 = __min0.wrapping_add(__c);
                                    let __min_w: isize = __min0_w + (__c as isize);
                                    #arrays
                                    __c += #w;
                                }
                                let __min: i32 = __min0.wrapping_add(__full);
                                let __min_w: isize = __min0_w + (__full as isize);
                                for __i in 0..(__ext0 - __full) {
                                    let #v: i32 = __min.wrapping_add(__i);
                                    let #vw: isize = __min_w + (__i as isize);
                                    #body
                                }
                            },
                            None => quote! {
                                #min_decl
                                #serial
                            },
                        }
                    }
                    ForKind::Serial | ForKind::VectorizedRow(_) => quote! {
                        #min_decl
                        #serial
                    },
                    ForKind::Parallel { .. } => {
                        // Non-temporal stores are ordered, and visible to the thread that
                        // joins this loop, only after a fence on the thread that made them.
                        let fence = if self.streams(body_stmt) {
                            quote!(::halite::rt::stream_fence();)
                        } else {
                            quote!()
                        };
                        let inits: Vec<TokenStream> = task_bufs
                            .iter()
                            .map(|(f, ty)| {
                                let t = rust_type(*ty);
                                let len = derived(f, "len");
                                quote!(::halite::rt::scratch::<#t>(#len))
                            })
                            .collect();
                        // Each task's storage reaches its iterations as `&mut [T]` arguments
                        // of a closure called at once: LLVM then knows that no other pointer
                        // (views, other storage) reaches it, and keeps values stored there in
                        // registers across loads and stores of the views.
                        let params: Vec<TokenStream> = task_bufs
                            .iter()
                            .enumerate()
                            .map(|(i, (_, ty))| {
                                let t = rust_type(*ty);
                                let a = format_ident!("__task_buf{}", i);
                                quote!(#a: &mut [#t])
                            })
                            .collect();
                        let args: Vec<TokenStream> = (0..task_bufs.len())
                            .map(|i| {
                                let i = proc_macro2::Literal::usize_unsuffixed(i);
                                quote!(&mut __bufs.#i[..])
                            })
                            .collect();
                        let binds: Vec<TokenStream> = task_bufs
                            .iter()
                            .enumerate()
                            .map(|(i, (f, _))| {
                                let p = derived(f, "ptr");
                                let a = format_ident!("__task_buf{}", i);
                                quote!(let #p = ::halite::rt::Ptr::new(#a.as_mut_ptr());)
                            })
                            .collect();
                        quote! {
                            // SAFETY (parallel writes): iterations of a parallel loop write disjoint
                            // elements: each stores only at points whose coordinate along this
                            // loop's variable is its own (splits under a parallel loop guard their
                            // tails instead of shifting them inwards, so no point is computed
                            // twice), and storage computed inside a parallel loop belongs to one
                            // rayon task at a time.
                            ::halite::rt::par_for_init(#min_t, #ext, || (#(#inits,)*), move |__bufs, #v: i32| {
                                (move |#(#params),*| {
                                    #(#binds)*
                                    #(#task_stack)*
                                    #shadow
                                    let #vw: isize = #v as isize;
                                    #body
                                    #fence
                                })(#(#args),*)
                            });
                        }
                    }
                    ForKind::Vectorized(w) | ForKind::Unrolled(w)
                        if self.simd || matches!(kind, ForKind::Unrolled(_)) =>
                    {
                        let w = *w as i32;
                        let fast = if matches!(kind, ForKind::Unrolled(_)) {
                            copies(w, false)
                        } else if let Some(arrays) =
                            crate::vector::vector_body(self, var, w as usize, body_stmt)
                        {
                            arrays
                        } else {
                            // A loop of constant trip count over the lanes: LLVM turns it into
                            // vector instructions of the enabled instruction set.
                            quote! {
                                for __l in 0..#w {
                                    let #v: i32 = __min.wrapping_add(__l);
                                    let #vw: isize = __min_w + (__l as isize);
                                    #body
                                }
                            }
                        };
                        // A partial vector that updates a local array: guarded copies.
                        let tail = if to_stack && w <= 16 {
                            copies(w, true)
                        } else {
                            serial.clone()
                        };
                        if extent.as_int() == Some(w as i64) {
                            quote! {
                                #min_decl
                                #fast
                            }
                        } else if extent.as_int().is_some() {
                            // Never a whole vector: the tail alone.
                            quote! {
                                #min_decl
                                #tail
                            }
                        } else {
                            quote! {
                                #min_decl
                                if #ext == #w {
                                    #fast
                                } else {
                                    #tail
                                }
                            }
                        }
                    }
                    ForKind::Vectorized(_) | ForKind::Unrolled(_) => quote! {
                        #min_decl
                        #serial
                    },
                }
            }
            Stmt::Store { func, args, value } => {
                let a: Vec<TokenStream> = args.iter().map(|a| self.wide(a)).collect();
                let v = emit(value, self);
                let p = derived(func, "ptr");
                let off = self.offset(func, &a);
                quote!(#p.store(#off, #v);)
            }
            Stmt::Allocate { func, body, .. } if self.allocated.contains(&func.to_string()) => {
                // Allocated again inside its allocation (a copy of a tile): the same buffer
                // (for a local array, not zeroed again on every tile).
                self.stmt(body)
            }
            Stmt::Allocate { func, body, .. } if self.stack_bufs.contains_key(&**func) => {
                let (t, n, _) = self.stack_bufs[&**func].clone();
                let decl = stack_buf(func, &t, n);
                self.allocated.push(func.to_string());
                let body = self.stmt(body);
                self.allocated.pop();
                quote!({ #decl #body })
            }
            Stmt::Allocate { func, ty, body, .. } => {
                // Storage allocated inside a parallel loop, one buffer per iteration. Its size
                // was checked at entry (`check_alloc`); its strides were computed there too.
                self.allocated.push(func.to_string());
                let t = rust_type(*ty);
                let buf = derived(func, "buf");
                let p = derived(func, "ptr");
                let len = derived(func, "len");
                let body = self.stmt(body);
                self.allocated.pop();
                quote! {
                    let mut #buf: ::halite::rt::Scratch<#t> = ::halite::rt::scratch::<#t>(#len);
                    let #p = ::halite::rt::Ptr::new(#buf.as_mut_ptr());
                    #body
                    drop(#buf);
                }
            }
            Stmt::Produce { body, .. } => {
                let b = self.stmt(body);
                quote!({ #b })
            }
            Stmt::Let { name, value, body } => {
                let id = ident(name);
                let t = rust_type(value.ty());
                let v = emit(value, self);
                let wide = if value.ty() == Type::I32 {
                    let w = wide_ident(name);
                    // Only affine arithmetic gains from being computed wide (see `wide`);
                    // anything else is the `i32` value widened, not a second copy of it.
                    let affine = matches!(
                        value.node(),
                        halite_core::ExprNode::Var(_)
                            | halite_core::ExprNode::Const(_)
                            | halite_core::ExprNode::Unary(halite_core::UnOp::Neg, _)
                            | halite_core::ExprNode::Binary(
                                halite_core::BinOp::Add
                                    | halite_core::BinOp::Sub
                                    | halite_core::BinOp::Mul,
                                _,
                                _
                            )
                    );
                    let wv = if affine && self.widenable(value) {
                        self.wide(value)
                    } else {
                        quote!((#id as isize))
                    };
                    self.wide_vars.push(name.to_string());
                    quote!(let #w: isize = #wv;)
                } else {
                    quote!()
                };
                let range = self.constant_range(value);
                self.let_ranges.push((name.to_string(), range));
                let b = self.stmt(body);
                self.let_ranges.pop();
                quote!(let #id: #t = #v; #wide #b)
            }
            Stmt::If { cond, then } => {
                // The terms of a condition that reads are tested in order (`&&`): a read in a
                // later one (a predicate `a(r) > t`) happens only where the earlier ones (a
                // split's guard `r < n`) hold, as bounds inference assumes. Conditions of
                // index arithmetic only stay one branch (`&`), which LLVM optimizes better.
                let terms = cond.conjuncts();
                let c = if terms.iter().skip(1).any(|t| t.reads()) {
                    let terms = terms.into_iter().map(|t| emit(t, self));
                    quote!(#(#terms)&&*)
                } else {
                    emit(cond, self)
                };
                let b = self.stmt(then);
                quote!(if #c { #b })
            }
            Stmt::Block(v) => {
                let parts: Vec<TokenStream> = v.iter().map(|s| self.stmt(s)).collect();
                quote!(#(#parts)*)
            }
        }
    }
}

/// The name of the `isize` copy of an `i32` index variable.
fn wide_ident(name: &str) -> Ident {
    derived(name, "w")
}

impl Gen {
    /// Constant bounds of an integer expression, knowing those of the `let`s in scope.
    fn constant_range(&self, e: &Expr) -> halite_schedule::passes::tiles::Range {
        halite_schedule::passes::tiles::constant_range(
            e,
            &|n| {
                self.let_ranges
                    .iter()
                    .rev()
                    .find(|(m, _)| m == n)
                    .map(|(_, r)| *r)
            },
            &|_, _| (None, None),
        )
    }

    /// Whether `e`'s arithmetic may be computed in `isize`: it reads nothing. Bounds inference
    /// bounds the arithmetic of loop variables, lets and run-time constants as mathematical
    /// integers, as computed here (with entry guards where it could leave `i32`). Values read
    /// from memory are bounded only by their types and by the operations that cap them
    /// (`(d(x) * d(x)) % 40` by the `%`, whether or not the product wrapped), so their
    /// arithmetic keeps its `i32` wrapping, as `reference` computes it.
    fn widenable(&self, e: &Expr) -> bool {
        !e.reads()
    }

    /// An `i32` index expression computed in `isize`. The entry guards prove that no index
    /// arithmetic of the loops wraps in `i32`, so the value is the same;
    /// computing it wide keeps addresses affine in the loop variables (a wrapping `i32` then
    /// sign-extended is not), which is what lets LLVM emit plain vector loads and stores.
    /// Other arithmetic (see [`Gen::widenable`]) is computed in `i32`, then widened.
    pub(crate) fn wide(&self, e: &Expr) -> TokenStream {
        use halite_core::{BinOp, ExprNode, Intrinsic, UnOp};
        let go = |x: &Expr| self.wide(x);
        let fallback = || {
            let v = emit(e, self);
            quote!(((#v) as isize))
        };
        if e.ty() != Type::I32 {
            return fallback();
        }
        let arithmetic = matches!(
            e.node(),
            ExprNode::Unary(..) | ExprNode::Binary(..) | ExprNode::Intrinsic(..)
        );
        if arithmetic && !self.widenable(e) {
            return fallback();
        }
        match e.node() {
            ExprNode::Const(v) => {
                let x = v.as_i64().unwrap_or(0) as isize;
                let l = proc_macro2::Literal::isize_suffixed(x.abs());
                if x < 0 {
                    quote!((-#l))
                } else {
                    quote!(#l)
                }
            }
            ExprNode::Var(n) if self.wide_vars.iter().any(|w| w == &**n) => {
                let id = wide_ident(n);
                quote!(#id)
            }
            ExprNode::Unary(UnOp::Neg, a) => {
                let a = go(a);
                quote!((#a).wrapping_neg())
            }
            ExprNode::Binary(op, a, b) => {
                let (x, y) = (go(a), go(b));
                match op {
                    BinOp::Add => quote!((#x).wrapping_add(#y)),
                    BinOp::Sub => quote!((#x).wrapping_sub(#y)),
                    BinOp::Mul => quote!((#x).wrapping_mul(#y)),
                    BinOp::Div => quote!(::halite::rt::ops::div(#x, #y)),
                    BinOp::Rem => quote!(::halite::rt::ops::rem(#x, #y)),
                    BinOp::Min => quote!(::core::cmp::min(#x, #y)),
                    BinOp::Max => quote!(::core::cmp::max(#x, #y)),
                    _ => fallback(),
                }
            }
            ExprNode::Select(c, t, f) => {
                let c = emit(c, self);
                let (t, f) = (go(t), go(f));
                quote!((if #c { #t } else { #f }))
            }
            ExprNode::Intrinsic(Intrinsic::Clamp, args) => {
                let (x, lo, hi) = (go(&args[0]), go(&args[1]), go(&args[2]));
                quote!(::core::cmp::min(::core::cmp::max(#x, #lo), #hi))
            }
            _ => fallback(),
        }
    }
}

impl LoadEmitter for Gen {
    fn load(&self, _kind: CallKind, name: &str, args: &[Expr]) -> TokenStream {
        let p = derived(name, "ptr");
        let a: Vec<TokenStream> = args.iter().map(|a| self.wide(a)).collect();
        let off = self.offset(name, &a);
        quote!(#p.load(#off))
    }
}

/// Intermediates allocated at the top of the nest (peeled off `body`).
fn top_allocations(s: &Stmt) -> (Vec<(String, Type, usize)>, &Stmt) {
    let mut out = Vec::new();
    let mut cur = s;
    while let Stmt::Allocate {
        func,
        ty,
        bounds,
        body,
    } = cur
    {
        out.push((func.to_string(), *ty, bounds.len()));
        cur = body;
    }
    (out, cur)
}

/// Intermediates allocated inside parallel loops.
fn inner_allocations(s: &Stmt, out: &mut Vec<(String, Type, usize)>) {
    s.visit(&mut |x| {
        if let Stmt::Allocate {
            func, ty, bounds, ..
        } = x
        {
            // A Func may be allocated again inside its allocation (a copy of a tile).
            if !out.iter().any(|(f, _, _)| f == &**func) {
                out.push((func.to_string(), *ty, bounds.len()));
            }
        }
    });
}

/// The Rust of a whole kernel: the scheduled fn and the module with `reference` and
/// `loop_nest`.
pub fn emit_kernel(sig: &KernelSig, lowered: &Lowered) -> TokenStream {
    emit_kernel_per_isa(sig, &[(isa::ALL, lowered)])
}

/// The loop nests of a kernel's schedules as text: the one nest, or each group's headed by
/// its instruction sets (`for avx2, neon:`) and indented.
pub fn loop_nest_text(schedules: &[(u8, &Lowered)]) -> String {
    match schedules {
        [(_, l)] => l.loop_nest_text(),
        _ => schedules
            .iter()
            .flat_map(|(set, l)| {
                let head = format!("for {}:\n", isa::names(*set).join(", "));
                let nest = l.loop_nest_text();
                let body: Vec<String> = nest.lines().map(|l| format!("  {l}\n")).collect();
                std::iter::once(head).chain(body)
            })
            .collect(),
    }
}

/// The kernel with a schedule per group of instruction sets (`if isa(..) { .. }` in the
/// schedule): `schedules` pairs a set of [`isa`] bits with the pipeline lowered under the
/// directives those instruction sets see. The sets partition [`isa::ALL`]; the kernel picks
/// the group of the instruction set `rt::isa()` selects, and each group compiles only its own
/// vector paths (plus the portable path, for views that are not dense).
pub fn emit_kernel_per_isa(sig: &KernelSig, schedules: &[(u8, &Lowered)]) -> TokenStream {
    let lowered = schedules[0].1;
    let kernel = sig.name.as_str();
    let mut prologue = Vec::new();
    let mut env: Vec<(Ident, TokenStream)> = Vec::new();
    let mut storage = HashMap::new();
    let mut inner_strides: Vec<Ident> = Vec::new();
    let mut ref_params = Vec::new();
    let mut ref_inputs = Vec::new();
    let mut ref_outputs = Vec::new();
    let mut ref_rebind = Vec::new();
    // Checks of the reference's own, before it copies its inputs.
    let mut ref_checks = Vec::new();
    for a in &sig.args {
        match a {
            KernelArg::Scalar { name, ty, is_usize } => {
                let p = Ident::new(name, Span::call_site());
                let h = ident(name);
                if *is_usize {
                    prologue.push(
                        quote!(let #h: i32 = ::halite::rt::scalar_usize(#kernel, #name, #p)?;),
                    );
                    ref_params
                        .push(quote!(::halite::rt::reference::usize_value(#kernel, #name, #p)?));
                    env.push((h, quote!(i32)));
                } else {
                    let t = rust_type(*ty);
                    prologue.push(quote!(let #h: #t = #p;));
                    ref_params.push(quote!(::halite::rt::reference::Element::to_value(#p)));
                    env.push((h, t));
                }
            }
            KernelArg::Input { name, ty, dims } | KernelArg::Output { name, ty, dims } => {
                let is_out = matches!(a, KernelArg::Output { .. });
                let p = Ident::new(name, Span::call_site());
                let parts = derived(name, "parts");
                let ptr = derived(name, "ptr");
                let t = rust_type(*ty);
                let n = *dims;
                if is_out {
                    prologue.push(quote! {
                        let mut #p = #p;
                        let #parts = ::halite::rt::output::<#t, _, #n>(#kernel, #name, &mut #p)?;
                        let #ptr = ::halite::rt::Ptr::new(#parts.ptr);
                    });
                    ref_outputs.push(quote!(&mut #p));
                    ref_rebind.push(quote!(let mut #p = #p;));
                } else {
                    prologue.push(quote! {
                        let #parts = ::halite::rt::input::<#t, _, #n>(#kernel, #name, &#p)?;
                        let #ptr = ::halite::rt::Ptr::from_const(#parts.ptr);
                    });
                    ref_inputs
                        .push(quote!(::halite::rt::reference::input_buffer(#kernel, #name, &#p)?));
                }
                env.push((ptr, quote!(::halite::rt::Ptr<#t>)));
                for d in 0..n {
                    let e = ident(&halite_core::func::extent_var_name(name, d));
                    let s = derived(name, &format!("s{d}"));
                    prologue.push(quote! {
                        let #e: i32 = #parts.extent[#d];
                        let #s: isize = #parts.stride[#d];
                    });
                    env.push((e, quote!(i32)));
                    env.push((s.clone(), quote!(isize)));
                    if d + 1 == n {
                        inner_strides.push(s);
                    }
                }
                if sig.lens.contains(name) {
                    let l = ident(&halite_core::func::len_var_name(name));
                    prologue.push(
                        quote!(let #l: i32 = ::halite::rt::len(#kernel, #name, #p.shape())?;),
                    );
                    ref_checks.push(quote!(::halite::rt::len(#kernel, #name, #p.shape())?;));
                    env.push((l, quote!(i32)));
                }
                storage.insert(name.clone(), Storage::View { dims: n });
            }
        }
    }
    // One block per version (specializations first, the general one last).
    let cond_gen = Gen {
        storage: storage.clone(),
        wide_vars: Vec::new(),
        simd: false,
        dense_shadow: quote!(),
        stack_bufs: Default::default(),
        allocated: Vec::new(),
        let_ranges: Vec::new(),
        nontemporal: Vec::new(),
    };
    let versions_of = |set: u8, lowered: &Lowered| -> TokenStream {
        let mut versions = Vec::new();
        for (cond, l) in &lowered.specializations {
            let c = emit(cond, &cond_gen);
            let block = emit_version(kernel, l, &storage, env.clone(), &inner_strides, set);
            versions.push(quote!(if #c #block else));
        }
        versions.push(emit_version(
            kernel,
            lowered,
            &storage,
            env.clone(),
            &inner_strides,
            set,
        ));
        quote!(#(#versions)*)
    };
    let text = format!("kernel {kernel}\n{}", loop_nest_text(schedules));
    let body = if let [(_, l)] = schedules {
        versions_of(isa::ALL, l)
    } else {
        let mut arms = Vec::new();
        for (set, l) in schedules {
            let names = isa::names(*set);
            let pats = names.iter().map(|n| {
                let v = Ident::new(isa::variant(n), Span::call_site());
                quote!(::halite::rt::Isa::#v)
            });
            let block = versions_of(*set, l);
            arms.push(quote!(#(#pats)|* => { #block }));
        }
        // The schedule of the instruction set the vector paths would run (the same choice as
        // each version's dispatch below).
        quote!(match ::halite::rt::isa()? { #(#arms)* })
    };
    let pipeline_text = halite_core::sexpr::to_string(&lowered.pipeline);
    let (attrs, vis, fn_sig, ref_sig) = (&sig.attrs, &sig.vis, &sig.sig, &sig.reference_sig);
    let mod_name = Ident::new(kernel, Span::call_site());
    let ref_doc = format!(
        "The algorithm of [`fn@{kernel}`] computed by halite's reference interpreter, without its schedule: the oracle to test the kernel against."
    );
    let mod_doc =
        format!("The reference implementation and loop nest of the kernel [`fn@{kernel}`].");
    quote! {
        #attrs
        #[allow(unused_variables, unused_mut, unused_parens, unused_braces, unused_unsafe, non_snake_case, clippy::all)]
        #vis #fn_sig {
            #(#prologue)*
            #body
            Ok(())
        }

        #[doc = #mod_doc]
        #[allow(non_snake_case, unused_imports, clippy::all)]
        #vis mod #mod_name {
            use super::*;

            #[doc = #ref_doc]
            #[allow(unused_mut, clippy::all)]
            pub #ref_sig {
                static PIPELINE: ::std::sync::OnceLock<::core::result::Result<::halite::core::Pipeline, ::std::string::String>> =
                    ::std::sync::OnceLock::new();
                #(#ref_rebind)*
                #(#ref_checks)*
                let pipeline = PIPELINE.get_or_init(|| ::halite::core::sexpr::from_str(#pipeline_text));
                ::halite::rt::reference::run(
                    #kernel,
                    pipeline,
                    &[#(#ref_params),*],
                    ::std::vec![#(#ref_inputs),*],
                    &mut [#(#ref_outputs as &mut dyn ::halite::rt::reference::OutputBuffer),*],
                )
            }

            /// The lowered loop nest of the kernel as readable text.
            pub fn loop_nest() -> &'static str {
                #text
            }
        }
    }
}

/// One version of the kernel's body as a block: entry lets, guards and region checks (all
/// before anything is written), storage, and the dispatch to the loop nest of each path.
fn emit_version(
    kernel: &str,
    lowered: &Lowered,
    storage: &HashMap<String, Storage>,
    mut env: Vec<(Ident, TokenStream)>,
    inner_strides: &[Ident],
    set: u8,
) -> TokenStream {
    let mut prologue = Vec::new();
    // Entry lets, guards, checks: all before anything is written.
    let dense_shadow: Vec<TokenStream> = inner_strides
        .iter()
        .map(|s| quote!(let #s: isize = if DENSE { 1 } else { #s };))
        .collect();
    let mut gen = Gen {
        storage: storage.clone(),
        wide_vars: Vec::new(),
        simd: false,
        dense_shadow: quote!(#(#dense_shadow)*),
        stack_bufs: Default::default(),
        allocated: Vec::new(),
        let_ranges: Vec::new(),
        nontemporal: lowered.nontemporal.iter().map(|f| f.to_string()).collect(),
    };
    for (n, v) in &lowered.entry_lets {
        let id = ident(n);
        let t = rust_type(v.ty());
        let val = if v.ty() == Type::I64 {
            emit_saturating(v)
        } else {
            emit(v, &gen)
        };
        prologue.push(quote!(let #id: #t = #val;));
        env.push((id, t));
    }
    let mut checks = Vec::new();
    for g in &lowered.guards {
        checks.push(match g {
            Guard::NoOverflow(c) => {
                let c2 = emit_saturating(c);
                let text = c.to_string();
                quote! {
                    if !(#c2) {
                        return Err(::halite::Error::index_overflow(#kernel, #text));
                    }
                }
            }
            Guard::OutputExtent { buffer, axis, extent } => {
                let e = ident(&halite_core::func::extent_var_name(buffer, *axis));
                let b = buffer.to_string();
                quote! {
                    if #e as i64 != #extent {
                        return Err(::halite::Error::OutputShape { kernel: #kernel, buffer: #b, axis: #axis, expected: #extent, extent: #e as usize });
                    }
                }
            }
        });
    }
    for c in &lowered.checks {
        let when = emit_saturating(&c.when);
        let buffer = c.buffer.to_string();
        let per_dim: Vec<TokenStream> = c
            .dims
            .iter()
            .zip(&c.limits)
            .enumerate()
            .map(|(d, ((lo, hi), (mn, ext)))| {
                let (lo, hi) = (emit_saturating(lo), emit_saturating(hi));
                let (mn, ext) = (emit(mn, &gen), emit(ext, &gen));
                if c.bounded {
                    quote!(::halite::rt::check_bound(#kernel, #buffer, #d, #lo, #hi, #mn, #ext)?;)
                } else {
                    quote!(::halite::rt::check_region(#kernel, #buffer, #d, #lo, #hi, #mn, #ext)?;)
                }
            })
            .collect();
        checks.push(quote!(if #when { #(#per_dim)* }));
    }
    // Storage.
    let (tops, body) = top_allocations(&lowered.body);
    let mut inner = Vec::new();
    inner_allocations(body, &mut inner);
    inner.retain(|(f, _, _)| !tops.iter().any(|(t, _, _)| t == f));
    let mut allocs = Vec::new();
    for (func, ty, dims, top) in tops
        .iter()
        .map(|t| (&t.0, t.1, t.2, true))
        .chain(inner.iter().map(|t| (&t.0, t.1, t.2, false)))
    {
        let t = rust_type(ty);
        let fname = func.clone();
        let exts: Vec<Ident> = (0..dims)
            .map(|d| ident(&halite_schedule::passes::allocate::alloc_var(func, d)))
            .collect();
        // Strides follow the storage order (outermost first): the last one is contiguous.
        let order: Vec<usize> = lowered
            .storage
            .get(func.as_str())
            .cloned()
            .unwrap_or_else(|| (0..dims).collect());
        let mut strides = Vec::new();
        let mut prev: Option<usize> = None;
        for &d in order.iter().rev() {
            let s = derived(func, &format!("s{d}"));
            strides.push(match prev {
                None => quote!(let #s: isize = 1;),
                Some(p) => {
                    let sp = derived(func, &format!("s{p}"));
                    let ep = &exts[p];
                    quote!(let #s: isize = #sp * (#ep as isize);)
                }
            });
            prev = Some(d);
        }
        // A small allocation with constant bounds lives in a local array of the body.
        let bounds: Option<Vec<i64>> = exts
            .iter()
            .map(|e| constant_bound(lowered, &e.to_string()))
            .collect();
        let stack = bounds.filter(|b| {
            let n = b.iter().try_fold(1i64, |acc, &x| acc.checked_mul(x));
            n.is_some_and(|n| n > 0 && n * (ty.bits().max(8) as i64 / 8) <= STACK_BYTES)
        });
        let unit = *order.last().unwrap_or(&0);
        let next = order.len().checked_sub(2).map(|i| order[i]);
        let folds: Vec<Option<i64>> = (0..dims).map(|d| fold_factor(lowered, func, d)).collect();
        if let Some(b) = &stack {
            let mut st = vec![0isize; dims];
            let mut acc = 1isize;
            for &d in order.iter().rev() {
                // A dimension of one element has one valid index (the region's min): stride 0
                // drops its term from offsets, which then stay constant even where LLVM cannot
                // prove `index - min == 0` (a consumer computing the index its own way), so
                // that the array can live in registers.
                st[d] = if b[d] == 1 { 0 } else { acc };
                acc *= b[d] as isize;
            }
            gen.storage.insert(
                func.clone(),
                Storage::Alloc {
                    dims,
                    unit,
                    next,
                    stack: Some(st),
                    folds,
                },
            );
            gen.stack_bufs
                .insert(func.clone(), (rust_type(ty), acc as usize, top));
            continue;
        }
        allocs.push(quote!(#(#strides)*));
        for d in 0..dims {
            env.push((derived(func, &format!("s{d}")), quote!(isize)));
        }
        gen.storage.insert(
            func.clone(),
            Storage::Alloc {
                dims,
                unit,
                next,
                stack: None,
                folds,
            },
        );
        let buf = derived(func, "buf");
        let p = derived(func, "ptr");
        let len = derived(func, "len");
        if top {
            allocs.push(quote! {
                let mut #buf: ::halite::rt::Scratch<#t> = ::halite::rt::alloc(#kernel, #fname, &[#(#exts),*])?;
                let #p = ::halite::rt::Ptr::new(#buf.as_mut_ptr());
            });
            env.push((p, quote!(::halite::rt::Ptr<#t>)));
        } else {
            allocs.push(quote!(let #len: usize = ::halite::rt::check_alloc::<#t>(#kernel, #fname, &[#(#exts),*])?;));
            env.push((len, quote!(usize)));
        }
    }
    // Local arrays of the small allocations made once per call.
    let stack_tops: Vec<TokenStream> = gen
        .stack_bufs
        .iter()
        .filter(|(_, (_, _, top))| *top)
        .map(|(f, (t, n, _))| stack_buf(f, t, *n))
        .collect();
    gen.allocated.extend(tops.iter().map(|(f, _, _)| f.clone()));
    // The loop nest, once per path.
    gen.simd = true;
    let body_simd = gen.stmt(body);
    gen.simd = false;
    let body_scalar = gen.stmt(body);
    let names: Vec<&Ident> = env.iter().map(|(n, _)| n).collect();
    let types: Vec<&TokenStream> = env.iter().map(|(_, t)| t).collect();
    let shadow = gen.dense_shadow.clone();
    // Non-temporal stores made on this thread, outside parallel loops, are ordered before the
    // kernel returns.
    let fence = if gen.nontemporal.is_empty() {
        quote!()
    } else {
        quote!(::halite::rt::stream_fence();)
    };
    let variant = |fname: &str,
                   features: Option<&str>,
                   cfg: TokenStream,
                   dense: bool,
                   body: &TokenStream| {
        let f = Ident::new(fname, Span::call_site());
        let tf = features.map(|feat| quote!(#[target_feature(enable = #feat)]));
        // The lane selections of this path (see `halite::rt::shuffle`).
        let shuf = match features {
            Some(f) if f.contains("avx512f") => quote!(
                use ::halite::rt::shuffle::avx512 as __shuf;
            ),
            Some(f) if f.contains("avx2") => quote!(
                use ::halite::rt::shuffle::avx2 as __shuf;
            ),
            _ => quote!(
                use ::halite::rt::shuffle::portable as __shuf;
            ),
        };
        quote! {
            #cfg
            #tf
            #[allow(unused_variables, unused_mut, unused_parens, unused_braces, unused_unsafe, unused_imports, non_snake_case, clippy::all)]
            unsafe fn #f(__env: __Env) {
                // Whether every view's innermost stride is 1: the vector paths are called
                // only then (see the dispatch below), the scalar path for any layout.
                const DENSE: bool = #dense;
                #shuf
                let __Env { #(#names),* } = __env;
                #shadow
                #(#stack_tops)*
                // SAFETY: see `emit_kernel`: every access is inside the checked region; the
                // `__shuf` functions of this path need its instruction set, which `rt::isa()`
                // detected before dispatching here.
                unsafe { #body }
                #fence
            }
        }
    };
    let x86 = quote!(#[cfg(target_arch = "x86_64")]);
    let arm = quote!(#[cfg(target_arch = "aarch64")]);
    let avx512 = "avx512f,avx512bw,avx512vl,avx512dq,avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt,sse4.2";
    let avx2 = "avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt,sse4.2";
    // The vector paths of this schedule's instruction sets; the portable path always (it
    // runs the views that are not dense, and the `scalar` instruction set).
    let mut fns = Vec::new();
    let mut arms = Vec::new();
    let paths = [
        (
            isa::AVX512,
            "__body_avx512",
            Some(avx512),
            &x86,
            quote!(Avx512),
        ),
        (isa::AVX2, "__body_avx2", Some(avx2), &x86, quote!(Avx2)),
        (isa::SSE2, "__body_sse2", None, &x86, quote!(Sse2)),
        (isa::NEON, "__body_neon", Some("neon"), &arm, quote!(Neon)),
    ];
    for (bit, fname, features, cfg, v) in paths {
        if set & bit != 0 {
            fns.push(variant(fname, features, cfg.clone(), true, &body_simd));
            let f = Ident::new(fname, Span::call_site());
            arms.push(quote! {
                #cfg
                (::halite::rt::Isa::#v, true) => #f(__env),
            });
        }
    }
    fns.push(variant(
        "__body_scalar",
        None,
        quote!(),
        false,
        &body_scalar,
    ));
    let dense_cond = if inner_strides.is_empty() {
        quote!(true)
    } else {
        quote!(#(#inner_strides == 1)&&*)
    };
    quote! {
        {
            #[derive(Clone, Copy)]
            struct __Env { #(#names: #types),* }
            #(#fns)*
            #(#prologue)*
            #(#checks)*
            #(#allocs)*

            let __isa = ::halite::rt::isa()?;
            let __dense = #dense_cond;
            let __env = __Env { #(#names),* };
            // SAFETY: every load and store of the loop nest reads or writes an element inside
            // the region proven in bounds above: `rt::input`/`rt::output` captured each view's
            // pointer, extents and strides; `check_region` checked every region the nest reads
            // from a view against its extents; the guards proved that no index arithmetic
            // wraps; intermediates are allocated over an upper bound of every region they are
            // computed over; outputs are written over their own shape. The `#[target_feature]`
            // paths run only when `rt::isa()` detected those features on this CPU.
            unsafe {
                // Views with a non-unit innermost stride (transposed, stepped) take the
                // portable path, which computes every offset from the strides; standard
                // layouts get the vector code of the detected instruction set, which reads
                // and writes views as whole vectors and so is only sound when `__dense`.
                match (__isa, __dense) {
                    #(#arms)*
                    _ => __body_scalar(__env),
                }
            }

        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::{Expr, Func, Input, Intrinsic, Origin, Pipeline};
    use halite_schedule::{Arg, Directive};

    /// The code of a kernel `k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>)` computing
    /// `out(y, x) = value` under the directives `(name, args)` on `out`.
    fn emit_one(value: Expr, directives: Vec<(&str, Vec<Arg>)>) -> String {
        let (sig, lowered) = lower_one(value, directives);
        emit_kernel(&sig, &lowered).to_string()
    }

    /// The signature and lowered pipeline of the kernel of [`emit_one`].
    fn lower_one(value: Expr, directives: Vec<(&str, Vec<Arg>)>) -> (KernelSig, Lowered) {
        let p = Pipeline {
            name: "k".into(),
            inputs: vec![Input {
                name: "a".into(),
                ty: Type::F32,
                dims: 2,
            }],
            funcs: vec![Func {
                name: "out".into(),
                args: vec!["y".into(), "x".into()],
                ty: Type::F32,
                value,
                updates: vec![],
                output: Some(0),
                origin: Origin::NONE,
            }],
            ..Default::default()
        };
        let ds: Vec<Directive> = directives
            .into_iter()
            .map(|(name, args)| Directive::new("out", name, args))
            .collect();
        let lowered = halite_schedule::lower(&p, &ds).unwrap();
        let sig = KernelSig {
            name: "k".into(),
            attrs: quote!(),
            vis: quote!(pub),
            sig: quote!(fn k(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error>),
            reference_sig: quote!(fn reference(a: ArrayView2<f32>, out: ArrayViewMut2<f32>) -> Result<(), Error>),
            lens: vec![],
            args: vec![
                KernelArg::Input {
                    name: "a".into(),
                    ty: Type::F32,
                    dims: 2,
                },
                KernelArg::Output {
                    name: "out".into(),
                    ty: Type::F32,
                    dims: 2,
                },
            ],
        };
        (sig, lowered)
    }

    fn read(x: Expr) -> Expr {
        Expr::call(
            CallKind::Input,
            "a",
            vec![Expr::var("y", Type::I32), x],
            Type::F32,
        )
    }

    fn ident(n: &str) -> Arg {
        Arg::Ident(n.into(), Origin::NONE)
    }

    /// The generated kernel has one body per instruction set, checks before it runs, and
    /// the parallel loop goes through rayon.
    #[test]
    fn kernel_shape() {
        let code = emit_one(
            read(Expr::var("x", Type::I32).add(Expr::i32(1))),
            vec![
                ("vectorize", vec![ident("x"), Arg::Int(16, Origin::NONE)]),
                ("parallel", vec![ident("y")]),
            ],
        );
        for needle in [
            "__body_avx512",
            "__body_avx2",
            "__body_sse2",
            "__body_neon",
            "__body_scalar",
            "check_region",
            "par_for_init",
            "fn reference",
            "fn loop_nest",
        ] {
            assert!(code.contains(needle), "missing {needle}");
        }
        // Checks come before the dispatch to a body.
        assert!(code.find("check_region").unwrap() < code.find("rt :: isa ()").unwrap());
    }

    /// A loop unrolled by more than its constant trip count (a `bound`, or a producer's
    /// region smaller than the factor) is emitted once, as its iterations: not also as the
    /// `factor` copies that a run-time test would never take.
    #[test]
    fn loops_shorter_than_their_factor_are_emitted_once() {
        let x = || Expr::var("x", Type::I32);
        let bound = |n| {
            (
                "bound",
                vec![
                    ident("x"),
                    Arg::Int(0, Origin::NONE),
                    Arg::Int(n, Origin::NONE),
                ],
            )
        };
        let (sig, lowered) = lower_one(
            read(x()),
            vec![
                bound(3),
                ("unroll", vec![ident("x"), Arg::Int(4, Origin::NONE)]),
            ],
        );
        let nest = lowered.loop_nest_text();
        assert!(
            nest.contains("unrolled(x4) for out.x_unroll in [0, +3)"),
            "{nest}"
        );
        let code = emit_kernel(&sig, &lowered).to_string();
        assert!(!code.contains("3i32 == 4i32"), "{code}");
    }

    /// A schedule per group of instruction sets: the kernel picks the group of the selected
    /// instruction set, and each group compiles its own vector paths and a portable one.
    #[test]
    fn schedule_per_instruction_set_shape() {
        let x = || Expr::var("x", Type::I32);
        let vec = |w| vec![("vectorize", vec![ident("x"), Arg::Int(w, Origin::NONE)])];
        let (sig, wide) = lower_one(read(x()), vec(16));
        let (_, narrow) = lower_one(read(x()), vec(8));
        let code = emit_kernel_per_isa(
            &sig,
            &[(isa::AVX512, &wide), (isa::ALL & !isa::AVX512, &narrow)],
        )
        .to_string();
        let count = |n: &str| code.matches(n).count();
        assert_eq!(count("unsafe fn __body_avx512"), 1);
        assert_eq!(count("unsafe fn __body_avx2"), 1);
        assert_eq!(count("unsafe fn __body_sse2"), 1);
        assert_eq!(count("unsafe fn __body_scalar"), 2);
        assert!(code
            .contains("match :: halite :: rt :: isa () ? { :: halite :: rt :: Isa :: Avx512 =>"));
        assert!(code.contains(":: halite :: rt :: Isa :: Avx2 | :: halite :: rt :: Isa :: Sse2 | :: halite :: rt :: Isa :: Neon | :: halite :: rt :: Isa :: Scalar =>"));
        let nest = code
            .find("for avx512:")
            .expect("the loop nest text names the groups");
        assert!(code[nest..].contains("for avx2, sse2, neon, scalar:"));
    }

    /// Vector reads of pyramids: `a(y, 2 * x)` through the per-ISA shuffle (AVX2 paths bind
    /// it to `avx2`, the others to `portable`), `a(y, x.div_euclid(2))` as half a vector and a
    /// spread by parity, and a read through a boundary clamp in a body emitted twice, the
    /// first version guarded by the clamp's range.
    #[test]
    fn pyramid_reads_shape() {
        let x = || Expr::var("x", Type::I32);
        let value = read(x().mul(Expr::i32(2)))
            .add(read(Expr::intrinsic(
                Intrinsic::DivEuclid,
                vec![x(), Expr::i32(2)],
            )))
            .add(read(Expr::intrinsic(
                Intrinsic::Clamp,
                vec![x().sub(Expr::i32(1)), Expr::i32(0), Expr::i32(100)],
            )));
        let code = emit_one(
            value,
            vec![("vectorize", vec![ident("x"), Arg::Int(8, Origin::NONE)])],
        );
        for needle in [
            "use :: halite :: rt :: shuffle :: avx512 as __shuf",
            "use :: halite :: rt :: shuffle :: avx2 as __shuf",
            "use :: halite :: rt :: shuffle :: portable as __shuf",
            "__shuf :: stride2_f32x8",
            "if __p == 0",
            "__e0 >=",
        ] {
            assert!(code.contains(needle), "missing {needle}");
        }
    }
}
