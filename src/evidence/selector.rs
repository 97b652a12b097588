//! Label and field selectors, evaluated the way the API server does, so that a bundle (and the
//! test API server) answers a selector query exactly as a cluster would.
use serde_json::Value;

use super::{EvidenceError, Result};

/// A list query's selectors, in the API's string syntax (`app=web,tier!=db`, `status.phase=Running`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ListSelector {
    pub labels: Option<String>,
    pub fields: Option<String>,
}

impl ListSelector {
    pub fn labels(s: impl Into<String>) -> Self {
        Self {
            labels: Some(s.into()),
            fields: None,
        }
    }

    pub fn fields(s: impl Into<String>) -> Self {
        Self {
            labels: None,
            fields: Some(s.into()),
        }
    }

    /// Parses both selectors once, returning a matcher.
    pub fn matcher(&self) -> Result<Matcher> {
        let labels = match self.labels.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => parse_labels(s)?,
            None => Vec::new(),
        };
        let fields = match self.fields.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => parse_fields(s)?,
            None => Vec::new(),
        };
        Ok(Matcher { labels, fields })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelReq {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Parsed selectors.
#[derive(Debug, Clone)]
pub struct Matcher {
    labels: Vec<LabelReq>,
    fields: Vec<(String, bool, String)>,
}

impl Matcher {
    /// True when `obj` satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        let labels_ok = self.labels.iter().all(|req| match req {
            LabelReq::Eq(k, v) => label(k) == Some(v.as_str()),
            LabelReq::Ne(k, v) => label(k) != Some(v.as_str()),
            LabelReq::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelReq::NotIn(k, vs) => !label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelReq::Exists(k) => label(k).is_some(),
            LabelReq::NotExists(k) => label(k).is_none(),
        });
        labels_ok
            && self.fields.iter().all(|(path, eq, want)| {
                let pointer = format!("/{}", path.replace('.', "/"));
                let got = match obj.pointer(&pointer) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                (got == *want) == *eq
            })
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_labels(s: &str) -> Result<Vec<LabelReq>> {
    let bad = |m: &str| EvidenceError::Selector(s.to_string(), m.to_string());
    let mut reqs = Vec::new();
    for part in split_top(s) {
        let part = part.trim();
        if part.is_empty() {
            return Err(bad("empty requirement"));
        }
        let set = |rest: &str| -> Result<Vec<String>> {
            let rest = rest.trim();
            let inner = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| bad("set must be in parentheses"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        let req = if let Some((k, v)) = part.split_once("!=") {
            LabelReq::Ne(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = part.split_once("==") {
            LabelReq::Eq(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = part.split_once('=') {
            LabelReq::Eq(k.trim().into(), v.trim().into())
        } else if let Some((k, rest)) = part.split_once(" notin ") {
            LabelReq::NotIn(k.trim().into(), set(rest)?)
        } else if let Some((k, rest)) = part.split_once(" in ") {
            LabelReq::In(k.trim().into(), set(rest)?)
        } else if let Some(k) = part.strip_prefix('!') {
            LabelReq::NotExists(k.trim().into())
        } else if part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        {
            LabelReq::Exists(part.into())
        } else {
            return Err(bad(&format!("cannot parse '{part}'")));
        };
        reqs.push(req);
    }
    Ok(reqs)
}

fn parse_fields(s: &str) -> Result<Vec<(String, bool, String)>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        let (k, eq, v) = if let Some((k, v)) = part.split_once("!=") {
            (k, false, v)
        } else if let Some((k, v)) = part.split_once("==") {
            (k, true, v)
        } else if let Some((k, v)) = part.split_once('=') {
            (k, true, v)
        } else {
            return Err(EvidenceError::Selector(
                s.to_string(),
                format!("field requirement '{part}' needs = or !="),
            ));
        };
        out.push((k.trim().to_string(), eq, v.trim().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn label_and_field_selectors() {
        let pod = json!({"metadata": {"name": "a", "labels": {"app": "web", "tier": "fe"}},
                         "status": {"phase": "Running"}, "spec": {"nodeName": "n1"}});
        let m = |l: Option<&str>, f: Option<&str>| {
            ListSelector {
                labels: l.map(Into::into),
                fields: f.map(Into::into),
            }
            .matcher()
            .unwrap()
            .matches(&pod)
        };
        assert!(m(Some("app=web"), None));
        assert!(m(Some("app==web,tier in (fe, be)"), None));
        assert!(!m(Some("app=web,tier notin (fe)"), None));
        assert!(m(Some("app,!missing"), None));
        assert!(!m(Some("app!=web"), None));
        assert!(m(None, Some("status.phase=Running,spec.nodeName=n1")));
        assert!(!m(None, Some("metadata.name!=a")));
        assert!(ListSelector::labels("a in b").matcher().is_err());
        assert!(ListSelector::fields("x").matcher().is_err());
    }
}
