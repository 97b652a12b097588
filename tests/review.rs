//! `aida feedback` and `aida review` end to end: the real binary, a temporary AIDA_HOME, and
//! investigations made by `aida investigate --llm none` from the project's bundles.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aida::store::{OutboxKind, Store, Verdict};
use common::TestHome;
use predicates::prelude::*;

/// Investigates a bundle; returns (incident id, investigation id).
fn investigate(home: &TestHome, bundle: &str) -> (String, String) {
    let dir = common::repo_root()
        .join("tests/fixtures/bundles")
        .join(bundle);
    let out = home
        .aida()
        .args([
            "investigate",
            "--llm",
            "none",
            "--format",
            "json",
            "--bundle",
        ])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let envelope: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let incident = envelope["reports"][0]["incident_id"]
        .as_str()
        .unwrap()
        .to_string();
    let investigation = store(home).latest_report(&incident).unwrap().unwrap().id;
    (incident, investigation)
}

fn store(home: &TestHome) -> Store {
    Store::open(&home.path().join("aida.db")).unwrap()
}

/// The feedback items waiting for MLflow, by feedback id.
fn outbox_feedback(home: &TestHome) -> Vec<String> {
    store(home)
        .outbox_pending(1000)
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OutboxKind::Feedback)
        .map(|o| o.entity_id)
        .collect()
}

#[test]
fn feedback_approves_rejects_and_corrects_with_the_consoles_checks() {
    let home = TestHome::new();
    let (incident, oom) = investigate(&home, "oom_java_heap_over_limit");
    let (_, pull) = investigate(&home, "image_tag_not_found");

    // Approve, by incident id.
    home.aida()
        .args(["feedback", &incident, "--approve", "--reviewer", "ana"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "Approved investigation {oom} as ana"
        )));
    let approved = store(&home).latest_feedback(&oom).unwrap().unwrap();
    assert_eq!(
        (approved.verdict, approved.reviewer.as_str()),
        (Verdict::Approved, "ana")
    );
    assert_eq!(outbox_feedback(&home), [approved.id.to_string()]);

    // Reject: a reason is required.
    home.aida()
        .args(["feedback", &pull, "--reject", "  ", "--reviewer", "ana"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a rejection needs a reason"));
    home.aida()
        .args([
            "feedback",
            &pull,
            "--reject",
            "the tag exists",
            "--reviewer",
            "ana",
        ])
        .assert()
        .success();
    let rejected = store(&home).latest_feedback(&pull).unwrap().unwrap();
    assert_eq!(rejected.verdict, Verdict::Rejected);
    assert_eq!(rejected.comment.as_deref(), Some("the tag exists"));

    // Correct: start from the answer format, change it, and the diff is printed.
    let answer = home
        .aida()
        .args(["feedback", &pull, "--print-answer"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let answer = String::from_utf8(answer).unwrap();
    assert!(
        answer.starts_with("CATEGORY: image_pull\nROOT CAUSE: "),
        "{answer}"
    );
    let file = home.path().join("fix.txt");
    std::fs::write(
        &file,
        answer.replace("CATEGORY: image_pull", "CATEGORY: imagepull"),
    )
    .unwrap();
    home.aida()
        .args([
            "feedback",
            &pull,
            "--correct",
            "fix.txt",
            "--reviewer",
            "ana",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fix.txt: line 1: unknown category \"imagepull\" (one of: oom_killed,",
        ));
    std::fs::write(&file, &answer).unwrap();
    home.aida()
        .args([
            "feedback",
            &pull,
            "--correct",
            "fix.txt",
            "--reviewer",
            "ana",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the correction changes nothing"));
    std::fs::write(
        &file,
        answer.replace("CATEGORY: image_pull", "CATEGORY: config_missing"),
    )
    .unwrap();
    home.aida()
        .args([
            "feedback",
            &pull,
            "--correct",
            "fix.txt",
            "--reviewer",
            "bo",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "-CATEGORY: image_pull\n+CATEGORY: config_missing\n",
        ));
    let corrected = store(&home).latest_feedback(&pull).unwrap().unwrap();
    assert_eq!(corrected.verdict, Verdict::Corrected);
    assert_eq!(
        corrected.corrected_text.as_deref(),
        Some(answer.replace("image_pull", "config_missing").as_str())
    );
    assert_eq!(outbox_feedback(&home).len(), 3);
}

#[test]
fn feedback_refuses_unknown_ids_missing_verdicts_and_an_unknown_reviewer() {
    let home = TestHome::new();
    let (_, oom) = investigate(&home, "oom_java_heap_over_limit");
    home.aida()
        .args(["feedback", "no-such-id", "--approve", "--reviewer", "ana"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no investigation or incident with id \"no-such-id\"",
        ));
    home.aida()
        .args(["feedback", &oom])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--approve"));
    home.aida()
        .args(["feedback", &oom, "--approve", "--reject", "x"])
        .assert()
        .code(2);
    home.aida()
        .args(["feedback", &oom, "--correct", "missing.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read missing.txt"));
    // No flag, no config, no $USER: nobody to sign the verdict.
    home.aida()
        .env_remove("USER")
        .args(["feedback", &oom, "--approve"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no reviewer"));
    // The config key, then $USER.
    home.aida()
        .env("AIDA_REVIEW_REVIEWER", "from-config")
        .env("USER", "from-user")
        .args(["feedback", &oom, "--approve"])
        .assert()
        .success();
    assert_eq!(
        store(&home)
            .latest_feedback(&oom)
            .unwrap()
            .unwrap()
            .reviewer,
        "from-config"
    );
    home.aida()
        .env("USER", "from-user")
        .args(["feedback", &oom, "--reject", "no"])
        .assert()
        .success();
    assert_eq!(
        store(&home)
            .latest_feedback(&oom)
            .unwrap()
            .unwrap()
            .reviewer,
        "from-user"
    );
    assert!(store(&home).counts().unwrap().unsynced >= 2);
}

#[test]
fn review_needs_a_terminal_and_a_known_source() {
    let home = TestHome::new();
    home.aida()
        .args(["review", "--reviewer", "ana"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("aida review needs a terminal"));
    home.aida()
        .args(["review", "--source", "mlflow", "--reviewer", "ana"])
        .env_remove("MLFLOW_TRACKING_URI")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MLflow is not configured"));
    home.aida()
        .args(["review", "--source", "elsewhere"])
        .assert()
        .code(2);
}

/// tmux, from scripts/test.sh (Debian's package). Missing tmux fails the test: it is never
/// skipped silently.
fn tmux_program() -> PathBuf {
    if let Some(path) = std::env::var_os("AIDA_TEST_TMUX") {
        return PathBuf::from(path);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("tmux"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("tmux not found: run scripts/test.sh (it installs Debian's tmux), or apt-get install tmux")
        })
}

/// A private tmux server (its own socket) running one 80x24 session.
struct Tmux {
    program: PathBuf,
    socket: String,
}

impl Tmux {
    fn start(home: &TestHome, shell_command: &str, env: &[(&str, &Path)]) -> Self {
        let tmux = Self {
            program: tmux_program(),
            socket: format!("aida-test-{}", std::process::id()),
        };
        let mut cmd = tmux.command();
        // -u: UTF-8 whatever the locale, so the console's `·` is captured as itself.
        cmd.args([
            "-u",
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "review",
            "-x",
            "80",
            "-y",
            "24",
        ])
        .arg(shell_command)
        .env("TERM", "xterm-256color")
        .env("AIDA_HOME", home.path())
        .env_remove("VISUAL")
        .env_remove("AIDA_CONFIG")
        .env_remove("AIDA_LOG")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .current_dir(home.path());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let status = cmd.status().expect("tmux runs");
        assert!(status.success(), "tmux new-session: {status}");
        tmux
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(["-L", &self.socket]);
        cmd
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "review"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "review"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits until the screen shows `text`; panics with the screen after 20 s.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_exit(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self
            .command()
            .args(["has-session", "-t", "review"])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the console did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// The console in a real terminal (tmux): approve one investigation, correct another through a
/// scripted EDITOR that first writes an unknown category (the console reopens the file), then
/// SIGTERM a second console; check the rows, the outbox and the exit codes.
#[test]
fn review_console_in_tmux_approves_and_corrects() {
    let home = TestHome::new();
    let (_, oom) = investigate(&home, "oom_java_heap_over_limit");
    let (_, pull) = investigate(&home, "image_tag_not_found");
    let editor = home.path().join("editor.sh");
    std::fs::write(
        &editor,
        r#"#!/bin/sh
# The first save has a category AIDA does not know; once the console reopens the file with the
# error on top, a good correction.
echo "$1" >> "$(dirname "$0")/editor-calls"
if grep -q '^# ERROR' "$1"; then
  sed -i -e 's/^CATEGORY: .*/CATEGORY: quota_exceeded/' \
         -e 's/^ROOT CAUSE: .*/ROOT CAUSE: The namespace quota leaves no memory for the new pods./' "$1"
else
  sed -i 's/^CATEGORY: .*/CATEGORY: quota_exeeded/' "$1"
fi
"#,
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let aida = PathBuf::from(env!("CARGO_BIN_EXE_aida"));
    let run = format!(
        "'{}' review --reviewer e2e; echo $? > '{}'",
        aida.display(),
        home.path().join("rc").display()
    );
    let tmux = Tmux::start(&home, &run, &[("EDITOR", &editor)]);
    // Newest first: the image pull investigation is selected.
    let first = tmux.wait_for("2 pending · 0 approved");
    let selected = first
        .lines()
        .position(|l| l.contains("[ ] KubePodNotReady"))
        .unwrap_or_else(|| panic!("{first}"));
    assert!(
        first
            .lines()
            .nth(selected + 1)
            .unwrap()
            .contains("[ ] KubePodCrashLooping"),
        "{first}"
    );
    assert_eq!(first.lines().count(), 24, "{first}");
    tmux.keys(&["a"]);
    tmux.wait_for("1 pending · 1 approved");
    tmux.keys(&["c"]);
    let diff = tmux.wait_for("save this change?");
    assert!(diff.contains("+CATEGORY: quota_exceeded"), "{diff}");
    tmux.keys(&["y"]);
    tmux.wait_for("0 pending · 1 approved · 1 corrected");
    tmux.keys(&["q"]);
    tmux.wait_for_exit();
    assert_eq!(
        std::fs::read_to_string(home.path().join("rc"))
            .unwrap()
            .trim(),
        "0"
    );
    let calls = std::fs::read_to_string(home.path().join("editor-calls")).unwrap();
    assert_eq!(
        calls.lines().count(),
        2,
        "the editor reopened once: {calls}"
    );

    let store = store(&home);
    let approved = store.latest_feedback(&pull).unwrap().unwrap();
    assert_eq!(
        (approved.verdict, approved.reviewer.as_str()),
        (Verdict::Approved, "e2e")
    );
    let corrected = store.latest_feedback(&oom).unwrap().unwrap();
    assert_eq!(corrected.verdict, Verdict::Corrected);
    let text = corrected.corrected_text.unwrap();
    assert!(
        text.starts_with(
            "CATEGORY: quota_exceeded\nROOT CAUSE: The namespace quota leaves no memory for the new pods.\nSUMMARY: "
        ),
        "{text}"
    );
    // What is stored is the canonical answer format (it parses back to itself).
    assert_eq!(
        aida::review::verdict::parse_correction(&text).unwrap(),
        text
    );
    assert_eq!(
        outbox_feedback(&home),
        [approved.id.to_string(), corrected.id.to_string()]
    );
    // Logs went to the file, not onto the screen.
    let log = std::fs::read_to_string(home.path().join("logs/review.log")).unwrap();
    assert!(log.contains("verdict stored"), "{log}");
    drop(tmux);

    // SIGTERM: the console restores the terminal and exits 143.
    let tmux = Tmux::start(&home, &run, &[("EDITOR", &editor)]);
    tmux.wait_for("0 pending · 1 approved · 1 corrected");
    let pane_pid = tmux
        .command()
        .args(["display-message", "-p", "-t", "review", "#{pane_pid}"])
        .output()
        .unwrap();
    let pane_pid = String::from_utf8(pane_pid.stdout)
        .unwrap()
        .trim()
        .to_string();
    let children =
        std::fs::read_to_string(format!("/proc/{pane_pid}/task/{pane_pid}/children")).unwrap();
    let aida_pid: i32 = children.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(unsafe { libc::kill(aida_pid, libc::SIGTERM) }, 0);
    tmux.wait_for_exit();
    assert_eq!(
        std::fs::read_to_string(home.path().join("rc"))
            .unwrap()
            .trim(),
        "143"
    );
}
