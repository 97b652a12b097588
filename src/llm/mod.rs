//! The LLM engine: a local Gemma 3 on candle (GGUF, LoRA) and any OpenAI-compatible API, behind
//! one [`LlmBackend`] trait.
//!
//! - [`gemma`]: the Gemma 3 forward pass (quantized GGUF on CPU; dense weights for GPU).
//! - [`tokenizer`]: the tokenizer built from GGUF metadata (or tokenizer.json).
//! - [`lora`]: PEFT adapters applied as a side path.
//! - [`local`]: model + tokenizer + sampling: generation and scoring, and the local backend.
//! - [`openai`]: the OpenAI-compatible backend (async-openai).
//! - [`backend`]: the trait and the chat/completion types the agent uses.
use std::path::PathBuf;

pub mod backend;
pub mod gemma;
pub mod local;
pub mod lora;
pub mod openai;
mod ops;
pub mod tokenizer;

pub use backend::{
    ChatMessage, ChatRequest, ChatResponse, LlmBackend, ResponseFormat, Role, ToolCall,
    ToolDefinition, Usage,
};
pub use gemma::{Cache, Gemma, GemmaConfig, LoadOptions, Logits, WeightMode};
pub use local::{GenerateOptions, Generation, LocalLlm, Perplexity};
pub use lora::Adapter;
pub use tokenizer::GemmaTokenizer;

/// Errors from the LLM engine.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The model or adapter file is not what we can run.
    #[error("{0}")]
    Format(String),
    /// A bad argument or input (the user's to fix).
    #[error("{0}")]
    Input(String),
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
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
        matches!(
            self,
            Self::Io { .. } | Self::Format(_) | Self::Input(_) | Self::Auth(_)
        )
    }
}

/// The compute device: CUDA when built with `--features cuda` and a GPU is present, else CPU.
pub fn default_device() -> candle_core::Device {
    #[cfg(feature = "cuda")]
    {
        if let Ok(d) = candle_core::Device::new_cuda(0) {
            return d;
        }
    }
    candle_core::Device::Cpu
}

/// The local model file: `explicit` (`--model`), else `llm.local.model`, else the Gemma installed
/// by scripts/fetch-models.sh. A directory holding exactly one GGUF file stands for that file; a
/// Hugging Face checkpoint directory (config.json + safetensors) stands for itself.
pub fn resolve_model_path(
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
