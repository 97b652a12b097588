//! Where AIDA keeps its files. Everything lives under one home directory (`$AIDA_HOME`).
use std::path::{Path, PathBuf};

/// The resolved home directory and the well-known paths inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `--home`, else `$AIDA_HOME`, else the XDG data dir (`~/.local/share/aida`).
    pub fn resolve(flag: Option<&Path>) -> Self {
        if let Some(dir) = flag {
            return Self::at(dir);
        }
        if let Some(dir) = std::env::var_os("AIDA_HOME").filter(|v| !v.is_empty()) {
            return Self::at(PathBuf::from(dir));
        }
        let root = directories::BaseDirs::new()
            .map(|dirs| dirs.data_dir().join("aida"))
            .unwrap_or_else(|| PathBuf::from(".aida"));
        Self::at(root)
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$AIDA_HOME/aida.toml`, read when no other config file is named.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("aida.toml")
    }

    /// The SQLite store.
    pub fn database(&self) -> PathBuf {
        self.root.join("aida.db")
    }

    /// Default directory for local models (`scripts/fetch-models.sh` installs here).
    pub fn models(&self) -> PathBuf {
        self.root.join("models")
    }

    /// Knowledge-base indexes (tantivy, vectors).
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The log of `aida review`: a full-screen console writes its logs here, never on the screen.
    pub fn review_log(&self) -> PathBuf {
        self.root.join("logs").join("review.log")
    }

    /// Creates the home directory if needed.
    pub fn ensure(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)
    }
}
