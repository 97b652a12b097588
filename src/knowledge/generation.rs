//! Generations of the index: how a reader never sees a half-written one.
//!
//! Every ingest that changes something writes a complete index (catalog, vectors, tantivy) into
//! a fresh `gen-<n>/` beside the previous one, syncs it to disk, and only then replaces the small
//! `CURRENT` file naming it (write to a temporary file, fsync, rename: atomic on POSIX). A reader
//! resolves `CURRENT` once and opens that directory; whatever an ingest does meanwhile happens in
//! another directory. Writers take `ingest.lock` (an advisory lock held for the whole ingest).
//!
//! Old generations are removed by the next ingest, under the lock: every generation that was
//! already superseded when that ingest started goes, so a reader that resolved `CURRENT` just
//! before a switch still finds its directory (and [`super::KnowledgeBase::open_dir`] retries
//! with the new `CURRENT` should it lose that race anyway). An index from before generations
//! (files directly in the index directory) is read as the current one until an ingest replaces it.
use std::fs::File;
use std::path::{Path, PathBuf};

use super::{KnowledgeError, catalog};

const CURRENT: &str = "CURRENT";
const LOCK: &str = "ingest.lock";
const PREFIX: &str = "gen-";

/// The directory holding the current index: the generation `CURRENT` names, else the layout from
/// before generations when present, else `None` (nothing ingested).
pub(super) fn current(index_dir: &Path) -> Result<Option<PathBuf>, KnowledgeError> {
    match current_name(index_dir)? {
        Some(name) => Ok(Some(index_dir.join(name))),
        None if catalog::manifest_path(index_dir).is_file() => Ok(Some(index_dir.to_path_buf())),
        None => Ok(None),
    }
}

/// The generation `CURRENT` names (`gen-<n>`), checked so that it cannot point elsewhere.
fn current_name(index_dir: &Path) -> Result<Option<String>, KnowledgeError> {
    let path = index_dir.join(CURRENT);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KnowledgeError::io(&path, e)),
    };
    let name = text.trim();
    if number(name).is_none() {
        return Err(KnowledgeError::Corrupt {
            path,
            message: format!("names {name:?}, not a generation"),
        });
    }
    Ok(Some(name.to_string()))
}

/// `gen-<n>` → n.
fn number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The generation directories present, with their numbers.
fn generations(index_dir: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(index_dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let n = number(&e.file_name().to_string_lossy())?;
            Some((n, e.path()))
        })
        .collect()
}

/// The exclusive right to write generations; released when dropped.
pub(super) struct WriterLock {
    _file: File,
}

/// Takes the writer lock without waiting: a second ingest fails, naming the lock file.
pub(super) fn lock(index_dir: &Path) -> Result<WriterLock, KnowledgeError> {
    std::fs::create_dir_all(index_dir).map_err(|e| KnowledgeError::io(index_dir, e))?;
    let path = index_dir.join(LOCK);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| KnowledgeError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(WriterLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(KnowledgeError::Locked { path }),
        Err(std::fs::TryLockError::Error(e)) => Err(KnowledgeError::io(&path, e)),
    }
}

/// A new, empty generation directory numbered after every existing one (a failed ingest's
/// leftover included: it is never current, and the next ingest removes it).
pub(super) fn create(index_dir: &Path, _lock: &WriterLock) -> Result<PathBuf, KnowledgeError> {
    let next = generations(index_dir)
        .iter()
        .map(|(n, _)| n + 1)
        .max()
        .unwrap_or(1);
    let dir = index_dir.join(format!("{PREFIX}{next}"));
    std::fs::create_dir(&dir).map_err(|e| KnowledgeError::io(&dir, e))?;
    Ok(dir)
}

/// Makes `generation` the current one: its files are synced first, then `CURRENT` is replaced.
pub(super) fn publish(
    index_dir: &Path,
    generation: &Path,
    _lock: &WriterLock,
) -> Result<(), KnowledgeError> {
    sync_tree(generation)?;
    let name = generation
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    debug_assert!(number(&name).is_some(), "{name}");
    catalog::write_atomic(&index_dir.join(CURRENT), format!("{name}\n").as_bytes())?;
    // The rename itself is durable once the directory is.
    sync_dir(index_dir)
}

/// Removes, best effort, what no reader can be opening any more: the generations other than
/// `keep` (the current one and the one it replaced), and the files of the layout from before
/// generations once a generation is current.
pub(super) fn remove_old(index_dir: &Path, keep: &[&Path], _lock: &WriterLock) {
    let remove = |path: &Path| {
        let result = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        if let Err(e) = result
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an old index generation");
        }
    };
    for (_, dir) in generations(index_dir) {
        if !keep.iter().any(|k| *k == dir) {
            remove(&dir);
        }
    }
    if matches!(current_name(index_dir), Ok(Some(_))) && !keep.contains(&index_dir) {
        for legacy in [
            catalog::manifest_path(index_dir),
            catalog::vectors_path(index_dir),
            catalog::tantivy_path(index_dir),
        ] {
            if legacy.exists() {
                remove(&legacy);
            }
        }
    }
}

/// fsync of every file and directory under `dir` (tantivy syncs its own commits, but the
/// catalog must not be the only thing that survives a crash right after the switch).
fn sync_tree(dir: &Path) -> Result<(), KnowledgeError> {
    let entries = std::fs::read_dir(dir).map_err(|e| KnowledgeError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| KnowledgeError::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| KnowledgeError::io(&path, e))?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), KnowledgeError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| KnowledgeError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_follows_the_pointer_and_falls_back_to_the_old_layout() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path();
        assert_eq!(current(index).unwrap(), None);
        // The layout from before generations.
        std::fs::write(catalog::manifest_path(index), "{}").unwrap();
        assert_eq!(current(index).unwrap().as_deref(), Some(index));

        let lock = lock(index).unwrap();
        let first = create(index, &lock).unwrap();
        assert!(first.ends_with("gen-1"));
        // Created but not published: readers still see the old one.
        assert_eq!(current(index).unwrap().as_deref(), Some(index));
        publish(index, &first, &lock).unwrap();
        assert_eq!(current(index).unwrap(), Some(first.clone()));

        std::fs::write(index.join(CURRENT), "../../etc\n").unwrap();
        let err = current(index).unwrap_err();
        assert!(matches!(err, KnowledgeError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn old_generations_go_on_the_next_ingest_and_leftovers_never_get_reused() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path();
        std::fs::write(catalog::manifest_path(index), "{}").unwrap();
        std::fs::create_dir(catalog::tantivy_path(index)).unwrap();
        let lock = lock(index).unwrap();
        let g1 = create(index, &lock).unwrap();
        publish(index, &g1, &lock).unwrap();
        let g2 = create(index, &lock).unwrap();
        publish(index, &g2, &lock).unwrap();
        // A failed ingest left this one behind, unpublished.
        let g3 = create(index, &lock).unwrap();
        remove_old(index, &[&g1, &g2], &lock);
        assert!(g1.is_dir() && g2.is_dir() && !g3.exists());
        assert!(!catalog::manifest_path(index).exists());
        assert!(!catalog::tantivy_path(index).exists());
        // Only a number never published is used again.
        let g4 = create(index, &lock).unwrap();
        assert!(g4.ends_with("gen-3"), "{}", g4.display());
        publish(index, &g4, &lock).unwrap();
        remove_old(index, &[&g2, &g4], &lock);
        assert!(!g1.exists() && g2.is_dir() && g4.is_dir());
        assert_eq!(current(index).unwrap(), Some(g4));
    }

    #[test]
    fn a_second_writer_is_refused_naming_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        let err = lock(dir.path()).err().expect("the lock is held");
        let path = dir.path().join(LOCK);
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        drop(held);
        lock(dir.path()).unwrap();
    }
}
