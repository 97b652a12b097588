//! Markdown for humans: alert and conclusion first, then evidence as quotes, then next steps.
use std::fmt::Write;

use super::Report;

pub fn render_markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {} — {}", report.alert_name(), report.category);
    let _ = writeln!(md);
    for warning in &report.warnings {
        let _ = writeln!(md, "> **Warning:** {}", one_line(warning));
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(md);
    }
    let labels = report.alert["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter(|(k, _)| k.as_str() != "alertname")
                .map(|(k, v)| format!("`{k}={}`", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    // The backend actually used: after a fallback the conclusion is the analyzers', and the
    // warnings above say so.
    let model = match report.model.backend.as_str() {
        "none" => "rule-based analyzers (no LLM)".to_string(),
        backend => format!("{} ({backend})", report.model.name),
    };
    let _ = writeln!(
        md,
        "- **Incident** `{}` · **confidence** {:.2} · **model** {model}{}",
        report.incident_id,
        report.confidence,
        report
            .model
            .adapter
            .as_deref()
            .map(|a| format!(" + adapter {a}"))
            .unwrap_or_default()
    );
    if !labels.is_empty() {
        let _ = writeln!(md, "- **Labels** {labels}");
    }
    for key in ["summary", "description"] {
        if let Some(text) = report.alert["annotations"][key].as_str() {
            let _ = writeln!(md, "- **{}** {}", capitalise(key), one_line(text));
        }
    }
    let _ = writeln!(md, "\n## Root cause\n\n{}", report.root_cause.trim());
    if !report.summary.trim().is_empty() {
        let _ = writeln!(md, "\n## Summary\n\n{}", report.summary.trim());
    }
    if !report.evidence.is_empty() {
        let _ = writeln!(md, "\n## Evidence");
        for (i, e) in report.evidence.iter().enumerate() {
            let _ = writeln!(md, "\n**e{}** · from `{}`\n", i + 1, e.source);
            for line in e.quote.lines() {
                let _ = writeln!(md, "> {line}");
            }
        }
    }
    if !report.hypotheses.is_empty() {
        let _ = writeln!(md, "\n## Hypotheses\n");
        for h in &report.hypotheses {
            let mut refs = String::new();
            if !h.supporting.is_empty() {
                let _ = write!(refs, " — supported by {}", h.supporting.join(", "));
            }
            if !h.contradicting.is_empty() {
                let _ = write!(refs, "; contradicted by {}", h.contradicting.join(", "));
            }
            let _ = writeln!(md, "- ({:.2}) {}{refs}", h.confidence, h.statement.trim());
        }
    }
    if !report.next_steps.is_empty() {
        let _ = writeln!(md, "\n## Next steps\n");
        for (i, step) in report.next_steps.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, step.trim());
        }
    }
    if !report.runbooks.is_empty() {
        let _ = writeln!(md, "\n## Runbooks\n");
        // Best first even for a report stored before its runbooks were sorted.
        let mut runbooks: Vec<_> = report.runbooks.iter().collect();
        runbooks.sort_by(|a, b| b.score.total_cmp(&a.score));
        for r in runbooks {
            let _ = writeln!(md, "- `{}` — {} ({:.3})", r.path, r.heading, r.score);
        }
    }
    if !report.trajectory.is_empty() {
        let _ = writeln!(md, "\n## Trajectory\n");
        let _ = writeln!(md, "| step | tool | input | ms |\n|---|---|---|---|");
        for s in &report.trajectory {
            let input = serde_json::to_string(&s.input).unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | {} |",
                s.step,
                s.tool,
                truncate(&input, 80).replace('|', "\\|"),
                s.duration_ms
            );
        }
    }
    if let Some(total) = report.timings_ms.get("total") {
        let _ = writeln!(md, "\n<sub>{total} ms in total</sub>");
    }
    md
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}
