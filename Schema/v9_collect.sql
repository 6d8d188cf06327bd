-- Pond schema version 9: remotes pushed after every write, where their
-- credentials come from, and derived files that are rollups
-- (DESIGN.md, "Configure and collect" and "Rollups").
--
-- `auto_push`: after every command that makes a version, the remote is
-- pushed; a failed push is reported and never undoes the commit.
-- `access_key_id` and `secret_access_key` are never keys: only references
-- `${env:NAME}` to the environment variable that holds one when a push runs
-- (NULL: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as before).
ALTER TABLE remotes ADD COLUMN auto_push INTEGER NOT NULL DEFAULT 0 CHECK (auto_push IN (0, 1));
ALTER TABLE remotes ADD COLUMN access_key_id TEXT CHECK (access_key_id GLOB '${env:?*}');
ALTER TABLE remotes ADD COLUMN secret_access_key TEXT CHECK (secret_access_key GLOB '${env:?*}');

-- A derived file's factory may now also be 'join' (a full outer join of
-- series on their time) or 'pivot' (one column of every match of a glob);
-- its definition, its content, is the rollup's lines (TinyFS
-- `RollupDefinition`). A CHECK cannot be altered: the table is made again,
-- its rows kept (no view or index reads it).
CREATE TABLE derived_v9(
  node_id INTEGER PRIMARY KEY,                    -- the file node (log.node_id)
  version INTEGER NOT NULL CHECK (version >= 1),  -- the version that made it (versions.version)
  factory TEXT NOT NULL CHECK (factory IN ('sql', 'join', 'pivot'))
) STRICT;
INSERT INTO derived_v9(node_id, version, factory) SELECT node_id, version, factory FROM derived;
DROP TABLE derived;
ALTER TABLE derived_v9 RENAME TO derived;

-- Time ranges (DESIGN.md, "Time series"): for the bytes one write or append
-- added to a tabular file with a time column, the smallest and largest time
-- of its rows, kept when it was written. `content` is the file's content
-- after that write, `start` the offset its bytes begin at (0 for a whole
-- file; the base's size for an append), so a file that grew by appends has
-- one range per append, found through its writes (`appends`). Derived data:
-- `pond fsck` reads the bytes again and compares; a query skips the files
-- and appends whose range cannot hold what it asks for.
CREATE TABLE time_ranges(
  content     BLOB NOT NULL,     -- contents.hash of the file after the write
  start       INTEGER NOT NULL,  -- the offset of the first byte the write added
  rows        INTEGER NOT NULL,  -- the rows it added
  text_low    BLOB,              -- the time column's smallest and largest value as text (BINARY order)
  text_high   BLOB,
  number_low  REAL,              -- ... as numbers (an epoch column)
  number_high REAL,
  micros_low  INTEGER,           -- ... as microseconds since 1970 UTC (what _time gives)
  micros_high INTEGER,
  PRIMARY KEY (content, start)
) STRICT, WITHOUT ROWID;

-- What derived files and rollups computed (DESIGN.md, "What computing them
-- costs"): their bytes, keyed by the query run and the exact contents it
-- read, so that reading one again at the same inputs is a lookup. Derived
-- data outside the log and its chain: never shipped to remotes, dropped by
-- `pond prune --cache`, a sample recomputed and compared by `pond fsck`.
-- `family` is the same for one derived file's results at any inputs; a
-- reduce table's `source` is the content it read, so that after an append
-- only the buckets the new rows touch are computed again.
CREATE TABLE derived_cache(
  key      BLOB PRIMARY KEY,  -- SHA-256 of the factory, the query and the contents it read
  family   BLOB NOT NULL,     -- SHA-256 of the factory, the definition and the file's name
  source   BLOB,              -- a reduce table's one source content (contents.hash)
  path     TEXT NOT NULL,     -- where it was computed, and at which version
  version  INTEGER NOT NULL,
  bytes    BLOB NOT NULL,
  made     TEXT NOT NULL      -- when, ISO-8601 UTC
) STRICT, WITHOUT ROWID;
CREATE INDEX derived_cache_by_family ON derived_cache(family, made);
