"""Manifest builds (mxlists.build), byte identity with the Builder and the
`mxlists` command, build errors, the change guard, and diff."""

from __future__ import annotations

import dataclasses
import os

import pytest

import mxlists

from conftest import SAMPLE, ListDef, builder_for, run_cli, write_sources


def test_build_from_manifest(tmp_path):
    manifest = write_sources(tmp_path, SAMPLE)
    out = tmp_path / "out.mxl"
    report = mxlists.build(manifest, out)
    assert [s.name for s in report.lists] == [l.name for l in SAMPLE]
    assert report.size == out.stat().st_size
    files = {os.path.relpath(f.path, tmp_path): f for f in report.files}
    assert set(files) == {"tld_bans.txt", "spam_recipients/mx1.txt", "spam_recipients/mx2.txt", "ovh.txt", "tlds.txt"}
    assert files["spam_recipients/mx1.txt"].list == "spam_recipients"
    assert files["spam_recipients/mx1.txt"].entries == 3
    assert files["ovh.txt"].format == "plain" and not files["ovh.txt"].detected
    with mxlists.open(out) as db:
        assert db.content_hash == report.content_hash
        assert db.check("x@bad.monster").list == "tld_bans"
        assert db.check("root@pop-os.localdomain").list == "spam_recipients"


def test_builder_build_and_cli_give_identical_bytes(tmp_path, cli):
    manifest = write_sources(tmp_path, SAMPLE)
    via_build = tmp_path / "build.mxl"
    via_builder = tmp_path / "builder.mxl"
    via_cli = tmp_path / "cli.mxl"
    r1 = mxlists.build(manifest, via_build)
    r2 = builder_for(SAMPLE).write(via_builder)
    proc = run_cli(cli, "build", manifest, "-o", via_cli)
    assert proc.returncode == 0, proc.stderr
    assert via_build.read_bytes() == via_builder.read_bytes() == via_cli.read_bytes()
    assert r1.content_hash == r2.content_hash
    assert r1.content_hash in proc.stdout + proc.stderr
    # And the command answers as the bindings do.
    with mxlists.open(via_cli) as db:
        values = ["x@bad.monster", "x@good.monster", "root@pop-os.localdomain", "51.68.0.1", "51.68.10.3"]
        proc = run_cli(cli, "check", via_cli, *values)
        assert proc.returncode == 0, proc.stderr
        for line, value in zip(proc.stdout.splitlines(), values):
            hit = db.check(value)
            fields = line.split("\t")
            if hit is None:
                assert fields[1:] == ["-"], line
            else:
                assert fields[1:] == [hit.list, hit.entry, hit.reason], line


def test_identical_bytes_in_other_formats(tmp_path, cli):
    """A manifest in another source format still matches the Builder."""
    lists = [
        ListDef("drop", "ip", None, {"drop.txt": ["; Spamhaus DROP List", "1.10.16.0/20 ; SBL256894", "2.56.192.0/22 ; SBL459831"]}),
    ]
    manifest = tmp_path / "mxlists.toml"
    (tmp_path / "drop.txt").write_text("\n".join(lists[0].files["drop.txt"]) + "\n")
    manifest.write_text('[[list]]\nname = "drop"\nkind = "ip"\nsources = ["drop.txt"]\nformat = "drop"\n')
    mxlists.build(manifest, tmp_path / "a.mxl")
    assert run_cli(cli, "build", manifest, "-o", tmp_path / "b.mxl").returncode == 0
    b = mxlists.Builder()
    b.add_list("drop", "ip")
    b.add("drop", "1.10.16.0/20", reason="SBL256894")
    b.add("drop", "2.56.192.0/22", reason="SBL459831")
    assert (tmp_path / "a.mxl").read_bytes() == (tmp_path / "b.mxl").read_bytes() == b.build()


def test_source_error_names_file_line_column(tmp_path):
    bad = [
        ListDef("tld_bans", "domain", None, {"tld_bans.txt": [".monster", "# comment", "good..example"]}),
    ]
    manifest = write_sources(tmp_path, bad)
    out = tmp_path / "out.mxl"
    with pytest.raises(mxlists.SourceError) as e:
        mxlists.build(manifest, out)
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, mxlists.Error)
    assert err.path.endswith("tld_bans.txt")
    assert err.line == 3
    assert err.column >= 1
    assert err.message
    assert err.total == 1 and len(err.errors) == 1
    assert err.errors[0][:2] == (err.path, 3)
    assert f"tld_bans.txt:3:{err.column}" in str(err)
    assert not out.exists()  # nothing written


def test_skip_invalid(tmp_path):
    lists = [
        ListDef("d", "domain", None, {"d.txt": ["good.example", "bad..example", "x..y.example", "other.example"]}),
    ]
    manifest = write_sources(tmp_path, lists)
    with pytest.raises(mxlists.SourceError) as e:
        mxlists.build(manifest, tmp_path / "out.mxl")
    assert e.value.total == 2 and [x[1] for x in e.value.errors] == [2, 3]
    report = mxlists.build(manifest, tmp_path / "out.mxl", skip_invalid=True)
    assert report.files[0].skipped == 2
    assert report.lists[0].entries == 2


def test_max_change_refuses_and_keeps_old_file(tmp_path):
    full = [ListDef("r", "email", None, {"r.txt": [f"user{i}@example.com" for i in range(100)]})]
    manifest = write_sources(tmp_path, full)
    out = tmp_path / "out.mxl"
    mxlists.build(manifest, out, max_change=10)  # no old file: nothing to compare
    before = out.read_bytes()
    truncated = [ListDef("r", "email", None, {"r.txt": [f"user{i}@example.com" for i in range(20)]})]
    write_sources(tmp_path, truncated)
    with pytest.raises(mxlists.MaxChangeError) as e:
        mxlists.build(manifest, out, max_change=10)
    assert e.value.path == str(out)
    assert isinstance(e.value, mxlists.Error)
    assert out.read_bytes() == before
    # Within the guard, or without it, the build goes through.
    report = mxlists.build(manifest, out, max_change=90)
    assert report.lists[0].entries == 20
    with pytest.raises(ValueError):
        mxlists.build(manifest, out, max_change=-1)


def test_manifest_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        mxlists.build(tmp_path / "missing.toml", tmp_path / "out.mxl")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[list]]\nname = "x"\nkind = "colour"\nsources = []\n')
    with pytest.raises(mxlists.ManifestError) as e:
        mxlists.build(bad, tmp_path / "out.mxl")
    assert e.value.path == str(bad)
    assert isinstance(e.value, ValueError)
    missing_source = tmp_path / "m.toml"
    missing_source.write_text('[[list]]\nname = "x"\nkind = "domain"\nsources = ["nope.txt"]\n')
    with pytest.raises((mxlists.Error, OSError)):
        mxlists.build(missing_source, tmp_path / "out.mxl")
    assert not (tmp_path / "out.mxl").exists()


def test_diff(tmp_path, cli):
    old = tmp_path / "old.mxl"
    new = tmp_path / "new.mxl"
    builder_for(SAMPLE).write(old)
    b = builder_for(SAMPLE)
    b.add("tld_bans", ".fr")
    b.add_list("extra", "domain")
    b.add("extra", "x.example")
    b.write(new)
    d = {x.list: x for x in mxlists.diff(old, new)}
    assert list(d) == ["tld_bans", "spam_recipients", "ovh", "tlds", "extra"]
    assert d["tld_bans"].added == ["fr"] and d["tld_bans"].removed == [] and d["tld_bans"].changed
    assert not d["ovh"].changed
    assert d["extra"].added_list and d["extra"].added == ["x.example"]
    back = {x.list: x for x in mxlists.diff(new, old)}
    assert back["tld_bans"].removed == ["fr"] and back["extra"].removed_list
    assert all(not x.changed for x in mxlists.diff(old, old))
    assert "ListDiff(list='tld_bans', added=1, removed=0)" == repr(d["tld_bans"])
    # The command sees the same change.
    proc = run_cli(cli, "diff", old, new)
    assert proc.returncode == 1 and "fr" in proc.stdout
    with pytest.raises(FileNotFoundError):
        mxlists.diff(old, tmp_path / "missing.mxl")


def _diff_as_the_command_prints_it(cli, old, new):
    """`mxlists diff --json OLD NEW`: (exit status, document)."""
    import json

    proc = run_cli(cli, "diff", "--json", old, new)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _same_answer(d: mxlists.Diff, status: int, doc: dict) -> None:
    assert d.equal == doc["equal"] == (status == 0)
    assert d.order_changed == doc["order_changed"]
    assert d.old_lists == doc["old"]["lists"] and d.new_lists == doc["new"]["lists"]
    assert len(d) == len(doc["lists"])
    for mine, theirs in zip(d, doc["lists"]):
        assert mine.list == theirs["list"]
        assert mine.status == theirs["status"]
        assert mine.kind == theirs["kind"]
        assert mine.old_kind == theirs.get("old_kind")
        assert mine.reason == theirs.get("reason")
        assert mine.old_reason == theirs.get("old_reason")
        assert mine.added == theirs["added"] and mine.removed == theirs["removed"]
        assert mine.changed == (theirs["status"] != "unchanged")


def test_diff_gives_the_answer_of_the_command(tmp_path, cli):
    """`mxlists.diff` and `mxlists diff` make one comparison (the engine's):
    on a pair that differs only in a list's default reason, and on a pair
    that differs only in the order of its lists, both say the artifacts
    differ, and say how."""
    base = tmp_path / "base.mxl"
    builder_for(SAMPLE).write(base)

    reason = tmp_path / "reason.mxl"
    other = [dataclasses.replace(l, reason="another reason") if l.name == "ovh" else l for l in SAMPLE]
    builder_for(other).write(reason)

    order = tmp_path / "order.mxl"
    builder_for([SAMPLE[1], SAMPLE[0], *SAMPLE[2:]]).write(order)

    for new in (reason, order):
        d = mxlists.diff(base, new)
        status, doc = _diff_as_the_command_prints_it(cli, base, new)
        _same_answer(d, status, doc)
        assert not d.equal and status == 1
    d = mxlists.diff(base, reason)
    ovh = next(l for l in d if l.list == "ovh")
    assert (ovh.status, ovh.reason, ovh.added, ovh.removed) == ("changed", "another reason", [], [])
    assert [l.list for l in d if l.changed] == ["ovh"] and not d.order_changed
    d = mxlists.diff(base, order)
    assert d.order_changed and not any(l.changed for l in d)
    same = mxlists.diff(base, base)
    _same_answer(same, *_diff_as_the_command_prints_it(cli, base, base))
    assert same.equal


def test_unreadable_source_file_is_a_source_error_without_line(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "two.zip", "w") as z:
        z.writestr("a.txt", "x@example.com\n")
        z.writestr("b.txt", "y@example.com\n")
    manifest = tmp_path / "mxlists.toml"
    manifest.write_text('[[list]]\nname = "s"\nkind = "email"\nsources = ["two.zip"]\n')
    with pytest.raises(mxlists.SourceError) as e:
        mxlists.build(manifest, tmp_path / "out.mxl")
    assert e.value.path.endswith("two.zip")
    assert e.value.line is None and e.value.column is None
    assert "one file" in e.value.message
    assert not (tmp_path / "out.mxl").exists()


def test_warnings_and_report_reprs(tmp_path):
    lists = [ListDef("ovh", "ip", None, {"ovh.txt": ["51.68.0.0/16", "# host bits set:", "51.69.1.1/16"]})]
    manifest = write_sources(tmp_path, lists)
    report = mxlists.build(manifest, tmp_path / "out.mxl")
    f = report.files[0]
    assert f.warning_count == 1 and len(f.warnings) == 1
    w = f.warnings[0]
    assert w.path.endswith("ovh.txt") and w.line == 3 and w.column >= 1 and w.message
    assert str(w) == f"{w.path}:3:{w.column}: {w.message}"
    assert repr(w).startswith("SourceWarning(path=")
    assert repr(f).startswith("FileReport(list='ovh', path=") and "warnings=1" in repr(f)
    assert repr(report.lists[0]) == (
        f"ListStats(name='ovh', kind='ip', entries=2, exclusions=0, bytes={report.lists[0].bytes})"
    )
    assert repr(report) == f"BuildReport(content_hash='{report.content_hash}', size={report.size}, lists=['ovh'])"
    assert report == report and hash(report) == hash(report)
    with mxlists.open(tmp_path / "out.mxl") as db:
        assert db.check("51.69.200.1").entry == "51.69.0.0/16"
