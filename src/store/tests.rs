use std::time::Duration;

use serde_json::json;

use super::*;
use crate::report::Category;
use crate::report::TrajectoryStep;

fn incident(id: &str) -> NewIncident {
    NewIncident {
        id: id.into(),
        fingerprint: Some(format!("fp-{id}")),
        alert_name: "KubePodCrashLooping".into(),
        alert: json!({"labels": {"alertname": "KubePodCrashLooping", "namespace": "shop"}}),
        source: IncidentSource::Cli,
    }
}

fn investigation(store: &Store, inc: &str, inv: &str) {
    store.insert_incident(&incident(inc)).unwrap();
    store
        .start_investigation(&NewInvestigation {
            id: inv.into(),
            incident_id: inc.into(),
            backend: "local".into(),
            model_name: "gemma-3-270m".into(),
            adapter: None,
        })
        .unwrap();
}

fn finished() -> Finished {
    Finished {
        status: InvestigationStatus::Success,
        category: Some(Category::OomKilled),
        confidence: Some(0.9),
        report: Some(json!({"root_cause": "OOMKilled"})),
        error: None,
        timings: json!({"total": 12}),
        tokens: json!({"prompt": 100}),
        steps: vec![
            TrajectoryStep {
                step: 1,
                tool: "get_pod".into(),
                input: json!({"name": "api-0"}),
                output_excerpt: "Last State: Terminated (OOMKilled)".into(),
                duration_ms: 3,
            },
            TrajectoryStep {
                step: 2,
                tool: "pod_logs".into(),
                input: json!({"previous": true}),
                output_excerpt: "fatal".into(),
                duration_ms: 4,
            },
        ],
        prompt_input: Some(json!({"alert_name": "KubePodCrashLooping"})),
    }
}

#[test]
fn fresh_database_is_fully_migrated_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sub/aida.db")).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let mode: String = store
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    // Orphan rows are refused.
    let err = store.start_investigation(&NewInvestigation {
        id: "x".into(),
        incident_id: "missing".into(),
        backend: "local".into(),
        model_name: "m".into(),
        adapter: None,
    });
    assert!(err.is_err());
}

#[test]
fn reopening_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    Store::open(&path)
        .unwrap()
        .insert_incident(&incident("a"))
        .unwrap();
    let again = Store::open(&path).unwrap();
    assert_eq!(again.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(again.incident("a").unwrap().is_some());
}

/// An RFC 3339 timestamp `ago` before now, as the store writes them.
fn ago(ago: Duration) -> String {
    (chrono::Utc::now() - chrono::Duration::from_std(ago).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn database_from_an_older_migration_is_upgraded_without_losing_data() {
    assert_eq!(SCHEMA_VERSION, 7, "extend this test to the new migration");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    let started = now();
    let long_ago = ago(Duration::from_secs(3600));
    {
        let old = Store::open_at_version(&path, 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), 1);
        // What aida at schema version 1 wrote (its rows had no runner, no heartbeat, no prompt
        // input): a run in progress, a finished and reviewed one, and one left running long ago
        // by a process that died.
        old.insert_incident(&incident("inc-1")).unwrap();
        old.insert_incident(&incident("inc-2")).unwrap();
        old.conn
            .execute_batch(&format!(
                "INSERT INTO investigations (id, incident_id, status, backend, model_name, started_at)
                     VALUES ('inv-1', 'inc-1', 'running', 'local', 'gemma-3-270m', '{started}');
                 INSERT INTO investigations (id, incident_id, status, category, confidence,
                     report_json, backend, model_name, started_at, finished_at)
                     VALUES ('inv-done', 'inc-2', 'complete_success', 'oom_killed', 0.9,
                     '{{\"root_cause\": \"OOMKilled\"}}', 'local', 'gemma-3-270m', '{long_ago}',
                     '{long_ago}');
                 INSERT INTO investigations (id, incident_id, status, backend, model_name, started_at)
                     VALUES ('inv-stuck', 'inc-2', 'running', 'local', 'gemma-3-270m', '{long_ago}');
                 INSERT INTO trajectory_steps (investigation_id, step, tool, input_json,
                     output_excerpt, duration_ms)
                     VALUES ('inv-done', 1, 'get_pod', '{{}}', 'OOMKilled', 3);
                 INSERT INTO feedback (investigation_id, reviewer, verdict, created_at)
                     VALUES ('inv-done', 'alice', 'Approved', '{long_ago}');"
            ))
            .unwrap();
        // The tables of migration 2 do not exist yet.
        assert!(old.queue_depth().is_err());
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let inv = store.investigation("inv-1").unwrap().unwrap();
    assert_eq!(inv.status, InvestigationStatus::Running);
    assert_eq!(inv.alert_name, "KubePodCrashLooping");
    assert_eq!(inv.runner, None);
    assert_eq!(inv.heartbeat_at.as_deref(), Some(started.as_str()));

    // Migration 4 rebuilt the investigations table; its children survived it (nothing cascaded).
    let done = store.investigation("inv-done").unwrap().unwrap();
    assert_eq!(done.status, InvestigationStatus::Success);
    assert_eq!(done.category, Some(Category::OomKilled));
    assert_eq!(done.report, Some(json!({"root_cause": "OOMKilled"})));
    assert_eq!(done.heartbeat_at, None);
    assert_eq!(store.steps("inv-done").unwrap().len(), 1);
    let review = store.latest_feedback("inv-done").unwrap().unwrap();
    assert_eq!(review.verdict, Verdict::Approved);
    // Migration 7: reviews from before undo existed all stand.
    assert_eq!(review.retracted_at, None);

    // The run a dead process left behind was recovered on open, by its age.
    let stuck = store.investigation("inv-stuck").unwrap().unwrap();
    assert_eq!(stuck.status, InvestigationStatus::Interrupted);
    assert_eq!(stuck.error.as_deref(), Some(RUNNER_GONE));

    // Foreign keys are on again after migrating, and still point at the rebuilt table.
    let fk: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    store
        .conn
        .execute("DELETE FROM incidents WHERE id = 'inc-2'", [])
        .unwrap();
    assert!(store.investigation("inv-done").unwrap().is_none());
    assert!(store.steps("inv-done").unwrap().is_empty());
    assert!(store.latest_feedback("inv-done").unwrap().is_none());

    // And the upgraded database works end to end.
    assert!(store.heartbeat("inv-1").unwrap());
    store.finish_investigation("inv-1", &finished()).unwrap();
    assert_eq!(store.outbox_pending(10).unwrap().len(), 2);

    // Migration 0006: outbox items written before it are pending, unparked, with no steps done.
    let pending = store.outbox_pending(10).unwrap();
    assert!(
        pending
            .iter()
            .all(|i| i.steps.is_empty() && i.parked_at.is_none() && i.next_attempt_at.is_none())
    );
    assert!(store.mlflow_link("inv-1").unwrap().is_none());

    // Migration 5: old incidents count one notification, last seen when created, still open.
    let old = store.incident("inc-1").unwrap().unwrap();
    assert_eq!(old.notifications, 1);
    assert_eq!(old.last_seen_at.as_deref(), Some(old.created_at.as_str()));
    assert_eq!((old.starts_at, old.resolved_at), (None, None));
}

#[test]
fn jobs_queued_before_version_5_keep_their_enqueue_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    {
        let mut old = Store::open_at_version(&path, 4).unwrap();
        let tx = old.conn.transaction().unwrap();
        tx.execute_batch(
            "INSERT INTO incidents (id, fingerprint, alert_name, alert_json, source, created_at)
                 VALUES ('inc-q', 'fp', 'A', '{}', 'webhook', '2026-01-01T00:00:00.000Z');
             INSERT INTO jobs (incident_id, state, created_at, updated_at)
                 VALUES ('inc-q', 'queued', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let job = store
        .lease_next("w", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert_eq!(job.incident_id, "inc-q");
    assert_eq!(job.enqueued_at, "2026-01-01T00:00:01.000Z");
}

fn incoming(id: &str, fingerprint: &str, starts_at: Option<&str>, resolved: bool) -> IncomingAlert {
    IncomingAlert {
        id: id.into(),
        fingerprint: fingerprint.into(),
        alert_name: "KubePodCrashLooping".into(),
        alert: json!({"labels": {"alertname": "KubePodCrashLooping"}, "fingerprint": fingerprint}),
        starts_at: starts_at.map(str::to_string),
        ends_at: resolved.then(|| "2026-11-24T01:00:00.000Z".to_string()),
        resolved,
    }
}

const T0: Option<&str> = Some("2026-11-24T00:00:00.000Z");
const T1: Option<&str> = Some("2026-11-24T02:00:00.000Z");

#[test]
fn deliveries_queue_new_alerts_fold_renotifications_and_close_resolved_ones() {
    let mut store = Store::open_in_memory().unwrap();
    let out = store
        .receive(
            &[
                vec![
                    incoming("a", "fp-a", T0, false),
                    incoming("b", "fp-b", T0, false),
                ],
                // The same firing again (another request of the same group commit): folded.
                vec![incoming("a2", "fp-a", T0, false)],
            ],
            100,
        )
        .unwrap();
    assert_eq!(
        out,
        vec![
            Delivered::Accepted(vec![
                Receipt::Queued {
                    incident_id: "a".into()
                },
                Receipt::Queued {
                    incident_id: "b".into()
                },
            ]),
            Delivered::Accepted(vec![Receipt::Folded {
                incident_id: "a".into(),
                notifications: 2
            }]),
        ]
    );
    assert_eq!(store.queue_depth().unwrap(), 2);
    assert!(store.incident("a2").unwrap().is_none());
    let a = store.incident("a").unwrap().unwrap();
    assert_eq!(a.notifications, 2);
    assert_eq!(a.starts_at.as_deref(), T0);

    // Investigated already: a re-notification still folds, never a second job.
    let job = store
        .lease_next("w", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert!(store.finish_job(job.id, "w").unwrap());
    let out = store
        .receive(&[vec![incoming("a3", "fp-a", T0, false)]], 100)
        .unwrap();
    assert!(
        matches!(&out[0], Delivered::Accepted(r) if matches!(r[0], Receipt::Folded { notifications: 3, .. }))
    );
    assert_eq!(store.queue_depth().unwrap(), 1);

    // Resolved: closes the open incident; nothing to close for an unknown alert.
    let out = store
        .receive(
            &[vec![
                incoming("x", "fp-a", T0, true),
                incoming("y", "fp-unknown", T0, true),
            ]],
            100,
        )
        .unwrap();
    assert_eq!(
        out[0],
        Delivered::Accepted(vec![
            Receipt::Closed {
                incident_id: "a".into()
            },
            Receipt::NothingToClose
        ])
    );
    let a = store.incident("a").unwrap().unwrap();
    assert_eq!(a.resolved_at.as_deref(), Some("2026-11-24T01:00:00.000Z"));
    // Closed already: a second resolved notification finds nothing open.
    let out = store
        .receive(&[vec![incoming("x", "fp-a", T0, true)]], 100)
        .unwrap();
    assert_eq!(out[0], Delivered::Accepted(vec![Receipt::NothingToClose]));

    // The alert fires again later (a new startsAt): a new incident.
    let out = store
        .receive(&[vec![incoming("a4", "fp-a", T1, false)]], 100)
        .unwrap();
    assert_eq!(
        out[0],
        Delivered::Accepted(vec![Receipt::Queued {
            incident_id: "a4".into()
        }])
    );
    assert!(store.incident("x").unwrap().is_none());
}

#[test]
fn alerts_without_starts_at_fold_only_into_an_open_incident() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .receive(&[vec![incoming("a", "fp", None, false)]], 10)
        .unwrap();
    let out = store
        .receive(&[vec![incoming("b", "fp", None, false)]], 10)
        .unwrap();
    assert!(matches!(&out[0], Delivered::Accepted(r) if matches!(r[0], Receipt::Folded { .. })));
    store
        .receive(&[vec![incoming("c", "fp", None, true)]], 10)
        .unwrap();
    let out = store
        .receive(&[vec![incoming("d", "fp", None, false)]], 10)
        .unwrap();
    assert_eq!(
        out[0],
        Delivered::Accepted(vec![Receipt::Queued {
            incident_id: "d".into()
        }])
    );
}

#[test]
fn a_delivery_over_the_queue_capacity_stores_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let out = store
        .receive(
            &[
                vec![incoming("a", "fp-a", T0, false)],
                // Would make 3 with capacity 2: refused whole.
                vec![
                    incoming("b", "fp-b", T0, false),
                    incoming("c", "fp-c", T0, false),
                ],
                vec![incoming("d", "fp-d", T0, false)],
                // Full now; a re-notification adds no job and is still folded.
                vec![incoming("e", "fp-e", T0, false)],
                vec![incoming("a2", "fp-a", T0, false)],
            ],
            2,
        )
        .unwrap();
    assert!(matches!(out[0], Delivered::Accepted(_)));
    assert_eq!(
        out[1],
        Delivered::QueueFull {
            depth: 1,
            capacity: 2,
            needed: 2
        }
    );
    assert!(matches!(out[2], Delivered::Accepted(_)));
    assert!(matches!(out[3], Delivered::QueueFull { depth: 2, .. }));
    assert!(matches!(&out[4], Delivered::Accepted(r) if matches!(r[0], Receipt::Folded { .. })));
    for gone in ["b", "c", "e"] {
        assert!(store.incident(gone).unwrap().is_none(), "{gone}");
    }
    assert_eq!(store.queue_depth().unwrap(), 2);
}

#[test]
fn leases_are_renewed_by_their_owner_only_and_failed_attempts_back_off() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .receive(&[vec![incoming("a", "fp-a", T0, false)]], 10)
        .unwrap();
    let job = store
        .lease_next("w1", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert!(
        store
            .renew_lease(job.id, "w1", Duration::from_secs(60))
            .unwrap()
    );
    assert!(
        !store
            .renew_lease(job.id, "w2", Duration::from_secs(60))
            .unwrap()
    );
    assert!(!store.finish_job(job.id, "w2").unwrap());

    // A failed attempt waits for its backoff before it is leased again.
    assert_eq!(
        store
            .retry_later(
                job.id,
                "w1",
                "cluster unreachable",
                Duration::from_secs(3600)
            )
            .unwrap(),
        Some(JobState::Queued)
    );
    assert!(
        store
            .lease_next("w1", Duration::from_secs(60))
            .unwrap()
            .is_none()
    );
    assert_eq!(store.queue_depth().unwrap(), 1);
    store
        .retry_later(job.id, "nobody", "x", Duration::ZERO)
        .unwrap();
    store
        .conn
        .execute(
            "UPDATE jobs SET available_at = '2000-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let again = store
        .lease_next("w1", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    assert_eq!(again.last_error.as_deref(), Some("cluster unreachable"));

    // Released at shutdown: back in the queue without using up the attempt.
    assert!(store.release_job(job.id, "w1").unwrap());
    let job = store.job(job.id).unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Queued, 1));

    // Out of attempts: failed for good, with the error kept; `aida retry` queues it again.
    for attempt in 2..=3 {
        let j = store
            .lease_next("w1", Duration::from_secs(60))
            .unwrap()
            .unwrap();
        assert_eq!(j.attempts, attempt);
        let state = store
            .retry_later(j.id, "w1", &format!("boom {attempt}"), Duration::ZERO)
            .unwrap();
        assert_eq!(
            state,
            Some(if attempt == 3 {
                JobState::Failed
            } else {
                JobState::Queued
            })
        );
    }
    let failed = store.latest_job("a").unwrap().unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("boom 3"));
    assert!(store.requeue_failed(failed.id).unwrap());
    assert!(!store.requeue_failed(failed.id).unwrap());
    let requeued = store.job(failed.id).unwrap().unwrap();
    assert_eq!((requeued.state, requeued.attempts), (JobState::Queued, 0));
    assert!(requeued.enqueued_at >= failed.enqueued_at);
}

#[test]
fn an_expired_lease_on_the_last_attempt_fails_the_job() {
    let mut store = Store::open_in_memory().unwrap();
    let id = store.enqueue(&incident("inc-1")).unwrap();
    for _ in 0..3 {
        store.lease_next("w", Duration::ZERO).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(3));
    }
    assert!(store.lease_next("w", Duration::ZERO).unwrap().is_none());
    let job = store.job(id).unwrap().unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert!(job.last_error.unwrap().contains("attempt 3 of 3 expired"));
    assert_eq!(store.queue_depth().unwrap(), 0);
}

#[test]
fn leases_of_a_dead_local_process_are_taken_back_at_once() {
    let mut store = Store::open_in_memory().unwrap();
    let host = investigations::hostname();
    let dead = dead_pid();
    for id in ["dead", "alive", "last"] {
        store.enqueue(&incident(id)).unwrap();
    }
    let owners = [
        format!("{host}:{dead}/w0"),
        format!("{}/w1", runner_id()),
        format!("{host}:{dead}/w2"),
    ];
    for owner in &owners {
        store
            .lease_next(owner, Duration::from_secs(600))
            .unwrap()
            .unwrap();
    }
    store
        .conn
        .execute(
            "UPDATE jobs SET attempts = 3 WHERE incident_id = 'last'",
            [],
        )
        .unwrap();
    assert_eq!(store.recover_orphaned_jobs().unwrap(), 2);
    let state = |inc: &str| store.latest_job(inc).unwrap().unwrap();
    assert_eq!(state("dead").state, JobState::Queued);
    assert_eq!(state("alive").state, JobState::Leased);
    assert_eq!(state("last").state, JobState::Failed);
    assert!(state("last").last_error.unwrap().contains("is gone"));
}

#[test]
fn a_finished_run_is_found_and_a_running_one_interrupted() {
    let store = Store::open_in_memory().unwrap();
    let before = now();
    investigation(&store, "inc-1", "inv-1");
    assert_eq!(store.finished_since("inc-1", &before).unwrap(), None);
    assert_eq!(store.interrupt_running("inc-1", "shutdown").unwrap(), 1);
    assert_eq!(
        store.investigation("inv-1").unwrap().unwrap().status,
        InvestigationStatus::Interrupted
    );
    let mut store = store;
    investigation(&store, "inc-1", "inv-2");
    store.finish_investigation("inv-2", &finished()).unwrap();
    assert_eq!(
        store.finished_since("inc-1", &before).unwrap().as_deref(),
        Some("inv-2")
    );
    assert_eq!(
        store
            .finished_since("inc-1", "2999-01-01T00:00:00.000Z")
            .unwrap(),
        None
    );
}

#[test]
fn incidents_are_listed_newest_first_with_their_status() {
    let mut store = Store::open_in_memory().unwrap();
    // A CLI investigation, finished and approved.
    investigation(&store, "cli", "inv-cli");
    store.finish_investigation("inv-cli", &finished()).unwrap();
    store
        .add_feedback(&NewFeedback {
            investigation_id: "inv-cli".into(),
            reviewer: "alice".into(),
            verdict: Verdict::Approved,
            corrected_text: None,
            comment: None,
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(3));
    store
        .receive(&[vec![incoming("queued", "fp-q", T0, false)]], 10)
        .unwrap();
    std::thread::sleep(Duration::from_millis(3));
    store
        .receive(&[vec![incoming("running", "fp-r", T0, false)]], 10)
        .unwrap();
    let all = store.list_incidents(&IncidentFilter::default()).unwrap();
    let ids: Vec<_> = all.iter().map(|s| s.incident_id.as_str()).collect();
    assert_eq!(ids, ["running", "queued", "cli"]);
    let cli = &all[2];
    assert_eq!(cli.status, IncidentStatus::Done);
    assert_eq!(cli.category, Some(Category::OomKilled));
    assert_eq!(cli.feedback_status.as_deref(), Some("Approved"));
    assert_eq!(cli.attempts, 1);
    assert_eq!(all[0].feedback_status, None);

    store
        .lease_next("w", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    let running = store
        .list_incidents(&IncidentFilter {
            status: Some(IncidentStatus::Running),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].incident_id, "queued");
    assert_eq!(running[0].attempts, 1);
    let limited = store
        .list_incidents(&IncidentFilter {
            limit: Some(1),
            alert_name: Some("KubePodCrashLooping".into()),
            since: Some(before_all()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(limited.len(), 1);
    assert!(
        store
            .list_incidents(&IncidentFilter {
                alert_name: Some("Other".into()),
                ..Default::default()
            })
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.latest_report("cli").unwrap().unwrap().id, "inv-cli");
    assert!(store.latest_report("queued").unwrap().is_none());
}

fn before_all() -> String {
    "2000-01-01T00:00:00.000Z".into()
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    {
        let store = Store::open(&path).unwrap();
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    assert!(err.to_string().contains("upgrade aida"));
}

#[test]
fn investigation_round_trip_with_trajectory_and_outbox() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    store.finish_investigation("inv-1", &finished()).unwrap();
    let inv = store.investigation("inv-1").unwrap().unwrap();
    assert_eq!(inv.status, InvestigationStatus::Success);
    assert_eq!(inv.category, Some(Category::OomKilled));
    assert_eq!(inv.report, Some(json!({"root_cause": "OOMKilled"})));
    assert_eq!(inv.prompt_input, finished().prompt_input);
    assert!(inv.finished_at.is_some());
    let steps = store.steps("inv-1").unwrap();
    assert_eq!(steps, finished().steps);
    let outbox = store.outbox_pending(10).unwrap();
    let kinds: Vec<_> = outbox.iter().map(|o| o.kind).collect();
    assert_eq!(kinds, vec![OutboxKind::Run, OutboxKind::Trace]);
    store
        .outbox_mark_failed(outbox[0].id, "connection refused", None, false)
        .unwrap();
    store.outbox_mark_synced(outbox[1].id).unwrap();
    let pending = store.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(pending[0].last_error.as_deref(), Some("connection refused"));
}

#[test]
fn finishing_an_unknown_investigation_is_not_found() {
    let mut store = Store::open_in_memory().unwrap();
    let err = store.finish_investigation("nope", &finished()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }));
}

#[test]
fn feedback_and_unreviewed_listing() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    investigation(&store, "inc-2", "inv-2");
    store.finish_investigation("inv-1", &finished()).unwrap();
    store.finish_investigation("inv-2", &finished()).unwrap();
    let unreviewed = ListFilter {
        unreviewed_only: true,
        ..Default::default()
    };
    assert_eq!(store.list_investigations(&unreviewed).unwrap().len(), 2);
    store
        .add_feedback(&NewFeedback {
            investigation_id: "inv-1".into(),
            reviewer: "alice".into(),
            verdict: Verdict::Corrected,
            corrected_text: Some("Root cause: bad config".into()),
            comment: None,
        })
        .unwrap();
    let left = store.list_investigations(&unreviewed).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, "inv-2");
    let fb = store.latest_feedback("inv-1").unwrap().unwrap();
    assert_eq!(fb.verdict, Verdict::Corrected);
    assert_eq!(fb.reviewer, "alice");
    // A correction without text violates the schema.
    let bad = store.add_feedback(&NewFeedback {
        investigation_id: "inv-2".into(),
        reviewer: "bob".into(),
        verdict: Verdict::Corrected,
        corrected_text: None,
        comment: None,
    });
    assert!(bad.is_err());
    assert_eq!(store.counts().unwrap().reviewed, 1);
}

#[test]
fn job_queue_leases_retries_and_recovers_expired_leases() {
    let mut store = Store::open_in_memory().unwrap();
    let job_id = store.enqueue(&incident("inc-1")).unwrap();
    assert!(store.incident("inc-1").unwrap().is_some());
    assert_eq!(store.queue_depth().unwrap(), 1);

    let job = store
        .lease_next("w1", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert_eq!(job.id, job_id);
    assert_eq!(job.state, JobState::Leased);
    assert_eq!(job.attempts, 1);
    // Leased and not expired: nobody else gets it.
    assert!(
        store
            .lease_next("w2", Duration::from_secs(60))
            .unwrap()
            .is_none()
    );

    store.fail_job(job_id, "LLM timed out").unwrap();
    assert_eq!(store.job(job_id).unwrap().unwrap().state, JobState::Queued);

    // A worker that dies leaves an expired lease behind; the job is taken again.
    let again = store.lease_next("w2", Duration::ZERO).unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    std::thread::sleep(Duration::from_millis(5));
    let third = store
        .lease_next("w3", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    assert_eq!(third.attempts, 3);
    assert_eq!(third.lease_owner.as_deref(), Some("w3"));

    // Out of attempts: failed for good.
    store.fail_job(job_id, "still broken").unwrap();
    let dead = store.job(job_id).unwrap().unwrap();
    assert_eq!(dead.state, JobState::Failed);
    assert_eq!(dead.last_error.as_deref(), Some("still broken"));
    assert_eq!(store.queue_depth().unwrap(), 0);

    let ok = store.enqueue(&incident("inc-2")).unwrap();
    store.lease_next("w1", Duration::from_secs(60)).unwrap();
    store.complete_job(ok).unwrap();
    assert_eq!(store.job(ok).unwrap().unwrap().state, JobState::Done);
}

#[test]
fn enqueued_alert_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    Store::open(&path)
        .unwrap()
        .enqueue(&incident("inc-1"))
        .unwrap();
    let mut reopened = Store::open(&path).unwrap();
    let job = reopened
        .lease_next("w", Duration::from_secs(1))
        .unwrap()
        .unwrap();
    assert_eq!(job.incident_id, "inc-1");
}

/// Several processes opening a brand-new home at once (four `aida investigate` in parallel): every
/// open must succeed and leave the latest schema, however the first opens interleave.
#[test]
fn concurrent_first_opens_all_succeed() {
    const THREADS: usize = 8;
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aida.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let path = path.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|store| store.schema_version().unwrap())
                })
            })
            .collect();
        for handle in handles {
            match handle.join().unwrap() {
                Ok(version) => assert_eq!(version, SCHEMA_VERSION, "round {round}"),
                Err(err) => panic!("round {round}: concurrent open failed: {err}"),
            }
        }
    }
}

/// A category this build does not know (a newer aida wrote it, or someone edited the file) is an
/// error that says where it is, not a silent `None` or a bare "conversion failed at index 4".
#[test]
fn unknown_category_in_a_row_is_an_error_naming_the_row() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-good");
    investigation(&store, "inc-2", "inv-bad");
    store.finish_investigation("inv-good", &finished()).unwrap();
    store
        .conn
        .execute(
            "UPDATE investigations SET category = 'cosmic_rays' WHERE id = 'inv-bad'",
            [],
        )
        .unwrap();
    let good = store.investigation("inv-good").unwrap().unwrap();
    assert_eq!(good.category, Some(Category::OomKilled));
    for err in [
        store.investigation("inv-bad").unwrap_err(),
        store
            .list_investigations(&ListFilter::default())
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::BadValue(_)), "{err:?}");
        let text = err.to_string();
        for part in ["investigations", "inv-bad", "category", "\"cosmic_rays\""] {
            assert!(text.contains(part), "{part:?} missing from {text:?}");
        }
    }
}

#[test]
fn a_started_investigation_is_owned_by_this_process_and_beats() {
    let store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    let inv = store.investigation("inv-1").unwrap().unwrap();
    let me = runner_id();
    assert!(me.ends_with(&format!(":{}", std::process::id())), "{me}");
    assert_eq!(inv.runner.as_deref(), Some(me.as_str()));
    assert_eq!(inv.heartbeat_at.as_deref(), Some(inv.started_at.as_str()));

    std::thread::sleep(Duration::from_millis(5));
    assert!(store.heartbeat("inv-1").unwrap());
    let beaten = store.investigation("inv-1").unwrap().unwrap();
    assert!(beaten.heartbeat_at.unwrap() > inv.started_at);
    let err = store.heartbeat("nope").unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
}

#[test]
fn mark_interrupted_changes_only_a_running_row() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    investigation(&store, "inc-2", "inv-2");
    store.finish_investigation("inv-2", &finished()).unwrap();

    assert!(store.mark_interrupted("inv-1", "received SIGTERM").unwrap());
    let inv = store.investigation("inv-1").unwrap().unwrap();
    assert_eq!(inv.status, InvestigationStatus::Interrupted);
    assert_eq!(inv.error.as_deref(), Some("received SIGTERM"));
    assert!(inv.finished_at.is_some());
    // Once is enough; a stopped run does not beat; a finished run is left alone.
    assert!(!store.mark_interrupted("inv-1", "again").unwrap());
    assert_eq!(
        store
            .investigation("inv-1")
            .unwrap()
            .unwrap()
            .error
            .as_deref(),
        Some("received SIGTERM")
    );
    assert!(!store.heartbeat("inv-1").unwrap());
    assert!(!store.mark_interrupted("inv-2", "too late").unwrap());
    let done = store.investigation("inv-2").unwrap().unwrap();
    assert_eq!(done.status, InvestigationStatus::Success);
    assert_eq!(done.error, None);
    assert!(matches!(
        store.mark_interrupted("nope", "x").unwrap_err(),
        StoreError::NotFound { .. }
    ));
    // An interrupted run has no outcome to review.
    let unreviewed = ListFilter {
        unreviewed_only: true,
        ..Default::default()
    };
    let ids: Vec<_> = store
        .list_investigations(&unreviewed)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, vec!["inv-2"]);
}

#[test]
fn the_new_statuses_round_trip() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    let degraded = Finished {
        status: InvestigationStatus::Degraded,
        ..finished()
    };
    store.finish_investigation("inv-1", &degraded).unwrap();
    let inv = store.investigation("inv-1").unwrap().unwrap();
    assert_eq!(inv.status, InvestigationStatus::Degraded);
    assert_eq!(inv.status.as_str(), "complete_degraded");
    assert_eq!(InvestigationStatus::Interrupted.as_str(), "interrupted");
}

/// A pid that no process has: a child that ran and was reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn runs_whose_process_is_gone_are_recovered_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aida.db");
    let host = investigations::hostname();
    let dead = dead_pid();
    let stale = ago(STALE_HEARTBEAT + Duration::from_secs(60));
    let fresh = now();
    // (id, runner, heartbeat, still running after the next open)
    let rows = [
        ("dead-local", format!("{host}:{dead}"), fresh.clone(), false),
        ("mine", runner_id(), fresh.clone(), true),
        // A live pid that stopped beating may be a reused pid: taken for dead too.
        ("mine-silent", runner_id(), stale.clone(), false),
        // Runs on other hosts: only their heartbeat counts, not what a pid means here.
        (
            "remote-silent",
            "elsewhere.example:1".to_string(),
            stale.clone(),
            false,
        ),
        (
            "remote-beating",
            format!("elsewhere.example:{dead}"),
            fresh.clone(),
            true,
        ),
    ];
    {
        let mut store = Store::open(&path).unwrap();
        for (i, (id, runner, heartbeat, _)) in rows.iter().enumerate() {
            investigation(&store, &format!("inc-{i}"), id);
            store
                .conn
                .execute(
                    "UPDATE investigations SET runner = ?2, heartbeat_at = ?3 WHERE id = ?1",
                    rusqlite::params![id, runner, heartbeat],
                )
                .unwrap();
        }
        // A finished run is never touched, whoever ran it.
        investigation(&store, "inc-done", "done");
        store.finish_investigation("done", &finished()).unwrap();
        store
            .conn
            .execute(
                "UPDATE investigations SET runner = ?1 WHERE id = 'done'",
                [format!("{host}:{dead}")],
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    for (id, _, _, still_running) in &rows {
        let inv = store.investigation(id).unwrap().unwrap();
        if *still_running {
            assert_eq!(inv.status, InvestigationStatus::Running, "{id}");
            assert_eq!(inv.error, None, "{id}");
        } else {
            assert_eq!(inv.status, InvestigationStatus::Interrupted, "{id}");
            assert_eq!(inv.error.as_deref(), Some(RUNNER_GONE), "{id}");
            assert!(inv.finished_at.is_some(), "{id}");
        }
    }
    let done = store.investigation("done").unwrap().unwrap();
    assert_eq!(done.status, InvestigationStatus::Success);
    assert_eq!(store.recover_stale_runs().unwrap(), 0);
}

#[test]
fn an_undone_review_no_longer_counts_and_is_queued_for_mlflow_again() {
    let mut store = Store::open_in_memory().unwrap();
    investigation(&store, "inc-1", "inv-1");
    store.finish_investigation("inv-1", &finished()).unwrap();
    investigation(&store, "inc-2", "inv-running");
    let review = |verdict, comment: Option<&str>| NewFeedback {
        investigation_id: "inv-1".into(),
        reviewer: "alice".into(),
        verdict,
        corrected_text: None,
        comment: comment.map(str::to_string),
    };
    let first = store
        .add_feedback(&review(Verdict::Rejected, Some("wrong pod")))
        .unwrap();
    let second = store
        .add_feedback(&review(Verdict::Approved, None))
        .unwrap();
    // Only finished investigations are in the review queue.
    let queue = store.review_queue().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].investigation_id, "inv-1");
    assert_eq!(queue[0].verdict, Some(Verdict::Approved));
    assert_eq!(queue[0].alert["labels"]["namespace"], "shop");

    assert!(store.retract_feedback(second).unwrap());
    assert!(!store.retract_feedback(second).unwrap(), "once only");
    assert!(matches!(
        store.retract_feedback(999),
        Err(StoreError::NotFound { .. })
    ));
    // The earlier verdict stands again, everywhere the verdict is read.
    assert_eq!(store.latest_feedback("inv-1").unwrap().unwrap().id, first);
    assert_eq!(
        store.review_queue().unwrap()[0].verdict,
        Some(Verdict::Rejected)
    );
    let summary = store.incident_summary("inc-1").unwrap().unwrap();
    assert_eq!(summary.feedback_status.as_deref(), Some("Rejected"));
    store.retract_feedback(first).unwrap();
    assert!(store.latest_feedback("inv-1").unwrap().is_none());
    let summary = store.incident_summary("inc-1").unwrap().unwrap();
    assert_eq!(summary.feedback_status.as_deref(), Some("Pending"));
    assert_eq!(store.counts().unwrap().reviewed, 0);
    let unreviewed = ListFilter {
        unreviewed_only: true,
        ..Default::default()
    };
    assert_eq!(store.list_investigations(&unreviewed).unwrap().len(), 1);
    // Two reviews and two undos: four feedback items for MLflow, the undos under the same ids.
    let feedback: Vec<String> = store
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OutboxKind::Feedback)
        .map(|o| o.entity_id)
        .collect();
    assert_eq!(
        feedback,
        [first, second, second, first].map(|id| id.to_string())
    );
    assert!(
        store
            .feedback(second)
            .unwrap()
            .unwrap()
            .retracted_at
            .is_some()
    );
}
