#!/usr/bin/env bash
# Runs the Python bindings' test suite in a virtual environment of its own:
# creates it (or reuses it), installs maturin and pytest, installs the package
# with a real `pip install ./python` (maturin builds the extension as the PEP 517
# backend), builds the `mxlists` command the tests compare against, and runs
# pytest. Any failure, including "no tests collected", fails the script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${MXLISTS_PY_VENV:-$target/py-venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "python tests: creating virtual environment $venv"
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"
# The maturin backend runs `maturin` from PATH (no build isolation below).
export PATH="$venv/bin:$PATH"

"$py" -m pip install --quiet "maturin>=1.5,<2.0" "pytest>=7" "mypy>=1.8"

# The tests compare bytes with the real command's output.
cargo build --quiet -p mxlists-cli

echo "python tests: pip install ./python"
(cd "$root" && "$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps ./python)

set +e
# `pytest`, not `python -m pytest`: the latter puts the working directory on
# sys.path, where the source package (without the native module) would shadow
# the installed one.
(cd "$here" && "$venv/bin/pytest" -p no:cacheprovider tests "$@")
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "python tests: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
