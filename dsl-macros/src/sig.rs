//! The kernel's signature: which parameters are inputs, outputs and scalars.
//!
//! Rules (each a compile error with a span when broken):
//! 1. The fn is not `async`, `const`, `unsafe`, `extern`, generic over types, or a method.
//! 2. It returns `Result<(), Error>` (`halite::Error`).
//! 3. Each parameter is `name: T` with `T` an `ArrayView1..6<E>` / `ArrayView<E, IxN>` input,
//!    an `ArrayViewMut1..6<E>` / `ArrayViewMut<E, IxN>` output, or a scalar `i8..i64`,
//!    `u8..u64`, `f32`, `f64`, `bool`, `usize`; `E` is a scalar type (not `usize`) or
//!    `f16`/`bf16`.
//! 4. Names do not contain `__` (reserved for generated code).

use crate::diag::Errors;
use halite_codegen::KernelArg;
use halite_core::func::{is_reserved, RESERVED_NAME};
use halite_core::Type;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType};

/// `ty` without the invisible group a `macro_rules!` fragment (`$t:ty`) puts around it, and
/// without parentheses.
fn ungroup(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Group(g) => ungroup(&g.elem),
        syn::Type::Paren(p) => ungroup(&p.elem),
        t => t,
    }
}

fn elem_type(ty: &syn::Type) -> Option<Type> {
    match ungroup(ty) {
        syn::Type::Path(p) => {
            let seg = p.path.segments.last()?;
            if !seg.arguments.is_empty() {
                return None;
            }
            Type::from_name(&seg.ident.to_string())
        }
        _ => None,
    }
}

fn rank_of(name: &str) -> Option<usize> {
    let d = name.strip_prefix("Ix")?;
    let n: usize = d.parse().ok()?;
    (1..=6).contains(&n).then_some(n)
}

/// Classifies one parameter type; `Err` holds the message.
fn classify(name: &str, ty: &syn::Type) -> Result<KernelArg, String> {
    let syn::Type::Path(p) = ungroup(ty) else {
        return Err(format!(
            "unsupported parameter type for `{name}`: {}",
            hint()
        ));
    };
    let seg = p.path.segments.last().ok_or_else(hint)?;
    let ident = seg.ident.to_string();
    if ident == "usize" {
        return Ok(KernelArg::Scalar {
            name: name.into(),
            ty: Type::I32,
            is_usize: true,
        });
    }
    if let Some(t) = Type::from_name(&ident) {
        if t.is_storage_float() {
            return Err(format!(
                "`{ident}` is a storage type: a scalar parameter must be `f32` or `f64`"
            ));
        }
        return Ok(KernelArg::Scalar {
            name: name.into(),
            ty: t,
            is_usize: false,
        });
    }
    let (is_out, rank_suffix) = if let Some(r) = ident.strip_prefix("ArrayViewMut") {
        (true, r)
    } else if let Some(r) = ident.strip_prefix("ArrayView") {
        (false, r)
    } else {
        return Err(format!(
            "unsupported parameter type `{ident}` for `{name}`: {}",
            hint()
        ));
    };
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return Err(format!(
            "`{ident}` needs its element type, e.g. `{ident}<f32>`"
        ));
    };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let (elem, dims) = if rank_suffix.is_empty() {
        // ArrayView<E, IxN>
        let [e, d] = types[..] else {
            return Err(format!("write `{ident}<E, IxN>` with a rank `Ix1`..`Ix6`"));
        };
        let dname = match ungroup(d) {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let dims = dname.as_deref().and_then(rank_of).ok_or_else(|| {
            "the rank must be one of `Ix1`..`Ix6` (dynamic rank `IxDyn` is not supported)"
                .to_string()
        })?;
        (e, dims)
    } else {
        let dims: usize = rank_suffix
            .parse()
            .ok()
            .filter(|d| (1..=6).contains(d))
            .ok_or_else(|| {
                format!("unsupported view type `{ident}`: ranks 1 to 6 are supported")
            })?;
        let [e] = types[..] else {
            return Err(format!(
                "`{ident}` takes one element type, e.g. `{ident}<f32>`"
            ));
        };
        (e, dims)
    };
    let ty = elem_type(elem).ok_or_else(|| {
        "unsupported element type: use one of u8 u16 u32 u64 i8 i16 i32 i64 f16 bf16 f32 f64 bool".to_string()
    })?;
    Ok(if is_out {
        KernelArg::Output {
            name: name.into(),
            ty,
            dims,
        }
    } else {
        KernelArg::Input {
            name: name.into(),
            ty,
            dims,
        }
    })
}

fn hint() -> String {
    "kernel parameters are input views (`ArrayView2<f32>`), output views (`ArrayViewMut2<f32>`) or scalars (`f32`, `i32`, `usize`, ...)".into()
}

/// Checks the signature and classifies its parameters.
pub fn analyze(sig: &syn::Signature, errors: &mut Errors) -> Vec<(KernelArg, syn::Ident)> {
    if let Some(t) = &sig.asyncness {
        errors.spanned(t, "a kernel cannot be `async`");
    }
    if let Some(t) = &sig.constness {
        errors.spanned(t, "a kernel cannot be `const`");
    }
    if let Some(t) = &sig.unsafety {
        errors.spanned(t, "a kernel is safe to call: remove `unsafe`");
    }
    if let Some(t) = &sig.abi {
        errors.spanned(t, "a kernel cannot have an `extern` ABI");
    }
    if let Some(g) = sig.generics.type_params().next() {
        errors.spanned(
            g,
            "a kernel cannot be generic over types: write one kernel per element type",
        );
    }
    if let Some(g) = sig.generics.const_params().next() {
        errors.spanned(g, "a kernel cannot have const generic parameters");
    }
    match &sig.output {
        ReturnType::Default => errors.spanned(
            &sig.ident,
            "a kernel returns `Result<(), Error>`: add `-> Result<(), Error>` (with `use halite::prelude::*`)",
        ),
        ReturnType::Type(_, t) => {
            let ok = matches!(&**t, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result"));
            if !ok {
                errors.spanned(t, "a kernel returns `Result<(), Error>`");
            }
        }
    }
    if sig.ident.to_string().starts_with("r#") {
        errors.spanned(
            &sig.ident,
            "raw identifiers are not supported as kernel names: rename the kernel",
        );
    }
    if is_reserved(&sig.ident.to_string()) {
        errors.spanned(&sig.ident, RESERVED_NAME);
    }
    let mut out = Vec::new();
    let errors_before = errors.len();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => errors.spanned(r, "a kernel is a free function, not a method"),
            FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    errors.spanned(&pt.pat, "kernel parameters must be plain names");
                    continue;
                };
                let name = pi.ident.to_string();
                if name.starts_with("r#") {
                    errors.spanned(
                        &pi.ident,
                        "raw identifiers are not supported as kernel parameter names: rename the parameter (its name is also the name the body uses)",
                    );
                    continue;
                }
                if is_reserved(&name) {
                    errors.spanned(&pi.ident, RESERVED_NAME);
                    continue;
                }
                match classify(&name, &pt.ty) {
                    Ok(k) => out.push((k, pi.ident.clone())),
                    Err(m) => errors.spanned(&pt.ty, m),
                }
            }
        }
    }
    // (A parameter refused above may be the output: no second error about it.)
    if errors.len() == errors_before
        && !out
            .iter()
            .any(|(k, _)| matches!(k, KernelArg::Output { .. }))
    {
        errors.spanned(
            &sig.ident,
            "a kernel needs at least one output parameter (`out: ArrayViewMut2<f32>`), defined in the body as `out(y, x) = ...;`",
        );
    }
    out
}
