//! The local model as an [`LlmBackend`]: the engine's Gemma with its chat template.
use std::sync::Arc;
use std::time::Instant;

use super::LlmError;
use super::backend::{BoxFuture, ChatMessage, ChatRequest, ChatResponse, LlmBackend, Role, Usage};
use crate::engine::{GenerateOptions, LocalLlm};

type Result<T> = std::result::Result<T, LlmError>;

/// Gemma's chat layout: `<start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n`.
/// System messages are folded into the next user turn (Gemma has no system role).
///
/// A final assistant message is a prefill: its turn is left open and the model continues it
/// (small base models follow a format far better when its first words are given).
pub(crate) fn chat_prompt(messages: &[ChatMessage]) -> String {
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

/// The local model as an [`LlmBackend`]: Gemma chat template, greedy unless asked otherwise.
/// It has no function calling; JSON answers are extracted from the text by
/// [`ChatResponse::json`].
#[derive(Clone)]
pub(crate) struct LocalBackend {
    llm: Arc<LocalLlm>,
    max_tokens: usize,
}

impl LocalBackend {
    pub(crate) fn new(llm: Arc<LocalLlm>, max_tokens: usize) -> Self {
        Self { llm, max_tokens }
    }

    /// Runs the request on the current thread (the backend's `chat` moves this to a blocking
    /// thread).
    fn chat_blocking(&self, request: &ChatRequest) -> Result<ChatResponse> {
        if !request.tools.is_empty() {
            return Err(LlmError::Input(
                "the local model does not support tool calling; use --llm openai".into(),
            ));
        }
        let t0 = Instant::now();
        let prompt = chat_prompt(&request.messages);
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

impl LocalBackend {
    fn score_blocking(&self, request: &ChatRequest, continuations: &[String]) -> Result<Vec<f64>> {
        let prompt = chat_prompt(&request.messages);
        let ids = self.llm.tokenizer.encode(&prompt, true)?;
        let conts = continuations
            .iter()
            .map(|c| self.llm.tokenizer.encode(c, false))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(self.llm.score_continuations(&ids, &conts)?)
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
    fn score<'a>(
        &'a self,
        request: &'a ChatRequest,
        continuations: &'a [String],
    ) -> BoxFuture<'a, Result<Option<Vec<f64>>>> {
        let this = self.clone();
        let request = request.clone();
        let continuations = continuations.to_vec();
        Box::pin(async move {
            let run = move || this.score_blocking(&request, &continuations).map(Some);
            match tokio::runtime::Handle::try_current() {
                Ok(_) => tokio::task::spawn_blocking(run)
                    .await
                    .map_err(|e| LlmError::Api(format!("local scoring task failed: {e}")))?,
                Err(_) => run(),
            }
        })
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
        let p = chat_prompt(&[
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
        let p = chat_prompt(&[
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
}
