#!/usr/bin/env python3
"""Rollups of a long series (issue "Time series", point 5): what reading
the 1h, 6h and 1d tables of a `pond mknod reduce` costs cold, again at the
same inputs (a kept result), and after an append of 1,000 rows (only the
buckets the new rows touch are computed again).

The series is --rows readings in 365 daily appends (Benchmarks/series.py
builds it the same way). The baseline is SQLite's own engine: the same rows
in a native table, the three GROUP BYs by the sqlite3 shell (its load is
not timed). Each figure is the median of --runs; peak RSS by /usr/bin/time.

  python3 Benchmarks/rollup.py --pond .build/release/pond
  python3 Benchmarks/rollup.py --rows 1000000 --runs 3     # a quick look
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from series import build, day_rows

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOLUTIONS = ["1h", "6h", "1d"]


def timed(argv, stdin=None):
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, capture_output=True, text=True, input=stdin)
    wall = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(argv[:6]), result.stderr[-2000:]))
    return wall, int(result.stderr.strip().splitlines()[-1]), result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pond", default=os.path.join(ROOT, ".build/release/pond"))
    parser.add_argument("--sqlite3", default=shutil.which("sqlite3") or "sqlite3")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pond = os.path.abspath(args.pond)
    work = tempfile.mkdtemp(prefix="pond-rollup-bench-")
    try:
        file = os.path.join(work, "year.db")
        csv = os.path.join(work, "year.csv")
        with open(csv, "w") as out:
            build(pond, file, 365, args.rows // 365, work, out)
        subprocess.run([pond, "mknod", "reduce", "/r", "/series.csv", "--every", ",".join(RESOLUTIONS), "--pond", file],
                       check=True, capture_output=True)
        native = os.path.join(work, "native.db")
        # Typed as Pond types them, so SQLite's engine works on numbers, not on text.
        subprocess.run([args.sqlite3, native], input="CREATE TABLE readings(time TEXT, station TEXT, temp REAL, humidity INTEGER);\n"
                       ".mode csv\n.import --skip 1 %s readings\n" % csv, text=True, check=True)
        buckets = {
            "1h": "substr(time, 1, 13)",
            "6h": "substr(time, 1, 11) || (CAST(substr(time, 12, 2) AS INTEGER) / 6 * 6)",
            "1d": "substr(time, 1, 10)",
        }
        native_sql = "".join(
            "SELECT %s AS t, avg(temp), min(temp), max(temp), count(temp), avg(humidity), min(humidity), max(humidity), count(humidity) "
            "FROM readings GROUP BY 1 ORDER BY 1;\n" % expression for expression in buckets.values())
        cold, again, native_times, peaks = [], [], [], []
        appended = []
        for run in range(args.runs):
            subprocess.run([pond, "prune", "--cache", "--pond", file], check=True, capture_output=True)
            total, peak = 0.0, 0
            for resolution in RESOLUTIONS:
                wall, rss, _ = timed([pond, "cat", "/r/res=%s.csv" % resolution, "--pond", file])
                total += wall
                peak = max(peak, rss)
            cold.append(total)
            wall, rss, _ = timed([pond, "cat", "/r/res=1h.csv", "--pond", file])
            again.append(wall)
            peak = max(peak, rss)
            wall, _, _ = timed([args.sqlite3, native], stdin=native_sql)
            native_times.append(wall)
            # 1,000 rows of the last day's, a second apart, appended; then the 1h table read.
            chunk = os.path.join(work, "more.csv")
            rows = day_rows(364, 86400, 1000 + run).splitlines(True)[run * 1000:(run + 1) * 1000]
            with open(chunk, "w") as out:
                out.write("".join(rows))
            subprocess.run([pond, "append", "/series.csv", chunk, "--pond", file], check=True, capture_output=True)
            wall, rss, _ = timed([pond, "cat", "/r/res=1h.csv", "--pond", file])
            appended.append(wall)
            peaks.append(max(peak, rss))
        print("cold 1h+6h+1d (pond cat of each, nothing kept): median %.2f s" % statistics.median(cold))
        print("SQLite's own engine, the three GROUP BYs:        median %.2f s" % statistics.median(native_times))
        print("ratio cold / native: %.2f (target <= 1.5)" % statistics.median(c / n for c, n in zip(cold, native_times)))
        print("the 1h table again (kept):                      median %.3f s (target <= 0.020)" % statistics.median(again))
        print("the 1h table after 1,000 rows appended:         median %.3f s (target <= 0.050)" % statistics.median(appended))
        print("peak RSS: %.1f MiB (target <= 128)" % (max(peaks) / 1024))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
