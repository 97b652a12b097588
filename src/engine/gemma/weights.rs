//! Loading the weights: a GGUF file (quantized, with an optional prefill copy) or a Hugging Face
//! safetensors checkpoint (dense).
use std::path::Path;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor, gguf_file};
use candle_core::{DType, Device, Tensor};

use super::{Embedding, EngineError, Gemma, GemmaConfig, Layer, Linear, Result};
use crate::numeric::int8::{self, QuantizedLinear};

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

/// Opens a GGUF file: its metadata and tensor index, and the reader positioned for the tensors.
pub(crate) fn open_gguf(
    path: &Path,
) -> Result<(gguf_file::Content, std::io::BufReader<std::fs::File>)> {
    let file = std::fs::File::open(path).map_err(|e| EngineError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut reader = std::io::BufReader::new(file);
    let ct = gguf_file::Content::read(&mut reader)
        .map_err(|e| EngineError::Format(format!("{}: not a GGUF file: {e}", path.display())))?;
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
            .map_err(|e| EngineError::Format(format!("tensor {name}: {e}")))
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

    pub(crate) fn from_gguf_content<R: std::io::Read + std::io::Seek>(
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
    pub(crate) fn from_safetensors_dir(dir: &Path, opts: &LoadOptions) -> Result<Self> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|e| EngineError::Io {
            path: config_path.clone(),
            source: e,
        })?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| EngineError::Format(format!("{}: {e}", config_path.display())))?;
        let config = GemmaConfig::from_hf_config(&json)?;
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| EngineError::Io {
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
            return Err(EngineError::Format(format!(
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
            return Err(EngineError::Format(format!(
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
}
