//! Every source format through the real binary: one small, real-shaped sample
//! per format goes through `mxlists build` and is answered by `mxlists check`;
//! the same files with `format` left to `auto` give the same bytes; real public
//! downloads from the shared data folder build and answer.

mod cli_support;

use std::io::Write;

use cli_support::{hit, list, verdict, Dir, Verdict};

/// Writes one sample file per format into `d`.
fn write_samples(d: &Dir) {
    d.write(
        "plain_domains.txt",
        "\u{feff}# plain: BOM, comments, CRLF, reasons\r\n\
         .monster  mail from .monster is not accepted\r\n\
         !good.monster\r\n\
         \r\n\
         *.wild.example  subdomains only\r\n\
         no-reason.example",
    );
    d.write(
        "spam.lsearch",
        "# Exim lsearch\n\
         spam.example: listed in our lsearch\n\
         \x20 and continued here\n\
         \"quoted.example\": quoted key\n",
    );
    d.write(
        "relays.iplsearch",
        "# Exim iplsearch\n\
         192.0.2.0/24: test net one\n\
         \"2001:db8::/32\": documentation prefix\n",
    );
    d.write(
        "access",
        "# Postfix access\n\
         spammer.test     REJECT go away\n\
         friend.spammer.test OK\n\
         bulk.test        550 5.7.1 bulk mail refused\n",
    );
    d.write(
        "client.cidr",
        "# Postfix cidr:\n\
         198.51.100.0/24   554 no mail from this network\n\
         198.51.100.7      OK\n",
    );
    // A StopForumSpam email list, gzipped; `#` is data there.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"sfs.spammer@example.com\n#tag@example.com\n")
        .unwrap();
    d.write("listed_email_1.txt.gz", gz.finish().unwrap());
    // A StopForumSpam `_all` CSV (IPv4 and IPv6 rows), zipped with one member.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "listed_ip_1_all.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(
        b"\"203.0.113.5\",\"12\",\"2024-01-01 10:00:00\"\n\"2001:db8:5::\",\"3\",\"2024-01-02 11:00:00\"\n",
    )
    .unwrap();
    d.write("listed_ip_1_all.zip", zip.finish().unwrap().into_inner());
    d.write(
        "rbl.ip4set",
        "$TTL 3600\n\
         :127.0.0.2:Listed in our rbl\n\
         10.0.0.0/8\n\
         !10.1.2.3\n\
         172.16.5.9 :127.0.0.3:own text\n",
    );
    d.write(
        "rbl.dnset",
        "$SOA 3600 ns.example hostmaster.example 1 3600 600 86400 3600\n\
         :127.0.0.2:dnset listed\n\
         .rbl-domain.test\n\
         *.wildrbl.test\n",
    );
    d.write(
        "drop.txt",
        "; Spamhaus DROP List 2024/01/01 - (c) 2024 The Spamhaus Project\n\
         ; Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\n\
         1.10.16.0/20 ; SBL256894\n\
         2.56.192.0/22 ; SBL459831\n",
    );
    d.write(
        "drop_v6.json",
        "{\"cidr\":\"2a06:5280::/29\",\"sblid\":\"SBL579539\",\"rir\":\"ripencc\"}\n\
         {\"type\":\"metadata\",\"timestamp\":1704067200,\"size\":1,\"records\":1}\n",
    );
    d.write(
        "routes.whois",
        "% This is the RIPE Database query service.\n\
         % Information related to '51.68.0.0/16AS16276'\n\
         \n\
         route:          51.68.0.0/16\n\
         descr:          OVH\n\
         origin:         AS16276\n\
         source:         RIPE\n\
         \n\
         route6:         2001:41d0::/32\n\
         origin:         AS16276\n",
    );
    d.write(
        "routes2.whois",
        "route:          51.68.0.0/16\n\
         origin:         AS16276\n\
         source:         RADB\n",
    );
    d.write(
        "tlds-alpha-by-domain.txt",
        "# Version 2026010100, Last Updated Thu Jan  1 07:07:01 2026 UTC\n\
         COM\nEXAMPLE\nNET\nMONSTER\nTEST\nXN--P1AI\n",
    );
}

/// A manifest with one list per format; `explicit` sets `format`, otherwise
/// `auto` picks.
fn manifest(explicit: bool) -> String {
    let f = |name: &'static str| explicit.then_some(name);
    [
        list(
            "plain",
            "domain",
            &["plain_domains.txt"],
            f("plain"),
            Some("plain list"),
        ),
        list("exim", "domain", &["spam.lsearch"], f("exim"), None),
        list("exim_ip", "ip", &["relays.iplsearch"], f("exim"), None),
        list("postfix", "domain", &["access"], f("postfix"), None),
        list("postfix_ip", "ip", &["client.cidr"], f("postfix"), None),
        list(
            "sfs",
            "email",
            &["listed_email_1.txt.gz"],
            f("sfs"),
            Some("StopForumSpam"),
        ),
        list(
            "sfs_ip",
            "ip",
            &["listed_ip_1_all.zip"],
            f("sfs"),
            Some("StopForumSpam IP"),
        ),
        list("rbl", "ip", &["rbl.ip4set"], f("rbldnsd"), None),
        list("rbl_names", "domain", &["rbl.dnset"], f("rbldnsd"), None),
        list("drop", "ip", &["drop.txt", "drop_v6.json"], f("drop"), None),
        list("irr", "ip", &["routes*.whois"], f("irr"), Some("OVH route")),
        list(
            "tlds",
            "known_tlds",
            &["tlds-alpha-by-domain.txt"],
            f("iana"),
            Some("unknown TLD"),
        ),
    ]
    .concat()
}

#[test]
fn every_format_builds_and_answers() {
    let d = Dir::new();
    write_samples(&d);
    d.write("explicit.toml", manifest(true));
    let r = d.build("explicit.toml", "explicit.mxl", &[]).expect(0);
    for name in [
        "plain", "exim", "postfix", "sfs", "rbldnsd", "drop", "irr", "iana",
    ] {
        assert!(
            r.stdout.contains(name),
            "summary names format {name}: {}",
            r.stdout
        );
    }
    let a = d.join("explicit.mxl");
    let only = |l: &'static str| ["--list", l];
    let cases: &[(&[&str], &str, Verdict)] = &[
        // plain
        (
            &only("plain"),
            "x@bad.monster",
            hit("plain", "monster", "mail from .monster is not accepted"),
        ),
        (&only("plain"), "x@good.monster", None),
        (
            &only("plain"),
            "a.wild.example",
            hit("plain", "*.wild.example", "subdomains only"),
        ),
        (&only("plain"), "wild.example", None),
        (
            &only("plain"),
            "x@no-reason.example",
            hit("plain", "no-reason.example", "plain list"),
        ),
        (
            &only("plain"),
            "bücher.monster",
            hit("plain", "monster", "mail from .monster is not accepted"),
        ),
        (
            &only("plain"),
            "plain.monster",
            hit("plain", "monster", "mail from .monster is not accepted"),
        ),
        // exim lsearch: data is the reason, continuation lines included; a
        // bare key is that name only
        (
            &only("exim"),
            "user@spam.example",
            hit(
                "exim",
                "=spam.example",
                "listed in our lsearch and continued here",
            ),
        ),
        (&only("exim"), "user@sub.spam.example", None),
        (
            &only("exim"),
            "quoted.example",
            hit("exim", "=quoted.example", "quoted key"),
        ),
        // exim iplsearch, quoted IPv6 key
        (
            &only("exim_ip"),
            "192.0.2.77",
            hit("exim_ip", "192.0.2.0/24", "test net one"),
        ),
        (
            &only("exim_ip"),
            "2001:db8::25",
            hit("exim_ip", "2001:db8::/32", "documentation prefix"),
        ),
        // postfix access: REJECT text and 5xx text are reasons, OK excludes
        (
            &only("postfix"),
            "a@spammer.test",
            hit("postfix", "spammer.test", "go away"),
        ),
        (&only("postfix"), "a@friend.spammer.test", None),
        (
            &only("postfix"),
            "bulk.test",
            hit("postfix", "bulk.test", "5.7.1 bulk mail refused"),
        ),
        // postfix cidr
        (
            &only("postfix_ip"),
            "198.51.100.8",
            hit("postfix_ip", "198.51.100.0/24", "no mail from this network"),
        ),
        (&only("postfix_ip"), "198.51.100.7", None),
        // sfs, gzipped plain list with `#` as data
        (
            &only("sfs"),
            "SFS.Spammer@Example.com",
            hit("sfs", "sfs.spammer@example.com", "StopForumSpam"),
        ),
        (
            &only("sfs"),
            "#tag@example.com",
            hit("sfs", "#tag@example.com", "StopForumSpam"),
        ),
        // sfs `_all` CSV in a zip
        (
            &only("sfs_ip"),
            "203.0.113.5",
            hit("sfs_ip", "203.0.113.5", "StopForumSpam IP"),
        ),
        (
            &only("sfs_ip"),
            "2001:db8:5::",
            hit("sfs_ip", "2001:db8:5::", "StopForumSpam IP"),
        ),
        (&only("sfs_ip"), "203.0.113.6", None),
        // rbldnsd ip4set: default value line, exclusion, own value
        (
            &only("rbl"),
            "10.9.9.9",
            hit("rbl", "10.0.0.0/8", "Listed in our rbl"),
        ),
        (&only("rbl"), "10.1.2.3", None),
        (
            &only("rbl"),
            "172.16.5.9",
            hit("rbl", "172.16.5.9", "own text"),
        ),
        // rbldnsd dnset
        (
            &only("rbl_names"),
            "mx.rbl-domain.test",
            hit("rbl_names", "rbl-domain.test", "dnset listed"),
        ),
        (
            &only("rbl_names"),
            "a.wildrbl.test",
            hit("rbl_names", "*.wildrbl.test", "dnset listed"),
        ),
        (&only("rbl_names"), "wildrbl.test", None),
        // drop: text and JSON lines, SBL id as reason
        (
            &only("drop"),
            "1.10.20.1",
            hit("drop", "1.10.16.0/20", "SBL256894"),
        ),
        (
            &only("drop"),
            "2a06:5280::1",
            hit("drop", "2a06:5280::/29", "SBL579539"),
        ),
        // irr: route and route6 objects, duplicate across two files
        (
            &only("irr"),
            "51.68.1.1",
            hit("irr", "51.68.0.0/16", "OVH route"),
        ),
        (
            &only("irr"),
            "2001:41d0::1",
            hit("irr", "2001:41d0::/32", "OVH route"),
        ),
        // iana: a name hits when its TLD is not known
        (
            &only("tlds"),
            "root@pop-os.localdomain",
            hit("tlds", "localdomain", "unknown TLD"),
        ),
        (&only("tlds"), "x@example.com", None),
        (&only("tlds"), "пример.рф", None),
    ];
    for (extra, value, expected) in cases {
        assert_eq!(
            &verdict(&a, extra, value),
            expected,
            "{value} with {extra:?}"
        );
    }
    // The IRR duplicate is one entry.
    let info = d.run(&["info", "explicit.mxl", "--json"]).expect(0).json();
    let irr = info["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "irr")
        .unwrap();
    assert_eq!(irr["entries"], 2, "{irr}");
}

#[test]
fn auto_picks_the_same_formats() {
    let d = Dir::new();
    write_samples(&d);
    d.write("explicit.toml", manifest(true));
    d.write("auto.toml", manifest(false));
    d.build("explicit.toml", "explicit.mxl", &[]).expect(0);
    let r = d.build("auto.toml", "auto.mxl", &[]).expect(0);
    assert!(
        r.stdout.contains("(auto)"),
        "auto says what it picked: {}",
        r.stdout
    );
    assert_eq!(d.read("explicit.mxl"), d.read("auto.mxl"));
}

/// Real public downloads (../shared/data): StopForumSpam zip and CSV, OVH
/// prefixes in two unsorted, overlapping layouts, the IANA TLD list, and the
/// toxic-domains list with its odd lines (skipped with --skip-invalid).
#[test]
fn real_downloads_build_and_answer() {
    let Some(data) = mxlists_tests::shared_data() else {
        return;
    };
    let d = Dir::new();
    let p = |f: &str| data.join(f).display().to_string();
    let m = [
        list(
            "sfs_ip",
            "ip",
            &[&p("sfs-listed_ip_7.zip"), &p("sfs-sample_denylist_all.txt")],
            Some("sfs"),
            None,
        ),
        list(
            "ovh",
            "ip",
            &[
                &p("ovh-as16276-ipv4.txt"),
                &p("ovh-ipranges-ipv4.txt"),
                &p("ovh-ipranges-ipv6.txt"),
            ],
            Some("plain"),
            None,
        ),
        list(
            "toxic",
            "domain",
            &[&p("sfs-toxic_domains_whole.txt")],
            Some("sfs"),
            None,
        ),
        list(
            "tlds",
            "known_tlds",
            &[&p("iana-tlds-alpha-by-domain.txt")],
            Some("iana"),
            None,
        ),
    ]
    .concat();
    d.write("real.toml", m);
    // toxic_domains has lines that are not domains: an error naming each one...
    let r = d.build("real.toml", "real.mxl", &[]).expect(2);
    assert!(
        r.stderr.contains("sfs-toxic_domains_whole.txt:25771:"),
        "names the bad line: {}",
        r.stderr
    );
    assert!(!d.join("real.mxl").exists());
    // ... and with --skip-invalid they are dropped and counted.
    let r = d
        .build("real.toml", "real.mxl", &["--skip-invalid"])
        .expect(0);
    assert!(
        r.stderr.contains("sfs-toxic_domains_whole.txt: skipped"),
        "{}",
        r.stderr
    );
    let a = d.join("real.mxl");
    // The zip holds the same IPs as the text download; one of them, and one of
    // the CSV's IPv6 rows.
    let first_ip = std::fs::read_to_string(data.join("sfs-listed_ip_7.txt")).unwrap();
    let first_ip = first_ip.lines().next().unwrap().trim();
    assert_eq!(verdict(&a, &[], first_ip).unwrap().0, "sfs_ip");
    assert_eq!(verdict(&a, &[], "2a02:4780:8:d::").unwrap().0, "sfs_ip");
    // OVH: the nested /16 inside a /15 and an address of the v6 file.
    assert_eq!(
        verdict(&a, &["--list", "ovh"], "141.94.0.1").unwrap().0,
        "ovh"
    );
    let v6 = std::fs::read_to_string(data.join("ovh-ipranges-ipv6.txt")).unwrap();
    let prefix = v6
        .lines()
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        verdict(&a, &["--list", "ovh"], &prefix)
            .unwrap()
            .1
            .split('/')
            .next(),
        Some(prefix.as_str())
    );
    // toxic domains: the entry without a final newline, the one with a trailing dot.
    let toxic = std::fs::read_to_string(data.join("sfs-toxic_domains_whole.txt")).unwrap();
    let last = toxic.lines().last().unwrap();
    assert_eq!(verdict(&a, &["--list", "toxic"], last).unwrap().1, last);
    assert_eq!(
        verdict(&a, &["--list", "toxic"], "x@76gmail.com")
            .unwrap()
            .1,
        "76gmail.com"
    );
    // IANA: an IDN TLD is known, .localdomain is not.
    assert_eq!(verdict(&a, &["--list", "tlds"], "пример.рф"), None);
    assert_eq!(
        verdict(&a, &["--list", "tlds"], "root@pop-os.localdomain")
            .unwrap()
            .1,
        "localdomain"
    );
}
