"""Shared fixtures: sample lists written as source files, an artifact built
from them, and the `mxlists` command the byte-identity tests compare with."""

from __future__ import annotations

import os
import pathlib
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import pytest

import mxlists

REPO = pathlib.Path(__file__).resolve().parents[2]


def target_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")


@dataclass
class ListDef:
    name: str
    kind: str
    reason: Optional[str]
    # File name (relative to the manifest) -> lines in plain syntax.
    files: Dict[str, List[str]] = field(default_factory=dict)

    def entries(self) -> List[str]:
        """The entries of every file, as the plain format reads them."""
        out = []
        for lines in self.files.values():
            for line in lines:
                text = line.strip()
                if text and not text.startswith("#"):
                    out.append(text)
        return out


SAMPLE = [
    ListDef(
        "tld_bans",
        "domain",
        "mail from this TLD is not accepted here",
        {"tld_bans.txt": ["# banned TLDs", ".monster", "!good.monster partner", ".xyz"]},
    ),
    ListDef(
        "spam_recipients",
        "email",
        "invalid recipient",
        {
            "spam_recipients/mx1.txt": [
                "pop-os.localdomain",
                "bounce@example.com",
                "NoReply@Example.ORG mailbox does not exist",
            ],
            "spam_recipients/mx2.txt": [
                "bounce@example.com",
                "*.invalid-corp.test",
                "user@bücher.example",
            ],
        },
    ),
    ListDef(
        "ovh",
        "ip",
        "OVH network",
        {
            "ovh.txt": [
                "51.68.0.0/16",
                "!51.68.10.0/28 our customer",
                "2001:41d0::/32",
                "!2001:41d0:1::/48",
            ]
        },
    ),
    ListDef(
        "tlds",
        "known_tlds",
        None,
        {"tlds.txt": ["# Version 2026112700", "COM", "NET", "ORG", "MONSTER", "XYZ", "EXAMPLE", "TEST", "FR"]},
    ),
]


def write_sources(root: pathlib.Path, lists: List[ListDef], fmt: str = "plain") -> pathlib.Path:
    """Writes the lists' files and a manifest over them; returns the manifest."""
    manifest = []
    for l in lists:
        for name, lines in l.files.items():
            p = root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        globs = sorted({n.split("/")[0] + "/*.txt" if "/" in n else n for n in l.files})
        manifest.append("[[list]]")
        manifest.append(f'name = "{l.name}"')
        manifest.append(f'kind = "{l.kind}"')
        manifest.append("sources = [" + ", ".join(f'"{g}"' for g in globs) + "]")
        if l.reason is not None:
            manifest.append(f'reason = "{l.reason}"')
        manifest.append(f'format = "{fmt}"')
        manifest.append("")
    path = root / "mxlists.toml"
    path.write_text("\n".join(manifest), encoding="utf-8")
    return path


def builder_for(lists: List[ListDef]) -> mxlists.Builder:
    b = mxlists.Builder()
    for l in lists:
        b.add_list(l.name, l.kind, l.reason)
        for e in l.entries():
            b.add(l.name, e)
    return b


@pytest.fixture
def sample_lists() -> List[ListDef]:
    return SAMPLE


@pytest.fixture
def artifact(tmp_path: pathlib.Path) -> pathlib.Path:
    """An artifact of the sample lists, built in code."""
    path = tmp_path / "lists.mxl"
    builder_for(SAMPLE).write(path)
    return path


@pytest.fixture
def db(artifact: pathlib.Path):
    with mxlists.open(artifact) as d:
        yield d


@pytest.fixture
def cli() -> pathlib.Path:
    """The `mxlists` command built from this checkout (`cargo build -p
    mxlists-cli`; run-tests.sh builds it). Missing is a failure, not a skip."""
    override = os.environ.get("MXLISTS_CLI")
    path = pathlib.Path(override) if override else target_dir() / "debug" / "mxlists"
    if not path.is_file():
        pytest.fail(
            f"the mxlists command is missing at {path}: build it with "
            "`cargo build -p mxlists-cli` (python/run-tests.sh does) or set MXLISTS_CLI"
        )
    return path


def run_cli(cli: pathlib.Path, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(cli), *map(str, args)], capture_output=True, text=True, timeout=120
    )
