-- Views: the tree in plain SQL, for `sqlite3 pond.db` with no Pond code.
--
-- Views are derived from `log` and `versions` and hold no data; Pond
-- drops and recreates them whenever it migrates a pond. Every view reads
-- the log up to `horizon`, which is the head here. `pond sql --at V` creates
-- TEMP copies of these views (same text, CREATE TEMP VIEW) with a `horizon`
-- of V, so the same names mean the tree as of version V. Node ids are
-- INTEGERs (the CLI shows them as 16 hex digits); types are 'file',
-- 'directory', 'symlink'; times are ISO-8601 UTC text.

-- One row: the version the views read at (the head).
CREATE VIEW horizon AS SELECT max(version) AS version FROM versions;

-- One row per committed version up to the horizon.
--   version: the pond version; time: its commit time; command: what made it.
-- Example: SELECT * FROM transactions ORDER BY version DESC LIMIT 5;
CREATE VIEW transactions AS
SELECT version, time, command FROM versions WHERE version <= (SELECT version FROM horizon);

-- One row per directory entry that ever existed up to the horizon.
--   parent_id: the directory; name: the entry name; child_id: the node it names;
--   type: the child's type; valid_from: the version that linked it;
--   valid_to: the version that unlinked it, NULL while it still exists.
-- An entry linked and unlinked within one version never existed and is left out.
-- Example, the tree at version 7:
--   SELECT * FROM entries_history WHERE valid_from <= 7 AND (valid_to IS NULL OR valid_to > 7);
CREATE VIEW entries_history AS
SELECT parent_id, name, child_id, type, valid_from, valid_to FROM (
  SELECT part_id AS parent_id, name, node_id AS child_id, kind,
         json_extract(payload, '$.type') AS type,
         version AS valid_from,
         lead(version) OVER (PARTITION BY part_id, name ORDER BY seq) AS valid_to
  FROM log
  WHERE name IS NOT NULL AND version <= (SELECT version FROM horizon)
)
WHERE kind = 'link' AND (valid_to IS NULL OR valid_to > valid_from);

-- One row per directory entry at the horizon.
--   parent_id, name, child_id, type: as in entries_history;
--   version: the version that wrote the entry.
-- Example, the root's entries: SELECT name, type FROM entries WHERE parent_id = 0 ORDER BY name;
CREATE VIEW entries AS
SELECT parent_id, name, child_id, type, valid_from AS version FROM entries_history WHERE valid_to IS NULL;

-- One row per node and version of its content up to the horizon: a directory's
-- creation, each version of a file's bytes, a symlink's target.
--   node_id; type; version: the version that wrote it;
--   size: bytes of the file or of the target, NULL for a directory.
-- Example, the versions of node 5: SELECT version, size FROM nodes WHERE node_id = 5;
CREATE VIEW nodes AS
SELECT node_id,
       CASE kind WHEN 'write' THEN 'file' WHEN 'symlink' THEN 'symlink' ELSE 'directory' END AS type,
       version, size
FROM log
WHERE kind IN ('mkdir', 'write', 'symlink') AND version <= (SELECT version FROM horizon);

-- One row per node reachable at the horizon, the root excepted.
--   path: the full path, '/a/b'; node_id; type.
-- Symlinks are listed, never followed.
-- Example: SELECT path FROM paths WHERE type = 'file' ORDER BY path;
CREATE VIEW paths AS
WITH RECURSIVE walk(path, node_id, type) AS (
  SELECT '/' || name, child_id, type FROM entries WHERE parent_id = 0
  UNION ALL
  SELECT walk.path || '/' || entries.name, entries.child_id, entries.type
  FROM walk JOIN entries ON entries.parent_id = walk.node_id
  WHERE walk.type = 'directory'
)
SELECT path, node_id, type FROM walk;

-- One row per version of a file's bytes up to the horizon; every file's
-- bytes are stored in one piece, in `content`.
--   node_id; version; size; sha256: the content hash (32 bytes); content: the bytes.
-- Example, a file's bytes at head:
--   SELECT content FROM file_contents JOIN paths USING (node_id)
--   WHERE path = '/a/b.csv' ORDER BY version DESC LIMIT 1;
CREATE VIEW file_contents AS
SELECT node_id, version, size, hash AS sha256, payload AS content
FROM log WHERE kind = 'write' AND version <= (SELECT version FROM horizon);
