//! Where runbooks come from: directories searched for markdown files, or the set compiled into
//! the binary.
use std::path::{Path, PathBuf};

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
    /// `--runbooks` dirs, else `knowledge.runbook_dirs`, else the built-in set.
    pub(crate) fn resolve(flags: &[PathBuf], config: &Config) -> Vec<Source> {
        let dirs = if flags.is_empty() {
            &config.knowledge.runbook_dirs
        } else {
            flags
        };
        if dirs.is_empty() {
            vec![Source::Builtin]
        } else {
            dirs.iter().cloned().map(Source::Dir).collect()
        }
    }
}

/// A runbook file as read from its source.
pub(super) struct RawFile {
    pub(super) key: String,
    pub(super) path: String,
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

pub(super) fn collect(sources: &[Source]) -> Result<(Vec<RawFile>, Vec<Broken>), KnowledgeError> {
    let mut files = Vec::new();
    let mut broken = Vec::new();
    for source in sources {
        match source {
            Source::Builtin => {
                if builtin::RUNBOOKS.is_empty() {
                    return Err(KnowledgeError::NoRunbooks(
                        "this aida binary was built without runbooks (runbooks/ was empty): pass --runbooks DIR or set knowledge.runbook_dirs".into(),
                    ));
                }
                for (rel, bytes) in builtin::RUNBOOKS {
                    files.push(RawFile {
                        key: format!("builtin:{rel}"),
                        path: format!("runbooks/{rel}"),
                        bytes: bytes.to_vec(),
                    });
                }
            }
            Source::Dir(dir) => {
                if !dir.is_dir() {
                    return Err(KnowledgeError::NotADirectory { path: dir.clone() });
                }
                let root = dir.canonicalize().map_err(|e| KnowledgeError::io(dir, e))?;
                let mut rels = Vec::new();
                walk(&root, &root, &mut rels, &mut broken);
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
                            path: rel,
                            bytes,
                        }),
                        Err(e) => broken.push(Broken {
                            path: full.display().to_string(),
                            error: e.to_string(),
                        }),
                    }
                }
            }
        }
    }
    Ok((files, broken))
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
    fn sources_prefer_flags_then_config_then_builtin() {
        let mut config = Config::default();
        assert_eq!(Source::resolve(&[], &config), [Source::Builtin]);
        config.knowledge.runbook_dirs = vec![PathBuf::from("/etc/rb")];
        assert_eq!(
            Source::resolve(&[], &config),
            [Source::Dir("/etc/rb".into())]
        );
        assert_eq!(
            Source::resolve(&[PathBuf::from("x")], &config),
            [Source::Dir("x".into())]
        );
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
