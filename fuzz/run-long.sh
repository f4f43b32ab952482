#!/usr/bin/env bash
# Long fuzzing sessions: runs each target (or the ones named) for SECONDS
# (default 600), one after the other at the lowest CPU priority, and prints each
# target's executions, corpus growth and outcome. Crashing inputs are kept in
# fuzz/artifacts/<target>/; the session goes on with the next target.
#
#   fuzz/run-long.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
cargo +nightly fuzz build || exit 1
targets="${*:-$(cargo +nightly fuzz list)}"
mkdir -p corpus/artifact_bytes logs
./make-seeds.sh corpus/artifact_bytes
failed=0
for t in $targets; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then
        cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
    fi
    start=$(date -u +%FT%TZ)
    status=0
    nice -n 19 cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
        >"logs/$t.log" 2>&1 || status=$?
    execs=$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
    rate=$(grep -E '^stat::average_exec_per_sec' "logs/$t.log" | awk '{print $2}')
    units=$(find "corpus/$t" -type f | wc -l)
    echo "$t start=$start seconds=$seconds executions=${execs:-?} exec_per_sec=${rate:-?} corpus=$units status=$status"
    [ "$status" -eq 0 ] || failed=1
done
exit $failed
