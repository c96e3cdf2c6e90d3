-- tower-ping schema, version 3 (PostgreSQL): the outbox of alerts. Every
-- alertable flip waits here until the app's notifier took it: claimed by a
-- monitor for a lease, retried after failures, marked delivered after.

ALTER TABLE tower_ping_flips
    ADD COLUMN delivered_at  BIGINT,
    ADD COLUMN attempts      INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN retry_at      BIGINT,
    ADD COLUMN claimed_by    TEXT,
    ADD COLUMN claimed_until BIGINT;

-- The alerts still to deliver, each check's in order.
CREATE INDEX tower_ping_flips_outbox ON tower_ping_flips (check_id, id)
    WHERE alertable AND delivered_at IS NULL;
