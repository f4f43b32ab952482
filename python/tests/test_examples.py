"""The example scripts, run as an operator runs them."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import mxlists

from conftest import SAMPLE, builder_for

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"

QUEUE = """\
 25m  2.9K 1RwtJa-0000DW-7S <spammer@bad.monster>
          good@example.com
        D noreply@example.org
          bounce@example.com

  3h  1.1K 1RwtJb-0000DX-8T <>
          root@pop-os.localdomain
          ok@example.net

 47m   12K 1RwtJc-0000DY-9U <friend@good.monster> *** frozen ***
          bounce@example.com
          x@host.unknowntld
"""


def run(script: str, *args, stdin: str = "", cwd) -> subprocess.CompletedProcess:
    # Run outside the source tree, whose `mxlists` folder has no native module.
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_audit_queue_exim_bp(artifact, tmp_path):
    proc = run("audit_queue.py", artifact, stdin=QUEUE, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert rows == [
        ["spammer@bad.monster", "sender", "tld_bans", "monster", "mail from this TLD is not accepted here", "1RwtJa-0000DW-7S"],
        ["bounce@example.com", "recipient", "spam_recipients", "bounce@example.com", "invalid recipient", "1RwtJa-0000DW-7S,1RwtJc-0000DY-9U"],
        ["root@pop-os.localdomain", "recipient", "spam_recipients", "pop-os.localdomain", "invalid recipient", "1RwtJb-0000DX-8T"],
        ["x@host.unknowntld", "recipient", "tlds", "unknowntld", "unknown top-level domain", "1RwtJc-0000DY-9U"],
    ]
    # The delivered recipient (D) was not checked; 7 distinct addresses were.
    assert "noreply@example.org" not in proc.stdout
    assert "7 addresses checked, 4 listed" in proc.stderr


def test_audit_queue_file_lists_json_and_exit_codes(artifact, tmp_path):
    addresses = tmp_path / "addresses.txt"
    addresses.write_text("# to audit\nroot@pop-os.localdomain\nclean@example.com\n51.68.0.1\n")
    proc = run("audit_queue.py", "--json", "--all", artifact, addresses, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(l) for l in proc.stdout.splitlines()]
    assert [o["address"] for o in objs] == ["root@pop-os.localdomain", "51.68.0.1"]
    assert [h["list"] for h in objs[0]["hits"]] == ["spam_recipients", "tlds"]
    assert objs[1]["hits"][0]["entry"] == "51.68.0.0/16"
    proc = run("audit_queue.py", "--lists", "tld_bans", artifact, addresses, cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    proc = run("audit_queue.py", "--lists", "nope", artifact, addresses, cwd=tmp_path)
    assert proc.returncode == 2 and "nope" in proc.stderr
    proc = run("audit_queue.py", tmp_path / "missing.mxl", addresses, cwd=tmp_path)
    assert proc.returncode == 2 and "missing.mxl" in proc.stderr


def write_server(root: pathlib.Path, server: str, lines) -> pathlib.Path:
    p = root / "incoming" / server / "invalid_recipients.txt"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(l + "\n" for l in lines))
    return p


def test_rebuild_spam_recipients(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "tld_bans.txt").write_text(".monster\n")
    manifest = conf / "mxlists.toml"
    manifest.write_text(
        '[[list]]\nname = "tld_bans"\nkind = "domain"\nsources = ["tld_bans.txt"]\n\n'
        '[[list]]\nname = "spam_recipients"\nkind = "email"\nsources = ["spam_recipients/*.txt"]\n'
        'reason = "recipient known to be invalid"\n'
    )
    out = tmp_path / "lists.mxl"
    mx1 = write_server(tmp_path, "mx1", [f"user{i}@example.com" for i in range(50)] + ["pop-os.localdomain"])
    mx2 = write_server(tmp_path, "mx2", [f"user{i}@example.net" for i in range(50)])
    args = ["--manifest", manifest, "--output", out, "--into", conf / "spam_recipients", "--max-change", "20"]

    proc = run("rebuild_spam_recipients.py", *args, mx1, mx2, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (conf / "spam_recipients").iterdir()) == ["mx1.txt", "mx2.txt"]
    assert "spam_recipients\temail\t101 entries" in proc.stdout
    with mxlists.open(out) as db:
        assert db.check("root@pop-os.localdomain").reason == "recipient known to be invalid"
        first_hash = db.content_hash

    # A few new invalid recipients: within the guard, rebuilt, change shown.
    write_server(tmp_path, "mx2", [f"user{i}@example.net" for i in range(55)])
    proc = run("rebuild_spam_recipients.py", *args, mx1, mx2, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "spam_recipients\t+5\t-0" in proc.stdout

    # A truncated download from mx1: refused, the artifact is kept, and so is
    # the copy of mx1's file it was built from.
    kept = out.read_bytes()
    mx1_copy = (conf / "spam_recipients" / "mx1.txt").read_text()
    write_server(tmp_path, "mx1", [])
    proc = run("rebuild_spam_recipients.py", *args, mx1, mx2, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "kept" in proc.stderr
    assert out.read_bytes() == kept != b""
    assert (conf / "spam_recipients" / "mx1.txt").read_text() == mx1_copy
    with mxlists.open(out) as db:
        assert db.content_hash != first_hash
        assert db.check("user1@example.com").list == "spam_recipients"

    # A bad line names its file, line and column; nothing is written.
    write_server(tmp_path, "mx1", [f"user{i}@example.com" for i in range(50)] + ["bad@@line"])
    proc = run("rebuild_spam_recipients.py", *args, mx1, mx2, cwd=tmp_path)
    assert proc.returncode == 2
    assert "mx1.txt:51:" in proc.stderr
    assert out.read_bytes() == kept
    assert (conf / "spam_recipients" / "mx1.txt").read_text() == mx1_copy
    assert not [p for p in conf.iterdir() if p.name.startswith(".")]  # no leftovers

    # Named servers.
    proc = run("rebuild_spam_recipients.py", *args, f"edge1={mx2}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (conf / "spam_recipients" / "edge1.txt").read_text() == mx2.read_text()
