//! One test per matching rule, with the cases operators ask about.

use mxlists_core::{AllOutcome, Artifact, Builder, ListKind, Outcome, Selection};

fn artifact(lists: &[(&str, ListKind, Option<&str>, &[&str])]) -> Artifact {
    let mut b = Builder::new();
    for (name, kind, reason, entries) in lists {
        let id = b.add_list(name, *kind, *reason).unwrap();
        for e in *entries {
            b.add_text(id, e).unwrap_or_else(|err| panic!("{e}: {err}"));
        }
    }
    Artifact::from_bytes(b.build().unwrap().bytes).unwrap()
}

fn hit(art: &Artifact, v: &str) -> Option<(String, String, String)> {
    match art.check(v).unwrap() {
        Outcome::Listed(h) => Some((h.list, h.entry, h.reason)),
        Outcome::NotListed => None,
        Outcome::Invalid(e) => panic!("{v:?} is invalid: {e}"),
    }
}

fn entry(art: &Artifact, v: &str) -> Option<String> {
    hit(art, v).map(|h| h.1)
}

#[test]
fn monster_ban_with_an_exception() {
    let art = artifact(&[(
        "tld_bans",
        ListKind::Domain,
        Some("no .monster"),
        &[".monster", "!good.monster"],
    )]);
    assert_eq!(
        hit(&art, "x@bad.monster"),
        Some(("tld_bans".into(), "monster".into(), "no .monster".into()))
    );
    assert_eq!(hit(&art, "x@good.monster"), None);
    assert_eq!(hit(&art, "x@deep.good.monster"), None);
    assert_eq!(entry(&art, "monster"), Some("monster".into()));
    assert_eq!(hit(&art, "x@monster.com"), None);
}

#[test]
fn exact_address_beats_domain_entries() {
    let art = artifact(&[(
        "r",
        ListKind::Email,
        None,
        &[
            "example.com",
            "!ok@example.com",
            "!partner.example.com",
            "bad@partner.example.com",
        ],
    )]);
    assert_eq!(entry(&art, "x@example.com"), Some("example.com".into()));
    assert_eq!(hit(&art, "ok@example.com"), None);
    assert_eq!(hit(&art, "x@partner.example.com"), None);
    assert_eq!(
        entry(&art, "bad@partner.example.com"),
        Some("bad@partner.example.com".into())
    );
}

#[test]
fn longer_suffix_beats_shorter_and_exclusion_wins_ties() {
    let art = artifact(&[(
        "d",
        ListKind::Domain,
        None,
        &[
            "com",
            "!example.com",
            "bad.example.com",
            "tie.org",
            "!tie.org",
        ],
    )]);
    assert_eq!(entry(&art, "a.com"), Some("com".into()));
    assert_eq!(hit(&art, "www.example.com"), None);
    assert_eq!(
        entry(&art, "x.bad.example.com"),
        Some("bad.example.com".into())
    );
    assert_eq!(hit(&art, "tie.org"), None);
}

#[test]
fn wildcard_means_strict_subdomains_only() {
    let art = artifact(&[("d", ListKind::Domain, None, &["*.example.com"])]);
    assert_eq!(hit(&art, "example.com"), None);
    assert_eq!(hit(&art, "u@example.com"), None);
    assert_eq!(entry(&art, "u@a.example.com"), Some("*.example.com".into()));
    assert_eq!(entry(&art, "a.b.example.com"), Some("*.example.com".into()));
}

#[test]
fn exact_domain_is_the_name_and_its_addresses_never_a_subdomain() {
    for kind in [ListKind::Domain, ListKind::Email] {
        let art = artifact(&[("helo", kind, Some("bad HELO"), &["=163.com"])]);
        assert_eq!(
            hit(&art, "163.com"),
            Some(("helo".into(), "=163.com".into(), "bad HELO".into()))
        );
        assert_eq!(entry(&art, "<X@163.COM.>"), Some("=163.com".into()));
        assert_eq!(hit(&art, "m16.mail.163.com"), None, "{kind}");
        assert_eq!(hit(&art, "x@m16.mail.163.com"), None, "{kind}");
        assert_eq!(hit(&art, "com"), None);
    }
}

#[test]
fn exact_entries_rank_with_the_other_entries_of_their_name() {
    let art = artifact(&[(
        "r",
        ListKind::Email,
        None,
        &[
            // An exclusion of the name only, under a listing of the domain.
            "example.com",
            "!=example.com",
            // A listing of the name only, under an excluded parent.
            "!partner.test",
            "=mail.partner.test",
            // An exact listing and an exclusion of the name and its subdomains:
            // equal specificity, the exclusion wins.
            "=both.test",
            "!both.test",
            // Subdomains only, and the name itself exactly: together they are
            // the domain and its subdomains.
            "*.split.test",
            "=split.test",
            // An address beats its domain's exact entry.
            "=shop.test",
            "!ok@shop.test",
        ],
    )]);
    assert_eq!(hit(&art, "x@example.com"), None);
    assert_eq!(hit(&art, "example.com"), None);
    assert_eq!(entry(&art, "x@a.example.com"), Some("example.com".into()));
    assert_eq!(
        entry(&art, "x@mail.partner.test"),
        Some("=mail.partner.test".into())
    );
    assert_eq!(hit(&art, "x@a.mail.partner.test"), None);
    assert_eq!(hit(&art, "x@partner.test"), None);
    assert_eq!(hit(&art, "both.test"), None);
    assert_eq!(hit(&art, "a.both.test"), None);
    assert_eq!(entry(&art, "split.test"), Some("=split.test".into()));
    assert_eq!(entry(&art, "a.b.split.test"), Some("*.split.test".into()));
    assert_eq!(entry(&art, "x@shop.test"), Some("=shop.test".into()));
    assert_eq!(hit(&art, "ok@shop.test"), None);
}

#[test]
fn exact_exclusions_exempt_one_name_from_a_known_tlds_list() {
    let art = artifact(&[("tlds", ListKind::KnownTlds, None, &["com", "!=corp.lan"])]);
    assert_eq!(hit(&art, "x@corp.lan"), None);
    assert_eq!(entry(&art, "x@mail.corp.lan"), Some("lan".into()));
}

#[test]
fn known_tlds_flag_names_under_unknown_tlds() {
    let art = artifact(
        &[(
            "tlds",
            ListKind::KnownTlds,
            None,
            &[
                "# Version 2023053000",
                "COM",
                "MONSTER",
                "XN--P1AI",
                "!corp.lan",
            ],
        )]
        .map(|(n, k, r, e)| (n, k, r, &e[1..])),
    );
    assert_eq!(
        hit(&art, "USER@Sub.Pop-OS.LocalDomain."),
        Some((
            "tlds".into(),
            "localdomain".into(),
            "unknown top-level domain".into()
        ))
    );
    assert_eq!(hit(&art, "a@example.com"), None);
    assert_eq!(hit(&art, "a@пример.рф"), None);
    assert_eq!(hit(&art, "host.corp.lan"), None);
    assert_eq!(entry(&art, "other.lan"), Some("lan".into()));
}

#[test]
fn normalization_is_shared_by_entries_and_queries() {
    let art = artifact(&[(
        "d",
        ListKind::Email,
        None,
        &["<U@Bücher.Monster.>", "WWW.Example.COM."],
    )]);
    assert_eq!(
        entry(&art, "<u@bücher.monster>"),
        Some("u@xn--bcher-kva.monster".into())
    );
    assert_eq!(
        entry(&art, "u@XN--BCHER-KVA.monster"),
        Some("u@xn--bcher-kva.monster".into())
    );
    assert_eq!(
        entry(&art, "x@www.example.com"),
        Some("www.example.com".into())
    );
    match art.check(" <U@BÜCHER.monster> ").unwrap() {
        Outcome::Listed(h) => assert_eq!(h.value, "u@xn--bcher-kva.monster"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ip_narrowest_range_decides_whatever_the_order() {
    let lines = [
        "51.68.0.0/16",
        "!51.68.10.0/28 customer",
        "51.68.10.7 compromised host",
    ];
    let mut reversed = lines;
    reversed.reverse();
    for order in [lines, reversed] {
        let art = artifact(&[("ovh", ListKind::Ip, Some("OVH range"), &order)]);
        assert_eq!(entry(&art, "::ffff:51.68.0.1"), Some("51.68.0.0/16".into()));
        assert_eq!(hit(&art, "51.68.10.3"), None);
        assert_eq!(
            hit(&art, "[51.68.10.7]"),
            Some(("ovh".into(), "51.68.10.7".into(), "compromised host".into()))
        );
        assert_eq!(entry(&art, "51.68.10.16"), Some("51.68.0.0/16".into()));
        assert_eq!(hit(&art, "51.69.0.0"), None);
    }
}

#[test]
fn ipv6_ranges_and_equal_width_exclusion() {
    let art = artifact(&[(
        "v6",
        ListKind::Ip,
        None,
        &[
            "2001:41d0::/32",
            "!2001:41d0:1::/48",
            "2001:db8::1-2001:db8::ff",
            "!2001:db8::1-2001:db8::ff",
        ],
    )]);
    assert_eq!(entry(&art, "2001:41D0::1"), Some("2001:41d0::/32".into()));
    assert_eq!(hit(&art, "2001:41d0:1::1"), None);
    assert_eq!(hit(&art, "2001:db8::5"), None);
}

#[test]
fn lists_are_consulted_in_declaration_order_and_selectable() {
    let art = artifact(&[
        ("first", ListKind::Domain, None, &["example.com"]),
        (
            "second",
            ListKind::Email,
            Some("known bad"),
            &["u@example.com"],
        ),
        ("ips", ListKind::Ip, None, &["10.0.0.0/8"]),
    ]);
    assert_eq!(hit(&art, "u@example.com").unwrap().0, "first");
    let sel = art.select(&["second"]).unwrap();
    assert_eq!(
        art.check_in("u@example.com", &sel)
            .unwrap()
            .hit()
            .unwrap()
            .list,
        "second"
    );
    match art.check_all("u@example.com", &Selection::all()).unwrap() {
        AllOutcome::Hits(h) => assert_eq!(
            h.iter().map(|h| h.list.as_str()).collect::<Vec<_>>(),
            ["first", "second"]
        ),
        AllOutcome::Invalid(e) => panic!("{e}"),
    }
    assert!(art.select(&["nope"]).is_err());
    // An IP query never reaches name lists and vice versa.
    assert_eq!(hit(&art, "10.1.2.3").unwrap().0, "ips");
    assert_eq!(hit(&art, "ten.example.org"), None);
}

#[test]
fn malformed_values_are_invalid_not_errors() {
    let art = artifact(&[("d", ListKind::Domain, None, &["example.com"])]);
    let long = "a".repeat(1 << 20);
    let many_labels = vec!["a"; 300].join(".");
    for v in [
        "",
        "@",
        "@@",
        "a@",
        "a b",
        "x@exa$mple.com",
        long.as_str(),
        many_labels.as_str(),
        "[::ffff:]",
        "1.2.3",
    ] {
        assert!(
            matches!(art.check(v).unwrap(), Outcome::Invalid(_)),
            "{v:.40}"
        );
    }
}

#[test]
fn entries_of_the_wrong_shape_are_refused_with_offsets() {
    let mut b = Builder::new();
    let d = b.add_list("d", ListKind::Domain, None).unwrap();
    let err = b.add_text(d, "user@example.com").unwrap_err();
    assert!(err.message.contains("address"), "{err}");
    let ip = b.add_list("ip", ListKind::Ip, None).unwrap();
    assert_eq!(b.add_text(ip, "  10.0.0.0/33").unwrap_err().offset, 11);
    let warning = b.add_text(ip, "10.0.0.1/8").unwrap().unwrap();
    assert!(warning.message.contains("10.0.0.0/8"), "{warning}");
    assert!(b.add_list("d", ListKind::Domain, None).is_err());
    assert!(b.add_list("Bad Name", ListKind::Domain, None).is_err());
}

#[test]
fn damaged_files_are_errors() {
    let art_bytes = {
        let mut b = Builder::new();
        let d = b.add_list("d", ListKind::Domain, None).unwrap();
        b.add_text(d, "example.com").unwrap();
        b.build().unwrap().bytes
    };
    assert!(Artifact::from_bytes(art_bytes[..art_bytes.len() - 1].to_vec()).is_err());
    assert!(Artifact::from_bytes(
        b"not an artifact at all, just some text....................................".to_vec()
    )
    .is_err());
    let mut flipped = art_bytes.clone();
    let last = flipped.len() - 20;
    flipped[last] ^= 0xff;
    assert!(Artifact::from_bytes(flipped).is_err());
    let mut version = art_bytes;
    version[8] = 9;
    assert!(Artifact::from_bytes(version).is_err());
}

/// Rewrites every checksum and the content hash of an artifact after its bytes
/// were changed, as a writer with a bug (or a tamperer) would leave it.
fn reseal(bytes: &mut [u8]) {
    use sha2::Digest;
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    for i in 0..count {
        let at = 64 + i * 32;
        let off = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
        let len = u64::from_le_bytes(bytes[at + 16..at + 24].try_into().unwrap()) as usize;
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[off..off + len]);
        bytes[at + 24..at + 32].copy_from_slice(&sum.to_le_bytes());
    }
    let hash: [u8; 32] = sha2::Sha256::digest(&bytes[64..]).into();
    bytes[24..56].copy_from_slice(&hash);
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&bytes[..56]);
    h.update(&bytes[64..64 + count * 32]);
    bytes[56..64].copy_from_slice(&h.digest().to_le_bytes());
}

fn section(bytes: &[u8], id: u32) -> std::ops::Range<usize> {
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    (0..count)
        .map(|i| 64 + i * 32)
        .find(|&at| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == id)
        .map(|at| {
            let off = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
            let len = u64::from_le_bytes(bytes[at + 16..at + 24].try_into().unwrap()) as usize;
            off..off + len
        })
        .unwrap()
}

#[test]
fn the_full_check_refuses_resealed_inconsistent_tables() {
    let mut b = Builder::new();
    let ips = b.add_list("ips", ListKind::Ip, None).unwrap();
    b.add_text(ips, "10.0.0.0/8").unwrap();
    b.add_text(ips, "192.168.0.0/16").unwrap();
    let good = b.build().unwrap().bytes;
    Artifact::from_bytes(good.clone())
        .unwrap()
        .verify()
        .unwrap();

    // Swap the two IPv4 records: every checksum resealed, the table is now
    // out of order (a search would miss records).
    let mut swapped = good.clone();
    let v4 = section(&swapped, 11);
    let (a, rest) = swapped[v4.clone()].split_at_mut(12);
    a.swap_with_slice(&mut rest[..12]);
    reseal(&mut swapped);
    let art = Artifact::from_bytes_with(swapped, mxlists_core::Verify::Quick).unwrap();
    let err = art.verify().unwrap_err().to_string();
    assert!(err.contains("out of order"), "{err}");

    // A list name outside the naming rule, resealed.
    let mut renamed = good;
    let strings = section(&renamed, 2);
    let pos = renamed[strings]
        .windows(3)
        .position(|w| w == b"ips")
        .unwrap();
    let at = section(&renamed, 2).start + pos;
    renamed[at] = b'I';
    reseal(&mut renamed);
    let err = Artifact::from_bytes_with(renamed, mxlists_core::Verify::Full)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid list name"), "{err}");
}

/// A count in the name parameters that the tables cannot hold is refused when
/// the file is opened, before anything is sized by it (a fuzzed file once made
/// `dump` allocate 47 GB from it).
#[test]
fn counts_larger_than_their_tables_are_refused_at_open() {
    let mut b = Builder::new();
    let list = b.add_list("sfs", ListKind::Email, None).unwrap();
    b.add_text(list, "someone@example.com").unwrap();
    let mut bytes = b.build().unwrap().bytes;
    let params = section(&bytes, 5);
    // `address_domains` is the u32 at byte 32 of the name parameters.
    let at = params.start + 32;
    assert_eq!(bytes[at..at + 4], 1u32.to_le_bytes());
    bytes[at..at + 4].copy_from_slice(&0x2bc0_0000u32.to_le_bytes());
    reseal(&mut bytes);
    for verify in [mxlists_core::Verify::Quick, mxlists_core::Verify::Full] {
        let err = Artifact::from_bytes_with(bytes.clone(), verify)
            .unwrap_err()
            .to_string();
        assert!(err.contains("address domains"), "{err}");
    }
}

/// Records too large for a 64-byte line (a 253-byte domain; a 64-byte local
/// part of rare bytes, whose code does not fit) go to the overflow sections
/// and are found there, exactly.
#[test]
fn records_larger_than_a_line_overflow_and_are_found() {
    let mut b = Builder::new();
    let list = b.add_list("big", ListKind::Email, None).unwrap();
    let long_domain = format!(
        "{}.{}.{}.{}.example",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(53)
    );
    assert_eq!(long_domain.len(), 253);
    b.add_text(list, &long_domain).unwrap();
    // Local parts of two-byte characters from a wide range: more than 63
    // distinct bytes, so the code escapes most of them.
    let mut locals = Vec::new();
    for i in 0..40u32 {
        let local: String = (0..32)
            .map(|j| char::from_u32(0x100 + (i * 37 + j * 11) % 0x500).unwrap())
            .collect();
        assert_eq!(local.len(), 64, "{local}");
        b.add_text(list, &format!("<{local}@example.net>")).unwrap();
        locals.push(local);
    }
    b.add_text(list, "short@example.net").unwrap();
    let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
    art.verify().unwrap();
    let sizes: std::collections::HashMap<_, _> = art.section_sizes().into_iter().collect();
    assert!(sizes["domain_overflow"] > 4, "{sizes:?}");
    assert!(sizes["address_overflow"] > 4, "{sizes:?}");
    for local in &locals {
        let hit = art.check(&format!("{local}@Example.NET")).unwrap();
        assert_eq!(hit.hit().unwrap().entry, format!("{local}@example.net"));
        // One character less: not listed.
        let shorter: String = local.chars().skip(1).collect();
        assert!(!art
            .check(&format!("{shorter}@example.net"))
            .unwrap()
            .is_listed());
    }
    assert!(art.check(&format!("x@{long_domain}")).unwrap().is_listed());
    assert!(art.check(&long_domain.to_uppercase()).unwrap().is_listed());
    assert!(!art
        .check(&format!("x@{}", &long_domain[1..]))
        .unwrap()
        .is_listed());
    assert!(art.check("short@example.net").unwrap().is_listed());
    assert!(!art.check("shorter@example.net").unwrap().is_listed());
}

/// An artifact of format version 1 (or any other) is refused with an error
/// that says to rebuild it.
#[test]
fn other_format_versions_are_refused_with_a_rebuild_hint() {
    let mut b = Builder::new();
    let l = b.add_list("l", ListKind::Domain, None).unwrap();
    b.add_text(l, "example.com").unwrap();
    let mut bytes = b.build().unwrap().bytes;
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    let e = Artifact::from_bytes(bytes).unwrap_err();
    assert!(
        matches!(
            e,
            mxlists_core::Error::Version {
                found: 1,
                supported: 2
            }
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("version 1") && text.contains("mxlists build"),
        "{text}"
    );
}
