#!/usr/bin/env python3
"""What a `logfile` collector's run costs (issue "Configure and collect"):
a run after 1 MiB of new lines on a large log must cost about the 1 MiB,
not the log.

A log of --size MiB of CSV lines (default 1024) is collected once (the
import, timed for information); then, --runs times, 1 MiB of new lines is
appended to it and `pond run` takes them: the "1 MiB into a big log" figure.
The baseline, interleaved with it, is the same 1 MiB appended by `pond
append` to the same pond file (what the bytes themselves cost there).
The figure is the median time of each and the median of the per-round
ratios, with the largest peak RSS (/usr/bin/time -f %M).

  python3 Benchmarks/collect.py --pond .build/release/pond
  python3 Benchmarks/collect.py --size 64 --runs 3     # a quick look
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def lines(start, size):
    """About `size` bytes of CSV readings, a second apart from second `start`."""
    out, second = [], start
    total = 0
    while total < size:
        line = "2026-01-01T00:00:00Z+%d,station-%d,%.2f,%.1f\n" % (second, second % 10, 10 + (second % 700) / 100, 40 + second % 30)
        out.append(line)
        total += len(line)
        second += 1
    return "".join(out), second


def timed(command):
    """Wall seconds and peak RSS (KiB) of one command, which must succeed."""
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    wall = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), result.stderr))
    return wall, int(result.stderr.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pond", default=os.path.join(ROOT, ".build/release/pond"))
    parser.add_argument("--size", type=int, default=1024, help="the log's size in MiB before the measured runs")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pond = os.path.abspath(args.pond)
    work = tempfile.mkdtemp(prefix="pond-collect-bench-")
    try:
        log = os.path.join(work, "app.csv")
        second = 0
        with open(log, "w") as out:
            out.write("time,station,temp,humidity\n")
            written = 0
            while written < args.size * MIB:
                text, second = lines(second, 16 * MIB)
                out.write(text)
                written += len(text)
        big = os.path.join(work, "big.db")
        subprocess.run([pond, "init", "--pond", big], check=True, capture_output=True)
        yaml = os.path.join(work, "c.yaml")
        with open(yaml, "w") as out:
            out.write("kind: collector\nname: app\ntype: logfile\nfile: %s\npath: /app.csv\n" % log)
        subprocess.run([pond, "apply", "-f", yaml, "--pond", big], check=True, capture_output=True)
        wall, peak = timed([pond, "run", "app", "--pond", big])
        print("import of the %d MiB log: %.2f s, peak %.1f MiB" % (args.size, wall, peak / 1024))

        runs, baselines, ratios, peaks = [], [], [], []
        for _ in range(args.runs):
            text, second = lines(second, MIB)
            with open(log, "a") as out:
                out.write(text)
            chunk = os.path.join(work, "chunk.csv")
            with open(chunk, "w") as out:
                out.write(text)
            run_wall, run_peak = timed([pond, "run", "app", "--pond", big])
            base_wall, base_peak = timed([pond, "append", "/app.csv", chunk, "--pond", big])
            runs.append(run_wall)
            baselines.append(base_wall)
            ratios.append(run_wall / base_wall)
            peaks.append(max(run_peak, base_peak))
        print("1 MiB new on a %d MiB log, pond run:      median %.3f s" % (args.size, statistics.median(runs)))
        print("the same 1 MiB by pond append (baseline):  median %.3f s" % statistics.median(baselines))
        print("ratio run / append: median %.2f (runs: %s); peak RSS %.1f MiB"
              % (statistics.median(ratios), " ".join("%.2f" % r for r in ratios), max(peaks) / 1024))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
