#!/usr/bin/env python3
"""Pond against git at 1,000, 10,000 and 100,000 files (1,000,000 with
--million), side by side on the same tree and the same changes.

Each tree: N files of 20-60 bytes in N/100 directories of 100, ingested as
one version (one `pond copy` of the directory; `git add -A` + `git commit`),
then 20 small versions, each changing one file (one `pond copy -` of it; one
git commit). Then, in turn (medians of --runs runs):

  list            pond list                 git ls-tree -r --name-only HEAD
  list --at OLD   pond list --at 2          git ls-tree -r --name-only FIRST
  list --long     pond list --long          (against pond's plain list)
  list --json     pond list --json          (against pond's plain list)
  diff            pond diff 2 HEAD          git diff --name-status FIRST HEAD
  cat --at OLD    pond cat PATH --at 2      git show FIRST:PATH
  status          pond status               git status --porcelain
  write           pond copy - PATH          git commit of one changed file
  fsck            pond fsck                 git fsck

and prints a table per N with each ratio (pond / git, or / plain list), then
the growth of each from the smallest N to the largest. Peak RSS (GNU time)
of every pond command at the largest N. Last, `diff 2 22` and `cat --at 2`
again at every N in turn: their growth with the machine's drift taken out.

  python3 Benchmarks/scale.py [--runs 5] [--sizes 1000,10000,100000] [--million] [--pond BINARY]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Runner, build_pond, interleaved  # noqa: E402  (the shared runner and build)

# No automatic `git gc` in the middle of a measurement (a 1,000,000-object
# repository repacks after its first commits, on the same two cores); the
# repository is packed once, untimed, before the reads are measured.
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@e", "GIT_CONFIG_GLOBAL": "/dev/null",
           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gc.auto", "GIT_CONFIG_VALUE_0": "0"}


RUNNER = Runner(dict(os.environ, **GIT_ENV))


def run(argv, cwd=None, stdin=None, rss=False):
    """bench.py's Runner.run (seconds, peak RSS in KiB or 0; exits on failure), given `stdin` as bytes."""
    if stdin is None:
        return RUNNER.run(argv, cwd=cwd, rss=rss)
    with tempfile.NamedTemporaryFile() as source:
        source.write(stdin)
        source.flush()
        return RUNNER.run(argv, cwd=cwd, stdin=source.name, rss=rss)


def measure(pond, n, runs, work):
    """The figures for a tree of n files."""
    rng = random.Random(n)
    tree = os.path.join(work, f"tree{n}")
    src = os.path.join(tree, "src")
    for d in range(max(n // 100, 1)):
        os.makedirs(os.path.join(src, f"d{d:05d}"))
        for f in range(min(100, n)):
            with open(os.path.join(src, f"d{d:05d}", f"f{f:03d}.txt"), "w") as out:
                out.write(f"{d} {f} {rng.random()}\n")
    db = os.path.join(work, f"p{n}.db")
    repo = os.path.join(work, f"git{n}")
    os.makedirs(repo)
    shutil.copytree(src, os.path.join(repo, "src"))
    figures = {}
    run([pond, "init", "--pond", db])
    figures["ingest"] = (run([pond, "copy", src, "/", "--pond", db], rss=True),
                         run(["sh", "-c", "git init -q && git add -A && git commit -qm ingest"], cwd=repo))
    first = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    changed = [f"src/d{i % max(n // 100, 1):05d}/f{i % min(100, n):03d}.txt" for i in range(20)]
    for i, path in enumerate(changed):
        text = f"version {i}\n".encode()
        run([pond, "copy", "-", "/" + path, "--pond", db], stdin=text)
        with open(os.path.join(repo, path), "wb") as out:
            out.write(text)
        run(["git", "commit", "-qam", f"v{i}"], cwd=repo)
    # Packed, as git's own gc would leave it (not timed): loose objects would make git slower than it is.
    run(["git", "gc", "--quiet"], cwd=repo)
    head = subprocess.run([pond, "status", "--json", "--pond", db], capture_output=True, text=True).stdout
    path = changed[0]

    # Timed runs are plain runs on both sides; pond's peak RSS comes from one more run under
    # GNU time, untimed (the wrapper's own start, 1.4 ms here, would fall on pond's side alone).
    def with_peak(timed, pond_argv, stdin=None):
        (pond_s, _), other = timed
        return [(pond_s, run(pond_argv, stdin=stdin, rss=True)[1]), other]

    def pair(name, pond_argv, git_argv):
        figures[name] = with_peak(interleaved(runs, lambda: run(pond_argv), lambda: run(git_argv, cwd=repo)), pond_argv)

    def against_list(name, pond_argv):
        figures[name] = with_peak(interleaved(runs, lambda: run(pond_argv), lambda: run([pond, "list", "--pond", db])), pond_argv)

    pair("list", [pond, "list", "--pond", db], ["git", "ls-tree", "-r", "--name-only", "HEAD"])
    pair("list --at OLD", [pond, "list", "--at", "2", "--pond", db], ["git", "ls-tree", "-r", "--name-only", first])
    against_list("list --long", [pond, "list", "--long", "--pond", db])
    against_list("list --json", [pond, "list", "--json", "--pond", db])
    pair("diff (20 changes)", [pond, "diff", "2", "--pond", db], ["git", "diff", "--name-status", first, "HEAD"])
    pair("cat --at OLD", [pond, "cat", "/" + path, "--at", "2", "--pond", db], ["git", "show", f"{first}:{path}"])
    pair("status", [pond, "status", "--pond", db], ["git", "status", "--porcelain"])
    counter = [0]

    def pond_write():
        counter[0] += 1
        return run([pond, "copy", "-", "/" + path, "--pond", db], stdin=f"w{counter[0]}\n".encode())

    def git_write():
        counter[0] += 1
        with open(os.path.join(repo, path), "w") as out:
            out.write(f"w{counter[0]}\n")
        return run(["git", "commit", "-qam", "w"], cwd=repo)

    figures["write (one file)"] = with_peak(interleaved(runs, pond_write, git_write),
                                            [pond, "copy", "-", "/" + path, "--pond", db], stdin=b"peak\n")
    figures["fsck"] = with_peak(interleaved(max(1, runs // 2), lambda: run([pond, "fsck", "--pond", db]),
                                            lambda: run(["git", "fsck", "--no-progress"], cwd=repo)),
                                [pond, "fsck", "--pond", db])
    shutil.rmtree(tree)
    shutil.rmtree(repo)
    return figures, (db, "/" + path)


# Commands whose growth from the smallest tree to the largest is a target:
# timed again at the end, every size in turn, so that the machine's drift
# over the run (its hours differ by half) does not read as growth.
ACROSS_SIZES = {
    "diff (20 changes)": lambda pond, db, path: [pond, "diff", "2", "22", "--pond", db],
    "cat --at OLD": lambda pond, db, path: [pond, "cat", path, "--at", "2", "--pond", db],
}


def across_sizes(pond, ponds, runs):
    """{name: {n: median seconds}} of ACROSS_SIZES, each size in turn."""
    times = {name: {n: [] for n in ponds} for name in ACROSS_SIZES}
    for _ in range(runs):
        for name, argv in ACROSS_SIZES.items():
            for n, (db, path) in ponds.items():
                times[name][n].append(run(argv(pond, db, path))[0])
    return {name: {n: sorted(values)[len(values) // 2] for n, values in by_size.items()} for name, by_size in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--million", action="store_true", help="add N = 1,000,000 (10,000 directories)")
    parser.add_argument("--pond", help="a pond binary to measure instead of building one")
    parser.add_argument("--tmp", help="where to put the work files")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    pond = build_pond(args.pond)
    work = tempfile.mkdtemp(prefix="pond-scale-", dir=args.tmp)
    results, ponds = {}, {}
    started = time.perf_counter()
    try:
        for n in sizes:
            print(f"N = {n:,}...", file=sys.stderr)
            results[n], ponds[n] = measure(pond, n, args.runs if n < 1_000_000 else max(1, args.runs // 2), work)
        print("growth, every size in turn...", file=sys.stderr)
        growth = across_sizes(pond, ponds, max(args.runs, 9))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    names = list(results[sizes[0]].keys())
    print(f"\n{'':22}" + "".join(f"{'N=' + format(n, ','):>30}" for n in sizes))
    for name in names:
        cells = []
        for n in sizes:
            (pond_s, _), (other_s, _) = results[n][name]
            cells.append(f"{pond_s * 1000:9.1f} / {other_s * 1000:8.1f} ms {pond_s / other_s:5.2f}x")
        print(f"{name:22}" + "".join(f"{c:>30}" for c in cells))
    print("\n(pond / git; list --long and --json: / pond's plain list)")
    low, high = sizes[0], sizes[-1]
    print(f"\ngrowth from N={low:,} to N={high:,} (pond; git), and pond's peak RSS at N={high:,}:")
    for name in names:
        (p0, _), (g0, _) = results[low][name]
        (p1, rss), (g1, _) = results[high][name]
        print(f"  {name:22} {p1 / p0:7.2f}x; {g1 / g0:7.2f}x   {rss / 1024:7.1f} MiB")
    print(f"\ngrowth of pond's own time, every size timed in turn ({max(args.runs, 9)} runs each):")
    for name, by_size in growth.items():
        cells = ", ".join(f"N={n:,} {seconds * 1000:.1f} ms" for n, seconds in by_size.items())
        print(f"  {name:22} {by_size[high] / by_size[low]:7.2f}x   ({cells})")
    print(f"\n{time.strftime('%Y-%m-%d')} on {os.uname().machine}, {os.cpu_count()} cores; {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
