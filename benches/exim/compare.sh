#!/usr/bin/env bash
# Exim head-to-head: the same generated list as an lsearch file, a cdb file
# (tinycdb's `cdb -c`) and an mxlists artifact, and the same distinct lookups
# run in ONE `exim -be` process per variant. Prints per-lookup times and ratios.
#
#   benches/exim/compare.sh SIZE [LOOKUPS] [LSEARCH_LOOKUPS]
#
# SIZE             addresses in the list (the policy set adds SIZE/10 domains,
#                  the TLD bans and the known TLDs)
# LOOKUPS          distinct lookups per variant (default 50000)
# LSEARCH_LOOKUPS  how many of them the lsearch variant runs (default 100: each
#                  one reads the whole file)
#
# Part 1, one list: ${lookup{ADDR}lsearch{..}}, ${lookup{ADDR}cdb{..}} and
# ${dlfunc{libmxlists.so}{mxl_check}{ARTIFACT}{sfs}{ADDR}}.
# Part 2, the whole policy check of an address over four lists (the address,
# its domain and every parent domain, banned TLDs, unknown TLDs): one mxl_check
# call against the chain of cdb lookups that answers the same, with
# partial1-cdb for the domain lists. The chain is given the domain and the TLD
# already split off (in a real ACL they are $sender_address_domain and an
# ${extract}), which spares it work mxl_check does itself.
#
# Every variant's answers are compared line by line; a disagreement fails the
# script. Per-lookup time = (time of the variant - time of as many expansions
# of the bare key, with no lookup) / lookups, best of RUNS runs (default 5;
# lsearch runs once); the time is the process's CPU time (METRIC=wall for
# wall-clock time). NO_BUILD=1 uses the binaries already built.
# Needs exim4-daemon-heavy (/usr/sbin/exim4), tinycdb and a Rust toolchain.
# Files live under target/bench-data/exim-SIZE/.
set -euo pipefail

SIZE=${1:?usage: compare.sh SIZE [LOOKUPS] [LSEARCH_LOOKUPS]}
LOOKUPS=${2:-50000}
LSEARCH_LOOKUPS=${3:-100}
RUNS=${RUNS:-5}
METRIC=${METRIC:-cpu}
EXIM=${EXIM:-$(command -v exim4 || command -v exim || echo /usr/sbin/exim4)}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# PROFILE=debug uses (and builds) the debug binaries; EXIM_BENCH_DIR moves the
# working folder (it must be reachable by the Exim user).
PROFILE=${PROFILE:-release}
DIR=${EXIM_BENCH_DIR:-$ROOT/target/bench-data/exim-$SIZE}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE

for tool in "$EXIM" cdb cargo; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 2; }
done

if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building mxlists-gen and libmxlists.so ($PROFILE) ..." >&2
    flag=--release
    [ "$PROFILE" = release ] || flag=
    (cd "$ROOT" && cargo build --quiet $flag -p mxlists-benches --bin mxlists-gen \
        && cargo build --quiet $flag -p mxlists-ffi)
fi
LIB=$TARGET/libmxlists.so
[ -f "$LIB" ] || { echo "compare.sh: $LIB was not built" >&2; exit 2; }

mkdir -p "$DIR/log" "$DIR/spool"
# Exim drops its privileges for a configuration given with -C: everything must
# be readable by the Exim user, log/ and spool/ writable.
chmod 755 "$DIR"
chmod 777 "$DIR/log" "$DIR/spool"
if [ ! -f "$DIR/.done-$LOOKUPS" ]; then
    echo "generating $SIZE addresses, lists, queries and artifacts ..." >&2
    rm -f "$DIR"/.done-*
    "$TARGET/mxlists-gen" policy --size "$SIZE" --queries "$LOOKUPS" --out "$DIR"
    # cdbmake input: +klen,dlen:key->data (byte lengths), then an empty line.
    cdbmake() { LC_ALL=C awk -v pre="$1" 'NF { k = pre $1; printf "+%d,0:%s->\n", length(k), k } END { print "" }'; }
    cdbmake ""   < "$DIR/sfs.txt"         | cdb -c "$DIR/sfs.cdb"
    cdbmake "*." < "$DIR/bad_domains.txt" | cdb -c "$DIR/bad_domains.cdb"
    sed 's/^\.//' "$DIR/tld_bans.txt" | cdbmake "*." | cdb -c "$DIR/tld_bans.cdb"
    cdbmake ""   < "$DIR/known_tlds.txt"  | cdb -c "$DIR/known_tlds.cdb"
    touch "$DIR/.done-$LOOKUPS"
fi
cp "$LIB" "$DIR/libmxlists.so"
chmod 644 "$DIR"/*.txt "$DIR"/*.cdb "$DIR"/*.mxl
chmod 755 "$DIR/libmxlists.so"

cat > "$DIR/exim.conf" <<EOF
primary_hostname = bench.test
log_file_path = $DIR/log/%slog
spool_directory = $DIR/spool
EOF

# One expansion per line, run in one exim -be process; prints the seconds
# taken: CPU time (user + system) of the process, or wall time with
# METRIC=wall. CPU time is what the lookups cost; it grows far less than wall
# time when other jobs compete for the cores. The answers go to
# $DIR/out-NAME.txt.
run() {
    local name=$1 input=$2 t
    local TIMEFORMAT='%3R %3U %3S'
    t=$( { time "$EXIM" -C "$DIR/exim.conf" -be < "$input" > "$DIR/out-$name.txt" 2> "$DIR/err-$name.txt"; } 2>&1 )
    if [ "$METRIC" = wall ]; then
        awk '{ printf "%.3f\n", $1 }' <<< "$t"
    else
        awk '{ printf "%.3f\n", $2 + $3 }' <<< "$t"
    fi
}

# Best of $3 runs, in seconds.
best() {
    local name=$1 input=$2 runs=$3 best="" t
    for _ in $(seq "$runs"); do
        t=$(run "$name" "$input")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    echo "$best"
}

# The answers of an exim -be run: one line per expansion (exim prefixes "> ").
answers() { sed -n 's/^> //p' "$DIR/out-$1.txt" | head -n "$2"; }
# mxl_check yields "list=NAME entry=.. reason=.." or nothing: as 1/0, or as NAME.
listed() { answers "$1" "$2" | awk '{ print (length($0) ? 1 : 0) }'; }
list_of() { answers "$1" "$2" | sed 's/^list=\([^ ]*\).*/\1/'; }

mk() { # mk NAME TEMPLATE-awk-printf-body QUERYFILE COUNT
    head -n "$4" "$3" | awk -v dir="$DIR" "{ $2 }" > "$DIR/in-$1.txt"
}

Q=$DIR/lookups.txt
N=$(wc -l < "$Q")
M=$(( LSEARCH_LOOKUPS < N ? LSEARCH_LOOKUPS : N ))
mk base     'print $1' "$Q" "$N"
mk base_m   'print $1' "$Q" "$M"
mk lsearch  'printf "${lookup{%s}lsearch{%s/sfs.txt}{1}{0}}\n", $1, dir' "$Q" "$M"
mk cdb      'printf "${lookup{%s}cdb{%s/sfs.cdb}{1}{0}}\n", $1, dir' "$Q" "$N"
mk cdb_m    'printf "${lookup{%s}cdb{%s/sfs.cdb}{1}{0}}\n", $1, dir' "$Q" "$M"
mk mxl      'printf "${dlfunc{%s/libmxlists.so}{mxl_check}{%s/sfs.mxl}{sfs}{%s}}\n", dir, dir, $1' "$Q" "$N"

# Part 2 input: address, domain, TLD.
P=$DIR/policy-queries.txt
awk '{ d = $1; sub(/^.*@/, "", d); n = split(d, l, "."); print $1, d, l[n] }' "$P" > "$DIR/policy-split.txt"
PN=$(wc -l < "$P")
mk pbase  'print $1' "$DIR/policy-split.txt" "$PN"
mk chain  'printf "${lookup{%s}cdb{%s/sfs.cdb}{sfs}{${lookup{%s}partial1-cdb{%s/bad_domains.cdb}{bad_domains}{${lookup{%s}partial1-cdb{%s/tld_bans.cdb}{tld_bans}{${lookup{%s}cdb{%s/known_tlds.cdb}{}{known_tlds}}}}}}}}\n", $1, dir, $2, dir, $2, dir, $3, dir' "$DIR/policy-split.txt" "$PN"
mk policy 'printf "${dlfunc{%s/libmxlists.so}{mxl_check}{%s/policy.mxl}{*}{%s}}\n", dir, dir, $1' "$DIR/policy-split.txt" "$PN"

echo "timing (best of $RUNS runs; lsearch: 1 run of $M lookups) ..." >&2
t_base=$(best base "$DIR/in-base.txt" "$RUNS")
t_cdb=$(best cdb "$DIR/in-cdb.txt" "$RUNS")
t_mxl=$(best mxl "$DIR/in-mxl.txt" "$RUNS")
t_base_m=$(best base_m "$DIR/in-base_m.txt" "$RUNS")
t_cdb_m=$(best cdb_m "$DIR/in-cdb_m.txt" 1)
t_lsearch=$(best lsearch "$DIR/in-lsearch.txt" 1)
t_pbase=$(best pbase "$DIR/in-pbase.txt" "$RUNS")
t_chain=$(best chain "$DIR/in-chain.txt" "$RUNS")
t_policy=$(best policy "$DIR/in-policy.txt" "$RUNS")

# Correctness: every variant gives the same answers.
fail=0
if ! cmp -s <(answers cdb "$N") <(listed mxl "$N"); then
    echo "compare.sh: cdb and mxl_check disagree on the one-list lookups" >&2; fail=1
fi
if ! cmp -s <(answers lsearch "$M") <(answers cdb_m "$M"); then
    echo "compare.sh: lsearch and cdb disagree" >&2; fail=1
fi
if ! cmp -s <(answers chain "$PN") <(list_of policy "$PN"); then
    echo "compare.sh: the cdb chain and mxl_check disagree on the policy check:" >&2
    diff <(answers chain "$PN") <(list_of policy "$PN") | head -5 >&2; fail=1
fi
hits=$(listed mxl "$N" | grep -c '^1$' || true)
phits=$(answers policy "$PN" | grep -c . || true)

awk -v size="$SIZE" -v metric="$METRIC" -v n="$N" -v m="$M" -v pn="$PN" -v hits="$hits" -v phits="$phits" \
    -v base="$t_base" -v cdb="$t_cdb" -v mxl="$t_mxl" \
    -v base_m="$t_base_m" -v lsearch="$t_lsearch" \
    -v pbase="$t_pbase" -v chain="$t_chain" -v policy="$t_policy" \
    -v lbytes="$(wc -c < "$DIR/sfs.txt")" -v cbytes="$(wc -c < "$DIR/sfs.cdb")" -v abytes="$(wc -c < "$DIR/sfs.mxl")" '
function us(t, base, k) { v = (t - base) / k * 1e6; return v < 0 ? 0 : v }
BEGIN {
    c = us(cdb, base, n); x = us(mxl, base, n); l = us(lsearch, base_m, m)
    pc = us(chain, pbase, pn); px = us(policy, pbase, pn)
    printf "Exim head-to-head, %d addresses (one exim -be process per variant; %s time)\n\n", size, metric
    printf "| lookup | file | lookups | per lookup | time / mxl_check time |\n|---|---:|---:|---:|---:|\n"
    printf "| lsearch | %.1f MiB | %d | %.1f us | %.0fx |\n", lbytes/1048576, m, l, (x > 0 ? l / x : 0)
    printf "| cdb (cdb -c) | %.1f MiB | %d | %.2f us | %.2fx |\n", cbytes/1048576, n, c, (x > 0 ? c / x : 0)
    printf "| mxl_check, list sfs | %.1f MiB | %d | %.2f us | 1x |\n", abytes/1048576, n, x
    printf "\nmxl_check / cdb = %.2f;  lsearch / mxl_check = %.0f  (%d of %d lookups hit)\n\n", (c > 0 ? x / c : 0), (x > 0 ? l / x : 0), hits, n
    printf "| policy check (4 lists) | checks | per check | time / chain time |\n|---|---:|---:|---:|\n"
    printf "| chain of 4 cdb lookups (partial1-cdb for domains) | %d | %.2f us | 1x |\n", pn, pc
    printf "| one mxl_check over the artifact | %d | %.2f us | %.2fx |\n", pn, px, (pc > 0 ? px / pc : 0)
    printf "\n(%d of %d policy checks hit; baselines: %.3f s for %d expansions of the bare key)\n", phits, pn, base, n
}'
exit $fail
