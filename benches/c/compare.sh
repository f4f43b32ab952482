#!/usr/bin/env bash
# The C API against tinycdb (Debian's libcdb-dev), side by side in one process:
# the same keys in an artifact and a cdb file, the same queries, answers
# checked equal before timing (benches/c/cdb_compare.c).
#
#   benches/c/compare.sh [SIZES] [QUERIES]      (default: 1000000,5000000 20000)
#
# For each size: the StopForumSpam-like address list (`mxlists-gen policy`),
# queried with its mix of hits, near misses and far misses, once as one exact
# probe per query and once as the policy chain (address, domain, each parent);
# then the IPv4 single addresses of `mxlists-gen ips` (1M), queried from text.
# Files live under target/bench-data/c-SIZE/.
set -euo pipefail
SIZES=${1:-1000000,5000000}
QUERIES=${2:-20000}
ROUNDS=${ROUNDS:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
for tool in cdb cc; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 2; }
done
[ -f /usr/include/cdb.h ] || { echo "compare.sh: libcdb-dev (cdb.h) not installed" >&2; exit 2; }

(cd "$ROOT" && cargo build --quiet --release -p mxlists-benches --bin mxlists-gen -p mxlists-ffi)
BIN=$TARGET/cdb_compare
cc -O2 -std=c99 -Wall -Wextra -I"$ROOT/include" "$ROOT/benches/c/cdb_compare.c" \
    -L"$TARGET" -lmxlists -lcdb -Wl,-rpath,"$TARGET" -o "$BIN"

cdbmake() { LC_ALL=C awk 'NF { printf "+%d,0:%s->\n", length($1), $1 } END { print "" }'; }
echo "| data | queries | mxlists_check | cdb_find | ratio |"
echo "|---|---|---:|---:|---:|"
for size in ${SIZES//,/ }; do
    dir=$ROOT/target/bench-data/c-$size
    mkdir -p "$dir"
    if [ ! -f "$dir/.done" ]; then
        "$TARGET/mxlists-gen" policy --size "$size" --queries "$QUERIES" --out "$dir" >&2
        cdbmake < "$dir/sfs.txt" | cdb -c "$dir/sfs.cdb"
        cut -f1 "$dir/policy-queries.txt" > "$dir/policy-values.txt"
        touch "$dir/.done"
    fi
    for mode in exact chain; do
        flag=; [ $mode = chain ] && flag=--chain
        out=$("$BIN" "$dir/sfs.mxl" sfs "$dir/sfs.cdb" "$dir/lookups.txt" "$ROUNDS" $flag)
        read -r m c r < <(sed -n 's/mxlists_check \([0-9]*\) ns  cdb_find \([0-9]*\) ns  ratio \(.*\)x/\1 \2 \3/p' <<<"$out")
        echo "| $size addresses | addresses, $mode | $m ns | $c ns | ${r}x |"
    done
done
ipdir=$ROOT/target/bench-data/c-ipv4
mkdir -p "$ipdir"
if [ ! -f "$ipdir/.done" ]; then
    "$TARGET/mxlists-gen" ips --count 2000000 --out "$ipdir/all.txt" >&2
    awk '!/[\/!-]/ && n++ < 1000000' "$ipdir/all.txt" > "$ipdir/singles.txt"
    printf '[[list]]\nname = "ips"\nkind = "ip"\nsources = ["singles.txt"]\n' > "$ipdir/mxlists.toml"
    (cd "$ROOT" && cargo run --quiet --release -p mxlists-cli -- build "$ipdir/mxlists.toml" -o "$ipdir/ips.mxl" >&2)
    cdbmake < "$ipdir/singles.txt" | cdb -c "$ipdir/ips.cdb"
    "$TARGET/mxlists-gen" queries --kind ipv4 --list "$ipdir/singles.txt" --count "$QUERIES" --out "$ipdir/queries.txt" >&2
    touch "$ipdir/.done"
fi
out=$("$BIN" "$ipdir/ips.mxl" ips "$ipdir/ips.cdb" "$ipdir/queries.txt" "$ROUNDS")
read -r m c r < <(sed -n 's/mxlists_check \([0-9]*\) ns  cdb_find \([0-9]*\) ns  ratio \(.*\)x/\1 \2 \3/p' <<<"$out")
echo "| 1000000 IPv4 addresses | IPv4 from text | $m ns | $c ns | ${r}x |"
