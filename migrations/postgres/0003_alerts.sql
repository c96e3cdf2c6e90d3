-- tower-ping schema, version 3 (PostgreSQL): the outbox of alerts. Every
-- alertable flip waits here until the app's notifier took it: claimed by a
-- monitor for a lease, retried after failures, marked delivered after.

ALTER TABLE tower_ping_flips
    ADD COLUMN delivered_at  BIGINT,
    ADD COLUMN attempts      INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN retry_at      BIGINT,
    ADD COLUMN claimed_by    TEXT,
    ADD COLUMN claimed_until BIGINT;

-- Room on every page for the claims' updates to stay there (HOT).
ALTER TABLE tower_ping_flips SET (fillfactor = 50);

-- The alerts still to deliver: in the order recorded (a claim walks it and
-- stops once it has enough), and each check's in order (to skip a check
-- whose earlier alert is not delivered yet).
CREATE INDEX tower_ping_flips_outbox ON tower_ping_flips (id)
    WHERE alertable AND delivered_at IS NULL;
CREATE INDEX tower_ping_flips_outbox_check ON tower_ping_flips (check_id, id)
    WHERE alertable AND delivered_at IS NULL;
