//! Runbook markdown: YAML front matter and heading chunks.
//!
//! The markdown is walked with pulldown-cmark (never regexes), so code fences, lists and inline
//! code keep their text while markup disappears. Each chunk carries the heading path that leads to
//! it; the document title is kept separately and prefixed again at indexing time.
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// Front matter keys AIDA reads; others (Hugo's `weight`, ...) are ignored.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub title: Option<String>,
    #[serde(deserialize_with = "string_or_list")]
    pub alerts: Vec<String>,
    #[serde(deserialize_with = "string_or_list")]
    pub categories: Vec<String>,
}

/// Accepts `alerts: A`, `alerts: [A, B]` and `alerts:` (null).
fn string_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// One section of a runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Headings from the top of the document down to this section (H1 excluded when it is the
    /// document title). Empty for text before the first heading.
    pub headings: Vec<String>,
    /// Plain text of the section (markup removed, code kept).
    pub text: String,
}

/// A parsed runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub alerts: Vec<String>,
    pub categories: Vec<String>,
    pub sections: Vec<Section>,
}

/// Why a file could not be parsed. Lines are 1-based lines of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not valid UTF-8 (byte {offset})")]
    Utf8 { offset: usize },
    #[error("front matter starting at line 1 has no closing `---` line")]
    UnclosedFrontMatter,
    #[error("front matter, line {line}: {message}")]
    FrontMatter { line: usize, message: String },
    #[error("no text")]
    Empty,
}

/// A runbook file that could not be parsed, with its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {error}")]
pub struct RunbookError {
    pub path: String,
    pub error: ParseError,
}

/// Parses a runbook file's bytes: what `aida ingest` does with every file. `path` names the file
/// in errors, and its stem (the file name without `.md`) is the title of last resort.
pub fn parse_runbook(path: &str, bytes: &[u8]) -> Result<Document, RunbookError> {
    parse_bytes(bytes, &super::sources::stem_of(path)).map_err(|error| RunbookError {
        path: path.to_string(),
        error,
    })
}

/// Parses raw file bytes. `stem` (the file name without extension) is the title of last resort.
pub fn parse_bytes(bytes: &[u8], stem: &str) -> Result<Document, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    parse(text, stem)
}

/// Splits `---` front matter from the body. Returns the front matter and the body.
pub fn split_front_matter(text: &str) -> Result<(FrontMatter, &str), ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Ok((FrontMatter::default(), text));
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let front = if yaml.trim().is_empty() {
                FrontMatter::default()
            } else {
                serde_yaml_ng::from_str::<Option<FrontMatter>>(yaml)
                    .map_err(|e| ParseError::FrontMatter {
                        // +1: the opening `---` is line 1 of the file.
                        line: e.location().map(|l| l.line() + 1).unwrap_or(2),
                        message: strip_location(&e.to_string()),
                    })?
                    .unwrap_or_default()
            };
            return Ok((front, body));
        }
        offset += line.len();
    }
    Err(ParseError::UnclosedFrontMatter)
}

/// serde_yaml_ng appends " at line L column C"; we report the file line ourselves.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Parses a runbook: front matter, then one section per heading.
pub fn parse(text: &str, stem: &str) -> Result<Document, ParseError> {
    let (front, body) = split_front_matter(text)?;
    let mut sections: Vec<Section> = Vec::new();
    // (level, text) of the headings above the current position.
    let mut stack: Vec<(HeadingLevel, String)> = Vec::new();
    let mut current = String::new();
    let mut heading_text: Option<String> = None;
    let mut first_h1: Option<String> = None;
    let mut seen_heading = false;

    let flush = |stack: &[(HeadingLevel, String)], current: &mut String, out: &mut Vec<Section>| {
        let text = collapse(current);
        current.clear();
        if !text.is_empty() {
            out.push(Section {
                headings: stack.iter().map(|(_, h)| h.clone()).collect(),
                text,
            });
        }
    };

    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut pending_level = HeadingLevel::H1;
    for event in Parser::new_ext(body, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&stack, &mut current, &mut sections);
                heading_text = Some(String::new());
                pending_level = level;
            }
            Event::End(TagEnd::Heading(level)) => {
                let text = collapse(&heading_text.take().unwrap_or_default());
                // The first H1 before any other heading names the document, not a section.
                if level == HeadingLevel::H1 && !seen_heading && first_h1.is_none() {
                    first_h1 = Some(text);
                } else {
                    while stack.last().is_some_and(|(l, _)| *l >= pending_level) {
                        stack.pop();
                    }
                    stack.push((pending_level, text));
                }
                seen_heading = true;
            }
            Event::Text(t) | Event::Code(t) => match heading_text.as_mut() {
                Some(h) => h.push_str(&t),
                None => current.push_str(&t),
            },
            Event::SoftBreak | Event::HardBreak => match heading_text.as_mut() {
                Some(h) => h.push(' '),
                None => current.push(' '),
            },
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::BlockQuote(_),
            ) => current.push('\n'),
            _ => {}
        }
    }
    flush(&stack, &mut current, &mut sections);
    // An empty `#` names nothing: the title falls back to the file name, and a runbook that is
    // nothing else has no text.
    let first_h1 = first_h1.filter(|h| !h.is_empty());

    let title = front
        .title
        .clone()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .or(first_h1.clone())
        .unwrap_or_else(|| stem.to_string());
    let mut alerts = front.alerts.clone();
    // Upstream runbooks name their alert in the H1 (`# KubePodCrashLooping`) or the file name.
    for candidate in [first_h1.as_deref(), Some(stem)].into_iter().flatten() {
        if is_identifier(candidate) && !alerts.iter().any(|a| a.eq_ignore_ascii_case(candidate)) {
            alerts.push(candidate.to_string());
        }
    }
    if sections.is_empty() && first_h1.is_none() {
        return Err(ParseError::Empty);
    }
    Ok(Document {
        title,
        alerts,
        categories: front.categories,
        sections,
    })
}

/// An alert-name-like token: letters and digits only, starting with an uppercase letter, with at
/// least one more uppercase letter inside (`KubePodCrashLooping`, not `Overview`).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().skip(1).any(|c| c.is_ascii_uppercase())
}

/// Trims each line, drops empty ones and collapses runs of spaces.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNBOOK: &str = "---\ntitle: Pod crash looping\nalerts: [KubePodCrashLooping, KubeContainerWaiting]\ncategories: [crash_app_error]\nweight: 3\n---\n\
# Pod crash looping\n\nIntro text.\n\n## Meaning\n\nThe container *keeps* restarting.\n\n## Diagnosis\n\n### Events\n\nLook for `BackOff` events.\n\n```promql\nrate(kube_pod_container_status_restarts_total[5m]) > 0\n```\n\n### Logs\n\n- previous logs\n- `lastState.terminated.reason`\n\n## Mitigation\n\nFix it.\n";

    #[test]
    fn chunks_by_heading_with_paths() {
        let doc = parse(RUNBOOK, "pod-crash-looping").unwrap();
        assert_eq!(doc.title, "Pod crash looping");
        assert_eq!(doc.alerts, ["KubePodCrashLooping", "KubeContainerWaiting"]);
        assert_eq!(doc.categories, ["crash_app_error"]);
        let paths: Vec<String> = doc
            .sections
            .iter()
            .map(|s| s.headings.join(" > "))
            .collect();
        assert_eq!(
            paths,
            [
                "",
                "Meaning",
                "Diagnosis > Events",
                "Diagnosis > Logs",
                "Mitigation"
            ]
        );
        assert_eq!(doc.sections[0].text, "Intro text.");
        assert_eq!(doc.sections[1].text, "The container keeps restarting.");
        assert!(doc.sections[2].text.contains("BackOff"));
        assert!(
            doc.sections[2]
                .text
                .contains("rate(kube_pod_container_status_restarts_total[5m]) > 0")
        );
        assert_eq!(
            doc.sections[3].text,
            "previous logs\nlastState.terminated.reason"
        );
    }

    #[test]
    fn upstream_layout_takes_alert_from_h1_and_file_name() {
        let text = "---\ntitle: Kube Pod Crash Looping\nweight: 20\n---\n\n# KubePodCrashLooping\n\n## Meaning\n\nPod is in CrashLoop.\n";
        let doc = parse(text, "KubePodCrashLooping").unwrap();
        assert_eq!(doc.title, "Kube Pod Crash Looping");
        assert_eq!(doc.alerts, ["KubePodCrashLooping"]);
        assert_eq!(doc.sections.len(), 1);

        let doc = parse("# TargetDown\n\nSome text\n", "TargetDown").unwrap();
        assert_eq!(doc.title, "TargetDown");
        assert_eq!(doc.sections[0].headings, Vec::<String>::new());
    }

    #[test]
    fn front_matter_variants() {
        let (front, body) = split_front_matter("no front matter").unwrap();
        assert_eq!(front, FrontMatter::default());
        assert_eq!(body, "no front matter");
        let (front, _) = split_front_matter("---\nalerts: Single\n---\nx").unwrap();
        assert_eq!(front.alerts, ["Single"]);
        let (front, body) = split_front_matter("---\n---\nbody").unwrap();
        assert_eq!(front, FrontMatter::default());
        assert_eq!(body, "body");
    }

    #[test]
    fn broken_front_matter_names_the_line() {
        let err = parse("---\ntitle: ok\nalerts: [A, B\n---\n# x\n", "x").unwrap_err();
        match err {
            ParseError::FrontMatter { line, .. } => assert!((3..=5).contains(&line), "{line}"),
            other => panic!("unexpected {other:?}"),
        }
        let err = parse("---\ntitle: [1, 2]\n---\n# x\n", "x").unwrap_err();
        assert!(err.to_string().starts_with("front matter, line 2"), "{err}");
        assert_eq!(
            parse("---\ntitle: x\n# never closed\n", "x").unwrap_err(),
            ParseError::UnclosedFrontMatter
        );
    }

    /// Found by tests/properties.rs: `#` alone parsed to a runbook with an empty title and no
    /// text, which ingest then indexed as an empty chunk.
    #[test]
    fn an_empty_h1_is_no_title() {
        assert_eq!(parse("#\n", "x").unwrap_err(), ParseError::Empty);
        assert_eq!(
            parse("---\nalerts: [A]\n---\n#", "x").unwrap_err(),
            ParseError::Empty
        );
        let doc = parse("# \n\nSome text.\n", "disk-full").unwrap();
        assert_eq!(doc.title, "disk-full");
        assert_eq!(doc.sections[0].text, "Some text.");
    }

    #[test]
    fn bad_utf8_and_empty_files_are_errors() {
        assert_eq!(
            parse_bytes(b"# ok\n\xff\xfe", "x").unwrap_err(),
            ParseError::Utf8 { offset: 5 }
        );
        assert_eq!(parse("", "x").unwrap_err(), ParseError::Empty);
        assert_eq!(
            parse("---\ntitle: t\n---\n", "x").unwrap_err(),
            ParseError::Empty
        );
    }
}
