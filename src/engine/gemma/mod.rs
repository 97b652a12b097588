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
//!
//! `config` reads the hyper-parameters, `weights` loads GGUF or safetensors weights; this file
//! holds the model and its forward pass.
use candle_core::quantized::{QMatMul, QTensor};
use candle_core::{D, DType, Device, Module, Tensor};

use super::EngineError;
use super::lora::{Adapter, LoraPair};
use crate::numeric::int8::QuantizedLinear;

mod config;
mod weights;

pub use config::GemmaConfig;
pub(crate) use weights::open_gguf;
pub use weights::{LoadOptions, WeightMode};

type Result<T> = std::result::Result<T, EngineError>;

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
    pos: usize,
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

impl Gemma {
    pub(crate) fn device(&self) -> &Device {
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
            return Err(EngineError::Input("no tokens to run".into()));
        }
        let start = cache.pos;
        if start + ids.len() > self.config.context_length {
            return Err(EngineError::Input(format!(
                "{} tokens exceed the model's context of {}",
                start + ids.len(),
                self.config.context_length
            )));
        }
        if let Some(&bad) = ids.iter().find(|&&t| t as usize >= self.config.vocab_size) {
            return Err(EngineError::Input(format!(
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
