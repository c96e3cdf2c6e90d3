-- tower-ping schema, version 5 (SQLite): one row the store rewrites to learn
-- whether the database can take a write again, after a write failed (a full
-- disk, a lost connection).

CREATE TABLE tower_ping_write_probe (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at INTEGER NOT NULL
);
