"""Exhaustive corruption through the Python bindings.

A small artifact gets every single-byte flip (XOR 0xFF and XOR 0x01) at every
offset and every truncation length; each damaged file is opened with
``mxlists.open``. With the default check (which checks every checksum of a
file this small) every damage is refused with ``CorruptArtifactError`` (or
``UnsupportedVersionError`` when the version field is hit), or the artifact
answers exactly as the intact one. With ``verify="quick"`` answers may be wrong,
but the only exceptions are ``mxlists.Error`` subclasses (a Rust panic would
surface as ``pyo3_runtime.PanicException``, which is not one, and fail the
test), and ``Db.verify()`` refuses every damaged artifact.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import pytest

import mxlists

QUERIES = [
    "x@bad.monster",
    "x@good.monster",
    "deep.sub.good.monster",
    "monster",
    "a.b.xyz",
    "nobody@example.com",
    "<USER@Sub.Pop-OS.LocalDomain.>",
    "root@pop-os.localdomain",
    "x@mail.corp.lan",
    "bücher.example",
    "example.com",
    "51.68.0.1",
    "51.68.10.3",
    "[51.68.255.255]",
    "::ffff:51.68.0.1",
    "1.2.3.5",
    "2001:41d0::1",
    "2001:41d0:303:1::25",
    "2001:db8::1",
    "a@@b",
    "",
]

LISTS = [
    ("tld_bans", "domain", "banned TLD",
     [".monster", "!good.monster known sender", "*.xyz", "bücher.example"]),
    ("invalid_rcpt", "email", None,
     ["nobody@example.com no such mailbox", "@pop-os.localdomain", "user@sub.pop-os.localdomain"]),
    ("ovh", "ip", "OVH",
     ["51.68.0.0/16", "!51.68.10.0/28 our customer", "1.2.3.4-1.2.3.9",
      "2001:41d0::/32", "!2001:41d0:303:1::/64 customer v6"]),
    ("tlds", "known_tlds", None, ["COM", "NET", "MONSTER", "EXAMPLE", "XYZ", "!corp.lan"]),
]

Answer = Tuple[Optional[tuple], List[tuple]]


def small_artifact() -> bytes:
    b = mxlists.Builder()
    for name, kind, reason, entries in LISTS:
        b.add_list(name, kind, reason=reason)
        for e in entries:
            b.add(name, e)
    return b.build()


def hit_tuple(h: Optional[mxlists.Hit]) -> Optional[tuple]:
    return None if h is None else (h.list, h.kind, h.entry, h.reason, h.value)


def answers(db: mxlists.Db) -> List[Answer]:
    return [(hit_tuple(db.check(q)), [hit_tuple(h) for h in db.check_all(q)]) for q in QUERIES]


def mutations(n: int):
    """Every flip with 0xFF, every flip with 0x01, every truncation."""
    for mask in (0xFF, 0x01):
        for off in range(n):
            yield ("flip", off, mask)
    for length in range(n):
        yield ("truncate", length, 0)


def damaged(intact: bytes, m) -> bytes:
    what, off, mask = m
    if what == "truncate":
        return intact[:off]
    b = bytearray(intact)
    b[off] ^= mask
    return bytes(b)


@pytest.fixture(scope="module")
def intact() -> bytes:
    return small_artifact()


@pytest.fixture(scope="module")
def expected(intact, tmp_path_factory) -> List[Answer]:
    path = tmp_path_factory.mktemp("intact") / "lists.mxl"
    path.write_bytes(intact)
    with mxlists.open(path) as db:
        want = answers(db)
    assert sum(1 for first, _ in want if first is not None) >= 10
    return want


def test_the_artifact_is_small(intact):
    assert len(intact) < 8192


def test_every_damage_is_refused_or_answers_correctly(intact, expected, tmp_path):
    path = tmp_path / "trial.mxl"
    trials = refused = 0
    for m in mutations(len(intact)):
        trials += 1
        path.write_bytes(damaged(intact, m))
        try:
            db = mxlists.open(path)
        except (mxlists.CorruptArtifactError, mxlists.UnsupportedVersionError) as e:
            assert str(e), m
            refused += 1
            continue
        with db:
            assert answers(db) == expected, m
    assert trials == 3 * len(intact)
    # The default check covers every checksum of a file this small: nothing
    # damaged opens.
    assert refused == trials


def test_quick_check_never_crashes_and_verify_catches_everything(intact, expected, tmp_path):
    path = tmp_path / "trial.mxl"
    opened = lookup_errors = 0
    for m in mutations(len(intact)):
        path.write_bytes(damaged(intact, m))
        try:
            db = mxlists.open(path, verify="quick")
        except mxlists.Error:
            continue
        opened += 1
        with db:
            for q in QUERIES:
                try:
                    db.check(q)
                    db.check_all(q)
                except mxlists.Error:
                    lookup_errors += 1
            try:
                db.entries()
            except mxlists.Error:
                pass
            with pytest.raises(mxlists.CorruptArtifactError):
                db.verify()
    assert opened > 0
