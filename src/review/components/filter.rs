//! `/`: the filter line. Words are matched, case-insensitively, against the alert name, namespace,
//! category and ids; `status:`, `alert:`, `category:` (or `cat:`) and `namespace:` (or `ns:`)
//! narrow to one field. All words must match.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Component, EventState, Theme, verdict_name};
use crate::store::ReviewItem;

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<(Field, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Any,
    Status,
    Alert,
    Category,
    Namespace,
}

impl Query {
    pub fn parse(text: &str) -> Self {
        let terms = text
            .split_whitespace()
            .map(|word| {
                let lower = word.to_lowercase();
                let field = match lower.split_once(':') {
                    Some(("status", v)) => (Field::Status, v),
                    Some(("alert", v)) => (Field::Alert, v),
                    Some(("category" | "cat", v)) => (Field::Category, v),
                    Some(("namespace" | "ns", v)) => (Field::Namespace, v),
                    _ => (Field::Any, lower.as_str()),
                };
                (field.0, field.1.to_string())
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Self { terms }
    }

    pub fn matches(&self, item: &ReviewItem) -> bool {
        let alert = item.alert_name.to_lowercase();
        let namespace = namespace(item).to_lowercase();
        let category = item.category.map(|c| c.as_str()).unwrap_or("");
        let status = verdict_name(item.verdict);
        let ids = format!("{} {}", item.investigation_id, item.incident_id).to_lowercase();
        self.terms.iter().all(|(field, value)| match field {
            Field::Status => status.starts_with(value.as_str()),
            Field::Alert => alert.contains(value.as_str()),
            Field::Category => category.contains(value.as_str()),
            Field::Namespace => namespace.contains(value.as_str()),
            Field::Any => [
                alert.as_str(),
                namespace.as_str(),
                category,
                status,
                ids.as_str(),
            ]
            .iter()
            .any(|text| text.contains(value.as_str())),
        })
    }
}

/// `labels.namespace` of the item's alert ("" when it has none).
pub fn namespace(item: &ReviewItem) -> &str {
    item.alert["labels"]["namespace"].as_str().unwrap_or("")
}

/// The filter line while it is being typed.
#[derive(Debug, Default)]
pub struct FilterInput {
    pub active: bool,
    pub text: String,
}

impl FilterInput {
    pub fn open(&mut self) {
        self.active = true;
    }

    pub fn query(&self) -> Query {
        Query::parse(&self.text)
    }
}

impl Component for FilterInput {
    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let line = Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(self.text.as_str()),
            Span::styled("_", theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }

    /// Typing edits the filter (applied as it is typed); enter keeps it, esc clears it.
    fn event(&mut self, key: KeyEvent) -> EventState {
        if !self.active {
            return EventState::NotConsumed;
        }
        match key.code {
            KeyCode::Enter => self.active = false,
            KeyCode::Esc => {
                self.active = false;
                self.text.clear();
            }
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.text.clear()
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => self.text.push(c),
            _ => {}
        }
        EventState::Consumed
    }

    fn commands(&self) -> &'static [(&'static str, &'static str)] {
        &[("enter", "keep"), ("esc", "clear")]
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::Category;
    use crate::store::Verdict;

    fn item(alert: &str, ns: &str, category: Category, verdict: Option<Verdict>) -> ReviewItem {
        ReviewItem {
            investigation_id: format!("inv-{alert}"),
            incident_id: format!("inc-{alert}"),
            alert_name: alert.into(),
            alert: json!({"labels": {"alertname": alert, "namespace": ns}}),
            category: Some(category),
            confidence: Some(0.5),
            started_at: "2026-12-01T00:00:00.000Z".into(),
            verdict,
        }
    }

    #[test]
    fn fields_narrow_and_words_match_anywhere() {
        let oom = item("KubePodOOM", "shop", Category::OomKilled, None);
        let pull = item(
            "ImagePull",
            "infra",
            Category::ImagePull,
            Some(Verdict::Approved),
        );
        let check = |q: &str| -> Vec<bool> {
            let q = Query::parse(q);
            vec![q.matches(&oom), q.matches(&pull)]
        };
        assert_eq!(check(""), [true, true]);
        assert_eq!(check("status:pending"), [true, false]);
        assert_eq!(check("status:approved"), [false, true]);
        assert_eq!(check("ns:shop"), [true, false]);
        assert_eq!(check("namespace:INFRA"), [false, true]);
        assert_eq!(check("cat:image"), [false, true]);
        assert_eq!(check("alert:kubepod"), [true, false]);
        assert_eq!(check("oom"), [true, false]);
        assert_eq!(check("shop status:approved"), [false, false]);
        assert_eq!(check("inc-imagepull"), [false, true]);
    }
}
