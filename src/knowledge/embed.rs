//! Sentence embeddings with all-MiniLM-L6-v2: mean pooling over real tokens, L2 normalisation
//! (what sentence-transformers does for this model), computed by [`BertEncoder`] on weights
//! loaded with candle.
//!
//! Texts are tokenized once and packed into passes of about [`BATCH_TOKENS`] tokens with no
//! padding at all: the encoder concatenates them.
use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;

use super::encoder::{BertConfig, BertEncoder, EncoderError, Precision};

/// Tokens per text, as sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2.
const MAX_TOKENS: usize = 256;
/// Tokens per forward pass. With packing the size hardly matters: 512 to 8192 tokens all embed
/// the corpus at 70–78 texts/s (BENCHMARKS.md); 2048 keeps activations around 10 MB.
const BATCH_TOKENS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error(
        "embedding model not found at {path}: expected config.json, tokenizer.json and model.safetensors (scripts/fetch-models.sh installs them; or set knowledge.embedding_model)"
    )]
    Missing { path: PathBuf },
    #[error("cannot load embedding model from {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("tokenizer: {0}")]
    Tokenize(String),
    #[error("embedding model: {0}")]
    Encoder(#[from] EncoderError),
}

/// A loaded MiniLM (or any BERT sentence encoder in the same layout).
pub struct Embedder {
    model: BertEncoder,
    tokenizer: Tokenizer,
    dim: usize,
    max_tokens: usize,
    name: String,
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let files = ["config.json", "tokenizer.json", "model.safetensors"].map(|f| dir.join(f));
        if files.iter().any(|f| !f.is_file()) {
            return Err(EmbedError::Missing {
                path: dir.to_path_buf(),
            });
        }
        let load_err = |message: String| EmbedError::Load {
            path: dir.to_path_buf(),
            message,
        };
        let config_text = std::fs::read_to_string(&files[0])
            .map_err(|e| load_err(format!("config.json: {e}")))?;
        let config: BertConfig = serde_json::from_str(&config_text)
            .map_err(|e| load_err(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_file(&files[1])
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let max_tokens = MAX_TOKENS.min(config.max_position_embeddings);
        // We pad per batch ourselves; the file's own padding setting would pad every text.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| load_err(format!("tokenizer.json: {e}")))?;
        let model = BertEncoder::load(&config, &files[2])
            .map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        Ok(Self {
            model,
            tokenizer,
            dim: config.hidden_size,
            max_tokens,
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
    }

    /// Vector length (384 for MiniLM-L6).
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// The model directory's name, recorded with the vectors.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Number of tokens `text` is embedded with (after truncation).
    pub fn token_count(&self, text: &str) -> Result<usize, EmbedError> {
        Ok(self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?
            .len())
    }

    /// Embeds one document text, exactly as [`Embedder::embed`] would.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        Ok(self.embed(&[text], |_| {})?.pop().unwrap_or_default())
    }

    /// Embeds a search query: int8 dense layers where the CPU has AVX-512 VNNI (a short text's
    /// latency is what counts; the vector stays within a cosine of about 0.998 of the f32 one,
    /// see BENCHMARKS.md for recall), f32 elsewhere.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let ids = self.encode(text)?;
        Ok(self
            .model
            .embed(&[ids.as_slice()], Precision::Int8)
            .pop()
            .unwrap_or_default())
    }

    /// Whether [`Embedder::embed_query`] runs in int8 on this CPU.
    pub fn int8_queries(&self) -> bool {
        self.model.has_int8()
    }

    fn encode(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        self.tokenizer
            .encode(text, true)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| EmbedError::Tokenize(e.to_string()))
    }

    /// Embeds texts (unit vectors, in input order). `progress` receives the number of texts
    /// finished after each batch.
    pub fn embed(
        &self,
        texts: &[&str],
        mut progress: impl FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.encode(t))
            .collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Longest first, so the slowest pass shows up early in a progress bar.
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            let mut tokens = 0;
            while end < order.len()
                && (end == start || tokens + encodings[order[end]].len() <= BATCH_TOKENS)
            {
                tokens += encodings[order[end]].len();
                end += 1;
            }
            let batch: Vec<&[u32]> = order[start..end]
                .iter()
                .map(|&i| encodings[i].as_slice())
                .collect();
            for (&i, v) in order[start..end]
                .iter()
                .zip(self.model.embed(&batch, Precision::F32))
            {
                out[i] = v;
            }
            progress(end - start);
            start = end;
        }
        Ok(out)
    }
}
