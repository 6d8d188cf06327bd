#!/usr/bin/env python3
"""Queries of one large CSV, side by side: Pond, the sqlite3 shell importing
the CSV, SQLite's own engine on the same rows in a native table, and DuckDB's
CLI on the CSV (DESIGN.md "Tables"; issue "The data side, trustworthy").

The CSV (deterministic, generated at run time): ROWS readings of 10 stations
every 5 minutes, columns station,time,temp,humidity. Each query is run
--runs times per engine, the engines taking turns; the figure is the median
time and the largest peak RSS (/usr/bin/time -f %M), with the median of the
runs' ratios to DuckDB on the same file (pond-pq and duckdb-pq: the same rows
as Parquet). Answers are compared
(numbers to 6 significant digits); `SELECT *` goes to /dev/null, so its
answer is only its exit status.

  python3 Benchmarks/query.py --pond .build-release/release/pond
  python3 Benchmarks/query.py --rows 100000 --runs 1     # a quick look
  python3 Benchmarks/query.py --only join --engines pond,duckdb

The `native` engine's table is loaded once, outside the timing: it is the
limit of SQLite's engine on these rows, not a way to query a CSV.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIONS = ["N", "S", "E", "W", "NE", "NW", "SE", "SW", "C", "X"]
DAY = "2026-02-10"

# {t} is the table: a pond path, the shell's imported table, the native table,
# or DuckDB's read_csv. Each answer is ordered, so engines compare row by row.
QUERIES = {
    "count+avg": "SELECT count(*), avg(temp) FROM {t}",
    "group": "SELECT station, substr(time, 1, 10) AS day, count(*), avg(temp), max(humidity) "
             "FROM {t} GROUP BY 1, 2 ORDER BY 1, 2",
    "join": "SELECT n.time, n.temp, s.temp FROM {t} n JOIN {t} s ON n.time = s.time "
            f"WHERE n.station = 'N' AND s.station = 'S' AND n.time >= '{DAY}' AND n.time < '{DAY}T99' "
            "ORDER BY n.time",
    "select*": "SELECT * FROM {t}",
    "day": f"SELECT * FROM {{t}} WHERE time >= '{DAY}' AND time < '{DAY}T99' ORDER BY time, station",
    "limit10": "SELECT * FROM {t} LIMIT 10",
}


def write_csv(path, rows):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with open(path, "w") as out:
        out.write("station,time,temp,humidity\n")
        for i in range(rows):
            station = STATIONS[i % len(STATIONS)]
            step = i // len(STATIONS)
            when = (start + timedelta(minutes=5 * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
            temp = 10 + (step * 7919 + i * 31) % 2000 / 100
            humidity = 30 + (step * 104729 + i * 17) % 6000 / 100
            out.write(f"{station},{when},{temp:.2f},{humidity:.2f}\n")


def normalize(text):
    """Rows of cells, numbers to 6 significant digits, so engines compare."""
    rows = []
    for line in text.strip().splitlines()[1:]:  # the header's names differ
        cells = []
        for cell in line.split(","):
            cell = cell.strip('"')
            try:
                cells.append(f"{float(cell):.6g}")
            except ValueError:
                cells.append(cell)
        rows.append(cells)
    return rows


def timed(argv, stdout):
    """Runs argv; returns (seconds, peak RSS in MiB, stdout text or None)."""
    report = tempfile.NamedTemporaryFile(delete=False)
    out = open(os.devnull, "wb") if stdout == "null" else subprocess.PIPE
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", report.name] + argv,
                          stdout=out, stderr=subprocess.PIPE)
    with open(report.name) as f:
        fields = f.read().split()
    os.unlink(report.name)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.decode()[-2000:]}")
    seconds, rss = float(fields[-2]), int(fields[-1]) / 1024
    return seconds, rss, None if stdout == "null" else proc.stdout.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pond", default=os.path.join(ROOT, ".build-release/release/pond"))
    parser.add_argument("--duckdb", default=shutil.which("duckdb") or os.path.join(ROOT, ".build-venv/bin/duckdb"))
    parser.add_argument("--sqlite3", default=shutil.which("sqlite3") or "sqlite3")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(QUERIES))
    parser.add_argument("--engines", default="pond,sqlite3,native,duckdb,pond-pq,duckdb-pq",
                        help="pond-pq and duckdb-pq read the same rows as a Parquet file DuckDB writes "
                             "(sorted by time, row groups of 100,000 rows, SNAPPY)")
    args = parser.parse_args()
    engines = args.engines.split(",")
    queries = args.only.split(",")

    work = tempfile.mkdtemp(prefix="pond-query-bench-")
    try:
        csv = os.path.join(work, "readings.csv")
        write_csv(csv, args.rows)
        pond = os.path.join(work, "pond.db")
        native = os.path.join(work, "native.db")
        if "pond" in engines or "pond-pq" in engines:
            subprocess.run([args.pond, "init", "--pond", pond], check=True, stderr=subprocess.DEVNULL)
        if "pond" in engines:
            subprocess.run([args.pond, "copy", csv, "/readings.csv", "--pond", pond], check=True)
        parquet = os.path.join(work, "readings.parquet")
        if "pond-pq" in engines or "duckdb-pq" in engines:
            subprocess.run([args.duckdb, "-c", f"COPY (SELECT * FROM read_csv('{csv}', types={{'time': 'VARCHAR'}}) ORDER BY time) "
                            f"TO '{parquet}' (FORMAT parquet, ROW_GROUP_SIZE 100000)"], check=True)
        if "pond-pq" in engines:
            subprocess.run([args.pond, "copy", parquet, "/readings.parquet", "--pond", pond], check=True)
        if "native" in engines:
            script = f"CREATE TABLE r(station TEXT, time TEXT, temp REAL, humidity REAL);\n.import --csv --skip 1 {csv} r\n"
            subprocess.run([args.sqlite3, native], input=script.encode(), check=True)

        def argv(engine, sql):
            if engine == "pond":
                return [args.pond, "sql", sql.format(t='"/readings.csv"'), "--format", "csv", "--pond", pond]
            if engine == "sqlite3":
                return [args.sqlite3, ":memory:", "-cmd", f".import --csv {csv} r", "-csv", "-header", sql.format(t="r")]
            if engine == "native":
                return [args.sqlite3, native, "-csv", "-header", sql.format(t="r")]
            if engine == "pond-pq":
                return [args.pond, "sql", sql.format(t='"/readings.parquet"'), "--format", "csv", "--pond", pond]
            if engine == "duckdb-pq":
                return [args.duckdb, "-csv", "-c", sql.format(t=f"'{parquet}'")]
            table = f"read_csv('{csv}', types={{'time': 'VARCHAR'}})"
            return [args.duckdb, "-csv", "-c", sql.format(t=table)]

        print(f"{args.rows:,} rows, {os.path.getsize(csv) / 1e6:.0f} MB CSV; median of {args.runs} runs; "
              f"peak RSS the largest; x = time / DuckDB's")
        header = f"{'query':<10}" + "".join(f"{e:>24}" for e in engines) + "  answers"
        print(header)
        for name in queries:
            sql = QUERIES[name]
            sink = "null" if name == "select*" else "pipe"
            # Engines take turns, run by run, so a drift of the machine's speed
            # moves every engine alike; a ratio is the median of each run's ratio.
            timings = {engine: [] for engine in engines}
            for _ in range(args.runs):
                for engine in engines:
                    timings[engine].append(timed(argv(engine, sql), sink))
            results = {e: (statistics.median(r[0] for r in timings[e]), max(r[1] for r in timings[e]), timings[e][0][2]) for e in engines}

            # Each engine against DuckDB on the same file: CSV engines against duckdb, Parquet ones against duckdb-pq.
            def ratio(engine):
                peer = "duckdb-pq" if engine.endswith("-pq") else "duckdb"
                peer = peer if peer in timings else engines[-1]
                return statistics.median(a[0] / max(b[0], 0.01) for a, b in zip(timings[engine], timings[peer]))
            cells = [f"{results[e][0]:7.2f}s {results[e][1]:5.0f}MiB {ratio(e):5.1f}x" for e in engines]
            answers = [normalize(results[e][2]) for e in engines if results[e][2] is not None]
            verdict = "-" if not answers else ("same" if all(a == answers[0] for a in answers) else "DIFFER")
            if verdict == "DIFFER":
                for e in engines:
                    print(f"  {e}: {normalize(results[e][2])[:3]}", file=sys.stderr)
            print(f"{name:<10}" + "".join(f"{c:>24}" for c in cells) + f"  {verdict}", flush=True)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
