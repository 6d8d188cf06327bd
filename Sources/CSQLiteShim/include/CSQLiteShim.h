#ifndef POND_CSQLITESHIM_H
#define POND_CSQLITESHIM_H


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
