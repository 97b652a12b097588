//! Making a pull visible under the models directory: symlinks (or copies) of the cached files
//! in `<models_dir>/<name>/`, and the `SOURCE.json` that records where they came from.
use std::path::Path;

use super::download::{Fetched, verified_sha256};
use super::error::{io_err, what};
use super::select::check_file_name;
use super::{HubError, ORIGIN, PulledFile};
use crate::models::Provenance;

/// The existing `SOURCE.json` of `dir` when a previous pull of `repo` made it; an error when the
/// directory holds something else (a PyPI install, files copied by hand).
pub(super) fn check_target(dir: &Path, repo: &str) -> Result<Option<Provenance>, HubError> {
    let mut entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(HubError::DirTaken {
                dir: dir.to_path_buf(),
                repo: repo.to_string(),
                found: "a file".into(),
            });
        }
        Err(source) => {
            return Err(HubError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    if entries.next().is_none() {
        return Ok(None);
    }
    let source = std::fs::read_to_string(dir.join("SOURCE.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Provenance>(&text).ok());
    match source {
        Some(p) if p.origin == ORIGIN && p.model == repo => Ok(Some(p)),
        Some(p) => Err(HubError::DirTaken {
            dir: dir.to_path_buf(),
            repo: repo.to_string(),
            found: format!("origin {}, model {}", p.origin, p.model),
        }),
        None => Err(HubError::DirTaken {
            dir: dir.to_path_buf(),
            repo: repo.to_string(),
            found: "no SOURCE.json".into(),
        }),
    }
}

/// Points `dest` at the cached file: a symlink, or a copy where the file system refuses links.
pub(super) fn install_file(cached: &Path, dest: &Path) -> Result<&'static str, HubError> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    if std::fs::symlink_metadata(dest).is_ok() {
        std::fs::remove_file(dest).map_err(io_err(dest))?;
    }
    let target = std::path::absolute(cached).map_err(io_err(cached))?;
    #[cfg(unix)]
    if std::os::unix::fs::symlink(&target, dest).is_ok() {
        return Ok("symlink");
    }
    #[cfg(windows)]
    if std::os::windows::fs::symlink_file(&target, dest).is_ok() {
        return Ok("symlink");
    }
    // Write beside the destination, then rename: an interrupted copy never looks complete.
    let tmp = dest.with_extension("aida-partial");
    std::fs::copy(&target, &tmp).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, dest).map_err(io_err(dest))?;
    Ok("copy")
}

/// Removes files an earlier pull into the same directory installed but this one did not.
pub(super) fn remove_stale(dir: &Path, previous: &Provenance, current: &[PulledFile]) {
    for name in previous.files.keys() {
        if current.iter().any(|f| &f.name == name) || check_file_name(name).is_err() {
            continue;
        }
        let path = dir.join(name);
        if std::fs::remove_file(&path).is_ok() {
            tracing::info!("removed {} (no longer part of this pull)", path.display());
        }
    }
}

pub(super) fn write_provenance(
    dir: &Path,
    repo: &str,
    commits: &[String],
    files: &[PulledFile],
) -> Result<(), HubError> {
    let mut map = serde_json::Map::new();
    for (f, commit) in files.iter().zip(commits) {
        map.insert(
            f.name.clone(),
            serde_json::json!({
                "sha256": f.sha256, "bytes": f.bytes, "repo": repo, "revision": commit,
            }),
        );
    }
    let provenance = Provenance {
        model: repo.to_string(),
        origin: ORIGIN.to_string(),
        packages: Vec::new(),
        files: map,
    };
    let path = dir.join("SOURCE.json");
    let tmp = dir.join("SOURCE.json.tmp");
    let text = serde_json::to_string_pretty(&provenance).map_err(|e| HubError::Io {
        path: path.clone(),
        source: e.into(),
    })?;
    std::fs::write(&tmp, text + "\n").map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io_err(&path))
}

/// Installs the fetched files into `dir` and hashes them; a file the previous pull installed from
/// the same commit with the same size keeps the hash its `SOURCE.json` recorded.
pub(super) fn install_files(
    dir: &Path,
    fetched: Vec<Fetched>,
    commits: &[String],
    previous: Option<&Provenance>,
    repo_id: &str,
    revision: &str,
) -> Result<Vec<PulledFile>, HubError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut files = Vec::new();
    for (Fetched { file, path, cached }, commit) in fetched.into_iter().zip(commits) {
        let dest = dir.join(&file);
        let link = install_file(&path, &dest)?;
        let bytes = std::fs::metadata(&dest).map_err(io_err(&dest))?.len();
        // Hashing a large file again on every pull is wasted work when nothing changed.
        let known = previous.and_then(|p| p.files.get(&file)).filter(|v| {
            v["revision"].as_str() == Some(commit.as_str()) && v["bytes"].as_u64() == Some(bytes)
        });
        let sha256 = match known.and_then(|v| v["sha256"].as_str()) {
            Some(s) => s.to_string(),
            None => verified_sha256(&path, &dest, || what(repo_id, Some(&file), revision))?,
        };
        files.push(PulledFile {
            name: file,
            bytes,
            sha256,
            cached,
            cache_path: path,
            link,
        });
    }
    Ok(files)
}
