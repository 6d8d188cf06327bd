/*
 * The limit: plain SQLite doing what Pond does, with prepared statements,
 * in the same number of transactions and with the same durability (WAL,
 * synchronous=FULL), and nothing else: no tree, no chunking, no hashing.
 * bench.py compiles it with `cc -O2 rawsqlite.c -lsqlite3` and times it.
 *
 *   rawsqlite ingest DB DIR     every file under DIR as one (path, data) row,
 *                               in ONE transaction (W1)
 *   rawsqlite put DB FILE PATH  FILE as row PATH, in its own transaction (W2)
 *   rawsqlite get DB PATH       row PATH's data to standard output (W3)
 *   rawsqlite write DB FILE     FILE as 64 KiB blobs in ONE transaction (W4 in)
 *   rawsqlite read DB           those blobs, in order, to standard output (W4 out)
 *   rawsqlite pondrows DB DIR   every file under DIR into a pond made by `pond init`, as
 *                               ONE version, with the rows and lookups Pond makes (W1):
 *                               per directory a mkdir and a link row; per file an entry
 *                               lookup, a node id, a chunk, a write and a link row (the
 *                               hashes are stand-ins: no SHA-256 and no chunking here)
 */
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sqlite3 *db;

static void check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "rawsqlite: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(const char *sql) { check(sqlite3_exec(db, sql, 0, 0, 0), sql); }

static void open_db(const char *path) {
    check(sqlite3_open(path, &db), "open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
}

static char *slurp(const char *path, long *size) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(1); }
    char *buffer = malloc(st.st_size + 1);
    long done = 0;
    while (done < st.st_size) {
        ssize_t n = read(fd, buffer + done, st.st_size - done);
        if (n <= 0) { perror(path); exit(1); }
        done += n;
    }
    close(fd);
    *size = st.st_size;
    return buffer;
}

static sqlite3_stmt *put;

static void put_file(const char *file, const char *path) {
    long size;
    char *data = slurp(file, &size);
    sqlite3_bind_text(put, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_blob(put, 2, data, (int)size, SQLITE_STATIC);
    check(sqlite3_step(put), "insert");
    sqlite3_reset(put);
    free(data);
}

/* Calls visit(path, name, is_directory, parent) for every entry under DIR,
 * depth first; a directory's visit returns the parent id for its entries. */
typedef long long (*visitor)(const char *path, const char *name, int is_directory, long long parent);

static void walk(const char *dir, long long parent, visitor visit) {
    DIR *d = opendir(dir);
    if (!d) { perror(dir); exit(1); }
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (entry->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        int is_directory = entry->d_type == DT_DIR;
        long long id = visit(path, entry->d_name, is_directory, parent);
        if (is_directory) walk(path, id, visit);
    }
    closedir(d);
}

static long long put_visit(const char *path, const char *name, int is_directory, long long parent) {
    (void)name; (void)parent;
    if (!is_directory) put_file(path, path);
    return 0;
}

/* Pond's rows for DIR, as ONE version (see pondrows above). */
static sqlite3_stmt *lookup, *max_node, *chunk, *write_row, *link_row, *mkdir_row;
static long long next_id;

static void pond_link(long long parent, long long node, const char *name, const char *type) {
    sqlite3_bind_int64(lookup, 1, parent);
    sqlite3_bind_text(lookup, 2, name, -1, SQLITE_STATIC);
    check(sqlite3_step(lookup), "lookup");
    sqlite3_reset(lookup);
    sqlite3_bind_int64(link_row, 1, parent);
    sqlite3_bind_int64(link_row, 2, node);
    sqlite3_bind_text(link_row, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(link_row, 4, type, -1, SQLITE_STATIC);
    check(sqlite3_step(link_row), "link");
    sqlite3_reset(link_row);
}

static long long pond_visit(const char *path, const char *name, int is_directory, long long parent) {
    check(sqlite3_step(max_node), "max");
    sqlite3_reset(max_node);
    long long id = ++next_id;
    if (is_directory) {
        sqlite3_bind_int64(mkdir_row, 1, id);
        check(sqlite3_step(mkdir_row), "mkdir");
        sqlite3_reset(mkdir_row);
        pond_link(parent, id, name, "directory");
        return id;
    }
    long size;
    char *data = slurp(path, &size);
    unsigned char hash[32] = {0};
    memcpy(hash, &id, sizeof id);  /* a unique stand-in for the SHA-256 */
    sqlite3_bind_blob(chunk, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(chunk, 2, data, (int)size, SQLITE_STATIC);
    check(sqlite3_step(chunk), "chunk");
    sqlite3_reset(chunk);
    sqlite3_bind_int64(write_row, 1, parent);
    sqlite3_bind_int64(write_row, 2, id);
    sqlite3_bind_int64(write_row, 3, size);
    sqlite3_bind_blob(write_row, 4, hash, 32, SQLITE_STATIC);
    check(sqlite3_step(write_row), "write");
    sqlite3_reset(write_row);
    pond_link(parent, id, name, "file");
    free(data);
    return id;
}

static void pond_rows(const char *dir) {
    const char *name = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    check(sqlite3_prepare_v2(db, "SELECT kind, node_id, json_extract(payload, '$.type') FROM log "
                                 "WHERE part_id = ? AND name = ? AND version <= 2 ORDER BY version DESC, seq DESC LIMIT 1",
                             -1, &lookup, 0), "prepare");
    check(sqlite3_prepare_v2(db, "SELECT max(node_id) FROM log", -1, &max_node, 0), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO chunks(hash, data) VALUES (?, ?)", -1, &chunk, 0), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO log(part_id, node_id, version, kind, size, hash) VALUES (?, ?, 2, 'write', ?, ?)",
                             -1, &write_row, 0), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO log(part_id, node_id, version, kind, name, payload) "
                                 "VALUES (?1, ?2, 2, 'link', ?3, json_object('op', 'link', 'name', ?3, 'type', ?4))",
                             -1, &link_row, 0), "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO log(part_id, node_id, version, kind) VALUES (?1, ?1, 2, 'mkdir')",
                             -1, &mkdir_row, 0), "prepare");
    exec("BEGIN IMMEDIATE");
    next_id = 1;
    sqlite3_bind_int64(mkdir_row, 1, next_id);
    check(sqlite3_step(mkdir_row), "mkdir");
    sqlite3_reset(mkdir_row);
    pond_link(0, next_id, name, "directory");
    walk(dir, next_id, pond_visit);
    exec("INSERT INTO versions VALUES (2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'rawsqlite');"
         "INSERT INTO chain VALUES (2, zeroblob(32));");
    exec("COMMIT");
    sqlite3_finalize(lookup); sqlite3_finalize(max_node); sqlite3_finalize(chunk);
    sqlite3_finalize(write_row); sqlite3_finalize(link_row); sqlite3_finalize(mkdir_row);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: see rawsqlite.c\n"); return 2; }
    const char *mode = argv[1];
    open_db(argv[2]);
    if (strcmp(mode, "pondrows") != 0) {
        exec("CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, data BLOB) STRICT;"
             "CREATE TABLE IF NOT EXISTS blobs(seq INTEGER PRIMARY KEY, data BLOB) STRICT;");
        check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO files(path, data) VALUES (?, ?)", -1, &put, 0), "prepare");
    }
    if (!strcmp(mode, "pondrows") && argc == 4) {
        pond_rows(argv[3]);
    } else if (!strcmp(mode, "ingest") && argc == 4) {
        exec("BEGIN IMMEDIATE");
        walk(argv[3], 0, put_visit);
        exec("COMMIT");
    } else if (!strcmp(mode, "put") && argc == 5) {
        exec("BEGIN IMMEDIATE");
        put_file(argv[3], argv[4]);
        exec("COMMIT");
    } else if (!strcmp(mode, "get") && argc == 4) {
        sqlite3_stmt *get;
        check(sqlite3_prepare_v2(db, "SELECT data FROM files WHERE path = ?", -1, &get, 0), "prepare");
        sqlite3_bind_text(get, 1, argv[3], -1, SQLITE_STATIC);
        if (sqlite3_step(get) == SQLITE_ROW)
            fwrite(sqlite3_column_blob(get, 0), 1, sqlite3_column_bytes(get, 0), stdout);
        sqlite3_finalize(get);
    } else if (!strcmp(mode, "write") && argc == 4) {
        int fd = open(argv[3], O_RDONLY);
        if (fd < 0) { perror(argv[3]); return 1; }
        sqlite3_stmt *insert;
        check(sqlite3_prepare_v2(db, "INSERT INTO blobs(data) VALUES (?)", -1, &insert, 0), "prepare");
        static char buffer[65536];
        exec("BEGIN IMMEDIATE");
        for (;;) {
            ssize_t n = 0, got;
            while (n < (ssize_t)sizeof buffer && (got = read(fd, buffer + n, sizeof buffer - n)) > 0) n += got;
            if (n == 0) break;
            sqlite3_bind_blob(insert, 1, buffer, (int)n, SQLITE_STATIC);
            check(sqlite3_step(insert), "insert");
            sqlite3_reset(insert);
        }
        exec("COMMIT");
        sqlite3_finalize(insert);
        close(fd);
    } else if (!strcmp(mode, "read") && argc == 3) {
        sqlite3_stmt *select;
        check(sqlite3_prepare_v2(db, "SELECT data FROM blobs ORDER BY seq", -1, &select, 0), "prepare");
        while (sqlite3_step(select) == SQLITE_ROW)
            fwrite(sqlite3_column_blob(select, 0), 1, sqlite3_column_bytes(select, 0), stdout);
        sqlite3_finalize(select);
    } else {
        fprintf(stderr, "rawsqlite: bad arguments\n");
        return 2;
    }
    sqlite3_finalize(put);
    return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
