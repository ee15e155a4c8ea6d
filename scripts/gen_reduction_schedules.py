#!/usr/bin/env python3
"""Writes tests/random_reductions_codegen.rs: pipelines with update definitions, reduction
domains (declared, inline, with predicates, scattering to computed indices) and inline
reductions, under random legal schedules (placement of the reducing Funcs, splits, reorders,
unrolls and vector and parallel loops of their pure and update stages, splits of reduction
variables, `rfactor`), compiled by the real macro and code generator and checked bit for bit
against `reference` (integers, or float sums in their original order) on several shapes and on
every instruction set this machine runs.
Regenerate with `python3 scripts/gen_reduction_schedules.py [seed]`."""
import random, subprocess, sys

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 5
R = random.Random(seed)

# name: (signature, body, {func: (pure vars, reduction vars, update's pure vars, consumers)},
#        input set-up, element type)
PIPES = {
    "rowsum": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
               "    let r = rdom(0..input.ncols());\n    s(y) = 0;\n    s(y) += input(y, r) * (r % 3 + 1);\n    out(y, x) = input(y, x) * 2 - s(y) % 1000;\n",
               {"s": (["y"], ["r"], ["y"]), "out": (["y", "x"], [], [])},
               "let input = mk_i(h, w, 0);", "i32"),
    "colmax": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
               "    let r = rdom(0..input.nrows());\n    m(x) = i32::MIN;\n    m(x) = m(x).max(input(r, x) - r);\n    out(y, x) = m(x) + input(y, x);\n",
               {"m": (["x"], ["r"], ["x"]), "out": (["y", "x"], [], [])},
               "let input = mk_i(h, w, 0);", "i32"),
    "matmul": ("a: ArrayView2<i32>, b: ArrayView2<i32>, out: ArrayViewMut2<i32>",
               "    let k = rdom(0..a.ncols());\n    p(i, j) = 0;\n    p(i, j) += a(i, k) * b(k, j);\n    out(i, j) = p(i, j) + 1;\n",
               {"p": (["i", "j"], ["k"], ["i", "j"]), "out": (["i", "j"], [], [])},
               "let a = mk_i(h, 13, 1); let b = mk_i(13, w, 2);", "i32"),
    "window": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
               "    let (ry, rx) = rdom(0..3, 0..4);\n    t(y, x) = 0;\n    t(y, x) += input(y + ry, x + rx) * (ry + 1);\n    out(y, x) = t(y, x) - maximum(input(y + rdom(0..3), x));\n",
               {"t": (["y", "x"], ["ry", "rx"], ["y", "x"]), "out": (["y", "x"], [], [])},
               "let input = mk_i(h + 3, w + 3, 0);", "i32"),
    "scan": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
             "    let r = rdom(1..out.ncols());\n    out(y, x) = input(y, x);\n    out(y, r) = out(y, r) + out(y, r - 1);\n",
             {"out": (["y", "x"], ["r"], ["y"])},
             "let input = mk_i(h, w, 0);", "i32"),
    "hist": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
             "    let (ry, rx) = rdom(0..input.nrows(), 0..input.ncols());\n    h(b) = 0;\n    h(input(ry, rx).rem_euclid(16)) += 1;\n    out(y, x) = h(x % 16) * 2 + y + argmax(input(y, rdom(0..3)));\n",
             {"h": (["b"], ["ry", "rx"], []), "out": (["y", "x"], [], [])},
             "let input = mk_i(h + 7, w + 3, 0);", "i32"),
    "triangle": ("input: ArrayView2<i32>, out: ArrayViewMut2<i32>",
                 "    let r = rdom(0..input.ncols());\n    r.where_(r <= x && (r + y) % 3 != 1);\n    s(y, x) = 1;\n    s(y, x) += input(y, r);\n    out(y, x) = s(y, x) * 3 - minimum(input(y, rdom(0..2)));\n",
                 {"s": (["y", "x"], ["r"], ["y", "x"]), "out": (["y", "x"], [], [])},
                 "let input = mk_i(h, w + 2, 0);", "i32"),
    "fwindow": ("input: ArrayView2<f32>, out: ArrayViewMut2<f32>",
                "    let r = rdom(0..8);\n    acc(y, x) = 0.0;\n    acc(y, x) += input(y, x + r) * (r as f32);\n    out(y, x) = acc(y, x) + input(y + 1, x);\n",
                {"acc": (["y", "x"], ["r"], ["y", "x"]), "out": (["y", "x"], [], [])},
                "let input = mk_f(h + 1, w + 8, 0);", "f32"),
}

n = [0]
def fresh(b):
    n[0] += 1
    return f"{b}{n[0]}"

def loops(f, dims, lines, tails):
    """Random splits, reorders and unrolls of `f`'s pure loops, a vector and a parallel loop;
    returns the loops (outermost first) other Funcs may be computed at."""
    dims, cap, unrolled = dims[:], {}, set()
    for _ in range(R.randrange(3)):
        k = R.randrange(3)
        if k == 0:
            i = R.choice([i for i, d in enumerate(dims) if not d.endswith("_unroll")])
            o, inn = fresh("o"), fresh("i")
            fac = R.choice([2, 3, 4, 8, 16])
            tail = R.choice(tails)
            lines.append(f"{f}.split({dims[i]}, {o}, {inn}, {fac}{tail});")
            cap[inn] = min(fac, cap.get(dims[i], fac))
            dims[i:i + 1] = [o, inn]
        elif k == 1 and len(dims) >= 2:
            R.shuffle(dims)
            lines.append(f"{f}.reorder({', '.join(dims)});")
        elif dims[-1] not in unrolled and dims[-1] + "_unroll" not in dims:
            v = dims[-1]
            u = R.choice([2, 3, 4])
            lines.append(f"{f}.unroll({v}, {u});")
            dims.append(v + "_unroll")
            unrolled.add(v)
            cap[v + "_unroll"] = u
    # (An unrolled loop runs one way: it is neither vectorized nor parallel.)
    ws = [w for w in [4, 8, 16] if w <= cap.get(dims[-1], 1 << 30)]
    if ws and R.random() < 0.5 and not dims[-1].endswith("_unroll"):
        lines.append(f"{f}.vectorize({dims[-1]}, {R.choice(ws)});")
    if R.random() < 0.4 and not any("ShiftInwards" in l for l in lines if l.startswith(f + ".")):
        outer = [d for d in dims if not d.endswith("_unroll")][0]
        lines.append(f"{f}.parallel({outer});")
    return [d for d in dims if not d.endswith("_unroll")]

def update(f, rv, upv, lines):
    up = f"{f}.update(0)"
    choice = R.randrange(4) if upv else R.choice([0, 1, 3])
    if choice == 0 and f != "out":
        r = rv[-1]
        if R.random() < 0.5:
            lines.append(f"{up}.split({r}, {r}o, {r}i, {R.choice([2, 4, 8])});")
            r += "i"
        part = fresh("part")
        lines.append(f"let {part} = {up}.rfactor({r}, u);")
        # At a loop of the update that reads it: its pure loops keep their names.
        lines.append(f"{part}.compute_root();" if R.random() < 0.5 or not upv else f"{part}.compute_at({f}, {upv[0]});")
        if R.random() < 0.5:
            lines.append(f"{part}.vectorize(u, {R.choice([2, 4, 8])});")
    elif choice == 1:
        order = rv + upv
        R.shuffle(order)
        lines.append(f"{up}.reorder({', '.join(order)});")
        if R.random() < 0.5:
            lines.append(f"{up}.unroll({R.choice(rv)}, {R.choice([2, 3])});")
        if R.random() < 0.3 and upv:
            lines.append(f"{up}.parallel({upv[0]});")
    elif choice == 2:
        lines.append(f"{up}.reorder({', '.join(rv + upv)});")
        lines.append(f"{up}.vectorize({upv[-1]}, {R.choice([4, 8])});")
        if R.random() < 0.5 and len(upv) > 1:
            lines.append(f"{up}.parallel({upv[0]});")
    else:
        r = rv[0]
        lines.append(f"{up}.split({r}, {r}a, {r}b, {R.choice([2, 3, 5])});")

out = [
    "//! Generated by `scripts/gen_reduction_schedules.py` (seed %d): random schedules of" % seed,
    "//! pipelines with reductions through the real macro and code generator, checked against",
    "//! `reference` on several shapes and on every instruction set this machine runs. Do not",
    "//! edit by hand.",
    "#![allow(clippy::all)]", "use halite::prelude::*;", "use halite::rt::Isa;", "",
]
tests = []
for rep in range(3):
    for name, (sig, body, funcs, setup, ty) in PIPES.items():
        kname = f"{name}_{rep}"
        lines = []
        pv, rv, upv = funcs["out"]
        out_loops = loops("out", pv, lines, ["", "", ", GuardWithIf", ", ShiftInwards"])
        if rv:
            update("out", rv, upv, lines)
        for f, (pv, rv, upv) in funcs.items():
            if f == "out":
                continue
            if R.random() < 0.5:
                lines.append(f"{f}.compute_root();")
            else:
                lines.append(f"{f}.compute_at(out, {R.choice(out_loops)});")
            loops(f, pv, lines, ["", "", ", GuardWithIf"])
            update(f, rv, upv, lines)
        sched = "".join(f"        {l}\n" for l in lines)
        out.append(f"#[kernel]\nfn {kname}({sig}) -> Result<(), Error> {{\n{body}    schedule! {{\n{sched}    }}\n}}\n")
        if name == "matmul":
            args = "a.view(), b.view(), {}"
        else:
            args = "input.view(), {}"
        tests.append(f"""    for &(h, w) in SHAPES {{
        {setup}
        let mut r = Array2::<{ty}>::default((h, w));
        {kname}::reference({args.format("r.view_mut()")}).unwrap();
        for &isa in ISAS {{
            if !isa.supported() {{ continue; }}
            let mut o = Array2::<{ty}>::default((h, w));
            halite::rt::isa::with_isa(isa, || {kname}({args.format("o.view_mut()")})).unwrap();
            assert_eq!(o, r, "{kname} at {{h}}x{{w}} on {{isa:?}}\\n{{}}", {kname}::loop_nest());
        }}
    }}""")

out.append("""const SHAPES: &[(usize, usize)] = &[(0, 3), (1, 1), (3, 2), (4, 0), (5, 17), (16, 16), (2, 40)];
const ISAS: &[Isa] = &[Isa::Avx512, Isa::Avx2, Isa::Sse2, Isa::Neon, Isa::Scalar];

fn mk_i(h: usize, w: usize, s: usize) -> Array2<i32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 131 + x * 7 + s) * 7919 % 2001) as i32 - 1000)
}
fn mk_f(h: usize, w: usize, s: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((y * 131 + x * 7 + s) * 13 % 97) as f32 * 0.25 - 10.0)
}
""")
out.append("#[test]\nfn random_reduction_schedules_through_codegen() {\n" + "\n".join(tests) + "\n}\n")
open("tests/random_reductions_codegen.rs", "w").write("\n".join(out))
# Formatted as `cargo fmt --check` (CI) wants it.
subprocess.run(["rustfmt", "--edition", "2021", "tests/random_reductions_codegen.rs"], check=True)
print(f"wrote {3 * len(PIPES)} kernels")
