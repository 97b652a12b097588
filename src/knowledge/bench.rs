//! Scoring retrieval against a labelled query set (`shared/data/retrieval-dev/queries.jsonl`
//! layout): recall@1, recall@3 and MRR@10 per variant, strict (gold) and lenient
//! (gold ∪ also_relevant). Used by `examples/bench_retrieval.rs` and the recall test.
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{KnowledgeBase, KnowledgeError, Mode, Query};
use crate::alert;

/// One labelled query.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledQuery {
    pub id: String,
    pub variant: String,
    pub alert: serde_json::Value,
    pub gold: Vec<String>,
    #[serde(default)]
    pub also_relevant: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

/// Reads a JSONL query file.
pub fn load_queries(path: &Path) -> Result<Vec<LabelledQuery>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Io {
        path: path.display().to_string(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| BenchError::Line {
                path: path.display().to_string(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// Metrics of one (mode, variant) cell.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    pub queries: usize,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub mrr: f64,
}

/// Strict and lenient metrics for one mode and variant, plus per-query latencies.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub mode: Mode,
    pub variant: String,
    pub strict: Metrics,
    pub lenient: Metrics,
    /// Query ids whose lenient rank was not 1 (for tuning), with the rank (0 = not in top 10).
    pub misses: Vec<(String, usize)>,
    #[serde(skip)]
    pub latencies: Vec<Duration>,
}

/// 1-based rank of the first relevant path in `ranked` (top 10 only), 0 when absent.
fn first_rank(ranked: &[String], relevant: &[&str]) -> usize {
    ranked
        .iter()
        .take(10)
        .position(|p| relevant.contains(&p.as_str()))
        .map_or(0, |i| i + 1)
}

fn accumulate(m: &mut Metrics, rank: usize) {
    m.queries += 1;
    if rank == 1 {
        m.recall_at_1 += 1.0;
    }
    if (1..=3).contains(&rank) {
        m.recall_at_3 += 1.0;
    }
    if rank > 0 {
        m.mrr += 1.0 / rank as f64;
    }
}

fn finish(m: &mut Metrics) {
    if m.queries > 0 {
        let n = m.queries as f64;
        m.recall_at_1 /= n;
        m.recall_at_3 /= n;
        m.mrr /= n;
    }
}

/// Runs every query of `variant` in `mode` and scores the runbook ranking.
pub fn score(
    kb: &KnowledgeBase,
    queries: &[LabelledQuery],
    variant: &str,
    mode: Mode,
) -> Result<Cell, BenchError> {
    let mut cell = Cell {
        mode,
        variant: variant.to_string(),
        strict: Metrics::default(),
        lenient: Metrics::default(),
        misses: Vec::new(),
        latencies: Vec::new(),
    };
    for q in queries.iter().filter(|q| q.variant == variant) {
        let parsed = alert::parse_value(&q.alert).map_err(|e| BenchError::Line {
            path: q.id.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let Some(first) = parsed.firing.first() else {
            continue;
        };
        let started = Instant::now();
        let query = Query::from_alert(first).with_mode(mode).with_top_k(10);
        let hits = kb.search(&query)?;
        cell.latencies.push(started.elapsed());
        let ranked: Vec<String> = hits.into_iter().map(|h| h.path).collect();
        let gold: Vec<&str> = q.gold.iter().map(String::as_str).collect();
        let mut lenient = gold.clone();
        lenient.extend(q.also_relevant.iter().map(String::as_str));
        accumulate(&mut cell.strict, first_rank(&ranked, &gold));
        let rank = first_rank(&ranked, &lenient);
        accumulate(&mut cell.lenient, rank);
        if rank != 1 {
            cell.misses.push((q.id.clone(), rank));
        }
    }
    finish(&mut cell.strict);
    finish(&mut cell.lenient);
    Ok(cell)
}

/// The p-th percentile (0..=100) of `samples`, nearest rank.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_metrics() {
        let ranked: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(first_rank(&ranked, &["b"]), 2);
        assert_eq!(first_rank(&ranked, &["z"]), 0);
        let mut m = Metrics::default();
        for r in [1, 2, 4, 0] {
            accumulate(&mut m, r);
        }
        finish(&mut m);
        assert_eq!(m.recall_at_1, 0.25);
        assert_eq!(m.recall_at_3, 0.5);
        assert!((m.mrr - (1.0 + 0.5 + 0.25) / 4.0).abs() < 1e-9);
        let ms = |v: u64| Duration::from_millis(v);
        let samples: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&samples, 50.0), ms(50));
        assert_eq!(percentile(&samples, 99.0), ms(99));
    }
}
