#!/usr/bin/env python3
"""Writes Sources/PondCLI/link-order.txt: the functions and data everyday
`pond` commands touch, for lld's --symbol-ordering-file.

A `pond` command is a short process, and much of its time is the kernel
mapping the executable's code page by page as it first runs (a release
`pond copy` of one file took ~120 such faults in .text, its code spread over
20 MiB; ~100 more in .bss and .data, each a first write to a page of some
module's globals). Linked in this order, with every module built with
-function-sections, the code those commands run sits together at the start of
.text, and the globals they touch at the start of .data and .bss. The README's release build passes the file to the linker; a function
missing from it (new code) is only placed after the listed ones, and a listed
name that no longer exists is skipped, so a stale list costs speed, never
correctness. Regenerate it after large changes:

  python3 Benchmarks/link-order.py --pond .build/release/pond

It runs each command of a small pond under valgrind's callgrind (which counts
every function a process enters) and under its lackey (which reports every
load and store), on a copy of the binary without DWARF (valgrind cannot read
Swift's) and each time on a fresh copy of the same pond. It lists every
function entered, those entered by more of the commands first, then by
instructions spent in them; then every data symbol loaded or stored, those
touched by more commands first, then in the order first touched.
"""
import argparse
import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def traced_functions(trace):
    """(names of every function entered, instructions spent in each) from a
    callgrind output file written with --compress-strings (its default)."""
    names, entered, cost = {}, set(), collections.Counter()
    current = None
    with open(trace, errors="replace") as f:
        for line in f:
            match = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if match:
                kind, key, name = match.groups()
                if name:
                    names[key] = re.sub(r"'\d+$", "", name)  # callgrind's recursion marks
                name = names.get(key)
                if name:
                    entered.add(name)
                    if kind == "fn":
                        current = name
                continue
            fields = line.split()
            if current and len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
                cost[current] += int(fields[1])
    return entered, cost


def data_symbols(binary):
    """(sorted start addresses, names) of the data symbols in the sections
    a process writes or reads as data."""
    sections = []
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        match = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if match and match.group(1) in (".data", ".bss", ".rodata", ".data.rel.ro", ".tdata", ".tbss"):
            start = int(match.group(2), 16)
            sections.append((start, start + int(match.group(3), 16)))
    symbols = []
    for line in subprocess.run(["nm", "-n", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "bBdDrRvV":
            address = int(fields[0], 16)
            if any(start <= address < end for start, end in sections):
                symbols.append((address, fields[2]))
    symbols.sort()
    return [a for a, _ in symbols], [n for _, n in symbols], min(s for s, _ in sections), max(e for _, e in sections)


def touched_data(binary, symbols, argv):
    """The data symbols `argv` loads or stores, in the order first touched
    (valgrind's lackey reports every access on stderr, one line each)."""
    addresses, names, low, high = symbols
    process = subprocess.Popen(["valgrind", "--tool=lackey", "--trace-mem=yes", binary, *argv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = {}
    for line in process.stderr:
        if not line.startswith(" ") or "," not in line:  # " L addr,size", " S ...", " M ..."
            continue
        address = int(line[3:line.index(",")], 16)
        if low <= address < high:
            index = bisect.bisect_right(addresses, address) - 1
            if index >= 0:
                seen.setdefault(names[index], len(seen))
    if process.wait() != 0:
        sys.exit(f"{' '.join(argv)} failed under lackey")
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pond", required=True, help="a release pond binary, built as the README does")
    parser.add_argument("--out", default=os.path.join(ROOT, "Sources", "PondCLI", "link-order.txt"))
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("link-order.py needs valgrind (apt-get install valgrind)")

    work = tempfile.mkdtemp()
    try:
        binary = os.path.join(work, "pond")
        subprocess.run(["strip", "--strip-debug", "-o", binary, args.pond], check=True)
        db = os.path.join(work, "p.db")
        src = os.path.join(work, "src")
        os.makedirs(src)

        def pond(*argv):
            subprocess.run([binary, *argv, "--pond", db], check=True, stdout=subprocess.DEVNULL)

        def write(name, text):
            with open(os.path.join(src, name), "w") as f:
                f.write(text)
            return os.path.join(src, name)

        # The pond the commands run on: W2's shape (one file changed and one
        # added per version) and one file of several chunks.
        pond("init")
        pond("mkdir", "/d")
        for i in range(30):
            pond("copy", write("changed.txt", f"reading {i}\n" * 20), write(f"new-{i}.txt", f"{i}\n"), "/d/")
        big = os.path.join(src, "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20))
        pond("copy", big, "/d/")

        commands = [
            ["copy", write("changed.txt", "traced\n"), write("new-traced.txt", "traced\n"), "/d/"],
            ["cat", "/d/changed.txt"],
            ["cat", "/d/changed.txt", "--at", "10"],
            ["cat", "/d/big.bin"],
            ["list"],
            ["list", "--long", "/d"],
            ["list", "--json", "/d", "--at", "10"],
            ["log", "--limit", "300"],
            ["diff", "5", "25"],
            ["status"],
            ["mkdir", "/e"],
        ]
        def fresh():
            run = os.path.join(work, "run.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(run + suffix):
                    os.remove(run + suffix)
            shutil.copy(db, run)
            return run

        runs, cost = collections.Counter(), collections.Counter()
        data_runs, first_touch = collections.Counter(), {}
        symbols = data_symbols(binary)
        for i, command in enumerate(commands):
            trace = os.path.join(work, f"callgrind.{i}")
            subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={trace}",
                            binary, *command, "--pond", fresh()],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            entered, spent = traced_functions(trace)
            runs.update(entered)
            cost.update(spent)
            for name, index in touched_data(binary, symbols, [*command, "--pond", fresh()]).items():
                data_runs[name] += 1
                first_touch[name] = min(first_touch.get(name, index), index)
        functions = [n for n in runs if not n.startswith("0x") and n != "(below main)"]
        functions.sort(key=lambda n: (-runs[n], -cost[n], n))
        data = sorted(data_runs, key=lambda n: (-data_runs[n], first_touch[n], n))
        with open(args.out, "w") as f:
            f.write("\n".join(functions + data) + "\n")
        print(f"{len(functions)} functions and {len(data)} data symbols from {len(commands)} commands"
              f" -> {os.path.relpath(args.out)}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
