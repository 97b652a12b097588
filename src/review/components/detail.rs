//! The detail of one investigation: the alert and the report beside the evidence it quotes.
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Component, EventState, PAGE, Theme, verdict_name};
use crate::report::Report;
use crate::store::Verdict;

#[derive(Debug, Default)]
pub struct DetailPane {
    report: Option<Report>,
    verdict: Option<Verdict>,
    /// Why the report could not be loaded, shown instead of it.
    error: Option<String>,
    /// First line of the report text drawn.
    scroll: u16,
    /// The evidence quote selected (enter opens the step it cites).
    selected: usize,
    pub focused: bool,
}

impl DetailPane {
    pub fn show(&mut self, report: Report, verdict: Option<Verdict>) {
        let same = self
            .report
            .as_ref()
            .is_some_and(|r| r.incident_id == report.incident_id);
        if !same {
            self.scroll = 0;
            self.selected = 0;
        }
        self.report = Some(report);
        self.verdict = verdict;
        self.error = None;
    }

    pub fn show_error(&mut self, error: String) {
        self.report = None;
        self.error = Some(error);
    }

    pub fn clear(&mut self) {
        self.report = None;
        self.error = None;
    }

    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref()
    }

    /// The evidence quote selected, with its index.
    pub fn selected_evidence(&self) -> Option<usize> {
        let report = self.report.as_ref()?;
        (self.selected < report.evidence.len()).then_some(self.selected)
    }

    fn report_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let Some(report) = &self.report else {
            let text = self
                .error
                .clone()
                .unwrap_or_else(|| "Select an investigation.".into());
            return vec![Line::styled(text, theme.dim())];
        };
        let heading = |text: &str| Line::styled(text.to_string(), theme.heading());
        let mut lines = Vec::new();
        lines.push(Line::from(vec![
            Span::styled("ALERT ", theme.heading()),
            Span::raw(report.alert_name().to_string()),
        ]));
        let labels = report.alert["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .filter(|(k, _)| *k != "alertname")
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        if !labels.is_empty() {
            lines.push(Line::styled(labels, theme.dim()));
        }
        let annotations = &report.alert["annotations"];
        let summary = annotations["summary"].as_str();
        let description = annotations["description"]
            .as_str()
            // Many rules repeat the summary as the description: once is enough.
            .filter(|d| Some(d.trim()) != summary.map(str::trim));
        for text in [summary, description].into_iter().flatten() {
            lines.push(Line::raw(text.replace('\n', " ")));
        }
        lines.push(Line::from(vec![
            Span::styled("VERDICT ", theme.heading()),
            Span::styled(verdict_name(self.verdict), theme.verdict(self.verdict)),
        ]));
        for warning in &report.warnings {
            lines.push(Line::styled(format!("! {warning}"), theme.error()));
        }
        lines.push(Line::from(vec![
            Span::styled("CATEGORY ", theme.heading()),
            Span::raw(format!(
                "{}  confidence {:.2}",
                report.category, report.confidence
            )),
        ]));
        lines.push(heading("ROOT CAUSE"));
        lines.push(Line::raw(report.root_cause.clone()));
        if !report.summary.is_empty() {
            lines.push(heading("SUMMARY"));
            lines.push(Line::raw(report.summary.clone()));
        }
        if !report.hypotheses.is_empty() {
            lines.push(heading("HYPOTHESES"));
            for h in &report.hypotheses {
                let cites = if h.supporting.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", h.supporting.join(" "))
                };
                lines.push(Line::raw(format!(
                    "{:.2} {}{cites}",
                    h.confidence, h.statement
                )));
            }
        }
        if !report.next_steps.is_empty() {
            lines.push(heading("NEXT STEPS"));
            for step in &report.next_steps {
                lines.push(Line::raw(format!("- {step}")));
            }
        }
        if !report.runbooks.is_empty() {
            lines.push(heading("RUNBOOKS"));
            for r in &report.runbooks {
                lines.push(Line::raw(format!("{} § {}", r.path, r.heading)));
            }
        }
        lines.push(Line::styled(
            format!(
                "model {} ({}) · {} steps",
                report.model.name,
                report.model.backend,
                report.trajectory.len()
            ),
            theme.dim(),
        ));
        lines
    }

    fn evidence_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let Some(report) = &self.report else {
            return Vec::new();
        };
        if report.evidence.is_empty() {
            return vec![Line::styled("No evidence quoted.", theme.dim())];
        }
        let mut lines = Vec::new();
        for (index, quote) in report.evidence.iter().enumerate() {
            let tool = report
                .trajectory
                .iter()
                .find(|s| s.id() == quote.source)
                .map_or("missing step", |s| s.tool.as_str());
            let head = Line::from(vec![
                Span::styled(format!("e{} ", index + 1), theme.key()),
                Span::raw(format!("{} {tool}", quote.source)),
            ]);
            let body = Line::raw(format!("\"{}\"", quote.quote));
            if index == self.selected && self.focused {
                lines.push(head.style(theme.selected()));
            } else {
                lines.push(head);
            }
            lines.push(body);
        }
        lines
    }
}

impl Component for DetailPane {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        // Focused, the detail has the whole width: report and evidence side by side.
        let [report_area, evidence_area] = if self.focused {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        } else {
            Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area)
        };
        let report = Paragraph::new(self.report_lines(theme))
            .wrap(Wrap { trim: false })
            .scroll((self.scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border(self.focused))
                    .title(" Report "),
            );
        frame.render_widget(report, report_area);
        let count = self.report.as_ref().map_or(0, |r| r.evidence.len());
        // Keep the selected quote in view: each quote is two lines at least.
        let evidence_scroll = (self.selected * 2)
            .saturating_sub(usize::from(evidence_area.height.saturating_sub(2)).saturating_sub(2));
        let evidence = Paragraph::new(self.evidence_lines(theme))
            .wrap(Wrap { trim: false })
            .scroll((evidence_scroll.try_into().unwrap_or(u16::MAX), 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border(self.focused))
                    .title(format!(" Evidence ({count}) ")),
            );
        frame.render_widget(evidence, evidence_area);
    }

    fn event(&mut self, key: KeyEvent) -> EventState {
        let count = self.report.as_ref().map_or(0, |r| r.evidence.len());
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char('J') => {
                self.scroll = self.scroll.saturating_add(PAGE as u16)
            }
            KeyCode::PageUp | KeyCode::Char('K') => {
                self.scroll = self.scroll.saturating_sub(PAGE as u16)
            }
            _ => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[("j/k", "quote"), ("enter", "step"), ("J/K", "scroll")]
    }
}
