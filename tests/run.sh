#!/usr/bin/env bash
# Runs every test of the project: formatting, lints and rustdoc, the Rust unit, property
# and end-to-end tests (CLI, C library, real Exim), the Python package through a
# real pip install, and every fuzz target briefly.
#
# On a fresh Debian machine with only Rust it first installs what the tests
# need (tests/install-deps.sh: Exim, valgrind, tinycdb, dig, rbldnsd, dnsperf,
# Postfix's tools unpacked, nightly and cargo-fuzz, the Python venv); set
# MXLISTS_SKIP_INSTALL=1 to skip that step. Tests whose tools are missing skip
# with a message, and fail under CI=true. `.ci/run` calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if [ "${MXLISTS_SKIP_INSTALL:-0}" != 1 ]; then
    step "install what the tests need"
    tests/install-deps.sh
fi

step "format"
cargo fmt --all --check

step "build (every crate, every target)"
cargo build --workspace --all-targets

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "documentation (rustdoc, warnings are errors)"
# One package at a time: the C library and the command are both `mxlists`.
for p in mxlists-core mxlists-ffi mxlists-server mxlists-python mxlists-cli; do
    RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet -p "$p"
done

step "Rust tests (unit, property, end-to-end: CLI, C, Exim)"
cargo test --workspace --exclude mxlists-python

step "Python package (pip install into a venv, pytest)"
python/run-tests.sh

step "fuzz targets, briefly"
fuzz/run-brief.sh "${MXLISTS_FUZZ_SECONDS:-20}"

step "all tests passed"
