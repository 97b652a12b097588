//! The tool-calling loop for capable API models: the model asks for tools until it has enough,
//! within budgets (steps, completion tokens, wall time); duplicate calls are answered with the
//! earlier step instead of being run again; the final answer is a JSON report.
use std::collections::BTreeMap;
use std::time::Instant;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::evidence::Toolbelt;
use crate::llm::{
    ChatMessage, ChatRequest, ChatResponse, LlmBackend, ResponseFormat, ToolDefinition,
};
use crate::report::{Category, EvidenceQuote, Hypothesis};

use super::prompt::{PromptInput, build_prompt};
use super::trajectory::Trajectory;
use super::{Fallback, Limits};

/// The JSON answer asked of the model.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiAnswer {
    pub category: Category,
    pub root_cause: String,
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceQuote>,
    #[serde(default)]
    pub hypotheses: Vec<Hypothesis>,
    #[serde(default)]
    pub next_steps: Vec<String>,
}

fn default_confidence() -> f64 {
    0.5
}

const SYSTEM: &str = "You are AIDA, a careful site reliability engineer investigating a Kubernetes \
alert with read-only tools. Call tools to check the findings and gather what is missing; each tool \
result starts with its step id in brackets. When you know the root cause, stop calling tools and \
answer with one JSON object: {\"category\": one of the categories listed, \"root_cause\": one or two \
sentences, \"confidence\": 0..1, \"summary\": string, \"evidence\": [{\"source\": \"step-N\", \
\"quote\": exact line(s) copied from that step's output}], \"hypotheses\": [{\"statement\", \
\"confidence\", \"supporting\": [\"step-N\"], \"contradicting\": []}], \"next_steps\": [string]}. \
Quote only text that appears verbatim in a tool result.";

fn answer_schema() -> Value {
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["category", "root_cause", "confidence", "summary", "evidence", "hypotheses", "next_steps"],
        "properties": {
            "category": {"type": "string", "enum": categories},
            "root_cause": {"type": "string"},
            "confidence": {"type": "number"},
            "summary": {"type": "string"},
            "evidence": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "required": ["source", "quote"],
                "properties": {"source": {"type": "string"}, "quote": {"type": "string"}}}},
            "hypotheses": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "required": ["statement", "confidence", "supporting", "contradicting"],
                "properties": {"statement": {"type": "string"}, "confidence": {"type": "number"},
                    "supporting": {"type": "array", "items": {"type": "string"}},
                    "contradicting": {"type": "array", "items": {"type": "string"}}}}},
            "next_steps": {"type": "array", "items": {"type": "string"}}
        }
    })
}

/// Adds a response's token counts to the report's totals; returns completion tokens so far.
pub(super) fn count(tokens: &mut BTreeMap<String, u64>, response: &ChatResponse) -> u64 {
    *tokens.entry("prompt".into()).or_default() += u64::from(response.usage.prompt_tokens);
    let completion = tokens.entry("completion".into()).or_default();
    *completion += u64::from(response.usage.completion_tokens);
    *completion
}

pub async fn run(
    llm: &dyn LlmBackend,
    belt: &Toolbelt,
    limits: &Limits,
    input: &PromptInput,
    trajectory: &mut Trajectory,
    tokens: &mut BTreeMap<String, u64>,
) -> Result<ApiAnswer, Fallback> {
    let started = Instant::now();
    let tools: Vec<ToolDefinition> = belt
        .specs()
        .into_iter()
        .map(|s| ToolDefinition {
            name: s.name.to_string(),
            description: s.description.to_string(),
            parameters: s.parameters,
        })
        .collect();
    let mut messages = vec![
        ChatMessage::system(SYSTEM),
        ChatMessage::user(format!(
            "{}\nThe evidence above comes from steps already run; call tools for more.",
            build_prompt(input)
        )),
    ];
    let mut tool_calls_made = 0usize;
    loop {
        let out_of_budget = tool_calls_made >= limits.max_steps
            || tokens.get("completion").copied().unwrap_or(0) >= u64::from(limits.max_tokens)
            || started.elapsed() >= limits.max_wall;
        let mut request = ChatRequest::new(messages.clone());
        request.temperature = Some(0.0);
        if out_of_budget {
            messages.push(ChatMessage::user(
                "Budget reached: no more tools. Answer now with the JSON object.",
            ));
            request.messages = messages.clone();
            request.response_format = ResponseFormat::JsonSchema {
                name: "aida_report".into(),
                schema: answer_schema(),
                strict: true,
            };
        } else {
            request.tools = tools.clone();
        }
        let remaining = limits
            .max_wall
            .saturating_sub(started.elapsed())
            .max(std::time::Duration::from_secs(5));
        let t = Instant::now();
        let response = match tokio::time::timeout(remaining, llm.chat(&request)).await {
            Err(_) => {
                return Err(Fallback::unavailable(
                    "the model did not answer within the time budget",
                ));
            }
            Ok(Err(e)) => return Err(Fallback::unavailable(format!("the model failed: {e}"))),
            Ok(Ok(r)) => r,
        };
        count(tokens, &response);
        trajectory.record(
            "llm",
            json!({"backend": llm.backend(), "messages": request.messages.len(), "tools": request.tools.len()}),
            if response.tool_calls.is_empty() {
                response.content.clone()
            } else {
                response
                    .tool_calls
                    .iter()
                    .map(|c| format!("call {}({})", c.name, c.arguments))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            t.elapsed().as_millis() as u64,
        );
        if response.tool_calls.is_empty() || out_of_budget {
            let value = response.json().map_err(|e| e.to_string())?;
            return serde_json::from_value::<ApiAnswer>(value)
                .map_err(|e| format!("the model's JSON report is invalid: {e}").into());
        }
        let mut assistant = ChatMessage::assistant(response.content.clone());
        assistant.tool_calls = response.tool_calls.clone();
        messages.push(assistant);
        for call in &response.tool_calls {
            tool_calls_made += 1;
            let reply = match call.arguments_json() {
                Err(e) => format!("error: {e}"),
                Ok(args) => {
                    let before = trajectory.len();
                    let index = trajectory.call(belt, &call.name, args).await;
                    let step = trajectory.step(index);
                    if trajectory.len() == before {
                        format!(
                            "[{}] duplicate call suppressed: this is the result of that earlier step.\n{}",
                            trajectory.id(index),
                            step.output_excerpt
                        )
                    } else {
                        format!("[{}]\n{}", trajectory.id(index), step.output_excerpt)
                    }
                }
            };
            messages.push(ChatMessage::tool(call.id.clone(), reply));
        }
    }
}
