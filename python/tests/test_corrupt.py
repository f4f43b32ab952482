"""Damaged artifacts: every single-byte change and every truncation of a small
artifact gives CorruptArtifactError or the correct answers, never a crash or
another exception."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import mxlists

from conftest import SAMPLE, builder_for

PROBES = [
    "x@bad.monster",
    "x@good.monster",
    "root@pop-os.localdomain",
    "noreply@example.org",
    "a.b.invalid-corp.test",
    "user@xn--bcher-kva.example",
    "x@host.unknowntld",
    "51.68.0.1",
    "51.68.10.3",
    "2001:41d0::1",
    "2001:41d0:1::5",
    "10.0.0.1",
]


class Damaged:
    """One file rewritten in place, a byte at a time (rewriting whole files
    costs a flush each on some file systems)."""

    def __init__(self, path, good: bytes):
        self.path = path
        self.good = good
        path.write_bytes(good)
        self.fd = os.open(path, os.O_RDWR)

    def flip(self, i: int, mask: int) -> None:
        os.pwrite(self.fd, bytes([self.good[i] ^ mask]), i)

    def restore(self, i: int) -> None:
        os.pwrite(self.fd, self.good[i : i + 1], i)

    def close(self) -> None:
        os.close(self.fd)


def answers(db):
    return [db.check_all(v) for v in PROBES]


@pytest.fixture(scope="module")
def good():
    data = builder_for(SAMPLE).build()
    return data


def test_not_an_artifact(tmp_path):
    cases = {
        "empty": b"",
        "short": b"MXL",
        "text": b"pop-os.localdomain\n" * 50,
        "zeros": bytes(4096),
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(mxlists.CorruptArtifactError) as e:
            mxlists.open(p)
        assert e.value.path == str(p)
        assert str(p) in str(e.value)
        assert e.value.section == "header"
        assert isinstance(e.value, mxlists.Error)


def test_unsupported_version(tmp_path, good):
    data = bytearray(good)
    data[8:12] = (999).to_bytes(4, "little")
    p = tmp_path / "v.mxl"
    p.write_bytes(bytes(data))
    with pytest.raises(mxlists.UnsupportedVersionError) as e:
        mxlists.open(p)
    assert e.value.found == 999 and e.value.supported != 999
    assert isinstance(e.value, mxlists.CorruptArtifactError)


def test_every_truncation(tmp_path, good):
    p = tmp_path / "t.mxl"
    p.write_bytes(good)
    for n in range(len(good) - 1, -1, -1):
        os.truncate(p, n)
        with pytest.raises(mxlists.CorruptArtifactError):
            mxlists.open(p, verify="quick")


def test_every_byte_flip_default_verification(tmp_path, good):
    """Small artifacts are fully verified on open: every change is caught, or
    the answers are the right ones."""
    p = tmp_path / "good.mxl"
    p.write_bytes(good)
    with mxlists.open(p) as db:
        expected = answers(db)
    damaged = Damaged(p, good)
    caught = 0
    for i in range(len(good)):
        damaged.flip(i, 0xFF)
        try:
            db = mxlists.open(p)
        except mxlists.CorruptArtifactError:
            caught += 1
        else:
            with db:
                assert answers(db) == expected, f"byte {i}"
        damaged.restore(i)
    damaged.close()
    assert caught > len(good) * 0.9


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_every_byte_flip_quick_open_never_crashes(tmp_path, good, mask):
    """Opened with only the header checks, a damaged artifact answers or
    raises CorruptArtifactError on every call, and verify() catches it."""
    p = tmp_path / "q.mxl"
    damaged = Damaged(p, good)
    opened = 0
    for i in range(len(good)):
        damaged.flip(i, mask)
        try:
            db = mxlists.open(p, verify="quick")
        except mxlists.CorruptArtifactError:
            damaged.restore(i)
            continue
        opened += 1
        with db:
            for v in PROBES:
                try:
                    hit = db.check(v)
                    assert hit is None or isinstance(hit, mxlists.Hit)
                    db.check_all(v)
                except mxlists.CorruptArtifactError:
                    pass
            try:
                db.check_many(PROBES)
            except mxlists.CorruptArtifactError:
                pass
            try:
                db.entries()
            except mxlists.CorruptArtifactError:
                pass
            with pytest.raises(mxlists.CorruptArtifactError):
                db.verify()
        damaged.restore(i)
    damaged.close()
    # Most damage past the header is found only by verify(): lookups ran on it.
    assert opened > len(good) // 4


def test_corruption_never_kills_the_interpreter(tmp_path, good):
    """The same walk over damaged files in a child interpreter: it must exit
    normally (a crash would end it by a signal)."""
    base = tmp_path / "base.mxl"
    base.write_bytes(good)
    script = textwrap.dedent(
        f"""
        import mxlists, os, random
        good = open({str(base)!r}, "rb").read()
        rng = random.Random(11)
        path = {str(tmp_path / "child.mxl")!r}
        open(path, "wb").write(good)
        fd = os.open(path, os.O_RDWR)
        for n in range(3000):
            os.pwrite(fd, good, 0)
            for _ in range(rng.randint(1, 8)):
                os.pwrite(fd, bytes([rng.randrange(256)]), rng.randrange(len(good)))
            try:
                with mxlists.open(path, verify="quick") as db:
                    db.check_many({PROBES!r})
                    db.entries()
            except mxlists.CorruptArtifactError:
                pass
        print("done")
        """
    )
    # Run outside the source tree, whose `mxlists` folder has no native module.
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "done"
    assert "panicked" not in proc.stderr
