#!/usr/bin/env python3
"""Compares command lines by wall time, run in turn so that the machine's
load falls on all of them alike: the median (and 25th percentile) of N runs.

  python3 Benchmarks/compare.py 40 "pond log --pond p.db" "sqlite3 p.db 'SELECT ...'"

Used for before/after figures of one change; Benchmarks/bench.py is the full run.
"""
import shlex
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    runs, commands = int(sys.argv[1]), sys.argv[2:]
    times = {command: [] for command in commands}
    for _ in range(runs):
        for command in commands:
            start = time.perf_counter()
            subprocess.run(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[command].append((time.perf_counter() - start) * 1000)
    for command in commands:
        values = sorted(times[command])
        print(f"{statistics.median(values):8.2f} ms  (p25 {values[len(values) // 4]:7.2f})  {command}")


if __name__ == "__main__":
    main()
