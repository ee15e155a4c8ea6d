//! The book's chapters are all listed in its summary and all compiled as doc tests: a chapter
//! added without its `include_str!` in `src/lib.rs` would escape `cargo test`.

#[test]
fn every_chapter_is_listed_and_tested() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap();
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let mut chapters = 0;
    for entry in std::fs::read_dir(root.join("book/src")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".md") || name == "SUMMARY.md" {
            continue;
        }
        chapters += 1;
        assert!(
            summary.contains(&format!("({name})")),
            "{name} is not in SUMMARY.md"
        );
        let text = std::fs::read_to_string(root.join("book/src").join(&name)).unwrap();
        if text.contains("```rust") {
            assert!(
                lib.contains(&format!("include_str!(\"../book/src/{name}\")")),
                "{name} has Rust code blocks but is not a doc test in src/lib.rs"
            );
        }
    }
    assert!(chapters >= 9, "only {chapters} chapters");
}
