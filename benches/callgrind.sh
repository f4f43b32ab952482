#!/usr/bin/env bash
# Instructions per lookup, counted by valgrind's callgrind: numbers that do not
# depend on the machine's load, to read beside the wall-clock medians.
#
#   benches/callgrind.sh [NAMES_SIZE] [IPS_SIZE]    (defaults 5000000 1000000)
#
# Runs `mxlists-measure loop` over each query class of the cached data sets
# (created by the criterion benches or `mxlists-measure report`), once with
# `check` and once with `classify` + `lookup`, and subtracts a run that reads
# the same queries and checks none. Prints one Markdown table.
set -euo pipefail
NAMES=${1:-5000000}
IPS=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/target/release/mxlists-measure
DATA=${MXLISTS_BENCH_DATA:-$ROOT/target/bench-data}
N=$DATA/g1-s20261127-names-$NAMES
I=$DATA/g1-s20261127-ips-$IPS
for f in "$BIN" "$N/names.mxl" "$I/ips.mxl"; do
    [ -e "$f" ] || { echo "callgrind.sh: $f is missing (run the benches or mxlists-measure report first)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not found" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# count ARTIFACT QUERIES CLASS [--lookup]: "instructions checks"
count() {
    local out
    out=$(valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$BIN" loop \
        --artifact "$1" --queries "$2" --class "$3" "${@:4}" 2>&1)
    echo "$(sed -n 's/.*refs: *//p' <<< "$out" | tr -d ,) $(sed -n 's/.*checks=\([0-9]*\).*/\1/p' <<< "$out")"
}

echo "| data set | query | check (instructions) | classify + lookup (instructions) |"
echo "|---|---|---:|---:|"
row() { # row SET ARTIFACT QUERIES CLASS LABEL
    local base check lookup
    read -r base _ < <(count "$2" "$3" none)
    read -r check n < <(count "$2" "$3" "$4")
    read -r lookup _ < <(count "$2" "$3" "$4" --lookup)
    awk -v s="$1" -v l="$5" -v b="$base" -v c="$check" -v k="$lookup" -v n="$n" \
        'BEGIN { printf "| %s | %s | %.0f | %.0f |\n", s, l, (c - b) / n, (k - b) / n }'
}
for class in hit near-miss far-miss; do
    row "$NAMES names" "$N/names.mxl" "$N/queries-address.txt" "$class" "address-$class"
done
for class in hit near-miss far-miss; do
    row "$NAMES names" "$N/names.mxl" "$N/queries-domain.txt" "$class" "domain-$class"
done
# IP query files carry no class: all queries (about 2/3 listed).
row "$IPS ranges" "$I/ips.mxl" "$I/queries-v4.txt" "" "ipv4 (mixed)"
row "$IPS ranges" "$I/ips.mxl" "$I/queries-v6.txt" "" "ipv6 (mixed)"
