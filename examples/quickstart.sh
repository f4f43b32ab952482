#!/usr/bin/env bash
# Quickstart: build the example lists of this folder with the mxlists command,
# then ask it a few telling questions. Needs only Rust (cargo); run it from
# anywhere:
#
#   bash examples/quickstart.sh
#
# The artifact is written to a temporary folder, never into the repository.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mxlists-quickstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifact="$work/lists.mxl"

# MXLISTS=/path/to/mxlists uses an installed command instead of building one.
mxlists() {
    if [[ -n ${MXLISTS:-} ]]; then
        "$MXLISTS" "$@"
    else
        cargo run --release -p mxlists-cli --quiet --manifest-path "$here/../Cargo.toml" -- "$@"
    fi
}

echo "==> mxlists build examples/mxlists.toml -o $artifact"
mxlists build "$here/mxlists.toml" -o "$artifact"

VALUES=(
  'x@bad.monster'             # listed: the .monster ban, with its reason
  'x@good.monster'            # not listed: the !good.monster exception
  '<User@Bücher.Monster.>'    # IDN, brackets, case and trailing dot are normalized
  'root@pop-os.localdomain'   # audited invalid domain (before the other lists)
  'info@example.net'          # invalid recipient collected on server 1
  '#hashtag@example.com'      # StopForumSpam email ('#' is data in SFS lists)
  '51.68.0.1'                 # inside an OVH /16
  '51.68.10.3'                # not listed: the whitelisted /28 inside that /16
  '2001:41d0:1::25'           # IPv6, inside an OVH /32
  'x@mail.corp.lan'           # .lan is not a known TLD
  'user@example.com'          # clean
  'a@@b'                      # invalid value: reported, not an error
)

echo
echo "==> mxlists check lists.mxl VALUE...   (VALUE  LIST  ENTRY  REASON)"
status=0
mxlists check "$artifact" "${VALUES[@]}" >"$work/answers.tsv" || status=$?
while IFS=$'\t' read -r value list entry reason; do
    if [[ $list == "-" ]]; then
        printf '  %-26s %s\n' "$value" "${entry:-not listed}"
    else
        printf '  %-26s listed by %s (entry %s): %s\n' "$value" "$list" "$entry" "$reason"
    fi
done <"$work/answers.tsv"
echo
echo "exit status $status (0: at least one value is listed, 1: none, 2: error)"
echo "More: mxlists --help, docs/cli.md"
