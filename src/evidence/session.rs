//! One investigation's view of an evidence source: every read is made at most once.
//!
//! The tools and the analyzers' snapshot both read through a [`Session`], so a live cluster is
//! read once per investigation (not once for the tools and again for the analyzers), repeated
//! failures are not retried twenty times, and what the analyzers see is exactly what the tools saw.
//! A namespace's full list, once read, also answers `get`s and selector queries in that namespace
//! (selectors are evaluated locally the way the API server does).
use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::{EvidenceError, Kind, ListSelector, LogRequest, Result, Source};

type ListKey = (&'static str, Option<String>);
type Read<T> = std::result::Result<T, EvidenceError>;
type PromKey = (String, Vec<(String, String)>);

#[derive(Default)]
struct Memo {
    /// `(plural, namespace)` → the whole list (or why it could not be read).
    full: HashMap<ListKey, Read<Vec<Value>>>,
    /// Selector queries made before (or without) a full list.
    selected: HashMap<(ListKey, ListSelector), Read<Vec<Value>>>,
    gets: HashMap<(ListKey, String), Read<Option<Value>>>,
    logs: HashMap<LogKey, Read<String>>,
    prometheus: HashMap<PromKey, Read<Value>>,
    /// Reads that failed, in order (each distinct failure once).
    failures: Vec<EvidenceError>,
    /// Reads answered by the source (not from the memo).
    reads: usize,
}

#[derive(Hash, PartialEq, Eq)]
struct LogKey {
    namespace: String,
    pod: String,
    container: Option<String>,
    previous: bool,
    tail_lines: Option<u64>,
    since_seconds: Option<u64>,
}

impl From<&LogRequest> for LogKey {
    fn from(r: &LogRequest) -> Self {
        Self {
            namespace: r.namespace.clone(),
            pod: r.pod.clone(),
            container: r.container.clone(),
            previous: r.previous,
            tail_lines: r.tail_lines,
            since_seconds: r.since_seconds,
        }
    }
}

/// Reads of one investigation over a [`Source`].
pub struct Session {
    source: Source,
    memo: Mutex<Memo>,
}

fn key(kind: &Kind, namespace: Option<&str>) -> ListKey {
    (kind.plural, namespace.map(str::to_string))
}

fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

impl Session {
    pub fn new(source: Source) -> Self {
        Self {
            source,
            memo: Mutex::new(Memo::default()),
        }
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        // A panic while holding the lock cannot leave the maps half-updated (single inserts).
        self.memo.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note<T>(&self, result: &Read<T>) {
        let mut memo = self.memo();
        memo.reads += 1;
        if let Err(e) = result
            && !memo.failures.iter().any(|f| f.to_string() == e.to_string())
        {
            memo.failures.push(e.clone());
        }
    }

    /// Lists objects of `kind` (namespace None = all namespaces, or cluster-scoped kinds).
    pub async fn list(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        selector: &ListSelector,
    ) -> Result<Vec<Value>> {
        let k = key(kind, namespace);
        let empty = selector
            .labels
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
            && selector
                .fields
                .as_deref()
                .is_none_or(|s| s.trim().is_empty());
        {
            let memo = self.memo();
            if let Some(full) = memo.full.get(&k) {
                return match full {
                    Ok(items) if !empty => {
                        let matcher = selector.matcher()?;
                        Ok(items
                            .iter()
                            .filter(|o| matcher.matches(o))
                            .cloned()
                            .collect())
                    }
                    other => other.clone(),
                };
            }
            if let Some(hit) = memo.selected.get(&(k.clone(), selector.clone())) {
                return hit.clone();
            }
        }
        let result = self.source.list(kind, namespace, selector).await;
        self.note(&result);
        let mut memo = self.memo();
        if empty {
            memo.full.insert(k, result.clone());
        } else {
            memo.selected.insert((k, selector.clone()), result.clone());
        }
        result
    }

    /// One object by name; Ok(None) when it does not exist.
    pub async fn get(
        &self,
        kind: &Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>> {
        let k = key(kind, namespace);
        {
            let memo = self.memo();
            if let Some(Ok(items)) = memo.full.get(&k) {
                return Ok(items.iter().find(|o| name_of(o) == name).cloned());
            }
            if let Some(hit) = memo.gets.get(&(k.clone(), name.to_string())) {
                return hit.clone();
            }
        }
        let result = self.source.get(kind, namespace, name).await;
        self.note(&result);
        self.memo()
            .gets
            .insert((k, name.to_string()), result.clone());
        result
    }

    /// Container logs.
    pub async fn logs(&self, req: &LogRequest) -> Result<String> {
        let k = LogKey::from(req);
        if let Some(hit) = self.memo().logs.get(&k) {
            return hit.clone();
        }
        let result = self.source.logs(req).await;
        self.note(&result);
        self.memo().logs.insert(k, result.clone());
        result
    }

    /// A Prometheus HTTP API GET.
    pub async fn prometheus(&self, path: &str, params: &[(String, String)]) -> Result<Value> {
        let k = (path.to_string(), params.to_vec());
        if let Some(hit) = self.memo().prometheus.get(&k) {
            return hit.clone();
        }
        let result = self.source.prometheus(path, params).await;
        self.note(&result);
        self.memo().prometheus.insert(k, result.clone());
        result
    }

    /// Distinct read failures so far, in the order they happened.
    pub fn failures(&self) -> Vec<EvidenceError> {
        self.memo().failures.clone()
    }

    /// How many reads reached the source (the rest came from the memo).
    pub fn reads(&self) -> usize {
        self.memo().reads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn bundle_session() -> Session {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bundles/oom_java_heap_over_limit");
        Session::new(Source::Bundle(Arc::new(
            super::super::Bundle::open(&dir).unwrap(),
        )))
    }

    #[tokio::test]
    async fn each_read_reaches_the_source_once_and_full_lists_answer_gets_and_selectors() {
        let session = bundle_session();
        let pods = session
            .list(Kind::pod(), Some("shop"), &ListSelector::default())
            .await
            .unwrap();
        assert!(!pods.is_empty());
        assert_eq!(session.reads(), 1);
        let name = name_of(&pods[0]).to_string();
        let got = session.get(Kind::pod(), Some("shop"), &name).await.unwrap();
        assert_eq!(got.as_ref().map(name_of), Some(name.as_str()));
        let none = session
            .get(Kind::pod(), Some("shop"), "no-such-pod")
            .await
            .unwrap();
        assert!(none.is_none());
        let selected = session
            .list(
                Kind::pod(),
                Some("shop"),
                &ListSelector::fields(format!("metadata.name={name}")),
            )
            .await
            .unwrap();
        assert_eq!(selected.len(), 1);
        session
            .list(Kind::pod(), Some("shop"), &ListSelector::default())
            .await
            .unwrap();
        assert_eq!(
            session.reads(),
            1,
            "everything after the first list came from the memo"
        );
    }

    #[tokio::test]
    async fn a_failed_read_is_remembered_once() {
        let session = bundle_session();
        for _ in 0..3 {
            assert!(
                session
                    .prometheus("/api/v1/query", &[("query".into(), "up".into())])
                    .await
                    .is_err()
            );
        }
        assert_eq!(session.reads(), 1);
        assert_eq!(session.failures().len(), 1);
    }
}
