//! `halite-macros`: the `#[kernel]` attribute.
//!
//! The pipeline, one way: parse with `syn` ([`sig`], [`front`], [`sched`]) -> typed
//! `halite_core::Pipeline` + schedule directives -> `halite_schedule::lower` -> loop nest ->
//! `halite_codegen::emit_kernel` -> tokens. Every user mistake becomes a `syn::Error` with a
//! span; the macro never panics, and on error it still emits the user's signature with a stub
//! body so that the rest of the crate and the IDE keep working.

mod diag;
mod expand;
mod front;
mod sched;
mod sig;

use proc_macro2::TokenStream;
use quote::quote;

/// Turns an annotated function into a scheduled kernel; see the `halite` crate docs.
#[proc_macro_attribute]
pub fn kernel(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let (attr, item): (TokenStream, TokenStream) = (attr.into(), item.into());
    let copy = item.clone();
    // A bug in the expander must still be a compile error at the kernel, not an abort of the
    // compiler's macro expansion ("custom attribute panicked") with no hint what to report.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| expand(attr, item))) {
        Ok(out) => out.into(),
        Err(payload) => internal_error(copy, &*payload).into(),
    }
}

/// The kernel's signature with a stub body and an error that asks for a bug report, for a
/// panic inside the expander.
fn internal_error(item: TokenStream, payload: &(dyn std::any::Any + Send)) -> TokenStream {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let text = format!(
        "internal error in #[kernel] (a bug in halite; please report it with this kernel): {what}"
    );
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(func) => {
            let e = syn::Error::new_spanned(&func.sig.ident, text);
            stub(&func, &reference_sig(&func.sig), e)
        }
        Err(_) => syn::Error::new_spanned(&item, text).to_compile_error(),
    }
}

/// A function whose body is any braced token tree: what is left to stub out when the body
/// does not parse.
struct FnShell {
    attrs: Vec<syn::Attribute>,
    vis: syn::Visibility,
    sig: syn::Signature,
}

impl syn::parse::Parse for FnShell {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let _body: proc_macro2::Group = input.parse()?;
        Ok(FnShell { attrs, vis, sig })
    }
}

/// The signature of `name::reference`: the kernel's, renamed.
fn reference_sig(sig: &syn::Signature) -> syn::Signature {
    let mut s = sig.clone();
    s.ident = syn::Ident::new("reference", s.ident.span());
    s
}

/// The expander, callable from tests without a compiler.
fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(parse_error) => {
            // A function whose body is not Rust (a syntax error, which rustc reports too): the
            // parser's error, and the signature with a stub body, so that the kernel's callers
            // still type-check and rustc adds no errors of its own about the body.
            if let Ok(shell) = syn::parse2::<FnShell>(item.clone()) {
                let func = syn::ItemFn {
                    attrs: shell.attrs,
                    vis: shell.vis,
                    sig: shell.sig,
                    block: Box::new(syn::parse_quote!({})),
                };
                return stub(&func, &reference_sig(&func.sig), parse_error);
            }
            let e = syn::Error::new_spanned(&item, "#[kernel] applies to a function: `#[kernel] fn name(..) -> Result<(), Error> { .. }`");
            let e = e.to_compile_error();
            return quote!(#e #item);
        }
    };
    let mut errors = diag::Errors::default();
    // `#[kernel(fma)]`: contract the algorithm's `a * b + c` into `mul_add`.
    let fma = match syn::parse2::<Option<syn::Ident>>(attr.clone()) {
        Ok(None) => false,
        Ok(Some(id)) if id == "fma" => true,
        _ => {
            errors.spanned(
                &attr,
                "#[kernel] takes no arguments except `fma` (`#[kernel(fma)]` fuses every floating-point `a * b + c` of the algorithm into `mul_add`)",
            );
            false
        }
    };
    let mut origins = diag::Origins::default();
    let before = errors.len();
    let args = sig::analyze(&func.sig, &mut errors);
    let name = func.sig.ident.to_string();
    let reference_sig = reference_sig(&func.sig);
    if errors.len() > before {
        // A parameter the kernel cannot take: its uses in the body would each be an unknown
        // name; the signature's errors come first.
        let e = finish(&mut errors).expect("at least one error");
        return stub(&func, &reference_sig, e);
    }
    let params = args.iter().map(|(_, id)| id.to_string()).collect();
    let before = errors.len();
    let block = expand::body(&func.block, &params, &mut errors);
    if errors.len() > before {
        // A body whose loops or Func families do not expand means nothing further.
        let e = finish(&mut errors).expect("at least one error");
        return stub(&func, &reference_sig, e);
    }
    let (pipeline, directives, lens) = {
        let mut front = front::Front::new(&name, &args, &mut origins, &mut errors);
        let p = front.body(&block, &args);
        (
            p,
            std::mem::take(&mut front.directives),
            std::mem::take(&mut front.lens),
        )
    };
    if let Some(e) = finish(&mut errors) {
        return stub(&func, &reference_sig, e);
    }
    let pipeline = if fma {
        // Funcs the schedule names (in any instruction set's branch) keep their products.
        let scheduled = |f: &str| directives.iter().any(|(d, _)| &*d.func == f);
        halite_core::contract::contract_fma(&pipeline, &scheduled)
    } else {
        pipeline
    };
    // One schedule per group of instruction sets that see the same directives (one group
    // unless the schedule has `if isa(..)` branches).
    let mut groups: Vec<(u8, Vec<usize>)> = Vec::new();
    for (bit, _) in halite_codegen::isa::NAMES {
        let seen: Vec<usize> = (0..directives.len())
            .filter(|&k| directives[k].1 & bit != 0)
            .collect();
        match groups.iter_mut().find(|(_, s)| *s == seen) {
            Some(g) => g.0 |= bit,
            None => groups.push((bit, seen)),
        }
    }
    let mut schedules = Vec::new();
    // Each error once, with the instruction sets whose schedules have it.
    let mut reported: Vec<(halite_core::Origin, String, u8)> = Vec::new();
    for (set, seen) in &groups {
        let ds: Vec<halite_schedule::Directive> =
            seen.iter().map(|&k| directives[k].0.clone()).collect();
        match halite_schedule::lower(&pipeline, &ds) {
            Ok(l) => schedules.push((*set, l)),
            Err(diags) => {
                for d in diags {
                    match reported
                        .iter_mut()
                        .find(|(o, m, _)| *o == d.origin && *m == d.message)
                    {
                        Some(r) => r.2 |= set,
                        None => reported.push((d.origin, d.message, *set)),
                    }
                }
            }
        }
    }
    let all = groups.iter().fold(0u8, |a, (s, _)| a | s);
    for (origin, message, set) in reported {
        // Under `if isa(..)` branches, an error of some instruction sets' schedules only
        // says which.
        let message = if set == all {
            message
        } else {
            format!(
                "{message} (in the schedule for {})",
                halite_codegen::isa::names(set).join(", ")
            )
        };
        errors.push(origins.error(origin, &message));
    }
    if let Some(e) = finish(&mut errors) {
        return stub(&func, &reference_sig, e);
    }
    let attrs = &func.attrs;
    let vis = &func.vis;
    let fsig = &func.sig;
    let ksig = halite_codegen::KernelSig {
        name: name.clone(),
        attrs: quote!(#(#attrs)*),
        vis: quote!(#vis),
        sig: quote!(#fsig),
        reference_sig: quote!(#reference_sig),
        args: args.into_iter().map(|(a, _)| a).collect(),
        lens,
    };
    let refs: Vec<(u8, &halite_schedule::Lowered)> =
        schedules.iter().map(|(s, l)| (*s, l)).collect();
    let out = halite_codegen::emit_kernel_per_isa(&ksig, &refs);
    dump(&name, &refs, &out);
    out
}

fn finish(errors: &mut diag::Errors) -> Option<syn::Error> {
    std::mem::take(errors).finish()
}

/// With `HALITE_DUMP=dir` set at compile time, writes the loop nest and the generated Rust.
fn dump(name: &str, schedules: &[(u8, &halite_schedule::Lowered)], out: &TokenStream) {
    let Some(dir) = std::env::var_os("HALITE_DUMP") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let text = halite_codegen::loop_nest_text(schedules);
    let _ = std::fs::write(dir.join(format!("{name}.loop_nest.txt")), text);
    let _ = std::fs::write(dir.join(format!("{name}.rs")), out.to_string());
}

/// The user's signature with a stub body, plus the errors.
fn stub(func: &syn::ItemFn, reference_sig: &syn::Signature, e: syn::Error) -> TokenStream {
    let err = e.to_compile_error();
    let attrs = &func.attrs;
    let vis = &func.vis;
    // Without `async` (an error of its own): rustc would add one about the views' elided
    // lifetimes in an `async fn`.
    let mut sig = func.sig.clone();
    sig.asyncness = None;
    let mut reference_sig = reference_sig.clone();
    reference_sig.asyncness = None;
    let name = &func.sig.ident;
    quote! {
        #err
        #(#attrs)*
        #[allow(unused_variables)]
        #vis #sig {
            ::core::unimplemented!("this kernel did not compile")
        }
        #[allow(unused_imports, non_snake_case)]
        #vis mod #name {
            use super::*;
            #[allow(unused_variables)]
            pub #reference_sig {
                ::core::unimplemented!("this kernel did not compile")
            }
            pub fn loop_nest() -> &'static str {
                ""
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    fn blur() -> proc_macro2::TokenStream {
        quote! {
            pub fn blur3x3(input: ArrayView2<u16>, out: ArrayViewMut2<u16>) -> Result<(), Error> {
                blur_x(y, x) = (input(y, x) + input(y, x + 1) + input(y, x + 2)) / 3;
                out(y, x) = (blur_x(y, x) + blur_x(y + 1, x) + blur_x(y + 2, x)) / 3;
                schedule! {
                    out.tile(y, x, yi, xi, 32, 256).vectorize(xi, 16).parallel(y);
                    blur_x.compute_at(out, x).vectorize(x, 16);
                }
            }
        }
    }

    /// The expansion time of the DESIGN.md blur (printed, not asserted: no timings in tests).
    #[test]
    fn expands_the_design_blur() {
        let start = std::time::Instant::now();
        let n = 20;
        let mut tokens = proc_macro2::TokenStream::new();
        for _ in 0..n {
            tokens = expand(quote!(), blur());
        }
        let per = start.elapsed() / n;
        let out = tokens.to_string();
        println!("expansion of blur3x3: {per:?} per kernel");
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("fn reference"));
        assert!(out.contains("fn loop_nest"));
    }

    /// A panic of the expander (a bug) still answers with the signature, a stub body and a
    /// `compile_error!` that says what to report.
    #[test]
    fn a_panic_becomes_an_internal_error() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("attempt to subtract with overflow");
        let out = super::internal_error(blur(), &*payload).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("internal error in #[kernel]"), "{out}");
        assert!(out.contains("attempt to subtract with overflow"), "{out}");
        assert!(out.contains("fn blur3x3"), "{out}");
        assert!(out.contains("fn reference"), "{out}");
        let out = super::internal_error(
            quote!(
                struct S;
            ),
            &*payload,
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
    }

    /// Malformed input never panics the macro: it always answers with `compile_error!`.
    #[test]
    fn never_panics_on_malformed_kernels() {
        let cases = vec![
            quote!(
                struct S;
            ),
            quote!(
                fn k() {}
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o = 3;
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y) = a(y);
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = a(y, x, 1);
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = a(y, x);
                    schedule! { o.; }
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = a(y, x);
                    schedule! { 1 + 2; }
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    let t = t;
                    o(y, x) = t;
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = a.shape()[9];
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = 99999999999999999999999999999;
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    o(y, x) = (|| 1)();
                }
            ),
            quote!(
                fn k<T>(a: ArrayView<T, IxDyn>, o: ArrayViewMut2<u8>) {}
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    let p = repeat_edge();
                    o(y, x) = p(y, x);
                }
            ),
            quote!(
                fn k(a: ArrayView2<u8>, o: ArrayViewMut2<u8>) -> Result<(), Error> {
                    let p = constant_exterior(a, 1.5);
                    o(y, x) = p(y, x);
                }
            ),
            quote!(
                fn k(a: ArrayView2<i32>, o: ArrayViewMut2<i32>) -> Result<(), Error> {
                    o(y, x) = a(a(y, x), x);
                }
            ),
        ];
        for c in cases {
            let out = expand(quote!(), c.clone()).to_string();
            assert!(out.contains("compile_error"), "no error for {c}: {out}");
        }
    }
}
