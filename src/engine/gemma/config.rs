//! The model's hyper-parameters, from GGUF metadata or a Hugging Face `config.json`.
use candle_core::quantized::gguf_file;

use super::{EngineError, Result};

/// Hyper-parameters read from the GGUF metadata (or config.json).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GemmaConfig {
    pub architecture: String,
    pub block_count: usize,
    pub embedding_length: usize,
    pub feed_forward_length: usize,
    pub head_count: usize,
    pub head_count_kv: usize,
    pub head_dim: usize,
    pub context_length: usize,
    pub sliding_window: usize,
    /// Every `sliding_window_pattern`-th layer is global; the others use the sliding window.
    pub sliding_window_pattern: usize,
    pub rope_base_global: f32,
    pub rope_base_local: f32,
    /// Linear RoPE scaling on the global layers (1.0 = none).
    pub rope_scale_global: f32,
    pub rms_norm_eps: f64,
    pub vocab_size: usize,
    pub attention_scale: f64,
}

impl GemmaConfig {
    pub fn is_sliding(&self, layer: usize) -> bool {
        !(layer + 1).is_multiple_of(self.sliding_window_pattern)
    }
}

fn md<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| EngineError::Format(format!("GGUF metadata has no `{key}`")))
}

fn md_u32(ct: &gguf_file::Content, key: &str) -> Result<usize> {
    md(ct, key)?
        .to_u32()
        .map(|v| v as usize)
        .map_err(|e| EngineError::Format(format!("GGUF metadata `{key}`: {e}")))
}

fn md_f32_or(ct: &gguf_file::Content, key: &str, default: f32) -> f32 {
    ct.metadata
        .get(key)
        .and_then(|v| v.to_f32().ok())
        .unwrap_or(default)
}

impl GemmaConfig {
    pub(super) fn from_gguf(ct: &gguf_file::Content) -> Result<Self> {
        let arch = md(ct, "general.architecture")?
            .to_string()
            .map_err(|e| EngineError::Format(e.to_string()))?
            .clone();
        if arch != "gemma3" {
            return Err(EngineError::Format(format!(
                "unsupported GGUF architecture `{arch}` (AIDA's local engine runs gemma3)"
            )));
        }
        let p = |k: &str| format!("{arch}.{k}");
        let head_count = md_u32(ct, &p("attention.head_count"))?;
        let embedding_length = md_u32(ct, &p("embedding_length"))?;
        let head_dim =
            md_u32(ct, &p("attention.key_length")).unwrap_or(embedding_length / head_count.max(1));
        let vocab_size = ct
            .tensor_infos
            .get("token_embd.weight")
            .map(|t| t.shape.dims()[0])
            .ok_or_else(|| EngineError::Format("GGUF has no token_embd.weight".into()))?;
        let scale = if ct.metadata.contains_key(&p("rope.scaling.factor"))
            && ct
                .metadata
                .get(&p("rope.scaling.type"))
                .and_then(|v| v.to_string().ok())
                .is_some_and(|t| t == "linear")
        {
            md_f32_or(ct, &p("rope.scaling.factor"), 1.0)
        } else {
            1.0
        };
        Ok(Self {
            architecture: arch.clone(),
            block_count: md_u32(ct, &p("block_count"))?,
            embedding_length,
            feed_forward_length: md_u32(ct, &p("feed_forward_length"))?,
            head_count,
            head_count_kv: md_u32(ct, &p("attention.head_count_kv"))?,
            head_dim,
            context_length: md_u32(ct, &p("context_length")).unwrap_or(32768),
            sliding_window: md_u32(ct, &p("attention.sliding_window")).unwrap_or(512),
            sliding_window_pattern: md_u32(ct, &p("attention.sliding_window_type")).unwrap_or(6),
            rope_base_global: md_f32_or(ct, &p("rope.freq_base"), 1_000_000.0),
            rope_base_local: md_f32_or(ct, &p("rope.local_freq_base"), 10_000.0),
            rope_scale_global: scale,
            rms_norm_eps: md_f32_or(ct, &p("attention.layer_norm_rms_epsilon"), 1e-6) as f64,
            vocab_size,
            // Gemma 3 scales queries by query_pre_attn_scalar^-1/2 = head_dim^-1/2 (all but 27B).
            attention_scale: 1.0 / (head_dim as f64).sqrt(),
        })
    }
}

impl GemmaConfig {
    /// From a Hugging Face `config.json` (`Gemma3ForCausalLM`, or the text part of a multimodal
    /// `Gemma3ForConditionalGeneration` under `text_config`).
    pub(super) fn from_hf_config(json: &serde_json::Value) -> Result<Self> {
        let c = json.get("text_config").unwrap_or(json);
        let model_type = c.get("model_type").and_then(|v| v.as_str()).unwrap_or("");
        if !model_type.starts_with("gemma3") {
            return Err(EngineError::Format(format!(
                "config.json: model_type `{model_type}` is not Gemma 3 (AIDA's local engine runs gemma3)"
            )));
        }
        let int = |k: &str| -> Result<usize> {
            c.get(k)
                .and_then(|v| v.as_u64())
                .map(|v| v as usize)
                .ok_or_else(|| {
                    EngineError::Format(format!("config.json: `{k}` missing or not an integer"))
                })
        };
        let float = |k: &str, default: f64| c.get(k).and_then(|v| v.as_f64()).unwrap_or(default);
        let head_count = int("num_attention_heads")?;
        let embedding_length = int("hidden_size")?;
        let head_dim = int("head_dim").unwrap_or(embedding_length / head_count.max(1));
        let scale = c
            .get("rope_scaling")
            .filter(|r| r.get("rope_type").and_then(|t| t.as_str()) == Some("linear"))
            .and_then(|r| r.get("factor"))
            .and_then(|f| f.as_f64())
            .unwrap_or(1.0);
        let pattern = match c.get("layer_types").and_then(|v| v.as_array()) {
            // Newer configs list each layer; the pattern is where the first global one sits.
            Some(types) => types
                .iter()
                .position(|t| t.as_str() == Some("full_attention"))
                .map_or(usize::MAX, |i| i + 1),
            None => int("sliding_window_pattern").unwrap_or(6),
        };
        Ok(Self {
            architecture: "gemma3".into(),
            block_count: int("num_hidden_layers")?,
            embedding_length,
            feed_forward_length: int("intermediate_size")?,
            head_count,
            head_count_kv: int("num_key_value_heads")?,
            head_dim,
            context_length: int("max_position_embeddings").unwrap_or(32768),
            sliding_window: int("sliding_window").unwrap_or(512),
            sliding_window_pattern: pattern,
            rope_base_global: float("rope_theta", 1_000_000.0) as f32,
            rope_base_local: float("rope_local_base_freq", 10_000.0) as f32,
            rope_scale_global: scale as f32,
            rms_norm_eps: float("rms_norm_eps", 1e-6),
            vocab_size: int("vocab_size")?,
            attention_scale: 1.0 / float("query_pre_attn_scalar", head_dim as f64).sqrt(),
        })
    }
}
