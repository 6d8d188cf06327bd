#include <sqlite3.h>
#include "CSQLiteShim.h"

#include <string.h>

static const char *const pond_readonly_pragmas[] = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "function_list", "pragma_list", "collation_list", "database_list",
    "user_version", "application_id", "schema_version", "page_count", "page_size",
    "freelist_count", "encoding", "journal_mode", "compile_options", "data_version",
    0
};

static int pond_readonly_authorizer(void *context, int action, const char *arg1, const char *arg2,
                                    const char *database, const char *trigger) {
    (void)context; (void)database; (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        return (arg2 && strcmp(arg2, "load_extension") == 0) ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_PRAGMA:
        if (arg2 != 0) return SQLITE_DENY;  /* PRAGMA x = value, or x(value) */
        for (const char *const *name = pond_readonly_pragmas; *name; name++) {
            if (arg1 && strcmp(arg1, *name) == 0) return SQLITE_OK;
        }
        return SQLITE_DENY;
    default:
        return SQLITE_DENY;
    }
}

int pond_sqlite3_allow_reads_only(void *db) {
    return sqlite3_set_authorizer((sqlite3 *)db, pond_readonly_authorizer, 0);
}
