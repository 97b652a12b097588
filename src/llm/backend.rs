//! The one interface the rest of AIDA uses to talk to a language model.
//!
//! Chat messages go in; text, tool calls or structured JSON come out, with token counts and
//! timings. Implementations: [`crate::llm::local::LocalBackend`] (Gemma on candle) and
//! [`crate::llm::openai::OpenAiBackend`] (any OpenAI-compatible server).
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use super::LlmError;

/// A boxed future, so that `dyn LlmBackend` works.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// The result of a tool call (`tool_call_id` names the call).
    Tool,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// Tool calls the assistant made in this message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For `Role::Tool`: which call this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub(crate) fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
    /// The answer to tool call `id`.
    pub fn tool(id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(id.into()),
            ..Self::new(Role::Tool, content)
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// A call the model asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them (JSON text; may be invalid JSON).
    pub arguments: String,
}

impl ToolCall {
    /// The arguments parsed as JSON.
    pub fn arguments_json(&self) -> Result<serde_json::Value, LlmError> {
        serde_json::from_str(&self.arguments).map_err(|e| {
            LlmError::BadResponse(format!(
                "tool call {} ({}) has arguments that are not JSON: {e}",
                self.id, self.name
            ))
        })
    }
}

/// What shape the answer must have.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum ResponseFormat {
    #[default]
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON matching `schema` (OpenAI structured outputs).
    JsonSchema {
        name: String,
        schema: serde_json::Value,
        strict: bool,
    },
}

/// One chat completion request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub tools: Vec<ToolDefinition>,
    #[serde(default)]
    pub response_format: ResponseFormat,
    pub max_tokens: Option<u32>,
    /// 0 = greedy.
    pub temperature: Option<f32>,
    #[serde(default)]
    pub stop: Vec<String>,
    pub seed: Option<u64>,
}

impl ChatRequest {
    pub fn new(messages: Vec<ChatMessage>) -> Self {
        Self {
            messages,
            ..Self::default()
        }
    }
}

/// Token counts and timings of one call.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Wall time of the whole call, retries included.
    pub total_ms: u64,
    /// Local backend only: time to process the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_ms: Option<u64>,
    /// Local backend only: time spent generating after the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_ms: Option<u64>,
    /// How many HTTP attempts were made (remote backends).
    #[serde(default)]
    pub attempts: u32,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The text of the answer (may be empty when the model only called tools).
    pub content: String,
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// `stop`, `length`, `tool_calls`, ...
    pub finish_reason: String,
    /// The model that answered (as the server names it).
    pub model: String,
    pub usage: Usage,
}

impl ChatResponse {
    /// The content parsed as JSON. Accepts a bare JSON value, or the first JSON object inside
    /// surrounding text or a ```json fence (small local models add prose around it).
    pub fn json(&self) -> Result<serde_json::Value, LlmError> {
        extract_json(&self.content).ok_or_else(|| {
            let shown: String = self.content.chars().take(200).collect();
            LlmError::BadResponse(format!("the model's answer is not JSON: {shown:?}"))
        })
    }
}

/// Finds a JSON value in `text`: the whole text, else the first balanced `{...}` that parses.
fn extract_json(text: &str) -> Option<serde_json::Value> {
    let trimmed = text.trim();
    if let Ok(v) = serde_json::from_str(trimmed) {
        return Some(v);
    }
    for (start, _) in text.match_indices('{') {
        let mut stream =
            serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
        if let Some(Ok(v)) = stream.next() {
            return Some(v);
        }
    }
    None
}

/// A language model AIDA can ask.
pub trait LlmBackend: Send + Sync {
    /// `local` or `openai` (the report's `model.backend`).
    fn backend(&self) -> &'static str;
    /// The model's name (the report's `model.name`).
    fn model_name(&self) -> String;
    /// The adapter in use, if any (the report's `model.adapter`).
    fn adapter(&self) -> Option<String> {
        None
    }
    /// One chat completion.
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>>;
    /// The log-likelihood of each continuation after the request's messages (a final
    /// assistant message is continued), for choosing among fixed answers without free text.
    /// `None` where the backend cannot score given text (chat-completion APIs).
    fn score<'a>(
        &'a self,
        _request: &'a ChatRequest,
        _continuations: &'a [String],
    ) -> BoxFuture<'a, Result<Option<Vec<f64>>, LlmError>> {
        Box::pin(async { Ok(None) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_inside_prose_and_fences() {
        assert_eq!(extract_json(" {\"a\":1} ").unwrap()["a"], 1);
        let v = extract_json("Sure! ```json\n{\"category\": \"oom_killed\"}\n``` done").unwrap();
        assert_eq!(v["category"], "oom_killed");
        assert!(extract_json("no json {here").is_none());
        let v = extract_json("x {bad} then {\"ok\": true}").unwrap();
        assert_eq!(v["ok"], true);
    }
}
