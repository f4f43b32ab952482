#!/usr/bin/env python3
"""Gather the invalid-recipient files of every mail server and rebuild the
lists, refusing a build that changes a list too much.

Each server collects the recipients it found invalid (one address or domain a
line, optional reason, `#` comments) and ships the file to the build host, e.g.
into /var/lib/mxlists/incoming/<server>/invalid_recipients.txt. This script
copies each file into the folder the manifest's list reads (one file per
server, merged by the list's glob), then compiles the manifest with the change
guard and prints what changed. When the build fails or is refused, the copied
files are put back as they were, so the folder always holds the sources of the
artifact in place:

    rebuild_spam_recipients.py \\
        --manifest /etc/mxlists/mxlists.toml --output /var/lib/mxlists/lists.mxl \\
        --into /etc/mxlists/spam_recipients --max-change 20 \\
        /var/lib/mxlists/incoming/*/invalid_recipients.txt

with, in the manifest:

    [[list]]
    name = "spam_recipients"
    kind = "email"
    sources = ["spam_recipients/*.txt"]

A file may be named `SERVER=PATH`; otherwise the server is the name of the
folder holding it. A truncated or empty download does not wipe the list: when
any list's entry count changes by more than --max-change percent, nothing is
written and the script exits 3. Exit status: 0 built, 2 error (bad line, bad
manifest, unreadable file), 3 refused by the guard.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import sys
import tempfile
from typing import List, Optional, Tuple

import mxlists

SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def server_files(specs: List[str]) -> List[Tuple[str, pathlib.Path]]:
    """(server, file) for each `SERVER=PATH` or `PATH` argument."""
    out = []
    for spec in specs:
        server, sep, path = spec.partition("=")
        if not sep:
            path = spec
            server = pathlib.Path(spec).resolve().parent.name
        if not SERVER_NAME.match(server):
            raise ValueError(f"bad server name {server!r} for {path}")
        out.append((server, pathlib.Path(path)))
    servers = [s for s, _ in out]
    dupes = sorted({s for s in servers if servers.count(s) > 1})
    if dupes:
        raise ValueError(f"several files for server(s) {', '.join(dupes)}: name them SERVER=PATH")
    return out


class Gathered:
    """The servers' files copied to INTO/SERVER.txt (each atomically), with
    the files they replaced kept aside until the build is known good."""

    def __init__(self, files: List[Tuple[str, pathlib.Path]], into: pathlib.Path) -> None:
        into.mkdir(parents=True, exist_ok=True)
        self.backups = pathlib.Path(tempfile.mkdtemp(prefix=".rebuild-", dir=into.parent))
        self.replaced: List[Tuple[pathlib.Path, Optional[pathlib.Path]]] = []
        try:
            for server, path in files:
                self.put(into / f"{server}.txt", path)
        except BaseException:
            self.roll_back()
            raise

    def put(self, target: pathlib.Path, source: pathlib.Path) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out)
            backup = None
            if target.exists():
                backup = self.backups / target.name
                shutil.copy2(target, backup)
            self.replaced.append((target, backup))
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def roll_back(self) -> None:
        """Puts the replaced files back (new servers' files are removed)."""
        for target, backup in reversed(self.replaced):
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)
        self.done()

    def done(self) -> None:
        shutil.rmtree(self.backups, ignore_errors=True)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Gather per-server invalid-recipient files and rebuild the lists with a change guard."
    )
    ap.add_argument("--manifest", required=True, help="the mxlists.toml to build")
    ap.add_argument("--output", required=True, help="the artifact to replace (atomically)")
    ap.add_argument("--into", required=True, help="the folder the list's sources glob reads")
    ap.add_argument(
        "--max-change",
        type=float,
        default=20.0,
        help="refuse when a list's entry count changes by more than this many percent (default 20)",
    )
    ap.add_argument("--skip-invalid", action="store_true", help="drop invalid lines instead of failing")
    ap.add_argument("files", nargs="+", help="the servers' files: PATH or SERVER=PATH")
    args = ap.parse_args(argv)

    output = pathlib.Path(args.output)
    try:
        gathered = Gathered(server_files(args.files), pathlib.Path(args.into))
    except (OSError, ValueError) as e:
        print(f"rebuild: {e}", file=sys.stderr)
        return 2
    try:
        # Keep the current version to show what the rebuild changes.
        with tempfile.TemporaryDirectory() as tmp:
            before = pathlib.Path(tmp) / "before.mxl"
            had_old = output.exists()
            if had_old:
                shutil.copyfile(output, before)
            report = mxlists.build(
                args.manifest, output, max_change=args.max_change, skip_invalid=args.skip_invalid
            )
            changes = mxlists.diff(before, output).lists if had_old else []
    except BaseException as e:
        # The sources go back to what the artifact in place was built from.
        gathered.roll_back()
        if isinstance(e, mxlists.MaxChangeError):
            print(f"rebuild: {e}", file=sys.stderr)
            print(f"rebuild: {e.path} was kept as it was", file=sys.stderr)
            return 3
        if isinstance(e, (mxlists.Error, OSError)):
            print(f"rebuild: {e}", file=sys.stderr)
            return 2
        raise
    gathered.done()

    for f in report.files:
        if f.skipped:
            print(f"rebuild: {f.path}: {f.skipped} invalid lines skipped", file=sys.stderr)
        for w in f.warnings:
            print(f"rebuild: warning: {w}", file=sys.stderr)
    for s in report.lists:
        print(f"{s.name}\t{s.kind}\t{s.entries} entries\t{s.exclusions} exclusions")
    for d in changes:
        if d.changed:
            print(f"{d.list}\t+{len(d.added)}\t-{len(d.removed)}")
    print(f"content hash {report.content_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
