"""Operator mistakes through the Python package: arguments out of range
(never a Rust panic), networks where addresses are expected, empty and
oversized list selections, FIFOs as artifacts, renamed over a live artifact
and as sources, outputs that are not files or are the build's own inputs,
a hostile umask.

Anything that could block runs in a child interpreter with a time limit, so
that a hang fails the test instead of freezing the suite (a blocked open would
hold the GIL)."""

from __future__ import annotations

import ipaddress
import os
import pathlib
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

import mxlists

from conftest import run_cli

LIMIT = 30  # seconds; far more than any of these needs


def run_python(code: str, *args: object) -> subprocess.CompletedProcess:
    """Runs `code` in a child interpreter with the time limit; a hang raises
    `subprocess.TimeoutExpired` (the child is killed) and fails the test."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=LIMIT,
        # Not the source folder, whose `mxlists` (without the native module)
        # would shadow the installed package.
        cwd="/",
    )


def assert_ok(p: subprocess.CompletedProcess) -> None:
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip().endswith("ok"), p.stdout + p.stderr


@pytest.mark.parametrize("interval", [1e300, float("inf"), 1e20, 2.0**64])
def test_check_interval_out_of_range_is_a_value_error(artifact, interval):
    with pytest.raises(ValueError) as e:
        mxlists.open(artifact, check_interval=interval)
    assert "check_interval" in str(e.value)


@pytest.mark.parametrize("interval", [1e15, 1e16, 1.8e16, 1e-300, 5e-324, -0.0])
def test_extreme_check_intervals_that_fit_work(artifact, interval):
    with mxlists.open(artifact, check_interval=interval) as db:
        for _ in range(3):
            assert db.check("x@bad.monster").list == "tld_bans"


def test_huge_integers_are_not_panics(artifact):
    with pytest.raises((OverflowError, ValueError)):
        mxlists.open(artifact, check_interval=10**400)
    with pytest.raises((OverflowError, ValueError)):
        mxlists.build(artifact, artifact.with_name("x.mxl"), max_change=10**400)


def test_paths_with_nul_are_errors(tmp_path, artifact):
    for call in [
        lambda: mxlists.open("a\0b"),
        lambda: mxlists.diff("a\0b", artifact),
        lambda: mxlists.build("a\0b", tmp_path / "x.mxl"),
        lambda: mxlists.Builder().write(str(tmp_path / "x\0.mxl")),
    ]:
        with pytest.raises((OSError, ValueError)):
            call()


def test_networks_and_interfaces_are_not_values(db):
    for bad in [
        ipaddress.ip_network("51.68.0.0/16"),
        ipaddress.ip_network("2001:41d0::/32"),
        ipaddress.ip_interface("51.68.0.1/16"),
        ipaddress.ip_interface("2001:41d0::1/64"),
    ]:
        with pytest.raises(TypeError) as e:
            db.check(bad)
        assert "network" in str(e.value) or "interface" in str(e.value)
        with pytest.raises(TypeError):
            db.check_all(bad)
        with pytest.raises(TypeError):
            db.check_many([bad])
        with pytest.raises(TypeError):
            bad in db  # noqa: B015
        with pytest.raises(TypeError):
            mxlists.classify(bad)
    # Addresses still are values; networks still are entries.
    assert db.check(ipaddress.ip_address("51.68.0.1")).list == "ovh"
    b = mxlists.Builder()
    b.add_list("ips", "ip")
    b.add("ips", ipaddress.ip_network("192.0.2.0/24"))


def test_list_selection_follows_the_rule_of_every_front(db, artifact, cli):
    v = "x@bad.monster"
    for empty in [[], (), "", " ", ",", iter([])]:
        with pytest.raises(mxlists.ListSelectionError) as e:
            db.check(v, lists=empty)
        assert "empty list selection" in str(e.value)
        assert isinstance(e.value, ValueError)
    # The same text as the command's (and the C library's).
    p = run_cli(cli, "check", artifact, "--list", "", v)
    assert p.returncode == 2
    assert str(e.value) in p.stderr
    for call in [db.check_all, lambda v, lists: db.check_many([v], lists=lists)]:
        with pytest.raises(mxlists.ListSelectionError):
            call(v, lists=[])
    with pytest.raises(mxlists.ListSelectionError) as e:
        db.check(v, lists="tld_bans,,ovh")
    assert "empty list name" in str(e.value)
    with pytest.raises(mxlists.ListSelectionError) as e:
        db.check(v, lists=["*", "ovh"])
    assert "cannot be combined" in str(e.value)
    assert db.check(v, lists="*").list == "tld_bans"
    assert db.check(v, lists=["*"]).list == "tld_bans"
    assert db.check(v, lists="ovh, tld_bans").list == "tld_bans"
    assert db.check(v, lists=["ovh", " tld_bans "]).list == "tld_bans"
    assert db.check(v, lists="ovh") is None


def test_unknown_list_names_are_shown_cut(db):
    name = "n" * 50_000_000
    with pytest.raises(mxlists.UnknownListError) as e:
        db.check("x@bad.monster", lists=name)
    assert len(str(e.value)) < 400
    assert "50000000 bytes" in str(e.value)
    assert e.value.list == name


def test_invalid_values_are_shown_cut():
    value = "a@@" + "b" * 10_000_000
    with pytest.raises(mxlists.InvalidValueError) as e:
        mxlists.normalize(value)
    assert len(str(e.value)) < 400
    assert e.value.value == value


def test_open_of_a_fifo_fails_at_once(tmp_path):
    fifo = tmp_path / "fifo.mxl"
    os.mkfifo(fifo)
    p = run_python(
        """
        import sys, mxlists
        try:
            mxlists.open(sys.argv[1])
        except OSError as e:
            assert "not a regular file" in str(e) and "FIFO" in str(e), e
            assert e.filename == sys.argv[1], e.filename
            print("ok")
        """,
        fifo,
    )
    assert_ok(p)


def test_fifo_renamed_over_a_live_artifact(artifact, tmp_path):
    p = run_python(
        """
        import os, sys, time, mxlists
        path, fifo = sys.argv[1], sys.argv[2]
        db = mxlists.open(path, check_interval=0)
        assert db.check("x@bad.monster").list == "tld_bans"
        before = db.content_hash
        os.mkfifo(fifo)
        os.rename(fifo, path)
        # Automatic checks (interval 0: every lookup) keep the file they have.
        for _ in range(3):
            assert db.check("x@bad.monster").list == "tld_bans"
            assert db.check_many(["x@bad.monster"])[0].list == "tld_bans"
        try:
            db.reload()
        except OSError as e:
            assert "FIFO" in str(e), e
        else:
            raise AssertionError("reload of a FIFO succeeded")
        assert db.content_hash == before
        assert db.check("51.68.0.1").list == "ovh"
        print("ok")
        """,
        artifact,
        tmp_path / "swap.fifo",
    )
    assert_ok(p)


def test_fifo_sources_are_refused_unless_allowed(tmp_path):
    (tmp_path / "bans.txt").write_text(".monster\n")
    os.mkfifo(tmp_path / "fifo.txt")
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[[list]]\nname = "bans"\nkind = "domain"\nsources = ["bans.txt", "fifo.txt"]\n'
    )
    p = run_python(
        """
        import sys, threading, mxlists
        manifest, out, fifo = sys.argv[1:]
        try:
            mxlists.build(manifest, out)
        except mxlists.SourceError as e:
            assert "FIFO" in str(e) and e.path.endswith("fifo.txt"), e
        else:
            raise AssertionError("a FIFO source was read")
        def feed():
            with open(fifo, "w") as f:
                f.write(".xyz\\n")
        t = threading.Thread(target=feed)
        t.start()
        report = mxlists.build(manifest, out, allow_special_sources=True)
        t.join()
        assert report.lists[0].entries == 2, report.lists
        print("ok")
        """,
        manifest,
        tmp_path / "a.mxl",
        tmp_path / "fifo.txt",
    )
    assert_ok(p)


def test_outputs_that_must_not_be_replaced(tmp_path):
    (tmp_path / "bans.txt").write_text(".monster\n")
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[list]]\nname = "bans"\nkind = "domain"\nsources = ["bans.txt"]\n')
    os.mkfifo(tmp_path / "fifo.mxl")
    p = run_python(
        """
        import os, stat, sys, mxlists
        d = sys.argv[1]
        m = os.path.join(d, "m.toml")
        for out, why in [("bans.txt", "source"), ("m.toml", "manifest"), ("fifo.mxl", "FIFO")]:
            out = os.path.join(d, out)
            try:
                mxlists.build(m, out)
            except OSError as e:
                assert "not written" in str(e) and why in str(e), e
                assert e.filename == out, e.filename
            else:
                raise AssertionError(out)
        b = mxlists.Builder()
        b.add_list("bans", "domain")
        try:
            b.write(os.path.join(d, "fifo.mxl"))
        except OSError as e:
            assert "FIFO" in str(e), e
        else:
            raise AssertionError("wrote over a FIFO")
        assert open(os.path.join(d, "bans.txt")).read() == ".monster\\n"
        assert stat.S_ISFIFO(os.lstat(os.path.join(d, "fifo.mxl")).st_mode)
        print("ok")
        """,
        tmp_path,
    )
    assert_ok(p)


def test_writes_under_umask_077_keep_0644(tmp_path):
    (tmp_path / "bans.txt").write_text(".monster\n")
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[list]]\nname = "bans"\nkind = "domain"\nsources = ["bans.txt"]\n')
    old = os.umask(0o077)
    try:
        mxlists.build(manifest, tmp_path / "a.mxl")
        b = mxlists.Builder()
        b.add_list("bans", "domain")
        b.write(tmp_path / "b.mxl")
        os.chmod(tmp_path / "b.mxl", 0o640)
        b.write(tmp_path / "b.mxl")
        mxlists.build(manifest, tmp_path / "c.mxl", mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.mxl").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "b.mxl").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "c.mxl").st_mode) == 0o600
    for bad in [-1, 0o10000, 2**70]:
        with pytest.raises((ValueError, OverflowError)):
            mxlists.build(manifest, tmp_path / "d.mxl", mode=bad)


def test_a_panic_never_escapes_as_panic_exception(artifact):
    # PanicException derives from BaseException: `except Exception` misses it.
    # Sample every argument that is converted to a Rust number or size.
    calls = [
        lambda: mxlists.open(artifact, check_interval=float("nan")),
        lambda: mxlists.open(artifact, check_interval=-1e-300),
        lambda: mxlists.open(artifact, check_interval=1e300),
        lambda: mxlists.build(artifact, artifact, max_change=float("inf")),
        lambda: mxlists.build(artifact, artifact, max_change=-0.5),
    ]
    for call in calls:
        try:
            call()
        except Exception:
            pass
