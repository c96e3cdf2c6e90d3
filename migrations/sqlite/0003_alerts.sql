-- tower-ping schema, version 3 (SQLite): the outbox of alerts. Every
-- alertable flip waits here until the app's notifier took it: claimed by a
-- monitor for a lease, retried after failures, marked delivered after.

ALTER TABLE tower_ping_flips ADD COLUMN delivered_at INTEGER;
ALTER TABLE tower_ping_flips ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tower_ping_flips ADD COLUMN retry_at INTEGER;
ALTER TABLE tower_ping_flips ADD COLUMN claimed_by TEXT;
ALTER TABLE tower_ping_flips ADD COLUMN claimed_until INTEGER;

-- The alerts still to deliver: in the order recorded (a claim walks it and
-- stops once it has enough), and each check's in order (to skip a check
-- whose earlier alert is not delivered yet).
CREATE INDEX tower_ping_flips_outbox ON tower_ping_flips (id)
    WHERE alertable AND delivered_at IS NULL;
CREATE INDEX tower_ping_flips_outbox_check ON tower_ping_flips (check_id, id)
    WHERE alertable AND delivered_at IS NULL;
