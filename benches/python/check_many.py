"""Time of `Db.check_many` on a million mixed values (about 60 % listed, so
600,000 `Hit` objects), best of three runs: wall time and CPU time of every
thread together. The figure the Python test suite used to assert; on a shared
machine it depends on the load, so it is measured here and never asserted.

    target/py-venv/bin/python benches/python/check_many.py [VALUES]

Needs the package installed in that Python (`python/run-tests.sh` installs it
into target/py-venv).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import mxlists


def make_values(n: int) -> list[str]:
    """A mix of hits and misses of every kind."""
    out = []
    for i in range(n):
        r = i % 8
        if r == 0:
            out.append(f"user{i}@host{i % 101}.monster")  # tld_bans
        elif r == 1:
            out.append(f"user{i}@good.monster")  # excluded
        elif r == 2:
            out.append(f"User{i}@Example.COM")  # miss
        elif r == 3:
            out.append(f"51.68.{i % 256}.{i % 251}")  # ovh, some whitelisted
        elif r == 4:
            out.append(f"root@host{i}.pop-os.localdomain")  # invalid_domains
        elif r == 5:
            out.append(f"x@host{i}.unknowntld{i % 7}")  # tlds
        elif r == 6:
            out.append(f"2001:41d0:{i % 7:x}::{i % 65535:x}")  # ovh v6, /48 excluded
        else:
            out.append("a@@b")  # invalid
    return out


def build(path: str) -> None:
    b = mxlists.Builder()
    b.add_list("tld_bans", "domain", "mail from this TLD is not accepted here")
    b.add_many("tld_bans", [".monster", "!good.monster", ".xyz"])
    b.add_list("invalid_domains", "domain", "audited invalid domain")
    b.add("invalid_domains", "pop-os.localdomain")
    b.add_list("ovh", "ip", "hosting provider range")
    b.add_many("ovh", ["51.68.0.0/16", "!51.68.10.0/28", "2001:41d0::/32", "!2001:41d0:1::/48"])
    b.add_list("tlds", "known_tlds", "no such top-level domain")
    b.add_many("tlds", ["com", "net", "org", "example", "monster", "xyz", "localdomain"])
    b.add_list("sfs", "email", "StopForumSpam")
    b.add_many("sfs", (f"user{i}@spam{i % 997}.example" for i in range(200_000)))
    b.write(path)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.mxl")
        build(path)
        values = make_values(n)
        with mxlists.open(path) as db:
            best_wall = best_cpu = float("inf")
            listed = 0
            for _ in range(3):
                t0, c0 = time.perf_counter(), os.times()
                answers = db.check_many(values)
                t1, c1 = time.perf_counter(), os.times()
                best_wall = min(best_wall, t1 - t0)
                best_cpu = min(best_cpu, (c1.user - c0.user) + (c1.system - c0.system))
                listed = sum(a is not None for a in answers)
                del answers
    print(
        f"check_many: {n:,} values ({listed:,} listed) in {best_wall:.3f} s wall, "
        f"{best_cpu:.3f} s CPU (best of 3, {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
