//! The queue: investigations, pending first, newest first; one line each.
use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::filter::namespace;
use super::{Component, EventState, PAGE, Theme, verdict_mark};
use crate::store::ReviewItem;

#[derive(Debug, Default)]
pub struct QueueList {
    /// The items shown (filtered and sorted by the app).
    items: Vec<ReviewItem>,
    selected: usize,
    /// First row drawn; kept so the selection moves within the window before it scrolls.
    offset: Cell<usize>,
    pub focused: bool,
}

impl QueueList {
    /// Replaces the items, keeping the selection on `keep` (an investigation id) when it is
    /// still shown, else at the same position.
    pub fn set_items(&mut self, items: Vec<ReviewItem>, keep: Option<&str>) {
        let position = keep.and_then(|id| items.iter().position(|i| i.investigation_id == id));
        self.items = items;
        self.selected = position.unwrap_or(self.selected);
        self.clamp();
    }

    pub fn items(&self) -> &[ReviewItem] {
        &self.items
    }

    pub fn selected(&self) -> Option<&ReviewItem> {
        self.items.get(self.selected)
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }

    fn move_by(&mut self, delta: isize) {
        self.selected = self.selected.saturating_add_signed(delta);
        self.clamp();
    }
}

impl Component for QueueList {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(self.focused))
            .title(format!(" Queue ({}) ", self.items.len()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.items.is_empty() {
            frame.render_widget(
                Paragraph::new("Nothing to review here.").style(theme.dim()),
                inner,
            );
            return;
        }
        let height = usize::from(inner.height).max(1);
        let mut offset = self.offset.get();
        if self.selected < offset {
            offset = self.selected;
        } else if self.selected >= offset + height {
            offset = self.selected + 1 - height;
        }
        self.offset.set(offset);
        let lines: Vec<Line> = self
            .items
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(index, item)| {
                let ns = namespace(item);
                let mut spans = vec![
                    Span::styled(verdict_mark(item.verdict), theme.verdict(item.verdict)),
                    Span::raw(" "),
                    Span::raw(item.alert_name.as_str()),
                ];
                if !ns.is_empty() {
                    spans.push(Span::styled(format!(" {ns}"), theme.dim()));
                }
                // What the model said, so a reviewer can batch similar ones.
                if let Some(category) = item.category {
                    spans.push(Span::styled(format!(" · {category}"), theme.dim()));
                }
                let line = Line::from(spans);
                if index == self.selected {
                    line.style(theme.selected())
                } else {
                    line
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn event(&mut self, key: KeyEvent) -> EventState {
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.move_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_by(-1),
            KeyCode::PageDown => self.move_by(PAGE as isize),
            KeyCode::PageUp => self.move_by(-(PAGE as isize)),
            KeyCode::Home | KeyCode::Char('g') => self.selected = 0,
            KeyCode::End | KeyCode::Char('G') => {
                self.selected = usize::MAX;
                self.clamp();
            }
            _ => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[("j/k", "move"), ("enter", "open")]
    }
}
