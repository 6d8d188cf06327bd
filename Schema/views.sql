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
SELECT version, time, command, message FROM versions WHERE version <= (SELECT version FROM horizon);

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

-- One row per version of a file's bytes up to the horizon.
--   node_id; version; size; sha256: the content hash (32 bytes);
--   content: the bytes when they are stored in one piece (every file up to
--   16 KiB, and any file cut into one chunk), NULL for a file stored in
--   several chunks: read those from `file_chunks`.
-- Example, a file's bytes at head:
--   SELECT content FROM file_contents JOIN paths USING (node_id)
--   WHERE path = '/a/b.csv' ORDER BY version DESC LIMIT 1;
CREATE VIEW file_contents AS
SELECT l.node_id, l.version, l.size, l.hash AS sha256,
       CASE WHEN l.payload IS NOT NULL THEN l.payload  -- written by schema version 1
            WHEN l.size = 0 THEN x''
            ELSE (SELECT data FROM chunks WHERE chunks.hash = l.hash) END AS content
FROM log AS l WHERE l.kind = 'write' AND l.version <= (SELECT version FROM horizon);

-- One row per stored piece of each file version up to the horizon: the
-- file's bytes are its pieces' `data` concatenated in `offset` order
-- (v2_content.sql says how content is stored). An empty file has no piece.
--   node_id; version; offset: where the piece starts in the file; data: its bytes.
-- Example, the pieces of a file at version 9, to write out in order:
--   SELECT data FROM file_chunks WHERE node_id = 42 AND version = 9 ORDER BY offset;
-- Example, the whole file as one value, in plain SQL (each step copies the
-- bytes so far: meant for files of a few MiB, not GiB):
--   WITH RECURSIVE part(offset, bytes) AS (
--     SELECT 0, x''
--     UNION ALL
--     SELECT part.offset + length(c.data), CAST(part.bytes || c.data AS BLOB)
--     FROM part JOIN file_chunks AS c
--       ON c.node_id = 42 AND c.version = 9 AND c.offset = part.offset)
--   SELECT bytes FROM part ORDER BY offset DESC LIMIT 1;
CREATE VIEW file_chunks AS
SELECT l.node_id, l.version, 0 AS offset, l.payload AS data FROM log AS l
WHERE l.kind = 'write' AND l.payload IS NOT NULL AND l.size > 0
  AND l.version <= (SELECT version FROM horizon)
UNION ALL
SELECT l.node_id, l.version, 0, c.data FROM log AS l JOIN chunks AS c ON c.hash = l.hash
WHERE l.kind = 'write' AND l.payload IS NULL AND l.version <= (SELECT version FROM horizon)
UNION ALL
SELECT l.node_id, l.version, cc.offset, c.data
FROM log AS l JOIN content_chunks AS cc ON cc.content = l.hash JOIN chunks AS c ON c.hash = cc.chunk
WHERE l.kind = 'write' AND l.payload IS NULL AND l.version <= (SELECT version FROM horizon)
  AND NOT EXISTS (SELECT 1 FROM chunks AS whole WHERE whole.hash = l.hash);

-- One row per stretch of versions during which a path named a node.
--   path; node_id; type; valid_from; valid_to (NULL while it still exists).
-- A path exists at V exactly when every directory on it contains the next
-- name at V, so a stretch is the overlap of its entries' stretches.
-- Example, the tree at version 7:
--   SELECT path FROM paths_history WHERE valid_from <= 7 AND (valid_to IS NULL OR valid_to > 7);
CREATE VIEW paths_history AS
WITH RECURSIVE walk(path, node_id, type, valid_from, valid_to) AS (
  SELECT '/' || name, child_id, type, valid_from, valid_to FROM entries_history WHERE parent_id = 0
  UNION ALL
  SELECT walk.path || '/' || e.name, e.child_id, e.type,
         max(walk.valid_from, e.valid_from),
         CASE WHEN walk.valid_to IS NULL THEN e.valid_to
              WHEN e.valid_to IS NULL THEN walk.valid_to
              ELSE min(walk.valid_to, e.valid_to) END
  FROM walk JOIN entries_history AS e ON e.parent_id = walk.node_id
  WHERE walk.type = 'directory'
    AND (e.valid_to IS NULL OR e.valid_to > walk.valid_from)
    AND (walk.valid_to IS NULL OR e.valid_from < walk.valid_to)
)
SELECT path, node_id, type, valid_from, valid_to FROM walk;

-- One row per path that a version added, removed or modified.
--   version; path; change: 'added', 'removed' or 'modified' (a file's bytes
--   were rewritten while it stayed at that path); node_id; type.
-- Example, what changed in version 5: SELECT change, path FROM changes WHERE version = 5 ORDER BY path;
CREATE VIEW changes AS
SELECT valid_from AS version, path, 'added' AS change, node_id, type FROM paths_history
UNION ALL
SELECT valid_to, path, 'removed', node_id, type FROM paths_history WHERE valid_to IS NOT NULL
UNION ALL
SELECT n.version, p.path, 'modified', n.node_id, n.type
FROM nodes AS n JOIN paths_history AS p
  ON p.node_id = n.node_id AND p.valid_from < n.version AND (p.valid_to IS NULL OR p.valid_to > n.version)
WHERE n.type = 'file';
