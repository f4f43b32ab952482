"""Type stubs of the native module ``mxlists._mxlists``."""

import builtins
import ipaddress
import os
from types import TracebackType
from typing import Iterable, Iterator, Literal, Optional, Union, final

__all__ = [
    "__version__",
    "open",
    "classify",
    "normalize",
    "build",
    "diff",
    "Db",
    "Builder",
    "Hit",
    "ListInfo",
    "ListStats",
    "BuildReport",
    "FileReport",
    "SourceWarning",
    "ListDiff",
    "Diff",
]

__version__: str

_Value = Union[
    str,
    bytes,
    bytearray,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
]
"""A queried value: text, UTF-8 bytes, or an ``ipaddress`` address (a network
or an interface raises ``TypeError``)."""

_Entry = Union[_Value, ipaddress.IPv4Network, ipaddress.IPv6Network]
"""A list entry: a value, or an ``ipaddress`` network."""

_Lists = Union[str, Iterable[str], None]
"""``None`` for every list, ``"*"``, or names (a string of names separated by
commas, or an iterable of such strings); an empty selection raises
``ListSelectionError``."""

_StrPath = Union[str, os.PathLike[str]]

_Kind = Literal["domain", "email", "ip", "known_tlds"]

@final
class Hit:
    """A list's verdict on a value."""

    def __new__(cls, list: str, kind: _Kind, entry: str, reason: str, value: str) -> Hit:
        """A hit with the given fields (lookups make them)."""
    def __reduce__(self) -> tuple[type[Hit], tuple[str, str, str, str, str]]: ...
    @property
    def list(self) -> str:
        """The list that lists the value."""
    @property
    def kind(self) -> _Kind:
        """The list's kind."""
    @property
    def entry(self) -> str:
        """The entry that decided, in normalized plain syntax (for a
        ``known_tlds`` list, the TLD that is not known)."""
    @property
    def reason(self) -> str:
        """The entry's reason, or the list's default."""
    @property
    def value(self) -> str:
        """The queried value, normalized."""
    def as_dict(self) -> dict[str, str]:
        """The hit as a dict (``list``, ``kind``, ``entry``, ``reason``, ``value``)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ListInfo:
    """A list as recorded in an artifact."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> _Kind: ...
    @property
    def reason(self) -> str:
        """The reason given for hits whose entry has none."""
    @property
    def entries(self) -> int:
        """Number of listing entries."""
    @property
    def exclusions(self) -> int:
        """Number of exclusions."""
    @property
    def bytes(self) -> int:
        """Approximate bytes of the artifact taken by the list."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ListStats:
    """The figures of one list in a build."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> _Kind: ...
    @property
    def entries(self) -> int: ...
    @property
    def exclusions(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SourceWarning:
    """A non-fatal remark about a source line."""

    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def message(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class FileReport:
    """What a build read from one source file."""

    @property
    def list(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def format(self) -> str:
        """The format used: ``plain``, ``exim``, ``postfix``, ``sfs``, ``rbldnsd``,
        ``drop``, ``irr`` or ``iana``."""
    @property
    def detected(self) -> bool:
        """Whether the format was picked by ``auto``."""
    @property
    def entries(self) -> int: ...
    @property
    def skipped(self) -> int:
        """Invalid lines dropped (with ``skip_invalid``)."""
    @property
    def warnings(self) -> builtins.list[SourceWarning]:
        """The first warnings (see ``warning_count``)."""
    @property
    def warning_count(self) -> int:
        """How many warnings there were in all."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class BuildReport:
    """The outcome of a build."""

    @property
    def content_hash(self) -> str:
        """SHA-256 of the artifact's content, hex."""
    @property
    def size(self) -> int:
        """Size of the artifact in bytes."""
    @property
    def lists(self) -> list[ListStats]: ...
    @property
    def files(self) -> list[FileReport]:
        """Per source file (empty for a ``Builder``)."""
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ListDiff:
    """What changed in one list between two artifacts."""

    @property
    def list(self) -> str: ...
    @property
    def status(self) -> Literal["unchanged", "changed", "added", "removed"]: ...
    @property
    def kind(self) -> _Kind:
        """The kind in the new artifact (in the old one for a removed list)."""
    @property
    def old_kind(self) -> Optional[_Kind]:
        """The kind in the old artifact, when it changed."""
    @property
    def reason(self) -> Optional[str]:
        """The default reason in the new artifact, when it changed."""
    @property
    def old_reason(self) -> Optional[str]:
        """The default reason in the old artifact, when it changed."""
    @property
    def added_list(self) -> bool: ...
    @property
    def removed_list(self) -> bool: ...
    @property
    def added(self) -> builtins.list[str]:
        """Entries (plain syntax) only in the new artifact, sorted."""
    @property
    def removed(self) -> builtins.list[str]:
        """Entries (plain syntax) only in the old artifact, sorted."""
    @property
    def changed(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Diff:
    """The comparison of two artifacts, as ``mxlists diff`` makes it."""

    @property
    def equal(self) -> bool:
        """Same lists, order, kinds, default reasons and entries."""
    @property
    def order_changed(self) -> bool: ...
    @property
    def old_lists(self) -> builtins.list[str]: ...
    @property
    def new_lists(self) -> builtins.list[str]: ...
    @property
    def lists(self) -> builtins.list[ListDiff]:
        """One per list found in either artifact, the old one's first."""
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> ListDiff: ...
    def __iter__(self) -> Iterator[ListDiff]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Db:
    """Lookups on the artifact at a path, following replacements of the file."""

    @property
    def path(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def lists(self) -> list[ListInfo]: ...
    @property
    def content_hash(self) -> str: ...
    def check(self, value: _Value, lists: _Lists = None) -> Optional[Hit]:
        """The first hit in list order, or ``None`` (not listed, or not a valid value)."""
    def check_all(self, value: _Value, lists: _Lists = None) -> list[Hit]:
        """Every hit, in list order."""
    def check_many(
        self, values: Iterable[_Value], lists: _Lists = None
    ) -> list[Optional[Hit]]:
        """``check`` for each value, without holding the GIL during the lookups."""
    def info(self) -> dict[str, object]: ...
    def verify(self) -> None: ...
    def reload(self, force: bool = False) -> bool: ...
    def entries(self, list: Optional[str] = None) -> list[tuple[str, str]]: ...
    def close(self) -> None: ...
    def __contains__(self, value: _Value, /) -> bool: ...
    def __enter__(self) -> "Db": ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

@final
class Builder:
    """Collects lists and entries and writes an artifact."""

    def __init__(self) -> None: ...
    def add_list(self, name: str, kind: _Kind, reason: Optional[str] = None) -> None: ...
    def add(self, list: str, entry: _Entry, reason: Optional[str] = None) -> Optional[str]: ...
    def add_many(self, list: str, entries: Iterable[_Entry]) -> list[tuple[int, str]]: ...
    def build(self) -> bytes: ...
    def write(self, path: _StrPath, *, mode: Optional[int] = None) -> BuildReport: ...

def open(
    path: _StrPath,
    *,
    verify: Literal["auto", "quick", "full"] = "auto",
    check_interval: float = 1.0,
) -> Db:
    """Opens the artifact at ``path`` and follows it."""

def build(
    manifest: _StrPath,
    output: _StrPath,
    *,
    max_change: Optional[float] = None,
    skip_invalid: bool = False,
    allow_special_sources: bool = False,
    mode: Optional[int] = None,
) -> BuildReport:
    """Compiles a manifest and writes the artifact atomically."""

def diff(old: _StrPath, new: _StrPath) -> Diff:
    """Compares two artifact files as ``mxlists diff`` does."""

def classify(value: _Value) -> tuple[Literal["address", "domain", "ip"], str]:
    """``(kind, normalized)`` of a value; raises ``InvalidValueError``."""

def normalize(value: _Value) -> str:
    """The normalized form of a value; raises ``InvalidValueError``."""
