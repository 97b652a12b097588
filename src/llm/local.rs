//! The local model: Gemma weights + tokenizer + sampling. Generation, scoring (perplexity) and
//! the local [`LlmBackend`].
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::LlmError;
use super::backend::{BoxFuture, ChatMessage, ChatRequest, ChatResponse, LlmBackend, Role, Usage};
use super::gemma::{Cache, Gemma, LoadOptions, Logits, target_log_probs};
use super::lora::Adapter;
use super::tokenizer::GemmaTokenizer;

type Result<T> = std::result::Result<T, LlmError>;

/// Prompt tokens run per forward pass: bounds the attention scores and activations in memory.
pub const PREFILL_CHUNK: usize = 256;

/// A model ready to run.
pub struct LocalLlm {
    pub model: Gemma,
    pub tokenizer: GemmaTokenizer,
    pub path: PathBuf,
    pub adapter: Option<PathBuf>,
    /// Time to load weights and tokenizer.
    pub load_ms: u64,
}

impl std::fmt::Debug for LocalLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLlm")
            .field("path", &self.path)
            .finish()
    }
}

/// Sampling and stopping options.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
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
pub struct Generation {
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
    /// Loads a GGUF model (tokenizer.json beside it wins over the GGUF vocabulary) or a Hugging
    /// Face checkpoint directory (config.json + safetensors + tokenizer.json), and an optional
    /// PEFT adapter directory.
    pub fn load(path: &Path, adapter: Option<&Path>, opts: &LoadOptions) -> Result<Self> {
        let t0 = Instant::now();
        if path.is_dir() {
            if !path.join("config.json").is_file() {
                return Err(LlmError::Input(format!(
                    "{} is a directory without config.json: pass the .gguf file, or a Hugging Face \
                     checkpoint directory (config.json, *.safetensors, tokenizer.json)",
                    path.display()
                )));
            }
            let tokenizer = GemmaTokenizer::from_json(&path.join("tokenizer.json"))?;
            let model = Gemma::from_safetensors_dir(path, opts)?;
            return Self::finish(model, tokenizer, path, adapter, t0);
        }
        let (ct, mut reader) = super::gemma::open_gguf(path)?;
        // Building the tokenizer (merges for 262k pieces) and loading weights overlap.
        let (model, tokenizer) = std::thread::scope(|s| {
            let tk = s.spawn(|| GemmaTokenizer::for_model(path, Some(&ct)));
            let model = Gemma::from_gguf_content(&ct, &mut reader, opts);
            let tk = tk
                .join()
                .unwrap_or_else(|_| Err(LlmError::Tokenizer("tokenizer thread panicked".into())));
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
        let logits = last.ok_or_else(|| LlmError::Input("empty prompt".into()))?;
        Ok(logits.to_vec1::<f32>()?)
    }

    /// Generates a continuation of `prompt` (token ids, BOS included), calling `on_text` with
    /// each new piece of text as soon as it is complete UTF-8.
    pub fn generate(
        &self,
        prompt: &[u32],
        opts: &GenerateOptions,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Generation> {
        if prompt.is_empty() {
            return Err(LlmError::Input("the prompt is empty".into()));
        }
        let ctx = self.model.config.context_length;
        if prompt.len() + opts.max_tokens > ctx {
            return Err(LlmError::Input(format!(
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
                .ok_or_else(|| LlmError::Input("no logits".into()))?
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
    pub fn token_nlls(&self, ids: &[u32]) -> Result<Vec<f32>> {
        if ids.len() < 2 {
            return Err(LlmError::Input(
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
                .ok_or_else(|| LlmError::Input("no logits".into()))?;
            let lp = target_log_probs(&logits, &ids[start + 1..end + 1])?;
            nlls.extend(lp.into_iter().map(|v| -v));
            start = end;
        }
        Ok(nlls)
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

    /// Gemma's chat layout: `<start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n`.
    /// System messages are folded into the next user turn (Gemma has no system role).
    ///
    /// A final assistant message is a prefill: its turn is left open and the model continues it
    /// (small base models follow a format far better when its first words are given).
    pub fn chat_prompt(messages: &[ChatMessage]) -> String {
        let mut out = String::new();
        let mut pending_system = String::new();
        let prefill = messages.last().filter(|m| m.role == Role::Assistant);
        let closed = &messages[..messages.len() - usize::from(prefill.is_some())];
        for m in closed {
            match m.role {
                Role::System => {
                    pending_system.push_str(&m.content);
                    pending_system.push_str("\n\n");
                }
                Role::User | Role::Tool => {
                    out.push_str("<start_of_turn>user\n");
                    out.push_str(&std::mem::take(&mut pending_system));
                    out.push_str(m.content.trim());
                    out.push_str("<end_of_turn>\n");
                }
                Role::Assistant => {
                    out.push_str("<start_of_turn>model\n");
                    out.push_str(m.content.trim());
                    out.push_str("<end_of_turn>\n");
                }
            }
        }
        if !pending_system.is_empty() {
            out.push_str("<start_of_turn>user\n");
            out.push_str(pending_system.trim_end());
            out.push_str("<end_of_turn>\n");
        }
        out.push_str("<start_of_turn>model\n");
        if let Some(m) = prefill {
            out.push_str(&m.content);
        }
        out
    }

    /// Name shown in reports: the file stem.
    pub fn name(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
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

/// The local model as an [`LlmBackend`]: Gemma chat template, greedy unless asked otherwise.
/// It has no function calling; JSON answers are extracted from the text by
/// [`ChatResponse::json`].
#[derive(Clone)]
pub struct LocalBackend {
    llm: Arc<LocalLlm>,
    pub max_tokens: usize,
}

impl LocalBackend {
    pub fn new(llm: Arc<LocalLlm>, max_tokens: usize) -> Self {
        Self { llm, max_tokens }
    }

    /// Runs the request on the current thread (the backend's `chat` moves this to a blocking
    /// thread).
    pub fn chat_blocking(&self, request: &ChatRequest) -> Result<ChatResponse> {
        if !request.tools.is_empty() {
            return Err(LlmError::Input(
                "the local model does not support tool calling; use --llm openai".into(),
            ));
        }
        let t0 = Instant::now();
        let prompt = LocalLlm::chat_prompt(&request.messages);
        let ids = self.llm.tokenizer.encode(&prompt, true)?;
        let opts = GenerateOptions {
            max_tokens: request
                .max_tokens
                .map(|m| m as usize)
                .unwrap_or(self.max_tokens),
            temperature: request.temperature.unwrap_or(0.0),
            seed: request.seed.unwrap_or(42),
            stop: request.stop.clone(),
            ..GenerateOptions::default()
        };
        let g = self.llm.generate(&ids, &opts, &mut |_| {})?;
        Ok(ChatResponse {
            content: g.text,
            tool_calls: Vec::new(),
            finish_reason: g.finish_reason,
            model: self.llm.name(),
            usage: Usage {
                prompt_tokens: g.prompt_tokens as u32,
                completion_tokens: g.ids.len() as u32,
                total_ms: t0.elapsed().as_millis() as u64,
                prefill_ms: Some(g.prefill_ms),
                decode_ms: Some(g.decode_ms),
                attempts: 1,
            },
        })
    }
}

impl LlmBackend for LocalBackend {
    fn backend(&self) -> &'static str {
        "local"
    }
    fn model_name(&self) -> String {
        self.llm.name()
    }
    fn adapter(&self) -> Option<String> {
        self.llm.adapter.as_ref().map(|p| p.display().to_string())
    }
    fn supports_tools(&self) -> bool {
        false
    }
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> BoxFuture<'a, Result<ChatResponse>> {
        let this = self.clone();
        let request = request.clone();
        Box::pin(async move {
            match tokio::runtime::Handle::try_current() {
                Ok(_) => tokio::task::spawn_blocking(move || this.chat_blocking(&request))
                    .await
                    .map_err(|e| LlmError::Api(format!("local generation task failed: {e}")))?,
                Err(_) => this.chat_blocking(&request),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_assistant_message_is_continued() {
        let p = LocalLlm::chat_prompt(&[
            ChatMessage::user("Diagnose."),
            ChatMessage::assistant("CATEGORY:"),
        ]);
        assert_eq!(
            p,
            "<start_of_turn>user\nDiagnose.<end_of_turn>\n<start_of_turn>model\nCATEGORY:"
        );
    }

    #[test]
    fn chat_prompt_folds_system_into_user() {
        let p = LocalLlm::chat_prompt(&[
            ChatMessage::system("Be brief."),
            ChatMessage::user("Why is the pod down?"),
            ChatMessage::assistant("OOM."),
            ChatMessage::user("Sure?"),
        ]);
        assert_eq!(
            p,
            "<start_of_turn>user\nBe brief.\n\nWhy is the pod down?<end_of_turn>\n\
             <start_of_turn>model\nOOM.<end_of_turn>\n<start_of_turn>user\nSure?<end_of_turn>\n\
             <start_of_turn>model\n"
        );
    }

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
