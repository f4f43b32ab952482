#!/usr/bin/env bash
# Runs the Python bindings' test suite in a virtual environment of its own:
# creates it (or reuses it), installs maturin, pytest and mypy, installs the
# package with a real `pip install ./python` (maturin builds the extension as
# the PEP 517 backend), builds the `mxlists` command the tests compare against,
# and runs pytest. Any failure, including "no tests collected", fails the script.
#
# The suite runs under `python3` (or $PYTHON), and again under CPython 3.9, the
# oldest version the abi3 wheel supports, when pyenv has one. Arguments are
# passed to pytest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"

# The tests compare bytes with the real command's output.
cargo build --quiet -p mxlists-cli

# run_suite PYTHON VENV [PYTEST ARGS...]
run_suite() {
    local python="$1" venv="$2"
    shift 2
    if [ ! -x "$venv/bin/python" ]; then
        echo "python tests: creating virtual environment $venv ($("$python" --version))"
        "$python" -m venv "$venv"
    fi
    local py="$venv/bin/python"
    "$py" -m pip install --quiet "maturin>=1.5,<2.0" "pytest>=7" "mypy>=1.8"

    echo "python tests: pip install ./python into $venv ($("$py" --version))"
    # The maturin backend runs `maturin` from PATH (no build isolation here).
    (cd "$root" && PATH="$venv/bin:$PATH" \
        "$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python)

    # `pytest`, not `python -m pytest`: the latter puts the working directory
    # on sys.path, where the source package (without the native module) would
    # shadow the installed one.
    local status=0
    (cd "$here" && "$venv/bin/pytest" -p no:cacheprovider tests "$@") || status=$?
    if [ "$status" -eq 5 ]; then
        echo "python tests: pytest collected no tests" >&2
        return 1
    fi
    return "$status"
}

run_suite "${PYTHON:-python3}" "${MXLISTS_PY_VENV:-$target/py-venv}" "$@"

oldest=""
if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.9\.[0-9]+$' || true); do
        oldest="$(pyenv root)/versions/$v/bin/python3.9"
    done
fi
if [ -n "$oldest" ] && [ -x "$oldest" ]; then
    run_suite "$oldest" "$target/py39-venv" "$@"
else
    echo "python tests: no CPython 3.9 on this machine; the abi3 wheel was tested with $("${PYTHON:-python3}" --version) only"
fi
