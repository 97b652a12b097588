-- Undoing a verdict (`u` in `aida review`) keeps the row and marks it retracted, so MLflow can be
-- told (the undo is queued in the outbox like the verdict was) and the history stays auditable.
-- The verdict of an investigation is its newest row that is not retracted.
ALTER TABLE feedback ADD COLUMN retracted_at TEXT;
