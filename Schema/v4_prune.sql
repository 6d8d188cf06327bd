-- Pond schema version 4: prune.
--
-- `pond prune` lets go of the bytes of file versions that no kept version
-- needs. The log is never rewritten: every 'write' row stays, with the
-- content's SHA-256 and size, and the hash chain still covers them, so
-- history, diff, list --at, describe and fsck work at every version. What
-- goes is the content's chunks, except those another kept content uses,
-- and its rows in content_chunks.
-- The prune is a version of its own: its `versions` row says the rule
-- (the command line), and these rows say which contents it dropped.
--
-- A content stored again later (the same bytes copied in anew) has its
-- chunks stored again and its row here removed in the same transaction.
CREATE TABLE pruned(
  content BLOB PRIMARY KEY CHECK (length(content) = 32), -- the content's SHA-256, as log.hash of its 'write' rows
  version INTEGER NOT NULL REFERENCES versions(version),  -- the prune that let its bytes go
  size    INTEGER NOT NULL CHECK (size >= 0)              -- the content's size in bytes
) STRICT, WITHOUT ROWID;
