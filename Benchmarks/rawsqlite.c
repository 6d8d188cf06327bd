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
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
         "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, data BLOB) STRICT;"
         "CREATE TABLE IF NOT EXISTS blobs(seq INTEGER PRIMARY KEY, data BLOB) STRICT;");
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

static void walk(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) { perror(dir); exit(1); }
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (entry->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        if (entry->d_type == DT_DIR) walk(path); else put_file(path, path);
    }
    closedir(d);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: see rawsqlite.c\n"); return 2; }
    const char *mode = argv[1];
    open_db(argv[2]);
    check(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO files(path, data) VALUES (?, ?)", -1, &put, 0), "prepare");
    if (!strcmp(mode, "ingest") && argc == 4) {
        exec("BEGIN IMMEDIATE");
        walk(argv[3]);
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
