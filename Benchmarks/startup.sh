#!/usr/bin/env bash
# The start of a `pond` command against its floor: a static binary of the same
# make that does nothing, that parses one argument with swift-argument-parser,
# that runs one SELECT through SQLite's C API or through GRDB; then `pond cat
# --at`, the sqlite3 shell and `git show` doing the same reads.
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
  if ! swift build -c release -Xswiftc -static-executable -Xswiftc -use-ld=lld -Xlinker -lm -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors --package-path "$package" \
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

python3 "$root/Benchmarks/compare.py" "$runs" \
  "$startup none" \
  "$startup parse /d/changed.txt" \
  "$startup sqlite $POND" \
  "$startup grdb $POND" \
  "$bin/pond --help" \
  "$bin/pond cat /d/changed.txt --at 100" \
  "sqlite3 -version" \
  "sqlite3 $POND 'SELECT max(version) FROM versions'" \
  "git -C $work/git show HEAD~100:d/changed.txt" | sed "s|$work|\$WORK|g; s|$bin/||g"
