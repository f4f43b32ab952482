#!/usr/bin/env python3
"""Audit the mail queue (or any list of addresses) against an mxlists artifact.

Reads the output of `exim -bp` (or a file with one address per line) from the
files named, or from standard input, and prints every address that a list
lists, with the list, the entry that matched and the reason:

    exim -bp | audit_queue.py /var/lib/mxlists/lists.mxl
    audit_queue.py --lists spam_recipients,tlds /var/lib/mxlists/lists.mxl queue.txt
    audit_queue.py --json /var/lib/mxlists/lists.mxl addresses.txt

In `exim -bp` output, the sender of each message and its recipients not yet
delivered (lines without a `D` mark) are checked; the message ids are printed
with each hit. Plain output is one tab-separated line per listed address:

    ADDRESS  ROLE  LIST  ENTRY  REASON  MESSAGE-IDS

Exit status (as grep): 0 when an address is listed, 1 when none is, 2 on error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, TextIO

import mxlists

# `exim -bp`: "  25m  2.9K 1RwtJa-0000DW-7S <sender@example.com> *** frozen ***"
HEADER = re.compile(r"^\s*\d+[smhdw]\s+\S+\s+(\S+)\s+<([^>]*)>")
# Recipient lines are indented; "D" marks a delivered one, "+D" a delivered
# child address of a redirected one.
RECIPIENT = re.compile(r"^\s+(?:(\+?D)\s+)?(\S+)\s*$")


@dataclass
class Seen:
    """Where an address was found: its roles and message ids."""

    roles: List[str] = field(default_factory=list)
    messages: List[str] = field(default_factory=list)

    def add(self, role: str, message: Optional[str]) -> None:
        if role not in self.roles:
            self.roles.append(role)
        if message and message not in self.messages:
            self.messages.append(message)


def collect(lines: Iterable[str]) -> Dict[str, Seen]:
    """Addresses of `exim -bp` output or of a one-per-line list, in order."""
    found: Dict[str, Seen] = {}
    message: Optional[str] = None
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            message = None  # a blank line ends a message's block
            continue
        if line.lstrip().startswith("#"):
            continue
        m = HEADER.match(line)
        if m:
            message, sender = m.group(1), m.group(2)
            if sender:  # "<>" is a bounce: no sender to check
                found.setdefault(sender, Seen()).add("sender", message)
            continue
        m = RECIPIENT.match(line)
        if m and message is not None:
            if not m.group(1):  # not delivered yet
                found.setdefault(m.group(2), Seen()).add("recipient", message)
            continue
        found.setdefault(line.strip(), Seen()).add("address", None)
    return found


def read_inputs(paths: List[str], stdin: TextIO) -> Iterable[str]:
    if not paths:
        yield from stdin
        return
    for p in paths:
        with open(p, encoding="utf-8", errors="surrogateescape") as f:
            yield from f


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Print the queued (or listed) addresses that an mxlists artifact lists, and why."
    )
    ap.add_argument("artifact", help="the mxlists artifact (mxlists build ... -o FILE)")
    ap.add_argument("files", nargs="*", help="exim -bp output or one address a line (default: stdin)")
    ap.add_argument("--lists", help="comma-separated list names to consult (default: every list)")
    ap.add_argument("--all", action="store_true", help="print every list's hit, not only the first")
    ap.add_argument("--json", action="store_true", help="one JSON object per listed address")
    args = ap.parse_args(argv)

    lists = [l for l in args.lists.split(",") if l] if args.lists else None
    try:
        found = collect(read_inputs(args.files, sys.stdin))
        addresses = list(found)
        with mxlists.open(args.artifact) as db:
            if args.all:
                answers = [db.check_all(a, lists) for a in addresses]
            else:
                answers = [[h] if h else [] for h in db.check_many(addresses, lists)]
    except (mxlists.Error, OSError) as e:
        print(f"audit_queue: {e}", file=sys.stderr)
        return 2

    listed = 0
    for address, hits in zip(addresses, answers):
        if not hits:
            continue
        listed += 1
        seen = found[address]
        if args.json:
            print(
                json.dumps(
                    {
                        "address": address,
                        "roles": seen.roles,
                        "messages": seen.messages,
                        "hits": [h.as_dict() for h in hits],
                    }
                )
            )
        else:
            for h in hits:
                print(
                    "\t".join(
                        [address, ",".join(seen.roles), h.list, h.entry, h.reason, ",".join(seen.messages) or "-"]
                    )
                )
    print(f"audit_queue: {len(addresses)} addresses checked, {listed} listed", file=sys.stderr)
    return 0 if listed else 1


if __name__ == "__main__":
    sys.exit(main())
