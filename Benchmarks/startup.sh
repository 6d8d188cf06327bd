#!/usr/bin/env bash
# The start of a `pond` command against its floor: a static binary of the same
# make that does nothing, that parses one argument with swift-argument-parser,
# that runs one SELECT through SQLite's C API or through GRDB; then `pond cat
# --at` and `pond log` against the sqlite3 shell doing the same reads (issue
# 14's targets: 1.25x and 1.5x), and `git show`.
#
#   Benchmarks/startup.sh [RUNS]      (default 100 runs of each, in turn)
set -euo pipefail
runs=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The README's build: one static executable; pond-startup is built the same
# way from the Benchmarks package. Build output is shown only on failure.
for package in "$root" "$root/Benchmarks"; do
  product=pond scratch="$root/.build-bench"
  [ "$package" = "$root" ] || { product=pond-startup scratch="$root/.build-bench-startup"; }
  if ! bash "$root/Benchmarks/release-build.sh" --package-path "$package" \
    --scratch-path "$scratch" --product "$product" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2; exit 1
  fi
done
sync  # a binary still being written back runs slower
bin="$root/.build-bench/release"
startup="$root/.build-bench-startup/release/pond-startup"
export POND="$work/pond.db"

# 200 versions of one file, in pond and in git.
"$bin/pond" init >/dev/null
"$bin/pond" mkdir /d >/dev/null
git init -q "$work/git"
mkdir "$work/git/d"
for i in $(seq 1 200); do
  printf 'reading %d: %d.5\n' "$i" $((i * 7 % 1000)) > "$work/git/d/changed.txt"
  "$bin/pond" copy "$work/git/d/changed.txt" /d/ >/dev/null
  git -C "$work/git" add -A
  git -C "$work/git" -c user.name=b -c user.email=b@e commit -qm "v$i"
done

# The sqlite3 shell's same read as `pond cat /d/changed.txt --at 100`: each
# name looked up in its directory as of version 100 (the newest entry row),
# then the file's newest content row and its chunk.
entry() { echo "SELECT node_id FROM log WHERE part_id = ($1) AND name = '$2' AND version <= 100 ORDER BY version DESC, seq DESC LIMIT 1"; }
same_read="SELECT data FROM chunks WHERE hash = (SELECT hash FROM log WHERE kind = 'write' AND version <= 100
  AND node_id = ($(entry "$(entry 0 d)" changed.txt)) ORDER BY version DESC, seq DESC LIMIT 1)"
[ "$(sqlite3 "$POND" "$same_read")" = "$("$bin/pond" cat /d/changed.txt --at 100)" ] || { echo "the shell's read differs" >&2; exit 1; }

python3 "$root/Benchmarks/compare.py" "$runs" \
  "$startup none" \
  "$startup parse /d/changed.txt" \
  "$startup sqlite $POND" \
  "$startup grdb $POND" \
  "$bin/pond --help" \
  "$bin/pond cat /d/changed.txt --at 100" \
  "sqlite3 $POND \"$same_read\"" \
  "$bin/pond log --limit 300" \
  "sqlite3 $POND 'SELECT version, time, command FROM versions ORDER BY version DESC LIMIT 300'" \
  "sqlite3 -version" \
  "git -C $work/git show HEAD~100:d/changed.txt" | sed "s|$work|\$WORK|g; s|$bin/||g"
