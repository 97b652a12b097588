//! Jobs: failed Jobs, explained by their newest pod's logs and exit code.
use serde_json::{Value, json};

use super::logs::{classify_logs, last_log_line};
use super::{Ctx, arr, meta_name, meta_ns, num, s};
use crate::analyzers::quote;
use crate::evidence::render::{condition_line, one_line};
use crate::report::Category;

/// Failed Jobs; returns their names so their pods are not also reported as crashes.
pub(super) fn jobs(cx: &mut Ctx<'_>) -> Vec<String> {
    let snap = cx.snap;
    let mut failed = Vec::new();
    for job in snap.items("jobs") {
        let ns = meta_ns(job);
        let name = meta_name(job);
        let Some(cond) = arr(job, "/status/conditions")
            .iter()
            .find(|c| s(c, "/type") == "Failed" && s(c, "/status") == "True")
        else {
            continue;
        };
        failed.push(name.to_string());
        let wl = json!({"namespace": ns, "kind": "Job", "name": name});
        let mut quotes = vec![quote(
            "get_workload",
            wl.clone(),
            condition_line(cond).trim().to_string(),
        )];
        // The newest failed pod's logs say why it failed.
        let mut pods: Vec<&Value> = snap
            .items("pods")
            .iter()
            .filter(|p| {
                meta_ns(p) == ns
                    && arr(p, "/metadata/ownerReferences")
                        .iter()
                        .any(|o| s(o, "/kind") == "Job" && s(o, "/name") == name)
            })
            .collect();
        pods.sort_by_key(|p| s(p, "/metadata/creationTimestamp").to_string());
        let mut verdict = None;
        for p in pods.iter().rev() {
            let c = arr(p, "/spec/containers")
                .first()
                .map(|c| s(c, "/name"))
                .unwrap_or("");
            if let Some(v) = classify_logs(cx, ns, meta_name(p), c) {
                quotes.extend(v.quotes.clone());
                verdict = Some(v);
                break;
            }
        }
        // No error line anywhere: the newest pod's last log line still says where it stopped.
        let last_line = if verdict.is_none() {
            pods.iter().rev().find_map(|p| {
                let c = arr(p, "/spec/containers")
                    .first()
                    .map(|c| s(c, "/name"))
                    .unwrap_or("");
                last_log_line(cx, ns, meta_name(p), c)
            })
        } else {
            None
        };
        if let Some((lq, _)) = &last_line {
            quotes.push(lq.clone());
        }
        // The exit code the newest pod's containers ended with.
        let code = pods.iter().rev().find_map(|p| {
            arr(p, "/status/containerStatuses").iter().find_map(|c| {
                [
                    "/state/terminated/exitCode",
                    "/lastState/terminated/exitCode",
                ]
                .iter()
                .find_map(|ptr| num(c, ptr))
                .filter(|c| *c != 0)
            })
        });
        let mut facts_list = Vec::new();
        if !s(cond, "/reason").is_empty() {
            facts_list.push(s(cond, "/reason").to_string());
        }
        if let Some(n) = num(job, "/status/failed").filter(|n| *n > 0) {
            facts_list.push(format!("{n} failed pod(s)"));
        }
        if let Some(c) = code {
            facts_list.push(format!("exit code {c}"));
        }
        let mut summary = format!("Job {name} failed: {}", one_line(s(cond, "/message")));
        if !facts_list.is_empty() {
            summary.push_str(&format!(" ({})", facts_list.join(", ")));
        }
        if let Some(v) = &verdict {
            summary.push_str(&format!("; the newest pod's log ends with `{}`", v.line));
            if v.category != Category::CrashAppError {
                summary.push_str(&format!(" ({})", v.what_for()));
            }
        } else if let Some((_, line)) = &last_line {
            summary.push_str(&format!("; the newest pod's log ends with `{line}`"));
        }
        summary.push('.');
        let f = cx.add(
            Category::JobFailure,
            format!("{ns}/Job/{name}"),
            summary,
            quotes,
            0.92,
        );
        if let Some(v) = &verdict {
            f.details.extend(v.details());
            f.actions.push(match v.action(ns) {
                Some(a) => a,
                None => format!(
                    "Fix the error Job {name}'s pods end with (`{}`) in its command, image or configuration, then re-create the Job",
                    v.line
                ),
            });
        }
    }
    failed
}

/// A CronJob that skips runs because its previous Job is still running (`JobAlreadyActive`
/// under concurrencyPolicy Forbid): that Job has outlived its schedule — hung, or far slower
/// than it should be.
pub(super) fn hung_jobs(cx: &mut Ctx<'_>) {
    let snap = cx.snap;
    let mut seen = std::collections::BTreeSet::new();
    for e in snap.items("events") {
        if s(e, "/reason") != "JobAlreadyActive" || s(e, "/involvedObject/kind") != "CronJob" {
            continue;
        }
        let cron = s(e, "/involvedObject/name");
        let ns = if meta_ns(e).is_empty() {
            s(e, "/involvedObject/namespace")
        } else {
            meta_ns(e)
        };
        let Some(cj) = snap
            .items("cronjobs")
            .iter()
            .find(|c| meta_ns(c) == ns && meta_name(c) == cron)
        else {
            continue;
        };
        for active in arr(cj, "/status/active") {
            let job = s(active, "/name");
            if !seen.insert(job.to_string()) {
                continue;
            }
            let started = snap
                .items("jobs")
                .iter()
                .find(|j| meta_ns(j) == ns && meta_name(j) == job)
                .map(|j| s(j, "/status/startTime"))
                .unwrap_or_default();
            let policy = s(cj, "/spec/concurrencyPolicy");
            let args = json!({"namespace": ns, "kind": "CronJob", "name": cron});
            let f = cx.add(
                Category::JobFailure,
                format!("{ns}/Job/{job}"),
                format!(
                    "Job {job} of CronJob {cron} is still running{} and has not completed: later scheduled runs are skipped (concurrencyPolicy {policy}, JobAlreadyActive), so it is stuck or far slower than its schedule allows.",
                    if started.is_empty() {
                        String::new()
                    } else {
                        format!(" since {started}")
                    }
                ),
                vec![quote("list_events", args, one_line(s(e, "/message")))],
                0.8,
            );
            f.actions.push(format!(
                "Find what job {job}'s pod is waiting on (its logs, kubectl exec), give the work a timeout and the Job an activeDeadlineSeconds, then delete the hung Job so CronJob {cron} can run again"
            ));
        }
    }
}
