//! What a reviewer decides, and the checks both `aida review` and `aida feedback` apply before
//! anything is stored: a correction is the conclusion rewritten in the exact answer format the
//! local model writes (so it trains the model as-is), with a category AIDA knows; a rejection has
//! a reason.
use similar::TextDiff;

use crate::agent::answer::{Answer, AnswerError, parse_answer};
use crate::report::{Category, Report};
use crate::store::{NewFeedback, Verdict};

/// A reviewer's decision on one investigation, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Approve,
    /// The corrected conclusion, in the answer format ([`answer_text`]).
    Correct(String),
    Reject(String),
}

impl Decision {
    /// The store row for this decision.
    pub fn feedback(&self, investigation_id: &str, reviewer: &str) -> NewFeedback {
        let (verdict, corrected_text, comment) = match self {
            Decision::Approve => (Verdict::Approved, None, None),
            Decision::Correct(text) => (Verdict::Corrected, Some(text.clone()), None),
            Decision::Reject(reason) => (Verdict::Rejected, None, Some(reason.clone())),
        };
        NewFeedback {
            investigation_id: investigation_id.to_string(),
            reviewer: reviewer.to_string(),
            verdict,
            corrected_text,
            comment,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerdictError {
    #[error(
        "line {line}: unknown category {found:?} (one of: {})",
        category_names()
    )]
    UnknownCategory { line: usize, found: String },
    #[error("no CATEGORY line: write `CATEGORY: <one of: {}>`", category_names())]
    NoCategory,
    #[error("no ROOT CAUSE: write `ROOT CAUSE: <one or two sentences>`")]
    NoRootCause,
    #[error("the correction changes nothing: approve instead, or edit the conclusion")]
    Unchanged,
    #[error("a rejection needs a reason")]
    EmptyReason,
}

fn category_names() -> String {
    Category::ALL.map(Category::as_str).join(", ")
}

/// The conclusion of `report` in the answer format of `agent::answer` (what a correction edits).
pub fn answer_text(report: &Report) -> String {
    format_answer(
        report.category,
        &report.root_cause,
        &report.summary,
        &report.next_steps,
    )
}

fn format_answer(category: Category, root_cause: &str, summary: &str, steps: &[String]) -> String {
    let mut text = format!("CATEGORY: {category}\nROOT CAUSE: {root_cause}\nSUMMARY: {summary}\n");
    text.push_str("NEXT STEPS:\n");
    for step in steps {
        text.push_str(&format!("- {step}\n"));
    }
    text
}

/// The lines a correction file starts with; lines starting with `#` are dropped when it is read.
pub fn editor_header(error: Option<&str>) -> String {
    let mut header = String::new();
    if let Some(error) = error {
        header.push_str(&format!(
            "# ERROR: {error}\n# Fix it and save again, or empty the file to cancel.\n"
        ));
    }
    header.push_str(&format!(
        "# Correct the conclusion below, then save and quit. Lines starting with # are ignored.\n\
         # CATEGORY is one of: {}\n",
        category_names()
    ));
    header
}

/// Reads a corrected conclusion back: comment lines dropped, every part parsed by the model's own
/// answer parser, the category exactly one AIDA knows (no repair of a human's typo: it is shown
/// back instead). Returns the corrected text in canonical form.
pub fn parse_correction(text: &str) -> Result<String, VerdictError> {
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    // The category as written, checked strictly before the lenient parser sees it.
    for (index, line) in text.lines().enumerate() {
        let Some((head, value)) = line.split_once(':') else {
            continue;
        };
        if head.trim().eq_ignore_ascii_case("CATEGORY") && !line.trim_start().starts_with('#') {
            if value.trim().parse::<Category>().is_err() {
                return Err(VerdictError::UnknownCategory {
                    line: index + 1,
                    found: value.trim().to_string(),
                });
            }
            break;
        }
    }
    let answer: Answer = parse_answer(&body).map_err(|err| match err {
        AnswerError::NoCategory => VerdictError::NoCategory,
        AnswerError::NoRootCause => VerdictError::NoRootCause,
    })?;
    Ok(format_answer(
        answer.category,
        &answer.root_cause,
        &answer.summary,
        &answer.next_steps,
    ))
}

/// A correction of `report` from an edited text: parsed and compared with what the model wrote.
pub fn correction(report: &Report, edited: &str) -> Result<Decision, VerdictError> {
    let corrected = parse_correction(edited)?;
    if corrected == answer_text(report) {
        return Err(VerdictError::Unchanged);
    }
    Ok(Decision::Correct(corrected))
}

/// A rejection with its reason (one line: it is a tag in MLflow).
pub fn rejection(reason: &str) -> Result<Decision, VerdictError> {
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err(VerdictError::EmptyReason);
    }
    Ok(Decision::Reject(reason))
}

/// A unified diff from the model's conclusion to the correction.
pub fn diff(before: &str, after: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header("model", "correction")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample as sample_report;

    #[test]
    fn the_answer_text_parses_back_to_itself() {
        let report = sample_report();
        let text = answer_text(&report);
        assert!(
            text.starts_with("CATEGORY: oom_killed\nROOT CAUSE: "),
            "{text}"
        );
        assert_eq!(parse_correction(&text).unwrap(), text);
        let with_header = format!("{}{text}", editor_header(None));
        assert_eq!(parse_correction(&with_header).unwrap(), text);
    }

    #[test]
    fn an_unknown_category_is_refused_with_its_line() {
        let err = parse_correction("# c\nCATEGORY: oom\nROOT CAUSE: The pod ran out of memory.\n")
            .unwrap_err();
        assert_eq!(
            err,
            VerdictError::UnknownCategory {
                line: 2,
                found: "oom".into()
            }
        );
        assert!(
            err.to_string()
                .contains("one of: oom_killed, crash_app_error"),
            "{err}"
        );
        assert_eq!(
            parse_correction("ROOT CAUSE: x y z\n").unwrap_err(),
            VerdictError::NoCategory
        );
        assert_eq!(
            parse_correction("CATEGORY: storage\nSUMMARY: s\n").unwrap_err(),
            VerdictError::NoRootCause
        );
    }

    #[test]
    fn a_correction_must_change_something_and_diffs_against_the_model() {
        let report = sample_report();
        let text = answer_text(&report);
        assert_eq!(
            correction(&report, &text).unwrap_err(),
            VerdictError::Unchanged
        );
        let edited = text.replace("CATEGORY: oom_killed", "CATEGORY: config_missing");
        let Decision::Correct(corrected) = correction(&report, &edited).unwrap() else {
            panic!("not a correction");
        };
        let d = diff(&text, &corrected);
        assert!(
            d.contains("-CATEGORY: oom_killed\n+CATEGORY: config_missing\n"),
            "{d}"
        );
    }

    #[test]
    fn a_rejection_needs_a_reason_and_is_one_line() {
        assert_eq!(rejection("  \n ").unwrap_err(), VerdictError::EmptyReason);
        assert_eq!(
            rejection(" wrong\n  pod ").unwrap(),
            Decision::Reject("wrong pod".into())
        );
        let row = rejection("wrong pod").unwrap().feedback("inv", "ana");
        assert_eq!(row.verdict, Verdict::Rejected);
        assert_eq!(row.comment.as_deref(), Some("wrong pod"));
    }
}
