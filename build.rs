//! Embeds the repository's `runbooks/` into the binary, so `aida ingest` works from anywhere.
//! Generates `$OUT_DIR/builtin_runbooks.rs`: `RUNBOOKS: &[(relative path, bytes)]`.
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let runbooks = root.join("runbooks");
    // Cargo rescans the whole directory for changes (new, edited or deleted files).
    println!("cargo:rerun-if-changed=runbooks");
    let mut files = Vec::new();
    if runbooks.is_dir() {
        walk(&runbooks, &runbooks, &mut files);
    }
    files.sort();
    let mut out = String::from("pub static RUNBOOKS: &[(&str, &[u8])] = &[\n");
    for rel in &files {
        // Resolved when the crate compiles, not here: checkouts that share one target dir reuse
        // this generated file, and an absolute path baked in here would point at another checkout.
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))),\n",
            format!("/runbooks/{rel}")
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("builtin_runbooks.rs");
    std::fs::write(dest, out).expect("write builtin_runbooks.rs");
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out);
        } else if name.to_ascii_lowercase().ends_with(".md")
            && !name.eq_ignore_ascii_case("README.md")
        {
            let rel: Vec<String> = path
                .strip_prefix(root)
                .expect("under root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
}
