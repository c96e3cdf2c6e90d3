-- tower-ping schema, version 1 (SQLite). Times are microseconds since the
-- UNIX epoch, durations microseconds; UUIDs are lower-case hyphenated text.

CREATE TABLE tower_ping_projects (
    id       INTEGER PRIMARY KEY,
    ping_key TEXT    NOT NULL UNIQUE
);

CREATE TABLE tower_ping_checks (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    slug           TEXT    NOT NULL,
    project_id     INTEGER REFERENCES tower_ping_projects (id),
    manual_resume  INTEGER NOT NULL DEFAULT 0,
    post_only      INTEGER NOT NULL DEFAULT 0,
    filter_body    INTEGER NOT NULL DEFAULT 0,
    success_kw     TEXT    NOT NULL DEFAULT '',
    failure_kw     TEXT    NOT NULL DEFAULT '',
    start_kw       TEXT    NOT NULL DEFAULT '',
    default_fail   INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL DEFAULT 'new',
    n_pings        INTEGER NOT NULL DEFAULT 0,
    last_ping      INTEGER,
    last_start     INTEGER,
    last_start_rid TEXT,
    last_duration  INTEGER
);

CREATE INDEX tower_ping_checks_slug ON tower_ping_checks (project_id, slug);

-- (check_id, n) is the primary key: a number handed out twice cannot commit.
CREATE TABLE tower_ping_pings (
    check_id    INTEGER NOT NULL REFERENCES tower_ping_checks (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    exit_status INTEGER,
    method      TEXT    NOT NULL,
    scheme      TEXT    NOT NULL,
    remote_addr TEXT,
    user_agent  TEXT,
    rid         TEXT,
    body        BLOB    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (check_id, n)
) WITHOUT ROWID;
