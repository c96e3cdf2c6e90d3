-- tower-ping schema, version 2 (SQLite): schedules, deadlines and flips.
-- Durations are microseconds; `cron` is NULL for a period schedule, whose
-- period is `timeout`.

ALTER TABLE tower_ping_checks ADD COLUMN timeout INTEGER NOT NULL DEFAULT 86400000000;
ALTER TABLE tower_ping_checks ADD COLUMN cron TEXT;
ALTER TABLE tower_ping_checks ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE tower_ping_checks ADD COLUMN grace INTEGER NOT NULL DEFAULT 3600000000;
ALTER TABLE tower_ping_checks ADD COLUMN alert_after INTEGER;

-- Checks of an existing database get the deadline their state implies under
-- the default schedule (the state machine's `alert_after`).
UPDATE tower_ping_checks SET alert_after = CASE
    WHEN status = 'up' AND last_ping IS NOT NULL AND last_start IS NOT NULL
        THEN MIN(last_ping + timeout, last_start) + grace
    WHEN status = 'up' AND last_ping IS NOT NULL THEN last_ping + timeout + grace
    WHEN status IN ('new', 'up') AND last_start IS NOT NULL THEN last_start + grace
    END;

-- The monitor's one query when nothing is due: the earliest deadline.
CREATE INDEX tower_ping_checks_alert_after ON tower_ping_checks (alert_after)
    WHERE alert_after IS NOT NULL;

-- Every status change, in the order recorded, with the ping or sweep that
-- made it (AUTOINCREMENT: a number is never handed out twice, even after
-- the newest flips went with their check).
CREATE TABLE tower_ping_flips (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id   INTEGER NOT NULL REFERENCES tower_ping_checks (id) ON DELETE CASCADE,
    old_status TEXT    NOT NULL,
    new_status TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    alertable  INTEGER NOT NULL
);

CREATE INDEX tower_ping_flips_check ON tower_ping_flips (check_id, id);
