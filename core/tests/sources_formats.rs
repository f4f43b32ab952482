//! Each source format, read through a manifest from the real-shaped samples in
//! `tests/data/`, checked by the answers of the artifact it builds.

use std::io::Write;
use std::path::{Path, PathBuf};

use mxlists_core::sources::{compile, BuildOptions, BuildReport, Format, Manifest};
use mxlists_core::{Artifact, Error, Outcome};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Compiles one list of `kind` from `source` (relative to `dir`).
fn compile_in(
    dir: &Path,
    kind: &str,
    sources: &[&str],
    format: Option<&str>,
) -> mxlists_core::Result<BuildReport> {
    let sources: Vec<String> = sources.iter().map(|s| format!("{s:?}")).collect();
    let format = format
        .map(|f| format!("format = {f:?}\n"))
        .unwrap_or_default();
    let toml = format!(
        "[[list]]\nname = \"l\"\nkind = \"{kind}\"\nsources = [{}]\nreason = \"default reason\"\n{format}",
        sources.join(", ")
    );
    let manifest = Manifest::parse(&toml, dir.join("mxlists.toml"))?;
    compile(&manifest, &BuildOptions::default())
}

fn one(kind: &str, source: &str) -> (Artifact, BuildReport) {
    let report =
        compile_in(&data(), kind, &[source], None).unwrap_or_else(|e| panic!("{source}: {e}"));
    let art = Artifact::from_bytes(report.built.bytes.clone()).unwrap();
    (art, report)
}

/// The entry and reason of the first hit, or `None`.
fn hit(art: &Artifact, value: &str) -> Option<(String, String)> {
    match art.check(value).unwrap() {
        Outcome::Listed(h) => Some((h.entry.clone(), h.reason.clone())),
        Outcome::NotListed => None,
        Outcome::Invalid(e) => panic!("{value}: invalid query: {e}"),
    }
}

fn reason(art: &Artifact, value: &str) -> Option<String> {
    hit(art, value).map(|(_, r)| r)
}

#[test]
fn plain_with_bom_crlf_comments_and_no_final_newline() {
    let (art, report) = one("domain", "plain_tld_bans.txt");
    let f = &report.files[0];
    assert_eq!((f.format, f.detected), (Format::Plain, true));
    assert_eq!(f.entries, 5);
    assert_eq!(
        hit(&art, "x@bad.monster"),
        Some(("monster".into(), "default reason".into()))
    );
    assert_eq!(hit(&art, "x@good.monster"), None);
    assert_eq!(
        reason(&art, "photos.zip").as_deref(),
        Some("lookalike of a file name")
    );
    assert_eq!(hit(&art, "click"), None);
    assert!(hit(&art, "a.click").is_some());
    // The last line has no newline and is an IDN TLD in A-label form.
    assert!(hit(&art, "u@shop.онлайн").is_some());
    assert_eq!(report.lists()[0].entries, 4);
    assert_eq!(report.lists()[0].exclusions, 1);
}

#[test]
fn exim_lsearch_keys_quotes_and_continuations() {
    let (art, report) = one("email", "exim_senders.lsearch");
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Exim, true)
    );
    // `*@d` is any address at exactly d.
    assert_eq!(
        hit(&art, "a@spammer.example"),
        Some(("=spammer.example".into(), "known spam source".into()))
    );
    assert_eq!(
        reason(&art, "a@mx.spammer.example").as_deref(),
        Some("a subdomain of a spam source")
    );
    assert_eq!(
        reason(&art, "bulk@bulk.example").as_deref(),
        Some("bulk mailer, sends to purchased lists")
    );
    assert_eq!(hit(&art, "other@bulk.example"), None);
    assert!(hit(&art, "anyone@wild.example").is_some());
    assert_eq!(hit(&art, "anyone@sub.wild.example"), None);
    assert_eq!(
        reason(&art, "quoted@quoted.example").as_deref(),
        Some("quoted key")
    );
    // The exclusion of one name beats the listing of its parent's subdomains.
    assert_eq!(hit(&art, "x@ok.spammer.example"), None);
    assert!(hit(&art, "x@a.ok.spammer.example").is_some());
    assert_eq!(
        reason(&art, "plain@key.example").as_deref(),
        Some("default reason")
    );
}

#[test]
fn exim_bare_keys_are_exact_names() {
    let (art, _) = one("domain", "exim_helo.lsearch");
    assert_eq!(
        hit(&art, "163.com"),
        Some(("=163.com".into(), "forged HELO".into()))
    );
    // A subdomain of a listed HELO name is not listed, as in Exim.
    assert_eq!(hit(&art, "m16.mail.163.com"), None);
    assert!(hit(&art, "mail.example.net").is_some());
    assert_eq!(hit(&art, "example.net"), None);
    assert_eq!(hit(&art, "dyn.example"), None);
    assert_eq!(
        reason(&art, "h1.dyn.example").as_deref(),
        Some("dynamic hosts (read with nwildlsearch)")
    );
    assert_eq!(hit(&art, "ok.dyn.example"), None);
}

#[test]
fn exim_keys_mxlists_cannot_express_are_errors_at_their_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("helo"),
        "163.com\n^mail[0-9]+\\.example$: regex\n*example.com\n*\n@mx_any\n*@at.example\nu@at.example\n!  *bad.example\n",
    )
    .unwrap();
    std::fs::write(d.join("rcpt"), "*@ok.example\nbare.example: reason\n").unwrap();
    let err = compile_in(d, "domain", &["helo"], Some("exim")).unwrap_err();
    let Error::InvalidLines {
        lines: shown,
        total,
    } = &err
    else {
        panic!("{err}")
    };
    let at: Vec<(u64, u64)> = shown.iter().map(|(l, _)| (l.line, l.column)).collect();
    assert_eq!(
        at,
        [(2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 4)],
        "{err}"
    );
    assert_eq!(*total, 7);
    for (what, (_, message)) in [
        "regular expression",
        "ending in",
        "every name",
        "@ pattern",
        "email list",
        "email list",
        "ending in",
    ]
    .iter()
    .zip(shown)
    {
        assert!(message.contains(what), "{message}");
    }
    let err = compile_in(d, "email", &["rcpt"], Some("exim")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("rcpt:2:1") && message.contains("*@bare.example"),
        "{message}"
    );
}

#[test]
fn exim_iplsearch_with_quoted_ipv6() {
    let (art, report) = one("ip", "exim_hosts.iplsearch");
    assert_eq!(report.files[0].format, Format::Exim);
    assert_eq!(
        reason(&art, "192.0.2.9").as_deref(),
        Some("documentation network")
    );
    assert_eq!(reason(&art, "198.51.100.7").as_deref(), Some("one host"));
    assert_eq!(
        reason(&art, "2001:db8::5").as_deref(),
        Some("documentation prefix")
    );
    assert_eq!(
        reason(&art, "2001:db8:1::1").as_deref(),
        Some("single v6 host")
    );
    assert_eq!(
        reason(&art, "203.0.113.1").as_deref(),
        Some("default reason")
    );
    assert_eq!(hit(&art, "198.51.100.8"), None);
}

#[test]
fn postfix_access_actions() {
    let (art, report) = one("email", "postfix_access");
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Postfix, true)
    );
    assert_eq!(
        reason(&art, "a@spammer.example").as_deref(),
        Some("Spam from this domain is not accepted")
    );
    // A domain pattern covers its subdomains (parent_domain_matches_subdomains).
    assert!(hit(&art, "a@mx.spammer.example").is_some());
    assert_eq!(hit(&art, "a@good.spammer.example"), None);
    assert_eq!(hit(&art, "a@relay.spammer.example"), None);
    assert_eq!(hit(&art, "a@stamp.spammer.example"), None);
    for v in ["a@subs.example", "a@x.subs.example"] {
        assert_eq!(
            reason(&art, v).as_deref(),
            Some("5.7.1 subs.example and its subdomains are blocked"),
            "{v}"
        );
    }
    assert_eq!(
        reason(&art, "bad@mixed.example").as_deref(),
        Some("No mail from this address")
    );
    assert_eq!(
        reason(&art, "other@mixed.example").as_deref(),
        Some("default reason")
    );
    assert_eq!(hit(&art, "a@partner.example"), None);
    assert_eq!(
        reason(&art, "a@bulk.example").as_deref(),
        Some("try again later, we are rate limiting you")
    );
}

#[test]
fn postfix_patterns_and_results_without_a_list_meaning_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("access"),
        "ok.example REJECT\n.subs.example REJECT\nuser@ REJECT\n@at.example REJECT\nbare.example 554\nf.example FILTER smtp:[10.0.0.1]\nr.example reject_unverified_sender\n",
    )
    .unwrap();
    let err = compile_in(d, "email", &["access"], Some("postfix")).unwrap_err();
    let Error::InvalidLines { lines: shown, .. } = &err else {
        panic!("{err}")
    };
    let got: Vec<(u64, u64)> = shown.iter().map(|(l, _)| (l.line, l.column)).collect();
    assert_eq!(
        got,
        [(2, 1), (3, 1), (4, 1), (5, 14), (6, 11), (7, 11)],
        "{err}"
    );
    assert!(
        shown[0].1.contains("parent_domain_matches_subdomains"),
        "{err}"
    );
    assert!(shown[3].1.contains("takes as OK"), "{err}");
}

#[test]
fn postfix_cidr_table() {
    let (art, report) = one("ip", "postfix_client.cidr");
    assert_eq!(report.files[0].format, Format::Postfix);
    assert_eq!(
        reason(&art, "192.0.2.5").as_deref(),
        Some("documentation network")
    );
    assert_eq!(hit(&art, "192.0.2.200"), None);
    assert_eq!(
        reason(&art, "198.51.100.77").as_deref(),
        Some("partial network")
    );
    assert_eq!(reason(&art, "2001:db8::1").as_deref(), Some("v6 docs"));
    assert_eq!(hit(&art, "2001:db8:ffff::1"), None);
    assert_eq!(hit(&art, "198.51.101.1"), None);
}

#[test]
fn sfs_plain_and_all_csv() {
    let (art, report) = one("ip", "listed_ip_1.txt");
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Sfs, true)
    );
    assert_eq!(report.files[0].entries, 5);
    assert!(hit(&art, "5.188.62.11").is_some());
    assert_eq!(hit(&art, "5.188.62.12"), None);

    let (art, report) = one("email", "listed_email_1_all.txt");
    assert_eq!(report.files[0].format, Format::Sfs);
    assert_eq!(report.files[0].entries, 3);
    assert!(hit(&art, "<Bot.Sender@example.net>").is_some());
    assert!(hit(&art, "spammer@example.com").is_some());
    assert_eq!(hit(&art, "other@example.com"), None);
}

#[test]
fn sfs_hash_is_data_not_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("listed_domains.txt"),
        "a.example\n#b.example\n",
    )
    .unwrap();
    let err = compile_in(dir.path(), "domain", &["listed_domains.txt"], Some("sfs")).unwrap_err();
    let Error::InvalidLines { lines, total } = &err else {
        panic!("{err}")
    };
    assert_eq!(*total, 1);
    assert_eq!((lines[0].0.line, lines[0].0.column), (2, 1));
    // The same file as plain: `#` starts a comment.
    let report = compile_in(dir.path(), "domain", &["listed_domains.txt"], Some("plain")).unwrap();
    assert_eq!(report.files[0].entries, 1);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn gzip_and_zip_are_read_transparently() {
    let text = std::fs::read(data().join("listed_email_1_all.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("listed_email_1_all.txt.gz"), gzip(&text)).unwrap();
    std::fs::write(
        dir.path().join("listed_email_1_all.zip"),
        zip(&[("listed_email_1_all.txt", &text)]),
    )
    .unwrap();
    let plain = compile_in(&data(), "email", &["listed_email_1_all.txt"], None).unwrap();
    for name in ["listed_email_1_all.txt.gz", "listed_email_1_all.zip"] {
        let report = compile_in(dir.path(), "email", &[name], None).unwrap();
        let f = &report.files[0];
        assert_eq!(
            (f.format, f.detected, f.entries),
            (Format::Sfs, true, 3),
            "{name}"
        );
        assert_eq!(report.built.bytes, plain.built.bytes, "{name}");
    }
}

#[test]
fn zip_with_several_members_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = zip(&[("a.txt", b"1.2.3.4\n"), ("b.txt", b"5.6.7.8\n")]);
    std::fs::write(dir.path().join("two.zip"), bytes).unwrap();
    let err = compile_in(dir.path(), "ip", &["two.zip"], None).unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("two.zip") && msg.contains("exactly one file"),
        "{msg}"
    );
}

#[test]
fn truncated_gzip_is_an_error() {
    let text = std::fs::read(data().join("listed_ip_1.txt")).unwrap();
    let gz = gzip(&text.repeat(50));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("listed_ip_1.txt.gz"), &gz[..gz.len() / 2]).unwrap();
    let err = compile_in(dir.path(), "ip", &["listed_ip_1.txt.gz"], None).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("listed_ip_1.txt.gz"), "{err}");
}

#[test]
fn rbldnsd_ip4set() {
    let (art, report) = one("ip", "rbldnsd_ip4set.txt");
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Rbldnsd, true)
    );
    let listed = "Listed by example RBL, see https://rbl.example.net/";
    assert_eq!(reason(&art, "127.0.0.2").as_deref(), Some(listed));
    assert_eq!(reason(&art, "192.0.2.77").as_deref(), Some(listed));
    assert_eq!(
        reason(&art, "198.51.100.15").as_deref(),
        Some("Dialup range")
    );
    assert_eq!(hit(&art, "198.51.100.21"), None);
    assert_eq!(hit(&art, "203.0.113.5"), None);
    assert_eq!(reason(&art, "203.0.113.6").as_deref(), Some(listed));
    assert_eq!(reason(&art, "10.1.2.3").as_deref(), Some("private"));
}

#[test]
fn rbldnsd_dnset() {
    let (art, report) = one("domain", "rbldnsd_dnset.txt");
    assert_eq!(report.files[0].format, Format::Rbldnsd);
    assert_eq!(
        reason(&art, "spam-domain.example").as_deref(),
        Some("Domain listed")
    );
    assert!(hit(&art, "mx.spam-domain.example").is_some());
    assert_eq!(hit(&art, "good.spam-domain.example"), None);
    assert_eq!(hit(&art, "wild.example"), None);
    assert_eq!(
        reason(&art, "a.wild.example").as_deref(),
        Some("Wildcard subdomains")
    );
    // A bare name is that name only, as rbldnsd reads it.
    assert_eq!(
        hit(&art, "exact.example"),
        Some(("=exact.example".into(), "Domain listed".into()))
    );
    assert_eq!(hit(&art, "mx.exact.example"), None);
}

#[test]
fn drop_text_and_json_lines_build_the_same_artifact() {
    let (art, text) = one("ip", "drop.txt");
    let (_, json) = one("ip", "drop_v4.json");
    for r in [&text, &json] {
        assert_eq!(
            (r.files[0].format, r.files[0].detected, r.files[0].entries),
            (Format::Drop, true, 3)
        );
    }
    assert_eq!(text.built.bytes, json.built.bytes);
    assert_eq!(
        hit(&art, "1.10.20.1"),
        Some(("1.10.16.0/20".into(), "SBL256894".into()))
    );
    assert_eq!(reason(&art, "2.56.195.255").as_deref(), Some("SBL459831"));
    assert_eq!(hit(&art, "2.56.196.0"), None);
}

#[test]
fn irr_routes_merged_across_sources() {
    let report = compile_in(&data(), "ip", &["irr_*.txt"], None).unwrap();
    assert_eq!(report.files.len(), 2);
    assert!(report
        .files
        .iter()
        .all(|f| f.format == Format::Irr && f.detected));
    assert_eq!(report.files[0].entries + report.files[1].entries, 5);
    // 51.68.0.0/16 is in both files: one entry.
    assert_eq!(report.lists()[0].entries, 4);
    let art = Artifact::from_bytes(report.built.bytes).unwrap();
    for v in ["51.68.1.1", "51.75.200.1", "137.74.5.5", "2001:41d0:8::1"] {
        assert!(hit(&art, v).is_some(), "{v}");
    }
    assert_eq!(hit(&art, "51.69.0.1"), None);
}

#[test]
fn iana_tlds() {
    let (art, report) = one("known_tlds", "tlds-alpha-by-domain.txt");
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Iana, true)
    );
    assert_eq!(report.lists()[0].entries, 7);
    assert_eq!(
        hit(&art, "root@pop-os.localdomain").map(|h| h.0).as_deref(),
        Some("localdomain")
    );
    assert_eq!(hit(&art, "x@example.com"), None);
    assert_eq!(hit(&art, "x@пример.рф"), None);
    assert!(hit(&art, "x@example.invalid").is_some());
}

#[test]
fn explicit_format_overrides_detection() {
    let report = compile_in(&data(), "ip", &["listed_ip_1.txt"], Some("plain")).unwrap();
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Plain, false)
    );
}

#[test]
fn auto_refuses_html_and_mixed_content_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("list.txt"),
        "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("mixed.txt"), "a.example: x\n$TTL 300\n").unwrap();
    for (name, words) in [("list.txt", "HTML"), ("mixed.txt", "several formats")] {
        let err = compile_in(dir.path(), "domain", &[name], None).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Source { .. }), "{msg}");
        assert!(
            msg.contains(name) && msg.contains(words) && msg.contains("format"),
            "{msg}"
        );
    }
}

#[test]
fn read_source_matches_a_manifest_build() {
    use mxlists_core::sources::read_source;
    use mxlists_core::{Builder, ListKind};
    for (kind, file) in [
        ("email", "exim_senders.lsearch"),
        ("ip", "rbldnsd_ip4set.txt"),
        ("ip", "drop_v4.json"),
        ("known_tlds", "tlds-alpha-by-domain.txt"),
    ] {
        let via_manifest = compile_in(&data(), kind, &[file], None).unwrap();
        let bytes = std::fs::read(data().join(file)).unwrap();
        for content in [bytes.clone(), gzip(&bytes)] {
            let mut b = Builder::new();
            b.add_list(
                "l",
                kind.parse::<ListKind>().unwrap(),
                Some("default reason"),
            )
            .unwrap();
            let name = if content == bytes {
                file.to_owned()
            } else {
                format!("{file}.gz")
            };
            let report = read_source(&mut b, "l", Format::Auto, &name, &content, false).unwrap();
            assert_eq!(report.format, via_manifest.files[0].format, "{name}");
            assert_eq!(b.build().unwrap().bytes, via_manifest.built.bytes, "{name}");
        }
    }
    let mut b = Builder::new();
    let err = read_source(&mut b, "nope", Format::Plain, "x", b"a.example", false).unwrap_err();
    assert!(matches!(err, Error::UnknownList(_)), "{err}");
}

mod arbitrary_content {
    use super::*;
    use mxlists_core::sources::read_source;
    use mxlists_core::{Builder, ListKind};
    use proptest::prelude::*;

    /// Lines made of pieces of every format, and random bytes.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "example.com",
            "!",
            "\"",
            ":",
            " ",
            "\t",
            "#",
            ";",
            "%",
            "$TTL",
            ":127.0.0.2:",
            "REJECT",
            "OK",
            "554",
            "route:",
            "route6:",
            "{\"cidr\":",
            "\"sblid\"",
            "}",
            "1.2.3",
            "/24",
            "-",
            "2001:db8::",
            "xn--p1ai",
            "@",
            "*.",
            "ü",
            ",",
            "\"3\"",
            "\\",
            "\r",
        ]);
        prop_oneof![
            prop::collection::vec(piece, 0..8).prop_map(|p| p.concat().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..24),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No content makes a reader panic, and what it accepts builds.
        #[test]
        fn every_format_survives_arbitrary_lines(
            lines in prop::collection::vec(line(), 0..20),
            kind in prop::sample::select(vec![ListKind::Domain, ListKind::Email, ListKind::Ip, ListKind::KnownTlds]),
            format in prop::sample::select(Format::ALL.to_vec()),
            final_newline in any::<bool>(),
        ) {
            let mut content = lines.join(&b'\n');
            if final_newline {
                content.push(b'\n');
            }
            let mut b = Builder::new();
            b.add_list("l", kind, None).unwrap();
            let strict = read_source(&mut b, "l", format, "x.txt", &content, false);
            let mut b = Builder::new();
            b.add_list("l", kind, None).unwrap();
            match read_source(&mut b, "l", format, "x.txt", &content, true) {
                Ok(report) => {
                    let built = b.build().unwrap();
                    Artifact::from_bytes(built.bytes).unwrap().verify().unwrap();
                    // Strict reading fails exactly when lines were skipped.
                    prop_assert_eq!(strict.is_err(), report.skipped > 0);
                    if let Err(Error::InvalidLines { total, .. }) = strict {
                        prop_assert_eq!(total, report.skipped);
                    }
                }
                // Only `auto`, or content that starts like an archive, may
                // refuse a whole file.
                Err(e) => {
                    let archive = content.starts_with(&[0x1f, 0x8b]) || content.starts_with(b"PK\x03\x04");
                    let ok = (format == Format::Auto && matches!(e, Error::Source { .. }))
                        || (archive && matches!(e, Error::Io { .. } | Error::Source { .. }));
                    prop_assert!(ok, "{}", e);
                }
            }
        }
    }
}
