//! Parsing (and repairing) the fixed-format answer a local model writes.
//!
//! ```text
//! CATEGORY: oom_killed
//! ROOT CAUSE: ...
//! SUMMARY: ...
//! NEXT STEPS:
//! - ...
//! ```
use crate::report::Category;

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub category: Category,
    /// True when the category was not written exactly and was recovered from the text.
    pub category_repaired: bool,
    pub root_cause: String,
    pub summary: String,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer has no CATEGORY line that names a known category")]
    NoCategory,
    #[error("the answer has no ROOT CAUSE")]
    NoRootCause,
}

/// Words a model uses for a category instead of its name.
const SYNONYMS: &[(&str, Category)] = &[
    ("oomkilled", Category::OomKilled),
    ("out of memory", Category::OomKilled),
    ("oom", Category::OomKilled),
    ("imagepullbackoff", Category::ImagePull),
    ("errimagepull", Category::ImagePull),
    ("image pull", Category::ImagePull),
    ("crashloopbackoff", Category::CrashAppError),
    ("crash", Category::CrashAppError),
    ("probe", Category::ProbeFailure),
    ("failedscheduling", Category::Unschedulable),
    ("pending", Category::Unschedulable),
    ("pvc", Category::Storage),
    ("volume", Category::Storage),
    ("configmap", Category::ConfigMissing),
    ("createcontainerconfigerror", Category::ConfigMissing),
    ("dns", Category::NetworkDns),
    ("quota", Category::QuotaExceeded),
    ("certificate", Category::CertificateExpiry),
    ("x509", Category::CertificateExpiry),
    ("rollout", Category::RolloutStuck),
    ("backofflimitexceeded", Category::JobFailure),
    ("notready", Category::NodeFailure),
    ("node", Category::NodeFailure),
    ("throttl", Category::ResourceSaturation),
    ("connection refused", Category::DependencyFailure),
];

fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let trimmed = line.trim_start_matches(['*', '#', ' ']).trim_start();
    let head = trimmed.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    let rest = trimmed[name.len()..].trim_start_matches('*').trim_start();
    rest.strip_prefix(':')
        .map(|v| v.trim().trim_matches('*').trim())
}

/// Reads a category from free text: an exact name first, then a known synonym.
pub fn category_from_text(text: &str) -> Option<(Category, bool)> {
    let lower = text.to_lowercase();
    if let Ok(c) = lower
        .trim()
        .trim_matches(['<', '>', '`', '.', '"'])
        .parse::<Category>()
    {
        return Some((c, false));
    }
    // Longest category name contained in the text (so `crash_app_error` beats nothing shorter).
    let mut named: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|c| lower.contains(c.as_str()))
        .collect();
    named.sort_by_key(|c| std::cmp::Reverse(c.as_str().len()));
    if let Some(c) = named.first() {
        return Some((*c, true));
    }
    SYNONYMS
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|(_, c)| (*c, true))
}

/// Words of the prompt's own headings: an answer that contains them is echoing the prompt.
const PROMPT_ECHO: &[&str] = &[
    "FINDINGS",
    "EVIDENCE:",
    "RUNBOOK (",
    "DESCRIPTION:",
    "LABELS:",
    "quote:",
];

fn echoes_prompt(text: &str) -> bool {
    PROMPT_ECHO.iter().any(|h| text.contains(h))
}

/// Words with at least one letter: `kubelet_failed_certificate_expiry` is one word, not a sentence.
fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
}

/// A text that repeats one of its sentences is a small model stuck in a loop.
fn degenerate(text: &str) -> bool {
    let mut seen = std::collections::HashSet::new();
    text.split(['.', '\n'])
        .map(str::trim)
        .filter(|s| s.len() > 12)
        .any(|s| !seen.insert(s.to_string()))
}

impl Answer {
    /// Rejects answers a reviewer could not use: a root cause that is a bare label, echoes the
    /// prompt, loops, or rambles. Summary and next steps that do so are dropped, not fatal.
    pub fn validate(mut self) -> Result<Self, String> {
        let root = self.root_cause.trim();
        if root.len() < 20
            || words(root) < 4
            || Category::ALL
                .iter()
                .any(|c| root.eq_ignore_ascii_case(c.as_str()))
        {
            return Err(format!("its root cause {root:?} is not a sentence"));
        }
        if root.len() > 400 || echoes_prompt(root) || degenerate(root) {
            return Err("its root cause repeats the prompt or itself".into());
        }
        if echoes_prompt(&self.summary)
            || degenerate(&self.summary)
            || self.summary.len() > 800
            || words(&self.summary) < 4
        {
            self.summary.clear();
        }
        // A step is an instruction, not a section label cut off by the token limit ("NEXT STE").
        self.next_steps.retain(|s| {
            !echoes_prompt(s)
                && s.len() >= 8
                && s.len() <= 300
                && words(s) >= 3
                && !s
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase)
        });
        Ok(self)
    }
}

pub fn parse_answer(text: &str) -> Result<Answer, AnswerError> {
    let mut category = None;
    let mut root_cause = String::new();
    let mut summary = String::new();
    let mut next_steps = Vec::new();
    #[derive(PartialEq)]
    enum Section {
        None,
        RootCause,
        Summary,
        Steps,
    }
    let mut section = Section::None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(v) = field(line, "CATEGORY") {
            // Only the first CATEGORY counts: small models like to repeat the template.
            if category.is_none() {
                category = category_from_text(v);
            }
            section = Section::None;
        } else if let Some(v) = field(line, "ROOT CAUSE") {
            if !root_cause.is_empty() {
                break; // a second answer block
            }
            root_cause = v.to_string();
            section = Section::RootCause;
        } else if let Some(v) = field(line, "SUMMARY") {
            summary = v.to_string();
            section = Section::Summary;
        } else if field(line, "NEXT STEPS").is_some() {
            section = Section::Steps;
        } else if section == Section::Steps {
            let item = line
                .trim_start_matches(['-', '*', '•'])
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ')')
                .trim();
            if item.is_empty() || item.starts_with('<') {
                continue;
            }
            if next_steps.len() < 6 && !next_steps.iter().any(|s: &String| s == item) {
                next_steps.push(item.to_string());
            }
        } else if section == Section::RootCause && root_cause.len() < 400 {
            root_cause.push(' ');
            root_cause.push_str(line);
        } else if section == Section::Summary && summary.len() < 800 {
            summary.push(' ');
            summary.push_str(line);
        }
    }
    let (category, category_repaired) = category.ok_or(AnswerError::NoCategory)?;
    let root_cause = root_cause.trim().to_string();
    if root_cause.is_empty() || root_cause.starts_with('<') {
        return Err(AnswerError::NoRootCause);
    }
    Ok(Answer {
        category,
        category_repaired,
        root_cause,
        summary: summary.trim().to_string(),
        next_steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_fixed_format() {
        let a = parse_answer(
            "CATEGORY: oom_killed\nROOT CAUSE: api is OOMKilled at 256Mi.\nSUMMARY: restarts 7.\nNEXT STEPS:\n- Raise the limit\n- Check heap\n",
        )
        .unwrap();
        assert_eq!(a.category, Category::OomKilled);
        assert!(!a.category_repaired);
        assert_eq!(a.root_cause, "api is OOMKilled at 256Mi.");
        assert_eq!(a.next_steps, vec!["Raise the limit", "Check heap"]);
    }

    #[test]
    fn repairs_markdown_decorations_and_synonyms() {
        let a =
            parse_answer("**Category:** ImagePullBackOff\n**Root cause**: tag v9 does not exist\n")
                .unwrap();
        assert_eq!(a.category, Category::ImagePull);
        assert!(a.category_repaired);
        assert_eq!(a.root_cause, "tag v9 does not exist");
    }

    #[test]
    fn stops_at_a_repeated_template() {
        let a = parse_answer("CATEGORY: storage\nROOT CAUSE: PVC data is Pending.\nCATEGORY: unknown\nROOT CAUSE: x\n").unwrap();
        assert_eq!(a.category, Category::Storage);
        assert_eq!(a.root_cause, "PVC data is Pending.");
    }

    #[test]
    fn validation_rejects_echoes_loops_and_labels() {
        let ok = parse_answer("CATEGORY: oom_killed\nROOT CAUSE: Container api is OOMKilled at its 256Mi limit.\nSUMMARY: FINDINGS (rule-based)\nNEXT STEPS:\n- Raise the memory limit\n- quote: x\n- NEXT STE\n").unwrap();
        let ok = ok.validate().unwrap();
        assert!(ok.summary.is_empty(), "an echoed summary is dropped");
        assert_eq!(ok.next_steps, vec!["Raise the memory limit"]);
        let label = parse_answer("CATEGORY: oom_killed\nROOT CAUSE: oom_killed\n").unwrap();
        assert!(label.validate().is_err());
        // An invented identifier is long enough but not a sentence (seen from the base 270M).
        let ident = parse_answer(
            "CATEGORY: certificate_expiry\nROOT CAUSE: kubelet_failed_certificate_expiry\nSUMMARY: kubelet_failed_certificate_expiry\n",
        )
        .unwrap();
        assert!(ident.validate().is_err());
        let looping = parse_answer("CATEGORY: image_pull\nROOT CAUSE: The pod is not ready for 15 minutes. The pod is not ready for 15 minutes.\n").unwrap();
        assert!(looping.validate().is_err());
        let echo = parse_answer(
            "CATEGORY: image_pull\nROOT CAUSE: DESCRIPTION: Pod is crash looping and more words\n",
        )
        .unwrap();
        assert!(echo.validate().is_err());
    }

    #[test]
    fn rejects_what_cannot_be_repaired() {
        assert_eq!(
            parse_answer("I think it is bad").unwrap_err(),
            AnswerError::NoCategory
        );
        assert_eq!(
            parse_answer("CATEGORY: storage\n").unwrap_err(),
            AnswerError::NoRootCause
        );
        assert_eq!(
            parse_answer("CATEGORY: storage\nROOT CAUSE: <one or two sentences>").unwrap_err(),
            AnswerError::NoRootCause
        );
    }
}
