//! The record of every tool call an investigation makes, with duplicate calls suppressed.
use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use crate::evidence::{RunbookHit, ToolOutput, Toolbelt};
use crate::report::{TrajectoryStep, step_id};

/// Steps that observe the incident (tool calls), as opposed to model calls and runbook search.
pub fn is_evidence_step(tool: &str) -> bool {
    tool != "llm" && tool != "search_runbooks"
}

/// Tool calls made so far. Outputs are kept whole (they are already budgeted by the tool belt),
/// so evidence quotes can be checked against exactly what was seen.
#[derive(Default)]
pub struct Trajectory {
    steps: Vec<TrajectoryStep>,
    by_call: HashMap<String, usize>,
    failed: Vec<bool>,
    /// The hits of `search_runbooks` steps, by step index.
    runbooks: HashMap<usize, Vec<RunbookHit>>,
}

fn call_key(tool: &str, args: &Value) -> String {
    // serde_json's maps are sorted, so equal arguments give equal keys.
    format!("{tool}\u{0}{args}")
}

impl Trajectory {
    /// Runs `tool` unless the same call was already made; returns the step index.
    pub async fn call(&mut self, belt: &Toolbelt, tool: &str, args: Value) -> usize {
        let key = call_key(tool, &args);
        if let Some(&index) = self.by_call.get(&key) {
            return index;
        }
        let started = Instant::now();
        let out: ToolOutput = belt.call(tool, &args).await;
        let index = self.push(tool, args, out.text, started.elapsed().as_millis() as u64);
        self.failed.push(!out.ok);
        if !out.runbooks.is_empty() {
            self.runbooks.insert(index, out.runbooks);
        }
        self.by_call.insert(key, index);
        index
    }

    /// The runbooks a `search_runbooks` step found (empty for other steps).
    pub fn runbook_hits(&self, index: usize) -> &[RunbookHit] {
        self.runbooks.get(&index).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Records a step that did not go through the tool belt (an LLM call).
    pub fn record(&mut self, tool: &str, input: Value, output: String, duration_ms: u64) -> usize {
        let index = self.push(tool, input, output, duration_ms);
        self.failed.push(false);
        index
    }

    fn push(&mut self, tool: &str, input: Value, output: String, duration_ms: u64) -> usize {
        let index = self.steps.len();
        self.steps.push(TrajectoryStep {
            step: index as u32 + 1,
            tool: tool.to_string(),
            input,
            output_excerpt: output,
            duration_ms,
        });
        index
    }

    pub fn step(&self, index: usize) -> &TrajectoryStep {
        &self.steps[index]
    }

    pub fn id(&self, index: usize) -> String {
        step_id(self.steps[index].step)
    }

    pub fn succeeded(&self, index: usize) -> bool {
        !self.failed[index]
    }

    /// The first tool step whose output contains `quote` verbatim. Model steps and runbook text
    /// are not evidence about the incident, so they never back a quote.
    pub fn find_quote(&self, quote: &str) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| is_evidence_step(&s.tool) && s.output_excerpt.contains(quote))
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn into_steps(self) -> Vec<TrajectoryStep> {
        self.steps
    }

    pub fn steps(&self) -> &[TrajectoryStep] {
        &self.steps
    }
}
