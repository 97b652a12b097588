//! The completion scripts checked in under `completions/` must match the CLI.
//! Regenerate with: AIDA_UPDATE_COMPLETIONS=1 cargo test --test completions
use clap_complete::Shell;

#[test]
fn checked_in_completions_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("AIDA_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let path = dir.join(aida::cli::completion_file_name(shell));
        let fresh = aida::cli::completion_script(shell);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(fresh.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale shell completions: {stale:?}\nregenerate with: AIDA_UPDATE_COMPLETIONS=1 cargo test --test completions"
    );
}

#[test]
fn every_shell_gets_a_script_from_the_binary() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = assert_cmd::Command::cargo_bin("aida")
            .unwrap()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert!(out.len() > 100, "{shell}: {} bytes", out.len());
    }
}
