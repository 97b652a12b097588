//! Gemma 3 text model (decoder only) on candle.
//!
//! AIDA owns this instead of using candle-transformers' `quantized_gemma3`, which uses SiLU instead
//! of GELU, ignores the sliding window in decode, cannot prefill in chunks and builds RoPE tables
//! for 131k positions per layer (see docs/GEMMA.md). What this file gets right:
//! - GELU (tanh approximation) gated MLP;
//! - sliding-window layers (a query sees the last `window` keys, itself included) interleaved with
//!   global layers, each kind with its own RoPE base; window honoured in prefill and decode;
//! - QK-norm, and the Gemma norm convention: GGUF norm weights already include the `+1`, HF
//!   safetensors weights do not (it is added at load);
//! - chunked prefill over a KV cache; sliding layers keep only the last `window` keys;
//! - RoPE angles computed per call for the positions actually used (no big tables);
//! - weights: GGUF quantized (`QMatMul`, Q5_0 re-quantized to Q8_0 for a SIMD kernel), with an
//!   optional dequantized f32 copy used for multi-token prefill, where f32 GEMM beats the
//!   quantized kernels on CPU; or plain dense weights (safetensors, GPU).
use std::path::Path;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor, gguf_file};

use crate::numeric::int8::{self, QuantizedLinear};
use candle_core::{D, DType, Device, Module, Tensor};

use super::LlmError;
use super::lora::{Adapter, LoraPair};

type Result<T> = std::result::Result<T, LlmError>;

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

/// How the weights are held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightMode {
    /// Quantized weights for decode plus a copy for multi-token prefill (fastest on CPU): int8
    /// with 16-bit activations where the CPU has AVX-512 VNNI (~100 MB more for the 270M model),
    /// dequantized f32 elsewhere (~400 MB more).
    Mixed,
    /// Quantized weights only (smallest).
    Quantized,
    /// Everything dequantized to f32 except the token embedding (reference / tests).
    Dense,
}

/// Options for loading a model.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub mode: WeightMode,
    /// Re-quantize Q5_0 tensors to Q8_0 at load: Q5_0 has no SIMD kernel in candle.
    pub requantize_q5: bool,
    pub device: Device,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            mode: WeightMode::Mixed,
            requantize_q5: true,
            device: Device::Cpu,
        }
    }
}

/// A linear layer `y = W x` (+ LoRA side path) with quantized and/or dense weights.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    quant: Option<QMatMul>,
    /// `[out, in]` f32, used for prefill (or always when there is no quantized copy).
    dense: Option<Tensor>,
    /// Int8 copy for multi-token prefill on CPUs with AVX-512 VNNI (mixed mode).
    int8: Option<std::sync::Arc<QuantizedLinear>>,
    lora: Option<LoraPair>,
}

/// `x·Wᵀ` through the int8 kernels: `x` is `[.., in]` f32 on the CPU.
fn int8_matmul(layer: &QuantizedLinear, x: &Tensor) -> candle_core::Result<Tensor> {
    let mut dims = x.dims().to_vec();
    let inputs = dims.last().copied().unwrap_or(0);
    let rows = x.elem_count() / inputs.max(1);
    let xs = x.flatten_all()?.to_vec1::<f32>()?;
    let mut out = vec![0f32; rows * layer.outputs()];
    layer.forward(&xs, rows, &mut out, false);
    if let Some(last) = dims.last_mut() {
        *last = layer.outputs();
    }
    Tensor::from_vec(out, dims, x.device())
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let rows: usize = x.dims()[..x.rank() - 1].iter().product();
        let base = match (&self.quant, &self.dense) {
            _ if rows > 1 && self.int8.is_some() && x.dtype() == DType::F32 => {
                int8_matmul(self.int8.as_deref().expect("checked"), x)?
            }
            (Some(_), Some(w)) if rows > 1 => x.broadcast_matmul(&w.t()?)?,
            (Some(q), _) => q.forward(x)?,
            (None, Some(w)) => x.broadcast_matmul(&w.t()?)?,
            (None, None) => unreachable!("a Linear always has weights"),
        };
        match &self.lora {
            Some(l) => base + l.forward(x)?,
            None => Ok(base),
        }
    }

    /// The weight as a dense f32 `[out, in]` tensor.
    pub(crate) fn dense_weight(&self) -> candle_core::Result<Tensor> {
        match (&self.dense, &self.quant) {
            (Some(w), _) => Ok(w.clone()),
            (None, Some(QMatMul::QTensor(q))) => q.dequantize(&q.device()),
            (None, Some(QMatMul::Tensor(t))) => Ok(t.clone()),
            (None, Some(QMatMul::TensorF16(t))) => t.to_dtype(DType::F32),
            (None, None) => unreachable!("a Linear always has weights"),
        }
    }

    pub(crate) fn out_in(&self) -> candle_core::Result<(usize, usize)> {
        match (&self.dense, &self.quant) {
            (Some(w), _) => w.dims2(),
            (None, Some(QMatMul::QTensor(q))) => q.shape().dims2(),
            (None, Some(QMatMul::Tensor(t) | QMatMul::TensorF16(t))) => t.dims2(),
            (None, None) => unreachable!("a Linear always has weights"),
        }
    }
}

#[derive(Debug, Clone)]
struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    gate: Linear,
    up: Linear,
    down: Linear,
    q_norm: Tensor,
    k_norm: Tensor,
    attn_norm: Tensor,
    post_attn_norm: Tensor,
    ffn_norm: Tensor,
    post_ffn_norm: Tensor,
    sliding: bool,
}

/// Token embedding: quantized rows are looked up without dequantizing the whole table
/// (262k × 640 f32 would be 670 MB); the same tensor is the tied output projection.
#[derive(Debug, Clone)]
enum Embedding {
    Quant(std::sync::Arc<QTensor>, QMatMul),
    Dense(Tensor),
}

/// The loaded Gemma 3 model (weights only; the KV cache lives in [`Cache`]).
#[derive(Debug, Clone)]
pub struct Gemma {
    pub config: GemmaConfig,
    embedding: Embedding,
    layers: Vec<Layer>,
    final_norm: Tensor,
    device: Device,
}

/// Per-sequence attention state.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    /// Per layer: keys and values `[1, n_kv, T, head_dim]` and the absolute position of the
    /// first cached entry.
    layers: Vec<Option<(Tensor, Tensor, usize)>>,
    /// Number of tokens processed so far (the position of the next token).
    pub pos: usize,
}

impl Cache {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Which positions to compute logits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logits {
    /// Only the last position: `[vocab]`.
    Last,
    /// Every position of the chunk: `[seq, vocab]`.
    All,
    /// None (prefill of a prompt prefix).
    None,
}

fn md<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| LlmError::Format(format!("GGUF metadata has no `{key}`")))
}

fn md_u32(ct: &gguf_file::Content, key: &str) -> Result<usize> {
    md(ct, key)?
        .to_u32()
        .map(|v| v as usize)
        .map_err(|e| LlmError::Format(format!("GGUF metadata `{key}`: {e}")))
}

fn md_f32_or(ct: &gguf_file::Content, key: &str, default: f32) -> f32 {
    ct.metadata
        .get(key)
        .and_then(|v| v.to_f32().ok())
        .unwrap_or(default)
}

impl GemmaConfig {
    pub fn from_gguf(ct: &gguf_file::Content) -> Result<Self> {
        let arch = md(ct, "general.architecture")?
            .to_string()
            .map_err(|e| LlmError::Format(e.to_string()))?
            .clone();
        if arch != "gemma3" {
            return Err(LlmError::Format(format!(
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
            .ok_or_else(|| LlmError::Format("GGUF has no token_embd.weight".into()))?;
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
    pub fn from_hf_config(json: &serde_json::Value) -> Result<Self> {
        let c = json.get("text_config").unwrap_or(json);
        let model_type = c.get("model_type").and_then(|v| v.as_str()).unwrap_or("");
        if !model_type.starts_with("gemma3") {
            return Err(LlmError::Format(format!(
                "config.json: model_type `{model_type}` is not Gemma 3 (AIDA's local engine runs gemma3)"
            )));
        }
        let int = |k: &str| -> Result<usize> {
            c.get(k)
                .and_then(|v| v.as_u64())
                .map(|v| v as usize)
                .ok_or_else(|| {
                    LlmError::Format(format!("config.json: `{k}` missing or not an integer"))
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

/// Opens a GGUF file: its metadata and tensor index, and the reader positioned for the tensors.
pub(crate) fn open_gguf(
    path: &Path,
) -> Result<(gguf_file::Content, std::io::BufReader<std::fs::File>)> {
    let file = std::fs::File::open(path).map_err(|e| LlmError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut reader = std::io::BufReader::new(file);
    let ct = gguf_file::Content::read(&mut reader)
        .map_err(|e| LlmError::Format(format!("{}: not a GGUF file: {e}", path.display())))?;
    Ok((ct, reader))
}

struct GgufLoader<'a, R> {
    ct: &'a gguf_file::Content,
    reader: &'a mut R,
    opts: &'a LoadOptions,
}

impl<R: std::io::Read + std::io::Seek> GgufLoader<'_, R> {
    fn qtensor(&mut self, name: &str) -> Result<QTensor> {
        self.ct
            .tensor(self.reader, name, &self.opts.device)
            .map_err(|e| LlmError::Format(format!("tensor {name}: {e}")))
    }

    fn vector(&mut self, name: &str) -> Result<Tensor> {
        Ok(self.qtensor(name)?.dequantize(&self.opts.device)?)
    }

    fn linear(&mut self, name: &str) -> Result<Linear> {
        let mut q = self.qtensor(name)?;
        let dense_needed = matches!(self.opts.mode, WeightMode::Mixed | WeightMode::Dense);
        let dense = if dense_needed || matches!(q.dtype(), GgmlDType::F32 | GgmlDType::F16) {
            Some(q.dequantize(&self.opts.device)?)
        } else {
            None
        };
        if self.opts.mode == WeightMode::Dense {
            return Ok(Linear {
                quant: None,
                dense,
                int8: None,
                lora: None,
            });
        }
        if self.opts.requantize_q5 && q.dtype() == GgmlDType::Q5_0 {
            let f = match &dense {
                Some(d) => d.clone(),
                None => q.dequantize(&self.opts.device)?,
            };
            q = QTensor::quantize(&f, GgmlDType::Q8_0)?;
        }
        let int8 = match (&dense, self.opts.mode) {
            (Some(d), WeightMode::Mixed) if d.device().is_cpu() && int8::supported() => {
                quantize_int8(d)?.map(std::sync::Arc::new)
            }
            _ => None,
        };
        Ok(Linear {
            quant: Some(QMatMul::from_qtensor(q)?),
            // The int8 copy replaces the f32 one for prefill (a quarter of its memory).
            dense: if self.opts.mode == WeightMode::Mixed && int8.is_none() {
                dense
            } else {
                None
            },
            int8,
            lora: None,
        })
    }
}

/// An int8 copy of a dense `[out, in]` weight, or `None` when its shape does not fit the kernel.
fn quantize_int8(dense: &Tensor) -> Result<Option<QuantizedLinear>> {
    let (outputs, inputs) = dense.dims2()?;
    let rows = dense.flatten_all()?.to_vec1::<f32>()?;
    // 16-bit activations: with 8 the prose fixture's NLL rose 1.2 % and code's 1.6 % over
    // transformers' f32 (0.02 % and 0.13 % with 16), for 1.3x the prefill speed (BENCHMARKS.md).
    Ok(QuantizedLinear::from_rows(
        &rows,
        &vec![0.0; outputs],
        inputs,
        outputs,
        true,
    ))
}

impl Gemma {
    /// Loads a GGUF Gemma 3 model.
    pub fn from_gguf(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let (ct, mut reader) = open_gguf(path)?;
        Self::from_gguf_content(&ct, &mut reader, opts)
    }

    pub fn from_gguf_content<R: std::io::Read + std::io::Seek>(
        ct: &gguf_file::Content,
        reader: &mut R,
        opts: &LoadOptions,
    ) -> Result<Self> {
        let config = GemmaConfig::from_gguf(ct)?;
        let mut l = GgufLoader { ct, reader, opts };
        let emb = l.qtensor("token_embd.weight")?;
        let embedding = if opts.device.is_cpu() {
            let emb = std::sync::Arc::new(emb);
            Embedding::Quant(emb.clone(), QMatMul::from_arc(emb)?)
        } else {
            Embedding::Dense(emb.dequantize(&opts.device)?)
        };
        let mut layers = Vec::with_capacity(config.block_count);
        for i in 0..config.block_count {
            let n = |s: &str| format!("blk.{i}.{s}.weight");
            layers.push(Layer {
                q: l.linear(&n("attn_q"))?,
                k: l.linear(&n("attn_k"))?,
                v: l.linear(&n("attn_v"))?,
                o: l.linear(&n("attn_output"))?,
                gate: l.linear(&n("ffn_gate"))?,
                up: l.linear(&n("ffn_up"))?,
                down: l.linear(&n("ffn_down"))?,
                q_norm: l.vector(&n("attn_q_norm"))?,
                k_norm: l.vector(&n("attn_k_norm"))?,
                attn_norm: l.vector(&n("attn_norm"))?,
                post_attn_norm: l.vector(&n("post_attention_norm"))?,
                ffn_norm: l.vector(&n("ffn_norm"))?,
                post_ffn_norm: l.vector(&n("post_ffw_norm"))?,
                sliding: config.is_sliding(i),
            });
        }
        let final_norm = l.vector("output_norm.weight")?;
        Ok(Self {
            config,
            embedding,
            layers,
            final_norm,
            device: opts.device.clone(),
        })
    }

    /// Loads a Hugging Face Gemma 3 checkpoint directory: `config.json` plus `*.safetensors`
    /// (bf16, f16 or f32; one file or shards). Weights are held dense in f32 on `opts.device` —
    /// the GPU path; on CPU the GGUF quantized path is faster. `opts.mode` is ignored.
    pub fn from_safetensors_dir(dir: &Path, opts: &LoadOptions) -> Result<Self> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| LlmError::Io {
            path: config_path.clone(),
            source: e,
        })?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| LlmError::Format(format!("{}: {e}", config_path.display())))?;
        let config = GemmaConfig::from_hf_config(&json)?;
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| LlmError::Io {
                path: dir.to_path_buf(),
                source: e,
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("adapter_"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(LlmError::Format(format!(
                "{}: no .safetensors weights beside config.json",
                dir.display()
            )));
        }
        // SAFETY: the files are memory-mapped read-only; AIDA never writes to model files while
        // they are loaded.
        let vb = unsafe {
            candle_nn::VarBuilder::from_mmaped_safetensors(&files, DType::F32, &opts.device)?
        };
        // Multimodal checkpoints nest the text model one level deeper.
        let root = if vb.contains_tensor("model.embed_tokens.weight") {
            vb.pp("model")
        } else if vb.contains_tensor("language_model.model.embed_tokens.weight") {
            vb.pp("language_model").pp("model")
        } else {
            return Err(LlmError::Format(format!(
                "{}: no model.embed_tokens.weight: not a Gemma 3 checkpoint",
                dir.display()
            )));
        };
        let (e, f) = (config.embedding_length, config.feed_forward_length);
        let (q, kv, hd) = (
            config.head_count * config.head_dim,
            config.head_count_kv * config.head_dim,
            config.head_dim,
        );
        let dense =
            |vb: &candle_nn::VarBuilder, name: &str, out: usize, inp: usize| -> Result<Linear> {
                Ok(Linear {
                    quant: None,
                    dense: Some(vb.get((out, inp), &format!("{name}.weight"))?),
                    int8: None,
                    lora: None,
                })
            };
        // HF stores Gemma norm weights without the +1 the model multiplies by; GGUF has it baked in.
        let norm = |vb: &candle_nn::VarBuilder, name: &str, n: usize| -> Result<Tensor> {
            Ok((vb.get(n, &format!("{name}.weight"))? + 1.0)?)
        };
        let mut layers = Vec::with_capacity(config.block_count);
        for i in 0..config.block_count {
            let l = root.pp(format!("layers.{i}"));
            let at = l.pp("self_attn");
            let mlp = l.pp("mlp");
            layers.push(Layer {
                q: dense(&at, "q_proj", q, e)?,
                k: dense(&at, "k_proj", kv, e)?,
                v: dense(&at, "v_proj", kv, e)?,
                o: dense(&at, "o_proj", e, q)?,
                gate: dense(&mlp, "gate_proj", f, e)?,
                up: dense(&mlp, "up_proj", f, e)?,
                down: dense(&mlp, "down_proj", e, f)?,
                q_norm: norm(&at, "q_norm", hd)?,
                k_norm: norm(&at, "k_norm", hd)?,
                attn_norm: norm(&l, "input_layernorm", e)?,
                post_attn_norm: norm(&l, "post_attention_layernorm", e)?,
                ffn_norm: norm(&l, "pre_feedforward_layernorm", e)?,
                post_ffn_norm: norm(&l, "post_feedforward_layernorm", e)?,
                sliding: config.is_sliding(i),
            });
        }
        let embedding = Embedding::Dense(root.get((config.vocab_size, e), "embed_tokens.weight")?);
        let final_norm = norm(&root, "norm", e)?;
        Ok(Self {
            config,
            embedding,
            layers,
            final_norm,
            device: opts.device.clone(),
        })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Attaches a LoRA adapter as a side path on the targeted projections (replacing any
    /// adapter attached before).
    pub fn set_adapter(&mut self, adapter: Option<&Adapter>) -> Result<()> {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            for (name, lin) in [
                ("q_proj", &mut layer.q),
                ("k_proj", &mut layer.k),
                ("v_proj", &mut layer.v),
                ("o_proj", &mut layer.o),
                ("gate_proj", &mut layer.gate),
                ("up_proj", &mut layer.up),
                ("down_proj", &mut layer.down),
            ] {
                lin.lora = match adapter {
                    Some(a) => a.pair(i, name, lin.out_in()?, &self.device)?,
                    None => None,
                };
            }
        }
        if let Some(a) = adapter {
            a.check_all_used(self.layers.len())?;
        }
        Ok(())
    }

    /// Merges the attached adapter into dense weights (reference for tests; Dense mode only).
    pub fn merge_adapter(&mut self) -> Result<()> {
        for layer in &mut self.layers {
            for lin in [
                &mut layer.q,
                &mut layer.k,
                &mut layer.v,
                &mut layer.o,
                &mut layer.gate,
                &mut layer.up,
                &mut layer.down,
            ] {
                if let Some(pair) = lin.lora.take() {
                    let w = (lin.dense_weight()? + pair.delta()?)?;
                    lin.dense = Some(w);
                    lin.quant = None;
                    lin.int8 = None;
                }
            }
        }
        Ok(())
    }

    fn embed(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let x = match &self.embedding {
            Embedding::Quant(q, _) => q.embedding(ids)?,
            Embedding::Dense(w) => w.embedding(ids)?,
        };
        x * (self.config.embedding_length as f64).sqrt()
    }

    fn lm_head(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match &self.embedding {
            Embedding::Quant(_, q) => q.forward(x),
            Embedding::Dense(w) => x.broadcast_matmul(&w.t()?),
        }
    }

    /// cos/sin `[seq, head_dim/2]` for positions `start..start+seq`.
    fn rope_tables(
        &self,
        start: usize,
        seq: usize,
        base: f32,
        scale: f32,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let half = self.config.head_dim / 2;
        let inv: Vec<f32> = (0..half)
            .map(|i| 1.0 / base.powf(2.0 * i as f32 / self.config.head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(seq * half);
        let mut sin = Vec::with_capacity(seq * half);
        for p in start..start + seq {
            // f64 angles: positions up to 32k times frequencies near 1 lose precision in f32.
            let p = p as f64 / scale as f64;
            for f in &inv {
                let a = p * *f as f64;
                cos.push(a.cos() as f32);
                sin.push(a.sin() as f32);
            }
        }
        Ok((
            Tensor::from_vec(cos, (seq, half), &self.device)?,
            Tensor::from_vec(sin, (seq, half), &self.device)?,
        ))
    }

    /// Runs `ids` (one chunk, continuing at `cache.pos`) through the model.
    ///
    /// Returns logits as asked: `[vocab]` for [`Logits::Last`], `[seq, vocab]` for
    /// [`Logits::All`], or `None`.
    pub fn forward(
        &self,
        ids: &[u32],
        cache: &mut Cache,
        logits: Logits,
    ) -> Result<Option<Tensor>> {
        if ids.is_empty() {
            return Err(LlmError::Input("no tokens to run".into()));
        }
        let start = cache.pos;
        if start + ids.len() > self.config.context_length {
            return Err(LlmError::Input(format!(
                "{} tokens exceed the model's context of {}",
                start + ids.len(),
                self.config.context_length
            )));
        }
        if let Some(&bad) = ids.iter().find(|&&t| t as usize >= self.config.vocab_size) {
            return Err(LlmError::Input(format!(
                "token id {bad} is outside the vocabulary ({})",
                self.config.vocab_size
            )));
        }
        let hidden = self.forward_hidden(ids, cache)?;
        cache.pos += ids.len();
        let seq = ids.len();
        let out = match logits {
            Logits::None => None,
            Logits::Last => Some(self.lm_head(&hidden.narrow(0, seq - 1, 1)?)?.squeeze(0)?),
            Logits::All => Some(self.lm_head(&hidden)?),
        };
        Ok(out)
    }

    /// Final-normed hidden states `[seq, embedding]` for one chunk; updates the cache (not `pos`).
    fn forward_hidden(&self, ids: &[u32], cache: &mut Cache) -> candle_core::Result<Tensor> {
        let cfg = &self.config;
        let seq = ids.len();
        let start = cache.pos;
        if cache.layers.len() != self.layers.len() {
            cache.layers = vec![None; self.layers.len()];
        }
        let ids_t = Tensor::new(ids, &self.device)?;
        let mut x = self.embed(&ids_t)?.unsqueeze(0)?; // [1, seq, emb]
        let local = self.rope_tables(start, seq, cfg.rope_base_local, 1.0)?;
        let global = self.rope_tables(start, seq, cfg.rope_base_global, cfg.rope_scale_global)?;
        let eps = cfg.rms_norm_eps as f32;
        for (li, layer) in self.layers.iter().enumerate() {
            let residual = x.clone();
            let h = candle_nn::ops::rms_norm(&x, &layer.attn_norm, eps)?;
            let (cos, sin) = if layer.sliding { &local } else { &global };
            let h = self.attention(layer, &h, &mut cache.layers[li], start, cos, sin)?;
            let h = candle_nn::ops::rms_norm(&h, &layer.post_attn_norm, eps)?;
            x = (h + residual)?;
            let residual = x.clone();
            let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, eps)?;
            let g = super::ops::gelu_tanh(&layer.gate.forward(&h)?)?;
            let u = layer.up.forward(&h)?;
            let h = layer.down.forward(&(g * u)?)?;
            let h = candle_nn::ops::rms_norm(&h, &layer.post_ffn_norm, eps)?;
            x = (h + residual)?;
        }
        candle_nn::ops::rms_norm(&x.squeeze(0)?, &self.final_norm, eps)
    }

    fn attention(
        &self,
        layer: &Layer,
        x: &Tensor,
        slot: &mut Option<(Tensor, Tensor, usize)>,
        start: usize,
        cos: &Tensor,
        sin: &Tensor,
    ) -> candle_core::Result<Tensor> {
        let cfg = &self.config;
        let (_, seq, _) = x.dims3()?;
        let (nh, nkv, hd) = (cfg.head_count, cfg.head_count_kv, cfg.head_dim);
        let q = layer.q.forward(x)?.reshape((1, seq, nh, hd))?;
        let k = layer.k.forward(x)?.reshape((1, seq, nkv, hd))?;
        let v = layer.v.forward(x)?.reshape((1, seq, nkv, hd))?;
        let eps = cfg.rms_norm_eps as f32;
        let q = candle_nn::ops::rms_norm(&q, &layer.q_norm, eps)?
            .transpose(1, 2)?
            .contiguous()?;
        let k = candle_nn::ops::rms_norm(&k, &layer.k_norm, eps)?
            .transpose(1, 2)?
            .contiguous()?;
        let v = v.transpose(1, 2)?.contiguous()?;
        let q = candle_nn::rotary_emb::rope(&q, cos, sin)?;
        let k = candle_nn::rotary_emb::rope(&k, cos, sin)?;

        let (k_all, v_all, first) = match slot.take() {
            Some((kc, vc, first)) => (
                Tensor::cat(&[&kc, &k], 2)?,
                Tensor::cat(&[&vc, &v], 2)?,
                first,
            ),
            None => (k, v, start),
        };
        let total = k_all.dim(2)?;
        // Keep what later queries can still see: sliding layers only the last `window` keys.
        let keep = if layer.sliding {
            total.min(cfg.sliding_window)
        } else {
            total
        };
        let drop = total - keep;
        *slot = Some((
            k_all.narrow(2, drop, keep)?,
            v_all.narrow(2, drop, keep)?,
            first + drop,
        ));

        // Scores [1, nkv, rep*seq, T]: the query heads sharing a KV head are stacked as rows.
        let rep = nh / nkv;
        let q = q.reshape((1, nkv, rep * seq, hd))?;
        let scores = (q.matmul(&k_all.t()?)? * cfg.attention_scale)?;
        let scores = scores.reshape((1, nh, seq, total))?;
        let need_mask = seq > 1 || (layer.sliding && total > cfg.sliding_window);
        let scores = if need_mask {
            let window = layer.sliding.then_some(cfg.sliding_window);
            let mask = mask(seq, start, first, total, window, &self.device)?;
            scores.broadcast_add(&mask)?
        } else {
            scores
        };
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let probs = probs.reshape((1, nkv, rep * seq, total))?;
        let out = probs.matmul(&v_all)?; // [1, nkv, rep*seq, hd]
        let out = out
            .reshape((1, nh, seq, hd))?
            .transpose(1, 2)?
            .reshape((1, seq, nh * hd))?;
        layer.o.forward(&out)
    }
}

/// Additive mask `[seq, total]`: query `start+i` sees key `first+j` when it is not in the future
/// and, for sliding layers, fewer than `window` positions back.
fn mask(
    seq: usize,
    start: usize,
    first: usize,
    total: usize,
    window: Option<usize>,
    device: &Device,
) -> candle_core::Result<Tensor> {
    let mut m = vec![0f32; seq * total];
    for i in 0..seq {
        let qp = start + i;
        for j in 0..total {
            let kp = first + j;
            let visible = kp <= qp && window.is_none_or(|w| qp - kp < w);
            if !visible {
                m[i * total + j] = f32::NEG_INFINITY;
            }
        }
    }
    Tensor::from_vec(m, (seq, total), device)
}

/// Log-probabilities of `targets[i]` under `logits[i]` (`logits`: `[n, vocab]`).
pub fn target_log_probs(logits: &Tensor, targets: &[u32]) -> Result<Vec<f32>> {
    let lsm = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let idx = Tensor::new(targets, logits.device())?.unsqueeze(1)?;
    let picked = lsm.gather(&idx, 1)?.squeeze(1)?;
    Ok(picked.to_vec1::<f32>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_mask_sees_window_keys_including_self() {
        let m = mask(3, 10, 8, 5, Some(2), &Device::Cpu).unwrap();
        let m: Vec<Vec<f32>> = m.to_vec2().unwrap();
        // query 10 sees keys 9 and 10; query 12 sees 11, 12.
        let vis = |row: &Vec<f32>| {
            row.iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(j, _)| 8 + j)
                .collect::<Vec<_>>()
        };
        assert_eq!(vis(&m[0]), [9, 10]);
        assert_eq!(vis(&m[1]), [10, 11]);
        assert_eq!(vis(&m[2]), [11, 12]);
        let g = mask(2, 1, 0, 3, None, &Device::Cpu).unwrap();
        let g: Vec<Vec<f32>> = g.to_vec2().unwrap();
        assert_eq!(vis(&g[0]).len(), 2);
        assert_eq!(vis(&g[1]).len(), 3);
    }
}
