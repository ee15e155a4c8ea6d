//! Random expressions: the simplifier never changes a value, and interval arithmetic always
//! contains it. Deterministic (a fixed-seed generator), a few thousand cases.

use halite_core::interp::{self, Buffer};
use halite_core::interval::{Bounds, Interval, Scope};
use halite_core::{simplify, BinOp, Expr, Func, Intrinsic, Pipeline, Type, UnOp, Value};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TYPES: [Type; 5] = [Type::I32, Type::U8, Type::I16, Type::U16, Type::I64];

fn leaf(r: &mut Rng, ty: Type) -> Expr {
    match r.below(3) {
        0 => Expr::cast(ty, Expr::var("x", Type::I32)),
        1 => Expr::cast(ty, Expr::var("y", Type::I32)),
        _ => {
            let v = r.below(41) as i64 - 20;
            let v = if r.below(8) == 0 { v * 1_000_003 } else { v };
            Expr::constant(Value::from_i64(ty, v))
        }
    }
}

fn gen(r: &mut Rng, ty: Type, depth: u32) -> Expr {
    if depth == 0 || r.below(5) == 0 {
        return leaf(r, ty);
    }
    let d = depth - 1;
    match r.below(12) {
        0 => gen(r, ty, d).add(gen(r, ty, d)),
        1 => gen(r, ty, d).sub(gen(r, ty, d)),
        2 => gen(r, ty, d).mul(gen(r, ty, d)),
        3 => gen(r, ty, d).div(gen(r, ty, d)),
        4 => Expr::binary(BinOp::Rem, gen(r, ty, d), gen(r, ty, d)),
        5 => gen(r, ty, d).min(gen(r, ty, d)),
        6 => gen(r, ty, d).max(gen(r, ty, d)),
        7 if ty.is_signed_int() => Expr::unary(UnOp::Neg, gen(r, ty, d)),
        8 => Expr::select(
            gen(r, ty, d).lt(gen(r, ty, d)),
            gen(r, ty, d),
            gen(r, ty, d),
        ),
        9 => {
            let other = TYPES[r.below(TYPES.len() as u64) as usize];
            Expr::cast(ty, gen(r, other, d))
        }
        10 => Expr::intrinsic(
            Intrinsic::Clamp,
            vec![gen(r, ty, d), leaf(r, ty), leaf(r, ty)],
        ),
        _ => Expr::intrinsic(Intrinsic::RemEuclid, vec![gen(r, ty, d), gen(r, ty, d)]),
    }
}

fn eval_grid(e: &Expr) -> Vec<Value> {
    let p = Pipeline {
        name: "t".into(),
        funcs: vec![Func {
            name: "out".into(),
            args: vec!["y".into(), "x".into()],
            ty: e.ty(),
            value: e.clone(),
            updates: vec![],
            output: Some(0),
            origin: Default::default(),
        }],
        ..Default::default()
    };
    let mut out = [Buffer::zeros(e.ty(), &[6, 7])];
    // Shift the grid so that it covers negative values too.
    let shifted = halite_core::expr::substitute(e, &|n| match n {
        "x" => Some(Expr::var("x", Type::I32).sub(Expr::i32(3))),
        "y" => Some(Expr::var("y", Type::I32).sub(Expr::i32(2))),
        _ => None,
    });
    let p = Pipeline {
        funcs: vec![Func {
            value: shifted,
            ..p.funcs[0].clone()
        }],
        ..p
    };
    interp::run(&p, &[], &[], &mut out).unwrap();
    out[0].data.clone()
}

#[test]
fn simplify_preserves_values() {
    let mut r = Rng(0x9e3779b97f4a7c15);
    for _ in 0..3000 {
        let ty = TYPES[r.below(TYPES.len() as u64) as usize];
        let e = gen(&mut r, ty, 4);
        let s = simplify(&e);
        assert_eq!(
            eval_grid(&e),
            eval_grid(&s),
            "\n  {e}\n  simplified to\n  {s}"
        );
    }
}

#[test]
fn intervals_contain_every_value() {
    let mut r = Rng(0x2545f4914f6cdd1d);
    let mut scope = Scope::new();
    scope.insert("x".into(), Interval::constant(-3, 3));
    scope.insert("y".into(), Interval::constant(-2, 3));
    let mut checked = 0;
    for _ in 0..3000 {
        let ty = TYPES[r.below(4) as usize]; // not i64: its bounds may saturate
        let e = gen(&mut r, ty, 4);
        let mut b = Bounds::new(&scope);
        let i = b.of(&e);
        let guards_hold = b
            .guards
            .iter()
            .all(|g| simplify(g).as_const() == Some(Value::Bool(true)));
        let (Some(lo), Some(hi)) = (i.min, i.max) else {
            continue;
        };
        let (Some(lo), Some(hi)) = (simplify(&lo).as_int(), simplify(&hi).as_int()) else {
            panic!("constant scope gives constant bounds: {e}");
        };
        if !guards_hold {
            continue; // the kernel would refuse to run
        }
        // The grid of eval_grid is x in [-3, 3], y in [-2, 3].
        for v in eval_grid(&e) {
            let v = v.as_i64().unwrap();
            assert!(lo <= v && v <= hi, "{e}: {v} outside [{lo}, {hi}]");
        }
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} cases had finite bounds");
}
