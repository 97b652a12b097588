//! Generation, sampling and scoring (perplexity) on a loaded [`LocalLlm`].
use std::time::Instant;

use serde::Serialize;

use super::gemma::{Cache, Logits, target_log_probs};
use super::{EngineError, LocalLlm, Result};

/// Prompt tokens run per forward pass: bounds the attention scores and activations in memory.
const PREFILL_CHUNK: usize = 256;

/// Sampling and stopping options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GenerateOptions {
    pub max_tokens: usize,
    /// 0 = greedy.
    pub temperature: f32,
    pub top_p: f32,
    /// 0 = no limit.
    pub top_k: usize,
    /// 1.0 = none; applied to the last `repeat_last_n` tokens.
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    pub seed: u64,
    pub stop: Vec<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            temperature: 0.0,
            top_p: 1.0,
            top_k: 0,
            repeat_penalty: 1.0,
            repeat_last_n: 64,
            seed: 42,
            stop: Vec::new(),
        }
    }
}

/// What `generate` produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Generation {
    pub text: String,
    pub ids: Vec<u32>,
    pub prompt_tokens: usize,
    pub prefill_tok_s: f64,
    pub decode_tok_s: f64,
    pub prefill_ms: u64,
    pub decode_ms: u64,
    /// `eos`, `stop`, or `length`.
    pub finish_reason: String,
}

/// `perplexity` over one sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Perplexity {
    /// Tokens predicted (t1..tN, BOS excluded).
    pub tokens: usize,
    pub nll_mean: f64,
    pub perplexity: f64,
}

impl LocalLlm {
    /// Runs `ids` through the model in chunks; returns the last position's logits.
    pub fn prefill(&self, ids: &[u32], cache: &mut Cache) -> Result<Vec<f32>> {
        let mut last = None;
        let chunks: Vec<&[u32]> = ids.chunks(PREFILL_CHUNK).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let mode = if i + 1 == chunks.len() {
                Logits::Last
            } else {
                Logits::None
            };
            last = self.model.forward(chunk, cache, mode)?;
        }
        let logits = last.ok_or_else(|| EngineError::Input("empty prompt".into()))?;
        Ok(logits.to_vec1::<f32>()?)
    }

    /// Generates a continuation of `prompt` (token ids, BOS included), calling `on_text` with
    /// each new piece of text as soon as it is complete UTF-8.
    pub(crate) fn generate(
        &self,
        prompt: &[u32],
        opts: &GenerateOptions,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(EngineError::Input("the prompt is empty".into()));
        }
        let ctx = self.model.config.context_length;
        if prompt.len() + opts.max_tokens > ctx {
            return Err(EngineError::Input(format!(
                "prompt ({} tokens) + --max-tokens ({}) exceed the context of {ctx}",
                prompt.len(),
                opts.max_tokens
            )));
        }
        let mut cache = Cache::new();
        let t0 = Instant::now();
        let mut logits = self.prefill(prompt, &mut cache)?;
        let prefill = t0.elapsed();
        let mut sampler = Sampler::new(opts.seed);
        let mut history: Vec<u32> = prompt.to_vec();
        let mut out: Vec<u32> = Vec::new();
        let mut text = String::new();
        let mut emitted = 0usize;
        let mut finish = "length";
        let stops: Vec<u32> = [self.tokenizer.eos, self.tokenizer.end_of_turn]
            .into_iter()
            .flatten()
            .collect();
        let t1 = Instant::now();
        let mut decode_steps = 0usize;
        while out.len() < opts.max_tokens {
            let next = sampler.sample(&mut logits, &history, opts);
            if stops.contains(&next) {
                finish = "eos";
                break;
            }
            out.push(next);
            history.push(next);
            text = self.tokenizer.decode(&out, true)?;
            if let Some(cut) = opts
                .stop
                .iter()
                .filter(|s| !s.is_empty())
                .filter_map(|s| text.find(s.as_str()))
                .min()
            {
                text.truncate(cut);
                if cut > emitted {
                    on_text(&text[emitted..]);
                }
                emitted = text.len();
                finish = "stop";
                break;
            }
            // Hold back a trailing partial character (byte-fallback tokens) and anything that
            // could still turn into a stop string.
            let hold = opts
                .stop
                .iter()
                .map(|s| partial_suffix(&text, s))
                .max()
                .unwrap_or(0);
            let ready = if text.ends_with('\u{FFFD}') {
                text.len() - '\u{FFFD}'.len_utf8()
            } else {
                text.len() - hold
            };
            if ready > emitted && text.is_char_boundary(ready) {
                on_text(&text[emitted..ready]);
                emitted = ready;
            }
            if out.len() == opts.max_tokens {
                break;
            }
            let l = self.model.forward(&[next], &mut cache, Logits::Last)?;
            logits = l
                .ok_or_else(|| EngineError::Input("no logits".into()))?
                .to_vec1::<f32>()?;
            decode_steps += 1;
        }
        if emitted < text.len() {
            on_text(&text[emitted..]);
        }
        let decode = t1.elapsed();
        let per_s = |n: usize, d: std::time::Duration| {
            if d.as_secs_f64() > 0.0 {
                n as f64 / d.as_secs_f64()
            } else {
                0.0
            }
        };
        Ok(Generation {
            text,
            ids: out,
            prompt_tokens: prompt.len(),
            prefill_tok_s: per_s(prompt.len(), prefill),
            decode_tok_s: per_s(decode_steps, decode),
            prefill_ms: prefill.as_millis() as u64,
            decode_ms: decode.as_millis() as u64,
            finish_reason: finish.into(),
        })
    }

    /// Natural-log NLL of each token `ids[1..]` given the ones before it (one sequence).
    fn token_nlls(&self, ids: &[u32]) -> Result<Vec<f32>> {
        if ids.len() < 2 {
            return Err(EngineError::Input(
                "need at least one token after BOS to score".into(),
            ));
        }
        let mut cache = Cache::new();
        let mut nlls = Vec::with_capacity(ids.len() - 1);
        // Smaller chunks than prefill: all-position logits are [chunk, 262144] f32.
        let chunk = 128;
        let mut start = 0;
        while start < ids.len() - 1 {
            let end = (start + chunk).min(ids.len() - 1);
            let logits = self
                .model
                .forward(&ids[start..end], &mut cache, Logits::All)?
                .ok_or_else(|| EngineError::Input("no logits".into()))?;
            let lp = target_log_probs(&logits, &ids[start + 1..end + 1])?;
            nlls.extend(lp.into_iter().map(|v| -v));
            start = end;
        }
        Ok(nlls)
    }

    /// Log-likelihood (natural log, summed over tokens) of each continuation after `prompt`
    /// (BOS first). The prompt runs once; every continuation starts from a copy of its
    /// attention cache, so scoring N short labels costs N short forward passes.
    pub fn score_continuations(
        &self,
        prompt: &[u32],
        continuations: &[Vec<u32>],
    ) -> Result<Vec<f64>> {
        if prompt.is_empty() {
            return Err(EngineError::Input("the prompt is empty".into()));
        }
        let longest = continuations.iter().map(Vec::len).max().unwrap_or(0);
        let ctx = self.model.config.context_length;
        if prompt.len() + longest > ctx {
            return Err(EngineError::Input(format!(
                "prompt ({} tokens) + continuation ({longest}) exceed the context of {ctx}",
                prompt.len()
            )));
        }
        let mut cache = Cache::new();
        let last = self.prefill(prompt, &mut cache)?;
        let first_lp = log_softmax(&last);
        let mut out = Vec::with_capacity(continuations.len());
        for cont in continuations {
            let Some(&first) = cont.first() else {
                return Err(EngineError::Input(
                    "an empty continuation cannot be scored".into(),
                ));
            };
            let mut total = f64::from(first_lp[first as usize]);
            if cont.len() > 1 {
                let mut c = cache.clone();
                let logits = self
                    .model
                    .forward(&cont[..cont.len() - 1], &mut c, Logits::All)?
                    .ok_or_else(|| EngineError::Input("no logits".into()))?;
                let lp = target_log_probs(&logits, &cont[1..])?;
                total += lp.iter().map(|&v| f64::from(v)).sum::<f64>();
            }
            out.push(total);
        }
        Ok(out)
    }

    /// Perplexity of `ids` as one sequence (BOS first).
    pub fn perplexity(&self, ids: &[u32]) -> Result<Perplexity> {
        let nlls = self.token_nlls(ids)?;
        let mean = nlls.iter().map(|&v| v as f64).sum::<f64>() / nlls.len() as f64;
        Ok(Perplexity {
            tokens: nlls.len(),
            nll_mean: mean,
            perplexity: mean.exp(),
        })
    }
}

/// Log-softmax of one logits row.
fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&v| f64::from(v - max).exp()).sum();
    let log_z = max + sum.ln() as f32;
    logits.iter().map(|&v| v - log_z).collect()
}

/// Length of the longest proper prefix of `stop` that `text` ends with.
fn partial_suffix(text: &str, stop: &str) -> usize {
    (1..stop.len())
        .rev()
        .filter(|&n| stop.is_char_boundary(n))
        .find(|&n| text.ends_with(&stop[..n]))
        .unwrap_or(0)
}

/// Sampling with a small deterministic PRNG (SplitMix64), so `--seed` reproduces runs.
pub(crate) struct Sampler {
    state: u64,
}

impl Sampler {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn sample(
        &mut self,
        logits: &mut [f32],
        history: &[u32],
        o: &GenerateOptions,
    ) -> u32 {
        if o.repeat_penalty != 1.0 {
            let from = history.len().saturating_sub(o.repeat_last_n);
            let mut seen = std::collections::HashSet::new();
            for &t in &history[from..] {
                if seen.insert(t)
                    && let Some(l) = logits.get_mut(t as usize)
                {
                    *l = if *l > 0.0 {
                        *l / o.repeat_penalty
                    } else {
                        *l * o.repeat_penalty
                    };
                }
            }
        }
        if o.temperature <= 0.0 {
            return argmax(logits);
        }
        let mut idx: Vec<u32> = (0..logits.len() as u32).collect();
        idx.sort_unstable_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]));
        if o.top_k > 0 {
            idx.truncate(o.top_k);
        }
        let max = logits[idx[0] as usize];
        let mut probs: Vec<f64> = idx
            .iter()
            .map(|&i| (((logits[i as usize] - max) / o.temperature) as f64).exp())
            .collect();
        let sum: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= sum);
        if o.top_p < 1.0 {
            let mut acc = 0.0;
            let mut keep = probs.len();
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if acc >= o.top_p as f64 {
                    keep = i + 1;
                    break;
                }
            }
            probs.truncate(keep);
            idx.truncate(keep);
            let s: f64 = probs.iter().sum();
            probs.iter_mut().for_each(|p| *p /= s);
        }
        let mut r = self.next_f64();
        for (i, p) in probs.iter().enumerate() {
            if r < *p {
                return idx[i];
            }
            r -= p;
        }
        idx[probs.len() - 1]
    }
}

pub(crate) fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in logits.iter().enumerate() {
        if *v > logits[best] {
            best = i;
        }
    }
    best as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_is_greedy_at_zero_and_seeded_otherwise() {
        let o = GenerateOptions::default();
        let mut l = vec![0.1, 2.0, 0.5];
        assert_eq!(Sampler::new(1).sample(&mut l, &[], &o), 1);
        let o = GenerateOptions {
            temperature: 1.0,
            top_k: 2,
            ..o
        };
        let draws = |seed| {
            let mut s = Sampler::new(seed);
            (0..50)
                .map(|_| s.sample(&mut [0.1, 2.0, 1.9], &[], &o))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        let d = draws(7);
        assert!(d.contains(&1) && d.contains(&2) && !d.contains(&0));
        // Repeat penalty pushes a seen token below an unseen one.
        let o = GenerateOptions {
            repeat_penalty: 2.0,
            ..GenerateOptions::default()
        };
        assert_eq!(Sampler::new(1).sample(&mut [1.0, 1.5], &[1], &o), 0);
    }

    #[test]
    fn partial_stop_suffixes_are_held() {
        assert_eq!(partial_suffix("abc</", "</end>"), 2);
        assert_eq!(partial_suffix("abc", "</end>"), 0);
    }
}
