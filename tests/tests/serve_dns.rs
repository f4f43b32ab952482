//! `mxlists serve` as a DNSBL/RHSBL server, asked by a real client (`dig`) on
//! loopback: A, TXT, SOA, NS, NXDOMAIN, empty non-terminals, REFUSED (outside
//! the zones and from a client the ACL does not allow), TCP, truncation,
//! IPv6 nibbles, the RFC 5782 test points, EDNS, and agreement with
//! `mxlists check --allow` on every value.
//!
//! Each test builds an artifact, writes a configuration beside it and starts
//! the server on a free port (the port is read from its start line).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use mxlists_core::{write_atomic, Artifact};
use mxlists_tests::bin;
use mxlists_tests::serve::{dig, dig_bin, lists, reversed, DigAnswer, Served};

/// A temporary site: the artifact and a configuration.
struct Site {
    dir: tempfile::TempDir,
    dig: PathBuf,
}

const ZONES: &str = r#"
[[zone]]
name = "bl.mxrbl.test"
lists = ["mxrbl_whitelist", "ovh", "sfs_ips"]
allow_lists = ["mxrbl_whitelist"]
txt = "$ listed by {list}: {reason}"
ns = ["ns1.mxrbl.test", "ns2.mxrbl.test"]
hostmaster = "dnsbl@mxrbl.test"
[zone.answers]
ovh = "127.0.0.3"

[[zone]]
name = "dbl.mxrbl.test"
lists = ["tld_bans", "invalid_domains"]
txt = "{value} is listed by {list} ({entry}): {reason}"

[[zone]]
name = "long.mxrbl.test"
lists = ["tld_bans"]
txt = "{reason} ................................................................................................................................................................................................................................................................... end"
"#;

impl Site {
    fn new() -> Option<Site> {
        let dig = dig_bin()?;
        let dir = tempfile::tempdir().unwrap();
        write_atomic(&dir.path().join("lists.mxl"), &lists(1)).unwrap();
        Some(Site { dir, dig })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a configuration with `head` (top-level keys) and the zones.
    fn config(&self, head: &str) -> PathBuf {
        let p = self.path().join("serve.toml");
        std::fs::write(
            &p,
            format!("artifact = \"lists.mxl\"\nlisten = [\"127.0.0.1:0\"]\n{head}\n{ZONES}"),
        )
        .unwrap();
        p
    }

    fn serve(&self, head: &str) -> Served {
        Served::start(&self.config(head))
    }

    fn ask(&self, s: &Served, args: &[&str]) -> DigAnswer {
        dig(&self.dig, s.dns.expect("dns address"), args)
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn listed_addresses_get_a_and_txt() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let q = reversed(ip("51.68.1.5"), "bl.mxrbl.test");
    let a = site.ask(&s, &[&q, "A"]);
    assert_eq!(a.status, "NOERROR", "{}", a.text);
    assert!(a.has_flag("aa"), "{}", a.text);
    assert!(!a.has_flag("ra"), "no recursion: {}", a.text);
    assert_eq!(a.data("A"), ["127.0.0.3"], "ovh's own answer: {}", a.text);
    assert_eq!(a.answer[0].ttl, 300);
    let t = site.ask(&s, &[&q, "TXT"]);
    assert_eq!(
        t.data("TXT"),
        ["\"51.68.1.5 listed by ovh: OVH network\""],
        "{}",
        t.text
    );
    // A list without its own answer gets the zone's.
    let q = reversed(ip("203.0.113.7"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).data("A"), ["127.0.0.2"]);
    // Whitelisted (allow_lists) inside the OVH range: not listed.
    let q = reversed(ip("51.68.10.3"), "bl.mxrbl.test");
    let n = site.ask(&s, &[&q, "A"]);
    assert_eq!(n.status, "NXDOMAIN", "{}", n.text);
    assert!(n.answer.is_empty());
    assert_eq!(n.authority.len(), 1);
    assert_eq!(n.authority[0].rtype, "SOA");
    // Just outside the whitelisted /28: listed again.
    let q = reversed(ip("51.68.10.16"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).data("A"), ["127.0.0.3"]);
    // Not in any list.
    let q = reversed(ip("192.0.2.1"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).status, "NXDOMAIN");
}

#[test]
fn ipv6_nibbles() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let q = reversed(ip("2001:41d0:1::25"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).data("A"), ["127.0.0.3"]);
    let t = site.ask(&s, &[&q, "TXT"]);
    assert_eq!(
        t.data("TXT"),
        ["\"2001:41d0:1::25 listed by ovh: OVH network\""]
    );
    // Upper-case nibbles are the same name.
    let upper = q.replace("d.1.4", "D.1.4");
    assert_eq!(site.ask(&s, &[&upper, "A"]).data("A"), ["127.0.0.3"]);
    // The whitelisted /64.
    let q = reversed(ip("2001:41d0:303:1::25"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).status, "NXDOMAIN");
    let q = reversed(ip("2001:db8::7"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).data("A"), ["127.0.0.2"]);
    // IPv4-mapped IPv6 is the IPv4 address, as everywhere.
    let q = reversed(ip("::ffff:51.68.1.5"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&q, "A"]).data("A"), ["127.0.0.3"]);
    // 31 nibbles: on the way to complete names.
    let partial = q.split_once('.').unwrap().1;
    let e = site.ask(&s, &[partial, "A"]);
    assert_eq!(e.status, "NOERROR", "{}", e.text);
    assert!(e.answer.is_empty());
}

#[test]
fn apex_soa_ns_and_serial() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("ttl = 600");
    let hash = Artifact::open(site.path().join("lists.mxl"))
        .unwrap()
        .content_hash();
    let serial = u32::from_str_radix(&hash[..8], 16).unwrap().to_string();
    let soa = site.ask(&s, &["bl.mxrbl.test", "SOA"]);
    assert_eq!(soa.status, "NOERROR");
    assert!(soa.has_flag("aa"));
    let data = soa.data("SOA")[0].clone();
    let fields: Vec<&str> = data.split(' ').collect();
    assert_eq!(fields[0], "ns1.mxrbl.test.");
    assert_eq!(fields[1], "dnsbl.mxrbl.test.");
    assert_eq!(
        fields[2], serial,
        "serial = first 32 bits of the content hash"
    );
    assert_eq!(fields[6], "600", "minimum = ttl");
    let ns = site.ask(&s, &["bl.mxrbl.test", "NS"]);
    let mut names = ns.data("NS");
    names.sort();
    assert_eq!(names, ["ns1.mxrbl.test.", "ns2.mxrbl.test."]);
    // The apex has no A: no data, not NXDOMAIN.
    let a = site.ask(&s, &["bl.mxrbl.test", "A"]);
    assert_eq!(a.status, "NOERROR");
    assert!(a.answer.is_empty());
    assert_eq!(a.authority[0].rtype, "SOA");
    assert_eq!(a.authority[0].ttl, 600);
    // Default NS and hostmaster of a zone that names none.
    let soa = site.ask(&s, &["dbl.mxrbl.test", "SOA"]);
    assert!(soa.data("SOA")[0].contains(" hostmaster.dbl.mxrbl.test. "));
}

#[test]
fn empty_non_terminals_nxdomain_and_other_types() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    for name in [
        "51.bl.mxrbl.test",
        "68.51.bl.mxrbl.test",
        "1.68.51.bl.mxrbl.test",
    ] {
        let a = site.ask(&s, &[name, "A"]);
        assert_eq!(a.status, "NOERROR", "{name}: {}", a.text);
        assert!(a.answer.is_empty(), "{name}");
        assert_eq!(a.authority[0].rtype, "SOA", "{name}");
    }
    for name in [
        "www.bl.mxrbl.test",
        "1.1.68.52.bl.mxrbl.test",
        "300.1.68.51.bl.mxrbl.test",
        "x.5.1.68.51.bl.mxrbl.test",
    ] {
        let a = site.ask(&s, &[name, "A"]);
        assert_eq!(a.status, "NXDOMAIN", "{name}: {}", a.text);
        assert_eq!(a.authority[0].rtype, "SOA", "{name}");
    }
    // A listed name asked for another type: no data.
    let q = reversed(ip("51.68.1.5"), "bl.mxrbl.test");
    for t in ["AAAA", "MX", "SOA"] {
        let a = site.ask(&s, &[&q, t]);
        assert_eq!(a.status, "NOERROR", "{t}: {}", a.text);
        assert!(a.answer.is_empty(), "{t}");
        assert_eq!(a.authority[0].rtype, "SOA");
    }
    // ANY gets one RRset (RFC 8482).
    let any = site.ask(&s, &[&q, "ANY"]);
    assert_eq!(any.answer.len(), 1, "{}", any.text);
    assert_eq!(any.data("A"), ["127.0.0.3"]);
}

#[test]
fn rhsbl_names() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let a = site.ask(&s, &["foo.monster.dbl.mxrbl.test", "TXT"]);
    assert_eq!(
        a.data("TXT"),
        ["\"foo.monster is listed by tld_bans (monster): mail from this TLD is not accepted here\""],
        "{}",
        a.text
    );
    assert_eq!(
        site.ask(&s, &["SUB.FOO.Monster.dbl.mxrbl.test", "A"])
            .data("A"),
        ["127.0.0.2"]
    );
    assert_eq!(
        site.ask(&s, &["good.monster.dbl.mxrbl.test", "A"]).status,
        "NXDOMAIN"
    );
    // IDN arrives as A-labels.
    let a = site.ask(&s, &["shop.xn--bcher-kva.example.dbl.mxrbl.test", "TXT"]);
    assert!(
        a.data("TXT")[0].contains("(xn--bcher-kva.example)"),
        "{}",
        a.text
    );
    assert_eq!(
        site.ask(&s, &["pop-os.localdomain.dbl.mxrbl.test", "A"])
            .data("A"),
        ["127.0.0.2"]
    );
    assert_eq!(
        site.ask(&s, &["example.com.dbl.mxrbl.test", "A"]).status,
        "NXDOMAIN"
    );
    // Labels that cannot be a domain: not listed.
    assert_eq!(
        site.ask(&s, &["a\\032b.monster.dbl.mxrbl.test", "A"])
            .status,
        "NXDOMAIN"
    );
}

#[test]
fn rfc5782_test_points() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let a = site.ask(&s, &["2.0.0.127.bl.mxrbl.test", "A"]);
    assert_eq!(a.data("A"), ["127.0.0.2"], "{}", a.text);
    let t = site.ask(&s, &["2.0.0.127.bl.mxrbl.test", "TXT"]);
    assert_eq!(
        t.data("TXT"),
        ["\"127.0.0.2 listed by test: RFC 5782 test point\""]
    );
    assert_eq!(
        site.ask(&s, &["1.0.0.127.bl.mxrbl.test", "A"]).status,
        "NXDOMAIN"
    );
    let v6 = reversed(ip("::ffff:7f00:2"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&v6, "A"]).data("A"), ["127.0.0.2"]);
    let v6 = reversed(ip("::ffff:7f00:1"), "bl.mxrbl.test");
    assert_eq!(site.ask(&s, &[&v6, "A"]).status, "NXDOMAIN");
    assert_eq!(
        site.ask(&s, &["test.dbl.mxrbl.test", "A"]).data("A"),
        ["127.0.0.2"]
    );
    assert_eq!(
        site.ask(&s, &["invalid.dbl.mxrbl.test", "A"]).status,
        "NXDOMAIN"
    );
}

#[test]
fn refused_outside_the_zones_and_for_other_classes() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    for name in ["example.com", "mxrbl.test", "test", "."] {
        let a = site.ask(&s, &[name, "A"]);
        assert_eq!(a.status, "REFUSED", "{name}: {}", a.text);
        assert!(!a.has_flag("aa"));
    }
    let ch = site.ask(&s, &["version.bind", "CH", "TXT"]);
    assert_eq!(ch.status, "REFUSED");
    let ch = site.ask(&s, &["bl.mxrbl.test", "CH", "SOA"]);
    assert_eq!(ch.status, "REFUSED");
    let axfr = site.ask(&s, &["bl.mxrbl.test", "AXFR", "+tcp"]);
    assert!(
        axfr.text.contains("Transfer failed") || axfr.status == "REFUSED",
        "{}",
        axfr.text
    );
}

#[test]
fn clients_outside_allow_are_refused() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("allow = [\"127.0.0.2/32\"]");
    let q = reversed(ip("51.68.1.5"), "bl.mxrbl.test");
    let refused = site.ask(&s, &[&q, "A"]);
    assert_eq!(refused.status, "REFUSED", "{}", refused.text);
    let refused = site.ask(&s, &[&q, "A", "+tcp"]);
    assert_eq!(refused.status, "REFUSED", "{}", refused.text);
    // The same query from 127.0.0.2 (an allowed source address).
    let allowed = site.ask(&s, &["-b", "127.0.0.2", &q, "A"]);
    assert_eq!(allowed.data("A"), ["127.0.0.3"], "{}", allowed.text);
}

#[test]
fn tcp_and_truncation() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let q = reversed(ip("51.68.1.5"), "bl.mxrbl.test");
    let t = site.ask(&s, &[&q, "TXT", "+tcp"]);
    assert!(t.text.contains("(TCP)"), "{}", t.text);
    assert_eq!(t.data("TXT"), ["\"51.68.1.5 listed by ovh: OVH network\""]);

    // A name of 249 bytes and a TXT cut to 255 bytes: 533 bytes, more than
    // the 512 of a UDP client without EDNS.
    let long = format!(
        "{}.{}.{}.{}.monster.long.mxrbl.test",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(31)
    );
    let udp = site.ask(&s, &[&long, "TXT", "+noedns", "+ignore"]);
    assert_eq!(udp.status, "NOERROR", "{}", udp.text);
    assert!(udp.has_flag("tc"), "truncated over UDP: {}", udp.text);
    assert!(udp.answer.is_empty(), "{}", udp.text);
    let tcp = site.ask(&s, &[&long, "TXT", "+noedns", "+tcp"]);
    assert!(!tcp.has_flag("tc"), "{}", tcp.text);
    let txt = &tcp.data("TXT")[0];
    assert_eq!(txt.len(), 255 + 2, "255 bytes and the quotes: {txt}");
    assert!(txt.starts_with("\"mail from this TLD is not accepted here ...."));
    // With EDNS the whole answer fits in UDP.
    let edns = site.ask(&s, &[&long, "TXT", "+bufsize=1232"]);
    assert!(!edns.has_flag("tc"), "{}", edns.text);
    assert_eq!(edns.data("TXT").len(), 1);
    // dig falls back to TCP on TC by itself.
    let fallback = site.ask(&s, &[&long, "TXT", "+noedns"]);
    assert_eq!(fallback.data("TXT").len(), 1, "{}", fallback.text);
}

#[test]
fn edns() {
    let Some(site) = Site::new() else { return };
    let s = site.serve("");
    let q = reversed(ip("51.68.1.5"), "bl.mxrbl.test");
    let a = site.ask(&s, &[&q, "A", "+bufsize=4096"]);
    assert!(a.text.contains("udp: 1232"), "{}", a.text);
    let a = site.ask(&s, &[&q, "A", "+bufsize=100"]);
    assert!(a.text.contains("udp: 512"), "{}", a.text);
    assert_eq!(a.data("A"), ["127.0.0.3"]);
    let v1 = site.ask(&s, &[&q, "A", "+edns=1", "+noednsnegotiation"]);
    assert_eq!(v1.status, "BADVERS", "{}", v1.text);
    let plain = site.ask(&s, &[&q, "A", "+noedns"]);
    assert!(!plain.text.contains("OPT PSEUDOSECTION"), "{}", plain.text);
    assert_eq!(plain.data("A"), ["127.0.0.3"]);
}

/// `mxlists check --list LISTS --allow ALLOW` answers every value as the
/// zones do: the same list, entry, reason and normalized value.
#[test]
fn check_agrees_with_the_zones() {
    let Some(site) = Site::new() else { return };
    let config = site.path().join("serve.toml");
    std::fs::write(
        &config,
        r#"
artifact = "lists.mxl"
listen = ["127.0.0.1:0"]
[[zone]]
name = "bl.mxrbl.test"
lists = ["mxrbl_whitelist", "ovh", "sfs_ips"]
allow_lists = ["mxrbl_whitelist"]
txt = "{list}|{entry}|{reason}|{value}"
[[zone]]
name = "dbl.mxrbl.test"
lists = ["tld_bans", "invalid_domains"]
txt = "{list}|{entry}|{reason}|{value}"
"#,
    )
    .unwrap();
    let s = Served::start(&config);
    let ips = [
        "51.68.1.5",
        "51.68.10.3",
        "51.68.10.15",
        "51.68.10.16",
        "51.75.255.255",
        "51.76.0.0",
        "203.0.113.7",
        "203.0.113.8",
        "2001:41d0::1",
        "2001:41d0:303:1::1",
        "2001:41d0:303:2::1",
        "2001:db8::7",
        "::ffff:51.68.1.5",
        "::ffff:51.68.10.1",
        "192.0.2.1",
    ];
    let names = [
        "foo.monster",
        "Good.Monster",
        "x.good.monster",
        "monster",
        "xn--bcher-kva.example",
        "a.xn--bcher-kva.example",
        "pop-os.localdomain",
        "localdomain",
        "example.com",
        "x-y.example",
    ];
    let check = |lists: &str, allow: &str, values: &[&str]| -> Vec<Option<String>> {
        let mut c = Command::new(bin("mxlists"));
        c.arg("check")
            .arg(site.path().join("lists.mxl"))
            .args(["--list", lists, "--json"]);
        if !allow.is_empty() {
            c.args(["--allow", allow]);
        }
        let out = c.arg("--").args(values).output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["listed"].as_bool().unwrap().then(|| {
                    format!(
                        "{}|{}|{}|{}",
                        v["list"].as_str().unwrap(),
                        v["entry"].as_str().unwrap(),
                        v["reason"].as_str().unwrap(),
                        v["normalized"].as_str().unwrap()
                    )
                })
            })
            .collect()
    };
    let dns = |name: &str| -> Option<String> {
        let a = site.ask(&s, &[name, "TXT"]);
        match a.status.as_str() {
            "NXDOMAIN" => None,
            "NOERROR" => Some(a.data("TXT")[0].trim_matches('"').to_owned()),
            other => panic!("{name}: {other}\n{}", a.text),
        }
    };
    let want = check("mxrbl_whitelist,ovh,sfs_ips", "mxrbl_whitelist", &ips);
    let mut listed = 0;
    for (v, want) in ips.iter().zip(&want) {
        let got = dns(&reversed(ip(v), "bl.mxrbl.test"));
        assert_eq!(&got, want, "{v}");
        listed += usize::from(got.is_some());
    }
    let want = check("tld_bans,invalid_domains", "", &names);
    for (v, want) in names.iter().zip(&want) {
        let got = dns(&format!("{v}.dbl.mxrbl.test"));
        assert_eq!(&got, want, "{v}");
        listed += usize::from(got.is_some());
    }
    assert!(listed >= 10, "the values exercise both answers");
}
