"""Opening, describing, verifying, reloading and closing a Db."""

from __future__ import annotations

import errno
import os
import pathlib
import time

import pytest

import mxlists

from conftest import SAMPLE, builder_for


def test_open_missing_is_file_not_found(tmp_path):
    missing = tmp_path / "nope.mxl"
    with pytest.raises(FileNotFoundError) as e:
        mxlists.open(missing)
    assert e.value.errno == errno.ENOENT
    assert e.value.filename == str(missing)


def test_open_directory_is_os_error(tmp_path):
    with pytest.raises(OSError) as e:
        mxlists.open(tmp_path)
    assert e.value.filename == str(tmp_path)
    assert not isinstance(e.value, mxlists.Error)


def test_open_bad_arguments(artifact):
    with pytest.raises(ValueError):
        mxlists.open(artifact, verify="sometimes")
    with pytest.raises(ValueError):
        mxlists.open(artifact, check_interval=-1)
    with pytest.raises(TypeError):
        mxlists.open(None)
    for level in ["auto", "quick", "full"]:
        with mxlists.open(artifact, verify=level) as db:
            assert db.check("x@bad.monster").list == "tld_bans"


def test_open_accepts_str_and_pathlike(artifact):
    for p in [artifact, str(artifact)]:
        with mxlists.open(p) as db:
            assert pathlib.Path(db.path) == artifact


def test_lists(db):
    lists = db.lists
    assert [(l.name, l.kind, l.entries, l.exclusions) for l in lists] == [
        ("tld_bans", "domain", 2, 1),
        ("spam_recipients", "email", 5, 0),
        ("ovh", "ip", 2, 2),
        ("tlds", "known_tlds", 8, 0),
    ]
    assert lists[0].reason == "mail from this TLD is not accepted here"
    assert lists[3].reason == "unknown top-level domain"
    assert all(l.bytes > 0 for l in lists)
    assert lists == db.lists and hash(lists[0]) == hash(db.lists[0])
    assert repr(lists[0]).startswith("ListInfo(name='tld_bans', kind='domain', entries=2, exclusions=1")


def test_info(db, artifact):
    info = db.info()
    assert info["path"] == str(artifact)
    assert info["format_version"] >= 1
    assert info["size"] == artifact.stat().st_size
    assert len(info["content_hash"]) == 64 and info["content_hash"] == db.content_hash
    assert [l["name"] for l in info["lists"]] == ["tld_bans", "spam_recipients", "ovh", "tlds"]
    assert info["lists"][2] == {
        "name": "ovh",
        "kind": "ip",
        "reason": "OVH network",
        "entries": 2,
        "exclusions": 2,
        "bytes": db.lists[2].bytes,
    }
    assert "domain_lines" in info["sections"] and sum(info["sections"].values()) < info["size"]


def test_content_hash_matches_build_report(tmp_path):
    report = builder_for(SAMPLE).write(tmp_path / "a.mxl")
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.content_hash == report.content_hash
        assert db.info()["size"] == report.size


def test_verify(db):
    assert db.verify() is None


def test_entries_round_trip(db, tmp_path):
    entries = db.entries()
    assert ("tld_bans", "!good.monster partner") in entries
    assert ("ovh", "!51.68.10.0/28 our customer") in entries
    assert ("spam_recipients", "noreply@example.org mailbox does not exist") in entries
    assert db.entries("ovh") == [e for e in entries if e[0] == "ovh"]
    # Rebuilding the dumped entries gives the same artifact.
    b = mxlists.Builder()
    for l in db.lists:
        reason = None if l.kind == "known_tlds" else l.reason
        b.add_list(l.name, l.kind, reason)
    for name, entry in entries:
        b.add(name, entry)
    b.write(tmp_path / "again.mxl")
    with mxlists.open(tmp_path / "again.mxl") as again:
        assert again.content_hash == db.content_hash


def test_context_manager_closes(artifact):
    with mxlists.open(artifact) as db:
        assert not db.closed
        assert db.check("x@bad.monster")
    assert db.closed
    for call in [
        lambda: db.check("x@bad.monster"),
        lambda: db.check_all("x"),
        lambda: db.check_many(["x"]),
        lambda: db.lists,
        lambda: db.info(),
        lambda: db.verify(),
        lambda: db.reload(),
        lambda: db.entries(),
        lambda: db.content_hash,
        lambda: "x" in db,
    ]:
        with pytest.raises(ValueError, match="closed"):
            call()
    db.close()  # closing twice is fine
    assert "closed" in repr(db)


def test_context_manager_closes_on_error(artifact):
    with pytest.raises(RuntimeError):
        with mxlists.open(artifact) as db:
            raise RuntimeError("boom")
    assert db.closed


def test_repr(db, artifact):
    r = repr(db)
    assert r.startswith("<mxlists.Db path=") and "lists=4" in r and str(artifact) in r


def _replace_with(path: pathlib.Path, extra_tld: str) -> None:
    b = builder_for(SAMPLE)
    b.add("tld_bans", "." + extra_tld)
    b.write(path)  # atomic: a temporary file renamed over `path`


def test_explicit_reload(artifact):
    with mxlists.open(artifact, check_interval=3600) as db:
        old_hash = db.content_hash
        assert db.check("x@spam.fr") is None
        assert db.reload() is False  # nothing changed
        _replace_with(artifact, "fr")
        assert db.check("x@spam.fr") is None  # not due for a look yet
        assert db.reload() is True
        assert db.check("x@spam.fr").list == "tld_bans"
        assert db.content_hash != old_hash
        assert db.reload() is False
        assert db.reload(force=True) is True


def test_automatic_reload(artifact):
    with mxlists.open(artifact) as db:  # default check interval: 1 s
        assert db.check("x@spam.fr") is None
        _replace_with(artifact, "fr")
        # A guard against waiting forever, not a time limit on the reload.
        deadline = time.monotonic() + 120
        while db.check("x@spam.fr") is None:
            assert time.monotonic() < deadline, "replaced artifact never picked up"
            time.sleep(0.05)
        assert db.check("x@spam.fr").list == "tld_bans"
        assert db.lists[0].entries == 3


def test_failed_reload_keeps_old_version(artifact):
    with mxlists.open(artifact, check_interval=0) as db:
        tmp = artifact.with_suffix(".tmp")
        tmp.write_bytes(b"garbage, not an artifact" * 10)
        os.replace(tmp, artifact)
        with pytest.raises(mxlists.CorruptArtifactError):
            db.reload()
        # Lookups go on from the version that was open.
        assert db.check("x@bad.monster").list == "tld_bans"
        artifact.unlink()
        with pytest.raises(FileNotFoundError):
            db.reload()
        assert db.check("x@bad.monster").list == "tld_bans"
        _replace_with(artifact, "fr")
        assert db.check("x@spam.fr").list == "tld_bans"  # interval 0: every lookup looks
