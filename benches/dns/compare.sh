#!/usr/bin/env bash
# DNS head-to-head: `mxlists serve` against rbldnsd on the same data, with the
# same query mix, one after the other in one run, each server pinned to one
# core (taskset) and dnsperf to the other. Prints a Markdown table: queries
# per second at zero loss, and resident memory after the load.
#
#   benches/dns/compare.sh [IP_ENTRIES] [DOMAINS] [SECONDS]
#
# IP_ENTRIES  IP entries in all (default 1000000): 90% IPv4, 10% IPv6, single
#             addresses and CIDR blocks with about 3% exclusions (mxlists-gen)
# DOMAINS     entries of the name zone (default 100000)
# SECONDS     length of each dnsperf run (default 20)
#
# The zones: bl.test (IPv4 and IPv6 lists; rbldnsd ip4trie + ip6trie) and
# dbl.test (the domain list; rbldnsd dnset with each entry as .domain, which
# means the domain and its subdomains as in mxlists). Query mix, all type A,
# 60,000 names looped: 40% IPv4 (half hits), 30% IPv6 (half hits), 30% names
# (a third hits). dnsperf keeps 100 queries outstanding; when a run loses
# queries it is repeated with a rate limit 10% lower until none is lost. Both
# servers run at once and are measured in turns, ROUNDS times (default 3):
# the machine's load changes between runs, the median is reported. On two
# cores dnsperf saturates its own core too, so the rates are a lower bound of
# what either server can do; the CPU time each server spends per query at a
# fixed rate both sustain (RATE, default 50000 queries per second, one run
# each) does not depend on the client.
# Needs dnsperf, rbldnsd, taskset and a Rust toolchain; files live under
# target/bench-data/dns-IP_ENTRIES/. NO_BUILD=1 uses the binaries built.
set -euo pipefail

IPS=${1:-1000000}
DOMAINS=${2:-100000}
SECONDS_RUN=${3:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
DIR=$ROOT/target/bench-data/dns-$IPS
RATE=${RATE:-50000}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}

for tool in dnsperf rbldnsd taskset cargo; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 2; }
done
if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "building mxlists and mxlists-gen (release) ..." >&2
    (cd "$ROOT" && cargo build --quiet --release -p mxlists-cli -p mxlists-benches --bin mxlists --bin mxlists-gen)
fi
GEN=$TARGET/mxlists-gen
MXLISTS=$TARGET/mxlists

mkdir -p "$DIR"
chmod 755 "$DIR"
cd "$DIR"
V4=$((IPS * 9 / 10))
V6=$((IPS - V4))
if [ ! -f lists.mxl ]; then
    echo "generating $V4 IPv4 + $V6 IPv6 entries and $DOMAINS domains ..." >&2
    "$GEN" ips --count "$V4" --out v4.txt
    "$GEN" ips --count "$V6" --v6 --out v6.txt
    "$GEN" domains --count "$DOMAINS" --out names.txt
    cat > mxlists.toml <<EOF
[[list]]
name = "v4"
kind = "ip"
sources = ["v4.txt"]
reason = "listed IPv4"
[[list]]
name = "v6"
kind = "ip"
sources = ["v6.txt"]
reason = "listed IPv6"
[[list]]
name = "names"
kind = "domain"
sources = ["names.txt"]
reason = "listed domain"
EOF
    "$MXLISTS" build mxlists.toml -o lists.mxl --quiet
    { echo ':127.0.0.2:listed IPv4 $'; cat v4.txt; } > v4.rbl
    { echo ':127.0.0.2:listed IPv6 $'; cat v6.txt; } > v6.rbl
    { echo ':127.0.0.2:listed domain $'; sed 's/^[^!]/.&/; s/^!/!./' names.txt; } > names.rbl
    chmod 644 ./*.rbl lists.mxl
    # Queries: reversed names, mixed.
    "$GEN" queries --kind ipv4 --list v4.txt --count 24000 --hits 0.5 --out q4.txt
    "$GEN" queries --kind ipv6 --list v6.txt --count 18000 --hits 0.5 --out q6.txt
    "$GEN" queries --kind domain --list names.txt --count 18000 --hits 0.34 --near-misses 0.33 --out qn.txt
    python3 - <<'PY'
import ipaddress, random
def rev(ip):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        return '.'.join(reversed(str(a).split('.'))) + '.bl.test'
    return '.'.join(reversed(a.exploded.replace(':', ''))) + '.bl.test'
q4 = [rev(l.split()[0]) for l in open('q4.txt') if l.strip()]
q6 = [rev(l.split()[0]) for l in open('q6.txt') if l.strip()]
qn = [l.split()[0] + '.dbl.test' for l in open('qn.txt') if l.strip()]
mix = q4 + q6 + qn
random.Random(20261127).shuffle(mix)
with open('queries.txt', 'w') as f:
    for n in mix:
        f.write(n + ' A\n')
PY
fi
cat > serve.toml <<EOF
artifact = "lists.mxl"
listen = ["127.0.0.1:0"]
[[zone]]
name = "bl.test"
lists = ["v4", "v6"]
txt = "{reason} \$"
[[zone]]
name = "dbl.test"
lists = ["names"]
txt = "{reason} \$"
EOF

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The CPU time (user + system, in clock ticks) of PID so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Microseconds per query for TICKS clock ticks over QUERIES queries.
per_query() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }'; }

# dnsperf against the server PID on PORT: "QPS LOST CPU" at zero loss (rate
# limited when needed), CPU the server's time per query in microseconds.
measure() {
    local pid=$1 port=$2 limit="" qps lost out before done
    while :; do
        before=$(ticks "$pid")
        out=$(taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d queries.txt \
            -l "$SECONDS_RUN" -q 100 -t 2 $limit 2>&1)
        qps=$(awk '/Queries per second:/ {printf "%d", $4}' <<<"$out")
        lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
        done=$(awk '/Queries completed:/ {print $3}' <<<"$out")
        if [ "$lost" = 0 ] || [ -z "$qps" ] || [ "$qps" -lt 100 ]; then
            echo "$qps $lost $(per_query $(($(ticks "$pid") - before)) "$done")"
            return
        fi
        limit="-Q $((qps * 9 / 10))"
        echo "  $lost lost at $qps/s, again with $limit" >&2
    done
}

# The server PID's CPU time (user + system) per query answered at RATE
# queries per second on PORT, in microseconds.
cpu_per_query() {
    local pid=$1 port=$2 before out done
    before=$(ticks "$pid")
    out=$(taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d queries.txt \
        -l "$SECONDS_RUN" -q 100 -t 2 -Q "$RATE" 2>&1)
    done=$(awk '/Queries completed:/ {print $3}' <<<"$out")
    per_query $(($(ticks "$pid") - before)) "$done"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)

# Both servers up at once (the idle one takes no CPU), measured in turns.
taskset -c "$SERVER_CPU" "$MXLISTS" serve serve.toml 2> serve.log &
mx_pid=$!
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(date +%s.%N)
taskset -c "$SERVER_CPU" rbldnsd -n -u nobody -b "127.0.0.1/$port" -w "$DIR" \
    bl.test:ip4trie:v4.rbl bl.test:ip6trie:v6.rbl dbl.test:dnset:names.rbl 2> rbldnsd.log &
rb_pid=$!
trap 'kill $mx_pid $rb_pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
    dig -p "$port" @127.0.0.1 bl.test SOA +tries=1 +time=1 2>/dev/null | grep -q 'status:' && break
    sleep 0.1
done
t1=$(date +%s.%N)
for _ in $(seq 300); do
    grep -q 'started:' serve.log 2>/dev/null && break
    sleep 0.1
done
mx_port=$(grep -o 'dns 127.0.0.1:[0-9]*' serve.log | cut -d: -f2)
[ -n "$mx_port" ] || { cat serve.log >&2; exit 1; }
mx_start_rss=$(rss $mx_pid)
rb_start_rss=$(rss $rb_pid)
mx_runs=() rb_runs=() mx_cpus=() rb_cpus=() mx_lost=0 rb_lost=0
for round in $(seq "${ROUNDS:-3}"); do
    read -r q l c < <(measure $mx_pid "$mx_port"); mx_runs+=("$q"); mx_cpus+=("$c"); mx_lost=$((mx_lost + l))
    read -r q l c < <(measure $rb_pid "$port"); rb_runs+=("$q"); rb_cpus+=("$c"); rb_lost=$((rb_lost + l))
    echo "round $round: mxlists ${mx_runs[-1]}/s (${mx_cpus[-1]} µs/query), rbldnsd ${rb_runs[-1]}/s (${rb_cpus[-1]} µs/query)" >&2
done
mx_cpu=$(cpu_per_query $mx_pid "$mx_port")
rb_cpu=$(cpu_per_query $rb_pid "$port")
echo "CPU per query at $RATE/s: mxlists $mx_cpu µs, rbldnsd $rb_cpu µs" >&2
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mx_qps=$(median "${mx_runs[@]}")
rb_qps=$(median "${rb_runs[@]}")
mx_cpu_full=$(printf '%s\n' "${mx_cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
rb_cpu_full=$(printf '%s\n' "${rb_cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
mx_rss=$(rss $mx_pid)
mx_file=$(awk '/^RssFile/ {print $2}' "/proc/$mx_pid/status")
mx_anon=$(awk '/^RssAnon/ {print $2}' "/proc/$mx_pid/status")
rb_rss=$(rss $rb_pid)
kill $mx_pid $rb_pid
wait $mx_pid $rb_pid 2>/dev/null || true
trap - EXIT

size=$(stat -c %s lists.mxl)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cat <<EOF
Data: $V4 IPv4 + $V6 IPv6 entries (1 list each, about 3% exclusions) and $DOMAINS domains;
artifact $((size / 1024)) KiB. Queries: $(wc -l < queries.txt) names looped for ${SECONDS_RUN} s,
40% IPv4, 30% IPv6, 30% names, half of the IP queries and a third of the names listed.
Server on CPU $SERVER_CPU, dnsperf on CPU $CLIENT_CPU; load before the run: $load.
rbldnsd loaded its data in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s.

| server | queries/s at zero loss (median; each round) | lost | server CPU per query: those runs (median) | at $RATE/s | RSS after start | RSS after the load |
|---|---:|---:|---:|---:|---:|---:|
| mxlists serve | $mx_qps (${mx_runs[*]}) | $mx_lost | $mx_cpu_full µs | $mx_cpu µs | $(mib "$mx_start_rss") MiB | $(mib "$mx_rss") MiB ($(mib "$mx_anon") MiB anonymous, $(mib "$mx_file") MiB file-backed: the mapped artifact and the binary) |
| rbldnsd | $rb_qps (${rb_runs[*]}) | $rb_lost | $rb_cpu_full µs | $rb_cpu µs | $(mib "$rb_start_rss") MiB | $(mib "$rb_rss") MiB |
EOF
