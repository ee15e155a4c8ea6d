//! The whole kernel: entry checks, storage, and the loop nest.

use crate::expr::{emit, emit_saturating, LoadEmitter};
use crate::names::{derived, ident, rust_type};
use halite_core::{CallKind, ForKind, Stmt, Type};
use halite_schedule::Lowered;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::HashMap;

/// One parameter of the kernel's signature, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelArg {
    /// A scalar; `usize` ones are `i32` in expressions (`is_usize`).
    Scalar { name: String, ty: Type, is_usize: bool },
    Input { name: String, ty: Type, dims: usize },
    Output { name: String, ty: Type, dims: usize },
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
}

/// Where each buffer lives in the generated code.
enum Storage {
    /// A view parameter: pointer and per-dimension element strides.
    View { dims: usize },
    /// An allocated intermediate: row-major over its region.
    Alloc { dims: usize },
}

struct Loads {
    storage: HashMap<String, Storage>,
}

impl Loads {
    /// The element offset of a point in `name`'s storage.
    fn offset(&self, name: &str, args: &[TokenStream]) -> TokenStream {
        let terms: Vec<TokenStream> = match self.storage.get(name) {
            Some(Storage::View { dims }) => (0..*dims)
                .map(|d| {
                    let s = derived(name, &format!("s{d}"));
                    let a = &args[d];
                    quote!(((#a) as isize) * #s)
                })
                .collect(),
            Some(Storage::Alloc { dims }) => (0..*dims)
                .map(|d| {
                    let s = derived(name, &format!("s{d}"));
                    let m = ident(&halite_schedule::passes::loop_nest::min_var(name, d));
                    let a = &args[d];
                    quote!((((#a) as isize) - (#m as isize)) * #s)
                })
                .collect(),
            None => {
                let msg = format!("halite internal error: no storage for `{name}`");
                return quote!(::core::compile_error!(#msg));
            }
        };
        quote!(#(#terms)+*)
    }
}

impl LoadEmitter for Loads {
    fn load(&self, _kind: CallKind, name: &str, args: &[TokenStream]) -> TokenStream {
        let p = derived(name, "ptr");
        let off = self.offset(name, args);
        quote!((*#p.offset(#off)))
    }
}

fn emit_stmt(s: &Stmt, loads: &mut Loads, kernel: &str) -> TokenStream {
    match s {
        Stmt::For {
            var,
            min,
            extent,
            kind,
            body,
        } => {
            let v = ident(var);
            let (min_t, ext) = (emit(min, loads), emit(extent, loads));
            let body = emit_stmt(body, loads, kernel);
            match kind {
                ForKind::Serial => {}
                other => {
                    let msg = format!("halite internal error: loop kind {other:?} not supported by this back end");
                    return quote!(::core::compile_error!(#msg););
                }
            }
            if min.as_int() == Some(0) {
                quote! {
                    for #v in 0..#ext {
                        #body
                    }
                }
            } else {
                quote! {
                    let __min: i32 = #min_t;
                    for __i in 0..::core::cmp::max(#ext, 0i32) {
                        let #v: i32 = __min.wrapping_add(__i);
                        #body
                    }
                }
            }
        }
        Stmt::Store { func, args, value } => {
            let a: Vec<TokenStream> = args.iter().map(|a| emit(a, loads)).collect();
            let v = emit(value, loads);
            let p = derived(func, "ptr");
            let off = loads.offset(func, &a);
            quote!(*#p.offset(#off) = #v;)
        }
        Stmt::Allocate {
            func,
            ty,
            bounds,
            body,
        } => {
            loads
                .storage
                .insert(func.to_string(), Storage::Alloc { dims: bounds.len() });
            let t = rust_type(*ty);
            let buf = derived(func, "buf");
            let p = derived(func, "ptr");
            let exts: Vec<TokenStream> = bounds.iter().map(|(_, e)| emit(e, loads)).collect();
            let n = bounds.len();
            let strides: Vec<TokenStream> = (0..n)
                .rev()
                .map(|d| {
                    let s = derived(func, &format!("s{d}"));
                    if d == n - 1 {
                        quote!(let #s: isize = 1;)
                    } else {
                        let s1 = derived(func, &format!("s{}", d + 1));
                        let e1 = &exts[d + 1];
                        quote!(let #s: isize = #s1 * ((#e1) as isize);)
                    }
                })
                .collect();
            let fname = func.to_string();
            let body = emit_stmt(body, loads, kernel);
            quote! {
                let mut #buf: ::std::vec::Vec<#t> =
                    ::halite::rt::alloc(#kernel, #fname, &[#(#exts),*])?;
                let #p: *mut #t = #buf.as_mut_ptr();
                #(#strides)*
                #body
                drop(#buf);
            }
        }
        Stmt::Produce { body, .. } => {
            let b = emit_stmt(body, loads, kernel);
            quote!({ #b })
        }
        Stmt::Let { name, value, body } => {
            let id = ident(name);
            let t = rust_type(value.ty());
            let v = emit(value, loads);
            let b = emit_stmt(body, loads, kernel);
            quote!(let #id: #t = #v; #b)
        }
        Stmt::If { cond, then } => {
            let c = emit(cond, loads);
            let b = emit_stmt(then, loads, kernel);
            quote!(if #c { #b })
        }
        Stmt::Block(v) => {
            let parts: Vec<TokenStream> = v.iter().map(|s| emit_stmt(s, loads, kernel)).collect();
            quote!(#(#parts)*)
        }
    }
}

/// The Rust of a whole kernel: the scheduled fn and the module with `reference` and
/// `loop_nest`.
pub fn emit_kernel(sig: &KernelSig, lowered: &Lowered) -> TokenStream {
    let kernel = sig.name.as_str();
    let mut prologue = Vec::new();
    let mut storage = HashMap::new();
    let mut ref_params = Vec::new();
    let mut ref_inputs = Vec::new();
    let mut ref_outputs = Vec::new();
    let mut ref_rebind = Vec::new();
    for a in &sig.args {
        match a {
            KernelArg::Scalar { name, ty, is_usize } => {
                let p = Ident::new(name, Span::call_site());
                let h = ident(name);
                if *is_usize {
                    prologue.push(quote!(let #h: i32 = ::halite::rt::scalar_usize(#kernel, #name, #p)?;));
                    ref_params.push(quote!(::halite::rt::reference::usize_value(#kernel, #name, #p)?));
                } else {
                    let t = rust_type(*ty);
                    prologue.push(quote!(let #h: #t = #p;));
                    ref_params.push(quote!(::halite::rt::reference::Element::to_value(#p)));
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
                    });
                    ref_outputs.push(quote!(&mut #p));
                    ref_rebind.push(quote!(let mut #p = #p;));
                } else {
                    prologue.push(quote! {
                        let #parts = ::halite::rt::input::<#t, _, #n>(#kernel, #name, &#p)?;
                    });
                    ref_inputs.push(quote!(::halite::rt::reference::input_buffer(#kernel, #name, &#p)?));
                }
                prologue.push(quote!(let #ptr = #parts.ptr;));
                for d in 0..n {
                    let e = ident(&halite_core::func::extent_var_name(name, d));
                    let s = derived(name, &format!("s{d}"));
                    prologue.push(quote! {
                        let #e: i32 = #parts.extent[#d];
                        let #s: isize = #parts.stride[#d];
                    });
                }
                storage.insert(name.clone(), Storage::View { dims: n });
            }
        }
    }
    let guards: Vec<TokenStream> = lowered
        .guards
        .iter()
        .map(|g| {
            let c = emit_saturating(g);
            let text = g.to_string();
            quote! {
                if !(#c) {
                    return Err(::halite::Error::index_overflow(#kernel, #text));
                }
            }
        })
        .collect();
    let checks: Vec<TokenStream> = lowered
        .checks
        .iter()
        .map(|c| {
            let when = emit_saturating(&c.when);
            let buffer = c.buffer.to_string();
            let consumer = c.consumer.to_string();
            let per_dim: Vec<TokenStream> = c
                .dims
                .iter()
                .enumerate()
                .map(|(d, (lo, hi))| {
                    let (lo, hi) = (emit_saturating(lo), emit_saturating(hi));
                    let ext = ident(&halite_core::func::extent_var_name(&c.buffer, d));
                    quote!(::halite::rt::check_region(#kernel, #buffer, #consumer, #d, #lo, #hi, #ext)?;)
                })
                .collect();
            quote!(if #when { #(#per_dim)* })
        })
        .collect();
    let mut loads = Loads { storage };
    let body = emit_stmt(&lowered.body, &mut loads, kernel);
    let text = format!(
        "kernel {kernel}\n{}",
        lowered.loop_nest_text()
    );
    let pipeline_text = halite_core::sexpr::to_string(&lowered.pipeline);
    let (attrs, vis, fn_sig, ref_sig) = (&sig.attrs, &sig.vis, &sig.sig, &sig.reference_sig);
    let mod_name = Ident::new(kernel, Span::call_site());
    let ref_doc = format!(
        "The algorithm of [`fn@{kernel}`] computed by halite's reference interpreter, without its schedule: the oracle to test the kernel against."
    );
    let mod_doc = format!("The reference implementation and loop nest of the kernel [`fn@{kernel}`].");
    quote! {
        #attrs
        #[allow(unused_variables, unused_mut, unused_parens, unused_braces, unused_unsafe, non_snake_case, clippy::all)]
        #vis #fn_sig {
            #(#prologue)*
            #(#guards)*
            #(#checks)*
            // SAFETY: every load and store below reads or writes an element of a buffer inside
            // the region the entry checks above proved to be in bounds: `rt::input`/`rt::output`
            // captured each view's pointer, extents and strides; `check_region` checked every
            // read region of every view against its extents; the guards proved that no index
            // arithmetic wraps; intermediates are allocated over exactly the region bounds
            // inference found for their reads, and outputs are written over their own shape.
            #[allow(unused_unsafe)]
            unsafe {
                #body
            }
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

