//! Language models behind one [`LlmBackend`] trait: the local Gemma 3 of [`crate::engine`], or
//! any OpenAI-compatible API.
//!
//! - [`backend`]: the trait and the chat/completion types the agent uses.
//! - [`local`]: the engine's model as a backend (Gemma chat template, blocking generation moved
//!   off the async runtime).
//! - [`openai`]: the OpenAI-compatible backend (async-openai).
//! - [`resolve_model_path`]: which local model file to load.
pub mod backend;
pub(crate) mod local;
pub mod openai;

pub use backend::{
    ChatMessage, ChatRequest, ChatResponse, LlmBackend, ResponseFormat, Role, ToolCall,
    ToolDefinition, Usage,
};

use crate::engine::EngineError;

/// Errors from a language model backend.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The local engine failed (loading, tokenizing, running the model).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A bad argument or input (the user's to fix).
    #[error("{0}")]
    Input(String),
    /// The remote API answered with an error or could not be reached.
    #[error("{0}")]
    Api(String),
    /// The API rejected the credentials (HTTP 401/403).
    #[error("{0}")]
    Auth(String),
    /// The answer could not be understood.
    #[error("{0}")]
    BadResponse(String),
}

impl LlmError {
    /// True for errors the user fixes (bad path, flag, adapter, credentials): exit 2.
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::Engine(e) => e.is_user_error(),
            Self::Input(_) | Self::Auth(_) => true,
            Self::Api(_) | Self::BadResponse(_) => false,
        }
    }
}

/// The local model file: `explicit` (`--model`), else `llm.local.model`, else the Gemma installed
/// by scripts/fetch-models.sh. A directory holding exactly one GGUF file stands for that file; a
/// Hugging Face checkpoint directory (config.json + safetensors) stands for itself.
pub(crate) fn resolve_model_path(
    home: &crate::paths::Home,
    config: &crate::config::Config,
    explicit: Option<&std::path::Path>,
) -> std::path::PathBuf {
    use crate::models::{DEFAULT_LLM_DIR, DEFAULT_LLM_FILE};
    let path = explicit
        .map(std::path::Path::to_path_buf)
        .or_else(|| config.llm.local.model.clone())
        .unwrap_or_else(|| {
            config
                .models_dir(home)
                .join(DEFAULT_LLM_DIR)
                .join(DEFAULT_LLM_FILE)
        });
    if path.is_dir()
        && let Ok(entries) = std::fs::read_dir(&path)
    {
        let ggufs: Vec<std::path::PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "gguf"))
            .collect();
        if ggufs.len() == 1 {
            return ggufs[0].clone();
        }
    }
    path
}
