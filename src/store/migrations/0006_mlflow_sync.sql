-- MLflow sync: outbox items retry with backoff, park after repeated failures, and remember how
-- far they got; the MLflow ids of each synced investigation.
ALTER TABLE sync_outbox ADD COLUMN next_attempt_at TEXT;       -- NULL = due now
ALTER TABLE sync_outbox ADD COLUMN parked_at TEXT;             -- set = given up until unparked
ALTER TABLE sync_outbox ADD COLUMN steps_json TEXT NOT NULL DEFAULT '[]'; -- steps already done
ALTER TABLE sync_outbox ADD COLUMN claimed_until TEXT;         -- a syncing process holds it until then
CREATE INDEX sync_outbox_due ON sync_outbox (synced_at, parked_at, next_attempt_at, id);

CREATE TABLE mlflow_links (
    investigation_id TEXT PRIMARY KEY REFERENCES investigations (id) ON DELETE CASCADE,
    experiment_id    TEXT NOT NULL,
    run_id           TEXT,
    trace_id         TEXT,
    updated_at       TEXT NOT NULL
);
