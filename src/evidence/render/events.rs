//! Events: one line each, in time order.
use std::fmt::Write;

use serde_json::Value;

use super::{name, num, one_line, or_none, s};

pub(crate) fn event_time(ev: &Value) -> &str {
    for p in [
        "/lastTimestamp",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ] {
        let t = s(ev, p);
        if !t.is_empty() {
            return t;
        }
    }
    ""
}

/// One event: `TIME  TYPE  REASON  Kind/name  (xN)  message`.
fn event_line(ev: &Value) -> String {
    let count = num(ev, "/count")
        .or_else(|| num(ev, "/series/count"))
        .unwrap_or(1);
    format!(
        "{}  {}  {}  {}/{}{}  {}",
        or_none(event_time(ev)),
        s(ev, "/type"),
        s(ev, "/reason"),
        s(ev, "/involvedObject/kind"),
        s(ev, "/involvedObject/name"),
        if count > 1 {
            format!("  (x{count})")
        } else {
            String::new()
        },
        one_line(s(ev, "/message")),
    )
}

/// Events in time order, then name; the newest `keep` of them.
pub(crate) fn sort_events(events: &mut Vec<Value>, keep: usize) -> usize {
    events.sort_by(|a, b| (event_time(a), name(a)).cmp(&(event_time(b), name(b))));
    let dropped = events.len().saturating_sub(keep);
    events.drain(..dropped);
    dropped
}

pub(crate) fn events_block(events: &[Value], dropped: usize) -> String {
    let mut out = String::from("Events:\n");
    if events.is_empty() {
        out.push_str("  <none>\n");
    }
    if dropped > 0 {
        let _ = writeln!(out, "  ({dropped} older events not shown)");
    }
    for ev in events {
        let _ = writeln!(out, "  {}", event_line(ev));
    }
    out
}
