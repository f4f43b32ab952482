"""mxlists: mail policy lists compiled into one memory-mapped artifact.

Lookups (:func:`open` and :class:`Db`), builds (:func:`build` from a
manifest, :class:`Builder` for lists made in code) and comparisons
(:func:`diff`) all run in the same Rust engine as the ``mxlists`` command and
the Exim library, so every front gives the same answers and the same bytes.

>>> import mxlists, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "lists.mxl")
>>> b = mxlists.Builder()
>>> b.add_list("tld_bans", "domain", reason="mail from this TLD is not accepted here")
>>> b.add("tld_bans", ".monster")
>>> b.add("tld_bans", "!good.monster")
>>> report = b.write(path)
>>> with mxlists.open(path) as db:
...     db.check("<X@Bad.Monster>")
...     db.check("x@good.monster") is None
Hit(list='tld_bans', entry='monster', reason='mail from this TLD is not accepted here', value='x@bad.monster')
True
"""

from ._errors import (
    CorruptArtifactError,
    Error,
    InvalidEntryError,
    InvalidListError,
    InvalidValueError,
    ListSelectionError,
    ManifestError,
    MaxChangeError,
    SourceError,
    UnknownListError,
    UnsupportedVersionError,
)
from ._mxlists import (
    BuildReport,
    Builder,
    Db,
    Diff,
    FileReport,
    Hit,
    ListDiff,
    ListInfo,
    ListStats,
    SourceWarning,
    __version__,
    build,
    classify,
    diff,
    normalize,
    open,
)

__all__ = [
    "__version__",
    "open",
    "build",
    "diff",
    "classify",
    "normalize",
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
