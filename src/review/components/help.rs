//! `?`: every key of the console.
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Component, EventState, Theme};

/// The keys, in the order a reviewer meets them.
pub const KEYS: &[(&str, &str)] = &[
    ("j k ↑ ↓", "move in the queue / between evidence quotes"),
    ("enter", "open the investigation / the step a quote cites"),
    ("tab", "switch between queue and detail"),
    ("esc", "back (close a pane, leave the detail)"),
    ("J K pgup pgdn", "scroll the report / the step output"),
    ("a", "approve the conclusion"),
    (
        "c",
        "correct it in $VISUAL/$EDITOR (diff shown before saving)",
    ),
    ("r", "reject it, with a reason"),
    ("u", "undo the last verdict of this session"),
    ("/", "filter: words, status: alert: cat: ns:"),
    ("s", "cycle the status shown: all, pending, approved, ..."),
    ("?", "this help"),
    ("q", "quit (ctrl-c too)"),
];

#[derive(Debug, Default)]
pub struct HelpOverlay {
    pub visible: bool,
}

impl Component for HelpOverlay {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let height = (KEYS.len() as u16 + 2).min(area.height);
        let width = 74.min(area.width);
        let [_, row, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(height),
            Constraint::Fill(1),
        ])
        .areas(area);
        let [_, popup, _] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Length(width),
            Constraint::Fill(1),
        ])
        .areas(row);
        frame.render_widget(Clear, popup);
        let lines: Vec<Line> = KEYS
            .iter()
            .map(|(keys, what)| {
                Line::from(vec![
                    Span::styled(format!("{keys:>14}  "), theme.key()),
                    Span::raw(*what),
                ])
            })
            .collect();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(true))
            .title(" Keys ")
            .title_bottom(" esc or ? to close ");
        frame.render_widget(Paragraph::new(lines).block(block), popup);
    }

    /// While shown, the help takes every key; esc, q or ? close it.
    fn event(&mut self, key: KeyEvent) -> EventState {
        if !self.visible {
            return EventState::NotConsumed;
        }
        if matches!(
            key.code,
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter
        ) {
            self.visible = false;
        }
        EventState::Consumed
    }

    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[("esc", "close")]
    }
}
