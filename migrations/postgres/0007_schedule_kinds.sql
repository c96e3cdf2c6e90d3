-- tower-ping schema, version 7 (PostgreSQL): a check's schedule expression
-- may be cron or OnCalendar; the column says which, and is named for both.

ALTER TABLE tower_ping_checks RENAME COLUMN cron TO schedule;
-- 'cron' or 'oncalendar', read when `schedule` is not NULL.
ALTER TABLE tower_ping_checks ADD COLUMN schedule_kind TEXT NOT NULL DEFAULT 'cron';
