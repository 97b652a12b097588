use serde_json::json;

use super::*;

pub(crate) fn sample() -> Report {
    Report {
        incident_id: "inc-0001".into(),
        alert: json!({"labels": {"alertname": "KubePodCrashLooping", "namespace": "shop", "pod": "api-7d9f"},
                      "annotations": {"summary": "Pod is crash looping.",
                                      "description": "Pod shop/api-7d9f (api) is in waiting state\n(reason: \"CrashLoopBackOff\")."}}),
        category: Category::OomKilled,
        root_cause: "Container api is OOMKilled: it exceeds its 256Mi memory limit.".into(),
        confidence: 0.86,
        summary: "The api container restarted 7 times; the last termination reason is OOMKilled with exit code 137.".into(),
        evidence: vec![
            EvidenceQuote { source: "step-1".into(), quote: "Last State: Terminated (reason: OOMKilled, exit code: 137)".into() },
            EvidenceQuote { source: "step-1".into(), quote: "Limits: memory=256Mi".into() },
        ],
        hypotheses: vec![Hypothesis {
            statement: "The memory limit is too low for the current load".into(),
            confidence: 0.7,
            supporting: vec!["e1".into(), "e2".into()],
            contradicting: vec![],
        }],
        next_steps: vec!["Raise the memory limit of api to 512Mi".into(), "Check the heap usage trend".into()],
        runbooks: vec![RunbookRef { path: "runbooks/workloads/oom-killed.md".into(), heading: "Diagnosis".into(), score: 0.033 }],
        trajectory: vec![TrajectoryStep {
            step: 1,
            tool: "describe_pod".into(),
            input: json!({"namespace": "shop", "name": "api-7d9f"}),
            output_excerpt: "Pod shop/api-7d9f\n  Last State: Terminated (reason: OOMKilled, exit code: 137)\n  Limits: memory=256Mi\n".into(),
            duration_ms: 4,
        }],
        model: ModelInfo { backend: "none".into(), name: "analyzers".into(), adapter: None },
        timings_ms: [("total".to_string(), 12u64)].into_iter().collect(),
        tokens: Default::default(),
        warnings: Vec::new(),
        decision: None,
    }
}

#[test]
fn json_shape_matches_the_design() {
    let value = serde_json::to_value(sample()).unwrap();
    for key in [
        "incident_id",
        "alert",
        "category",
        "root_cause",
        "confidence",
        "summary",
        "evidence",
        "hypotheses",
        "next_steps",
        "runbooks",
        "trajectory",
        "model",
        "timings_ms",
        "tokens",
    ] {
        assert!(value.get(key).is_some(), "missing {key}");
    }
    assert_eq!(value["category"], "oom_killed");
    assert_eq!(value["evidence"][0]["source"], "step-1");
    assert_eq!(value["model"]["adapter"], serde_json::Value::Null);
    let back: Report = serde_json::from_value(value).unwrap();
    assert_eq!(back, sample());
}

#[test]
fn categories_round_trip_and_parse_leniently() {
    for c in Category::ALL {
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text, format!("\"{}\"", c.as_str()));
        assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
    }
    assert_eq!(
        "Image-Pull".parse::<Category>().unwrap(),
        Category::ImagePull
    );
    assert!("meltdown".parse::<Category>().is_err());
}

#[test]
fn integrity_accepts_real_quotes_and_rejects_invented_ones() {
    assert!(sample().check_integrity().is_ok());
    let mut bad = sample();
    bad.evidence.push(EvidenceQuote {
        source: "step-1".into(),
        quote: "Error: disk full".into(),
    });
    bad.evidence.push(EvidenceQuote {
        source: "step-9".into(),
        quote: "x".into(),
    });
    bad.evidence.push(EvidenceQuote {
        source: "step-1".into(),
        quote: "  ".into(),
    });
    bad.trajectory.push(TrajectoryStep {
        step: 2,
        tool: "llm".into(),
        input: json!({}),
        output_excerpt: "the model said: disk is full".into(),
        duration_ms: 1,
    });
    bad.evidence.push(EvidenceQuote {
        source: "step-2".into(),
        quote: "disk is full".into(),
    });
    bad.confidence = 1.5;
    let errors = bad.check_integrity().unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(matches!(
        errors[0],
        IntegrityError::QuoteNotFound { index: 2, .. }
    ));
    assert!(matches!(
        errors[1],
        IntegrityError::UnknownSource { index: 3, .. }
    ));
    assert!(matches!(errors[2], IntegrityError::EmptyQuote { index: 4 }));
    assert!(matches!(
        errors[3],
        IntegrityError::ModelStep { index: 5, .. }
    ));
    assert!(matches!(
        errors[4],
        IntegrityError::ConfidenceOutOfRange { .. }
    ));
}

#[test]
fn markdown_puts_alert_and_conclusion_first() {
    let md = render_markdown(&sample());
    insta::assert_snapshot!(md);
    let root = md.find("## Root cause").unwrap();
    let evidence = md.find("## Evidence").unwrap();
    let steps = md.find("## Next steps").unwrap();
    assert!(root < evidence && evidence < steps);
}

#[test]
fn scoring_counts_facts_only_in_the_conclusion() {
    let expected: Expected = serde_json::from_value(json!({
        "category": "oom_killed",
        "root_cause": "memory limit too low",
        "facts": [{"any": ["OOMKilled", "out of memory"]}, {"any": ["256Mi"]}, {"any": ["exit code 137", "exit 137"]},
                  {"any": ["Limits: memory"]}],
        "resources": ["shop/Pod/api-7d9f", "shop/Deployment/api"]
    })).unwrap();
    let s = score(&sample(), &expected);
    assert!(s.category_ok);
    // "Limits: memory" appears only in the evidence quote: not stated.
    assert_eq!((s.facts_stated, s.facts_total), (3, 4));
    assert_eq!(s.missed_facts, vec!["Limits: memory".to_string()]);
    // "api" is named ("container api"), so both resources whose name is api/api-7d9f... only api.
    assert_eq!((s.resources_named, s.resources_total), (1, 2));
    let mut wrong = sample();
    wrong.category = Category::CrashAppError;
    assert!(!score(&wrong, &expected).category_ok);
}

#[test]
fn stored_form_keeps_alert_and_trajectory_out_and_reassembles() {
    let report = sample();
    let stored = report.stored_form().unwrap();
    assert!(stored.get("alert").is_none() && stored.get("trajectory").is_none());
    let again =
        Report::from_stored(stored, report.alert.clone(), report.trajectory.clone()).unwrap();
    assert_eq!(again, report);
}
