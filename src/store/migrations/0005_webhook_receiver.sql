-- The webhook receiver (`aida serve-webhook`).
--
-- Incidents: Alertmanager re-sends an alert that still fires with every group_interval; a
-- re-notification (same fingerprint and startsAt) is folded into the incident it first created:
-- `notifications` counts the deliveries, `last_seen_at` is the latest. A resolved notification
-- closes the open incident (`resolved_at`). `starts_at` is the alert's startsAt (NULL for rows
-- from before this version and for alerts without one).
ALTER TABLE incidents ADD COLUMN starts_at TEXT;
ALTER TABLE incidents ADD COLUMN notifications INTEGER NOT NULL DEFAULT 1;
ALTER TABLE incidents ADD COLUMN last_seen_at TEXT;
ALTER TABLE incidents ADD COLUMN resolved_at TEXT;
UPDATE incidents SET last_seen_at = created_at;

-- One webhook incident per firing of an alert, even if two receivers race (the receiver looks it
-- up first, inside the same write transaction; this makes a second row impossible).
CREATE UNIQUE INDEX incidents_webhook_alert ON incidents (fingerprint, starts_at)
    WHERE source = 'webhook' AND fingerprint IS NOT NULL AND starts_at IS NOT NULL;

-- Jobs: `available_at` delays a retry (backoff; NULL = now); `enqueued_at` is when the job was
-- last put in the queue (enqueue or `aida retry`), so a worker that finds an investigation of the
-- incident finished since then completes the job instead of investigating twice.
ALTER TABLE jobs ADD COLUMN available_at TEXT;
ALTER TABLE jobs ADD COLUMN enqueued_at TEXT;
UPDATE jobs SET enqueued_at = created_at;
CREATE INDEX jobs_incident ON jobs (incident_id);
