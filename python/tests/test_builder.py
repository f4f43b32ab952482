"""Builder: lists made in code, errors, determinism and atomic writes."""

from __future__ import annotations

import ipaddress
import os
import random

import pytest

import mxlists

from conftest import SAMPLE, builder_for


def test_builder_round_trip(tmp_path):
    b = mxlists.Builder()
    assert b.add_list("bans", "domain", reason="banned") is None
    assert b.add("bans", ".monster") is None
    assert b.add("bans", "!good.monster", reason="partner") is None
    assert b.add("bans", "spam.example special") is None
    report = b.write(tmp_path / "a.mxl")
    assert [(s.name, s.kind, s.entries, s.exclusions) for s in report.lists] == [("bans", "domain", 2, 1)]
    assert report.files == []
    assert report.size == (tmp_path / "a.mxl").stat().st_size
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.check("x@bad.monster").reason == "banned"
        assert db.check("x@spam.example").reason == "special"
        assert db.check("x@good.monster") is None
        assert sorted(db.entries()) == [
            ("bans", "!good.monster partner"),
            ("bans", "monster"),
            ("bans", "spam.example special"),
        ]


def test_reason_argument_replaces_written_reason(tmp_path):
    b = mxlists.Builder()
    b.add_list("l", "email")
    b.add("l", "a@example.com written", reason="given")
    b.write(tmp_path / "a.mxl")
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.check("a@example.com").reason == "given"


def test_default_reason(tmp_path):
    b = mxlists.Builder()
    b.add_list("l", "email")
    b.add("l", "a@example.com")
    b.write(tmp_path / "a.mxl")
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.check("a@example.com").reason == "listed in l"


def test_ip_entries_from_ipaddress_objects(tmp_path):
    b = mxlists.Builder()
    b.add_list("ips", "ip")
    b.add("ips", ipaddress.ip_network("51.68.0.0/16"))
    b.add("ips", ipaddress.ip_address("192.0.2.7"), reason="one host")
    b.add("ips", ipaddress.ip_network("2001:db8::/32"))
    b.add("ips", b"!51.68.10.0/28")
    b.add("ips", "198.51.100.1-198.51.100.9")
    b.write(tmp_path / "a.mxl")
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.check("51.68.1.1").entry == "51.68.0.0/16"
        assert db.check("51.68.10.1") is None
        assert db.check("192.0.2.7").reason == "one host"
        assert db.check("2001:db8::5").list == "ips"
        assert db.check("198.51.100.5").list == "ips"
        assert db.check("198.51.100.10") is None


def test_host_bits_warning(tmp_path):
    b = mxlists.Builder()
    b.add_list("ips", "ip")
    w = b.add("ips", "51.68.1.1/16")
    assert isinstance(w, str) and w
    warnings = b.add_many("ips", ["10.0.0.0/8", "192.168.1.1/24", "1.2.3.4"])
    assert [i for i, _ in warnings] == [1] and warnings[0][1]
    b.write(tmp_path / "a.mxl")
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert db.check("51.68.200.1").entry == "51.68.0.0/16"  # normalized to the network


def test_add_many(tmp_path):
    b = mxlists.Builder()
    b.add_list("sfs", "email", reason="StopForumSpam")
    addresses = [f"user{i}@spam{i % 97}.example" for i in range(20000)]
    assert b.add_many("sfs", addresses) == []
    assert b.add_many("sfs", (a.upper() for a in addresses[:10])) == []  # duplicates fold
    report = b.write(tmp_path / "a.mxl")
    assert report.lists[0].entries == 20000
    with mxlists.open(tmp_path / "a.mxl") as db:
        assert all(h is not None for h in db.check_many(addresses))
        assert db.check("user1@spam2.example") is None
    with pytest.raises(TypeError):
        b.add_many("sfs", "a@example.com")


def test_add_many_stops_at_invalid_entry():
    b = mxlists.Builder()
    b.add_list("l", "domain")
    with pytest.raises(mxlists.InvalidEntryError) as e:
        b.add_many("l", ["good.example", "bad..example", "later.example"])
    assert e.value.entry == "bad..example"


def test_bad_list_definitions():
    b = mxlists.Builder()
    b.add_list("ok", "domain")
    for name, kind in [("Bad Name", "domain"), ("", "domain"), ("x" * 65, "domain"), ("ok", "email"), ("k", "weird")]:
        with pytest.raises(mxlists.InvalidListError) as e:
            b.add_list(name, kind)
        assert isinstance(e.value, ValueError) and isinstance(e.value, mxlists.Error)
    with pytest.raises(mxlists.UnknownListError) as e:
        b.add("missing", "x.example")
    assert e.value.list == "missing" and isinstance(e.value, KeyError)
    with pytest.raises(mxlists.UnknownListError):
        b.add_many("missing", ["x.example"])


def test_bad_entries():
    b = mxlists.Builder()
    b.add_list("d", "domain")
    b.add_list("ips", "ip")
    with pytest.raises(mxlists.InvalidEntryError) as e:
        b.add("d", "exa_mple..com")
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, mxlists.Error)
    assert err.entry == "exa_mple..com" and 1 <= err.column <= len(err.entry)
    assert "exa_mple..com" in str(err)
    # An address does not belong in a domain list; a name not in an IP list.
    with pytest.raises(mxlists.InvalidEntryError):
        b.add("d", "user@example.com")
    with pytest.raises(mxlists.InvalidEntryError):
        b.add("ips", "example.com")
    with pytest.raises(mxlists.InvalidEntryError):
        b.add("ips", "300.1.1.1")
    with pytest.raises(mxlists.InvalidEntryError):
        b.add("d", b"\xff.example")
    with pytest.raises(TypeError):
        b.add("d", None)
    # The column counts characters, not bytes.
    with pytest.raises(mxlists.InvalidEntryError) as ascii_err:
        b.add("d", "uu..example")
    with pytest.raises(mxlists.InvalidEntryError) as e:
        b.add("d", "üü..example")
    assert e.value.column == ascii_err.value.column > 1


def test_deterministic_bytes():
    """Shuffled, duplicated entries give identical bytes."""
    entries = {l.name: l.entries() for l in SAMPLE}
    reference = builder_for(SAMPLE).build()
    rng = random.Random(7)
    for _ in range(5):
        b = mxlists.Builder()
        for l in SAMPLE:
            b.add_list(l.name, l.kind, l.reason)
        pool = [(name, e) for name, es in entries.items() for e in es]
        pool += rng.sample(pool, len(pool) // 2)
        rng.shuffle(pool)
        for name, e in pool:
            b.add(name, e)
        assert b.build() == reference
    assert reference[:8] == mxlists.Builder().build()[:8]  # magic


def test_build_twice_gives_same_bytes():
    b = builder_for(SAMPLE)
    first = b.build()
    assert isinstance(first, bytes)
    assert b.build() == first
    b.add("tld_bans", ".fr")
    assert b.build() != first


def test_write_is_atomic_and_failure_keeps_old_file(tmp_path):
    path = tmp_path / "a.mxl"
    builder_for(SAMPLE).write(path)
    before = path.read_bytes()
    with mxlists.open(path, check_interval=0) as db:
        # Writing into a missing directory fails and changes nothing.
        with pytest.raises(FileNotFoundError):
            builder_for(SAMPLE).write(tmp_path / "missing" / "a.mxl")
        assert path.read_bytes() == before
        b = builder_for(SAMPLE)
        b.add("tld_bans", ".fr")
        b.write(path)
        assert db.check("x@y.fr").list == "tld_bans"
    leftovers = [p for p in os.listdir(tmp_path) if p not in ("a.mxl",)]
    assert leftovers == []
