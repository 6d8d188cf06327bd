#include <sqlite3.h>
#include "CSQLiteShim.h"

#include <string.h>

/* PRAGMAs that only read, asked without a value. */
static const char *const pond_readonly_pragmas[] = {
    "table_list", "function_list", "pragma_list", "collation_list", "database_list", "module_list",
    "user_version", "application_id", "schema_version", "page_count", "page_size",
    "freelist_count", "encoding", "journal_mode", "compile_options", "data_version",
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    0
};

/* PRAGMAs whose argument names what to read (a table, an index), not a value to set. */
static const char *const pond_readonly_pragmas_with_argument[] = {
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "table_list", 0
};

static int pond_in_list(const char *const *list, const char *name) {
    if (!name) return 0;
    for (const char *const *entry = list; *entry; entry++) {
        if (sqlite3_stricmp(name, *entry) == 0) return 1;
    }
    return 0;
}

static int pond_readonly_decision(int action, const char *arg1, const char *arg2) {
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        return (arg2 && sqlite3_stricmp(arg2, "load_extension") == 0) ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_PRAGMA:
        if (arg2 == 0) return pond_in_list(pond_readonly_pragmas, arg1) ? SQLITE_OK : SQLITE_DENY;
        return pond_in_list(pond_readonly_pragmas_with_argument, arg1) ? SQLITE_OK : SQLITE_DENY;
    default:
        /* Writes, schema changes, ATTACH/DETACH, and BEGIN/COMMIT/SAVEPOINT. */
        return SQLITE_DENY;
    }
}

/* The context is an int that a denial sets to 1: SQLite reports some
   denials (a function's) as a plain error, so the caller asks it. */
static int pond_readonly_authorizer(void *context, int action, const char *arg1, const char *arg2,
                                    const char *database, const char *trigger) {
    (void)database; (void)trigger;
    int decision = pond_readonly_decision(action, arg1, arg2);
    if (decision == SQLITE_DENY) *(int *)context = 1;
    return decision;
}

/* Creating a PRAGMA's table-valued function (pragma_table_info, ...) on its
   first use in a connection asks the authorizer for writes to sqlite_master
   that it never makes. So each allowed one is made once, before the
   authorizer is installed, and a query then only reads it. */
void pond_sqlite3_prepare_pragma_functions(void *db) {
    for (const char *const *name = pond_readonly_pragmas; *name; name++) {
        char sql[96];
        sqlite3_snprintf((int)sizeof sql, sql, "SELECT * FROM pragma_%s LIMIT 0", *name);
        sqlite3_stmt *statement = 0;
        if (sqlite3_prepare_v2((sqlite3 *)db, sql, -1, &statement, 0) == SQLITE_OK) sqlite3_finalize(statement);
    }
}

int pond_sqlite3_allow_reads_only(void *db, int *denied) {
    return sqlite3_set_authorizer((sqlite3 *)db, denied ? pond_readonly_authorizer : 0, denied);
}
