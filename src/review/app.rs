//! The console's state machine: keys in, effects out. No terminal here: every transition is a
//! plain method, unit-tested with an in-memory store, and every frame can be drawn on ratatui's
//! `TestBackend`.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::components::{
    Component, DetailPane, EventState, FilterInput, HelpOverlay, QueueList, StepPane, Theme,
    verdict_name,
};
use super::source::{ReviewSource, SourceError};
use super::verdict::{
    Decision, VerdictError, answer_text, correction, diff, editor_header, rejection,
};
use crate::store::{ReviewItem, Verdict};

/// What the terminal loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    /// Open the editor on this text; hand what was saved to [`App::edited`].
    Edit(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Queue,
    Detail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Browse,
    /// Typing the reason of a rejection.
    Reject(String),
    /// A parsed correction, shown as a diff, waiting for y (save), e (edit again) or n (drop).
    Confirm {
        corrected: String,
        diff: String,
    },
}

/// A verdict recorded since the console opened (what `u` undoes).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    investigation_id: String,
    alert_name: String,
    feedback_id: i64,
    verdict: Verdict,
}

/// The statuses `s` cycles through (None = all).
const STATUS_CYCLE: [Option<&str>; 5] = [
    None,
    Some("pending"),
    Some("approved"),
    Some("corrected"),
    Some("rejected"),
];

pub struct App {
    source: Box<dyn ReviewSource>,
    reviewer: String,
    theme: Theme,
    /// Everything the source has, newest first.
    all: Vec<ReviewItem>,
    queue: QueueList,
    detail: DetailPane,
    step: StepPane,
    help: HelpOverlay,
    filter: FilterInput,
    status: usize,
    focus: Focus,
    mode: Mode,
    /// The investigation whose report the detail shows.
    loaded: Option<String>,
    session: Vec<Recorded>,
    /// The last outcome, shown until the next key; true = an error.
    message: Option<(String, bool)>,
}

impl App {
    pub fn new(
        source: Box<dyn ReviewSource>,
        reviewer: String,
        theme: Theme,
    ) -> Result<Self, SourceError> {
        let mut app = Self {
            source,
            reviewer,
            theme,
            all: Vec::new(),
            queue: QueueList::default(),
            detail: DetailPane::default(),
            step: StepPane::default(),
            help: HelpOverlay::default(),
            filter: FilterInput::default(),
            status: 0,
            focus: Focus::Queue,
            mode: Mode::Browse,
            loaded: None,
            session: Vec::new(),
            message: None,
        };
        app.all = app.source.queue()?;
        app.apply_filter(None);
        app.queue.focused = true;
        Ok(app)
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|(m, _)| m.as_str())
    }

    pub fn selected(&self) -> Option<&ReviewItem> {
        self.queue.selected()
    }

    pub fn shown(&self) -> &[ReviewItem] {
        self.queue.items()
    }

    pub fn step_pane(&self) -> &StepPane {
        &self.step
    }

    /// (pending, approved, corrected, rejected) over everything, filter or not.
    pub fn counts(&self) -> [usize; 4] {
        let mut counts = [0; 4];
        for item in &self.all {
            counts[match item.verdict {
                None => 0,
                Some(Verdict::Approved) => 1,
                Some(Verdict::Corrected) => 2,
                Some(Verdict::Rejected) => 3,
            }] += 1;
        }
        counts
    }

    /// Shows what matches the filter and the status, pending first, newest first; keeps the
    /// selection on `keep` when it is still shown.
    fn apply_filter(&mut self, keep: Option<&str>) {
        let query = self.filter.query();
        let status = STATUS_CYCLE[self.status];
        let mut items: Vec<ReviewItem> = self
            .all
            .iter()
            .filter(|item| status.is_none_or(|s| verdict_name(item.verdict) == s))
            .filter(|item| query.matches(item))
            .cloned()
            .collect();
        // Stable: newest first stays within each group.
        items.sort_by_key(|item| item.verdict.is_some());
        let keep = keep.map(str::to_string).or_else(|| self.loaded.clone());
        self.queue.set_items(items, keep.as_deref());
        self.sync_detail();
    }

    /// Loads the selected investigation's report into the detail when it changed.
    fn sync_detail(&mut self) {
        let Some(item) = self.queue.selected().cloned() else {
            self.loaded = None;
            self.detail.clear();
            return;
        };
        if self.loaded.as_deref() == Some(&item.investigation_id) {
            return;
        }
        self.loaded = Some(item.investigation_id.clone());
        match self.source.load(&item.investigation_id) {
            Ok(report) => self.detail.show(report, item.verdict),
            Err(err) => {
                tracing::warn!(%err, id = item.investigation_id, "cannot load report");
                self.detail
                    .show_error(format!("Cannot show {}: {err}", item.investigation_id));
            }
        }
    }

    fn set_focus(&mut self, focus: Focus) {
        self.focus = focus;
        self.queue.focused = focus == Focus::Queue;
        self.detail.focused = focus == Focus::Detail;
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), false));
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), true));
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Effect {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Effect::Quit;
        }
        self.message = None;
        if self.help.event(key) == EventState::Consumed
            || self.step.event(key) == EventState::Consumed
        {
            return Effect::None;
        }
        match &mut self.mode {
            Mode::Browse => {}
            Mode::Reject(reason) => {
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::Browse;
                        self.info("Rejection cancelled.");
                    }
                    KeyCode::Enter => match rejection(reason) {
                        Ok(decision) => {
                            self.mode = Mode::Browse;
                            self.write_verdict(decision);
                        }
                        Err(err) => self.error(err.to_string()),
                    },
                    KeyCode::Backspace => {
                        reason.pop();
                    }
                    KeyCode::Char(c) => reason.push(c),
                    _ => {}
                }
                return Effect::None;
            }
            Mode::Confirm { corrected, .. } => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Enter => {
                        let decision = Decision::Correct(corrected.clone());
                        self.mode = Mode::Browse;
                        self.write_verdict(decision);
                    }
                    KeyCode::Char('e') => {
                        let text = format!("{}{corrected}", editor_header(None));
                        self.mode = Mode::Browse;
                        return Effect::Edit(text);
                    }
                    KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
                        self.mode = Mode::Browse;
                        self.info("Correction dropped: nothing saved.");
                    }
                    _ => {}
                }
                return Effect::None;
            }
        }
        if self.filter.event(key) == EventState::Consumed {
            self.apply_filter(None);
            return Effect::None;
        }
        match key.code {
            KeyCode::Char('q') => return Effect::Quit,
            KeyCode::Char('?') => self.help.visible = true,
            KeyCode::Char('/') => self.filter.open(),
            KeyCode::Char('s') => {
                self.status = (self.status + 1) % STATUS_CYCLE.len();
                self.apply_filter(None);
            }
            KeyCode::Char('a') => {
                if self.report_loaded() {
                    self.write_verdict(Decision::Approve);
                }
            }
            KeyCode::Char('r') => {
                if self.report_loaded() {
                    self.mode = Mode::Reject(String::new());
                }
            }
            KeyCode::Char('c') => {
                if let Some(report) = self.report_loaded().then(|| self.detail.report()).flatten() {
                    return Effect::Edit(format!("{}{}", editor_header(None), answer_text(report)));
                }
            }
            KeyCode::Char('u') => self.undo(),
            KeyCode::Tab => self.set_focus(match self.focus {
                Focus::Queue => Focus::Detail,
                Focus::Detail => Focus::Queue,
            }),
            KeyCode::Esc => self.set_focus(Focus::Queue),
            KeyCode::Enter => match self.focus {
                Focus::Queue if self.queue.selected().is_some() => self.set_focus(Focus::Detail),
                Focus::Queue => {}
                Focus::Detail => self.open_step(),
            },
            _ => {
                let state = match self.focus {
                    Focus::Queue => self.queue.event(key),
                    Focus::Detail => self.detail.event(key),
                };
                if state == EventState::Consumed && self.focus == Focus::Queue {
                    self.sync_detail();
                }
            }
        }
        Effect::None
    }

    /// Whether the selected investigation's report is shown (a verdict needs one).
    fn report_loaded(&mut self) -> bool {
        if self.detail.report().is_some() {
            return true;
        }
        self.error("No report selected to judge.");
        false
    }

    fn open_step(&mut self) {
        let Some(report) = self.detail.report() else {
            return;
        };
        let Some(index) = self.detail.selected_evidence() else {
            self.info("No evidence quote to open.");
            return;
        };
        let quote = &report.evidence[index];
        match report.trajectory.iter().find(|s| s.id() == quote.source) {
            Some(step) => self.step.open(step, Some(quote.quote.as_str())),
            None => {
                let cited = quote.source.clone();
                self.error(format!("{cited} is not in the stored trajectory."));
            }
        }
    }

    /// What the editor saved. Comments dropped, parsed as the model's answer; an error reopens
    /// the editor with the error on top, a good correction waits for confirmation over its diff.
    pub fn edited(&mut self, text: &str) -> Effect {
        let Some(report) = self.detail.report() else {
            return Effect::None;
        };
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            self.info("Correction cancelled (empty file).");
            return Effect::None;
        }
        match correction(report, text) {
            Ok(Decision::Correct(corrected)) => {
                let diff = diff(&answer_text(report), &corrected);
                // An earlier attempt's message does not belong under this diff.
                self.message = None;
                self.mode = Mode::Confirm { corrected, diff };
                Effect::None
            }
            Ok(_) => Effect::None,
            Err(VerdictError::Unchanged) => {
                self.info("Nothing changed: nothing saved.");
                Effect::None
            }
            Err(err) => {
                let body: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .map(|l| format!("{l}\n"))
                    .collect();
                Effect::Edit(format!("{}{body}", editor_header(Some(&err.to_string()))))
            }
        }
    }

    /// The editor could not be run.
    pub fn edit_failed(&mut self, error: &str) {
        self.error(format!("Cannot run the editor: {error}"));
    }

    /// THE place a verdict is written: stored (with its outbox entry) before the screen says so;
    /// then the selection moves on to the next pending investigation.
    pub fn write_verdict(&mut self, decision: Decision) {
        let Some(item) = self.queue.selected().cloned() else {
            return;
        };
        let feedback = decision.feedback(&item.investigation_id, &self.reviewer);
        match self.source.record(&feedback) {
            Ok(feedback_id) => {
                tracing::info!(id = item.investigation_id, feedback_id, verdict = %feedback.verdict, "verdict stored");
                self.session.push(Recorded {
                    investigation_id: item.investigation_id.clone(),
                    alert_name: item.alert_name.clone(),
                    feedback_id,
                    verdict: feedback.verdict,
                });
                let next = self.next_pending_after(&item.investigation_id);
                self.reload(next.as_deref().or(Some(&item.investigation_id)));
                self.info(format!(
                    "{} {} as {} (verdict {feedback_id}); u undoes.",
                    verdict_name(Some(feedback.verdict)),
                    item.alert_name,
                    self.reviewer
                ));
            }
            Err(err) => {
                tracing::error!(%err, id = item.investigation_id, "cannot store verdict");
                self.error(format!("NOT saved: {err}"));
            }
        }
    }

    /// The next pending investigation shown after `id` (wrapping around), not `id` itself.
    fn next_pending_after(&self, id: &str) -> Option<String> {
        let items = self.queue.items();
        let at = items.iter().position(|i| i.investigation_id == id)?;
        items[at + 1..]
            .iter()
            .chain(&items[..at])
            .find(|i| i.verdict.is_none())
            .map(|i| i.investigation_id.clone())
    }

    fn reload(&mut self, keep: Option<&str>) {
        match self.source.queue() {
            Ok(all) => self.all = all,
            Err(err) => self.error(format!("Cannot reload the queue: {err}")),
        }
        // The verdict shown in the detail may have changed.
        self.loaded = None;
        self.apply_filter(keep);
    }

    /// Undoes the newest verdict of this session.
    fn undo(&mut self) {
        let Some(last) = self.session.pop() else {
            self.info("Nothing to undo in this session.");
            return;
        };
        match self.source.undo(last.feedback_id) {
            Ok(()) => {
                self.reload(Some(&last.investigation_id));
                self.info(format!(
                    "Undid {} of {}.",
                    verdict_name(Some(last.verdict)),
                    last.alert_name
                ));
            }
            Err(err) => {
                self.error(format!("Cannot undo: {err}"));
                self.session.push(last);
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let [header, body, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.draw_header(frame, header);
        match self.focus {
            Focus::Queue => {
                let [left, right] =
                    Layout::horizontal([Constraint::Length(34), Constraint::Fill(1)]).areas(body);
                self.queue.draw(frame, left, &self.theme);
                self.detail.draw(frame, right, &self.theme);
            }
            Focus::Detail => self.detail.draw(frame, body, &self.theme),
        }
        if self.step.visible {
            self.step.draw(frame, body, &self.theme);
        }
        if let Mode::Confirm { diff, .. } = &self.mode {
            self.draw_diff(frame, body, diff);
        }
        self.draw_status(frame, status);
        self.draw_hints(frame, hints);
        if self.help.visible {
            self.help.draw(frame, area, &self.theme);
        }
    }

    fn draw_header(&self, frame: &mut Frame, area: Rect) {
        let [pending, approved, corrected, rejected] = self.counts();
        let t = &self.theme;
        let line = Line::from(vec![
            Span::styled(" AIDA review ", t.heading()),
            Span::styled(format!("{pending} pending"), t.verdict(None)),
            Span::raw(" · "),
            Span::styled(
                format!("{approved} approved"),
                t.verdict(Some(Verdict::Approved)),
            ),
            Span::raw(" · "),
            Span::styled(
                format!("{corrected} corrected"),
                t.verdict(Some(Verdict::Corrected)),
            ),
            Span::raw(" · "),
            Span::styled(
                format!("{rejected} rejected"),
                t.verdict(Some(Verdict::Rejected)),
            ),
            Span::styled(format!("  as {}", self.reviewer), t.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect) {
        let t = &self.theme;
        if let Mode::Reject(reason) = &self.mode {
            let line = Line::from(vec![
                Span::styled("Reject, because: ", t.key()),
                Span::raw(reason.as_str()),
                Span::styled("_", t.dim()),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
        if self.filter.active {
            self.filter.draw(frame, area, t);
            return;
        }
        let line = match &self.message {
            Some((text, true)) => Line::styled(text.as_str(), t.error()),
            Some((text, false)) => Line::raw(text.as_str()),
            None => {
                let mut parts = Vec::new();
                if let Some(status) = STATUS_CYCLE[self.status] {
                    parts.push(format!("status {status}"));
                }
                if !self.filter.text.is_empty() {
                    parts.push(format!("filter /{}", self.filter.text));
                }
                if parts.is_empty() {
                    Line::raw("")
                } else {
                    Line::styled(
                        format!(
                            "{} ({} of {} shown)",
                            parts.join(", "),
                            self.queue.items().len(),
                            self.all.len()
                        ),
                        t.dim(),
                    )
                }
            }
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn draw_hints(&self, frame: &mut Frame, area: Rect) {
        let commands: &[(&str, &str)] = if self.help.visible {
            self.help.commands()
        } else if self.step.visible {
            self.step.commands()
        } else {
            match &self.mode {
                Mode::Reject(_) => &[("enter", "reject"), ("esc", "cancel")],
                Mode::Confirm { .. } => &[("y", "save"), ("e", "edit again"), ("n", "drop")],
                Mode::Browse if self.filter.active => self.filter.commands(),
                Mode::Browse => match self.focus {
                    Focus::Queue => &[
                        ("j/k", "move"),
                        ("enter", "open"),
                        ("a", "approve"),
                        ("c", "correct"),
                        ("r", "reject"),
                        ("u", "undo"),
                        ("/", "filter"),
                        ("?", "help"),
                        ("q", "quit"),
                    ],
                    Focus::Detail => &[
                        ("j/k", "quote"),
                        ("enter", "step"),
                        ("a", "approve"),
                        ("c", "correct"),
                        ("r", "reject"),
                        ("u", "undo"),
                        ("esc", "back"),
                        ("?", "help"),
                    ],
                },
            }
        };
        let mut spans = Vec::new();
        for (keys, what) in commands {
            spans.push(Span::styled(format!(" {keys}"), self.theme.key()));
            spans.push(Span::raw(format!(" {what} ")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_diff(&self, frame: &mut Frame, area: Rect, diff: &str) {
        frame.render_widget(Clear, area);
        let t = &self.theme;
        let lines: Vec<Line> = diff
            .lines()
            .map(|line| {
                if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
                    Line::styled(line, t.dim())
                } else if line.starts_with('+') {
                    Line::styled(line, t.verdict(Some(Verdict::Approved)))
                } else if line.starts_with('-') {
                    Line::styled(line, t.verdict(Some(Verdict::Rejected)))
                } else {
                    Line::raw(line)
                }
            })
            .collect();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border(true))
            .title(" Correction: save this change? ");
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            area,
        );
    }
}

#[cfg(test)]
mod tests;
