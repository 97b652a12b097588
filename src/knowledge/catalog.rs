//! The catalog of the index, what `aida ingest` keeps beside tantivy: the manifest of ingested
//! runbooks and their chunks (`chunks.json`) and the chunk vectors (`vectors.bin`, little-endian
//! f32, one record per chunk id). Both are replaced atomically.
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::KnowledgeError;

/// Bumped when the layout or the chunking changes: an older index is rebuilt.
pub(super) const FORMAT_VERSION: u32 = 1;
const VECTORS_MAGIC: &[u8; 8] = b"AIDAVEC1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub(super) version: u32,
    /// Embedding model name and settings the vectors were made with.
    pub(super) model: String,
    pub(super) dim: usize,
    pub(super) max_tokens: usize,
    pub(super) next_id: u64,
    pub(super) docs: Vec<StoredDoc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredDoc {
    /// Source-qualified identity (`<dir>:<relative path>` or `builtin:<relative path>`).
    pub(super) key: String,
    /// Path shown in results (relative to its runbook directory; `runbooks/...` when built in).
    pub(super) path: String,
    pub(super) title: String,
    pub(super) alerts: Vec<String>,
    pub(super) categories: Vec<String>,
    /// sha256 of the file bytes.
    pub(super) hash: String,
    pub(super) chunks: Vec<StoredChunk>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredChunk {
    pub(super) id: u64,
    pub(super) headings: Vec<String>,
    pub(super) text: String,
}

impl Manifest {
    pub(super) fn empty(model: &str, dim: usize, max_tokens: usize) -> Self {
        Self {
            version: FORMAT_VERSION,
            model: model.to_string(),
            dim,
            max_tokens,
            next_id: 0,
            docs: Vec::new(),
        }
    }

    pub(super) fn load(path: &Path) -> Result<Option<Self>, KnowledgeError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KnowledgeError::io(path, source)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| KnowledgeError::Corrupt {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
    }

    pub(super) fn save(&self, path: &Path) -> Result<(), KnowledgeError> {
        let bytes = serde_json::to_vec(self).expect("manifest serialises");
        write_atomic(path, &bytes)
    }
}

/// Chunk id → unit vector.
pub(super) type Vectors = HashMap<u64, Vec<f32>>;

pub(super) fn load_vectors(path: &Path, dim: usize) -> Result<Vectors, KnowledgeError> {
    let corrupt = |message: &str| KnowledgeError::Corrupt {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vectors::new()),
        Err(source) => return Err(KnowledgeError::io(path, source)),
    };
    if bytes.len() < 20 || &bytes[..8] != VECTORS_MAGIC {
        return Err(corrupt("not an AIDA vector file"));
    }
    let file_dim = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let count = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    if file_dim != dim {
        return Err(corrupt(&format!(
            "vectors have {file_dim} dimensions, expected {dim}"
        )));
    }
    let record = 8 + 4 * dim;
    if bytes.len() != 20 + count * record {
        return Err(corrupt("truncated"));
    }
    let mut vectors = Vectors::with_capacity(count);
    for rec in bytes[20..].chunks_exact(record) {
        let id = u64::from_le_bytes(rec[..8].try_into().unwrap());
        let v = rec[8..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        vectors.insert(id, v);
    }
    Ok(vectors)
}

/// Writes the vectors of `ids` (in that order).
pub(super) fn save_vectors(
    path: &Path,
    dim: usize,
    ids: &[u64],
    vectors: &Vectors,
) -> Result<(), KnowledgeError> {
    let mut bytes = Vec::with_capacity(20 + ids.len() * (8 + 4 * dim));
    bytes.extend_from_slice(VECTORS_MAGIC);
    bytes.extend_from_slice(&(dim as u32).to_le_bytes());
    bytes.extend_from_slice(&(ids.len() as u64).to_le_bytes());
    for id in ids {
        let v = &vectors[id];
        bytes.extend_from_slice(&id.to_le_bytes());
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    write_atomic(path, &bytes)
}

pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), KnowledgeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| KnowledgeError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| KnowledgeError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| KnowledgeError::io(path, e.error))?;
    Ok(())
}

pub(super) fn manifest_path(dir: &Path) -> PathBuf {
    dir.join("chunks.json")
}

pub(super) fn vectors_path(dir: &Path) -> PathBuf {
    dir.join("vectors.bin")
}

pub(super) fn tantivy_path(dir: &Path) -> PathBuf {
    dir.join("tantivy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_and_reject_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.bin");
        let mut vectors = Vectors::new();
        vectors.insert(7, vec![0.5, -1.0, 2.0]);
        vectors.insert(3, vec![1.0, 0.0, 0.0]);
        save_vectors(&path, 3, &[3, 7], &vectors).unwrap();
        assert_eq!(load_vectors(&path, 3).unwrap(), vectors);
        assert!(load_vectors(&path, 4).is_err());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(matches!(
            load_vectors(&path, 3),
            Err(KnowledgeError::Corrupt { .. })
        ));
        assert!(
            load_vectors(&dir.path().join("none"), 3)
                .unwrap()
                .is_empty()
        );
    }
}
