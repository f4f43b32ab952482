"""The exceptions raised by mxlists.

Every error of the engine is an :class:`Error`. Several also derive from the
built-in exception a Python caller would expect (``ValueError`` for bad input,
``KeyError`` for an unknown list name), so either kind of ``except`` catches
them. Errors reading or writing a file are the built-in :class:`OSError`
subclasses (``FileNotFoundError``, ``PermissionError``, ...) with ``filename``
set.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

__all__ = [
    "Error",
    "CorruptArtifactError",
    "UnsupportedVersionError",
    "SourceError",
    "ManifestError",
    "MaxChangeError",
    "UnknownListError",
    "ListSelectionError",
    "InvalidListError",
    "InvalidEntryError",
    "InvalidValueError",
]


class Error(Exception):
    """Base class of every error raised by mxlists (other than ``OSError``)."""


class CorruptArtifactError(Error):
    """The artifact is damaged, truncated or not an mxlists artifact at all.

    ``path`` is the file (when the artifact came from one) and ``section`` the
    part of the file that failed validation (``header``, ``names``, ...).
    """

    def __init__(
        self, message: str, *, path: Optional[str] = None, section: Optional[str] = None
    ) -> None:
        super().__init__(message)
        self.path = path
        self.section = section


class UnsupportedVersionError(CorruptArtifactError):
    """The artifact was written in a format version this library does not read.

    ``found`` is the version in the file, ``supported`` the one read here.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Optional[str] = None,
        found: int = 0,
        supported: int = 0,
    ) -> None:
        super().__init__(message, path=path, section="header")
        self.found = found
        self.supported = supported


class SourceError(Error, ValueError):
    """Source lines could not be read; nothing was built or written.

    ``path``, ``line`` and ``column`` (1-based, the column counted in
    characters) locate the first bad line and ``message`` says what is wrong
    with it. ``errors`` lists the bad lines the engine kept, as ``(path,
    line, column, message)`` tuples, and ``total`` counts them all. When a
    source file as a whole cannot be read as a list (its format cannot be
    told, an archive holds several files), ``line`` and ``column`` are
    ``None``. ``str()`` gives every kept line as ``path:line:column: message``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Optional[str],
        line: Optional[int],
        column: Optional[int],
        detail: str,
        errors: Optional[List[Tuple[str, int, int, str]]] = None,
        total: int = 1,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.message = detail
        self.errors = errors if errors is not None else []
        self.total = total


class ManifestError(Error, ValueError):
    """The build manifest is invalid; ``path`` is the manifest file."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class MaxChangeError(Error):
    """A build was refused because a list changed by more than ``max_change``
    percent; the artifact at ``path`` was kept as it was."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class UnknownListError(Error, KeyError):
    """A list name was asked for that the artifact (or builder) does not hold;
    ``list`` is that name (the message shows at most its first 64 bytes)."""

    def __init__(self, message: str, *, list: str) -> None:
        super().__init__(message)
        self.list = list

    def __str__(self) -> str:
        return str(self.args[0])


class ListSelectionError(Error, ValueError):
    """A ``lists=`` selection breaks the selection rule that the command, the
    C library and Exim follow too: it is empty (``[]``, ``""``), holds an
    empty name (``"a,,b"``), or combines ``*`` with names. The message is the
    same on every front."""


class InvalidListError(Error, ValueError):
    """A list definition is invalid: a bad name or kind, a name declared twice,
    too many lists."""


class InvalidEntryError(Error, ValueError):
    """An entry given to a :class:`~mxlists.Builder` is invalid, or does not
    belong in the list's kind. ``entry`` is the text given and ``column`` the
    1-based character position of the problem in it."""

    def __init__(self, message: str, *, entry: str, column: int) -> None:
        super().__init__(message)
        self.entry = entry
        self.column = column


class InvalidValueError(Error, ValueError):
    """A value is not a valid address, domain or IP address (raised by
    :func:`~mxlists.normalize` and :func:`~mxlists.classify`; lookups answer
    "not listed" instead). ``value`` is the text given and ``column`` the
    1-based character position of the problem in it."""

    def __init__(self, message: str, *, value: str, column: int) -> None:
        super().__init__(message)
        self.value = value
        self.column = column
