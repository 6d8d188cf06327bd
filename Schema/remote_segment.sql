-- Pond remote format 1: what a remote holds, and one segment's tables.
--
-- A remote (file:///dir or s3://bucket/prefix) holds three kinds of object,
-- under its directory or prefix:
--
--   head.json            the one mutable object: the remote's head and its segments
--   segments/<sha256>    a segment: an SQLite database with the tables below
--   packs/<sha256>       a pack: chunks' bytes, one after another
--
-- Every object but the head is named by the SHA-256 of its bytes (64 lower-
-- case hex digits) and never changes. head.json is JSON:
--
--   {"format": "pond-remote", "formatVersion": 1,
--    "version": 12, "hash": "<chain hash of version 12, hex>",
--    "segments": [{"name": "<sha256>", "bytes": 40960, "first": 1, "last": 5,
--                  "packs": [{"name": "<sha256>", "bytes": 16777216}, ...]}, ...]}
--
-- Segments are listed oldest first; each one's `first` is the previous
-- one's `last` + 1, starting at 1, and the last one's `last` is `version`.
-- A push uploads its packs, then its segment, then replaces the head by a
-- compare-and-swap (S3: PUT with If-Match on the ETag read, If-None-Match: *
-- for the first; file://: holding flock(2) on head.lock, the head is read
-- again and, if it is still the one read, replaced by rename(2)), so a head
-- never names an object that is not there. Objects a killed push left
-- behind are named by nothing and read by nothing.
--
-- A segment holds versions first...last of the pond: exactly the rows of
-- those versions in the pond's own tables (Schema/v1..v7 say what each
-- column means), plus `segment` and `pack_chunks`. Read one with
-- `sqlite3 segment.db 'SELECT version, command FROM versions'`.

CREATE TABLE segment(
  format    INTEGER NOT NULL CHECK (format = 1),
  first     INTEGER NOT NULL CHECK (first >= 1),  -- its oldest version
  last      INTEGER NOT NULL CHECK (last >= first), -- its newest
  base_hash BLOB NOT NULL CHECK (length(base_hash) = 32), -- chain hash of version first-1 (zeros for 0)
  head_hash BLOB NOT NULL CHECK (length(head_hash) = 32)  -- chain hash of version last
) STRICT;

CREATE TABLE versions(
  version INTEGER PRIMARY KEY, time TEXT NOT NULL, command TEXT NOT NULL, message TEXT
) STRICT;

-- Every log row of its versions, with the pond's own seq: the chain covers it.
CREATE TABLE log(
  seq INTEGER PRIMARY KEY, part_id INTEGER NOT NULL, node_id INTEGER NOT NULL,
  version INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT, payload ANY, size INTEGER, hash BLOB
) STRICT;
CREATE INDEX log_by_version ON log(version, seq);

-- The chain hash of each of its versions (Schema/v3_chain.sql).
CREATE TABLE chain(version INTEGER PRIMARY KEY, hash BLOB NOT NULL) STRICT;

-- For each content its 'write' rows name: its pieces, its append base,
-- its inferred columns (the pond's rows of those tables for that content).
CREATE TABLE content_chunks(
  content BLOB NOT NULL, offset INTEGER NOT NULL, chunk BLOB NOT NULL, PRIMARY KEY (content, offset)
) STRICT, WITHOUT ROWID;
CREATE TABLE appends(content BLOB PRIMARY KEY, base BLOB NOT NULL, base_size INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE table_schemas(
  content BLOB NOT NULL, format TEXT NOT NULL, columns TEXT NOT NULL, PRIMARY KEY (content, format)
) STRICT, WITHOUT ROWID;
-- Derived files made by its versions, and contents its prunes let go (their
-- bytes are in no pack).
CREATE TABLE derived(node_id INTEGER PRIMARY KEY, version INTEGER NOT NULL, factory TEXT NOT NULL) STRICT;
CREATE TABLE pruned(content BLOB PRIMARY KEY, version INTEGER NOT NULL, size INTEGER NOT NULL) STRICT, WITHOUT ROWID;

-- The time range of what each write of its contents added (Schema/v9_collect.sql):
-- derived data, sent so that a clone, lazy above all, skips the appends a
-- query of a time cannot need without reading their bytes. A segment made
-- before it was added lacks this table; its clone works the ranges out again.
CREATE TABLE time_ranges(
  content BLOB NOT NULL, start INTEGER NOT NULL, rows INTEGER NOT NULL, text_low BLOB, text_high BLOB,
  number_low REAL, number_high REAL, micros_low INTEGER, micros_high INTEGER, PRIMARY KEY (content, start)
) STRICT, WITHOUT ROWID;
-- And the time blocks within them (Schema/v10_lazy.sql), likewise.
CREATE TABLE time_blocks(
  content BLOB NOT NULL, start INTEGER NOT NULL, rows INTEGER NOT NULL, text_low BLOB, text_high BLOB,
  number_low REAL, number_high REAL, micros_low INTEGER, micros_high INTEGER, PRIMARY KEY (content, start)
) STRICT, WITHOUT ROWID;

-- Where each chunk this push sent lies: bytes offset..offset+length-1 of
-- packs/<pack>; their SHA-256 is `chunk`. A chunk that older versions
-- already used is in an older segment's packs, not sent again.
CREATE TABLE pack_chunks(
  chunk  BLOB PRIMARY KEY CHECK (length(chunk) = 32),
  pack   TEXT NOT NULL,
  offset INTEGER NOT NULL CHECK (offset >= 0),
  length INTEGER NOT NULL CHECK (length > 0)
) STRICT, WITHOUT ROWID;
