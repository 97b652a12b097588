//! Bundle parsers on arbitrary bytes: list files, queries.jsonl, kubectl log markers, and the
//! redactor over whatever text they yield. None may panic.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/pods.json");
    if let Ok(items) = aida::evidence::parse_list(path, data) {
        for item in items {
            let _ = aida::redact::redacted(item);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = aida::evidence::parse_queries(Path::new("fuzz/queries.jsonl"), text);
        for (_, body) in aida::evidence::split_kubectl_logs(text) {
            let once = aida::redact::text(&body).into_owned();
            assert_eq!(aida::redact::text(&once), once, "redaction must be idempotent");
        }
        let _ = aida::evidence::ListSelector { labels: Some(text.to_string()), fields: Some(text.to_string()) }.matcher();
    }
});
