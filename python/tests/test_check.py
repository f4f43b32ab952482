"""Lookups: check, check_all, check_many, list selection, value types, and the
normalization functions."""

from __future__ import annotations

import ipaddress

import pytest

import mxlists

TLD_REASON = "mail from this TLD is not accepted here"


def test_first_hit_in_list_order(db):
    hit = db.check("<X@Bad.Monster>")
    assert hit == db.check("x@bad.monster")
    assert (hit.list, hit.kind, hit.entry, hit.reason, hit.value) == (
        "tld_bans",
        "domain",
        "monster",
        TLD_REASON,
        "x@bad.monster",
    )
    # An address listed by two lists: the first declared list answers.
    hit = db.check("ROOT@Pop-OS.LocalDomain.")
    assert (hit.list, hit.entry, hit.reason, hit.value) == (
        "spam_recipients",
        "pop-os.localdomain",
        "invalid recipient",
        "root@pop-os.localdomain",
    )


def test_exclusion_and_specificity(db):
    assert db.check("x@good.monster") is None
    assert db.check("x@mail.good.monster") is None
    assert db.check("x@bad.monster").list == "tld_bans"
    assert db.check("noreply@example.org").reason == "mailbox does not exist"
    assert db.check("other@example.org") is None
    # `*.d` lists subdomains only.
    assert db.check("a.b.invalid-corp.test").list == "spam_recipients"
    assert db.check("invalid-corp.test") is None


def test_known_tlds_hits_unknown_tld(db):
    hit = db.check("user@host.unknowntld")
    assert (hit.list, hit.kind, hit.entry) == ("tlds", "known_tlds", "unknowntld")
    assert db.check("user@example.com") is None


def test_check_all_in_list_order(db):
    hits = db.check_all("root@pop-os.localdomain")
    assert [(h.list, h.entry) for h in hits] == [
        ("spam_recipients", "pop-os.localdomain"),
        ("tlds", "localdomain"),
    ]
    assert hits[0] == db.check("root@pop-os.localdomain")
    assert db.check_all("x@good.monster") == []
    assert [h.list for h in db.check_all("root@pop-os.localdomain", lists="tlds")] == ["tlds"]


def test_ip_lookups(db):
    hit = db.check("51.68.0.1")
    assert (hit.list, hit.kind, hit.entry, hit.reason) == ("ovh", "ip", "51.68.0.0/16", "OVH network")
    assert db.check("51.68.10.3") is None  # the whitelisted /28 inside the /16
    assert db.check("51.68.10.16").list == "ovh"
    assert db.check("::ffff:51.68.0.1").value == "51.68.0.1"
    assert db.check("[51.68.200.1]").value == "51.68.200.1"
    assert db.check("2001:41d0::1").entry == "2001:41d0::/32"
    assert db.check("2001:41d0:1::5") is None
    assert db.check("51.69.0.1") is None


def test_ipaddress_objects(db):
    assert db.check(ipaddress.ip_address("51.68.0.1")) == db.check("51.68.0.1")
    assert db.check(ipaddress.IPv4Address("51.68.10.3")) is None
    assert db.check(ipaddress.IPv6Address("2001:41d0::1")).list == "ovh"
    assert db.check(ipaddress.IPv6Address("::ffff:51.68.0.1")).value == "51.68.0.1"
    assert db.check_all(ipaddress.ip_address("51.68.0.1"))[0].list == "ovh"
    assert [h and h.list for h in db.check_many(
        [ipaddress.ip_address("51.68.0.1"), ipaddress.ip_address("10.0.0.1")]
    )] == ["ovh", None]
    assert ipaddress.ip_address("51.68.0.1") in db
    assert mxlists.normalize(ipaddress.ip_address("::ffff:1.2.3.4")) == "1.2.3.4"


def test_bytes_values(db):
    assert db.check(b"x@bad.monster").list == "tld_bans"
    assert db.check(bytearray(b"x@bad.monster")).list == "tld_bans"
    assert db.check(b"\xff@bad.monster") is None  # not UTF-8: not a valid value
    assert db.check_all(b"\xff") == []
    with pytest.raises(mxlists.InvalidValueError):
        mxlists.normalize(b"\xff@bad.monster")


def test_invalid_values_are_not_listed(db):
    for bad in ["", "a@@b", "@", "x@", "exa mple.com", "a" * 64 + ".monster", "x@" + "a." * 200 + "monster"]:
        assert db.check(bad) is None, bad
        assert db.check_all(bad) == [], bad
        assert bad not in db
    assert db.check_many(["a@@b", "x@bad.monster"])[0] is None
    # A lone surrogate cannot be encoded: not a valid value either.
    assert db.check("x@bad\udcff.monster") is None


def test_wrong_types_are_type_errors(db):
    for bad in [None, 5, 1.5, object(), ["x@bad.monster"]]:
        with pytest.raises(TypeError):
            db.check(bad)
    with pytest.raises(TypeError):
        db.check_many("x@bad.monster")  # a single str, not an iterable of values
    with pytest.raises(TypeError):
        db.check_many(b"x@bad.monster")
    with pytest.raises(TypeError):
        db.check_many(["x@bad.monster", None])
    with pytest.raises(TypeError):
        db.check("x@bad.monster", lists=[1])


def test_list_selection(db):
    v = "root@pop-os.localdomain"
    assert db.check(v, lists="tlds").list == "tlds"
    assert db.check(v, lists=["tlds"]).list == "tlds"
    assert db.check(v, lists=("tld_bans", "tlds")).list == "tlds"
    assert db.check(v, lists=iter(["spam_recipients"])).list == "spam_recipients"
    assert db.check(v, lists=None).list == "spam_recipients"
    assert db.check("x@bad.monster", lists=["ovh"]) is None
    assert db.check_many([v, "x@bad.monster"], lists=["tlds"])[1] is None


def test_unknown_list(db):
    with pytest.raises(mxlists.UnknownListError) as e:
        db.check("x@bad.monster", lists=["tld_bans", "nope"])
    assert isinstance(e.value, KeyError)
    assert isinstance(e.value, mxlists.Error)
    assert e.value.list == "nope"
    assert str(e.value) == 'unknown list "nope"'
    with pytest.raises(KeyError):
        db.check_all("x", lists="nope")
    with pytest.raises(KeyError):
        db.check_many(["x"], lists="nope")
    with pytest.raises(KeyError):
        db.entries("nope")


def test_check_many_matches_check(db):
    values = [
        "x@bad.monster",
        "x@good.monster",
        "root@pop-os.localdomain",
        "51.68.0.1",
        "51.68.10.3",
        "a@@b",
        "user@xn--bcher-kva.example",
        "User@Bücher.Example",
        "2001:41d0::1",
        b"noreply@example.org",
    ]
    got = db.check_many(values)
    assert got == [db.check(v) for v in values]
    assert [h is not None for h in got] == [True, False, True, True, False, False, True, True, True, True]
    # Any iterable, including a generator; an empty one gives an empty list.
    assert db.check_many(v for v in values) == got
    assert db.check_many([]) == []


def test_contains(db):
    assert "x@bad.monster" in db
    assert "x@good.monster" not in db


def test_hit_value_semantics(db):
    a = db.check("x@bad.monster")
    b = db.check("X@BAD.MONSTER")
    assert a == b and hash(a) == hash(b)
    assert a != db.check("y@bad.monster")
    assert len({a, b, db.check("y@bad.monster")}) == 2
    assert repr(a) == (
        "Hit(list='tld_bans', entry='monster', "
        "reason='mail from this TLD is not accepted here', value='x@bad.monster')"
    )
    assert a.as_dict() == {
        "list": "tld_bans",
        "kind": "domain",
        "entry": "monster",
        "reason": TLD_REASON,
        "value": "x@bad.monster",
    }
    with pytest.raises(AttributeError):
        a.list = "other"  # immutable
    # Hits can be made, copied and pickled (e.g. returned from a process pool).
    import copy
    import pickle

    assert mxlists.Hit("tld_bans", "domain", "monster", TLD_REASON, "x@bad.monster") == a
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.copy(a) == a
    with pytest.raises(ValueError):
        mxlists.Hit("l", "colour", "e", "r", "v")
    with pytest.raises(TypeError):
        mxlists.Hit()


def test_idn(db):
    hit = db.check("<User@Bücher.Example>")
    assert (hit.list, hit.entry, hit.value) == (
        "spam_recipients",
        "user@xn--bcher-kva.example",
        "user@xn--bcher-kva.example",
    )


def test_normalize_and_classify():
    assert mxlists.normalize("USER@Sub.Pop-OS.LocalDomain.") == "user@sub.pop-os.localdomain"
    assert mxlists.normalize("<u@bücher.monster>") == "u@xn--bcher-kva.monster"
    assert mxlists.classify("x@Example.COM") == ("address", "x@example.com")
    assert mxlists.classify("Example.COM.") == ("domain", "example.com")
    assert mxlists.classify("@example.com") == ("domain", "example.com")
    assert mxlists.classify("[1.2.3.4]") == ("ip", "1.2.3.4")
    assert mxlists.classify("::ffff:1.2.3.4") == ("ip", "1.2.3.4")
    assert mxlists.classify("2001:DB8::1") == ("ip", "2001:db8::1")
    assert mxlists.classify(ipaddress.IPv6Address("2001:db8::1")) == ("ip", "2001:db8::1")


def test_invalid_value_error():
    with pytest.raises(mxlists.InvalidValueError) as e:
        mxlists.normalize("a@@b")
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, mxlists.Error)
    assert err.value == "a@@b"
    assert 1 <= err.column <= 4
    assert "a@@b" in str(err)
    with pytest.raises(mxlists.InvalidValueError) as e:
        mxlists.classify("")
    assert e.value.column == 1
    # The column counts characters, not bytes.
    with pytest.raises(mxlists.InvalidValueError) as ascii_err:
        mxlists.normalize("uu@ex..ample.com")
    with pytest.raises(mxlists.InvalidValueError) as e:
        mxlists.normalize("üü@ex..ample.com")
    assert e.value.column == ascii_err.value.column > 1
    with pytest.raises(TypeError):
        mxlists.normalize(None)


def test_exact_entries_answer_as_their_name_only(tmp_path):
    """`=d` lists the name and addresses at it, never a subdomain; the hit's
    entry shows the form."""
    b = mxlists.Builder()
    b.add_list("helo", "domain", "bad HELO")
    b.add("helo", "=163.com")
    b.add_list("rcpt", "email")
    b.add("rcpt", "example.com")
    b.add("rcpt", "!=example.com")
    path = tmp_path / "exact.mxl"
    b.write(path)
    with mxlists.open(path) as db:
        hit = db.check("X@163.COM")
        assert (hit.list, hit.entry, hit.reason) == ("helo", "=163.com", "bad HELO")
        assert db.check("m16.mail.163.com") is None
        assert db.check("x@example.com") is None
        assert db.check("x@mx.example.com").entry == "example.com"
        assert ("rcpt", "!=example.com") in db.entries()


def test_bytes_that_are_not_utf8_are_an_invalid_value():
    with pytest.raises(mxlists.InvalidValueError) as e:
        mxlists.classify(b"ab\xff@x.com")
    assert "UTF-8" in str(e.value)
