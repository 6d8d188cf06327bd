-- Pond schema version 2: file content in deduplicated chunks.
--
-- A file version's bytes are cut into chunks by content-defined chunking
-- (FastCDC: 16 KiB minimum, 64 KiB target, 256 KiB maximum; see
-- Sources/OpLog/Chunker.swift). Each distinct chunk is stored once, named
-- by its SHA-256, so identical files, and the unchanged parts of a file
-- that grew or was edited, cost no new storage.
--
-- From this version on, a 'write' row in `log` keeps payload NULL; its
-- `hash` (SHA-256 of the whole file) and `size` say which content it is:
--   * size 0: the empty file;
--   * a row in `chunks` whose hash is the content's hash: the file is that
--     one chunk (every file up to 16 KiB, and any file cut into one piece);
--   * otherwise: the rows of `content_chunks` for that content, whose
--     chunks, concatenated in `offset` order, are the file.
-- 'write' rows written by schema version 1 keep their bytes in payload
-- and are read as they are: nothing in `log` is ever rewritten.
--
-- To reassemble a file in SQL, read view `file_chunks` in offset order;
-- views.sql shows how.

-- One row per distinct chunk, never updated or deleted.
CREATE TABLE chunks(
  hash BLOB PRIMARY KEY CHECK (length(hash) = 32), -- SHA-256 of data
  data BLOB NOT NULL                                 -- 1 byte to 256 KiB
) STRICT;

-- One row per chunk of a content stored in more than one piece.
-- Contents are shared: two file versions with the same bytes have the same
-- hash and one set of rows.
CREATE TABLE content_chunks(
  content BLOB NOT NULL CHECK (length(content) = 32), -- log.hash of the file versions it holds
  offset  INTEGER NOT NULL CHECK (offset >= 0),       -- where the chunk starts in the file
  chunk   BLOB NOT NULL REFERENCES chunks(hash),      -- the chunk's bytes
  PRIMARY KEY (content, offset)
) STRICT, WITHOUT ROWID;
