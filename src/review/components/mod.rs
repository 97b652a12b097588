//! The console's panes, each drawn and driven on its own (gitui's shape): `draw` into an area,
//! `event` for a key (consumed or not), `commands` for the key hints of the bottom line.
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use crate::store::Verdict;

mod detail;
mod filter;
mod help;
mod queue;
mod step;

pub use detail::DetailPane;
pub use filter::FilterInput;
pub use help::HelpOverlay;
pub use queue::QueueList;
pub use step::StepPane;

/// Whether a component used a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    Consumed,
    NotConsumed,
}

pub trait Component {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme);
    fn event(&mut self, key: KeyEvent) -> EventState;
    /// Key hints for the bottom line while this component has the focus: (keys, what).
    fn commands(&self) -> &'static [(&'static str, &'static str)];
}

/// Styles, with colour or (NO_COLOR) with bold and reverse video only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn heading(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            style.fg(Color::Cyan)
        } else {
            style
        }
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn key(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            style.fg(Color::Yellow)
        } else {
            style
        }
    }

    pub fn error(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD);
        if self.color {
            style.fg(Color::Red)
        } else {
            style
        }
    }

    pub fn verdict(&self, verdict: Option<Verdict>) -> Style {
        if !self.color {
            return Style::new();
        }
        Style::new().fg(match verdict {
            None => Color::Yellow,
            Some(Verdict::Approved) => Color::Green,
            Some(Verdict::Corrected) => Color::Cyan,
            Some(Verdict::Rejected) => Color::Red,
        })
    }

    /// The border of a pane, brighter when it has the focus.
    pub fn border(&self, focused: bool) -> Style {
        match (self.color, focused) {
            (true, true) => Style::new().fg(Color::Cyan),
            (true, false) => Style::new().fg(Color::DarkGray),
            (false, true) => Style::new().add_modifier(Modifier::BOLD),
            (false, false) => Style::new(),
        }
    }
}

/// The queue's mark of a verdict: ASCII, readable without colour.
pub fn verdict_mark(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        None => "[ ]",
        Some(Verdict::Approved) => "[A]",
        Some(Verdict::Corrected) => "[C]",
        Some(Verdict::Rejected) => "[R]",
    }
}

/// A verdict's name in the console (`pending` for none).
pub fn verdict_name(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        None => "pending",
        Some(Verdict::Approved) => "approved",
        Some(Verdict::Corrected) => "corrected",
        Some(Verdict::Rejected) => "rejected",
    }
}

/// Rows moved by PageUp/PageDown in panes that do not know their height.
pub const PAGE: usize = 10;
