//! How IR names become Rust identifiers.
//!
//! Every IR name becomes `h_` + the name with each `.` replaced by `__`. The front end and the
//! schedule reject user identifiers that contain `__`, so distinct IR names give distinct
//! identifiers; values derived from them ([`derived`]) start with `d_`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The identifier of an IR variable or Func.
pub fn ident(name: &str) -> Ident {
    Ident::new(&format!("h_{}", name.replace('.', "__")), Span::call_site())
}

/// The identifier of a derived per-buffer value (`d_input__ptr`, `d_input__s0`, ...). Its
/// own prefix: a variable named `s1` or `ptr` (`h_out__s1`) is not the stride or the pointer.
pub fn derived(name: &str, what: &str) -> Ident {
    Ident::new(
        &format!("d_{}__{what}", name.replace('.', "__")),
        Span::call_site(),
    )
}

/// The Rust type of an element.
pub fn rust_type(t: halite_core::Type) -> TokenStream {
    use halite_core::Type::*;
    match t {
        Bool => quote!(bool),
        U8 => quote!(u8),
        U16 => quote!(u16),
        U32 => quote!(u32),
        U64 => quote!(u64),
        I8 => quote!(i8),
        I16 => quote!(i16),
        I32 => quote!(i32),
        I64 => quote!(i64),
        F16 => quote!(::halite::rt::f16),
        BF16 => quote!(::halite::rt::bf16),
        F32 => quote!(f32),
        F64 => quote!(f64),
    }
}
