-- Pond schema version 5: a message beside the command line.
--
-- `-m MESSAGE` on a command that writes (or a message given through the
-- library) is kept with its version, beside the command line that made it.
-- The hash chain covers it: a version with a message hashes it after its
-- command (enc(version, time, command, message)); a version without one
-- hashes as before (enc(version, time, command)), so every hash recorded
-- before this version stays valid.
ALTER TABLE versions ADD COLUMN message TEXT; -- the user's message for this version, NULL if none was given
