//! A BERT encoder forward pass over packed sequences, for sentence embeddings on the CPU.
//!
//! candle-transformers' `BertModel` needs a padded `[batch, len]` input, runs every elementwise
//! step as its own tensor op (a fresh buffer and a pass over memory each), and computes the exact
//! GELU with a scalar `erf`. Profiled on this project's corpus that left gemm at only 53 % of the
//! time. Here the texts of a batch are concatenated without padding (`[tokens, hidden]`), so the
//! dense layers — nearly all the arithmetic — are one matrix product per layer over real tokens
//! only; attention alone runs per text and head. Bias adds ride in the matrix product's
//! accumulator, residuals are added in place, and GELU and softmax use vectorisable polynomial
//! `exp`/`erf`. Weights are loaded with candle from the same `model.safetensors`; the test
//! module checks the output against candle-transformers' `BertModel`.
use std::path::Path;
use std::sync::OnceLock;

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Tensor};
pub use candle_transformers::models::bert::Config as BertConfig;
use candle_transformers::models::bert::HiddenAct;
use gemm::Parallelism;
use rayon::prelude::*;

use crate::numeric::int8::{self, QuantizedLinear};
use crate::numeric::{dot, exp_approx, gelu_erf_in_place as gelu_in_place, sum};

/// Arithmetic of the dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 throughout: documents, whose vectors are stored.
    F32,
    /// Int8 dense layers where the CPU has AVX-512 VNNI (f32 elsewhere): queries, which are
    /// short and latency-bound.
    Int8,
}

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("{0}")]
    Unsupported(String),
    #[error("tensor {name}: {message}")]
    Tensor { name: String, message: String },
    #[error("{0}")]
    Candle(#[from] candle_core::Error),
}

/// A dense layer with its weight stored transposed (`[in, out]`, row-major) so the matrix
/// product reads it along rows.
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value projections fused into one `[hidden, 3 * hidden]` product.
    qkv: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    up: Linear,
    down: Linear,
    out_norm: LayerNorm,
    /// The four dense layers in int8, on CPUs that run the int8 kernels; quantized on first
    /// use, so that ingest (documents, f32 only) does not pay for it.
    quantized: OnceLock<Option<QuantizedLayer>>,
}

impl Layer {
    fn int8(&self) -> Option<&QuantizedLayer> {
        self.quantized
            .get_or_init(|| {
                int8::supported()
                    .then(|| QuantizedLayer::new(&self.qkv, &self.attn_out, &self.up, &self.down))
                    .flatten()
            })
            .as_ref()
    }
}

struct QuantizedLayer {
    qkv: QuantizedLinear,
    attn_out: QuantizedLinear,
    up: QuantizedLinear,
    down: QuantizedLinear,
}

impl QuantizedLayer {
    fn new(qkv: &Linear, attn_out: &Linear, up: &Linear, down: &Linear) -> Option<Self> {
        let q =
            |l: &Linear, wide| QuantizedLinear::new(&l.weight, &l.bias, l.inputs, l.outputs, wide);
        // Rounding the query/key/value inputs to 8 bits caused over half of the query vectors'
        // error (cosine to f32 0.9982 -> 0.9991 with them in 16 bits) and moved a dev query
        // out of the top 3; the other layers' inputs tolerate 8 bits (BENCHMARKS.md).
        Some(Self {
            qkv: q(qkv, true)?,
            attn_out: q(attn_out, false)?,
            up: q(up, false)?,
            down: q(down, false)?,
        })
    }
}

/// `out = x·W + b` (or `+=`), in int8 when a quantized copy is given.
fn dense(
    layer: &Linear,
    quantized: Option<&QuantizedLinear>,
    x: &[f32],
    rows: usize,
    out: &mut [f32],
    accumulate: bool,
) {
    match quantized {
        Some(q) => q.forward(x, rows, out, accumulate),
        None => layer.forward(x, rows, out, accumulate),
    }
}

pub struct BertEncoder {
    hidden: usize,
    heads: usize,
    eps: f32,
    max_positions: usize,
    vocab: usize,
    word: Vec<f32>,
    /// Position embeddings with the (single) token type's embedding already added.
    position_type: Vec<f32>,
    embed_norm: LayerNorm,
    layers: Vec<Layer>,
}

impl BertEncoder {
    /// Loads the encoder from a `model.safetensors` written for `BertModel` (with or without the
    /// `bert.` prefix).
    pub fn load(config: &BertConfig, weights: &Path) -> Result<Self, EncoderError> {
        // Positions are always absolute (the only kind candle's config parses).
        if config.hidden_act != HiddenAct::Gelu {
            // serde names the variants in lower case, as config.json spells them.
            let act = format!("{:?}", config.hidden_act).to_lowercase();
            return Err(EncoderError::Unsupported(format!(
                "hidden_act \"{act}\" (only \"gelu\" encoders are supported)"
            )));
        }
        let heads = config.num_attention_heads;
        if heads == 0 || !config.hidden_size.is_multiple_of(heads) {
            return Err(EncoderError::Unsupported(format!(
                "hidden_size {} is not a multiple of num_attention_heads {heads}",
                config.hidden_size
            )));
        }
        // SAFETY: the file is memory-mapped read-only; AIDA never writes model files it reads.
        // Mapping instead of reading keeps one copy of each tensor (ours) in memory, not two.
        let weights = Weights {
            file: unsafe { MmapedSafetensors::new(weights)? },
        };
        let (h, inter) = (config.hidden_size, config.intermediate_size);
        let word = weights.matrix("embeddings.word_embeddings.weight", config.vocab_size, h)?;
        let mut position_type = weights.matrix(
            "embeddings.position_embeddings.weight",
            config.max_position_embeddings,
            h,
        )?;
        let (types, shape) = weights.get("embeddings.token_type_embeddings.weight")?;
        if shape.len() != 2 || shape[0] == 0 || shape[1] != h {
            return Err(EncoderError::Tensor {
                name: "embeddings.token_type_embeddings.weight".into(),
                message: format!("shape {shape:?}, config.json implies [_, {h}]"),
            });
        }
        for row in position_type.chunks_exact_mut(h) {
            for (p, t) in row.iter_mut().zip(&types[..h]) {
                *p += t;
            }
        }
        let embed_norm = weights.layer_norm("embeddings.LayerNorm", h)?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let qkv = Linear::fused(&[
                weights.linear(&format!("{p}.attention.self.query"), h, h)?,
                weights.linear(&format!("{p}.attention.self.key"), h, h)?,
                weights.linear(&format!("{p}.attention.self.value"), h, h)?,
            ]);
            let attn_out = weights.linear(&format!("{p}.attention.output.dense"), h, h)?;
            let up = weights.linear(&format!("{p}.intermediate.dense"), h, inter)?;
            let down = weights.linear(&format!("{p}.output.dense"), inter, h)?;
            layers.push(Layer {
                qkv,
                attn_out,
                attn_norm: weights.layer_norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                up,
                down,
                out_norm: weights.layer_norm(&format!("{p}.output.LayerNorm"), h)?,
                quantized: OnceLock::new(),
            });
        }
        Ok(Self {
            hidden: h,
            heads,
            eps: config.layer_norm_eps as f32,
            max_positions: config.max_position_embeddings,
            vocab: config.vocab_size,
            word,
            position_type,
            embed_norm,
            layers,
        })
    }

    /// Whether [`Precision::Int8`] runs int8 here (otherwise it is f32). Quantizes the layers
    /// if no query has yet.
    pub fn has_int8(&self) -> bool {
        self.layers.iter().all(|l| l.int8().is_some())
    }

    /// Mean-pooled, L2-normalised embeddings of `texts` (token ids, at most
    /// `max_position_embeddings` each), in order. The texts are encoded together in one pass.
    pub fn embed(&self, texts: &[&[u32]], precision: Precision) -> Vec<Vec<f32>> {
        let h = self.hidden;
        let lens: Vec<usize> = texts
            .iter()
            .map(|t| t.len().min(self.max_positions))
            .collect();
        let total: usize = lens.iter().sum();
        if total == 0 {
            return texts.iter().map(|_| vec![0.0; h]).collect();
        }
        let mut starts = Vec::with_capacity(texts.len());
        let mut at = 0;
        for len in &lens {
            starts.push(at);
            at += len;
        }
        let mut x = vec![0f32; total * h];
        for ((ids, &start), &len) in texts.iter().zip(&starts).zip(&lens) {
            for (pos, &id) in ids[..len].iter().enumerate() {
                // An id outside the vocabulary cannot come from the model's own tokenizer; [UNK]
                // (100 in BERT vocabularies, clamped for small test models) keeps it harmless.
                let id = if (id as usize) < self.vocab {
                    id as usize
                } else {
                    100.min(self.vocab - 1)
                };
                let row = &mut x[(start + pos) * h..(start + pos + 1) * h];
                let word = &self.word[id * h..(id + 1) * h];
                let position = &self.position_type[pos * h..(pos + 1) * h];
                for ((o, w), p) in row.iter_mut().zip(word).zip(position) {
                    *o = w + p;
                }
            }
        }
        self.embed_norm.apply_rows(&mut x, self.eps);

        let spans: Vec<(usize, usize)> = starts.iter().copied().zip(lens.iter().copied()).collect();
        let mut qkv = vec![0f32; total * 3 * h];
        let mut context = vec![0f32; total * h];
        let inter = self.layers.first().map_or(0, |l| l.up.outputs);
        let mut up = vec![0f32; total * inter];
        for layer in &self.layers {
            let q = match precision {
                Precision::Int8 => layer.int8(),
                Precision::F32 => None,
            };
            dense(&layer.qkv, q.map(|q| &q.qkv), &x, total, &mut qkv, false);
            self.attention(&qkv, &spans, &mut context);
            // x = LayerNorm(x + context·W + b): the residual is the accumulator's start.
            dense(
                &layer.attn_out,
                q.map(|q| &q.attn_out),
                &context,
                total,
                &mut x,
                true,
            );
            layer.attn_norm.apply_rows(&mut x, self.eps);
            dense(&layer.up, q.map(|q| &q.up), &x, total, &mut up, false);
            gelu_in_place(&mut up);
            dense(&layer.down, q.map(|q| &q.down), &up, total, &mut x, true);
            layer.out_norm.apply_rows(&mut x, self.eps);
        }

        spans
            .iter()
            .map(|&(start, len)| {
                let mut mean = vec![0f32; h];
                for row in x[start * h..(start + len) * h].chunks_exact(h) {
                    for (m, v) in mean.iter_mut().zip(row) {
                        *m += v;
                    }
                }
                let inv = 1.0 / len.max(1) as f32;
                mean.iter_mut().for_each(|m| *m *= inv);
                let norm = dot(&mean, &mean).sqrt().max(1e-12);
                mean.iter_mut().for_each(|m| *m /= norm);
                mean
            })
            .collect()
    }

    /// Self-attention of every text and head; writes `[tokens, hidden]` context vectors.
    fn attention(&self, qkv: &[f32], spans: &[(usize, usize)], context: &mut [f32]) {
        let h = self.hidden;
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        let out = SendPtr(context.as_mut_ptr());
        let jobs: Vec<(usize, usize, usize)> = spans
            .iter()
            .filter(|&&(_, len)| len > 0)
            .flat_map(|&(start, len)| (0..self.heads).map(move |head| (start, len, head)))
            .collect();
        let job = |scores: &mut Vec<f32>, (start, len, head): (usize, usize, usize)| {
            scores.clear();
            scores.resize(len * len, 0.0);
            let q = qkv[start * 3 * h + head * d..].as_ptr();
            let k = qkv[start * 3 * h + h + head * d..].as_ptr();
            let v = qkv[start * 3 * h + 2 * h + head * d..].as_ptr();
            let row = (3 * h) as isize;
            // SAFETY: every pointer/stride pair stays inside `qkv` (rows start..start+len,
            // columns head*d..head*d+d of each third) or `scores` (len x len).
            unsafe {
                gemm::gemm(
                    len,
                    len,
                    d,
                    scores.as_mut_ptr(),
                    1,
                    len as isize,
                    false,
                    q,
                    1,
                    row,
                    k,
                    row,
                    1,
                    0.0,
                    scale,
                    false,
                    false,
                    false,
                    Parallelism::None,
                );
            }
            for r in scores.chunks_exact_mut(len) {
                softmax_in_place(r);
            }
            // SAFETY: jobs write disjoint blocks of `context` — rows start..start+len of text,
            // columns head*d..head*d+d — and `context` outlives the parallel loop.
            unsafe {
                let dst = out.get().add(start * h + head * d);
                gemm::gemm(
                    len,
                    d,
                    len,
                    dst,
                    1,
                    h as isize,
                    false,
                    scores.as_ptr(),
                    1,
                    len as isize,
                    v,
                    1,
                    row,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    Parallelism::None,
                );
            }
        };
        // Even a short query's 12 heads gain from the second thread (embedding p50 3.45 ms
        // this way, 3.9 ms with attention on the calling thread).
        jobs.into_par_iter().for_each_init(Vec::new, job);
    }
}

/// A raw pointer that may cross into rayon's workers; see the SAFETY notes where it is used.
#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: only used for disjoint writes inside one parallel loop.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}
impl SendPtr {
    fn get(self) -> *mut f32 {
        self.0
    }
}

impl Linear {
    fn fused(parts: &[Linear]) -> Linear {
        let inputs = parts[0].inputs;
        let outputs: usize = parts.iter().map(|p| p.outputs).sum();
        let mut weight = vec![0f32; inputs * outputs];
        let mut bias = Vec::with_capacity(outputs);
        let mut column = 0;
        for p in parts {
            for r in 0..inputs {
                weight[r * outputs + column..r * outputs + column + p.outputs]
                    .copy_from_slice(&p.weight[r * p.outputs..(r + 1) * p.outputs]);
            }
            bias.extend_from_slice(&p.bias);
            column += p.outputs;
        }
        Linear {
            weight,
            bias,
            inputs,
            outputs,
        }
    }

    /// `out = x·W + b` (or `out += x·W + b` with `accumulate`) for `rows` rows of `x`.
    fn forward(&self, x: &[f32], rows: usize, out: &mut [f32], accumulate: bool) {
        debug_assert_eq!(x.len(), rows * self.inputs);
        debug_assert_eq!(out.len(), rows * self.outputs);
        for row in out.chunks_exact_mut(self.outputs) {
            if accumulate {
                row.iter_mut().zip(&self.bias).for_each(|(o, b)| *o += b);
            } else {
                row.copy_from_slice(&self.bias);
            }
        }
        let threads = rayon::current_num_threads();
        // Splitting a product this small costs more in synchronisation than it saves.
        let parallelism = if rows * self.inputs * self.outputs < 1 << 20 || threads < 2 {
            Parallelism::None
        } else {
            Parallelism::Rayon(threads)
        };
        // SAFETY: x is rows x inputs, weight inputs x outputs, out rows x outputs, all
        // row-major and contiguous, as the strides say.
        unsafe {
            gemm::gemm(
                rows,
                self.outputs,
                self.inputs,
                out.as_mut_ptr(),
                1,
                self.outputs as isize,
                true,
                x.as_ptr(),
                1,
                self.inputs as isize,
                self.weight.as_ptr(),
                1,
                self.outputs as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
        }
    }
}

impl LayerNorm {
    fn apply_rows(&self, x: &mut [f32], eps: f32) {
        let n = self.gamma.len();
        for row in x.chunks_exact_mut(n) {
            let mean = sum(row) / n as f32;
            row.iter_mut().for_each(|v| *v -= mean);
            let var = dot(row, row) / n as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gamma).zip(&self.beta) {
                *v = *v * inv * g + b;
            }
        }
    }
}

/// The checkpoint's tensors, found with or without a `bert.` prefix.
struct Weights {
    file: MmapedSafetensors,
}

impl Weights {
    /// A tensor's values and shape. f32 tensors are read straight from the mapped file (one
    /// copy); other dtypes go through candle's conversion.
    fn get(&self, name: &str) -> Result<(Vec<f32>, Vec<usize>), EncoderError> {
        let prefixed = format!("bert.{name}");
        let (key, view) = match self.file.get(name) {
            Ok(view) => (name, view),
            Err(_) => match self.file.get(&prefixed) {
                Ok(view) => (prefixed.as_str(), view),
                Err(_) => {
                    return Err(EncoderError::Tensor {
                        name: name.to_string(),
                        message: "missing from model.safetensors".into(),
                    });
                }
            },
        };
        let shape = view.shape().to_vec();
        let values = if view.dtype() == safetensors::Dtype::F32 {
            view.data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        } else {
            let t = self.file.load(key, &Device::Cpu)?;
            to_vec(&t, name)?
        };
        Ok((values, shape))
    }

    fn shaped(&self, name: &str, dims: &[usize], meaning: &str) -> Result<Vec<f32>, EncoderError> {
        let (values, shape) = self.get(name)?;
        if shape != dims {
            return Err(EncoderError::Tensor {
                name: name.to_string(),
                message: format!("shape {shape:?}, {meaning} {dims:?}"),
            });
        }
        Ok(values)
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Vec<f32>, EncoderError> {
        self.shaped(name, &[rows, cols], "config.json implies")
    }

    fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>, EncoderError> {
        self.shaped(name, &[len], "config.json implies")
    }

    /// A PyTorch `[out, in]` weight, stored transposed.
    fn linear(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Linear, EncoderError> {
        let raw = self.matrix(&format!("{prefix}.weight"), outputs, inputs)?;
        let mut weight = vec![0f32; inputs * outputs];
        for (o, row) in raw.chunks_exact(inputs).enumerate() {
            for (i, &w) in row.iter().enumerate() {
                weight[i * outputs + o] = w;
            }
        }
        Ok(Linear {
            weight,
            bias: self.vector(&format!("{prefix}.bias"), outputs)?,
            inputs,
            outputs,
        })
    }

    fn layer_norm(&self, prefix: &str, len: usize) -> Result<LayerNorm, EncoderError> {
        // Old BERT checkpoints name LayerNorm's parameters gamma/beta.
        let pick = |new: &str, old: &str| {
            self.vector(&format!("{prefix}.{new}"), len)
                .or_else(|_| self.vector(&format!("{prefix}.{old}"), len))
        };
        Ok(LayerNorm {
            gamma: pick("weight", "gamma")?,
            beta: pick("bias", "beta")?,
        })
    }
}

fn to_vec(t: &Tensor, name: &str) -> Result<Vec<f32>, EncoderError> {
    t.to_dtype(DType::F32)?
        .flatten_all()?
        .to_vec1::<f32>()
        .map_err(|e| EncoderError::Tensor {
            name: name.to_string(),
            message: e.to_string(),
        })
}

fn softmax_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for v in row.iter_mut() {
        *v = exp_approx(*v - max);
    }
    let inv = 1.0 / sum(row);
    row.iter_mut().for_each(|v| *v *= inv);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_rows_sum_to_one() {
        let mut row = vec![1.0, 2.0, 3.0, -50.0, 0.5, 0.25, 7.0, 1.5, 2.5];
        softmax_in_place(&mut row);
        assert!((sum(&row) - 1.0).abs() < 1e-6);
        let e: Vec<f64> = [1.0f64, 2.0, 3.0, -50.0, 0.5, 0.25, 7.0, 1.5, 2.5]
            .iter()
            .map(|v| (v - 7.0).exp())
            .collect();
        let z: f64 = e.iter().sum();
        for (got, want) in row.iter().zip(e.iter().map(|v| v / z)) {
            assert!((*got as f64 - want).abs() < 1e-6);
        }
    }

    #[test]
    fn fused_linear_keeps_each_part_in_its_columns() {
        let a = Linear {
            weight: vec![1.0, 2.0, 3.0, 4.0],
            bias: vec![0.5, -0.5],
            inputs: 2,
            outputs: 2,
        };
        let b = Linear {
            weight: vec![10.0, 20.0],
            bias: vec![1.0],
            inputs: 2,
            outputs: 1,
        };
        let fused = Linear::fused(&[a, b]);
        let mut out = vec![0.0; 3];
        fused.forward(&[1.0, 1.0], 1, &mut out, false);
        assert_eq!(out, vec![4.0 + 0.5, 6.0 - 0.5, 30.0 + 1.0]);
        fused.forward(&[1.0, 0.0], 1, &mut out, true);
        assert_eq!(out, vec![4.5 + 1.5, 5.5 + 1.5, 31.0 + 11.0]);
    }
}
