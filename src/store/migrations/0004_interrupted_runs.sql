-- Runs that never finish. New statuses: `interrupted` (Ctrl-C, SIGTERM, a crash: set by the run
-- itself, or on open by the stale-run recovery) and `complete_degraded` (finished, but evidence
-- could not be fully read). A running row gets an owner: `runner` (`<hostname>:<pid>`) and
-- `heartbeat_at` (refreshed while it runs).
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"). The store applies migrations with foreign keys off, so
-- dropping the old table does not cascade into trajectory_steps and feedback, and runs
-- `PRAGMA foreign_key_check` before committing.
CREATE TABLE investigations_new (
    id                 TEXT PRIMARY KEY,
    incident_id        TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    status             TEXT NOT NULL CHECK (status IN ('running', 'complete_success',
                           'complete_failure', 'complete_degraded', 'interrupted')),
    category           TEXT,
    confidence         REAL,
    report_json        TEXT,
    error              TEXT,
    backend            TEXT NOT NULL,
    model_name         TEXT NOT NULL,
    adapter            TEXT,
    timings_json       TEXT NOT NULL DEFAULT '{}',
    tokens_json        TEXT NOT NULL DEFAULT '{}',
    started_at         TEXT NOT NULL,
    finished_at        TEXT,
    prompt_input_json  TEXT,
    runner             TEXT,
    heartbeat_at       TEXT
);

-- Rows still running from before have no owner; their start time stands in for a heartbeat, so
-- the ones left behind by a dead process are recovered by heartbeat age.
INSERT INTO investigations_new (id, incident_id, status, category, confidence, report_json, error,
    backend, model_name, adapter, timings_json, tokens_json, started_at, finished_at,
    prompt_input_json, runner, heartbeat_at)
SELECT id, incident_id, status, category, confidence, report_json, error,
    backend, model_name, adapter, timings_json, tokens_json, started_at, finished_at,
    prompt_input_json, NULL, CASE WHEN status = 'running' THEN started_at END
FROM investigations;

DROP TABLE investigations;
ALTER TABLE investigations_new RENAME TO investigations;

CREATE INDEX investigations_incident ON investigations (incident_id);
CREATE INDEX investigations_finished_at ON investigations (finished_at);
-- The stale-run recovery on open looks only at running rows.
CREATE INDEX investigations_status ON investigations (status);
