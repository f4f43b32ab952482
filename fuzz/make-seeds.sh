#!/usr/bin/env bash
# Builds seed artifacts for the artifact_bytes target into DIR with the
# workspace's `mxlists` binary (target/debug/mxlists, built by
# `cargo build --workspace`): the small lists in fuzz/seeds/lists/, the
# examples/ manifest, one-list artifacts of each kind, and, when the shared data
# folder is present, artifacts of the first lines of its real files (read at
# fuzz time, never copied into the repository).
#
#   fuzz/make-seeds.sh DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$1"
mkdir -p "$out"
mxlists="${MXLISTS_BIN:-$root/target/debug/mxlists}"
if [ ! -x "$mxlists" ]; then
    echo "make-seeds: $mxlists is not built (cargo build -p mxlists-cli); no artifact seeds" >&2
    exit 0
fi
build() { "$mxlists" build "$1" -o "$out/$2" --skip-invalid >/dev/null; }
build "$here/seeds/lists/mxlists.toml" seed-lists.mxl
build "$root/examples/mxlists.toml" seed-examples.mxl
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for kind in domain email ip known_tlds; do
    printf '[[list]]\nname = "only"\nkind = "%s"\nsources = ["l.txt"]\n' "$kind" >"$tmp/m-$kind.toml"
done
printf 'a.example\n' >"$tmp/l.txt"
build "$tmp/m-domain.toml" seed-domain.mxl
printf 'u@a.example\n' >"$tmp/l.txt"
build "$tmp/m-email.toml" seed-email.mxl
printf '10.0.0.0/8\n::1\n' >"$tmp/l.txt"
build "$tmp/m-ip.toml" seed-ip.mxl
printf 'COM\n' >"$tmp/l.txt"
build "$tmp/m-known_tlds.toml" seed-known_tlds.mxl
data="${MXLISTS_SHARED_DATA:-$root/../shared/data}"
if [ -f "$data/README.md" ]; then
    head -n 60 "$data/sfs-toxic_domains_whole.txt" >"$tmp/toxic.txt"
    head -n 60 "$data/iana-tlds-alpha-by-domain.txt" >"$tmp/tlds.txt"
    head -n 60 "$data/ovh-ipranges-ipv4.txt" >"$tmp/ovh4.txt"
    cat "$data/ovh-ipranges-ipv6.txt" >"$tmp/ovh6.txt"
    cat >"$tmp/shared.toml" <<TOML
[[list]]
name = "toxic"
kind = "domain"
sources = ["toxic.txt"]
[[list]]
name = "ovh"
kind = "ip"
sources = ["ovh4.txt", "ovh6.txt"]
[[list]]
name = "tlds"
kind = "known_tlds"
sources = ["tlds.txt"]
format = "iana"
TOML
    build "$tmp/shared.toml" seed-shared.mxl
fi
