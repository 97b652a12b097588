//! Sentence embeddings with all-MiniLM-L6-v2 through candle's BERT: mean pooling over real
//! tokens, L2 normalisation (what sentence-transformers does for this model).
//!
//! Texts are tokenized once, sorted by length and batched so that a batch pads to its own
//! longest text only: on a CPU, padding tokens cost as much as real ones.
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Tokenizer;

/// Tokens per text, as sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2.
pub const MAX_TOKENS: usize = 256;
/// Upper bound of tokens (padded) per forward pass: large enough for efficient matrix products,
/// small enough that activations and attention scores stay in cache. Measured on 428 corpus
/// chunks (2 cores): 2048 tokens / 32 texts embeds 40–43 texts/s, 4096 / 64 only 34–36, 512 33.
const BATCH_TOKENS: usize = 2048;
const MAX_BATCH: usize = 32;

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
    #[error("embedding forward pass: {0}")]
    Candle(#[from] candle_core::Error),
}

/// A loaded MiniLM (or any BERT sentence encoder in the same layout).
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
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
        let config: Config = serde_json::from_str(&config_text)
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
        let device = Device::Cpu;
        // SAFETY: the file is memory-mapped read-only; AIDA never writes model files it reads.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&files[2]], DType::F32, &device) }
            .map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| load_err(format!("model.safetensors: {e}")))?;
        Ok(Self {
            model,
            tokenizer,
            device,
            dim: config.hidden_size,
            max_tokens,
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
    }

    /// Vector length (384 for MiniLM-L6).
    pub fn dim(&self) -> usize {
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

    /// Embeds one text.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        Ok(self.embed(&[text], |_| {})?.pop().unwrap_or_default())
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
            .map(|t| {
                self.tokenizer
                    .encode(*t, true)
                    .map(|e| e.get_ids().to_vec())
                    .map_err(|e| EmbedError::Tokenize(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Longest first, so the first (slowest) batch shows up early in a progress bar.
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            let longest = encodings[order[start]].len().max(1);
            let fit = (BATCH_TOKENS / longest).clamp(1, MAX_BATCH);
            let end = (start + fit).min(order.len());
            let batch: Vec<&[u32]> = order[start..end]
                .iter()
                .map(|&i| encodings[i].as_slice())
                .collect();
            let vectors = self.forward(&batch)?;
            for (&i, v) in order[start..end].iter().zip(vectors) {
                out[i] = v;
            }
            progress(end - start);
            start = end;
        }
        Ok(out)
    }

    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let len = batch.iter().map(|ids| ids.len()).max().unwrap_or(0).max(1);
        let n = batch.len();
        let mut ids = vec![0u32; n * len];
        let mut mask = vec![0u32; n * len];
        for (row, seq) in batch.iter().enumerate() {
            ids[row * len..row * len + seq.len()].copy_from_slice(seq);
            mask[row * len..row * len + seq.len()].fill(1);
        }
        let ids = Tensor::from_vec(ids, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let types = ids.zeros_like()?;
        // A batch of equal lengths needs no mask; skipping it skips a broadcast add per layer.
        let uniform = batch.iter().all(|s| s.len() == len);
        let hidden = self
            .model
            .forward(&ids, &types, if uniform { None } else { Some(&mask) })?;
        // Mean over real tokens only.
        let mask_f = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask_f)?.sum(1)?;
        let counts = mask_f.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        let unit = mean.broadcast_div(&norm)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}
