//! The knowledge base: runbooks parsed into heading chunks, indexed for BM25 (tantivy) and
//! embedded with MiniLM (candle), searched by either or both.
//!
//! Layout under `$AIDA_HOME/index/`: `tantivy/` (one document per chunk), `chunks.json` (what was
//! ingested: per file its content hash, title, alerts and chunks) and `vectors.bin` (one unit
//! vector per chunk). Ingest is incremental: a file whose sha256 is unchanged is neither parsed
//! nor embedded again; files no longer present leave all three.
//!
//! Public surface: [`ingest`] for `aida ingest`, [`KnowledgeBase`] + [`Query`] for searching
//! (the agent opens one `KnowledgeBase` and reuses it: the model is loaded once).
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::paths::Home;

pub mod bench;
mod embed;
mod encoder;
mod index;
pub mod markdown;
pub mod query;
mod runbook_tool;
mod store;

pub use embed::{EmbedError, Embedder};
pub use query::{Mode, Query};

use index::{BmIndex, ChunkDoc};
use store::{Manifest, StoredChunk, StoredDoc, Vectors};

/// Runbooks compiled into the binary from the repository's `runbooks/` (see build.rs):
/// `(path relative to runbooks/, file bytes)`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_runbooks.rs"));
}

/// Candidates taken from each retriever before fusion.
const CANDIDATES: usize = 200;
/// Reciprocal rank fusion constant (Cormack et al. use 60; smaller trusts the top ranks more).
const RRF_K: f32 = 10.0;
const RRF_WEIGHT_BM25: f32 = 1.0;
const RRF_WEIGHT_VECTOR: f32 = 1.0;
/// Added to a runbook that names the alert exactly: above any fused score.
const EXACT_BOOST: f32 = 1.0;
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
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::NotIngested { .. }
                | Self::NotADirectory { .. }
                | Self::NoRunbooks(_)
                | Self::Embed(EmbedError::Missing { .. })
        )
    }
}

/// Where runbooks come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory, searched recursively for `*.md`.
    Dir(PathBuf),
    /// The runbooks compiled into this binary.
    Builtin,
}

impl Source {
    /// `--runbooks` dirs, else `knowledge.runbook_dirs`, else the built-in set.
    pub fn resolve(flags: &[PathBuf], config: &Config) -> Vec<Source> {
        let dirs = if flags.is_empty() {
            &config.knowledge.runbook_dirs
        } else {
            flags
        };
        if dirs.is_empty() {
            vec![Source::Builtin]
        } else {
            dirs.iter().cloned().map(Source::Dir).collect()
        }
    }
}

/// Number of runbooks compiled into this binary.
pub fn builtin_count() -> usize {
    builtin::RUNBOOKS.len()
}

/// A runbook file as read from its source.
struct RawFile {
    key: String,
    path: String,
    stem: String,
    bytes: Vec<u8>,
}

/// File names that describe a folder rather than an alert (Hugo section pages, notices).
fn is_runbook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md")
        && !matches!(
            lower.as_str(),
            "readme.md" | "notice.md" | "license.md" | "changelog.md" | "_index.md" | "index.md"
        )
}

fn stem_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md")
        .or_else(|| name.strip_suffix(".MD"))
        .unwrap_or(name)
        .to_string()
}

fn collect(sources: &[Source]) -> Result<(Vec<RawFile>, Vec<Broken>), KnowledgeError> {
    let mut files = Vec::new();
    let mut broken = Vec::new();
    for source in sources {
        match source {
            Source::Builtin => {
                if builtin::RUNBOOKS.is_empty() {
                    return Err(KnowledgeError::NoRunbooks(
                        "this aida binary was built without runbooks (runbooks/ was empty): pass --runbooks DIR or set knowledge.runbook_dirs".into(),
                    ));
                }
                for (rel, bytes) in builtin::RUNBOOKS {
                    files.push(RawFile {
                        key: format!("builtin:{rel}"),
                        path: format!("runbooks/{rel}"),
                        stem: stem_of(rel),
                        bytes: bytes.to_vec(),
                    });
                }
            }
            Source::Dir(dir) => {
                if !dir.is_dir() {
                    return Err(KnowledgeError::NotADirectory { path: dir.clone() });
                }
                let root = dir.canonicalize().map_err(|e| KnowledgeError::io(dir, e))?;
                let mut rels = Vec::new();
                walk(&root, &root, &mut rels, &mut broken);
                if rels.is_empty() {
                    return Err(KnowledgeError::NoRunbooks(format!(
                        "no markdown runbooks (*.md) under {}",
                        dir.display()
                    )));
                }
                rels.sort();
                for rel in rels {
                    let full = root.join(&rel);
                    match std::fs::read(&full) {
                        Ok(bytes) => files.push(RawFile {
                            key: format!("{}:{rel}", root.display()),
                            stem: stem_of(&rel),
                            path: rel,
                            bytes,
                        }),
                        Err(e) => broken.push(Broken {
                            path: full.display().to_string(),
                            error: e.to_string(),
                        }),
                    }
                }
            }
        }
    }
    Ok((files, broken))
}

/// Relative paths (with `/`) of the runbook files under `dir`; hidden entries are skipped.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>, broken: &mut Vec<Broken>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            broken.push(Broken {
                path: dir.display().to_string(),
                error: e.to_string(),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out, broken);
        } else if is_runbook_name(&name)
            && let Ok(rel) = path.strip_prefix(root)
        {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
}

/// A file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broken {
    pub path: String,
    pub error: String,
}

/// What one `aida ingest` did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    /// Runbook files found.
    pub files: usize,
    /// New or changed files parsed and embedded.
    pub indexed: usize,
    /// Files skipped because their content hash was unchanged.
    pub unchanged: usize,
    /// Files that left the index (deleted, or no longer in the ingested directories).
    pub removed: usize,
    /// Files that could not be read or parsed (skipped).
    pub broken: Vec<Broken>,
    /// Chunks in the index afterwards.
    pub chunks: usize,
    /// Chunks embedded by this run.
    pub embedded: usize,
    pub seconds: f64,
}

/// Progress events for a progress bar.
pub enum Progress {
    /// About to embed this many chunks.
    EmbedStart(usize),
    /// This many more chunks embedded.
    Embedded(usize),
}

/// Options of one ingest.
pub struct IngestOptions<'a> {
    pub sources: Vec<Source>,
    /// Ignore the existing index and start over.
    pub rebuild: bool,
    /// The embedding model directory.
    pub model_dir: PathBuf,
    pub progress: &'a mut dyn FnMut(Progress),
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
pub fn model_dir(home: &Home, config: &Config) -> PathBuf {
    config.knowledge.embedding_model.clone().unwrap_or_else(|| {
        config
            .models_dir(home)
            .join(crate::models::DEFAULT_EMBEDDING_DIR)
    })
}

/// Ingests runbooks into `index_dir` (normally `Home::index()`).
pub fn ingest(index_dir: &Path, opts: IngestOptions) -> Result<IngestSummary, KnowledgeError> {
    let started = Instant::now();
    let (files, mut broken) = collect(&opts.sources)?;
    let embedder = Embedder::load(&opts.model_dir)?;
    std::fs::create_dir_all(index_dir).map_err(|e| KnowledgeError::io(index_dir, e))?;

    let manifest_path = store::manifest_path(index_dir);
    let vectors_path = store::vectors_path(index_dir);
    let tantivy_dir = store::tantivy_path(index_dir);
    let old = if opts.rebuild {
        None
    } else {
        Manifest::load(&manifest_path)
            .ok()
            .flatten()
            .filter(|m| {
                m.version == store::FORMAT_VERSION
                    && m.model == embedder.name()
                    && m.dim == embedder.dim()
                    && m.max_tokens == embedder.max_tokens()
            })
            .filter(|_| tantivy_dir.is_dir())
    };
    let mut old_vectors = match &old {
        Some(m) => store::load_vectors(&vectors_path, m.dim).unwrap_or_default(),
        None => Vectors::new(),
    };
    let old = old.filter(|m| {
        // Vectors missing for any chunk: the files disagree, start over.
        m.docs
            .iter()
            .all(|d| d.chunks.iter().all(|c| old_vectors.contains_key(&c.id)))
    });
    if old.is_none() && tantivy_dir.exists() {
        std::fs::remove_dir_all(&tantivy_dir).map_err(|e| KnowledgeError::io(&tantivy_dir, e))?;
    }
    let mut manifest = old
        .clone()
        .unwrap_or_else(|| Manifest::empty(embedder.name(), embedder.dim(), embedder.max_tokens()));
    let old_docs: HashMap<String, StoredDoc> = std::mem::take(&mut manifest.docs)
        .into_iter()
        .map(|d| (d.key.clone(), d))
        .collect();

    let mut docs: Vec<StoredDoc> = Vec::new();
    let mut fresh: Vec<usize> = Vec::new(); // indexes into `docs` that need indexing
    let mut unchanged = 0;
    let mut seen_keys = HashSet::new();
    for file in files {
        if !seen_keys.insert(file.key.clone()) {
            continue; // the same directory given twice
        }
        let hash = sha256_hex(&file.bytes);
        if let Some(prev) = old_docs.get(&file.key)
            && prev.hash == hash
        {
            let mut prev = prev.clone();
            prev.path = file.path.clone();
            docs.push(prev);
            unchanged += 1;
            continue;
        }
        match markdown::parse_bytes(&file.bytes, &file.stem) {
            Ok(doc) => {
                let chunks = doc
                    .sections
                    .into_iter()
                    .map(|s| {
                        let id = manifest.next_id;
                        manifest.next_id += 1;
                        StoredChunk {
                            id,
                            headings: s.headings,
                            text: s.text,
                        }
                    })
                    .collect::<Vec<_>>();
                let chunks = if chunks.is_empty() {
                    // A runbook that is only a title still deserves to be found by its name.
                    let id = manifest.next_id;
                    manifest.next_id += 1;
                    vec![StoredChunk {
                        id,
                        headings: Vec::new(),
                        text: doc.title.clone(),
                    }]
                } else {
                    chunks
                };
                fresh.push(docs.len());
                docs.push(StoredDoc {
                    key: file.key,
                    path: file.path,
                    title: doc.title,
                    alerts: doc.alerts,
                    categories: doc.categories,
                    hash,
                    chunks,
                });
            }
            Err(e) => {
                tracing::warn!(path = %file.path, error = %e, "skipping runbook");
                broken.push(Broken {
                    path: file.path,
                    error: e.to_string(),
                });
            }
        }
    }
    let kept: HashSet<&str> = docs.iter().map(|d| d.key.as_str()).collect();
    let removed_keys: Vec<String> = old_docs
        .keys()
        .filter(|k| !kept.contains(k.as_str()))
        .cloned()
        .collect();
    // Changed files: their old chunks go too.
    let replaced: Vec<String> = fresh
        .iter()
        .map(|&i| docs[i].key.clone())
        .filter(|k| old_docs.contains_key(k))
        .collect();

    // Embed the new chunks.
    let texts: Vec<String> = fresh
        .iter()
        .flat_map(|&i| {
            let d = &docs[i];
            d.chunks
                .iter()
                .map(|c| embedding_text(&d.title, &c.headings, &c.text))
        })
        .collect();
    let ids: Vec<u64> = fresh
        .iter()
        .flat_map(|&i| docs[i].chunks.iter().map(|c| c.id))
        .collect();
    if !texts.is_empty() {
        (opts.progress)(Progress::EmbedStart(texts.len()));
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed(&refs, |n| (opts.progress)(Progress::Embedded(n)))?;
        for (id, v) in ids.iter().zip(vectors) {
            old_vectors.insert(*id, v);
        }
    }

    // tantivy: drop removed and replaced files, add fresh ones.
    let bm = BmIndex::open_or_create(&tantivy_dir)?;
    if !removed_keys.is_empty() || !fresh.is_empty() {
        let mut writer = bm.writer()?;
        for key in removed_keys.iter().chain(&replaced) {
            bm.delete_doc(&writer, key);
        }
        for &i in &fresh {
            let d = &docs[i];
            let alerts = d.alerts.join(" ");
            for c in &d.chunks {
                bm.add_chunk(
                    &writer,
                    &ChunkDoc {
                        id: c.id,
                        doc_key: &d.key,
                        title: &d.title,
                        headings: &c.headings.join("\n"),
                        body: &c.text,
                        alerts: &alerts,
                        path: &d.path,
                    },
                )?;
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
    }

    let all_ids: Vec<u64> = docs
        .iter()
        .flat_map(|d| d.chunks.iter().map(|c| c.id))
        .collect();
    manifest.docs = docs;
    store::save_vectors(&vectors_path, manifest.dim, &all_ids, &old_vectors)?;
    manifest.save(&manifest_path)?;

    Ok(IngestSummary {
        files: manifest.docs.len() + broken.len(),
        indexed: fresh.len(),
        unchanged,
        removed: removed_keys.len(),
        broken,
        chunks: all_ids.len(),
        embedded: ids.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One search result: the best-matching section of one runbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub path: String,
    pub heading: String,
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
    pub fn open(home: &Home, config: &Config) -> Result<Self, KnowledgeError> {
        Self::open_dir(&home.index(), model_dir(home, config))
    }

    /// Opens the index in `index_dir`, embedding queries with the model in `model_dir`.
    pub fn open_dir(index_dir: &Path, model_dir: PathBuf) -> Result<Self, KnowledgeError> {
        let manifest_path = store::manifest_path(index_dir);
        let tantivy_dir = store::tantivy_path(index_dir);
        let Some(manifest) = Manifest::load(&manifest_path)? else {
            return Err(KnowledgeError::NotIngested {
                dir: index_dir.to_path_buf(),
            });
        };
        if manifest.version != store::FORMAT_VERSION || !tantivy_dir.is_dir() {
            return Err(KnowledgeError::Corrupt {
                path: index_dir.to_path_buf(),
                message: "written by another AIDA version".into(),
            });
        }
        let vectors = store::load_vectors(&store::vectors_path(index_dir), manifest.dim)?;
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

    /// Number of runbooks and chunks indexed.
    pub fn len(&self) -> (usize, usize) {
        (self.manifest.docs.len(), self.by_id.len())
    }

    pub fn is_empty(&self) -> bool {
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

    /// Runbooks ranked for `query`: one hit per runbook (its best section), at most `top_k`.
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

        let mut candidates: HashSet<usize> = bm_docs.keys().copied().collect();
        candidates.extend(vec_docs.keys().copied());
        let mut hits: Vec<(f32, usize, u64)> = Vec::new();
        for doc in candidates {
            let b = bm_docs.get(&doc);
            let v = vec_docs.get(&doc);
            let mut score = match query.mode {
                Mode::Bm25 => 1.0 / b.map_or(f32::INFINITY, |r| r.0 as f32),
                Mode::Vector => 1.0 / v.map_or(f32::INFINITY, |r| r.0 as f32),
                Mode::Hybrid => {
                    b.map_or(0.0, |r| RRF_WEIGHT_BM25 / (RRF_K + r.0 as f32))
                        + v.map_or(0.0, |r| RRF_WEIGHT_VECTOR / (RRF_K + r.0 as f32))
                }
            };
            if query.mode == Mode::Hybrid && !names.is_empty() && self.names_alert(doc, &names) {
                score += EXACT_BOOST;
            }
            // The section shown: the best BM25 chunk (it matched the words), else the best vector one.
            let chunk = b.or(v).map(|r| r.1).expect("candidate from a list");
            hits.push((score, doc, chunk));
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
        assert_eq!(stem_of("a/b/TargetDown.md"), "TargetDown");
        assert!(is_runbook_name("x.md"));
        assert!(!is_runbook_name("README.md"));
        assert!(!is_runbook_name("_index.md"));
        assert!(!is_runbook_name("notes.txt"));
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.ends_with('…') && s.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(snippet("a\n b"), "a b");
    }

    #[test]
    fn sources_prefer_flags_then_config_then_builtin() {
        let mut config = Config::default();
        assert_eq!(Source::resolve(&[], &config), [Source::Builtin]);
        config.knowledge.runbook_dirs = vec![PathBuf::from("/etc/rb")];
        assert_eq!(
            Source::resolve(&[], &config),
            [Source::Dir("/etc/rb".into())]
        );
        assert_eq!(
            Source::resolve(&[PathBuf::from("x")], &config),
            [Source::Dir("x".into())]
        );
    }

    #[test]
    fn broken_and_hidden_files_in_walk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
        std::fs::write(dir.path().join("a/one.md"), "# One\n\ntext").unwrap();
        std::fs::write(dir.path().join("a/.git/x.md"), "# hidden").unwrap();
        std::fs::write(dir.path().join("README.md"), "# readme").unwrap();
        std::fs::write(dir.path().join("two.md"), b"\xff\xfe").unwrap();
        let (files, broken) = collect(&[Source::Dir(dir.path().to_path_buf())]).unwrap();
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/one.md", "two.md"]);
        assert!(broken.is_empty());
        let empty = tempfile::tempdir().unwrap();
        let err = collect(&[Source::Dir(empty.path().to_path_buf())])
            .err()
            .unwrap();
        assert!(err.is_user_error() && err.to_string().contains("no markdown runbooks"));
        let err = collect(&[Source::Dir(empty.path().join("nope"))])
            .err()
            .unwrap();
        assert!(matches!(err, KnowledgeError::NotADirectory { .. }));
    }
}
