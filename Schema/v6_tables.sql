-- Pond schema version 6: what tables need beyond the bytes: appended
-- contents and derived files.
--
-- `pond append` adds bytes to a file without reading it: the new content
-- reuses every chunk of the old one but the last, which is cut again with
-- the new bytes. Its hash cannot be the SHA-256 of all its bytes (that
-- would read them all), so an appended content's hash is chained:
--
--   hash(content) = SHA-256(hash(base) || SHA-256(the bytes after base))
--
-- where base is the content it grew from (itself plain or appended). A
-- content listed in `appends` has such a hash; every other content's hash
-- is the SHA-256 of its bytes, as before. Reading checks either kind: the
-- bytes up to base_size against the base's hash, recursively, and each
-- appended run against its own. It also tells which version appended which
-- rows of a table (DESIGN.md, "Tables": `_version`).

-- One row per appended content, never updated or deleted.
CREATE TABLE appends(
  content   BLOB PRIMARY KEY CHECK (length(content) = 32), -- the chained hash of the longer content (log.hash)
  base      BLOB NOT NULL CHECK (length(base) = 32),       -- the hash of the content it begins with
  base_size INTEGER NOT NULL CHECK (base_size > 0)         -- base's size: the content's first base_size bytes are base
) STRICT, WITHOUT ROWID;

-- One row per content and table format whose columns were inferred when
-- it was written (a file named .csv, .tsv, .jsonl or .ndjson): what a query
-- of the table would otherwise read the whole file for before its first
-- row. A cache, exact for its content: the columns are a function of the
-- bytes and the format alone; `pond fsck` infers them again and compares.
CREATE TABLE table_schemas(
  content BLOB NOT NULL CHECK (length(content) = 32),        -- log.hash of the content
  format  TEXT NOT NULL CHECK (format IN ('csv', 'tsv', 'jsonl')), -- how it was read
  columns TEXT NOT NULL, -- JSON: {"columns": [names], "types": ["integer"|"real"|"text"|"unknown"], "sourceNames": [names in the file]}
  PRIMARY KEY (content, format)
) STRICT, WITHOUT ROWID;

-- One row per derived file: a file node whose bytes are computed when it is
-- read, at the version being read. Its 'write' row's content is its
-- definition (for 'sql', the query's text), so the definition is in the log
-- and its hash chain like any content; this row says how to compute it.
CREATE TABLE derived(
  node_id INTEGER PRIMARY KEY,                    -- the file node (log.node_id)
  version INTEGER NOT NULL CHECK (version >= 1),  -- the version that made it (versions.version)
  factory TEXT NOT NULL CHECK (factory IN ('sql')) -- 'sql': the bytes are the query's result as CSV with a header
) STRICT;
