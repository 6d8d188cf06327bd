-- Pond schema version 9: remotes pushed after every write, and where their
-- credentials come from (DESIGN.md, "Configure and collect").
--
-- `auto_push`: after every command that makes a version, the remote is
-- pushed; a failed push is reported and never undoes the commit.
-- `access_key_id` and `secret_access_key` are never keys: only references
-- `${env:NAME}` to the environment variable that holds one when a push runs
-- (NULL: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as before).
ALTER TABLE remotes ADD COLUMN auto_push INTEGER NOT NULL DEFAULT 0 CHECK (auto_push IN (0, 1));
ALTER TABLE remotes ADD COLUMN access_key_id TEXT CHECK (access_key_id GLOB '${env:?*}');
ALTER TABLE remotes ADD COLUMN secret_access_key TEXT CHECK (secret_access_key GLOB '${env:?*}');
