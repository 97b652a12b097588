//! `aida ingest`: runbooks from their sources into the index, incrementally.
//!
//! The steps, in order: `collect` the runbook files of every source; take the writer lock and
//! open the current index when it was made with the same embedding model (`previous_index`);
//! `diff` the files against it by sha256 and `chunk` the new and changed ones; embed their
//! chunks (`embed_fresh`); write a new generation — BM25 index (`write_bm25`, from the catalog:
//! cheap next to embedding), vectors and catalog (`save`) — and publish it (see `generation`).
//! When nothing changed, the current generation stays.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::catalog::{self, Manifest, StoredChunk, StoredDoc, Vectors};
use super::generation;
use super::index::{BmIndex, ChunkDoc};
use super::sources::{Broken, RawFile, Source, collect};
use super::{Embedder, KnowledgeError, embedding_text, markdown};

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

/// Ingests runbooks into `index_dir` (normally `Home::index()`).
pub fn ingest(index_dir: &Path, opts: IngestOptions) -> Result<IngestSummary, KnowledgeError> {
    let started = Instant::now();
    let (files, mut broken) = collect(&opts.sources)?;
    let lock = generation::lock(index_dir)?;
    let embedder = Embedder::load(&opts.model_dir)?;

    // A CURRENT that cannot be read is an index to start over, like an unreadable catalog.
    let previous = generation::current(index_dir).ok().flatten();
    let base = previous
        .as_deref()
        .filter(|_| !opts.rebuild)
        .and_then(|dir| previous_index(dir, &embedder));
    // The layout from before generations is always rewritten as one.
    let base_is_generation = base.is_some() && previous.as_deref() != Some(index_dir);
    let (mut manifest, mut vectors) = base.unwrap_or_else(|| {
        let empty = Manifest::empty(embedder.name(), embedder.dim(), embedder.max_tokens());
        (empty, Vectors::new())
    });
    let old_docs: HashMap<String, StoredDoc> = std::mem::take(&mut manifest.docs)
        .into_iter()
        .map(|d| (d.key.clone(), d))
        .collect();
    let plan = diff(files, &old_docs, &mut manifest.next_id, &mut broken);
    let removed = removed_keys(&old_docs, &plan);
    let embedded = embed_fresh(&embedder, &plan, &mut vectors, opts.progress)?;

    let indexed = plan.fresh.len();
    manifest.docs = plan.docs;
    let chunks = manifest.docs.iter().map(|d| d.chunks.len()).sum();
    let current = match &previous {
        Some(dir) if base_is_generation && indexed == 0 && removed.is_empty() => dir.clone(),
        _ => {
            let dir = generation::create(index_dir, &lock)?;
            write_bm25(&catalog::tantivy_path(&dir), &manifest.docs)?;
            save(&dir, &manifest, &vectors)?;
            generation::publish(index_dir, &dir, &lock)?;
            dir
        }
    };
    // The generation this ingest replaced stays until the next one: a reader may have just
    // resolved it.
    let keep: Vec<&Path> = [Some(current.as_path()), previous.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    generation::remove_old(index_dir, &keep, &lock);
    Ok(IngestSummary {
        files: manifest.docs.len() + broken.len(),
        indexed,
        unchanged: plan.unchanged,
        removed: removed.len(),
        broken,
        chunks,
        embedded,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The catalog and vectors of the index in `dir` when they can be built on: same format and
/// embedding model, a vector for every chunk, the BM25 index present.
fn previous_index(dir: &Path, embedder: &Embedder) -> Option<(Manifest, Vectors)> {
    let manifest = Manifest::load(&catalog::manifest_path(dir))
        .ok()
        .flatten()
        .filter(|m| {
            m.version == catalog::FORMAT_VERSION
                && m.model == embedder.name()
                && m.dim == embedder.dim()
                && m.max_tokens == embedder.max_tokens()
        })
        .filter(|_| catalog::tantivy_path(dir).is_dir())?;
    let vectors = catalog::load_vectors(&catalog::vectors_path(dir), manifest.dim).ok()?;
    // Vectors missing for any chunk: the files disagree, start over.
    let complete = manifest
        .docs
        .iter()
        .all(|d| d.chunks.iter().all(|c| vectors.contains_key(&c.id)));
    complete.then_some((manifest, vectors))
}

/// The runbooks this ingest keeps: unchanged files as the previous index has them, new and
/// changed files freshly chunked.
struct Plan {
    docs: Vec<StoredDoc>,
    /// Indexes into `docs` of the files that need embedding and indexing.
    fresh: Vec<usize>,
    /// Files skipped because their content hash was unchanged.
    unchanged: usize,
}

/// Compares `files` with the previous index by sha256: an unchanged file keeps its chunks (and
/// their vectors), a new or changed one is parsed again; files that do not parse go to `broken`.
fn diff(
    files: Vec<RawFile>,
    old_docs: &HashMap<String, StoredDoc>,
    next_id: &mut u64,
    broken: &mut Vec<Broken>,
) -> Plan {
    let mut plan = Plan {
        docs: Vec::new(),
        fresh: Vec::new(),
        unchanged: 0,
    };
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
            plan.docs.push(prev);
            plan.unchanged += 1;
            continue;
        }
        match chunk(file, hash, next_id) {
            Ok(doc) => {
                plan.fresh.push(plan.docs.len());
                plan.docs.push(doc);
            }
            Err(skipped) => broken.push(skipped),
        }
    }
    plan
}

/// Parses one runbook into heading chunks, numbering them from `next_id`.
fn chunk(file: RawFile, hash: String, next_id: &mut u64) -> Result<StoredDoc, Broken> {
    // Not logged here: the caller reports every broken file once, from the summary.
    let doc = markdown::parse_bytes(&file.bytes, &file.stem).map_err(|e| Broken {
        path: file.location.clone(),
        error: e.to_string(),
    })?;
    let mut new_chunk = |headings: Vec<String>, text: String| {
        let id = *next_id;
        *next_id += 1;
        StoredChunk { id, headings, text }
    };
    let chunks = doc
        .sections
        .into_iter()
        .map(|s| new_chunk(s.headings, s.text))
        .collect::<Vec<_>>();
    let chunks = if chunks.is_empty() {
        // A runbook that is only a title still deserves to be found by its name.
        vec![new_chunk(Vec::new(), doc.title.clone())]
    } else {
        chunks
    };
    Ok(StoredDoc {
        key: file.key,
        path: file.path,
        title: doc.title,
        alerts: doc.alerts,
        categories: doc.categories,
        hash,
        chunks,
    })
}

/// The files no longer in the sources: their chunks leave the index.
fn removed_keys(old_docs: &HashMap<String, StoredDoc>, plan: &Plan) -> Vec<String> {
    let kept: HashSet<&str> = plan.docs.iter().map(|d| d.key.as_str()).collect();
    old_docs
        .keys()
        .filter(|k| !kept.contains(k.as_str()))
        .cloned()
        .collect()
}

/// Embeds the chunks of the fresh files into `vectors`; returns how many.
fn embed_fresh(
    embedder: &Embedder,
    plan: &Plan,
    vectors: &mut Vectors,
    progress: &mut dyn FnMut(Progress),
) -> Result<usize, KnowledgeError> {
    let texts: Vec<String> = plan
        .fresh
        .iter()
        .flat_map(|&i| {
            let d = &plan.docs[i];
            d.chunks
                .iter()
                .map(|c| embedding_text(&d.title, &c.headings, &c.text))
        })
        .collect();
    let ids: Vec<u64> = plan
        .fresh
        .iter()
        .flat_map(|&i| plan.docs[i].chunks.iter().map(|c| c.id))
        .collect();
    if !texts.is_empty() {
        progress(Progress::EmbedStart(texts.len()));
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let embedded = embedder.embed(&refs, |n| progress(Progress::Embedded(n)))?;
        for (id, v) in ids.iter().zip(embedded) {
            vectors.insert(*id, v);
        }
    }
    Ok(ids.len())
}

/// A new generation's BM25 index, one document per chunk of the catalog.
fn write_bm25(tantivy_dir: &Path, docs: &[StoredDoc]) -> Result<(), KnowledgeError> {
    let bm = BmIndex::open_or_create(tantivy_dir)?;
    let mut writer = bm.writer()?;
    for d in docs {
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
    Ok(())
}

/// Writes the vectors of the catalog's chunks (those of removed files are left out) and the
/// catalog itself into a generation directory.
fn save(dir: &Path, manifest: &Manifest, vectors: &Vectors) -> Result<(), KnowledgeError> {
    let all_ids: Vec<u64> = manifest
        .docs
        .iter()
        .flat_map(|d| d.chunks.iter().map(|c| c.id))
        .collect();
    catalog::save_vectors(&catalog::vectors_path(dir), manifest.dim, &all_ids, vectors)?;
    manifest.save(&catalog::manifest_path(dir))
}
