#!/usr/bin/env python3
"""One day of a long series (issue "Time series", point 3): a query with a
constraint on the time column reads only the appends whose time range may
hold matching rows, so one day out of a year costs about one day.

Three engines, taking turns, --runs times each:

  pond-year   a 10,000,000-row series (--rows) that grew by 365 daily appends
              (`pond append`), CSV: one day queried by its time column
  duckdb-pq   DuckDB's CLI over the same rows as ONE Parquet file with
              100,000-row row groups (sorted by time: its statistics skip)
  pond-small  the same query over a 10,000-row series of 10 daily appends
              (1,000 rows a day)
  pond-day    the same query over a series of that one day alone (the
              same rows as the year's day, one file): what the day costs

The figure is each engine's median wall time and the median of the per-run
ratios pond-year / duckdb-pq (target <= 2), pond-year / pond-small (target
<= 1.2) and pond-year / pond-day (the history's cost, the day's rows the
same); the answers are compared (count and average).

  python3 Benchmarks/series.py --pond .build/release/pond
  python3 Benchmarks/series.py --rows 1000000 --runs 5    # a quick look
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIONS = ["N", "S", "E", "W"]
DAY = "2026-06-10"


def day_rows(day_index, count, seed):
    """`count` readings spread over day `day_index` of 2026 (from Jan 1), ascending."""
    lines = []
    step = 86400 / count
    for i in range(count):
        second = int(i * step)
        t = time.gmtime(1767225600 + day_index * 86400 + second)
        value = (i * 7919 + seed * 104729) % 4000
        lines.append("%04d-%02d-%02dT%02d:%02d:%02dZ,%s,%.2f,%d\n" % (
            t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, STATIONS[i % 4], value / 100, 30 + value % 60))
    return "".join(lines)


def build(pond, file, days, per_day, work, csv_out=None):
    """A pond at `file` whose /series.csv grew by one append per day."""
    subprocess.run([pond, "init", "--pond", file], check=True, capture_output=True)
    chunk = os.path.join(work, "day.csv")
    for day in range(days):
        text = day_rows(day, per_day, day)
        if day == 0:
            text = "time,station,temp,humidity\n" + text
        with open(chunk, "w") as out:
            out.write(text)
        if csv_out:
            csv_out.write(text)
        command = ["copy", chunk, "/series.csv"] if day == 0 else ["append", "/series.csv", chunk]
        subprocess.run([pond] + command + ["--pond", file], check=True, capture_output=True)


def timed(argv):
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(argv), result.stderr))
    return wall, result.stdout


def answer(text):
    """The count and average, whatever the engine printed around them."""
    numbers = [field for line in text.splitlines() for field in line.replace(",", " ").split() if field[:1].isdigit()]
    return tuple(round(float(n), 4) for n in numbers[:2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pond", default=os.path.join(ROOT, ".build/release/pond"))
    parser.add_argument("--duckdb", default=shutil.which("duckdb") or os.path.join(ROOT, ".build-venv/bin/duckdb"))
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    pond = os.path.abspath(args.pond)
    work = tempfile.mkdtemp(prefix="pond-series-bench-")
    try:
        per_day = args.rows // 365
        year = os.path.join(work, "year.db")
        small = os.path.join(work, "small.db")
        csv = os.path.join(work, "year.csv")
        started = time.monotonic()
        with open(csv, "w") as out:
            build(pond, year, 365, per_day, work, out)
        print("built the year: 365 appends of %d rows in %.0f s" % (per_day, time.monotonic() - started))
        build(pond, small, 10, 1000, work)
        # The year's day alone: day 160 of 2026 is 2026-06-10.
        day = os.path.join(work, "day.db")
        alone = os.path.join(work, "alone.csv")
        with open(alone, "w") as out:
            out.write("time,station,temp,humidity\n" + day_rows(160, per_day, 160))
        subprocess.run([pond, "init", "--pond", day], check=True, capture_output=True)
        subprocess.run([pond, "copy", alone, "/series.csv", "--pond", day], check=True, capture_output=True)
        parquet = os.path.join(work, "year.parquet")
        subprocess.run([args.duckdb, "-c", "COPY (SELECT * FROM read_csv('%s', types={'time': 'VARCHAR'}) ORDER BY time) "
                        "TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 100000)" % (csv, parquet)], check=True, capture_output=True)
        query = "SELECT count(*), avg(temp) FROM {t} WHERE time >= '%s' AND time < '%s'"
        small_day = "2026-01-05"
        engines = {
            "pond-year": [pond, "sql", "--format", "csv", "--pond", year, query.format(t='"/series.csv"') % (DAY, "2026-06-11")],
            "duckdb-pq": [args.duckdb, "-csv", "-c", query.format(t="'%s'" % parquet) % (DAY, "2026-06-11")],
            "pond-small": [pond, "sql", "--format", "csv", "--pond", small, query.format(t='"/series.csv"') % (small_day, "2026-01-06")],
            "pond-day": [pond, "sql", "--format", "csv", "--pond", day, query.format(t='"/series.csv"') % (DAY, "2026-06-11")],
        }
        times = {name: [] for name in engines}
        answers = {}
        for _ in range(args.runs):
            for name, argv in engines.items():
                wall, out = timed(argv)
                times[name].append(wall)
                answers[name] = answer(out)
        if not answers["pond-year"] == answers["duckdb-pq"] == answers["pond-day"]:
            raise SystemExit("answers differ: pond %s, duckdb %s, the day alone %s" % (answers["pond-year"], answers["duckdb-pq"], answers["pond-day"]))
        for name in engines:
            print("%-11s median %.3f s  (answer %s)" % (name, statistics.median(times[name]), answers[name]))
        versus_duckdb = statistics.median(a / b for a, b in zip(times["pond-year"], times["duckdb-pq"]))
        versus_small = statistics.median(a / b for a, b in zip(times["pond-year"], times["pond-small"]))
        print("pond-year / duckdb-pq: %.2f (target <= 2)" % versus_duckdb)
        print("pond-year / pond-small: %.2f (target <= 1.2; its day holds 1,000 rows, the year's %d)" % (versus_small, per_day))
        versus_day = statistics.median(a / b for a, b in zip(times["pond-year"], times["pond-day"]))
        print("pond-year / pond-day: %.2f (the same day's rows alone)" % versus_day)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
