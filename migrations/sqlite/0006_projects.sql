-- tower-ping schema, version 6 (SQLite): projects with a UUID, a name and
-- the digests of their API keys (never the keys), a badge key and the
-- secret badge URLs are signed with; checks with tags, a description, the
-- channels they alert, a badge key of their own, and healthchecks' e-mail
-- filter flags; the app's channels.

ALTER TABLE tower_ping_projects ADD COLUMN uuid TEXT;
ALTER TABLE tower_ping_projects ADD COLUMN name TEXT NOT NULL DEFAULT '';
-- SHA-256 of the read-write and read-only API keys, 64 hex digits.
ALTER TABLE tower_ping_projects ADD COLUMN api_key_hash TEXT;
ALTER TABLE tower_ping_projects ADD COLUMN api_key_ro_hash TEXT;
ALTER TABLE tower_ping_projects ADD COLUMN badge_key TEXT;
-- 32 random bytes, 64 hex digits.
ALTER TABLE tower_ping_projects ADD COLUMN badge_secret TEXT;

-- Projects made by ping keys so far get a random UUID and secret.
UPDATE tower_ping_projects SET
    uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
        substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' ||
        hex(randomblob(6))),
    badge_secret = lower(hex(randomblob(32)));

CREATE UNIQUE INDEX tower_ping_projects_uuid ON tower_ping_projects (uuid);
CREATE UNIQUE INDEX tower_ping_projects_badge_key ON tower_ping_projects (badge_key)
    WHERE badge_key IS NOT NULL;

ALTER TABLE tower_ping_checks ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE tower_ping_checks ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- '*' for every channel, else channel UUIDs separated by commas.
ALTER TABLE tower_ping_checks ADD COLUMN channels TEXT NOT NULL DEFAULT '*';
ALTER TABLE tower_ping_checks ADD COLUMN badge_key TEXT;
ALTER TABLE tower_ping_checks ADD COLUMN filter_subject INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tower_ping_checks ADD COLUMN filter_email_body INTEGER NOT NULL DEFAULT 0;

UPDATE tower_ping_checks SET
    badge_key = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
        substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' ||
        hex(randomblob(6)));

-- A project's checks in the order created: the Management API's listing.
CREATE INDEX tower_ping_checks_project ON tower_ping_checks (project_id, id);
CREATE UNIQUE INDEX tower_ping_checks_badge_key ON tower_ping_checks (badge_key);

CREATE TABLE tower_ping_channels (
    id       INTEGER PRIMARY KEY,
    uuid     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL
);
