-- tower-ping schema, version 3 (SQLite): the outbox of alerts. Every
-- alertable flip waits here until the app's notifier took it: claimed by a
-- monitor for a lease, retried after failures, marked delivered after.

ALTER TABLE tower_ping_flips ADD COLUMN delivered_at INTEGER;
ALTER TABLE tower_ping_flips ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tower_ping_flips ADD COLUMN retry_at INTEGER;
ALTER TABLE tower_ping_flips ADD COLUMN claimed_by TEXT;
ALTER TABLE tower_ping_flips ADD COLUMN claimed_until INTEGER;

-- The alerts still to deliver, each check's in order.
CREATE INDEX tower_ping_flips_outbox ON tower_ping_flips (check_id, id)
    WHERE alertable AND delivered_at IS NULL;
