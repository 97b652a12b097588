//! Downloading models from the Hugging Face Hub (`aida model pull`).
//!
//! hf-hub's synchronous client does the transfers and keeps the standard cache
//! (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, laid out as
//! `models--org--name/{blobs,snapshots,refs}`), so Python tools and AIDA share downloads. This
//! module decides which files to fetch, turns transport and HTTP failures into messages a user can
//! act on, and makes the snapshot visible as `<models_dir>/<name>/` with a `SOURCE.json`, which is
//! where the rest of AIDA looks for models.
//!
//! - `select`: the aliases, which files to take from a repo listing, checks on user-given names;
//! - `download`: hf-hub transfers and cache hits, sha256 checks of downloads;
//! - `install`: the links under the models directory and their `SOURCE.json`;
//! - `error`: [`HubError`] and the mapping from hf-hub's failures.
use std::path::{Path, PathBuf};

use serde::Serialize;

mod download;
mod error;
mod install;
mod select;
#[cfg(test)]
mod tests;

use download::Remote;
pub(crate) use error::HubError;
use install::{check_target, install_files, remove_stale, write_provenance};
use select::{
    Alias, Selection, base_name, check_dir_name, check_file_name, check_repo_id, check_revision,
    find_alias, select_files,
};

/// The public Hub; `HF_ENDPOINT` replaces it (mirrors, tests).
const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// What `--quant` defaults to when a repo holds several GGUF files.
pub(crate) const DEFAULT_QUANT: &str = "Q4_K_M";
/// The provenance `origin` of pulled models.
const ORIGIN: &str = "huggingface";

/// Where and how to talk to the Hub.
#[derive(Clone)]
pub(crate) struct HubSettings {
    pub(crate) endpoint: String,
    /// The hub cache directory (the one holding `models--*` folders).
    pub(crate) cache_dir: PathBuf,
    pub(crate) token: Option<String>,
    /// Draw a progress bar on stderr.
    pub(crate) progress: bool,
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
    pub(crate) fn from_env(token: Option<String>, progress: bool) -> Result<Self, HubError> {
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
pub(crate) struct PullRequest {
    /// A repo id (`org/name`) or an alias from [`ALIASES`].
    pub(crate) repo: String,
    /// Files to fetch; empty = the alias's files, else chosen from the repo listing.
    pub(crate) files: Vec<String>,
    /// Branch, tag or commit; default `main`.
    pub(crate) revision: Option<String>,
    /// Directory name under the models directory; default the alias, else the repo's name.
    pub(crate) name: Option<String>,
    /// Which GGUF to take when a repo has several.
    pub(crate) quant: String,
}

/// One file made available under the models directory.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PulledFile {
    pub(crate) name: String,
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
    /// Already in the Hub cache: nothing was downloaded.
    pub(crate) cached: bool,
    /// Where the bytes live in the Hub cache (the snapshot entry).
    pub(crate) cache_path: PathBuf,
    /// `symlink`, or `copy` where symlinks are not possible.
    pub(crate) link: &'static str,
}

/// The outcome of a pull.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pulled {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) repo: String,
    pub(crate) revision: String,
    /// The commit the files came from.
    pub(crate) commit: String,
    /// How the files were chosen, in words.
    pub(crate) selection: String,
    pub(crate) endpoint: String,
    pub(crate) cache_dir: PathBuf,
    pub(crate) files: Vec<PulledFile>,
}

/// Downloads (or finds in the Hub cache) the requested files and installs them as
/// `<models_dir>/<name>/` with a `SOURCE.json`.
pub(crate) fn pull(
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
    check_revision(&revision)?;
    if settings.endpoint.is_empty() {
        return Err(HubError::BadEndpoint {
            endpoint: String::new(),
            detail: "empty".into(),
        });
    }

    let dir = models_dir.join(&name);
    let previous = check_target(&dir, &repo_id)?;

    let remote = Remote::connect(settings, &repo_id, &revision)?;
    let selection = choose(request, alias, &remote, settings, &repo_id, &revision)?;
    let fetched = remote.fetch(&selection.files)?;

    let commits: Vec<String> = fetched
        .iter()
        .map(|f| download::snapshot_commit(&f.path, &f.file))
        .collect();
    let commit = commits.first().cloned().unwrap_or_default();
    if commits.iter().any(|c| *c != commit) {
        tracing::warn!(
            "{repo_id}: files come from different commits ({}): the branch moved between pulls",
            commits.join(", ")
        );
    }

    let files = install_files(
        &dir,
        fetched,
        &commits,
        previous.as_ref(),
        &repo_id,
        &revision,
    )?;
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

/// The files to pull: those named with `--file`, else the alias's, else chosen from the repo
/// listing.
fn choose(
    request: &PullRequest,
    alias: Option<&Alias>,
    remote: &Remote,
    settings: &HubSettings,
    repo_id: &str,
    revision: &str,
) -> Result<Selection, HubError> {
    if !request.files.is_empty() {
        let mut files: Vec<String> = Vec::new();
        for f in &request.files {
            if !files.contains(f) {
                files.push(f.clone());
            }
        }
        return Ok(Selection {
            files,
            reason: "the files named with --file".into(),
        });
    }
    if let Some(a) = alias {
        return Ok(Selection {
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
        });
    }
    let siblings = remote.listing()?;
    let selection = select_files(repo_id, &siblings, &request.quant)?;
    for f in &selection.files {
        check_file_name(f).map_err(|_| HubError::Protocol {
            endpoint: settings.endpoint.clone(),
            what: error::what(repo_id, None, revision),
            detail: format!("the listing names an unsafe path {f:?}"),
        })?;
    }
    Ok(selection)
}
