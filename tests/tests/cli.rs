//! The `mxlists` command end to end: the built binary on files in temporary
//! folders. Exit statuses, output formats, `--max-change`, `--skip-invalid`,
//! the dump round trip, determinism, errors with file:line:column, stdin,
//! corrupt artifacts, `diff`, and the `examples/` folder as documented.

mod cli_support;

use std::collections::BTreeSet;

use cli_support::{hit, list, run, run_stdin, verdict, Dir};
use mxlists_core::{Artifact, Outcome};

/// The `examples/` manifest, built into `d` as `examples.mxl`.
fn build_examples(d: &Dir) -> std::path::PathBuf {
    let manifest = mxlists_tests::workspace_root().join("examples/mxlists.toml");
    let out = d.join("examples.mxl");
    run(&[
        "build".as_ref(),
        manifest.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .expect(0);
    out
}

/// A small two-list manifest: `bans` (domain) and `ovh` (ip).
fn small(d: &Dir) {
    d.write(
        "bans.txt",
        ".monster\n!good.monster known sender\nbücher.example  IDN entry\n",
    );
    d.write(
        "ovh.txt",
        "51.68.0.0/16\n!51.68.10.0/28 our customer\n2001:41d0::/32\n",
    );
    d.write(
        "m.toml",
        [
            list("bans", "domain", &["bans.txt"], None, Some("banned TLD")),
            list("ovh", "ip", &["ovh.txt"], None, Some("OVH network")),
        ]
        .concat(),
    );
}

#[test]
fn examples_build_and_answer_as_documented() {
    let d = Dir::new();
    let a = build_examples(&d);
    let cases = [
        (
            "x@bad.monster",
            hit(
                "tld_bans",
                "monster",
                "mail from this TLD is not accepted here",
            ),
        ),
        ("x@good.monster", None),
        (
            "<User@Bücher.Monster.>",
            hit(
                "tld_bans",
                "monster",
                "mail from this TLD is not accepted here",
            ),
        ),
        (
            "x@files.zip",
            hit(
                "tld_bans",
                "zip",
                "mail from .zip is not accepted (looks like a file name)",
            ),
        ),
        (
            "root@pop-os.localdomain",
            hit(
                "invalid_domains",
                "pop-os.localdomain",
                "audited invalid domain",
            ),
        ),
        (
            "someone@gmial.com",
            hit("invalid_domains", "gmial.com", "typo of gmail.com"),
        ),
        (
            "info@example.net",
            hit(
                "spam_recipients",
                "info@example.net",
                "recipient known to be invalid",
            ),
        ),
        (
            "sales@example.net",
            hit(
                "spam_recipients",
                "sales@example.net",
                "recipient known to be invalid",
            ),
        ),
        (
            "anyone@mx.dead-domain.example.org",
            hit(
                "spam_recipients",
                "dead-domain.example.org",
                "whole domain gone since 2024",
            ),
        ),
        ("other@example.net", None),
        (
            "Spammer1@Example.com",
            hit(
                "sfs_emails",
                "spammer1@example.com",
                "listed by StopForumSpam",
            ),
        ),
        (
            "#hashtag@example.com",
            hit(
                "sfs_emails",
                "#hashtag@example.com",
                "listed by StopForumSpam",
            ),
        ),
        (
            "51.68.0.1",
            hit(
                "ovh",
                "51.68.0.0/16",
                "hosting provider range, no direct mail accepted",
            ),
        ),
        (
            "::ffff:51.68.0.1",
            hit(
                "ovh",
                "51.68.0.0/16",
                "hosting provider range, no direct mail accepted",
            ),
        ),
        ("51.68.10.3", None),
        (
            "[137.74.1.1]",
            hit(
                "ovh",
                "137.74.0.0/16",
                "hosting provider range, no direct mail accepted",
            ),
        ),
        (
            "2001:41d0:1::25",
            hit(
                "ovh",
                "2001:41d0::/32",
                "hosting provider range, no direct mail accepted",
            ),
        ),
        ("2001:41d0:303:1::25", None),
        (
            "x@mail.corp.lan",
            hit("known_tlds", "lan", "no such top-level domain"),
        ),
        ("пример.рф", None),
        ("user@example.com", None),
    ];
    for (value, expected) in cases {
        assert_eq!(verdict(&a, &[], value), expected, "{value}");
    }
    // An invalid value is neither an error nor listed.
    let r = run(&["check".as_ref(), a.as_os_str(), "a@@b".as_ref()]).expect(1);
    assert!(r.stdout.starts_with("a@@b\t-\tinvalid: "), "{}", r.stdout);
    // The lists a value is on, in manifest order.
    let r = run(&[
        "check".as_ref(),
        a.as_os_str(),
        "--all".as_ref(),
        "root@pop-os.localdomain".as_ref(),
    ])
    .expect(0);
    let lists: Vec<&str> = r
        .lines()
        .iter()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(lists, ["invalid_domains", "spam_recipients", "known_tlds"]);
}

#[test]
fn quickstart_script_builds_outside_the_repo_and_answers() {
    // The script runs `cargo run --release`; here it runs the binary under test
    // (MXLISTS=...), from another folder, and its printed answers are checked.
    let root = mxlists_tests::workspace_root();
    let script = root.join("examples/quickstart.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("cargo run --release -p mxlists-cli"));
    let d = Dir::new();
    let before: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("MXLISTS", mxlists_tests::bin("mxlists"))
        .current_dir(d.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(before, after, "nothing is written into examples/");
    let answer = |value: &str| -> String {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{value} ")))
            .unwrap_or_else(|| panic!("no answer for {value}: {stdout}"))
            .trim()
            .to_owned()
    };
    let says = |value: &str, what: &str| {
        let a = answer(value);
        assert!(a.ends_with(what), "{value}: {a:?} should end with {what:?}");
    };
    says(
        "x@bad.monster",
        "listed by tld_bans (entry monster): mail from this TLD is not accepted here",
    );
    says("x@good.monster", "not listed");
    says(
        "<User@Bücher.Monster.>",
        "listed by tld_bans (entry monster): mail from this TLD is not accepted here",
    );
    says(
        "root@pop-os.localdomain",
        "listed by invalid_domains (entry pop-os.localdomain): audited invalid domain",
    );
    says("51.68.10.3", "not listed");
    says(
        "2001:41d0:1::25",
        "listed by ovh (entry 2001:41d0::/32): hosting provider range, no direct mail accepted",
    );
    says(
        "x@mail.corp.lan",
        "listed by known_tlds (entry lan): no such top-level domain",
    );
    says("user@example.com", "not listed");
    assert!(answer("a@@b").contains("  invalid: "), "{stdout}");
    assert!(stdout.contains("exit status 0"), "{stdout}");
}

#[test]
fn check_exit_status_follows_grep() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    run(&["check", a, "x@bad.monster"]).expect(0);
    run(&["check", a, "user@example.com", "x@bad.monster"]).expect(0);
    run(&["check", a, "user@example.com"]).expect(1);
    run(&["check", a, "user@example.com", "not a value"]).expect(1);
    let r = run(&["check", a, "--list", "no_such_list", "x@bad.monster"]).expect(2);
    assert!(r.stderr.contains("no_such_list"), "{}", r.stderr);
    let r = run(&["check", "/nonexistent/lists.mxl", "x"]).expect(2);
    assert!(r.stderr.contains("/nonexistent/lists.mxl"), "{}", r.stderr);
}

#[test]
fn check_plain_output_is_one_tab_separated_line_per_value() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    let r = run(&[
        "check",
        a,
        "X@Bad.Monster",
        "user@example.com",
        "a@@b",
        "51.68.10.3",
    ])
    .expect(0);
    let lines = r.lines();
    assert_eq!(
        lines[0],
        "X@Bad.Monster\ttld_bans\tmonster\tmail from this TLD is not accepted here"
    );
    assert_eq!(lines[1], "user@example.com\t-");
    assert!(lines[2].starts_with("a@@b\t-\tinvalid: "));
    assert_eq!(lines[3], "51.68.10.3\t-");
    assert_eq!(lines.len(), 4);
}

#[test]
fn check_reads_stdin_when_no_value_is_given() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    // CRLF, blank lines, no final newline, a line that is not UTF-8.
    let input = b"x@bad.monster\r\n\n   \nuser@example.com\n\xff\xfe@x.com\n51.68.0.1";
    let r = run_stdin(&["check", a], input).expect(0);
    let lines = r.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("x@bad.monster\ttld_bans\t"));
    assert_eq!(lines[1], "user@example.com\t-");
    assert!(
        lines[2].ends_with("\t-\tinvalid: not valid UTF-8"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("51.68.0.1\tovh\t"));
    run_stdin(&["check", a], b"user@example.com\nfoo.com\n").expect(1);
    run_stdin(&["check", a], b"").expect(1);
}

#[test]
fn check_streams_many_lines_from_stdin() {
    let d = Dir::new();
    let a = build_examples(&d);
    let n = 200_000;
    let mut input = String::new();
    for i in 0..n {
        match i % 4 {
            0 => input += &format!("user{i}@host{i}.monster\n"),
            1 => input += &format!("51.68.{}.{}\n", (i / 256) % 256, i % 256),
            2 => input += &format!("user{i}@example.com\n"),
            _ => input += &format!("2001:db8::{:x}\n", i % 65536),
        }
    }
    let start = std::time::Instant::now();
    let r = run_stdin(&["check", a.to_str().unwrap()], input.as_bytes()).expect(0);
    let took = start.elapsed();
    let lines = r.lines();
    assert_eq!(lines.len(), n);
    // Compare every answer with the library's.
    let art = Artifact::open(&a).unwrap();
    for (value, line) in input.lines().zip(&lines) {
        let expected = match art.check(value).unwrap() {
            Outcome::Listed(h) => format!("{value}\t{}\t{}\t{}", h.list, h.entry, h.reason),
            _ => format!("{value}\t-"),
        };
        if value.starts_with("51.68.10.")
            && value.split('.').nth(3).unwrap().parse::<u8>().unwrap() < 16
        {
            assert_eq!(*line, format!("{value}\t-"), "whitelisted range");
        }
        assert_eq!(*line, expected);
    }
    eprintln!("{n} values from stdin in {took:?}");
}

#[test]
fn check_json_has_the_documented_fields() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    let r = run(&[
        "check",
        a,
        "--json",
        "X@Bad.Monster",
        "user@example.com",
        "a@@b",
    ])
    .expect(0);
    let v = r.json_lines();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["value"], "X@Bad.Monster");
    assert_eq!(v[0]["normalized"], "x@bad.monster");
    assert_eq!(v[0]["listed"], true);
    assert_eq!(v[0]["list"], "tld_bans");
    assert_eq!(v[0]["kind"], "domain");
    assert_eq!(v[0]["entry"], "monster");
    assert_eq!(v[0]["reason"], "mail from this TLD is not accepted here");
    assert!(v[0].get("hits").is_none() && v[0].get("invalid").is_none());
    assert_eq!(v[1]["listed"], false);
    assert!(v[1]["list"].is_null() && v[1]["entry"].is_null() && v[1]["reason"].is_null());
    assert_eq!(v[2]["listed"], false);
    assert!(v[2]["invalid"].as_str().unwrap().contains('@'));
    assert!(v[2]["normalized"].is_null());

    let r = run(&[
        "check",
        a,
        "--json",
        "--all",
        "root@pop-os.localdomain",
        "a@@b",
    ])
    .expect(0);
    let v = r.json_lines();
    let hits = v[0]["hits"].as_array().unwrap();
    let lists: Vec<&str> = hits.iter().map(|h| h["list"].as_str().unwrap()).collect();
    assert_eq!(lists, ["invalid_domains", "spam_recipients", "known_tlds"]);
    assert_eq!(hits[2]["entry"], "localdomain");
    assert_eq!(
        v[0]["list"], "invalid_domains",
        "the first hit is the verdict"
    );
    assert_eq!(v[1]["hits"].as_array().unwrap().len(), 0);
}

#[test]
fn check_list_selects_lists_and_keeps_their_order() {
    let d = Dir::new();
    let a = build_examples(&d);
    let v = "root@pop-os.localdomain";
    assert_eq!(
        verdict(&a, &["--list", "known_tlds,spam_recipients"], v),
        hit(
            "spam_recipients",
            "root@pop-os.localdomain",
            "recipient known to be invalid"
        )
    );
    assert_eq!(
        verdict(&a, &["--list", "known_tlds"], v),
        hit("known_tlds", "localdomain", "no such top-level domain")
    );
    // Repeated --list works like a comma list.
    assert_eq!(
        verdict(
            &a,
            &["--list", "ovh", "--list", "tld_bans"],
            "x@bad.monster"
        )
        .unwrap()
        .0,
        "tld_bans"
    );
    assert_eq!(verdict(&a, &["--list", "ovh"], "x@bad.monster"), None);
    let r = run(&[
        "check".as_ref(),
        a.as_os_str(),
        "--all".as_ref(),
        "--list".as_ref(),
        "known_tlds,invalid_domains".as_ref(),
        v.as_ref(),
    ])
    .expect(0);
    let lists: Vec<&str> = r
        .lines()
        .iter()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(lists, ["invalid_domains", "known_tlds"]);
}

#[test]
fn build_prints_a_summary_and_the_content_hash() {
    let d = Dir::new();
    small(&d);
    let r = d.build("m.toml", "out.mxl", &[]).expect(0);
    let art = Artifact::open(d.join("out.mxl")).unwrap();
    assert!(
        r.stdout
            .contains(&format!("content hash {}", art.content_hash())),
        "{}",
        r.stdout
    );
    let bans = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("bans ") && l.contains("domain"))
        .expect("a summary line for bans")
        .split_whitespace()
        .collect::<Vec<_>>();
    // LIST KIND ENTRIES EXCLUSIONS WARNINGS BYTES
    assert_eq!(&bans[..5], ["bans", "domain", "2", "1", "0"]);
    let ovh = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("ovh "))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_eq!(&ovh[..5], ["ovh", "ip", "2", "1", "0"]);
    assert!(
        r.stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {:?}",
        r.stderr
    );
    // Rebuilding the same lists says so.
    let r = d.build("m.toml", "out.mxl", &[]).expect(0);
    assert!(r.stdout.contains("(unchanged)"), "{}", r.stdout);
    // info and verify report the same hash.
    let info = d.run(&["info", "out.mxl", "--json"]).expect(0).json();
    assert_eq!(info["content_hash"], art.content_hash());
    assert_eq!(
        info["size"],
        std::fs::metadata(d.join("out.mxl")).unwrap().len()
    );
    assert_eq!(info["format_version"], art.format_version());
    let names: Vec<&str> = info["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bans", "ovh"]);
    assert_eq!(info["lists"][0]["kind"], "domain");
    assert_eq!(info["lists"][0]["entries"], 2);
    assert_eq!(info["lists"][0]["exclusions"], 1);
    assert!(info["lists"][1]["bytes"].as_u64().unwrap() > 0);
    let text = d.run(&["info", "out.mxl"]).expect(0).stdout;
    assert!(
        text.contains(&art.content_hash()) && text.contains("bans") && text.contains("OVH network")
    );
    let r = d.run(&["verify", "out.mxl"]).expect(0);
    assert_eq!(r.stdout.trim(), format!("OK {}", art.content_hash()));
}

#[test]
fn build_warnings_name_file_line_column_and_do_not_stop_the_build() {
    let d = Dir::new();
    d.write("ips.txt", "10.0.0.0/8\n  10.1.2.3/16 host bits set\n");
    d.write("m.toml", list("ips", "ip", &["ips.txt"], None, None));
    let r = d.build("m.toml", "out.mxl", &[]).expect(0);
    assert!(
        r.stderr.contains("mxlists: warning: ips.txt:2:3:"),
        "{}",
        r.stderr
    );
    let ips = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("ips "))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_eq!(
        &ips[..5],
        ["ips", "ip", "2", "0", "1"],
        "the warning is counted"
    );
}

#[test]
fn invalid_lines_are_errors_with_file_line_column_and_nothing_is_written() {
    let d = Dir::new();
    small(&d);
    d.build("m.toml", "out.mxl", &[]).expect(0);
    let before = d.read("out.mxl");
    d.write(
        "bans.txt",
        ".monster\n# comment\n  exa$mple.com reason\nbad..example\n",
    );
    d.write("ovh.txt", "51.68.0.0/16\n300.1.1.1\n");
    let r = d.build("m.toml", "out.mxl", &[]).expect(2);
    for at in ["bans.txt:3:6:", "bans.txt:4:5:", "ovh.txt:2:1:"] {
        assert!(r.stderr.contains(at), "{at} in {}", r.stderr);
    }
    assert!(r.stderr.contains("3 invalid lines"), "{}", r.stderr);
    assert_eq!(d.read("out.mxl"), before, "the old artifact is untouched");
    assert!(r.stdout.is_empty());
    // A new output is not created either.
    d.build("m.toml", "new.mxl", &[]).expect(2);
    assert!(!d.join("new.mxl").exists());
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn skip_invalid_drops_bad_lines_and_counts_them_per_file() {
    let d = Dir::new();
    small(&d);
    d.write(
        "bans.txt",
        ".monster\nbad..example\nexa$mple.com\n!good.monster\n",
    );
    d.write("ovh.txt", "51.68.0.0/16\n300.1.1.1\n");
    let r = d.build("m.toml", "out.mxl", &["--skip-invalid"]).expect(0);
    assert!(
        r.stderr.contains("bans.txt: skipped 2 invalid lines"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("ovh.txt: skipped 1 invalid line"),
        "{}",
        r.stderr
    );
    let row = |name: &str| -> Vec<String> {
        r.lines()
            .into_iter()
            .find(|l| l.starts_with(&format!("{name}.txt")))
            .unwrap()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    // SOURCE LIST FORMAT [(auto)] ENTRIES SKIPPED WARNINGS
    let bans = row("bans");
    assert_eq!(&bans[bans.len() - 3..], ["2", "2", "0"]);
    let a = d.join("out.mxl");
    assert_eq!(verdict(&a, &[], "x@bad.monster").unwrap().0, "bans");
    assert_eq!(verdict(&a, &[], "x@good.monster"), None);
    assert_eq!(verdict(&a, &[], "51.68.1.1").unwrap().0, "ovh");
}

#[test]
fn max_change_refuses_and_keeps_the_old_file() {
    let d = Dir::new();
    let many: String = (0..100).map(|i| format!("spam{i}.example\n")).collect();
    d.write("bans.txt", &many);
    d.write("m.toml", list("bans", "domain", &["bans.txt"], None, None));
    // No artifact yet: nothing to compare with, the build goes ahead.
    d.build("m.toml", "out.mxl", &["--max-change", "10"])
        .expect(0);
    let before = d.read("out.mxl");
    // A truncated download: 60 of 100 entries.
    let truncated: String = (0..60).map(|i| format!("spam{i}.example\n")).collect();
    d.write("bans.txt", &truncated);
    let r = d
        .build("m.toml", "out.mxl", &["--max-change", "25"])
        .expect(3);
    assert!(r.stderr.contains("bans"), "names the list: {}", r.stderr);
    assert_eq!(
        d.read("out.mxl"),
        before,
        "the old artifact is kept byte for byte"
    );
    // Within the limit, and without a limit, the build replaces it.
    let ninety: String = (0..90).map(|i| format!("spam{i}.example\n")).collect();
    d.write("bans.txt", &ninety);
    d.build("m.toml", "out.mxl", &["--max-change", "25"])
        .expect(0);
    assert_ne!(d.read("out.mxl"), before);
    d.write("bans.txt", &truncated);
    d.build("m.toml", "out.mxl", &[]).expect(0);
    assert_eq!(
        Artifact::open(d.join("out.mxl")).unwrap().lists()[0].entries,
        60
    );
    // A bad percentage is a usage error.
    d.build("m.toml", "out.mxl", &["--max-change", "lots"])
        .expect(2);
    d.build("m.toml", "out.mxl", &["--max-change", "-5"])
        .expect(2);
}

#[test]
fn same_bytes_from_different_source_orders() {
    let d = Dir::new();
    let lines = [
        ".monster",
        "!good.monster fine",
        "user@pop-os.localdomain",
        "@dead.example.org gone",
        "*.sub.example.com",
        "Bücher.Example",
    ];
    d.write("a/one.txt", lines[..3].join("\n"));
    d.write("a/two.txt", lines[3..].join("\n"));
    let mut reversed: Vec<&str> = lines.to_vec();
    reversed.reverse();
    // The other order: lines reversed, split differently, duplicated, CRLF, upper case.
    d.write("b/x.txt", reversed[..4].join("\r\n"));
    d.write(
        "b/y.txt",
        format!("{}\n{}\n.MONSTER\n", reversed[4..].join("\n"), reversed[0]),
    );
    d.write(
        "a.toml",
        list(
            "spam",
            "email",
            &["a/one.txt", "a/two.txt"],
            None,
            Some("r"),
        ),
    );
    d.write(
        "b.toml",
        list("spam", "email", &["b/y.txt", "b/x.txt"], None, Some("r")),
    );
    d.write(
        "c.toml",
        list("spam", "email", &["b/*.txt"], None, Some("r")),
    );
    d.build("a.toml", "a.mxl", &[]).expect(0);
    d.build("b.toml", "b.mxl", &[]).expect(0);
    d.build("c.toml", "c.mxl", &[]).expect(0);
    assert_eq!(d.read("a.mxl"), d.read("b.mxl"));
    assert_eq!(d.read("a.mxl"), d.read("c.mxl"));
}

#[test]
fn dump_round_trip_gives_identical_bytes() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    d.run(&["dump", a, "--manifest", "src"]).expect(0);
    let toml = String::from_utf8(d.read("src/mxlists.toml")).unwrap();
    assert!(toml.contains("name = \"tld_bans\"") && toml.contains("format = \"plain\""));
    d.build("src/mxlists.toml", "again.mxl", &[]).expect(0);
    assert_eq!(d.read("again.mxl"), std::fs::read(a).unwrap());
    // Per list on stdout: plain syntax with exclusions and reasons.
    let r = d.run(&["dump", a, "--list", "tld_bans"]).expect(0);
    let entries: BTreeSet<&str> = r.lines().into_iter().collect();
    assert_eq!(
        entries,
        BTreeSet::from([
            "monster",
            "!good.monster known sender, allowed",
            "zip mail from .zip is not accepted (looks like a file name)",
        ])
    );
    let r = d.run(&["dump", a, "--list", "ovh"]).expect(0);
    assert!(r
        .lines()
        .contains(&"!2001:41d0:303:1::/64 our customer's IPv6 relays"));
    // All lists: each after a comment header.
    let r = d.run(&["dump", a]).expect(0);
    let headers: Vec<&str> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("# list "))
        .collect();
    assert_eq!(headers.len(), 6);
    assert_eq!(headers[0], "# list tld_bans (domain)");
    // A value starting with `#` survives as `<#...>`.
    let r = d.run(&["dump", a, "--list", "sfs_emails"]).expect(0);
    assert!(
        r.lines().contains(&"<#hashtag@example.com>"),
        "{}",
        r.stdout
    );
    d.run(&["dump", a, "--list", "nope"]).expect(2);
}

#[test]
fn dump_round_trip_of_every_entry_form() {
    let d = Dir::new();
    d.write(
        "names.txt",
        ".monster\n!good.monster known: sender\n*.sub.example.com  subdomains\n@whole.example\n\
         user@host.example  an address\n<Mixed.Case@Bücher.Example>\n#hash@example.com\n\
         !vip@whole.example\n=163.com exact name\n!=mail.whole.example\n=x@exact-local.example\n",
    );
    d.write(
        "ips.txt",
        "10.0.0.0/8\n!10.1.0.0/16 carve\n10.1.2.3 pinned\n192.0.2.1-192.0.2.9 odd range\n\
         2001:db8::/32\n!2001:db8:1::/48\n::ffff:198.51.100.1\n",
    );
    d.write(
        "tlds.txt",
        "COM\nEXAMPLE\n!pop-os.localdomain audited\n!=corp.lan exact\n",
    );
    d.write(
        "m.toml",
        [
            list("names", "email", &["names.txt"], None, None),
            list("ips", "ip", &["ips.txt"], None, Some("default reason")),
            list("tlds", "known_tlds", &["tlds.txt"], Some("plain"), None),
        ]
        .concat(),
    );
    d.build("m.toml", "one.mxl", &[]).expect(0);
    // The exact form is answered, and dumped, as `=d`.
    let r = d
        .run(&[
            "check",
            "one.mxl",
            "--list",
            "names",
            "x@163.com",
            "mx.163.com",
        ])
        .expect(0);
    assert_eq!(
        r.lines(),
        ["x@163.com\tnames\t=163.com\texact name", "mx.163.com\t-"]
    );
    let r = d.run(&["dump", "one.mxl", "--list", "names"]).expect(0);
    assert!(r.lines().contains(&"=163.com exact name"), "{}", r.stdout);
    d.run(&["dump", "one.mxl", "--manifest", "dumped"])
        .expect(0);
    d.build("dumped/mxlists.toml", "two.mxl", &[]).expect(0);
    assert_eq!(d.read("one.mxl"), d.read("two.mxl"));
    // Dumping only some lists writes a manifest of only those.
    d.run(&["dump", "one.mxl", "--list", "ips", "--manifest", "ips_only"])
        .expect(0);
    d.build("ips_only/mxlists.toml", "ips.mxl", &[]).expect(0);
    let art = Artifact::open(d.join("ips.mxl")).unwrap();
    assert_eq!(art.lists().len(), 1);
    assert_eq!(art.lists()[0].reason, "default reason");
}

#[test]
fn diff_reports_added_and_removed_entries() {
    let d = Dir::new();
    small(&d);
    d.build("m.toml", "old.mxl", &[]).expect(0);
    // Identical: exit 0, no output.
    let r = d.run(&["diff", "old.mxl", "old.mxl"]).expect(0);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let j = d
        .run(&["diff", "old.mxl", "old.mxl", "--json"])
        .expect(0)
        .json();
    assert_eq!(j["equal"], true);
    // Change entries of one list, add a list.
    d.write(
        "bans.txt",
        ".monster\n.zip new ban\nbücher.example  IDN entry\n",
    );
    d.write("extra.txt", "new.example\n");
    let mut m = String::from_utf8(d.read("m.toml")).unwrap();
    m += &list("extra", "domain", &["extra.txt"], None, None);
    d.write("m2.toml", m);
    d.build("m2.toml", "new.mxl", &[]).expect(0);
    let r = d.run(&["diff", "old.mxl", "new.mxl"]).expect(1);
    let lines = r.lines();
    assert_eq!(
        lines,
        [
            "@@ bans (domain): 1 added, 1 removed",
            "+zip new ban",
            "-!good.monster known sender",
            "@@ extra (domain): new list, 1 entries",
            "+new.example",
        ]
    );
    let j = d
        .run(&["diff", "old.mxl", "new.mxl", "--json"])
        .expect(1)
        .json();
    assert_eq!(j["equal"], false);
    let lists = j["lists"].as_array().unwrap();
    let by = |n: &str| lists.iter().find(|l| l["list"] == n).unwrap().clone();
    assert_eq!(by("bans")["status"], "changed");
    assert_eq!(by("bans")["added"][0], "zip new ban");
    assert_eq!(by("bans")["removed"][0], "!good.monster known sender");
    assert_eq!(by("ovh")["status"], "unchanged");
    assert_eq!(by("extra")["status"], "added");
    // The other way round: the list is removed.
    let j = d
        .run(&["diff", "new.mxl", "old.mxl", "--json"])
        .expect(1)
        .json();
    let lists = j["lists"].as_array().unwrap();
    assert_eq!(
        lists.iter().find(|l| l["list"] == "extra").unwrap()["status"],
        "removed"
    );
    // A changed default reason is a difference too.
    let m = String::from_utf8(d.read("m.toml"))
        .unwrap()
        .replace("OVH network", "OVH");
    d.write("m3.toml", m);
    d.write(
        "bans.txt",
        ".monster\n!good.monster known sender\nbücher.example  IDN entry\n",
    );
    d.build("m3.toml", "r.mxl", &[]).expect(0);
    let r = d.run(&["diff", "old.mxl", "r.mxl"]).expect(1);
    assert!(
        r.stdout
            .contains("default reason \"OVH network\" -> \"OVH\""),
        "{}",
        r.stdout
    );
    // Errors.
    d.run(&["diff", "old.mxl", "missing.mxl"]).expect(2);
}

#[test]
fn corrupt_artifacts_are_errors_never_crashes() {
    let d = Dir::new();
    let a = build_examples(&d);
    let good = std::fs::read(&a).unwrap();
    let bad = d.join("bad.mxl");
    let bad_s = bad.to_str().unwrap();
    let check = |bytes: &[u8], what: &str| {
        std::fs::write(&bad, bytes).unwrap();
        let v = run(&["verify", bad_s]);
        assert_eq!(v.code, 2, "verify must reject {what}: {v:#?}");
        assert!(v.stderr.contains(bad_s), "names the file: {}", v.stderr);
        // Lookups, info, dump and diff: an error or an answer, never a crash
        // (cli_support asserts no panic, no signal, status within 0..=3).
        run(&[
            "check",
            bad_s,
            "x@bad.monster",
            "51.68.0.1",
            "2001:41d0::1",
            "a@b.lan",
        ]);
        run(&["info", bad_s]);
        run(&["dump", bad_s]);
        run(&["diff", a.to_str().unwrap(), bad_s]);
    };
    check(b"", "an empty file");
    check(b"not an artifact at all, just text\n", "text");
    check(&good[..good.len() / 2], "a truncated file");
    check(&good[..40], "a truncated header");
    // Flip bytes all over the file, the header densely.
    let mut offsets: Vec<usize> = (0..64).step_by(3).collect();
    offsets.extend((64..good.len()).step_by(good.len() / 40));
    offsets.push(good.len() - 1);
    for at in offsets {
        let mut bytes = good.clone();
        bytes[at] ^= 0x5a;
        check(&bytes, &format!("a flipped byte at {at}"));
    }
    // An artifact is checked before lookups: the message says what is wrong.
    let mut bytes = good.clone();
    bytes[0] = b'X';
    std::fs::write(&bad, &bytes).unwrap();
    let r = run(&["check", bad_s, "x"]).expect(2);
    assert!(
        r.stderr.contains("corrupt") || r.stderr.contains("not an mxlists artifact"),
        "{}",
        r.stderr
    );
    // A folder is not an artifact.
    run(&["check", d.path().to_str().unwrap(), "x"]).expect(2);
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    for args in [
        &["bogus"][..],
        &[],
        &["check"],
        &["build", "m.toml"],
        &["check", "a.mxl", "--nope"],
        &["diff", "a.mxl"],
    ] {
        let r = run(args).expect(2);
        assert!(r.stderr.contains("Usage"), "{args:?}: {}", r.stderr);
    }
    let r = run(&["--help"]).expect(0);
    for cmd in [
        "build",
        "check",
        "info",
        "verify",
        "dump",
        "diff",
        "Examples:",
    ] {
        assert!(r.stdout.contains(cmd), "{cmd}");
    }
    for cmd in ["build", "check", "info", "verify", "dump", "diff"] {
        let r = run(&[cmd, "--help"]).expect(0);
        assert!(r.stdout.contains("Examples:"), "{cmd} --help has examples");
    }
    let r = run(&["check", "--help"]).expect(0);
    assert!(r.stdout.contains("invalid: WHY") && r.stdout.contains("Exit status"));
    let r = run(&["--version"]).expect(0);
    assert!(r.stdout.starts_with("mxlists "), "{}", r.stdout);
}

#[test]
fn bad_manifests_are_errors_naming_the_manifest() {
    let d = Dir::new();
    d.write(
        "bad.toml",
        "[[list]]\nname = \"Bad Name\"\nkind = \"domain\"\nsources = []\n",
    );
    let r = d.build("bad.toml", "out.mxl", &[]).expect(2);
    assert!(
        r.stderr.contains("bad.toml") || r.stderr.contains("Bad Name"),
        "{}",
        r.stderr
    );
    d.write("kind.toml", list("x", "colour", &["x.txt"], None, None));
    let r = d.build("kind.toml", "out.mxl", &[]).expect(2);
    assert!(r.stderr.contains("kind.toml"), "{}", r.stderr);
    d.write(
        "missing.toml",
        list("x", "domain", &["missing.txt"], None, None),
    );
    let r = d.build("missing.toml", "out.mxl", &[]).expect(2);
    assert!(r.stderr.contains("missing.txt"), "{}", r.stderr);
    d.build("nonexistent.toml", "out.mxl", &[]).expect(2);
    assert!(!d.join("out.mxl").exists());
}

/// The `check` and `dump` sessions shown in docs/cli.md, run against the examples:
/// the documented output is the real one.
#[test]
fn docs_examples_match_the_real_output() {
    let d = Dir::new();
    let a = build_examples(&d);
    let docs =
        std::fs::read_to_string(mxlists_tests::workspace_root().join("docs/cli.md")).unwrap();
    let mut lines = docs.lines().peekable();
    let mut sessions = 0;
    while let Some(line) = lines.next() {
        let Some(mut command) = line.strip_prefix("$ mxlists ").map(str::to_owned) else {
            continue;
        };
        while command.ends_with('\\') {
            command.pop();
            command += lines.next().unwrap().trim();
        }
        let args: Vec<&str> = command.split_whitespace().collect();
        if !matches!(args[0], "check" | "dump")
            || args[1] != "/tmp/lists.mxl"
            || args.iter().any(|a| a.contains(['|', '>', '$', '\'']))
        {
            continue;
        }
        let mut expected = Vec::new();
        while let Some(l) = lines.peek() {
            if l.is_empty() || l.starts_with('$') || l.starts_with("```") {
                break;
            }
            expected.push(lines.next().unwrap());
        }
        let mut real: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
        real[1] = a.clone().into_os_string();
        let r = run(&real);
        assert_eq!(r.lines(), expected, "docs/cli.md: $ mxlists {command}");
        sessions += 1;
    }
    assert!(sessions >= 4, "found {sessions} sessions in docs/cli.md");
}

/// A reason or value holding a TAB still gives exactly four fields a line.
#[test]
fn check_fields_never_hold_a_tab() {
    let d = Dir::new();
    d.write("bans.txt", "tab.example first\tsecond\n");
    d.write("m.toml", list("bans", "domain", &["bans.txt"], None, None));
    d.build("m.toml", "out.mxl", &[]).expect(0);
    let r = d.run_stdin(&["check", "out.mxl"], b"x@tab.example\n\tx@tab.example\t\n");
    let r = r.expect(0);
    for line in r.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "{line:?}");
        assert_eq!(fields[3], "first second");
    }
    let j = d
        .run(&["check", "out.mxl", "--json", "x@tab.example"])
        .expect(0)
        .json_lines();
    assert_eq!(
        j[0]["reason"], "first\tsecond",
        "JSON keeps the text as it is"
    );
}

/// Under a terminal (`script` gives the command a pseudo-terminal) the build
/// draws a progress bar of the files read; `--quiet` prints nothing at all.
#[test]
fn build_progress_bar_on_a_terminal_and_quiet() {
    let script = std::path::Path::new("/usr/bin/script");
    if !script.exists() {
        mxlists_tests::skip_or_fail("script (bsdutils)");
        return;
    }
    let d = Dir::new();
    small(&d);
    let bin = mxlists_tests::bin("mxlists");
    let out = d.join("out.mxl");
    let command = format!(
        "{} build {} -o {}",
        bin.display(),
        d.join("m.toml").display(),
        out.display()
    );
    let r = std::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{text}");
    assert!(
        text.contains("/2 files"),
        "a bar of the files read: {text:?}"
    );
    assert!(text.contains("content hash"), "{text:?}");
    assert!(!text.contains("panicked"));
    assert!(out.exists());
    let r = d.build("m.toml", "quiet.mxl", &["--quiet"]).expect(0);
    assert!(r.stdout.is_empty() && r.stderr.is_empty(), "{r:#?}");
    assert_eq!(d.read("quiet.mxl"), d.read("out.mxl"));
}

/// `mxlists check ... | head -1`: a closed standard output ends the command
/// quietly (no message, status 2), without a panic.
#[test]
fn check_stops_quietly_when_stdout_is_closed() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let d = Dir::new();
    let a = build_examples(&d);
    let mut child = Command::new(mxlists_tests::bin("mxlists"))
        .arg("check")
        .arg(&a)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let line = b"x@bad.monster\n".repeat(10_000);
        for _ in 0..100 {
            if stdin.write_all(&line).is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("x@bad.monster\ttld_bans\t"));
    // The reader is gone now.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `check -q` prints nothing, and its exit status answers.
#[test]
fn check_quiet_answers_by_exit_status() {
    let d = Dir::new();
    let a = build_examples(&d);
    let a = a.to_str().unwrap();
    let r = run(&["check", "-q", a, "user@example.com", "x@bad.monster"]).expect(0);
    assert!(r.stdout.is_empty() && r.stderr.is_empty());
    let r = run(&["check", "--quiet", a, "user@example.com", "a@@b"]).expect(1);
    assert!(r.stdout.is_empty());
    // From standard input too.
    let r = run_stdin(&["check", "-q", a], b"clean.example\nx@bad.monster\n").expect(0);
    assert!(r.stdout.is_empty());
    run(&["check", "-q", "--json", a, "x"]).expect(2);
    run(&["check", "-q", "--all", a, "x"]).expect(2);
}

/// A small deterministic random generator for the round-trip test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Random lists with awkward entries and reasons (`#` values, colons, tabs,
/// `!`, `<...>`, IDN, ranges) go through build, `dump --manifest` and build
/// again: always the same bytes.
#[test]
fn dump_round_trip_of_random_lists() {
    const REASONS: &[&str] = &[
        "",
        "",
        "",
        "plain reason",
        "#hash reason",
        ":colon first",
        "a:b",
        "tab\there",
        "ünïcödé",
        "!bang",
        "<angle>",
        "50% off",
        "\"quoted\"",
        "back\\slash",
    ];
    const LABELS: &[&str] = &[
        "a", "mx", "bücher", "xn--p1ai", "pop-os", "x-1", "0", "spam", "q",
    ];
    const TLDS: &[&str] = &[
        "com",
        "monster",
        "localdomain",
        "example",
        "xn--p1ai",
        "zip",
    ];
    const LOCALS: &[&str] = &["user", "#tag", "a.b", "x+y", "!bang", "o'neil", "Root"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..12 {
        let d = Dir::new();
        let name = |rng: &mut Rng| -> String {
            let mut n: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(LABELS)).collect();
            n.push(rng.pick(TLDS));
            n.join(".")
        };
        let mut files = [String::new(), String::new(), String::new(), String::new()];
        for _ in 0..40 {
            let bang = if rng.below(4) == 0 { "!" } else { "" };
            let reason = rng.pick(REASONS);
            let domain = name(&mut rng);
            let names = match rng.below(7) {
                0 => format!(".{domain}"),
                1 => format!("*.{domain}"),
                2 => format!("@{domain}"),
                3 => format!("<{}>", domain.to_uppercase()),
                4 => format!("={domain}"),
                _ => domain.clone(),
            };
            let sep = if rng.below(2) == 0 { " " } else { "\t" };
            files[0] += &format!("{bang}{names}{sep}{reason}\n");
            let email = match rng.below(3) {
                0 => format!("{}@{domain}", rng.pick(LOCALS)),
                _ => names.clone(),
            };
            // An address starting with `#` is written `<...>` in plain lists.
            let email = if email.starts_with('#') {
                format!("<{email}>")
            } else {
                email
            };
            files[1] += &format!("{bang}{email} {reason}\n");
            let ip = match rng.below(5) {
                0 => format!(
                    "10.{}.{}.{}",
                    rng.below(256),
                    rng.below(256),
                    rng.below(256)
                ),
                1 => format!("10.{}.0.0/{}", rng.below(256), 8 + rng.below(17)),
                2 => format!("2001:db8:{:x}::/{}", rng.below(65536), 32 + rng.below(40)),
                3 => format!(
                    "192.0.2.{}-192.0.2.{}",
                    rng.below(100),
                    100 + rng.below(100)
                ),
                _ => format!("::ffff:198.51.100.{}", rng.below(256)),
            };
            files[2] += &format!("{bang}{ip} {reason}\n");
            if bang.is_empty() {
                files[3] += &format!("{}\n", rng.pick(TLDS).to_uppercase());
            } else if rng.below(2) == 0 {
                files[3] += &format!("!={domain} {reason}\n");
            } else {
                files[3] += &format!("!{domain} {reason}\n");
            }
        }
        for (i, f) in files.iter().enumerate() {
            d.write(&format!("{i}.txt"), f);
        }
        d.write(
            "m.toml",
            [
                list("names", "domain", &["0.txt"], Some("plain"), Some("names")),
                list("emails", "email", &["1.txt"], Some("plain"), None),
                list("ips", "ip", &["2.txt"], Some("plain"), Some("ips")),
                list("tlds", "known_tlds", &["3.txt"], Some("plain"), None),
            ]
            .concat(),
        );
        d.build("m.toml", "one.mxl", &[]).expect(0);
        d.run(&["dump", "one.mxl", "--manifest", "dumped"])
            .expect(0);
        let r = d.build("dumped/mxlists.toml", "two.mxl", &[]);
        assert_eq!(r.code, 0, "case {case}: the dump does not build: {r:#?}");
        if d.read("one.mxl") != d.read("two.mxl") {
            let diff = d.run(&["diff", "one.mxl", "two.mxl"]);
            panic!(
                "case {case}: the round trip changed the lists:\n{}",
                diff.stdout
            );
        }
    }
}

/// Rebuilding an artifact while it is being read: every reader that opens the
/// path sees a whole artifact (old or new, `verify` passes), and a reader that
/// opened the old one keeps answering from it.
#[test]
fn rebuilds_never_show_readers_a_partial_file() {
    use std::io::{BufReader, Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    let d = Dir::new();
    let version = |n: usize| -> String {
        let mut t = format!(".monster gen {n}\n");
        for i in 0..(2000 + 500 * (n % 3)) {
            t += &format!("spam{i}.gen{n}.example\n");
        }
        t
    };
    d.write("bans.txt", version(0));
    d.write("m.toml", list("bans", "domain", &["bans.txt"], None, None));
    d.build("m.toml", "live.mxl", &[]).expect(0);
    let live = d.join("live.mxl");

    // A long-running reader of generation 0.
    let mut reader = Command::new(mxlists_tests::bin("mxlists"))
        .arg("check")
        .arg(&live)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_reader = reader.stdin.take().unwrap();
    let mut from_reader = BufReader::new(reader.stdout.take().unwrap());
    // Wait until the reader has mapped generation 0 (its answers are buffered
    // until the end, so they cannot tell).
    let maps = format!("/proc/{}/maps", reader.id());
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&maps).is_ok_and(|m| m.contains("live.mxl")) {
        assert!(
            started.elapsed().as_secs() < 20,
            "the reader never opened the artifact"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }

    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let verifier = s.spawn(|| {
            let mut runs = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = run(&["verify".as_ref(), live.as_os_str()]);
                assert_eq!(r.code, 0, "a reader saw a broken artifact: {r:#?}");
                runs += 1;
            }
            runs
        });
        for n in 1..=15 {
            d.write("bans.txt", version(n));
            d.build("m.toml", "live.mxl", &[]).expect(0);
        }
        stop.store(true, Ordering::Relaxed);
        assert!(verifier.join().unwrap() > 0);
    });
    // The old reader still answers from generation 0.
    writeln!(to_reader, "x@spam1.gen0.example\nx@spam1.gen15.example").unwrap();
    drop(to_reader);
    let mut rest = String::new();
    from_reader.read_to_string(&mut rest).unwrap();
    assert!(reader.wait().unwrap().success());
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), 2, "{rest}");
    assert!(
        lines[0].starts_with("x@spam1.gen0.example\tbans\tspam1.gen0.example"),
        "{rest}"
    );
    assert_eq!(lines[1], "x@spam1.gen15.example\t-");
    // A new reader sees the last generation.
    assert_eq!(
        verdict(&live, &[], "x@spam1.gen15.example").unwrap().1,
        "spam1.gen15.example"
    );
}

/// An output that cannot be written is an error naming it; nothing is left behind.
#[test]
fn build_errors_about_the_output() {
    let d = Dir::new();
    small(&d);
    let r = d.build("m.toml", "no/such/folder/out.mxl", &[]).expect(2);
    assert!(r.stderr.contains("no/such/folder"), "{}", r.stderr);
    std::fs::create_dir(d.join("a_folder")).unwrap();
    let r = d.build("m.toml", "a_folder", &[]).expect(2);
    assert!(r.stderr.contains("a_folder"), "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("tmp")), "{names:?}");
}
