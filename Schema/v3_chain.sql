-- Pond schema version 3: a hash chain over the transactions.
--
-- Each committed version records a SHA-256 that covers the previous
-- version's hash, its own `versions` row and every `log` row it wrote, so
-- that changing, adding or removing any of them after the fact, behind
-- Pond's back, breaks the chain from that version on (as a git commit id
-- covers its parent's). File bytes are covered through each 'write' row's
-- content hash. `pond fsck` recomputes the chain; `pond status` shows the
-- head's hash, which a user can keep elsewhere to notice a rewritten tail.
--
-- hash(v) = SHA-256( hash(v-1)                 -- 32 zero bytes for version 1
--                  || enc(version, time, command)       -- its versions row
--                  || enc(seq, part_id, node_id, version, kind, name, payload, size, hash)
--                     for each log row of version v, in seq order )
-- where enc(values...) encodes each value as one tag byte and its bytes:
--   NULL: 0x00;  INTEGER: 0x01 + 8 bytes big-endian two's complement;
--   TEXT: 0x03 + length (8 bytes big-endian) + UTF-8 bytes;
--   BLOB: 0x04 + length (8 bytes big-endian) + the bytes.
-- (Sources/OpLog/Chain.swift computes it; the migration to this version
-- computes it for every existing version.)
CREATE TABLE chain(
  version INTEGER PRIMARY KEY REFERENCES versions(version), -- one row per version
  hash    BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
