-- Pond schema version 1: the operation log and its transactions.
--
-- A pond is ONE SQLite database. Nothing in `log` or `versions` is ever
-- updated or deleted: every change to the tree is a new row, and the tree at
-- version V is the fold of the rows with version <= V (DESIGN.md, "Folding").
-- Anything else a pond holds is derived from these two tables.
--
-- This file is a shipped migration: it is never edited. Later schema
-- versions add files of their own (Schema/Schema.swift lists them in order).

PRAGMA application_id = 1347374660; -- 0x504F4E44, 'POND' in ASCII

-- One row per committed transaction that changed the pond.
-- Versions are contiguous: 1 (the `pond init` that made the root), 2, 3, ...
-- A version's rows in `log` exist exactly when its row here exists, because
-- both are written in the same SQLite transaction.
CREATE TABLE versions(
  version INTEGER PRIMARY KEY CHECK (version >= 1), -- the pond version
  time    TEXT NOT NULL,   -- commit time, ISO-8601 UTC, e.g. 2026-11-21T18:30:00.123Z
  command TEXT NOT NULL    -- what made it: the command line, or a library message
) STRICT;

-- One row per change, never updated or deleted.
--
-- Partitions (DuckPond's design): a directory is its own partition, so its
-- creation and its entry changes carry part_id = its own node_id; a file's
-- content and a symlink's target live in the partition of the directory
-- that held the node when the row was written.
--
-- Kinds, and what holds for each:
--   'mkdir'   a directory node is created.   part_id = node_id = the directory.
--             payload: NULL for a stored directory, or for a dynamic one the
--             JSON object {"factory": "visit"|"reverse", "argument": TEXT}.
--   'link'    directory part_id gains entry `name` -> node_id.
--             payload: JSON {"op":"link","name":TEXT,"type":"file"|"directory"|"symlink"}.
--             A name is linked only while it is free: a replacement is an
--             'unlink' of the old node followed by a 'link' of the new one.
--   'unlink'  directory part_id loses entry `name`, which pointed to node_id.
--             payload: JSON {"op":"unlink","name":TEXT,"type":...}.
--   'write'   file node_id has new content. payload: the bytes;
--             size: their length; hash: their SHA-256 (32 bytes).
--   'symlink' symlink node_id has target payload (UTF-8 TEXT); size: its length in bytes.
-- Within one version, rows apply in `seq` order.
CREATE TABLE log(
  seq     INTEGER PRIMARY KEY,        -- append order, across all versions
  part_id INTEGER NOT NULL,           -- partition: the directory this row belongs to
  node_id INTEGER NOT NULL,           -- the node the row is about; root directory = 0
  version INTEGER NOT NULL CHECK (version >= 1), -- the transaction that wrote it (versions.version)
  kind    TEXT NOT NULL CHECK (kind IN ('mkdir', 'link', 'unlink', 'write', 'symlink')),
  name    TEXT,                       -- the entry name, for 'link' and 'unlink' rows only
  payload ANY,                        -- the change itself; see the kinds above
  size    INTEGER,                    -- bytes of content ('write') or target ('symlink')
  hash    BLOB,                       -- SHA-256 of the content ('write')
  CHECK ((name IS NOT NULL) = (kind IN ('link', 'unlink'))),
  CHECK ((kind = 'write') = (hash IS NOT NULL AND length(hash) = 32))
) STRICT;

-- Entry lookup: the state of one name in one directory at version V is its
-- newest row with version <= V (a seek, logarithmic in the log's length).
CREATE INDEX log_by_name ON log(part_id, name, version) WHERE name IS NOT NULL;

-- Directory listing at version V: the entry rows of one partition up to V,
-- without visiting the rows of later versions.
CREATE INDEX log_by_partition ON log(part_id, version) WHERE name IS NOT NULL;

-- A node's content, target and history at version V: its newest row up to V.
CREATE INDEX log_by_node ON log(node_id, version);
