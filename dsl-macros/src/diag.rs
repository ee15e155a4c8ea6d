//! Diagnostics: source locations for IR nodes, and errors collected rather than thrown.

use halite_core::Origin;
use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;

/// Maps the opaque [`Origin`]s of IR nodes back to source ranges.
#[derive(Default)]
pub struct Origins {
    ranges: Vec<(Span, Span)>,
}

impl Origins {
    /// The origin of a piece of syntax (its first and last token).
    pub fn of(&mut self, node: &impl ToTokens) -> Origin {
        let tokens = node.to_token_stream();
        let mut iter = tokens.into_iter();
        let first = iter.next().map_or_else(Span::call_site, |t| t.span());
        let last = iter.last().map_or(first, |t| t.span());
        self.ranges.push((first, last));
        Origin(self.ranges.len() as u32 - 1)
    }

    /// An error at an origin (the call site if it is unknown).
    pub fn error(&self, origin: Origin, message: &str) -> syn::Error {
        match self.ranges.get(origin.0 as usize) {
            Some(&(a, b)) => {
                let tokens: TokenStream = [Ident::new("a", a), Ident::new("b", b)]
                    .into_iter()
                    .map(|i| i.into_token_stream())
                    .collect();
                syn::Error::new_spanned(tokens, message)
            }
            None => syn::Error::new(Span::call_site(), message),
        }
    }
}

/// Collects errors so the user sees all of them at once.
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error, unless the same message at the same place is already recorded (a
    /// statement repeated by a kernel `for` loop reports its mistake once), or an index at
    /// that place is already reported unbounded (an update `h(i) += 1` whose `i` cannot be
    /// bounded is also a read of `h(i)`).
    pub fn push(&mut self, e: syn::Error) {
        let key = |e: &syn::Error| (format!("{:?}", e.span()), e.to_string());
        let k = key(&e);
        let unbounded = |m: &str| m.starts_with("cannot bound index");
        // Spans print their source range inside the compiler; elsewhere they are all alike.
        if k.0.contains("bytes(")
            && self.errors.iter().any(|x| {
                let kx = key(x);
                kx == k || (kx.0 == k.0 && unbounded(&kx.1) && unbounded(&k.1))
            })
        {
            return;
        }
        self.errors.push(e);
    }
    pub fn spanned(&mut self, node: &impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(node, message));
    }
    /// How many errors were recorded so far.
    pub fn len(&self) -> usize {
        self.errors.len()
    }
    /// Forgets the errors recorded after the first `n` (a speculative lowering failed).
    pub fn truncate(&mut self, n: usize) {
        self.errors.truncate(n);
    }
    pub fn finish(self) -> Option<syn::Error> {
        self.errors.into_iter().reduce(|mut a, b| {
            a.combine(b);
            a
        })
    }
}
