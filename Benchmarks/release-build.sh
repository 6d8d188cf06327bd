#!/usr/bin/env bash
# The README's release build (.ci/build), for the benchmarks; extra arguments
# go to `swift build` (--scratch-path, --product, --package-path).
set -euo pipefail
exec bash "$(cd "$(dirname "$0")/.." && pwd)/.ci/build" "$@"
