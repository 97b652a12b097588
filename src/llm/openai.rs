//! Any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp server) through
//! async-openai: tool calling, JSON-schema structured output, timeouts, retries.
//!
//! Retries: async-openai's default client retries 429/5xx by itself; this backend installs the
//! plain reqwest transport instead and owns the one retry policy: timeouts, connection failures
//! and 429/5xx answers are retried `max_retries` times with exponential backoff (`backoff`,
//! doubling, capped at 30 s), each attempt logged, so a briefly overloaded server does not fail an
//! investigation. 401/403 and unreadable answers are not retried: they get an error saying what
//! to fix.
use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};
use serde_json::{Value, json};

use super::LlmError;
use super::backend::{
    BoxFuture, ChatMessage, ChatRequest, ChatResponse, LlmBackend, ResponseFormat, Role, ToolCall,
    Usage,
};

/// Connection settings (config keys `llm.openai.*`).
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub max_retries: u32,
    /// First backoff delay of this backend's own retries (doubles each time).
    pub backoff: Duration,
}

impl OpenAiSettings {
    /// From the loaded configuration.
    pub(crate) fn from_config(cfg: &crate::config::OpenAiConfig) -> Self {
        Self {
            base_url: cfg.base_url.clone(),
            model: cfg.model.clone(),
            api_key: cfg.api_key.clone().filter(|k| !k.is_empty()),
            timeout: Duration::from_secs(cfg.timeout_secs.max(1)),
            max_retries: cfg.max_retries,
            backoff: Duration::from_millis(500),
        }
    }
}

/// True for `localhost` and loopback addresses: the local servers that take no key.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The OpenAI-compatible backend.
#[derive(Clone)]
pub struct OpenAiBackend {
    client: Client<OpenAIConfig>,
    settings: OpenAiSettings,
}

impl std::fmt::Debug for OpenAiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiBackend")
            .field("base_url", &self.settings.base_url)
            .field("model", &self.settings.model)
            .finish()
    }
}

impl OpenAiBackend {
    pub fn new(settings: OpenAiSettings) -> Result<Self, LlmError> {
        crate::tls::init();
        if settings.model.trim().is_empty() {
            return Err(LlmError::Input(
                "llm.openai.model is empty: set it in the config or AIDA_LLM_OPENAI_MODEL".into(),
            ));
        }
        let url = reqwest::Url::parse(settings.base_url.trim()).map_err(|e| {
            LlmError::Input(format!(
                "llm.openai.base_url {:?} is not a URL: {e}",
                settings.base_url
            ))
        })?;
        // Without a key the whole prompt (evidence included) would go out with an empty bearer:
        // only local servers (Ollama, vLLM, llama.cpp on loopback) are used keyless.
        if settings.api_key.is_none() && !is_loopback(&url) {
            return Err(LlmError::Input(format!(
                "no API key for {}: set llm.openai.api_key (or OPENAI_API_KEY); only servers on \
                 loopback (localhost, 127.0.0.1, ::1) are used without one",
                settings.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Api(format!("cannot build the HTTP client: {e}")))?;
        let mut config = OpenAIConfig::new().with_api_base(settings.base_url.trim_end_matches('/'));
        // Local servers (Ollama, vLLM) accept any key; send none rather than an empty bearer.
        config = config.with_api_key(settings.api_key.clone().unwrap_or_default());
        Ok(Self {
            // The plain transport: async-openai's default stack retries 429/5xx on its own, which
            // would multiply with `max_retries` below and hide attempts from the logs.
            client: Client::build(http.clone(), config)
                .with_http_service(ReqwestService::new(http)),
            settings,
        })
    }

    /// The request in OpenAI's wire format.
    pub(crate) fn wire_request(&self, req: &ChatRequest) -> Value {
        let messages: Vec<Value> = req.messages.iter().map(wire_message).collect();
        let mut body = json!({"model": self.settings.model, "messages": messages});
        if let Some(m) = req.max_tokens {
            body["max_completion_tokens"] = json!(m);
        }
        if let Some(t) = req.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(s) = req.seed {
            body["seed"] = json!(s);
        }
        if !req.stop.is_empty() {
            body["stop"] = json!(req.stop);
        }
        if !req.tools.is_empty() {
            body["tools"] = Value::Array(
                req.tools
                    .iter()
                    .map(|t| {
                        json!({"type": "function", "function": {
                            "name": t.name, "description": t.description, "parameters": t.parameters}})
                    })
                    .collect(),
            );
        }
        match &req.response_format {
            ResponseFormat::Text => {}
            ResponseFormat::JsonObject => body["response_format"] = json!({"type": "json_object"}),
            ResponseFormat::JsonSchema {
                name,
                schema,
                strict,
            } => {
                body["response_format"] = json!({"type": "json_schema", "json_schema": {
                    "name": name, "schema": schema, "strict": strict}})
            }
        }
        body
    }

    async fn call_once(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<CreateChatCompletionResponse, OpenAIError> {
        self.client.chat().create(request).await
    }

    async fn chat_impl(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let t0 = Instant::now();
        let wire = self.wire_request(req);
        let typed: CreateChatCompletionRequest = serde_json::from_value(wire)
            .map_err(|e| LlmError::Input(format!("cannot build the chat request: {e}")))?;
        let mut attempt = 0u32;
        let response = loop {
            attempt += 1;
            match self.call_once(typed.clone()).await {
                Ok(r) => break r,
                Err(e) => {
                    let err = self.classify(e);
                    let retryable = matches!(&err, Classified::Retryable(_));
                    if !retryable || attempt > self.settings.max_retries {
                        return Err(err.into_error(attempt));
                    }
                    let delay = self.settings.backoff * 2u32.saturating_pow(attempt - 1);
                    tracing::warn!(
                        "{}: attempt {attempt} failed ({}); retrying in {delay:?}",
                        self.settings.base_url,
                        err.message()
                    );
                    tokio::time::sleep(delay.min(Duration::from_secs(30))).await;
                }
            }
        };
        let value = serde_json::to_value(&response)
            .map_err(|e| LlmError::BadResponse(format!("unreadable chat completion: {e}")))?;
        parse_response(&value, attempt, t0.elapsed())
    }

    fn classify(&self, e: OpenAIError) -> Classified {
        let url = &self.settings.base_url;
        match e {
            OpenAIError::ApiError(api) => {
                let code = api.status_code.as_u16();
                let msg = format!("{url}: HTTP {code}: {}", api.api_error.message);
                match code {
                    401 | 403 => Classified::Auth(format!(
                        "{msg} (check llm.openai.api_key / OPENAI_API_KEY)"
                    )),
                    408 | 409 | 429 | 500..=599 => Classified::Retryable(msg),
                    _ => Classified::Fatal(msg),
                }
            }
            OpenAIError::JSONDeserialize(err, body) => {
                let shown: String = body.chars().take(200).collect();
                Classified::Garbage(format!(
                    "{url} answered with something that is not an OpenAI chat completion \
                     ({err}); body starts: {shown:?}"
                ))
            }
            OpenAIError::Reqwest(err) if err.is_timeout() => Classified::Retryable(format!(
                "{url}: no answer within {:?} (llm.openai.timeout_secs)",
                self.settings.timeout
            )),
            OpenAIError::Reqwest(err) if err.is_connect() => Classified::Retryable(format!(
                "{url}: cannot connect ({err}); is the server running and llm.openai.base_url right?"
            )),
            other => Classified::Fatal(format!("{url}: {other}")),
        }
    }
}

enum Classified {
    Retryable(String),
    Auth(String),
    Garbage(String),
    Fatal(String),
}

impl Classified {
    fn message(&self) -> &str {
        match self {
            Self::Retryable(m) | Self::Auth(m) | Self::Garbage(m) | Self::Fatal(m) => m,
        }
    }
    fn into_error(self, attempts: u32) -> LlmError {
        match self {
            Self::Retryable(m) => LlmError::Api(format!("{m} (gave up after {attempts} attempts)")),
            Self::Auth(m) => LlmError::Auth(m),
            Self::Garbage(m) => LlmError::BadResponse(m),
            Self::Fatal(m) => LlmError::Api(m),
        }
    }
}

fn wire_message(m: &ChatMessage) -> Value {
    match m.role {
        Role::System => json!({"role": "system", "content": m.content}),
        Role::User => json!({"role": "user", "content": m.content}),
        Role::Tool => json!({"role": "tool", "content": m.content,
            "tool_call_id": m.tool_call_id.clone().unwrap_or_default()}),
        Role::Assistant => {
            let mut v = json!({"role": "assistant", "content": m.content});
            if !m.tool_calls.is_empty() {
                v["tool_calls"] = Value::Array(
                    m.tool_calls
                        .iter()
                        .map(|c| {
                            json!({"id": c.id, "type": "function",
                                "function": {"name": c.name, "arguments": c.arguments}})
                        })
                        .collect(),
                );
            }
            v
        }
    }
}

fn parse_response(v: &Value, attempts: u32, elapsed: Duration) -> Result<ChatResponse, LlmError> {
    let choice = v["choices"]
        .get(0)
        .ok_or_else(|| LlmError::BadResponse("the chat completion has no choices".into()))?;
    let msg = &choice["message"];
    let mut tool_calls = Vec::new();
    if let Some(calls) = msg["tool_calls"].as_array() {
        for c in calls {
            let f = &c["function"];
            let (Some(name), Some(args)) = (f["name"].as_str(), f["arguments"].as_str()) else {
                return Err(LlmError::BadResponse(format!(
                    "a tool call has no function name/arguments: {c}"
                )));
            };
            tool_calls.push(ToolCall {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                name: name.to_string(),
                arguments: args.to_string(),
            });
        }
    }
    // A remote model's words enter here: redacted once, like any other outside text.
    let content = crate::redact::text(msg["content"].as_str().unwrap_or_default()).into_owned();
    if content.is_empty()
        && tool_calls.is_empty()
        && let Some(refusal) = msg["refusal"].as_str()
    {
        return Err(LlmError::BadResponse(format!(
            "the model refused: {refusal}"
        )));
    }
    Ok(ChatResponse {
        content,
        tool_calls,
        finish_reason: choice["finish_reason"]
            .as_str()
            .unwrap_or("stop")
            .to_string(),
        model: v["model"].as_str().unwrap_or_default().to_string(),
        usage: Usage {
            prompt_tokens: v["usage"]["prompt_tokens"].as_u64().unwrap_or(0) as u32,
            completion_tokens: v["usage"]["completion_tokens"].as_u64().unwrap_or(0) as u32,
            total_ms: elapsed.as_millis() as u64,
            prefill_ms: None,
            decode_ms: None,
            attempts,
        },
    })
}

impl LlmBackend for OpenAiBackend {
    fn backend(&self) -> &'static str {
        "openai"
    }
    fn model_name(&self) -> String {
        self.settings.model.clone()
    }
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(self.chat_impl(request))
    }
}
