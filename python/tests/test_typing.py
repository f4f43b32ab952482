"""The type stubs: they match the native module (mypy's stubtest), and typed
code using the package checks under mypy --strict."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import mxlists

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def mypy(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is missing from the test environment (python/run-tests.sh installs it)")
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def test_package_is_typed():
    root = pathlib.Path(mxlists.__file__).parent
    assert (root / "py.typed").is_file()
    assert (root / "_mxlists.pyi").is_file()


def test_package_docstring_example():
    import doctest

    result = doctest.testmod(mxlists)
    assert result.attempted >= 5 and result.failed == 0


def test_stubs_match_the_native_module(tmp_path):
    proc = mypy("mypy.stubtest", "mxlists", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typed_code_checks_strictly(tmp_path):
    (tmp_path / "use.py").write_text(
        "import ipaddress\n"
        "from typing import Optional\n"
        "import mxlists\n\n"
        "def reason(db: mxlists.Db, value: str) -> Optional[str]:\n"
        "    hit = db.check(value, lists=['tld_bans'])\n"
        "    return hit.reason if hit else None\n\n"
        "def count(db: mxlists.Db) -> int:\n"
        "    hits = db.check_many([ipaddress.ip_address('51.68.0.1'), b'x@y.z', 'a@b.c'])\n"
        "    return sum(1 for h in hits if h is not None)\n\n"
        "def make(path: str) -> str:\n"
        "    b = mxlists.Builder()\n"
        "    b.add_list('ovh', 'ip')\n"
        "    b.add('ovh', ipaddress.ip_network('51.68.0.0/16'))\n"
        "    return b.write(path).content_hash\n\n"
        "def fail(db: mxlists.Db) -> str:\n"
        "    try:\n"
        "        db.verify()\n"
        "    except mxlists.CorruptArtifactError as e:\n"
        "        return str(e.section)\n"
        "    return 'ok'\n"
    )
    proc = mypy("mypy", "--strict", "--no-incremental", "use.py", str(EXAMPLES), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tmp_path / "bad.py").write_text("import mxlists\nx: int = mxlists.open('a').check('b')\n")
    proc = mypy("mypy", "--strict", "--no-incremental", "bad.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Hit | None" in proc.stdout or "Optional[Hit]" in proc.stdout
