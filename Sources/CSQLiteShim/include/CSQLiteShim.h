#ifndef POND_CSQLITESHIM_H
#define POND_CSQLITESHIM_H

/// Asks SQLite not to checkpoint the WAL when the last connection closes.
///
/// A `pond` command is a short process: checkpointing at every close costs
/// several fdatasyncs per command, while SQLite's automatic checkpoint
/// (every 1000 WAL pages) already keeps the WAL bounded.
/// `db` is an `sqlite3 *`; it is typed `void *` so that this header does not
/// pull a second copy of <sqlite3.h> into Swift's module graph.
/// Returns the SQLite result code.
int pond_sqlite3_disable_checkpoint_on_close(void *db);

#endif

#ifndef POND_CSQLITESHIM_READONLY_H
#define POND_CSQLITESHIM_READONLY_H
/// Installs an authorizer that lets `db` only read: SELECT, reading
/// columns, functions other than load_extension, recursive CTEs,
/// transactions, and PRAGMAs from a read-only allow-list queried without a
/// value. Everything else (INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH,
/// DETACH, ALTER, VACUUM, ANALYZE, REINDEX, any PRAGMA that sets a value)
/// is denied when the statement is prepared.
/// Returns the SQLite result code.
int pond_sqlite3_allow_reads_only(void *db);
#endif
