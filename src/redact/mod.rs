//! The one redaction chokepoint. Every object, log line and Prometheus answer that an evidence
//! source hands out, and every tool output, passes through here before a prompt, the store, a
//! bundle or an export can see it.
//!
//! Two layers: [`value`] walks Kubernetes JSON and blanks values whose *key* says they are secret
//! (env vars named `*PASSWORD*`, annotations holding tokens ...); [`text`] rewrites credentials
//! that are recognisable by their *shape* (bearer tokens, URLs with passwords, AWS keys, PEM
//! blocks, JWTs, connection strings, `key=value` pairs with secret-looking keys). Both are
//! idempotent, so redacting already-redacted evidence (bundle replay) changes nothing.
use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// What a removed secret is replaced with.
pub const MARK: &str = "[REDACTED]";

/// Name fragments that make an env var, key or field a secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH",
    "COOKIE",
    "SESSION",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "CLIENT_KEY",
    "DSN",
    "CONNECTION_STRING",
    "CONN_STR",
    "DATABASE_URL",
    "SALT",
];

/// True when a variable/key name looks like it holds a secret (`DB_PASSWORD`, `apiToken`,
/// `stripe-secret-key`). Names are compared upper-cased with `-`/`.` folded to `_`.
pub fn is_secret_name(name: &str) -> bool {
    let norm: String = name
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if norm.ends_with("_KEY") || norm == "KEY" || norm.ends_with("KEY_ID") {
        return true;
    }
    // "AUTHOR", "KEYBOARD"-like false positives are rare in env names; prefer over-redaction.
    SECRET_NAME_PARTS.iter().any(|part| norm.contains(part))
        || norm.replace('_', "").contains("APIKEY")
}

struct Rule {
    re: Regex,
    /// Replacement; `$name` groups keep the non-secret parts.
    with: &'static str,
    /// A capture group that must contain a digit for the match to count: keeps prose such as
    /// "Basic authentication failed" intact while real credentials (which have digits) go.
    need_digit: Option<usize>,
}

fn rule(re: &str, with: &'static str) -> Rule {
    Rule {
        re: Regex::new(re).expect("redaction pattern"),
        with,
        need_digit: None,
    }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // PEM private keys (RSA, EC, OPENSSH, PKCS#8, encrypted), whole block.
        rule(
            r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            "-----BEGIN $1-----[REDACTED]-----END $1-----",
        ),
        // An Authorization header's credential, whatever it looks like.
        rule(
            r"(?i)(authorization:\s*(?:basic|bearer|token|digest|apikey)\s+)([^\s\x22']+)",
            "$1[REDACTED]",
        ),
        // Authorization headers: Bearer, Basic, Token, Digest, ApiKey schemes.
        Rule {
            need_digit: Some(3),
            ..rule(
                r"(?i)\b(bearer|basic|token|digest|apikey)(\s+|%20)([A-Za-z0-9\-._~+/=:]{8,})",
                "$1$2[REDACTED]",
            )
        },
        // URLs with user:password@ (any scheme: postgres, mysql, mongodb+srv, amqp, redis, https).
        rule(
            r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s:/@'\x22]*):([^\s@/'\x22]+)@",
            "$1$2:[REDACTED]@",
        ),
        // JWTs (three base64url segments, header starts with {" = eyJ).
        rule(
            r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}",
            "[REDACTED]",
        ),
        // AWS access key ids.
        rule(
            r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16,}\b",
            "[REDACTED]",
        ),
        // Vendor tokens with recognisable prefixes: GitHub, GitLab, Slack, Stripe, Google, OpenAI, npm.
        rule(
            r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9\-_]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|rk_(?:live|test)_[A-Za-z0-9]{16,}|AIza[A-Za-z0-9\-_]{35}|sk-(?:proj-)?[A-Za-z0-9_\-]{20,}|npm_[A-Za-z0-9]{30,})",
            "[REDACTED]",
        ),
        // Slack/Discord style webhook URLs carry their secret in the path.
        rule(
            r"(https://hooks\.slack\.com/services/)[A-Za-z0-9/]+",
            "$1[REDACTED]",
        ),
        // Semicolon connection strings: Password=...; AccountKey=...; SharedAccessKey=...
        rule(
            r"(?i)\b(password|pwd|accountkey|sharedaccesskey|sharedsecret|secret)(\s*=\s*)([^;\s'\x22]+)",
            "$1$2[REDACTED]",
        ),
        // key=value / key: value / "key": "value" with a secret-looking key (env dumps, logs, YAML, JSON).
        rule(
            r#"(?i)(["']?)([A-Za-z0-9_.\-]*(?:passw(?:or)?d|passphrase|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|client[_\-]?secret|credential|auth[_\-]?key|session[_\-]?key)[A-Za-z0-9_.\-]*)(["']?)(\s*[:=]\s*)(["']?)([^\s"',;&]{3,})"#,
            "$1$2$3$4$5[REDACTED]",
        ),
        // CLI flags: --password xyz / --token=xyz / -p'xyz' is too ambiguous, long flags only.
        rule(
            r"(?i)(--(?:password|passwd|token|secret|api-key|access-key|client-secret)(?:\s+|=))([^\s-][^\s]*)",
            "$1[REDACTED]",
        ),
        // Cookies.
        rule(
            r"(?i)\b((?:set-)?cookie:\s*[A-Za-z0-9_\-]+=)([^;\s]{6,})",
            "$1[REDACTED]",
        ),
    ]
});

/// Characters that end a clause rather than a credential.
const TRAILING_PUNCTUATION: &[char] = &[',', '.', ';', ':', ')'];

/// Redacts every shape-recognisable credential in free text. Idempotent.
pub fn text(input: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(input);
    for rule in RULES.iter() {
        if rule.re.is_match(&out) {
            let replaced = rule
                .re
                .replace_all(&out, |caps: &Captures<'_>| {
                    // Leave our own marks alone so a second pass is a no-op.
                    let unmarked =
                        |t: &str| !t.trim_end_matches(TRAILING_PUNCTUATION).ends_with(MARK);
                    if !unmarked(&caps[0]) || caps.iter().flatten().any(|m| !unmarked(m.as_str())) {
                        return caps[0].to_string();
                    }
                    if let Some(group) = rule.need_digit
                        && !caps
                            .get(group)
                            .is_some_and(|m| m.as_str().bytes().any(|b| b.is_ascii_digit()))
                    {
                        return caps[0].to_string();
                    }
                    let mut dst = String::new();
                    caps.expand(rule.with, &mut dst);
                    // Punctuation that closes the sentence around a secret is not part of it
                    // ("password hunter2, then" keeps its comma).
                    let whole = &caps[0];
                    let kept = whole.trim_end_matches(TRAILING_PUNCTUATION);
                    let trail = &whole[kept.len()..];
                    if !trail.is_empty() && !dst.ends_with(trail) {
                        dst.push_str(trail);
                    }
                    dst
                })
                .into_owned();
            out = Cow::Owned(replaced);
        }
    }
    out
}

/// Redacts a JSON document in place: string values under secret-looking keys are replaced
/// wholesale, env entries (`{"name": "DB_PASSWORD", "value": "..."}`) by name, and every other
/// string goes through [`text`].
pub fn value(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(new) = text(s) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(value),
        Value::Object(map) => {
            // Kubernetes env var / header / parameter entries: {"name": X, "value": Y}.
            let secret_entry = map
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(is_secret_name);
            for (key, child) in map.iter_mut() {
                let by_key = is_secret_name(key) && !is_structural_key(key);
                let by_entry = secret_entry && key == "value";
                match child {
                    Value::String(s) if (by_key || by_entry) && !s.is_empty() && s != MARK => {
                        *s = MARK.to_string();
                    }
                    _ => value(child),
                }
            }
            // A last-applied-configuration annotation embeds the whole object again as a string.
            if let Some(Value::Object(ann)) = map.get_mut("annotations") {
                for (_, a) in ann.iter_mut() {
                    if let Value::String(s) = a
                        && s.starts_with('{')
                        && let Ok(mut inner) = serde_json::from_str::<Value>(s)
                    {
                        value(&mut inner);
                        *s = inner.to_string();
                    }
                }
            }
        }
        _ => {}
    }
}

/// Keys whose name matches a secret fragment but that hold references, not secrets
/// (`secretKeyRef`, `secretName`, `automountServiceAccountToken`, `tokenExpirationSeconds`).
fn is_structural_key(key: &str) -> bool {
    matches!(
        key,
        "secretKeyRef"
            | "secretRef"
            | "secretName"
            | "secret"
            | "imagePullSecrets"
            | "automountServiceAccountToken"
            | "serviceAccountToken"
            | "expirationSeconds"
            | "tokenRequests"
            | "sessionAffinity"
            | "sessionAffinityConfig"
            | "authorization"
            | "key"
    )
}

/// Convenience: redact a JSON value and return it.
pub fn redacted(mut v: Value) -> Value {
    value(&mut v);
    v
}

#[cfg(test)]
mod tests;
