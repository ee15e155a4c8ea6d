//! One trybuild case per diagnostic of `#[kernel]` (see tests/ui/*.rs).
#[test]
fn compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
