//! The knowledge base: runbooks parsed into heading chunks, indexed for BM25 (tantivy) and
//! embedded with MiniLM (candle), searched by either or both.
//!
//! Layout under `$AIDA_HOME/index/`: `CURRENT` names the current generation `gen-<n>/`, which
//! holds `tantivy/` (one document per chunk), `chunks.json` (what was ingested: per file its
//! content hash, title, alerts and chunks) and `vectors.bin` (one unit vector per chunk);
//! `ingest.lock` keeps ingests one at a time. An ingest writes a whole new generation and then
//! switches `CURRENT`, so searches never see a half-written index (`generation`). Ingest is
//! incremental: a file whose sha256 is unchanged is neither parsed nor embedded again; files no
//! longer present leave all three.
//!
//! Public surface: [`ingest`] for `aida ingest`, [`KnowledgeBase`] + [`Query`] for searching
//! (the agent opens one `KnowledgeBase` and reuses it: the model is loaded once).
//!
//! Files: `ingest` (sources → chunks → embeddings → index, step by step), `catalog` (the
//! `chunks.json` catalog and `vectors.bin`), `generation` (`CURRENT`, the lock, old
//! generations), `index` (tantivy), `markdown` (runbook parsing),
//! `embed`/`encoder` (MiniLM), `query` (queries from alerts); searching is here.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;

use crate::config::Config;
use crate::paths::Home;

pub mod bench;
mod catalog;
mod embed;
mod encoder;
mod generation;
mod index;
mod ingest;
mod markdown;
mod query;
mod runbook_tool;
mod sources;

pub use embed::{EmbedError, Embedder};
pub use ingest::{IngestOptions, IngestSummary, Progress, ingest};
pub use markdown::{Document, ParseError, RunbookError, Section, parse_runbook};
pub use query::{Mode, Query};
pub use sources::{Broken, Source};

use catalog::Manifest;
use index::BmIndex;
use sources::stem_of;

/// Candidates taken from each retriever before fusion.
const CANDIDATES: usize = 200;
/// Reciprocal rank fusion constant (Cormack et al. use 60; smaller trusts the top ranks more).
const RRF_K: f32 = 10.0;
const RRF_WEIGHT_BM25: f32 = 1.0;
const RRF_WEIGHT_VECTOR: f32 = 1.0;
const SNIPPET_CHARS: usize = 240;

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("no knowledge index in {dir}: run `aida ingest` first")]
    NotIngested { dir: PathBuf },
    #[error("runbook directory {path} does not exist or is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("{0}")]
    NoRunbooks(String),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("search index: {0}")]
    Index(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged ({message}); run `aida ingest --rebuild`")]
    Corrupt { path: PathBuf, message: String },
    #[error(
        "another `aida ingest` is writing the index (it holds the lock {path}); wait for it to finish"
    )]
    Locked { path: PathBuf },
}

impl From<tantivy::TantivyError> for KnowledgeError {
    fn from(e: tantivy::TantivyError) -> Self {
        Self::Index(e.to_string())
    }
}

impl KnowledgeError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// True when the user can fix it (missing index, directory, model): exit 2.
    pub(crate) fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::NotIngested { .. }
                | Self::NotADirectory { .. }
                | Self::NoRunbooks(_)
                | Self::Embed(EmbedError::Missing { .. })
        )
    }
}

/// The text a chunk is embedded with: title and heading path give the model the context a
/// section like "Mitigation" lacks on its own.
fn embedding_text(title: &str, headings: &[String], body: &str) -> String {
    if headings.is_empty() {
        format!("{title}\n{body}")
    } else {
        format!("{title} > {}\n{body}", headings.join(" > "))
    }
}

/// The embedding model directory for this configuration.
pub(crate) fn model_dir(home: &Home, config: &Config) -> PathBuf {
    config.knowledge.embedding_model.clone().unwrap_or_else(|| {
        config
            .models_dir(home)
            .join(crate::models::DEFAULT_EMBEDDING_DIR)
    })
}

/// One search result: the best-matching section of one runbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub path: String,
    pub heading: String,
    /// 0..1, higher is better: the runbook's fused score as a fraction of the best this query
    /// allows (1 = first in every retriever that ran and, for an alert, the runbook naming it).
    /// The same meaning for every query and mode; see [`KnowledgeBase::search`].
    pub score: f32,
    pub snippet: String,
    /// 1-based rank of this runbook in the BM25 list (None: not among the candidates).
    pub bm25_rank: Option<usize>,
    /// 1-based rank of this runbook in the vector list.
    pub vector_rank: Option<usize>,
    #[serde(skip)]
    pub title: String,
}

/// Where a chunk lives in the manifest.
#[derive(Clone, Copy)]
struct ChunkRef {
    doc: usize,
    chunk: usize,
}

/// An opened knowledge base. Open once and reuse: the embedding model is loaded on the first
/// hybrid or vector search and kept.
pub struct KnowledgeBase {
    manifest: Manifest,
    by_id: HashMap<u64, ChunkRef>,
    /// Chunk ids and their vectors, row-major (`ids.len() * dim`).
    ids: Vec<u64>,
    matrix: Vec<f32>,
    bm: BmIndex,
    model_dir: PathBuf,
    embedder: OnceLock<Embedder>,
}

impl KnowledgeBase {
    /// Opens the index under `home` (see [`Home::index`]).
    pub(crate) fn open(home: &Home, config: &Config) -> Result<Self, KnowledgeError> {
        Self::open_dir(&home.index(), model_dir(home, config))
    }

    /// Opens the current index in `index_dir`, embedding queries with the model in `model_dir`.
    pub fn open_dir(index_dir: &Path, model_dir: PathBuf) -> Result<Self, KnowledgeError> {
        let mut attempts = 0;
        loop {
            let Some(dir) = generation::current(index_dir)? else {
                return Err(KnowledgeError::NotIngested {
                    dir: index_dir.to_path_buf(),
                });
            };
            match Self::open_generation(&dir, model_dir.clone()) {
                // An ingest may have switched generations and removed this one between the
                // two steps: open the new current one instead.
                Err(_)
                    if attempts < 2 && generation::current(index_dir)?.as_ref() != Some(&dir) =>
                {
                    attempts += 1;
                }
                result => return result,
            }
        }
    }

    /// Opens one generation (or the layout from before generations).
    fn open_generation(dir: &Path, model_dir: PathBuf) -> Result<Self, KnowledgeError> {
        let manifest_path = catalog::manifest_path(dir);
        let tantivy_dir = catalog::tantivy_path(dir);
        let Some(manifest) = Manifest::load(&manifest_path)? else {
            return Err(KnowledgeError::Corrupt {
                path: dir.to_path_buf(),
                message: "its catalog (chunks.json) is missing".into(),
            });
        };
        if manifest.version != catalog::FORMAT_VERSION {
            return Err(KnowledgeError::Corrupt {
                path: dir.to_path_buf(),
                message: "written by another AIDA version".into(),
            });
        }
        if !tantivy_dir.is_dir() {
            return Err(KnowledgeError::Corrupt {
                path: dir.to_path_buf(),
                message: "its BM25 index (tantivy/) is missing".into(),
            });
        }
        let vectors = catalog::load_vectors(&catalog::vectors_path(dir), manifest.dim)?;
        let mut by_id = HashMap::new();
        let mut ids = Vec::new();
        let mut matrix = Vec::new();
        for (d, doc) in manifest.docs.iter().enumerate() {
            for (c, chunk) in doc.chunks.iter().enumerate() {
                by_id.insert(chunk.id, ChunkRef { doc: d, chunk: c });
                if let Some(v) = vectors.get(&chunk.id) {
                    ids.push(chunk.id);
                    matrix.extend_from_slice(v);
                }
            }
        }
        let bm = BmIndex::open(&tantivy_dir)?;
        Ok(Self {
            manifest,
            by_id,
            ids,
            matrix,
            bm,
            model_dir,
            embedder: OnceLock::new(),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.manifest.docs.is_empty()
    }

    /// The texts the chunks were embedded with (title, heading path, section text).
    pub fn embedding_texts(&self) -> Vec<String> {
        self.manifest
            .docs
            .iter()
            .flat_map(|d| {
                d.chunks
                    .iter()
                    .map(|c| embedding_text(&d.title, &c.headings, &c.text))
            })
            .collect()
    }

    /// Loads the embedding model now (otherwise the first vector search does).
    pub fn embedder(&self) -> Result<&Embedder, KnowledgeError> {
        if let Some(e) = self.embedder.get() {
            return Ok(e);
        }
        let loaded = Embedder::load(&self.model_dir)?;
        Ok(self.embedder.get_or_init(|| loaded))
    }

    /// Chunk ids by BM25, best first.
    fn bm25(&self, query: &Query) -> Result<Vec<u64>, KnowledgeError> {
        Ok(self
            .bm
            .search(&query.keywords, CANDIDATES)?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| self.by_id.contains_key(id))
            .collect())
    }

    /// Chunk ids by cosine similarity, best first, with the similarity.
    fn vector(&self, query: &Query) -> Result<Vec<(u64, f32)>, KnowledgeError> {
        let q = self.embedder()?.embed_query(&query.semantic)?;
        let dim = q.len();
        let mut scored: Vec<(u64, f32)> = self
            .ids
            .iter()
            .zip(self.matrix.chunks_exact(dim))
            .map(|(&id, v)| (id, crate::numeric::dot(v, &q)))
            .collect();
        let keep = CANDIDATES.min(scored.len());
        if keep > 0 && keep < scored.len() {
            scored.select_nth_unstable_by(keep - 1, |a, b| b.1.total_cmp(&a.1));
            scored.truncate(keep);
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(scored)
    }

    /// Runbooks ranked for `query`, best first: one hit per runbook (its best section), at most
    /// `top_k`. A runbook's rank in each retriever (BM25, vectors) counts `w / (RRF_K + rank)`;
    /// in hybrid mode a runbook that names the alert gets a bonus as large as the best fused
    /// score; the sum divided by the best sum this query allows is the hit's `score` (0..1).
    pub fn search(&self, query: &Query) -> Result<Vec<Hit>, KnowledgeError> {
        // The two halves are independent: BM25 runs while the query is embedded.
        let (bm25, vector) = rayon::join(
            || match query.mode {
                Mode::Hybrid | Mode::Bm25 => self.bm25(query),
                Mode::Vector => Ok(Vec::new()),
            },
            || match query.mode {
                Mode::Hybrid | Mode::Vector if !query.semantic.trim().is_empty() => self
                    .vector(query)
                    .map(|v| v.into_iter().map(|(id, _)| id).collect::<Vec<u64>>()),
                _ => Ok(Vec::new()),
            },
        );
        let (bm25, vector) = (bm25?, vector?);
        // Runbook-level ranks: a runbook ranks where its best chunk does.
        let doc_ranks = |chunks: &[u64]| {
            let mut ranks: HashMap<usize, (usize, u64)> = HashMap::new();
            for id in chunks {
                let r = self.by_id[id];
                let next = ranks.len() + 1;
                ranks.entry(r.doc).or_insert((next, *id));
            }
            ranks
        };
        let bm_docs = doc_ranks(&bm25);
        let vec_docs = doc_ranks(&vector);
        let names: Vec<String> = query
            .alert_names
            .iter()
            .map(|n| normalise_name(n))
            .collect();

        // One scale for every mode: reciprocal rank fusion over the retrievers that ran
        // (a single retriever is the same formula with one term), plus the exact-name bonus,
        // divided by the best total this query could give.
        let bm25_ran = matches!(query.mode, Mode::Hybrid | Mode::Bm25);
        let vector_ran =
            matches!(query.mode, Mode::Hybrid | Mode::Vector) && !query.semantic.trim().is_empty();
        let best_fused: f32 = [(bm25_ran, RRF_WEIGHT_BM25), (vector_ran, RRF_WEIGHT_VECTOR)]
            .into_iter()
            .filter(|(ran, _)| *ran)
            .map(|(_, weight)| rrf(weight, 1))
            .sum();
        // As large as the best fused score, so a runbook naming the alert ranks above every
        // runbook that does not: named ones score above 0.5, the others at most 0.5.
        let exact_bonus = if query.mode == Mode::Hybrid && !names.is_empty() {
            best_fused
        } else {
            0.0
        };
        let best = best_fused + exact_bonus;

        let mut candidates: HashSet<usize> = bm_docs.keys().copied().collect();
        candidates.extend(vec_docs.keys().copied());
        let mut hits: Vec<(f32, usize, u64)> = Vec::new();
        for doc in candidates {
            let b = bm_docs.get(&doc);
            let v = vec_docs.get(&doc);
            let mut fused = b.map_or(0.0, |r| rrf(RRF_WEIGHT_BM25, r.0))
                + v.map_or(0.0, |r| rrf(RRF_WEIGHT_VECTOR, r.0));
            if exact_bonus > 0.0 && self.names_alert(doc, &names) {
                fused += exact_bonus;
            }
            // The section shown: the best BM25 chunk (it matched the words), else the best vector one.
            let chunk = b.or(v).map(|r| r.1).expect("candidate from a list");
            hits.push(((fused / best).min(1.0), doc, chunk));
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(query.top_k);
        Ok(hits
            .into_iter()
            .map(|(score, doc, chunk)| {
                let r = self.by_id[&chunk];
                let d = &self.manifest.docs[doc];
                let c = &d.chunks[r.chunk];
                Hit {
                    path: d.path.clone(),
                    heading: if c.headings.is_empty() {
                        d.title.clone()
                    } else {
                        c.headings.join(" > ")
                    },
                    score,
                    snippet: snippet(&c.text),
                    bm25_rank: bm_docs.get(&doc).map(|r| r.0),
                    vector_rank: vec_docs.get(&doc).map(|r| r.0),
                    title: d.title.clone(),
                }
            })
            .collect())
    }

    /// Does runbook `doc` name one of the alerts (its `alerts` list, file name or title)?
    fn names_alert(&self, doc: usize, names: &[String]) -> bool {
        let d = &self.manifest.docs[doc];
        let stem = normalise_name(&stem_of(&d.path));
        let title = normalise_name(&d.title);
        names
            .iter()
            .any(|n| *n == stem || *n == title || d.alerts.iter().any(|a| normalise_name(a) == *n))
    }
}

/// One retriever's reciprocal-rank-fusion term for a 1-based rank.
fn rrf(weight: f32, rank: usize) -> f32 {
    weight / (RRF_K + rank as f32)
}

/// Lowercase letters and digits only: `Kube Pod Crash Looping` == `KubePodCrashLooping`.
fn normalise_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(SNIPPET_CHARS) {
        Some((i, _)) => format!("{}…", flat[..i].trim_end()),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_snippets() {
        assert_eq!(
            normalise_name("Kube Pod Crash-Looping"),
            "kubepodcrashlooping"
        );
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.ends_with('…') && s.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(snippet("a\n b"), "a b");
    }
}
