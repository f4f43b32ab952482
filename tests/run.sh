#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust unit, property
# and end-to-end tests (CLI, C library, real Exim), the Python package through a
# real pip install, and every fuzz target briefly.
#
# Needs: Rust (stable, plus nightly and cargo-fuzz for the fuzz step), a C
# compiler, python3; Exim (exim4-daemon-heavy), valgrind and tinycdb for the
# tests that use them (they skip with a message when absent, and fail under
# CI=true). `.ci/run` installs all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "build (every crate, every target)"
cargo build --workspace --all-targets

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (unit, property, end-to-end: CLI, C, Exim)"
cargo test --workspace --exclude mxlists-python

step "Python package (pip install into a venv, pytest)"
python/run-tests.sh

step "fuzz targets, briefly"
fuzz/run-brief.sh "${MXLISTS_FUZZ_SECONDS:-20}"

step "all tests passed"
