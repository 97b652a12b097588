//! The repository stands alone: nothing a user's clone runs or reads may point outside it.
//!
//! Tests, scripts, benchmarks and docs once read data and notes from a sibling folder that only
//! the developers' workspace has; a fresh clone failed. This keeps such references from coming back.
use std::path::{Path, PathBuf};

/// Folders whose files must not refer to the sibling folder.
const CHECKED: &[&str] = &["src", "tests", "scripts", "benches", "examples", "docs"];

/// A copy of a source file kept as a perplexity text with fixed reference values: its bytes are
/// data, not a reference.
const EXEMPT: &[&str] = &["tests/fixtures/llm/texts/code.txt"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn nothing_refers_outside_the_repository() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // Spelled in pieces so this file does not match itself.
    let needle = ["..", "shared"].join("/");
    let mut all = Vec::new();
    for dir in CHECKED {
        files(&root.join(dir), &mut all);
    }
    files(&root.join(".ci"), &mut all);
    for top in [
        "README.md",
        "BENCHMARKS.md",
        "build.rs",
        "Cargo.toml",
        "aida.example.toml",
    ] {
        all.push(root.join(top));
    }
    assert!(all.len() > 50, "walked only {} files", all.len());
    let mut hits = Vec::new();
    for path in &all {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if EXEMPT.contains(&rel.as_str()) {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            if line.contains(&needle) {
                hits.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "these lines refer to a folder outside the repository (copy the data into tests/data/ and \
         state the facts in docs/):\n{}",
        hits.join("\n")
    );
}

/// The data the tests and benchmarks use is in the repository, each set with its license notice.
#[test]
fn test_data_ships_with_its_notices() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (set, notice) in [
        ("alertmanager", "NOTICE.md"),
        ("bundles-dev", "NOTICE.md"),
        ("retrieval-dev", "NOTICE.md"),
        ("runbook-corpus", "LICENSE"),
        ("runbook-corpus", "NOTICE.md"),
    ] {
        let path = data.join(set).join(notice);
        assert!(path.is_file(), "{} is missing", path.display());
    }
}
