//! The console's key handling and every screen, without a terminal.
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::*;
use crate::report::{Category, Report};
use crate::review::source::LocalSource;
use crate::store::{
    Finished, IncidentSource, InvestigationStatus, NewIncident, NewInvestigation, OutboxKind, Store,
};

fn report(incident: &str, alert: &str, namespace: &str, category: Category) -> Report {
    let mut report = crate::report::tests::sample();
    report.incident_id = incident.into();
    report.alert["labels"]["alertname"] = json!(alert);
    report.alert["labels"]["namespace"] = json!(namespace);
    report.category = category;
    report
}

fn add(store: &mut Store, n: usize, report: &Report) {
    let (inc, inv) = (format!("inc-{n}"), format!("inv-{n}"));
    store
        .insert_incident(&NewIncident {
            id: inc.clone(),
            fingerprint: None,
            alert_name: report.alert_name().into(),
            alert: report.alert.clone(),
            source: IncidentSource::Cli,
        })
        .unwrap();
    store
        .start_investigation(&NewInvestigation {
            id: inv.clone(),
            incident_id: inc,
            backend: "none".into(),
            model_name: "analyzers".into(),
            adapter: None,
        })
        .unwrap();
    store
        .finish_investigation(
            &inv,
            &Finished {
                status: InvestigationStatus::Success,
                category: Some(report.category),
                confidence: Some(report.confidence),
                report: Some(report.stored_form().unwrap()),
                error: None,
                timings: json!({}),
                tokens: json!({}),
                steps: report.trajectory.clone(),
                prompt_input: None,
            },
        )
        .unwrap();
    // Distinct start times, so "newest first" is inv-3, inv-2, inv-1.
    std::thread::sleep(std::time::Duration::from_millis(3));
}

/// A store file with three investigations; the app and the test each get a connection.
struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aida.db");
        let mut store = Store::open(&path).unwrap();
        add(
            &mut store,
            1,
            &report("inc-1", "KubePodOOMKilled", "shop", Category::OomKilled),
        );
        add(
            &mut store,
            2,
            &report("inc-2", "KubePodImagePull", "infra", Category::ImagePull),
        );
        add(
            &mut store,
            3,
            &report("inc-3", "KubeJobFailed", "batch", Category::JobFailure),
        );
        Self { _dir: dir, path }
    }

    fn store(&self) -> Store {
        Store::open(&self.path).unwrap()
    }

    fn app(&self) -> App {
        App::new(
            Box::new(LocalSource::new(self.store())),
            "ana".into(),
            Theme { color: false },
        )
        .unwrap()
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(app: &mut App, keys: &str) -> Effect {
    let mut effect = Effect::None;
    for c in keys.chars() {
        effect = app.on_key(key(KeyCode::Char(c)));
    }
    effect
}

fn ids(app: &App) -> Vec<&str> {
    app.shown()
        .iter()
        .map(|i| i.investigation_id.as_str())
        .collect()
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| app.draw(frame)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        text.push_str(row.trim_end());
        text.push('\n');
    }
    text
}

#[test]
fn the_queue_is_pending_first_then_newest_first() {
    let fixture = Fixture::new();
    fixture
        .store()
        .add_feedback(&Decision::Approve.feedback("inv-3", "bo"))
        .unwrap();
    let app = fixture.app();
    assert_eq!(ids(&app), ["inv-2", "inv-1", "inv-3"]);
    assert_eq!(app.counts(), [2, 1, 0, 0]);
    assert_eq!(app.selected().unwrap().investigation_id, "inv-2");
    insta::assert_snapshot!("queue", screen(&app, 80, 24));
}

#[test]
fn approve_stores_the_verdict_with_its_outbox_entry_and_moves_on() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    assert_eq!(press(&mut app, "a"), Effect::None);
    let store = fixture.store();
    let feedback = store.latest_feedback("inv-3").unwrap().unwrap();
    assert_eq!(feedback.verdict, Verdict::Approved);
    assert_eq!(feedback.reviewer, "ana");
    let outbox = store.outbox_pending(100).unwrap();
    assert!(
        outbox
            .iter()
            .any(|o| o.kind == OutboxKind::Feedback && o.entity_id == feedback.id.to_string()),
        "{outbox:?}"
    );
    // The next pending one is selected; the approved one went down the queue.
    assert_eq!(app.selected().unwrap().investigation_id, "inv-2");
    assert_eq!(ids(&app), ["inv-2", "inv-1", "inv-3"]);
    assert_eq!(app.counts(), [2, 1, 0, 0]);
    assert!(
        app.message()
            .unwrap()
            .starts_with("approved KubeJobFailed as ana")
    );
    press(&mut app, "aa");
    assert_eq!(app.counts(), [0, 3, 0, 0]);
    assert!(store.latest_feedback("inv-1").unwrap().is_some());
}

#[test]
fn undo_retracts_this_sessions_verdicts_newest_first() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    press(&mut app, "a");
    app.on_key(key(KeyCode::Char('r')));
    press(&mut app, "no");
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.counts(), [1, 1, 0, 1]);
    press(&mut app, "u");
    assert_eq!(app.counts(), [2, 1, 0, 0]);
    assert_eq!(app.selected().unwrap().investigation_id, "inv-2");
    assert_eq!(app.message(), Some("Undid rejected of KubePodImagePull."));
    press(&mut app, "u");
    assert_eq!(app.counts(), [3, 0, 0, 0]);
    press(&mut app, "u");
    assert_eq!(app.message(), Some("Nothing to undo in this session."));
    let store = fixture.store();
    assert!(store.latest_feedback("inv-3").unwrap().is_none());
    // Each verdict and each undo is queued for MLflow.
    let feedback = store
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OutboxKind::Feedback)
        .count();
    assert_eq!(feedback, 4);
    assert!(store.feedback(1).unwrap().unwrap().retracted_at.is_some());
}

#[test]
fn reject_asks_for_a_reason() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    app.on_key(key(KeyCode::Char('r')));
    assert_eq!(app.mode(), &Mode::Reject(String::new()));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.message(), Some("a rejection needs a reason"));
    assert!(matches!(app.mode(), Mode::Reject(_)));
    // Keys are text here, not commands: `q` does not quit, `a` does not approve.
    assert_eq!(press(&mut app, "wrong pod, a quota"), Effect::None);
    insta::assert_snapshot!("reject", screen(&app, 80, 24));
    app.on_key(key(KeyCode::Enter));
    let feedback = fixture.store().latest_feedback("inv-3").unwrap().unwrap();
    assert_eq!(feedback.verdict, Verdict::Rejected);
    assert_eq!(feedback.comment.as_deref(), Some("wrong pod, a quota"));
    // Esc cancels without storing.
    app.on_key(key(KeyCode::Char('r')));
    press(&mut app, "x");
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode(), &Mode::Browse);
    assert!(fixture.store().latest_feedback("inv-2").unwrap().is_none());
}

#[test]
fn correct_edits_the_answer_format_refuses_unknown_categories_and_confirms_a_diff() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    let Effect::Edit(text) = press(&mut app, "c") else {
        panic!("c opens the editor");
    };
    assert!(
        text.contains("\nCATEGORY: job_failure\nROOT CAUSE: Container api is OOMKilled"),
        "{text}"
    );
    // An unknown category reopens the editor with the error on top and the text kept.
    let typo = text.replace("CATEGORY: job_failure", "CATEGORY: jobfail");
    let Effect::Edit(again) = app.edited(&typo) else {
        panic!("an unknown category reopens the editor");
    };
    assert!(again.starts_with("# ERROR: line "), "{again}");
    assert!(again.contains("unknown category \"jobfail\""), "{again}");
    assert!(again.contains("CATEGORY: jobfail\n"), "{again}");
    // The same text again is no correction.
    assert_eq!(app.edited(&text), Effect::None);
    assert_eq!(app.message(), Some("Nothing changed: nothing saved."));
    let fixed = again
        .replace("CATEGORY: jobfail", "CATEGORY: quota_exceeded")
        .replace(
            "Container api is OOMKilled: it exceeds its 256Mi memory limit.",
            "The namespace memory quota is used up, so the job's pods are not created.",
        );
    assert_eq!(app.edited(&fixed), Effect::None);
    let Mode::Confirm { corrected, diff } = app.mode().clone() else {
        panic!("a correction waits for confirmation");
    };
    for line in [
        "-CATEGORY: job_failure\n",
        "-ROOT CAUSE: Container api is OOMKilled",
        "+CATEGORY: quota_exceeded\n",
        "+ROOT CAUSE: The namespace memory quota",
    ] {
        assert!(diff.contains(line), "{line:?} not in {diff}");
    }
    insta::assert_snapshot!("correction_diff", screen(&app, 80, 24));
    assert!(
        fixture.store().latest_feedback("inv-3").unwrap().is_none(),
        "not before y"
    );
    press(&mut app, "y");
    let feedback = fixture.store().latest_feedback("inv-3").unwrap().unwrap();
    assert_eq!(feedback.verdict, Verdict::Corrected);
    assert_eq!(feedback.corrected_text.as_deref(), Some(corrected.as_str()));
    assert!(corrected.starts_with("CATEGORY: quota_exceeded\nROOT CAUSE: The namespace"));
    // An emptied file cancels.
    let Effect::Edit(_) = press(&mut app, "c") else {
        panic!()
    };
    assert_eq!(app.edited("# nothing\n\n"), Effect::None);
    assert_eq!(app.mode(), &Mode::Browse);
}

#[test]
fn the_detail_opens_the_cited_step_scrolled_to_the_quote() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.focus(), Focus::Detail);
    insta::assert_snapshot!("detail", screen(&app, 80, 24));
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Enter));
    assert!(app.step_pane().visible);
    insta::assert_snapshot!("step", screen(&app, 80, 24));
    // The pane keeps the keys: no verdict while reading.
    press(&mut app, "a");
    assert!(fixture.store().latest_feedback("inv-3").unwrap().is_none());
    app.on_key(key(KeyCode::Esc));
    assert!(!app.step_pane().visible);
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.focus(), Focus::Queue);
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Detail);
}

#[test]
fn filters_narrow_by_field_and_status() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    press(&mut app, "/ns:infra");
    assert_eq!(ids(&app), ["inv-2"]);
    insta::assert_snapshot!("filter", screen(&app, 80, 24));
    app.on_key(key(KeyCode::Enter));
    // Kept after enter: keys are commands again.
    assert_eq!(ids(&app), ["inv-2"]);
    press(&mut app, "/");
    app.on_key(key(KeyCode::Esc));
    assert_eq!(ids(&app).len(), 3);
    // The selection stayed on inv-2 through the filter.
    press(&mut app, "a");
    press(&mut app, "s");
    assert_eq!(ids(&app), ["inv-3", "inv-1"], "pending only");
    press(&mut app, "s");
    assert_eq!(ids(&app), ["inv-2"], "approved only");
    press(&mut app, "sss");
    assert_eq!(ids(&app).len(), 3, "all again");
    press(&mut app, "/cat:oom");
    assert_eq!(ids(&app), ["inv-1"]);
}

#[test]
fn help_quit_and_navigation() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    press(&mut app, "?");
    insta::assert_snapshot!("help", screen(&app, 80, 24));
    // The help takes every key until closed.
    assert_eq!(press(&mut app, "q"), Effect::None);
    press(&mut app, "j");
    assert_eq!(app.selected().unwrap().investigation_id, "inv-2");
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Down));
    assert_eq!(app.selected().unwrap().investigation_id, "inv-1");
    app.on_key(key(KeyCode::Up));
    press(&mut app, "k");
    assert_eq!(app.selected().unwrap().investigation_id, "inv-3");
    assert_eq!(press(&mut app, "q"), Effect::Quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.on_key(ctrl_c), Effect::Quit);
}

#[test]
fn an_empty_store_says_so_and_verdict_keys_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("aida.db")).unwrap();
    let mut app = App::new(
        Box::new(LocalSource::new(store)),
        "ana".into(),
        Theme { color: false },
    )
    .unwrap();
    assert_eq!(press(&mut app, "a"), Effect::None);
    assert_eq!(press(&mut app, "c"), Effect::None);
    insta::assert_snapshot!("empty", screen(&app, 80, 24));
}

#[test]
fn it_draws_at_any_size_and_without_colour() {
    let fixture = Fixture::new();
    let mut app = fixture.app();
    for (w, h) in [(80, 24), (120, 40), (40, 12), (20, 5), (1, 1)] {
        screen(&app, w, h);
    }
    app.on_key(key(KeyCode::Enter));
    insta::assert_snapshot!("detail_wide", screen(&app, 120, 30));
    // NO_COLOR: no cell has a colour, only bold or reverse video.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| app.draw(frame)).unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|cell| cell.fg == ratatui::style::Color::Reset
                && cell.bg == ratatui::style::Color::Reset)
    );
}

#[test]
fn a_100k_line_step_scrolls_without_rebuilding_the_text() {
    use crate::review::components::{Component, StepPane};
    let text: String = (0..100_000)
        .map(|i| format!("line {i} of a large kubectl logs output\n"))
        .collect();
    let mut pane = StepPane::default();
    pane.open_text(" big ", text);
    assert_eq!(pane.line_count(), 100_000);
    let theme = Theme { color: false };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let started = Instant::now();
    let frames = 2_000;
    for i in 0..frames {
        pane.event(key(if i % 2 == 0 {
            KeyCode::PageDown
        } else {
            KeyCode::Down
        }));
        terminal
            .draw(|frame| pane.draw(frame, frame.area(), &theme))
            .unwrap();
    }
    let per_frame = started.elapsed() / frames;
    pane.event(key(KeyCode::End));
    terminal
        .draw(|frame| pane.draw(frame, frame.area(), &theme))
        .unwrap();
    assert_eq!(pane.offset(), 100_000 - 22);
    let last = &terminal.backend().buffer().content[80 * 22..80 * 23];
    let row: String = last.iter().map(|c| c.symbol()).collect();
    assert!(row.contains("line 99999 of"), "{row}");
    // A frame must stay far under what a reviewer notices (~16 ms at 60 Hz); measured ~0.1 ms.
    eprintln!("100k-line step pane: {per_frame:?} per scroll + frame");
    assert!(per_frame.as_millis() < 16, "{per_frame:?} per frame");
}
