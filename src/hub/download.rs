//! Fetching files through hf-hub (cache hits without requests, offline listings from the cached
//! snapshot) and checking downloads against the sha256 the Hub announced.
use std::path::{Path, PathBuf};

use hf_hub::api::sync::{ApiBuilder, ApiRepo};
use hf_hub::{Cache, Repo, RepoType};
use sha2::{Digest as _, Sha256};

use super::error::{classify, io_err, what};
use super::{HubError, HubSettings};

/// A progress bar on stderr (only when `progress` is set, i.e. stderr is a terminal).
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(progress: bool) -> Self {
        Self(progress.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ({eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        }))
    }
}

impl hf_hub::api::Progress for Bar {
    fn init(&mut self, size: usize, filename: &str) {
        if let Some(bar) = &self.0 {
            bar.set_length(size as u64);
            bar.set_position(0);
            bar.set_message(filename.to_string());
        }
    }
    fn update(&mut self, size: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(size as u64);
        }
    }
    fn finish(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The files of the cached snapshot `revision` points at (a pull made earlier), `/`-separated.
fn cached_listing(cache_dir: &Path, repo: &Repo, revision: &str) -> Option<Vec<String>> {
    let repo_dir = cache_dir.join(repo.folder_name());
    let commit = std::fs::read_to_string(repo_dir.join("refs").join(revision)).ok()?;
    let snapshot = repo_dir.join("snapshots").join(commit.trim());
    let mut files = Vec::new();
    let mut stack = vec![snapshot.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file()
                && let Ok(rel) = path.strip_prefix(&snapshot)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push(parts.join("/"));
            }
        }
    }
    files.sort();
    (!files.is_empty()).then_some(files)
}

/// The commit directory of a snapshot entry: `.../snapshots/<commit>/<file>`.
pub(super) fn snapshot_commit(path: &Path, file: &str) -> String {
    let depth = Path::new(file).components().count();
    path.ancestors()
        .nth(depth)
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The sha256 a cached file must have: LFS blobs are named after it (`x-linked-etag`); small
/// files carry a git blob id instead, which says nothing about sha256.
fn blob_sha256(snapshot_entry: &Path) -> Option<String> {
    let target = std::fs::read_link(snapshot_entry).ok()?;
    let name = target.file_name()?.to_str()?;
    (name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| name.to_ascii_lowercase())
}

/// Drops a corrupt download everywhere it is visible, so the next pull fetches it again.
fn discard(snapshot_entry: &Path, dest: &Path) {
    if let Ok(target) = std::fs::read_link(snapshot_entry) {
        let blob = snapshot_entry
            .parent()
            .map_or(target.clone(), |dir| dir.join(&target));
        let _ = std::fs::remove_file(blob);
    }
    let _ = std::fs::remove_file(snapshot_entry);
    let _ = std::fs::remove_file(dest);
}

fn sha256_file(path: &Path) -> Result<String, HubError> {
    let mut file = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// One repo at one revision, reached through hf-hub's client and its cache.
pub(super) struct Remote<'a> {
    settings: &'a HubSettings,
    repo_id: &'a str,
    revision: &'a str,
    hf_repo: Repo,
    api_repo: ApiRepo,
}

/// A requested file as it lies in the Hub cache.
pub(super) struct Fetched {
    pub(super) file: String,
    /// The snapshot entry.
    pub(super) path: PathBuf,
    /// Already in the Hub cache: nothing was downloaded.
    pub(super) cached: bool,
}

impl<'a> Remote<'a> {
    pub(super) fn connect(
        settings: &'a HubSettings,
        repo_id: &'a str,
        revision: &'a str,
    ) -> Result<Self, HubError> {
        let api = ApiBuilder::from_cache(Cache::new(settings.cache_dir.clone()))
            .with_endpoint(settings.endpoint.clone())
            .with_token(settings.token.clone())
            .with_progress(false)
            .with_user_agent("aida", env!("CARGO_PKG_VERSION"))
            .build()
            .map_err(|e| classify(e, settings, repo_id, what(repo_id, None, revision)))?;
        let hf_repo =
            Repo::with_revision(repo_id.to_string(), RepoType::Model, revision.to_string());
        let api_repo = api.repo(hf_repo.clone());
        Ok(Self {
            settings,
            repo_id,
            revision,
            hf_repo,
            api_repo,
        })
    }

    /// The repo's file names; offline, those of the snapshot an earlier pull cached.
    pub(super) fn listing(&self) -> Result<Vec<String>, HubError> {
        match self.api_repo.info() {
            Ok(info) => Ok(info.siblings.into_iter().map(|s| s.rfilename).collect()),
            Err(e) => {
                let err = classify(
                    e,
                    self.settings,
                    self.repo_id,
                    what(self.repo_id, None, self.revision),
                );
                // Offline, a repo pulled before can still be installed from the cache.
                match (
                    &err,
                    cached_listing(&self.settings.cache_dir, &self.hf_repo, self.revision),
                ) {
                    (HubError::Unreachable { .. }, Some(files)) => {
                        tracing::warn!("{err}; choosing from the cached snapshot instead");
                        Ok(files)
                    }
                    _ => Err(err),
                }
            }
        }
    }

    /// Finds each of `files` in the Hub cache, or downloads it there.
    pub(super) fn fetch(&self, files: &[String]) -> Result<Vec<Fetched>, HubError> {
        let cache_repo = Cache::new(self.settings.cache_dir.clone()).repo(self.hf_repo.clone());
        let mut fetched = Vec::new();
        for file in files {
            let subject = what(self.repo_id, Some(file), self.revision);
            // hf-hub's own `download` always re-fetches; the snapshot entry is the cache hit.
            let (path, cached) = match cache_repo.get(file) {
                Some(path) => (path, true),
                None => {
                    tracing::info!("downloading {subject}");
                    let path = self
                        .api_repo
                        .download_with_progress(file, Bar::new(self.settings.progress))
                        .map_err(|e| classify(e, self.settings, self.repo_id, subject))?;
                    (path, false)
                }
            };
            fetched.push(Fetched {
                file: file.clone(),
                path,
                cached,
            });
        }
        Ok(fetched)
    }
}

/// The sha256 of the installed `dest`, checked against the one the Hub announced for its blob;
/// on a mismatch the download is discarded everywhere and the error names `subject`.
pub(super) fn verified_sha256(
    snapshot_entry: &Path,
    dest: &Path,
    subject: impl FnOnce() -> String,
) -> Result<String, HubError> {
    let sha = sha256_file(dest)?;
    if let Some(expected) = blob_sha256(snapshot_entry)
        && expected != sha
    {
        discard(snapshot_entry, dest);
        return Err(HubError::Corrupt {
            what: subject(),
            expected,
            got: sha,
        });
    }
    Ok(sha)
}
