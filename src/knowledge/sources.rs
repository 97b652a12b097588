//! Where runbooks come from: directories searched for markdown files, and the set compiled into
//! the binary.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use serde::Serialize;

use super::KnowledgeError;
use crate::config::Config;

/// Runbooks compiled into the binary from the repository's `runbooks/` (see build.rs):
/// `(path relative to runbooks/, file bytes)`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_runbooks.rs"));
}

/// Where runbooks come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory, searched recursively for `*.md`.
    Dir(PathBuf),
    /// The runbooks compiled into this binary.
    Builtin,
}

impl Source {
    /// The built-in set (unless `no_builtin` or `knowledge.builtin_runbooks = false`) and the
    /// `--runbooks` dirs, else `knowledge.runbook_dirs`.
    pub(crate) fn resolve(flags: &[PathBuf], config: &Config, no_builtin: bool) -> Vec<Source> {
        let dirs = if flags.is_empty() {
            &config.knowledge.runbook_dirs
        } else {
            flags
        };
        let builtin = config.knowledge.builtin_runbooks && !no_builtin;
        builtin
            .then_some(Source::Builtin)
            .into_iter()
            .chain(dirs.iter().cloned().map(Source::Dir))
            .collect()
    }
}

/// A runbook file as read from its source.
pub(super) struct RawFile {
    pub(super) key: String,
    pub(super) path: String,
    /// Where the file is, for messages: a directory's file by its full path.
    pub(super) location: String,
    pub(super) stem: String,
    pub(super) bytes: Vec<u8>,
}

/// File names that describe a folder rather than an alert (Hugo section pages, notices).
fn is_runbook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md")
        && !matches!(
            lower.as_str(),
            "readme.md" | "notice.md" | "license.md" | "changelog.md" | "_index.md" | "index.md"
        )
}

pub(super) fn stem_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md")
        .or_else(|| name.strip_suffix(".MD"))
        .unwrap_or(name)
        .to_string()
}

/// The runbook files of `sources`, directories first. A built-in runbook is left out when a
/// directory holds a byte-identical copy (`knowledge.runbook_dirs = ["runbooks"]` in a checkout
/// would otherwise list every runbook twice).
pub(super) fn collect(sources: &[Source]) -> Result<(Vec<RawFile>, Vec<Broken>), KnowledgeError> {
    if sources.is_empty() {
        return Err(KnowledgeError::NoRunbooks(
            "nothing to ingest: the built-in runbooks are turned off (--no-builtin or knowledge.builtin_runbooks = false) and no --runbooks DIR or knowledge.runbook_dirs is given".into(),
        ));
    }
    let mut files = Vec::new();
    let mut broken = Vec::new();
    for source in sources {
        if let Source::Dir(dir) = source {
            collect_dir(dir, &mut files, &mut broken)?;
        }
    }
    if sources.contains(&Source::Builtin) {
        if builtin::RUNBOOKS.is_empty() {
            return Err(KnowledgeError::NoRunbooks(
                "this aida binary was built without runbooks (runbooks/ was empty): pass --runbooks DIR or set knowledge.runbook_dirs".into(),
            ));
        }
        let copies: HashSet<[u8; 32]> = files
            .iter()
            .map(|f| Sha256::digest(&f.bytes).into())
            .collect();
        for (rel, bytes) in builtin::RUNBOOKS {
            if copies.contains(&<[u8; 32]>::from(Sha256::digest(bytes))) {
                continue;
            }
            files.push(RawFile {
                key: format!("builtin:{rel}"),
                path: format!("runbooks/{rel}"),
                location: format!("runbooks/{rel}"),
                stem: stem_of(rel),
                bytes: bytes.to_vec(),
            });
        }
    }
    Ok((files, broken))
}

/// The runbook files under `dir`, in path order; unreadable ones go to `broken`.
fn collect_dir(
    dir: &Path,
    files: &mut Vec<RawFile>,
    broken: &mut Vec<Broken>,
) -> Result<(), KnowledgeError> {
    if !dir.is_dir() {
        return Err(KnowledgeError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let root = dir.canonicalize().map_err(|e| KnowledgeError::io(dir, e))?;
    let mut rels = Vec::new();
    walk(&root, &root, &mut rels, broken);
    if rels.is_empty() {
        return Err(KnowledgeError::NoRunbooks(format!(
            "no markdown runbooks (*.md) under {}",
            dir.display()
        )));
    }
    rels.sort();
    for rel in rels {
        let full = root.join(&rel);
        match std::fs::read(&full) {
            Ok(bytes) => files.push(RawFile {
                key: format!("{}:{rel}", root.display()),
                location: full.display().to_string(),
                stem: stem_of(&rel),
                path: rel,
                bytes,
            }),
            Err(e) => broken.push(Broken {
                path: full.display().to_string(),
                error: e.to_string(),
            }),
        }
    }
    Ok(())
}

/// Relative paths (with `/`) of the runbook files under `dir`; hidden entries are skipped.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>, broken: &mut Vec<Broken>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            broken.push(Broken {
                path: dir.display().to_string(),
                error: e.to_string(),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out, broken);
        } else if is_runbook_name(&name)
            && let Ok(rel) = path.strip_prefix(root)
        {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
}

/// A file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broken {
    /// The file's full path (`runbooks/...` for a built-in one).
    pub path: String,
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runbook_names_and_stems() {
        assert_eq!(stem_of("a/b/TargetDown.md"), "TargetDown");
        assert!(is_runbook_name("x.md"));
        assert!(!is_runbook_name("README.md"));
        assert!(!is_runbook_name("_index.md"));
        assert!(!is_runbook_name("notes.txt"));
    }

    #[test]
    fn builtin_runbooks_stay_beside_directories_unless_turned_off() {
        let mut config = Config::default();
        assert_eq!(Source::resolve(&[], &config, false), [Source::Builtin]);
        config.knowledge.runbook_dirs = vec![PathBuf::from("/etc/rb")];
        assert_eq!(
            Source::resolve(&[], &config, false),
            [Source::Builtin, Source::Dir("/etc/rb".into())]
        );
        assert_eq!(
            Source::resolve(&[PathBuf::from("x")], &config, false),
            [Source::Builtin, Source::Dir("x".into())]
        );
        assert_eq!(
            Source::resolve(&[PathBuf::from("x")], &config, true),
            [Source::Dir("x".into())]
        );
        config.knowledge.builtin_runbooks = false;
        assert_eq!(
            Source::resolve(&[], &config, false),
            [Source::Dir("/etc/rb".into())]
        );
        config.knowledge.runbook_dirs.clear();
        assert!(Source::resolve(&[], &config, false).is_empty());
        let err = collect(&[]).err().expect("nothing to ingest");
        assert!(
            err.is_user_error() && err.to_string().contains("--no-builtin"),
            "{err}"
        );
    }

    #[test]
    fn a_directory_copy_of_a_builtin_runbook_replaces_it() {
        let builtin_only = collect(&[Source::Builtin]).unwrap().0;
        let (rel, bytes) = builtin::RUNBOOKS[0];
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("copy.md"), bytes).unwrap();
        std::fs::write(dir.path().join("own.md"), "# Own\n\ntext").unwrap();
        let (files, _) =
            collect(&[Source::Builtin, Source::Dir(dir.path().to_path_buf())]).unwrap();
        assert_eq!(files.len(), builtin_only.len() + 1);
        assert!(files.iter().any(|f| f.path == "copy.md"));
        assert!(!files.iter().any(|f| f.path == format!("runbooks/{rel}")));
    }

    #[test]
    fn broken_and_hidden_files_in_walk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
        std::fs::write(dir.path().join("a/one.md"), "# One\n\ntext").unwrap();
        std::fs::write(dir.path().join("a/.git/x.md"), "# hidden").unwrap();
        std::fs::write(dir.path().join("README.md"), "# readme").unwrap();
        std::fs::write(dir.path().join("two.md"), b"\xff\xfe").unwrap();
        let (files, broken) = collect(&[Source::Dir(dir.path().to_path_buf())]).unwrap();
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/one.md", "two.md"]);
        assert!(broken.is_empty());
        let empty = tempfile::tempdir().unwrap();
        let err = collect(&[Source::Dir(empty.path().to_path_buf())])
            .err()
            .unwrap();
        assert!(err.is_user_error() && err.to_string().contains("no markdown runbooks"));
        let err = collect(&[Source::Dir(empty.path().join("nope"))])
            .err()
            .unwrap();
        assert!(matches!(err, KnowledgeError::NotADirectory { .. }));
    }
}
