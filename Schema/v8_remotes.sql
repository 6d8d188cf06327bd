-- Pond schema version 8: remotes.
--
-- A remote is a place outside this pond file that holds its versions
-- (DESIGN.md, "Remotes"; Schema/remote_segment.sql is the format of what
-- is kept there). This table is configuration, not history: `pond remote
-- add` and `remove` change it without a version, and the hash chain does
-- not cover it. Credentials are never kept here: they come from the
-- environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
CREATE TABLE remotes(
  name     TEXT PRIMARY KEY CHECK (length(name) > 0), -- as `pond push NAME` names it
  url      TEXT NOT NULL,  -- file:///dir or s3://bucket/prefix
  endpoint TEXT            -- for s3://: the server, e.g. http://127.0.0.1:8333; NULL for AWS's own
) STRICT, WITHOUT ROWID;
