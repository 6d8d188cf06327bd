#!/usr/bin/env bash
# Times the SQL views on a big pond: `paths` and `entries` at head, and
# `entries_history` filtered at an old version, each through the stock
# sqlite3 shell and through `pond sql`. Prints the median of several runs
# and its ratio to a baseline measured in the same run: the sqlite3 shell
# scanning every row of the log (SELECT count(*), sum(length(payload)) FROM log).
#
#   Benchmarks/sql-views.sh [NODES] [RUNS]     (defaults: 100000 nodes, 5 runs)
#
# Target (issue 4): each view query answers in under a second at 100,000 nodes.
set -euo pipefail
nodes=${1:-100000}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same build as bench.py and the README: one static executable.
# The linker's warnings about static glibc are expected (README); shown only on failure.
if ! bash "$root/Benchmarks/release-build.sh" --package-path "$root" \
  --scratch-path "$root/.build-bench" --product pond >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2; exit 1
fi
pond="$root/.build-bench/release/pond"
export POND="$work/pond.db"

# The pond: NODES files in 100 directories, as one version; then a second
# version rewriting one file and adding one, so that version 2 is "old".
python3 - "$work/src" "$nodes" <<'PY'
import os, sys
root, nodes = sys.argv[1], int(sys.argv[2])
per = max(1, nodes // 100)
for d in range(100):
    os.makedirs(f"{root}/d{d:03}", exist_ok=True)
    for f in range(per):
        with open(f"{root}/d{d:03}/f{f:05}", "w") as out:
            out.write(f"{d},{f}\n")
PY
"$pond" init
start=$(date +%s.%N)
"$pond" copy "$work/src" /data
end=$(date +%s.%N)
echo "ingest of $nodes files in 100 directories (one version): $(awk -v a="$end" -v b="$start" 'BEGIN { print a - b }') s"
echo "changed" | "$pond" copy - /data/d000/f00000
echo "new" | "$pond" copy - /data/d000/new

# median SECONDS of running "$@" $runs times
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    times+=("$(awk -v a="$e" -v b="$s" 'BEGIN { print a - b }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

baseline=$(median sqlite3 "$POND" "SELECT count(*), sum(length(payload)) FROM log")
printf '%-58s %9s %7s\n' "query (median of $runs)" "seconds" "ratio"
printf '%-58s %9.3f %7.2f\n' "baseline: sqlite3 full scan of log" "$baseline" 1
report() {
  local label=$1; shift
  local t; t=$(median "$@")
  printf '%-58s %9.3f %7.2f\n' "$label" "$t" "$(awk -v a="$t" -v b="$baseline" 'BEGIN { print a / b }')"
}
report "sqlite3: SELECT count(*) FROM paths" sqlite3 "$POND" "SELECT count(*) FROM paths"
report "sqlite3: SELECT count(*) FROM entries" sqlite3 "$POND" "SELECT count(*) FROM entries"
report "sqlite3: entries_history filtered at version 2" sqlite3 "$POND" \
  "SELECT count(*) FROM entries_history WHERE valid_from <= 2 AND (valid_to IS NULL OR valid_to > 2)"
report "pond sql: SELECT count(*) FROM paths" "$pond" sql "SELECT count(*) FROM paths"
report "pond sql --at 2: SELECT count(*) FROM paths" "$pond" sql --at 2 "SELECT count(*) FROM paths"
report "pond sql --at 2: SELECT count(*) FROM entries" "$pond" sql --at 2 "SELECT count(*) FROM entries"
