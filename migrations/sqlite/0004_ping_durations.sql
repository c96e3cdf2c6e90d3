-- tower-ping schema, version 4 (SQLite): each logged ping keeps the run time it
-- measured (microseconds), when it ended a started run. Pings logged before
-- have none.

ALTER TABLE tower_ping_pings ADD COLUMN duration INTEGER;
