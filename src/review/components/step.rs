//! The whole output of one trajectory step, scrollable. Only the rows on screen are built each
//! frame, so a 100k-line output scrolls as fast as a short one.
use std::cell::Cell;
use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Component, EventState, Theme};
use crate::report::TrajectoryStep;

#[derive(Debug, Default)]
pub struct StepPane {
    pub visible: bool,
    title: String,
    text: String,
    /// Byte ranges of the lines of `text`.
    lines: Vec<Range<usize>>,
    /// First line drawn.
    offset: usize,
    /// Lines of the quoted passage, highlighted.
    quoted: Range<usize>,
    /// Rows of the last frame, for paging.
    height: Cell<usize>,
}

impl StepPane {
    /// Opens `step`, scrolled to `quote` (highlighted) when it is found in the output.
    pub fn open(&mut self, step: &TrajectoryStep, quote: Option<&str>) {
        self.title = format!(" {} · {} · {} ", step.id(), step.tool, step.input);
        self.text = step.output_excerpt.clone();
        self.lines = line_ranges(&self.text);
        self.quoted = 0..0;
        self.offset = 0;
        if let Some(start) = quote.and_then(|q| self.text.find(q).map(|at| (at, q.len()))) {
            let first = self.line_of(start.0);
            let last = self.line_of(start.0 + start.1.saturating_sub(1));
            self.quoted = first..last + 1;
            // A little context above the quote.
            self.offset = first.saturating_sub(2);
        }
        self.visible = true;
    }

    /// Opens a text that is not a step (tests, messages).
    #[cfg(test)]
    pub fn open_text(&mut self, title: &str, text: String) {
        self.title = title.to_string();
        self.lines = line_ranges(&text);
        self.text = text;
        self.quoted = 0..0;
        self.offset = 0;
        self.visible = true;
    }

    #[cfg(test)]
    pub fn offset(&self) -> usize {
        self.offset
    }

    #[cfg(test)]
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    fn line_of(&self, byte: usize) -> usize {
        self.lines
            .partition_point(|range| range.end < byte)
            .min(self.lines.len().saturating_sub(1))
    }

    fn max_offset(&self) -> usize {
        self.lines.len().saturating_sub(self.height.get().max(1))
    }

    fn scroll(&mut self, delta: isize) {
        self.offset = self
            .offset
            .saturating_add_signed(delta)
            .min(self.max_offset());
    }
}

fn line_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices('\n') {
        ranges.push(start..at);
        start = at + 1;
    }
    if start < text.len() || ranges.is_empty() {
        ranges.push(start..text.len());
    }
    ranges
}

impl Component for StepPane {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let total = self.lines.len();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border(true))
            .title(self.title.as_str())
            .title_bottom(format!(
                " lines {}-{} of {total} ",
                (self.offset + 1).min(total),
                (self.offset + usize::from(area.height.saturating_sub(2))).min(total)
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let height = usize::from(inner.height);
        self.height.set(height);
        let width = total.to_string().len();
        let rows: Vec<Line> = self.lines[self.offset.min(total)..]
            .iter()
            .take(height)
            .enumerate()
            .map(|(row, range)| {
                let number = self.offset + row;
                let text = &self.text[range.clone()];
                let gutter = Span::styled(format!("{:>width$} ", number + 1), theme.dim());
                if self.quoted.contains(&number) {
                    Line::from(vec![gutter, Span::styled(text, theme.selected())])
                } else {
                    Line::from(vec![gutter, Span::raw(text)])
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(rows), inner);
    }

    fn event(&mut self, key: KeyEvent) -> EventState {
        if !self.visible {
            return EventState::NotConsumed;
        }
        let page = self.height.get().max(1) as isize;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => self.visible = false,
            KeyCode::Char('j') | KeyCode::Down => self.scroll(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll(page),
            KeyCode::PageUp => self.scroll(-page),
            KeyCode::Home | KeyCode::Char('g') => self.offset = 0,
            KeyCode::End | KeyCode::Char('G') => self.offset = self.max_offset(),
            // Everything else stays with the pane: no verdict while reading a step.
            _ => {}
        }
        EventState::Consumed
    }

    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("j/k", "line"),
            ("pgup/pgdn", "page"),
            ("g/G", "top/end"),
            ("esc", "close"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_by_byte() {
        assert_eq!(line_ranges("a\nbc\n"), vec![0..1, 2..4]);
        assert_eq!(line_ranges(""), vec![0..0]);
        assert_eq!(line_ranges("a\n\nb"), vec![0..1, 2..2, 3..4]);
    }
}
