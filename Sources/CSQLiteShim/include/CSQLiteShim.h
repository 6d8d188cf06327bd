#ifndef POND_CSQLITESHIM_READONLY_H
#define POND_CSQLITESHIM_READONLY_H
/// With `denied`, installs an authorizer that lets `db` only read: SELECT,
/// reading columns, functions other than load_extension, recursive CTEs,
/// and PRAGMAs from a read-only allow-list, queried without a value or
/// (table_info, index_list, ...) with the name of what they read.
/// Everything else (INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, DETACH,
/// ALTER, VACUUM, ANALYZE, REINDEX, BEGIN, COMMIT, SAVEPOINT, any PRAGMA
/// that sets a value) is denied when the statement is prepared, and each
/// denial sets `*denied` to 1 (SQLite reports a denied function as a plain
/// error). With `denied` NULL, removes it. Only for a connection of Pond's
/// own: it replaces any authorizer installed before. Returns the result code.
int pond_sqlite3_allow_reads_only(void *db, int *denied);

/// Makes every allowed PRAGMA's table-valued function (pragma_table_info,
/// ...) in `db`, before the authorizer is installed: making one on its first
/// use asks the authorizer for writes to sqlite_master that it never makes.
void pond_sqlite3_prepare_pragma_functions(void *db);
#endif
