#!/usr/bin/env bash
# Builds every fuzz target and runs each one for SECONDS (default 20), one after
# the other, starting from the committed seeds (and the artifacts
# fuzz/make-seeds.sh builds) plus whatever corpus earlier runs left in
# fuzz/corpus/. Fails when a target fails to build or finds a crash (the
# crashing input is left in fuzz/artifacts/<target>/).
#
#   fuzz/run-brief.sh [SECONDS]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# `fuzz/run-long.sh` runs the same targets for long sessions.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"

cargo +nightly fuzz build
targets=$(cargo +nightly fuzz list)
mkdir -p corpus/artifact_bytes
./make-seeds.sh corpus/artifact_bytes
for t in $targets; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then
        cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
    fi
    echo "==> fuzz $t for ${seconds}s"
    # -rss_limit_mb: the artifact seeds with IP tables are about 0.5 MB each.
    log="$(mktemp)"
    status=0
    nice -n 10 cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" || true
    if [ "$status" -ne 0 ]; then
        # The failure report: the panic or sanitizer message and the saved input.
        grep -E -A12 'panicked|==[0-9]+==ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -60 >&2 || tail -40 "$log" >&2
        rm -f "$log"
        echo "fuzz target $t failed (exit status $status); the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    rm -f "$log"
done
echo "==> every fuzz target ran ${seconds}s without a failure"
