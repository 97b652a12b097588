//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;

/// Environment variables that would leak the developer's setup into a test.
const SCRUBBED: &[&str] = &[
    "AIDA_CONFIG",
    "AIDA_HOME",
    "AIDA_LOG",
    "RUST_LOG",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_TOKEN",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "USE_LOCAL_MODEL",
    "HF_TOKEN",
    "KUBECONFIG",
];

/// A temporary `AIDA_HOME` and an `aida` command bound to it.
pub struct TestHome {
    pub dir: tempfile::TempDir,
}

impl TestHome {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// [`TestHome::aida`] as a `std::process::Command`, for a process the test spawns and
    /// keeps running (the webhook server).
    pub fn aida_process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_aida"));
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        for (key, _) in std::env::vars() {
            if key.starts_with("AIDA_") && key != "AIDA_TEST_MODELS_DIR" {
                cmd.env_remove(key);
            }
        }
        cmd.env("AIDA_HOME", self.dir.path());
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// `aida` with a clean environment and `AIDA_HOME` set to this home.
    pub fn aida(&self) -> Command {
        let mut cmd = Command::cargo_bin("aida").expect("aida binary");
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        for (key, _) in std::env::vars() {
            if key.starts_with("AIDA_") && key != "AIDA_TEST_MODELS_DIR" {
                cmd.env_remove(key);
            }
        }
        cmd.env("AIDA_HOME", self.dir.path());
        cmd.current_dir(self.dir.path());
        cmd
    }
}

/// Where scripts/test.sh put the real models (scripts/fetch-models.sh layout).
pub fn models_dir() -> PathBuf {
    let dir = std::env::var_os("AIDA_TEST_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!("AIDA_TEST_MODELS_DIR is not set: run scripts/test.sh, or AIDA_MODELS_DIR=DIR scripts/fetch-models.sh and export AIDA_TEST_MODELS_DIR=DIR")
        });
    assert!(
        dir.is_dir(),
        "AIDA_TEST_MODELS_DIR={} does not exist: run scripts/fetch-models.sh",
        dir.display()
    );
    dir
}

/// The repository root (for scripts and fixtures).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The wheel cache scripts/test.sh filled (so script tests need no network).
pub fn wheel_cache() -> PathBuf {
    let dir = std::env::var_os("AIDA_WHEEL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!("AIDA_WHEEL_CACHE is not set: run the tests through scripts/test.sh")
        });
    assert!(
        dir.is_dir(),
        "AIDA_WHEEL_CACHE={} does not exist",
        dir.display()
    );
    dir
}

/// Copies a directory tree (fixtures into a test's own folder).
pub fn copy_dir(src: &std::path::Path, dst: &std::path::Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}
