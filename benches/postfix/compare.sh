#!/usr/bin/env bash
# Postfix fronts of `mxlists serve`: requests per second of the socketmap table
# and of the policy service, over one persistent connection, over 8 at once,
# and with a new connection per request (mxlists-serve-load, one request in
# flight per connection as Postfix does); beside Postfix's own `postmap -q -`
# reading the same keys through the socketmap and from a cdb: table of the
# same list. The server is pinned to one core, the clients to the other.
# Prints a Markdown table.
#
#   benches/postfix/compare.sh [ADDRESSES] [REQUESTS]
#
# ADDRESSES  StopForumSpam-like addresses in the list (default 1000000)
# REQUESTS   requests per measurement (default 100000; postmap reads 100000)
#
# Each mxlists-serve-load row runs ROUNDS times (default 3) and shows the
# median and every run: a single connection waits for each reply, so its rate
# follows how soon each side gets its core back on a shared machine.
#
# The cdb table answers exact keys only; the socketmap answers as mxlists
# does (normalization, the address's domain, parents and TLD): the same hits
# for these keys, more work per key. Needs Postfix's tools unpacked by
# tests/install-deps.sh (target/postfix, with the cdb plugin), taskset and a
# Rust toolchain. Files live under target/bench-data/postfix-ADDRESSES/.
set -euo pipefail

SIZE=${1:-1000000}
REQUESTS=${2:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
PF=$TARGET/postfix
DIR=$ROOT/target/bench-data/postfix-$SIZE
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}

[ -x "$PF/usr/sbin/postmap" ] || { echo "compare.sh: $PF/usr/sbin/postmap missing: run tests/install-deps.sh" >&2; exit 2; }
[ -f "$PF/usr/lib/postfix/postfix-cdb.so" ] || { echo "compare.sh: the postfix-cdb plugin is missing: run tests/install-deps.sh" >&2; exit 2; }
if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building mxlists, mxlists-gen and mxlists-serve-load (release) ..." >&2
    (cd "$ROOT" && cargo build --quiet --release -p mxlists-cli -p mxlists-benches \
        --bin mxlists --bin mxlists-gen --bin mxlists-serve-load)
fi

mkdir -p "$DIR/conf"
cd "$DIR"
postmap() { LD_LIBRARY_PATH="$PF/usr/lib/postfix" "$PF/usr/sbin/postmap" -c "$DIR/conf" "$@"; }
owner=Debian-exim
id "$owner" >/dev/null 2>&1 || owner=nobody
cat > conf/main.cf <<EOF
compatibility_level = 3.6
mail_owner = $owner
setgid_group = mail
meta_directory = $DIR/conf
shlib_directory = $PF/usr/lib/postfix
EOF
printf 'cdb\t%s\tdict_cdb_open\tmkmap_cdb_open\n' "$PF/usr/lib/postfix/postfix-cdb.so" > conf/dynamicmaps.cf
if [ ! -f lists.mxl ]; then
    echo "generating $SIZE addresses, the artifact and the cdb table ..." >&2
    "$BIN/mxlists-gen" addresses --count "$SIZE" --out sfs.txt
    "$BIN/mxlists-gen" queries --kind address --list sfs.txt --count 100000 --hits 0.5 --out keys.txt
    printf '[[list]]\nname = "sfs"\nkind = "email"\nsources = ["sfs.txt"]\nreason = "listed"\n' > mxlists.toml
    "$BIN/mxlists" build mxlists.toml -o lists.mxl --quiet
    awk '{print $1 " REJECT listed"}' sfs.txt > table
    postmap cdb:table
fi
cat > serve.toml <<EOF
artifact = "lists.mxl"
[postfix]
socketmap = "127.0.0.1:0"
policy = "127.0.0.1:0"
max_connections = 1024
[[postfix.map]]
name = "rcpt"
lists = ["sfs"]
result = "REJECT {reason}"
[[postfix.rule]]
attribute = "recipient"
lists = ["sfs"]
action = "REJECT {reason}"
EOF

load=$(cut -d' ' -f1-3 /proc/loadavg)
taskset -c "$SERVER_CPU" "$BIN/mxlists" serve serve.toml 2> serve.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do
    grep -q 'started:' serve.log 2>/dev/null && break
    sleep 0.1
done
sm=$(grep -o 'socketmap 127.0.0.1:[0-9]*' serve.log | cut -d' ' -f2)
po=$(grep -o 'policy 127.0.0.1:[0-9]*' serve.log | cut -d' ' -f2)

# mxlists-serve-load, ROUNDS times (default 3): "median (each) | hits".
run() { # protocol addr name connections per_connection
    local rates=() hits=0 out
    for _ in $(seq "${ROUNDS:-3}"); do
        out=$(taskset -c "$CLIENT_CPU" "$BIN/mxlists-serve-load" "$1" "$2" keys.txt --name "$3" \
            --connections "$4" --per-connection "$5" --requests "$REQUESTS")
        rates+=("$(awk '{print int($6)}' <<<"$out")")
        hits=$(awk '{print $8}' <<<"$out")
    done
    printf '%s (%s) | %s' "$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "${rates[*]}" "$hits"
}
# postmap -q - TABLE < keys: keys per second and how many were found.
postmap_rate() {
    local t0 t1 found
    t0=$(date +%s.%N)
    found=$(taskset -c "$CLIENT_CPU" bash -c "LD_LIBRARY_PATH='$PF/usr/lib/postfix' '$PF/usr/sbin/postmap' -c '$DIR/conf' -q - '$1' < keys.txt" | wc -l)
    t1=$(date +%s.%N)
    printf '%.0f | %d' "$(echo "$(wc -l < keys.txt) / ($t1 - $t0)" | bc -l)" "$found"
}

cat <<EOF
Data: $SIZE addresses in one email list; 100,000 query keys (half listed,
looped for $REQUESTS requests per row). Server on CPU $SERVER_CPU, clients on
CPU $CLIENT_CPU; load before the run: $load.

| client | requests/s: median (runs) | hits of the last run |
|---|---:|---:|
| socketmap, 1 persistent connection | $(run socketmap "$sm" rcpt 1 0) |
| socketmap, 8 persistent connections | $(run socketmap "$sm" rcpt 8 0) |
| policy, 1 persistent connection | $(run policy "$po" recipient 1 0) |
| policy, 8 persistent connections | $(run policy "$po" recipient 8 0) |
| \`postmap -q - socketmap:inet:...:rcpt\` (Postfix's client, 1 connection) | $(postmap_rate "socketmap:inet:$sm:rcpt") |
| \`postmap -q - cdb:table\` (the same list as a cdb file) | $(postmap_rate cdb:table) |
| socketmap, 8 at once, a new connection per request | $(run socketmap "$sm" rcpt 8 1) |
| policy, 8 at once, a new connection per request | $(run policy "$po" recipient 8 1) |
EOF
