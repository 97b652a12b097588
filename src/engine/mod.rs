//! The local inference engine: Gemma 3 on candle (GGUF or safetensors weights, LoRA adapters),
//! with its tokenizer, generation and scoring.
//!
//! - [`LocalLlm`]: a model and its tokenizer, loaded together ([`LocalLlm::load`]); it generates
//!   ([`LocalLlm::generate`]) and scores text ([`LocalLlm::perplexity`]).
//! - `gemma`: the Gemma 3 model: configuration, weight loading, forward pass over a KV [`Cache`].
//! - `tokenizer`: the tokenizer built from GGUF metadata (or tokenizer.json).
//! - `lora`: PEFT adapters applied as a side path.
//! - `generate`: sampling, generation and perplexity.
//! - `ops`: candle custom ops with vectorised CPU kernels.
//!
//! The engine knows nothing about chat backends: [`crate::llm`] adapts it to its `LlmBackend`
//! trait, and training uses it directly.
use std::path::{Path, PathBuf};
use std::time::Instant;

mod gemma;
mod generate;
mod lora;
mod ops;
mod tokenizer;

pub use gemma::{Cache, Gemma, GemmaConfig, LoadOptions, Logits, WeightMode, target_log_probs};
pub(crate) use generate::GenerateOptions;
pub use generate::Perplexity;
pub use lora::{Adapter, AdapterConfig, TargetModules};
pub use tokenizer::GemmaTokenizer;

type Result<T> = std::result::Result<T, EngineError>;

/// Errors from the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
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
}

impl EngineError {
    /// True for errors the user fixes (bad path, flag, adapter): exit 2.
    pub(crate) fn is_user_error(&self) -> bool {
        matches!(self, Self::Io { .. } | Self::Format(_) | Self::Input(_))
    }
}

/// The compute device: CUDA when built with `--features cuda` and a GPU is present, else CPU.
pub(crate) fn default_device() -> candle_core::Device {
    #[cfg(feature = "cuda")]
    {
        if let Ok(d) = candle_core::Device::new_cuda(0) {
            return d;
        }
    }
    candle_core::Device::Cpu
}

/// A model ready to run.
pub struct LocalLlm {
    pub model: Gemma,
    pub tokenizer: GemmaTokenizer,
    pub(crate) path: PathBuf,
    pub(crate) adapter: Option<PathBuf>,
    /// Time to load weights and tokenizer.
    pub(crate) load_ms: u64,
}

impl std::fmt::Debug for LocalLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLlm")
            .field("path", &self.path)
            .finish()
    }
}

impl LocalLlm {
    /// Loads a GGUF model (tokenizer.json beside it wins over the GGUF vocabulary) or a Hugging
    /// Face checkpoint directory (config.json + safetensors + tokenizer.json), and an optional
    /// PEFT adapter directory.
    pub fn load(path: &Path, adapter: Option<&Path>, opts: &LoadOptions) -> Result<Self> {
        let t0 = Instant::now();
        if path.is_dir() {
            if !path.join("config.json").is_file() {
                return Err(EngineError::Input(format!(
                    "{} is a directory without config.json: pass the .gguf file, or a Hugging Face \
                     checkpoint directory (config.json, *.safetensors, tokenizer.json)",
                    path.display()
                )));
            }
            let tokenizer = GemmaTokenizer::from_json(&path.join("tokenizer.json"))?;
            let model = Gemma::from_safetensors_dir(path, opts)?;
            return Self::finish(model, tokenizer, path, adapter, t0);
        }
        let (ct, mut reader) = gemma::open_gguf(path)?;
        // Building the tokenizer (merges for 262k pieces) and loading weights overlap.
        let (model, tokenizer) = std::thread::scope(|s| {
            let tk = s.spawn(|| GemmaTokenizer::for_model(path, Some(&ct)));
            let model = Gemma::from_gguf_content(&ct, &mut reader, opts);
            let tk = tk.join().unwrap_or_else(|_| {
                Err(EngineError::Tokenizer("tokenizer thread panicked".into()))
            });
            (model, tk)
        });
        Self::finish(model?, tokenizer?, path, adapter, t0)
    }

    fn finish(
        mut model: Gemma,
        tokenizer: GemmaTokenizer,
        path: &Path,
        adapter: Option<&Path>,
        t0: Instant,
    ) -> Result<Self> {
        if let Some(dir) = adapter {
            let a = Adapter::load(dir)?;
            model.set_adapter(Some(&a))?;
        }
        Ok(Self {
            model,
            tokenizer,
            path: path.to_path_buf(),
            adapter: adapter.map(Path::to_path_buf),
            load_ms: t0.elapsed().as_millis() as u64,
        })
    }

    /// Name shown in reports: the file stem.
    pub(crate) fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}
