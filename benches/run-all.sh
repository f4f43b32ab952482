#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md, in one command:
#
#   benches/run-all.sh [OUT]       (OUT defaults to target/bench-results.md)
#
# 1. criterion: check (names at 1M and 5M, IPs at 1M per family, the lsearch
#    and iplsearch models at 100k) and open; medians printed as tables;
# 2. build time and peak RSS, sizes (text, cdb, artifact), the ahash set's heap;
# 3. instructions per lookup (callgrind), when valgrind is installed;
# 4. the C API against tinycdb at 1M addresses and 1M IPv4 addresses, when
#    libcdb-dev is installed;
# 5. the Exim head-to-head at 1M addresses;
# 6. Python's check_many on a million values (when target/py-venv has the
#    package: python/run-tests.sh installs it).
#
# Data sets are generated on first use and cached under target/bench-data/
# (several GB of memory and a few minutes the first time). The load average is
# recorded before each part: numbers taken under load are not comparable.
# MXLISTS_BENCH_REBUILD=1 rebuilds the cached artifacts with the current engine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/target/bench-results.md}
cd "$ROOT"

note() { printf '\n<!-- %s; load: %s -->\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"; }

: > "$OUT"
{
    echo "# Benchmark run $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "- rustc: $(rustc --version)"
} >> "$OUT"

cargo build --release -p mxlists-benches --bins
note "criterion"
cargo bench -p mxlists-benches --bench check --bench open
target/release/mxlists-measure criterion-table >> "$OUT"

note "build, memory and sizes"
target/release/mxlists-measure report --size 1000000,5000000 --ips 1000000 >> "$OUT"

if command -v valgrind >/dev/null; then
    note "callgrind"
    echo >> "$OUT"
    benches/callgrind.sh 5000000 1000000 >> "$OUT"
fi

if [ -f /usr/include/cdb.h ] && command -v cdb >/dev/null; then
    note "C API against tinycdb"
    echo >> "$OUT"
    benches/c/compare.sh 1000000 20000 >> "$OUT"
fi

note "exim"
benches/exim/compare.sh 1000000 >> "$OUT"

if target/py-venv/bin/python -c 'import mxlists' 2>/dev/null; then
    note "python check_many"
    echo >> "$OUT"
    target/py-venv/bin/python benches/python/check_many.py >> "$OUT"
fi
echo "results in $OUT" >&2
