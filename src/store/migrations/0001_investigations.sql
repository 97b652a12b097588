-- Incidents (one per alert, keyed by Alertmanager fingerprint when it has one),
-- investigations of them, their trajectories, and human feedback.
CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    fingerprint  TEXT,
    alert_name   TEXT NOT NULL,
    alert_json   TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('cli', 'webhook', 'eval')),
    created_at   TEXT NOT NULL
);
CREATE INDEX incidents_fingerprint ON incidents (fingerprint);
CREATE INDEX incidents_created_at ON incidents (created_at);

CREATE TABLE investigations (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('running', 'complete_success', 'complete_failure')),
    category      TEXT,
    confidence    REAL,
    report_json   TEXT,
    error         TEXT,
    backend       TEXT NOT NULL,
    model_name    TEXT NOT NULL,
    adapter       TEXT,
    timings_json  TEXT NOT NULL DEFAULT '{}',
    tokens_json   TEXT NOT NULL DEFAULT '{}',
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX investigations_incident ON investigations (incident_id);
CREATE INDEX investigations_finished_at ON investigations (finished_at);

CREATE TABLE trajectory_steps (
    investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
    step              INTEGER NOT NULL,
    tool              TEXT NOT NULL,
    input_json        TEXT NOT NULL,
    output_excerpt    TEXT NOT NULL,
    duration_ms       INTEGER NOT NULL,
    PRIMARY KEY (investigation_id, step)
);

CREATE TABLE feedback (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    investigation_id  TEXT NOT NULL REFERENCES investigations (id) ON DELETE CASCADE,
    reviewer          TEXT NOT NULL,
    verdict           TEXT NOT NULL CHECK (verdict IN ('Approved', 'Corrected', 'Rejected')),
    corrected_text    TEXT,
    comment           TEXT,
    created_at        TEXT NOT NULL,
    CHECK (verdict != 'Corrected' OR corrected_text IS NOT NULL)
);
CREATE INDEX feedback_investigation ON feedback (investigation_id);
