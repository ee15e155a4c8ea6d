//! Expressions -> Rust expressions that compute exactly the bits `halite_core::expr` defines.
//!
//! Two flavours: [`emit`] for the loop nest (wrapping integer arithmetic, as the semantics
//! say), and [`emit_saturating`] for the `i64` bound expressions of the entry checks, where
//! saturation makes an overflow visible as an out-of-range value instead of a wrapped one.

use crate::names::{ident, rust_type};
use halite_core::{BinOp, CallKind, Expr, ExprNode, Intrinsic, Type, UnOp, Value};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use std::collections::HashMap;

/// How a call to a Func or buffer is read.
pub trait LoadEmitter {
    /// Tokens reading `name` at the point `args` (`i32` index expressions).
    fn load(&self, kind: CallKind, name: &str, args: &[Expr]) -> TokenStream;
}

/// A constant as a Rust expression of its exact type and bits.
pub fn constant(v: Value) -> TokenStream {
    macro_rules! float {
        ($x:expr, $t:ident, $suffixed:ident) => {{
            let x = $x;
            if x.is_nan() {
                quote!($t::NAN)
            } else if x.is_infinite() {
                if x > 0.0 {
                    quote!($t::INFINITY)
                } else {
                    quote!($t::NEG_INFINITY)
                }
            } else if x.is_sign_negative() {
                let l = Literal::$suffixed(-x);
                quote!((-#l))
            } else {
                let l = Literal::$suffixed(x);
                quote!(#l)
            }
        }};
    }
    match v {
        Value::Bool(b) => quote!(#b),
        Value::U8(x) => Literal::u8_suffixed(x).into_token_stream(),
        Value::U16(x) => Literal::u16_suffixed(x).into_token_stream(),
        Value::U32(x) => Literal::u32_suffixed(x).into_token_stream(),
        Value::U64(x) => Literal::u64_suffixed(x).into_token_stream(),
        Value::I8(x) => signed(x as i64, Type::I8),
        Value::I16(x) => signed(x as i64, Type::I16),
        Value::I32(x) => signed(x as i64, Type::I32),
        Value::I64(x) => signed(x, Type::I64),
        Value::F16(x) => {
            let b = x.to_bits();
            quote!(::halite::rt::f16::from_bits(#b))
        }
        Value::BF16(x) => {
            let b = x.to_bits();
            quote!(::halite::rt::bf16::from_bits(#b))
        }
        Value::F32(x) => float!(x, f32, f32_suffixed),
        Value::F64(x) => float!(x, f64, f64_suffixed),
    }
}

trait IntoTs {
    fn into_token_stream(self) -> TokenStream;
}
impl IntoTs for Literal {
    fn into_token_stream(self) -> TokenStream {
        quote!(#self)
    }
}

fn signed(x: i64, ty: Type) -> TokenStream {
    let t = rust_type(ty);
    let (lo, suffixed): (i64, fn(i64) -> Literal) = match ty {
        Type::I8 => (i8::MIN as i64, |v| Literal::i8_suffixed(v as i8)),
        Type::I16 => (i16::MIN as i64, |v| Literal::i16_suffixed(v as i16)),
        Type::I32 => (i32::MIN as i64, |v| Literal::i32_suffixed(v as i32)),
        _ => (i64::MIN, Literal::i64_suffixed),
    };
    if x == lo {
        // The minimum has no positive literal; name it through the type.
        return quote!(#t::MIN);
    }
    let lit = suffixed(x.abs());
    if x < 0 {
        quote!((-#lit))
    } else {
        quote!(#lit)
    }
}

/// Emits an expression of the loop nest.
pub fn emit(e: &Expr, loads: &dyn LoadEmitter) -> TokenStream {
    let ty = e.ty();
    let go = |x: &Expr| emit(x, loads);
    match e.node() {
        ExprNode::Const(v) => constant(*v),
        ExprNode::Var(n) => {
            let id = ident(n);
            quote!(#id)
        }
        ExprNode::Cast(a) => cast(a.ty(), ty, go(a)),
        ExprNode::Unary(op, a) => {
            let a = go(a);
            match op {
                UnOp::Neg if ty.is_int() => quote!((#a).wrapping_neg()),
                UnOp::Neg => quote!((-(#a))),
                UnOp::Not => quote!((!(#a))),
            }
        }
        ExprNode::Binary(op, a, b) => binary(*op, a.ty(), go(a), go(b)),
        ExprNode::Select(c, t, f) => {
            let (c, t, f) = (go(c), go(t), go(f));
            quote!((if #c { #t } else { #f }))
        }
        ExprNode::Intrinsic(op, args) => {
            let a: Vec<TokenStream> = args.iter().map(go).collect();
            intrinsic(*op, ty, &a)
        }
        ExprNode::Call { kind, name, args } => loads.load(*kind, name, args),
        ExprNode::Let(n, v, b) => {
            let id = ident(n);
            let (v, b) = (go(v), go(b));
            quote!({ let #id = #v; #b })
        }
    }
}

/// `a as T` with Rust's semantics, storage floats included.
pub fn cast(from: Type, to: Type, a: TokenStream) -> TokenStream {
    if from == to {
        return a;
    }
    let t = rust_type(to);
    match (from, to) {
        (Type::F16 | Type::BF16, Type::F32) => quote!((#a).to_f32()),
        (Type::F16 | Type::BF16, Type::F64) => quote!((#a).to_f64()),
        (Type::F32, Type::F16 | Type::BF16) => quote!(#t::from_f32(#a)),
        (Type::F64, Type::F16 | Type::BF16) => quote!(#t::from_f64(#a)),
        // Float to a narrow integer or to i32, written so that it vectorizes (LLVM scalarizes
        // a saturating conversion on x86, and also `max`/`min` next to a NaN test): the value
        // is clamped into the target's range with comparisons (`if v > lo { v } else { lo }`
        // sends NaN to `lo`), converted to i32 exactly and truncating, then NaN is sent to 0
        // (signed targets; for unsigned ones `lo` is 0 already) and, for i32 from f32, values
        // from 2^31 up to `i32::MAX` (the clamp's upper end there is the largest f32 below
        // 2^31). That is `as`, exactly.
        (Type::F32 | Type::F64, Type::U8 | Type::I8 | Type::U16 | Type::I16 | Type::I32) => {
            let (lo, hi) = to.int_range().expect("integer");
            let f = rust_type(from);
            let hi = if (from, to) == (Type::F32, Type::I32) {
                2147483520.0
            } else {
                hi as f64
            };
            let (lo, hi) = (
                Literal::f64_unsuffixed(lo as f64),
                Literal::f64_unsuffixed(hi),
            );
            let nan = if to.is_signed_int() {
                quote!(let __i: i32 = if __f == __f { __i } else { 0 };)
            } else {
                quote!()
            };
            let top = if (from, to) == (Type::F32, Type::I32) {
                quote!(let __i: i32 = if __f >= 2147483648.0 { i32::MAX } else { __i };)
            } else {
                quote!()
            };
            quote!({
                let __f: #f = #a;
                let __g: #f = if __f > #lo as #f { __f } else { #lo as #f };
                let __g: #f = if __g < #hi as #f { __g } else { #hi as #f };
                // SAFETY: `__g` is not NaN (the first comparison is false for NaN, which
                // gives `lo`) and lies in [lo, hi], inside i32's range: exactly the
                // precondition of `to_int_unchecked`.
                let __i: i32 = unsafe { __g.to_int_unchecked::<i32>() };
                #top
                #nan
                __i as #t
            })
        }
        _ => quote!(((#a) as #t)),
    }
}

pub(crate) fn binary(op: BinOp, ty: Type, a: TokenStream, b: TokenStream) -> TokenStream {
    let int = ty.is_int();
    match op {
        BinOp::Add if int => quote!((#a).wrapping_add(#b)),
        BinOp::Sub if int => quote!((#a).wrapping_sub(#b)),
        BinOp::Mul if int => quote!((#a).wrapping_mul(#b)),
        BinOp::Div if int => quote!(::halite::rt::ops::div(#a, #b)),
        BinOp::Rem if int => quote!(::halite::rt::ops::rem(#a, #b)),
        BinOp::Add => quote!((#a + #b)),
        BinOp::Sub => quote!((#a - #b)),
        BinOp::Mul => quote!((#a * #b)),
        BinOp::Div => quote!((#a / #b)),
        BinOp::Rem => quote!((#a % #b)),
        BinOp::BitAnd | BinOp::And => quote!((#a & #b)),
        BinOp::BitOr | BinOp::Or => quote!((#a | #b)),
        BinOp::BitXor => quote!((#a ^ #b)),
        BinOp::Shl => quote!((#a).wrapping_shl((#b) as u32)),
        BinOp::Shr => quote!((#a).wrapping_shr((#b) as u32)),
        BinOp::Eq => quote!((#a == #b)),
        BinOp::Ne => quote!((#a != #b)),
        BinOp::Lt => quote!((#a < #b)),
        BinOp::Le => quote!((#a <= #b)),
        BinOp::Gt => quote!((#a > #b)),
        BinOp::Ge => quote!((#a >= #b)),
        BinOp::Min if int => quote!(::core::cmp::min(#a, #b)),
        BinOp::Max if int => quote!(::core::cmp::max(#a, #b)),
        BinOp::Min => quote!(::halite::rt::ops::fmin(#a, #b)),
        BinOp::Max => quote!(::halite::rt::ops::fmax(#a, #b)),
    }
}

pub(crate) fn intrinsic(op: Intrinsic, ty: Type, a: &[TokenStream]) -> TokenStream {
    let x = &a[0];
    let int = ty.is_int();
    match op {
        Intrinsic::Abs if ty.is_unsigned_int() => x.clone(),
        Intrinsic::Abs if int => quote!((#x).wrapping_abs()),
        Intrinsic::Clamp if int => {
            let (lo, hi) = (&a[1], &a[2]);
            quote!(::core::cmp::min(::core::cmp::max(#x, #lo), #hi))
        }
        Intrinsic::Clamp => {
            // Rust's `f32::clamp` without its panics: NaN stays NaN (`max`/`min` would give
            // a bound); `lo > hi` gives `hi`, as on integers. Two separate selects, each of
            // which LLVM compiles to one `maxss`/`minss` (`maxps`/`minps`) with the operands
            // in this order (a chained `if .. else if` became branches).
            let (lo, hi) = (&a[1], &a[2]);
            quote!({
                let (__x, __lo, __hi) = (#x, #lo, #hi);
                let __t = if __x < __lo { __lo } else { __x };
                if __t > __hi { __hi } else { __t }
            })
        }
        Intrinsic::DivEuclid if int => {
            let y = &a[1];
            quote!(::halite::rt::ops::div_euclid(#x, #y))
        }
        Intrinsic::RemEuclid if int => {
            let y = &a[1];
            quote!(::halite::rt::ops::rem_euclid(#x, #y))
        }
        Intrinsic::Exp if ty == Type::F32 => quote!(::halite::core::math::exp_f32(#x)),
        _ => {
            let m = proc_macro2::Ident::new(op.name(), proc_macro2::Span::call_site());
            let rest = &a[1..];
            quote!((#x).#m(#(#rest),*))
        }
    }
}

/// Emits an `i64` bound expression (or a `bool` over them) with saturating arithmetic. Only
/// variables that are known at entry may appear (parameters and buffer extents).
pub fn emit_saturating(e: &Expr) -> TokenStream {
    // Bound expressions are DAGs (interval arithmetic reuses a bound in several places):
    // a node reached by more than one path is emitted once, as a `let`, so the generated
    // code stays proportional to the DAG, not to the tree it unfolds to. Evaluation is pure
    // and never panics (saturating arithmetic, `ops::div`, `max`/`min` clamps), so hoisting a
    // shared node out of a `select` arm changes nothing. Scoped `Let` names could be hoisted
    // out of their scope: expressions with one are emitted as trees.
    let mut uses: HashMap<usize, usize> = HashMap::new();
    let mut has_let = false;
    fn count(e: &Expr, uses: &mut HashMap<usize, usize>, has_let: &mut bool) {
        let n = uses.entry(node_key(e)).or_insert(0);
        *n += 1;
        if *n == 1 {
            *has_let |= matches!(e.node(), ExprNode::Let(..));
            for c in e.children() {
                count(c, uses, has_let);
            }
        }
    }
    count(e, &mut uses, &mut has_let);
    if has_let {
        fn tree(e: &Expr) -> TokenStream {
            saturating_node(e, &mut tree)
        }
        return tree(e);
    }
    struct Shared {
        uses: HashMap<usize, usize>,
        names: HashMap<usize, Ident>,
        lets: Vec<TokenStream>,
    }
    impl Shared {
        fn emit(&mut self, e: &Expr) -> TokenStream {
            let k = node_key(e);
            if let Some(id) = self.names.get(&k) {
                return quote!(#id);
            }
            let t = saturating_node(e, &mut |c: &Expr| self.emit(c));
            let leaf = matches!(e.node(), ExprNode::Const(_) | ExprNode::Var(_));
            if leaf || self.uses[&k] < 2 {
                return t;
            }
            let id = Ident::new(&format!("__b{}", self.lets.len()), Span::call_site());
            self.lets.push(quote!(let #id = #t;));
            self.names.insert(k, id.clone());
            quote!(#id)
        }
    }
    let mut sh = Shared {
        uses,
        names: HashMap::new(),
        lets: Vec::new(),
    };
    let body = sh.emit(e);
    let lets = sh.lets;
    if lets.is_empty() {
        body
    } else {
        quote!({ #(#lets)* #body })
    }
}

/// The identity of a node of an expression DAG.
fn node_key(e: &Expr) -> usize {
    e.node() as *const ExprNode as usize
}

fn saturating_node(e: &Expr, go: &mut dyn FnMut(&Expr) -> TokenStream) -> TokenStream {
    match e.node() {
        ExprNode::Const(v) => constant(*v),
        ExprNode::Var(n) => {
            let id = ident(n);
            quote!(#id)
        }
        ExprNode::Cast(a) => cast(a.ty(), e.ty(), go(a)),
        ExprNode::Unary(UnOp::Neg, a) => {
            let a = go(a);
            quote!((#a).saturating_neg())
        }
        ExprNode::Unary(UnOp::Not, a) => {
            let a = go(a);
            quote!((!(#a)))
        }
        ExprNode::Binary(op, a, b) if a.ty() == Type::I64 => {
            let a = go(a);
            let b = go(b);
            match op {
                BinOp::Add => quote!((#a).saturating_add(#b)),
                BinOp::Sub => quote!((#a).saturating_sub(#b)),
                BinOp::Mul => quote!((#a).saturating_mul(#b)),
                _ => binary(*op, Type::I64, a, b),
            }
        }
        ExprNode::Binary(op, a, b) => {
            let (x, y) = (go(a), go(b));
            binary(*op, a.ty(), x, y)
        }
        ExprNode::Select(c, t, f) => {
            let c = go(c);
            let t = go(t);
            let f = go(f);
            quote!((if #c { #t } else { #f }))
        }
        ExprNode::Intrinsic(op, args) => {
            let a: Vec<TokenStream> = args.iter().map(&mut *go).collect();
            intrinsic(*op, e.ty(), &a)
        }
        ExprNode::Let(n, v, b) => {
            let id = ident(n);
            let v = go(v);
            let b = go(b);
            quote!({ let #id = #v; #b })
        }
        ExprNode::Call { name, .. } => {
            // Interval arithmetic never puts a load into a bound.
            let msg = format!("halite internal error: a bound reads `{name}`");
            quote!(::core::compile_error!(#msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_core::Value;

    fn s(v: Value) -> String {
        constant(v).to_string()
    }

    /// A bound that reuses its operand twice per level unfolds to 2^40 nodes as a tree; it is
    /// emitted once per shared node.
    #[test]
    fn shared_bounds_are_emitted_once() {
        let mut e = Expr::var("n", Type::I64);
        for _ in 0..40 {
            e = e.clone().min(e.clone().add(Expr::i64(1)));
        }
        let t = emit_saturating(&e).to_string();
        assert!(t.len() < 20_000, "{} characters", t.len());
        assert_eq!(t.matches("let __b").count(), 39); // levels 1..=39; `n` and the root are used once
                                                      // Unshared nodes stay inline.
        let plain = emit_saturating(&Expr::var("n", Type::I64).add(Expr::i64(1)));
        assert!(!plain.to_string().contains("let"), "{plain}");
    }

    #[test]
    fn constants_keep_their_exact_type_and_bits() {
        assert_eq!(s(Value::I32(-5)), "(- 5i32)");
        assert_eq!(s(Value::I32(i32::MIN)), "i32 :: MIN");
        assert_eq!(s(Value::U8(200)), "200u8");
        assert_eq!(s(Value::F32(f32::NAN)), "f32 :: NAN");
        assert_eq!(s(Value::F32(-0.0)), "(- 0f32)");
        assert_eq!(s(Value::F64(f64::NEG_INFINITY)), "f64 :: NEG_INFINITY");
        assert_eq!(s(Value::Bool(true)), "true");
    }

    #[test]
    fn casts_follow_rust() {
        let a = quote!(v);
        assert_eq!(
            cast(Type::I32, Type::U8, a.clone()).to_string(),
            "((v) as u8)"
        );
        assert_eq!(
            cast(Type::F16, Type::F32, a.clone()).to_string(),
            "(v) . to_f32 ()"
        );
        assert!(cast(Type::F32, Type::U8, a.clone())
            .to_string()
            .contains("to_int_unchecked"));
        assert!(cast(Type::F32, Type::I32, a.clone())
            .to_string()
            .contains("to_int_unchecked"));
        assert_eq!(cast(Type::I32, Type::I32, a).to_string(), "v");
    }

    #[test]
    fn integer_operators_wrap_and_are_total() {
        let (a, b) = (quote!(a), quote!(b));
        assert_eq!(
            binary(BinOp::Add, Type::U16, a.clone(), b.clone()).to_string(),
            "(a) . wrapping_add (b)"
        );
        assert_eq!(
            binary(BinOp::Div, Type::I32, a.clone(), b.clone()).to_string(),
            ":: halite :: rt :: ops :: div (a , b)"
        );
        assert_eq!(
            binary(BinOp::Mul, Type::F32, a.clone(), b.clone()).to_string(),
            "(a * b)"
        );
        assert_eq!(
            binary(BinOp::Min, Type::F32, a, b).to_string(),
            ":: halite :: rt :: ops :: fmin (a , b)"
        );
    }
}
