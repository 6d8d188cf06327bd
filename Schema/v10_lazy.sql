-- Pond schema version 10: lazy clones (DESIGN.md, "Lazy clones").
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
