-- Pond schema version 10: lazy clones (DESIGN.md, "Lazy clones"), and time blocks.
--
-- A pond made by `pond clone --lazy` holds every version, log row and chain
-- hash of its remote, but not the bytes of its files: each chunk its
-- contents name is either in `chunks` (local) or listed here with where it
-- lies on the remote, bytes offset..offset+length-1 of packs/<pack>
-- (Schema/remote_segment.sql). A read that needs a chunk listed here fetches
-- it, checks it against its SHA-256, stores it in `chunks` and drops its row
-- here. Because a chunk may be named before its bytes are here, a lazy
-- pond's connections do not enforce content_chunks' REFERENCES chunks;
-- `pond fsck` checks instead that every chunk is in one table or the other.
CREATE TABLE lazy(
  remote TEXT PRIMARY KEY  -- remotes.name: where the missing bytes are: the remote cloned from
) STRICT, WITHOUT ROWID;

CREATE TABLE remote_chunks(
  chunk  BLOB PRIMARY KEY CHECK (length(chunk) = 32), -- SHA-256 of the bytes
  pack   TEXT NOT NULL,                                -- packs/<pack> on the remote
  offset INTEGER NOT NULL CHECK (offset >= 0),
  length INTEGER NOT NULL CHECK (length > 0)
) STRICT, WITHOUT ROWID;

-- Time blocks (DESIGN.md, "Time series"): within what one write added to a
-- CSV, TSV or JSON Lines file (one `time_ranges` row), the time range of
-- each stretch of about 64 KiB of whole rows, so that a query of an hour
-- reads the stretches that can hold it, not the whole day an append added
-- or the whole of a large file. `start` is where the stretch's first row
-- begins (the first stretch's is the write's own start); a write whose rows
-- fit in one stretch has none. Derived data like `time_ranges`: `pond fsck`
-- reads the rows again and compares.
CREATE TABLE time_blocks(
  content     BLOB NOT NULL,
  start       INTEGER NOT NULL,
  rows        INTEGER NOT NULL,
  text_low    BLOB,
  text_high   BLOB,
  number_low  REAL,
  number_high REAL,
  micros_low  INTEGER,
  micros_high INTEGER,
  PRIMARY KEY (content, start)
) STRICT, WITHOUT ROWID;
