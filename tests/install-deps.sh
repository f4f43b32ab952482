#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine that has
# only Rust: Debian packages (Exim with dlfunc, valgrind, tinycdb, dig,
# rbldnsd, dnsperf, iproute2 for network namespaces), Postfix's own tools
# unpacked beside the project (Debian's postfix package conflicts with Exim, so
# it is never installed), the Rust components and cargo-fuzz, and the Python
# virtual environment with maturin, pytest and mypy.
#
# Idempotent: what is already there is not installed again. `tests/run.sh`
# calls it first (MXLISTS_SKIP_INSTALL=1 skips it), and `.ci/run` calls
# `tests/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

export DEBIAN_FRONTEND=noninteractive
step() { printf '==> install: %s\n' "$*"; }

# Run as root, or through sudo when there is one.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -E "$@"
    else
        echo "install: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# Debian packages: name of a command each provides, then the package.
packages=(
    "exim4:exim4-daemon-heavy"
    "valgrind:valgrind"
    "cdb:tinycdb"
    "cc:build-essential"
    "dig:bind9-dnsutils"
    "rbldnsd:rbldnsd"
    "dnsperf:dnsperf"
    "ip:iproute2"
)
missing=()
for p in "${packages[@]}"; do
    command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p#*:}")
done
[ -f /usr/include/cdb.h ] || missing+=(libcdb-dev)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    step "Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Postfix's postmap and its cdb table plugin, unpacked (never installed: it
# would replace Exim). The cdb plugin serves the Postfix benchmark.
postfix_dir="$target/postfix"
if [ ! -x "$postfix_dir/usr/sbin/postmap" ] || [ ! -f "$postfix_dir/usr/lib/postfix/postfix-cdb.so" ]; then
    step "Postfix tools unpacked into $postfix_dir"
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download postfix postfix-cdb >/dev/null 2>&1) || {
        as_root apt-get update -qq
        (cd "$tmp" && apt-get download postfix postfix-cdb >/dev/null)
    }
    mkdir -p "$postfix_dir"
    dpkg-deb -x "$tmp"/postfix_*.deb "$postfix_dir"
    dpkg-deb -x "$tmp"/postfix-cdb_*.deb "$postfix_dir"
    rm -rf "$tmp"
fi

step "Rust components, nightly and cargo-fuzz"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet cargo-fuzz --locked

step "Python virtual environment $target/py-venv (maturin, pytest, mypy)"
if [ ! -x "$target/py-venv/bin/python" ]; then
    mkdir -p "$target"
    python3 -m venv "$target/py-venv"
fi
"$target/py-venv/bin/python" -m pip install --quiet "maturin>=1.5,<2.0" "pytest>=7" "mypy>=1.8"
