#!/usr/bin/env python3
"""A lazy clone of a large series on a real S3 server on loopback (issue
"Read a remote pond without pulling it", point 3): what `pond clone --lazy`
downloads, and what a one-day query of it then fetches, against the bytes
that day's rows occupy and against a full clone.

The series is --rows readings in 365 daily appends (Benchmarks/series.py
builds it), pushed to SeaweedFS's `weed mini` (127.0.0.1 only, stopped by
its pid). Then, each printed with its wall time:

  full clone      pond clone: every object (bytes and requests as it prints them)
  lazy clone      pond clone --lazy: the segments only
  lazy day        one day's count and average on the lazy clone: the bytes
                  and requests its reads fetched ($POND_FETCH_LOG), and the
                  ratio to the size of that day's append (target <= 2)
  lazy day again  the same query, now local: nothing fetched
  full day        the same query on the full clone

  python3 Benchmarks/lazy.py --pond .build/release/pond      # pond-remote beside it
  python3 Benchmarks/lazy.py --rows 3000000                  # a quick look

weed is $POND_WEED, else `weed` on PATH, else .build-venv/bin/weed; the
bucket is made with the AWS CLI.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import build_pond  # noqa: E402
from remote import KEY, SECRET, start_weed, stop_weed  # noqa: E402
from series import DAY, build, day_rows  # noqa: E402


def run(argv, env, check=True):
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    if check and result.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(argv[:6]), result.stderr[-2000:]))
    return wall, result.stdout


def fetched(log):
    """Runs, bytes and requests in the fetch log."""
    if not os.path.exists(log):
        return 0, 0, 0
    lines = [list(map(int, line.split())) for line in open(log) if line.strip()]
    return len(lines), sum(line[1] for line in lines), sum(line[2] for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=30_000_000)
    parser.add_argument("--pond", help="a pond binary to measure (pond-remote beside it)")
    args = parser.parse_args()
    pond = build_pond(args.pond, products=("pond", "pond-remote"))
    work = tempfile.mkdtemp(prefix="pond-lazy-bench-")
    weed, endpoint = start_weed(work)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1")
    env.pop("POND", None)
    try:
        per_day = args.rows // 365
        source = os.path.join(work, "source.db")
        started = time.monotonic()
        build(pond, source, 365, per_day, work)
        print(f"series: {per_day * 365:,} rows in 365 appends, pond file {os.path.getsize(source) / 2**20:.0f} MiB "
              f"({time.monotonic() - started:.0f} s to build)")
        run(["aws", "--endpoint-url", endpoint, "s3", "mb", "s3://lazy"], env)
        run([pond, "remote", "add", "origin", "s3://lazy/series", "--endpoint", endpoint, "--pond", source], env)
        wall, out = run([pond, "push", "--pond", source], env)
        print(f"push:            {wall:6.2f} s  {out.strip()}")

        full, lazy = os.path.join(work, "full.db"), os.path.join(work, "lazy.db")
        wall, out = run([pond, "clone", "s3://lazy/series", full, "--endpoint", endpoint], env)
        print(f"full clone:      {wall:6.2f} s  {out.strip()}")
        wall, out = run([pond, "clone", "--lazy", "s3://lazy/series", lazy, "--endpoint", endpoint], env)
        print(f"lazy clone:      {wall:6.2f} s  {out.strip()}")

        day_index = (time.mktime(time.strptime(DAY, "%Y-%m-%d")) - time.mktime(time.strptime("2026-01-01", "%Y-%m-%d"))) // 86400
        day_bytes = len(day_rows(int(day_index), per_day, int(day_index)).encode())
        sql = (f"SELECT count(*), avg(temp) FROM \"/series.csv\" "
               f"WHERE time >= '{DAY}T00:00:00Z' AND time < '{DAY}T23:59:59.999Z'")
        log = os.path.join(work, "fetch.log")
        lazy_env = dict(env, POND_FETCH_LOG=log)
        wall, lazy_answer = run([pond, "sql", sql, "--pond", lazy], lazy_env)
        runs, got, requests = fetched(log)
        print(f"lazy day:        {wall:6.2f} s  fetched {got:,} bytes in {requests} requests ({runs} pond-remote runs); "
              f"the day's append is {day_bytes:,} bytes: ratio {got / day_bytes:.2f} (target <= 2)")
        wall, again = run([pond, "sql", sql, "--pond", lazy], lazy_env)
        print(f"lazy day again:  {wall:6.2f} s  fetched {fetched(log)[1] - got:,} bytes more")
        wall, full_answer = run([pond, "sql", sql, "--pond", full], env)
        print(f"full day:        {wall:6.2f} s")
        if not (lazy_answer == again == full_answer):
            raise SystemExit(f"answers differ:\n{lazy_answer}\n{again}\n{full_answer}")
        _, status = run([pond, "status", "--pond", lazy], env)
        print("lazy clone now: " + next(line for line in status.splitlines() if line.startswith("local:")).split(":", 1)[1].strip())
    finally:
        stop_weed(weed)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
