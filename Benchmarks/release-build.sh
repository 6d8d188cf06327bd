#!/usr/bin/env bash
# The README's release build, flag for flag, for the benchmarks; extra
# arguments go to `swift build` (--scratch-path, --product, --package-path).
#
#   -static-executable, -use-ld=lld, -lm     one static executable, linked by lld
#   -disable-concrete-type-metadata-mangled-name-accessors
#                                            no runtime conformance scans for metadata
#   -function-sections, --symbol-ordering-file=Sources/PondCLI/link-order.txt
#                                            the code and data everyday commands touch,
#                                            together (Benchmarks/link-order.py)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
exec swift build -c release -Xswiftc -static-executable -Xswiftc -use-ld=lld -Xlinker -lm \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
  -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections \
  -Xlinker --symbol-ordering-file="$root/Sources/PondCLI/link-order.txt" -Xlinker --no-warn-symbol-ordering "$@"
