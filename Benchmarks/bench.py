#!/usr/bin/env python3
"""Pond against the limit of this machine and against its peers, in one run.

Workloads (deterministic: generated from a fixed seed at run time):
  W1  ingest FILES files of 256 B..16 KiB in 100 directories, as one version
  W2  VERSIONS versions, each one command that changes one file and adds one
  W3  cat and list at 50 random old versions against the same at head, on
      W2's pond and on one with ten times its history
  W4  one BIG MiB file in and out: time, throughput and peak RSS
  W5  `pond log` over every version (10,000), `pond diff` between distant versions
  S   storage: a file copied to a second path, then grown by 1 MiB, then edited
  T   tables: a ROWS-row CSV queried as a table against the sqlite3 shell's
      .import of it; LIMIT 10; one line appended to an APPEND-row CSV

Baselines measured in the same run: the limit (Benchmarks/rawsqlite.c: plain
SQLite, prepared statements, same transactions and durability), the sqlite3
shell, cp and cat, and git when it is installed. Each figure is the median of
--runs runs (per-command figures: of every command), with its ratio to the
workload's limit. Prints a table per workload and writes the same as JSON.

  python3 Benchmarks/bench.py --quick          # under 3 minutes
  python3 Benchmarks/bench.py                  # the sizes of the issue
  python3 Benchmarks/bench.py --only W4 --big-mib 1024
"""
import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Runner:
    """Runs commands, timing each and reading its peak RSS from wait4."""

    def __init__(self, env):
        self.env = env

    def run(self, argv, cwd=None, stdin=None, stdout=None, rss=False):
        """Runs argv; returns (seconds, peak RSS in KiB, or 0 unless `rss`).
        Fails loudly on a non-zero exit.

        Peak RSS comes from GNU time (/usr/bin/time -f %M): wait4's ru_maxrss
        of a child of this script counts this Python process's own memory,
        which the child had before it exec'd."""
        report = None
        if rss:
            report = tempfile.NamedTemporaryFile(delete=False)
            argv = ["/usr/bin/time", "-f", "%M", "-o", report.name] + argv
        out = open(stdout, "wb") if stdout else subprocess.DEVNULL
        inp = open(stdin, "rb") if stdin else subprocess.DEVNULL
        err = tempfile.TemporaryFile()
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdin=inp, stdout=out, stderr=err, env=self.env)
        _, status, _ = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        for handle in (out, inp):
            if handle is not subprocess.DEVNULL:
                handle.close()
        if process.returncode != 0:
            err.seek(0)
            sys.exit(f"bench: {' '.join(argv)} failed ({process.returncode}): {err.read().decode(errors='replace')}")
        peak = 0
        if report:
            with open(report.name) as f:
                peak = int(f.read().split()[-1])
            os.remove(report.name)
        return elapsed, peak

    def sh(self, script, cwd=None):
        return self.run(["sh", "-c", script], cwd=cwd)


class Report:
    """Figures per workload: name, seconds (median), ratio to the limit, notes."""

    def __init__(self):
        self.workloads = {}

    def add(self, workload, name, seconds, limit=None, **extra):
        row = {"name": name, "median_s": seconds}
        if limit:
            row["ratio_to_limit"] = seconds / limit
        row.update(extra)
        self.workloads.setdefault(workload, []).append(row)

    def print(self):
        for workload, rows in self.workloads.items():
            print(f"\n{workload}")
            width = max(len(r["name"]) for r in rows)
            for r in rows:
                ratio = f"{r['ratio_to_limit']:6.2f}x" if "ratio_to_limit" in r else "       "
                extra = "  ".join(f"{k}={v}" for k, v in r.items() if k not in ("name", "median_s", "ratio_to_limit"))
                print(f"  {r['name']:<{width}}  {r['median_s'] * 1000:10.2f} ms  {ratio}  {extra}")


def median_of(runs, body):
    """The median seconds (and the largest peak RSS) of `runs` calls of body() -> (seconds, rss)."""
    results = [body() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def interleaved(runs, *bodies):
    """median_of for several bodies, run in turn (A B A B ...), so that a
    slow moment of this shared machine falls on all of them alike."""
    results = [[] for _ in bodies]
    for _ in range(runs):
        for index, body in enumerate(bodies):
            results[index].append(body())
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for rs in results]


def fresh_db(env, name):
    """A database path in the work directory with nothing there (no -wal or -shm either)."""
    path = os.path.join(env.tmp, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path


def random_bytes(rng, n):
    return rng.randbytes(n)


# MARK: - Workloads

def w1(args, env, report):
    """Ingest FILES small files in 100 directories as one version."""
    rng = random.Random(1)
    src = os.path.join(env.tmp, "w1-src")
    for i in range(args.files):
        directory = os.path.join(src, f"dir{i % 100:02d}")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"file{i:05d}.dat"), "wb") as f:
            f.write(random_bytes(rng, rng.randint(256, 16 * 1024)))
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(src) for n in names)
    script = os.path.join(env.tmp, "w1.sql")
    with open(script, "w") as f:
        f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n")
        f.write("CREATE TABLE files(path TEXT PRIMARY KEY, data BLOB) STRICT;\nBEGIN;\n")
        for p in paths:
            f.write(f"INSERT INTO files VALUES('{p}', readfile('{p}'));\n")
        f.write("COMMIT;\n")

    def pond():
        db = fresh_db(env, "w1.pond")
        env.r.run([env.pond, "init", "--pond", db])
        return env.r.run([env.pond, "copy", src, "/data", "--pond", db], rss=True)

    def pond_rows():
        db = fresh_db(env, "w1.rows")
        env.r.run([env.pond, "init", "--pond", db])
        return env.r.run([env.raw, "pondrows", db, src])

    (limit, _), (seconds, rss), (minimal, _), (shell, _) = interleaved(
        args.runs, pond_rows, pond,
        lambda: env.r.run([env.raw, "ingest", fresh_db(env, "w1.raw"), src]),
        lambda: env.r.run(["sqlite3", fresh_db(env, "w1.shell")], stdin=script))
    label = f"W1 ingest {args.files} files (one version)"
    report.add(label, "raw SQLite, Pond's rows and lookups (limit)", limit, limit)
    report.add(label, "raw SQLite, one (path, data) row per file", minimal, limit)
    report.add(label, "sqlite3 shell, one row per file", shell, limit)
    report.add(label, "pond copy", seconds, limit, peak_rss_kib=rss, target="<= 1.5x limit")
    if env.git:
        def git():
            repo = os.path.join(env.tmp, "w1-git")
            shutil.rmtree(repo, ignore_errors=True)
            shutil.copytree(src, repo)
            env.r.run(["git", "init", "-q", repo])
            return env.r.sh("git add -A && git commit -qm w1", cwd=repo)
        report.add(label, "git add && commit", median_of(args.runs, git)[0], limit)


def build_history(env, db, versions, git_repo=None, shell_db=None, times=None):
    """Makes `versions` versions in pond `db`, each one `pond copy` that
    changes /d/changed.txt and adds /d/new-N.txt; the same in git and in the
    sqlite3 shell when asked. Appends per-command seconds to `times`."""
    work = os.path.join(env.tmp, "history-src")
    os.makedirs(work, exist_ok=True)
    changed = os.path.join(work, "changed.txt")
    env.r.run([env.pond, "init", "--pond", db])
    env.r.run([env.pond, "mkdir", "/d", "--pond", db])
    if shell_db:
        env.r.run(["sqlite3", shell_db, "PRAGMA journal_mode=WAL; CREATE TABLE files(path TEXT PRIMARY KEY, data BLOB) STRICT;"])
    if git_repo:
        os.makedirs(os.path.join(git_repo, "d"), exist_ok=True)
        env.r.run(["git", "init", "-q", git_repo])
    for i in range(versions):
        new = os.path.join(work, f"new-{i:05d}.txt")
        with open(changed, "w") as f:
            f.write(f"reading {i}: {i * 7 % 1000}.5\n" * 20)
        with open(new, "w") as f:
            f.write(f"file added at step {i}\n")
        seconds, _ = env.r.run([env.pond, "copy", changed, new, "/d/", "--pond", db])
        if times is not None:
            times["pond"].append(seconds)
        if shell_db:
            sql = (f"PRAGMA synchronous=FULL; BEGIN; INSERT OR REPLACE INTO files VALUES('/d/changed.txt', readfile('{changed}'));"
                   f" INSERT INTO files VALUES('/d/new-{i:05d}.txt', readfile('{new}')); COMMIT;")
            times["shell"].append(env.r.run(["sqlite3", shell_db, sql])[0])
        if git_repo:
            shutil.copy(changed, os.path.join(git_repo, "d", "changed.txt"))
            shutil.copy(new, os.path.join(git_repo, "d", os.path.basename(new)))
            times["git"].append(env.r.sh(f"git add -A && git commit -qm v{i}", cwd=git_repo)[0])
        os.remove(new)


def w2(args, env, report, state):
    """VERSIONS versions, each one command."""
    db = os.path.join(env.tmp, "w2.pond")
    repo = os.path.join(env.tmp, "w2-git") if env.git else None
    times = {"pond": [], "shell": [], "git": []}
    build_history(env, db, args.versions, git_repo=repo, shell_db=os.path.join(env.tmp, "w2.shell"), times=times)
    floor, _ = median_of(max(args.runs, 20), lambda: env.r.run(["sqlite3", ":memory:", "SELECT 1"]))
    pond_floor, _ = median_of(max(args.runs, 20), lambda: env.r.run([env.pond, "--help"]))
    limit = statistics.median(times["shell"])
    label = f"W2 {args.versions} versions, one command each (per-command median)"
    report.add(label, "sqlite3 shell, same inserts (limit)", limit, limit)
    report.add(label, "pond copy (changes one file, adds one)", statistics.median(times["pond"]), limit, target="<= 1.5x limit")
    if times["git"]:
        report.add(label, "git add && git commit", statistics.median(times["git"]), limit)
    report.add(label, "sqlite3 shell bare start", floor, limit)
    report.add(label, "pond --help (process start)", pond_floor, limit)
    state["w2"] = (db, repo)


def w3(args, env, report, state):
    """cat and list at old versions against head, and with 10x the history."""
    db, repo = state["w2"]
    big = os.path.join(env.tmp, "w3-10x.pond")
    build_history(env, big, args.versions * 10)
    rng = random.Random(3)
    head = args.versions + 2  # init, mkdir, then one per step
    olds = [rng.randint(3, head) for _ in range(50)]
    label = f"W3 reads at 50 old versions ({args.versions} and {args.versions * 10} versions of history)"

    subjects = {
        "pond cat at head": lambda v: [env.pond, "cat", "/d/changed.txt", "--pond", db],
        "pond cat --at old": lambda v: [env.pond, "cat", "/d/changed.txt", "--at", str(v), "--pond", db],
        "pond cat --at old, 10x history": lambda v: [env.pond, "cat", "/d/changed.txt", "--at", str(v), "--pond", big],
        "pond list at head": lambda v: [env.pond, "list", "/d/", "--pond", db],
        "pond list --at old": lambda v: [env.pond, "list", "/d/", "--at", str(v), "--pond", db],
        "pond list --at old, 10x history": lambda v: [env.pond, "list", "/d/", "--at", str(v), "--pond", big],
    }
    if repo:
        revs = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.split()
        subjects["git show REV:path"] = lambda v: ["git", "-C", repo, "show", f"{revs[v - 3]}:d/changed.txt"]
        subjects["git ls-tree REV"] = lambda v: ["git", "-C", repo, "ls-tree", revs[v - 3], "d/"]
    # Every subject at each old version in turn, so that a slow moment of
    # this shared machine falls on all of them alike; then the medians.
    times = {name: [] for name in subjects}
    for v in olds:
        for name, argv_for in subjects.items():
            times[name].append(env.r.run(argv_for(v))[0])
    m = {name: statistics.median(values) for name, values in times.items()}
    for name, base, target in [
        ("pond cat at head", "pond cat at head", None),
        ("pond cat --at old", "pond cat at head", "<= 1.2x head"),
        ("pond cat --at old, 10x history", "pond cat --at old", "<= 1.2x the same with 1x history"),
        ("pond list at head", "pond list at head", None),
        ("pond list --at old", "pond list at head", "<= 1.2x head"),
        ("pond list --at old, 10x history", "pond list --at old", "<= 1.2x the same with 1x history"),
        ("git show REV:path", "pond cat --at old", "pond cat --at old no slower"),
        ("git ls-tree REV", "pond list --at old", "pond list --at old no slower"),
    ]:
        if name in m:
            extra = {"vs": base} if base != name else {}
            if target:
                extra["target"] = target
            report.add(label, name, m[name], m[base], **extra)
    state["w3"] = big


def w4(args, env, report):
    """One BIG MiB file in and out."""
    size = args.big_mib * 1024 * 1024
    big = os.path.join(env.tmp, "big.bin")
    rng = random.Random(4)
    with open(big, "wb") as f:
        for _ in range(args.big_mib):
            f.write(random_bytes(rng, 1024 * 1024))
    out = os.path.join(env.tmp, "big.out")

    def pond_in():
        db = fresh_db(env, "w4.pond")
        env.r.run([env.pond, "init", "--pond", db])
        return env.r.run([env.pond, "copy", big, "/big.bin", "--pond", db], rss=True)

    (raw_in, raw_in_rss), (pond_in_s, pond_in_rss) = interleaved(
        args.runs, lambda: env.r.run([env.raw, "write", fresh_db(env, "w4.raw"), big], rss=True), pond_in)
    (raw_out, raw_out_rss), (pond_out_s, pond_out_rss) = interleaved(
        args.runs,
        lambda: env.r.run([env.raw, "read", os.path.join(env.tmp, "w4.raw")], stdout=out, rss=True),
        lambda: env.r.run([env.pond, "cat", "/big.bin", "--pond", os.path.join(env.tmp, "w4.pond")], stdout=out, rss=True))
    with open(out, "rb") as a, open(big, "rb") as b:
        while True:
            x, y = a.read(1 << 20), b.read(1 << 20)
            if x != y:
                sys.exit("bench: pond cat returned different bytes")
            if not x:
                break
    cp_s, cp_rss = median_of(args.runs, lambda: env.r.run(["cp", big, out], rss=True))
    cat_s, cat_rss = median_of(args.runs, lambda: env.r.run(["cat", big], stdout=out, rss=True))
    mib = args.big_mib

    def speed(seconds):
        return f"{mib / seconds:.0f} MiB/s"

    label = f"W4 one {mib} MiB file in and out"
    report.add(label, "raw SQLite write (limit for in)", raw_in, raw_in, throughput=speed(raw_in), peak_rss_mib=raw_in_rss // 1024)
    report.add(label, "pond copy in", pond_in_s, raw_in, throughput=speed(pond_in_s), peak_rss_mib=pond_in_rss // 1024,
               target="throughput >= 0.8x limit, RSS <= 64 MiB")
    report.add(label, "cp", cp_s, raw_in, throughput=speed(cp_s), peak_rss_mib=cp_rss // 1024)
    report.add(label, "raw SQLite read (limit for out)", raw_out, raw_out, throughput=speed(raw_out), peak_rss_mib=raw_out_rss // 1024)
    report.add(label, "pond cat out", pond_out_s, raw_out, throughput=speed(pond_out_s), peak_rss_mib=pond_out_rss // 1024,
               target="throughput >= 0.8x limit, RSS <= 64 MiB")
    report.add(label, "cat", cat_s, raw_out, throughput=speed(cat_s), peak_rss_mib=cat_rss // 1024)
    os.remove(out)


def storage(args, env, report):
    """Bytes a pond grows by: a duplicate, an append, a small edit."""
    mib = args.storage_mib
    rng = random.Random(5)
    data = bytearray(random_bytes(rng, mib * 1024 * 1024))
    path = os.path.join(env.tmp, "s.bin")
    db = os.path.join(env.tmp, "s.pond")

    def write(content):
        with open(path, "wb") as f:
            f.write(content)

    def size():
        out = subprocess.run(["sqlite3", db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"],
                             capture_output=True, text=True).stdout
        return int(out)

    write(data)
    env.r.run([env.pond, "init", "--pond", db])
    env.r.run([env.pond, "copy", path, "/a.bin", "--pond", db])
    first = size()
    env.r.run([env.pond, "copy", path, "/b.bin", "--pond", db])
    dup = size()
    data += random_bytes(rng, 1024 * 1024)
    write(data)
    env.r.run([env.pond, "copy", path, "/a.bin", "--pond", db])
    appended = size()
    data[len(data) // 2:len(data) // 2 + 4] = b"edit"
    write(data)
    env.r.run([env.pond, "copy", path, "/a.bin", "--pond", db])
    edited = size()
    label = f"S storage added to a pond holding one {mib} MiB file"
    report.add(label, "same file copied to a second path", 0, None, added_bytes=dup - first, target="< 1 MiB")
    report.add(label, "1 MiB appended, copied as a new version", 0, None, added_bytes=appended - dup, target="< 2 MiB")
    report.add(label, "4 bytes edited mid-file, new version", 0, None, added_bytes=edited - appended)


def w5(args, env, report, state):
    """pond log over every version; pond diff between distant versions."""
    db = state["w3"]
    versions = args.versions * 10 + 2
    if args.log_versions > versions:
        db = os.path.join(env.tmp, "w5.pond")
        build_history(env, db, args.log_versions - 2)
        versions = args.log_versions
    limit, _ = median_of(max(args.runs, 10), lambda: env.r.run(["sqlite3", db, "SELECT version, time, command FROM versions ORDER BY version DESC"]))
    label = f"W5 history commands over {versions} versions"
    report.add(label, "sqlite3 shell selecting the same rows (limit)", limit, limit)
    report.add(label, "pond log", median_of(max(args.runs, 10), lambda: env.r.run([env.pond, "log", "--pond", db]))[0], limit,
               target="<= 1.5x limit, < 100 ms at 10,000 versions")
    report.add(label, f"pond diff 3 {versions}", median_of(max(args.runs, 5), lambda: env.r.run([env.pond, "diff", "3", str(versions), "--pond", db]))[0], limit)


# MARK: - Setup

class Env:
    pass


def csv_file(path, rows, seed):
    """A sensor-like CSV: time, station, temp, hum, note; about 50 bytes a row."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("time,station,temp,hum,note\n")
        for i in range(rows):
            f.write(f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00,st{i % 50},"
                    f"{rng.uniform(-10, 35):.3f},{rng.randint(10, 100)},\"r {i}, ok\"\n")


def tables(args, env, report):
    """T: a ROWS-row CSV as a table, against the sqlite3 shell importing it; appends."""
    big = os.path.join(env.tmp, "big.csv")
    csv_file(big, args.table_rows, 17)
    size_mib = os.path.getsize(big) / (1 << 20)
    db = fresh_db(env, "t.pond")
    env.r.run([env.pond, "init", "--pond", db])
    copy_s, _ = env.r.run([env.pond, "copy", big, "/big.csv", "--pond", db])
    query = "SELECT count(*), avg(temp) FROM {}"
    (shell_s, shell_rss), (pond_s, pond_rss) = interleaved(
        args.runs,
        lambda: env.r.run(["sqlite3", ":memory:", "-cmd", f".import --csv {big} t", query.format("t")], rss=True),
        lambda: env.r.run([env.pond, "sql", query.format('"/big.csv"'), "--pond", db], rss=True))
    limit_s, limit_rss = median_of(args.runs, lambda: env.r.run([env.pond, "sql", 'SELECT * FROM "/big.csv" LIMIT 10', "--pond", db], rss=True))
    label = f"T one {args.table_rows:,}-row CSV ({size_mib:.0f} MiB) as a table"
    report.add(label, "sqlite3 shell: .import --csv into :memory: + the query (baseline)", shell_s, shell_s,
               peak_rss_mib=shell_rss // 1024)
    report.add(label, "pond sql 'SELECT count(*), avg(temp) FROM \"/big.csv\"'", pond_s, shell_s,
               peak_rss_mib=pond_rss // 1024, target="<= 1.5x the shell, RSS <= 64 MiB")
    report.add(label, "pond sql '... LIMIT 10'", limit_s, shell_s, peak_rss_mib=limit_rss // 1024, target="milliseconds")
    report.add(label, "pond copy of the file in (infers its columns once)", copy_s, shell_s)

    # Appending one line to a large file, against copying the file in.
    grown = os.path.join(env.tmp, "grown.csv")
    csv_file(grown, args.append_rows, 23)
    grown_mib = os.path.getsize(grown) / (1 << 20)
    db2 = fresh_db(env, "t2.pond")
    env.r.run([env.pond, "init", "--pond", db2])
    grown_copy_s, _ = env.r.run([env.pond, "copy", grown, "/grown.csv", "--pond", db2])
    line = os.path.join(env.tmp, "line.csv")
    with open(line, "w") as f:
        f.write("2027-01-01T00:00:00,st1,1.5,20,\"new\"\n")
    chunks_before = int(subprocess.check_output(["sqlite3", db2, "SELECT count(*) FROM chunks"]).strip())
    append_s, append_rss = median_of(args.runs, lambda: env.r.run([env.pond, "append", "/grown.csv", line, "--pond", db2], rss=True))
    chunks_after = int(subprocess.check_output(["sqlite3", db2, "SELECT count(*) FROM chunks"]).strip())
    versions = subprocess.check_output([env.pond, "sql", 'SELECT _version, count(*) FROM "/grown.csv" GROUP BY 1',
                                        "--format", "csv", "--pond", db2], text=True).strip().splitlines()[1:]
    label = f"T append one line to a {grown_mib:.0f} MiB CSV"
    report.add(label, "pond copy of the whole file in (baseline)", grown_copy_s, grown_copy_s)
    report.add(label, "pond append of one line", append_s, grown_copy_s, peak_rss_mib=append_rss // 1024,
               new_chunks_per_append=(chunks_after - chunks_before) / args.runs, rows_by_version=";".join(versions),
               target="milliseconds, about one chunk")


def build_pond(given=None, products=("pond",)):
    """The pond binary to measure: `given`, or one built as the README
    recommends for a fast start (release, one static executable: nothing
    for the dynamic loader to do at each start); `products` beside it
    (pond-remote, for the remote benchmarks)."""
    if given:
        return os.path.abspath(given)
    scratch = os.path.join(ROOT, ".build-bench")
    for product in products:
        print(f"building {product} (release, static executable)...", file=sys.stderr)
        build = subprocess.run(["bash", os.path.join(ROOT, "Benchmarks", "release-build.sh"),
                                "--scratch-path", scratch, "--product", product], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if build.returncode != 0:
            sys.exit(build.stdout + f"\nbuilding {product} failed")
    # A binary just written is still being written back; running it then
    # is slower for a while (measured: 0.5 ms per command), so wait for that first.
    os.sync()
    return os.path.join(scratch, "release", "pond")


def setup(args):
    env = Env()
    env.tmp = tempfile.mkdtemp(prefix="pond-bench-", dir=args.tmp)
    environment = dict(os.environ)
    environment.update({"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench",
                        "GIT_COMMITTER_EMAIL": "b@e", "GIT_CONFIG_GLOBAL": "/dev/null"})
    env.r = Runner(environment)
    env.pond = build_pond(args.pond)
    env.raw = os.path.join(env.tmp, "rawsqlite")
    subprocess.run(["cc", "-O2", "-o", env.raw, os.path.join(ROOT, "Benchmarks", "rawsqlite.c"), "-lsqlite3"], check=True)
    env.git = shutil.which("git") is not None
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, under 3 minutes")
    parser.add_argument("--runs", type=int, help="runs per whole-workload figure (default 5, quick 3)")
    parser.add_argument("--files", type=int, help="W1 files (default 10000, quick 2000)")
    parser.add_argument("--versions", type=int, help="W2 versions (default 300, quick 60); W3/W5 use 10x")
    parser.add_argument("--big-mib", type=int, help="W4 file size in MiB (default 256, quick 64)")
    parser.add_argument("--storage-mib", type=int, help="S file size in MiB (default 100, quick 32)")
    parser.add_argument("--log-versions", type=int,
                        help="W5 history length (default 10000; quick: W3's 10x pond)")
    parser.add_argument("--table-rows", type=int, help="T rows of the queried CSV (default 1000000, quick 200000)")
    parser.add_argument("--append-rows", type=int, help="T rows of the appended CSV (default 20000000, about 1 GiB; quick 1000000)")
    parser.add_argument("--only", help="comma-separated workloads: W1,W2,W3,W4,W5,S,T (W3 needs W2, W5 needs W3)")
    parser.add_argument("--pond", help="a pond binary to measure instead of building one")
    parser.add_argument("--json", default="bench-results.json", help="where to write the JSON (default bench-results.json)")
    parser.add_argument("--tmp", help="where to put the work files (default: the system's temporary directory)")
    args = parser.parse_args()
    quick = args.quick
    args.runs = args.runs or (3 if quick else 5)
    args.files = args.files or (2000 if quick else 10000)
    args.versions = args.versions or (60 if quick else 300)
    args.big_mib = args.big_mib or (64 if quick else 256)
    args.storage_mib = args.storage_mib or (32 if quick else 100)
    args.table_rows = args.table_rows or (200_000 if quick else 1_000_000)
    args.append_rows = args.append_rows or (1_000_000 if quick else 20_000_000)
    args.log_versions = args.log_versions if args.log_versions is not None else (0 if quick else 10000)
    only = set((args.only or "W1,W2,W3,W4,W5,S,T").upper().split(","))
    if "W5" in only:
        only |= {"W3"}
    if "W3" in only:
        only |= {"W2"}

    env = setup(args)
    report = Report()
    state = {}
    started = time.perf_counter()
    try:
        if "W1" in only:
            w1(args, env, report)
        if "W2" in only:
            w2(args, env, report, state)
        if "W3" in only:
            w3(args, env, report, state)
        if "W4" in only:
            w4(args, env, report)
        if "S" in only:
            storage(args, env, report)
        if "W5" in only:
            w5(args, env, report, state)
        if "T" in only:
            tables(args, env, report)
    finally:
        shutil.rmtree(env.tmp, ignore_errors=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    report.print()
    elapsed = time.perf_counter() - started
    print(f"\n{datetime.now(timezone.utc).strftime('%Y-%m-%d')} on {machine}; {elapsed:.0f} s in all")
    with open(args.json, "w") as f:
        json.dump({"date": datetime.now(timezone.utc).isoformat(), "machine": machine, "quick": quick,
                   "seconds": elapsed, "workloads": report.workloads}, f, indent=2)


if __name__ == "__main__":
    main()
