-- tower-ping schema, version 8 (SQLite): alert policy. Checks keep their
-- tolerance (consecutive failures to go down, successes to come up), their
-- longest run and reminder interval, and in their state the counts and the
-- time they went down. Alerts move out of the flips into an outbox of their
-- own: one row per flip (or reminder) and channel, deleted once delivered.

ALTER TABLE tower_ping_checks ADD COLUMN down_after_failures INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tower_ping_checks ADD COLUMN up_after_successes INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tower_ping_checks ADD COLUMN max_runtime INTEGER;
ALTER TABLE tower_ping_checks ADD COLUMN remind_every INTEGER;
ALTER TABLE tower_ping_checks ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tower_ping_checks ADD COLUMN successes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tower_ping_checks ADD COLUMN down_at INTEGER;
ALTER TABLE tower_ping_checks ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;

-- A check down now went down at its latest flip to down.
UPDATE tower_ping_checks SET down_at = (
    SELECT f.at FROM tower_ping_flips f
    WHERE f.check_id = tower_ping_checks.id AND f.new_status = 'down'
    ORDER BY f.id DESC LIMIT 1)
WHERE status = 'down';

-- Every alert still to deliver: of which flip (a reminder: of the check's
-- down flip, with its number), for which channel ('' when the app had
-- registered none), how many older ones it stands for, and its claim.
CREATE TABLE tower_ping_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id      INTEGER NOT NULL REFERENCES tower_ping_checks (id) ON DELETE CASCADE,
    flip_id       INTEGER NOT NULL REFERENCES tower_ping_flips (id) ON DELETE CASCADE,
    channel       TEXT    NOT NULL DEFAULT '',
    reminder      INTEGER NOT NULL DEFAULT 0,
    folded        INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_at      INTEGER,
    claimed_by    TEXT,
    claimed_until INTEGER
);

-- A queue per check and channel, in order; a flip's alerts, to tell when
-- the last one went.
CREATE INDEX tower_ping_alerts_queue ON tower_ping_alerts (check_id, channel, id);
CREATE INDEX tower_ping_alerts_flip ON tower_ping_alerts (flip_id);

-- The alerts not delivered yet keep their attempts, retry time and claim.
INSERT INTO tower_ping_alerts (check_id, flip_id, attempts, retry_at, claimed_by, claimed_until)
    SELECT check_id, id, attempts, retry_at, claimed_by, claimed_until
    FROM tower_ping_flips WHERE alertable AND delivered_at IS NULL ORDER BY id;

DROP INDEX tower_ping_flips_outbox;
DROP INDEX tower_ping_flips_outbox_check;
