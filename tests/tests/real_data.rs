//! The source formats on real public list files from `../shared/data` (see its
//! README for each file's quirks), checked by real answers.

use std::path::{Path, PathBuf};

use mxlists_core::sources::{compile, BuildOptions, BuildReport, Format, Manifest};
use mxlists_core::{Artifact, Error, Outcome};
use mxlists_tests::shared_data;

const STRICT: BuildOptions = BuildOptions {
    skip_invalid: false,
    max_change: None,
    allow_special_sources: false,
    mode: None,
};
const SKIP: BuildOptions = BuildOptions {
    skip_invalid: true,
    max_change: None,
    allow_special_sources: false,
    mode: None,
};

/// Compiles one list `name` of `kind` from absolute `sources`, with a manifest in
/// `dir` (so that other sources can be written there).
fn compile_list(
    dir: &Path,
    kind: &str,
    sources: &[PathBuf],
    format: Option<&str>,
    options: &BuildOptions,
) -> mxlists_core::Result<BuildReport> {
    let sources: Vec<String> = sources
        .iter()
        .map(|p| format!("{:?}", p.display().to_string()))
        .collect();
    let format = format
        .map(|f| format!("format = {f:?}\n"))
        .unwrap_or_default();
    let toml = format!(
        "[[list]]\nname = \"real\"\nkind = \"{kind}\"\nsources = [{}]\n{format}",
        sources.join(", ")
    );
    let manifest = Manifest::parse(&toml, dir.join("mxlists.toml"))?;
    compile(&manifest, options)
}

fn artifact(report: &BuildReport) -> Artifact {
    Artifact::from_bytes(report.built.bytes.clone()).unwrap()
}

fn entry(art: &Artifact, value: &str) -> Option<String> {
    match art.check(value).unwrap() {
        Outcome::Listed(hit) => Some(hit.entry.clone()),
        Outcome::NotListed => None,
        Outcome::Invalid(e) => panic!("{value}: {e}"),
    }
}

#[test]
fn iana_tld_file() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = compile_list(
        dir.path(),
        "known_tlds",
        &[data.join("iana-tlds-alpha-by-domain.txt")],
        Some("iana"),
        &STRICT,
    )
    .unwrap();
    assert_eq!(report.lists()[0].entries, 1479);
    let art = artifact(&report);
    assert_eq!(
        entry(&art, "root@pop-os.localdomain").as_deref(),
        Some("localdomain")
    );
    assert_eq!(
        entry(&art, "USER@Sub.Pop-OS.LocalDomain.").as_deref(),
        Some("localdomain")
    );
    for ok in [
        "x@example.com",
        "x@bad.monster",
        "x@пример.рф",
        "mail.xn--80asehdb",
    ] {
        assert_eq!(entry(&art, ok), None, "{ok}");
    }
    // The file is recognised without being told.
    let auto = compile_list(
        dir.path(),
        "known_tlds",
        &[data.join("iana-tlds-alpha-by-domain.txt")],
        None,
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        (auto.files[0].format, auto.files[0].detected),
        (Format::Iana, true)
    );
    assert_eq!(auto.built.bytes, report.built.bytes);
}

/// Every prefix line of an OVH file: its network and broadcast addresses.
fn prefixes(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let net: ipnet_like::Net = l.trim().parse().unwrap();
            (net.first(), net.last())
        })
        .collect()
}

/// Just enough CIDR arithmetic for the test's own expectations.
mod ipnet_like {
    use std::net::IpAddr;
    use std::str::FromStr;

    pub struct Net {
        addr: IpAddr,
        len: u32,
    }

    impl FromStr for Net {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            let (a, l) = s.split_once('/').ok_or("no /")?;
            Ok(Net {
                addr: a.parse().map_err(|_| "addr")?,
                len: l.parse().map_err(|_| "len")?,
            })
        }
    }

    impl Net {
        pub fn first(&self) -> String {
            self.addr.to_string()
        }
        pub fn last(&self) -> String {
            match self.addr {
                IpAddr::V4(a) => {
                    let host = u32::MAX.checked_shr(self.len).unwrap_or(0);
                    std::net::Ipv4Addr::from(u32::from(a) | host).to_string()
                }
                IpAddr::V6(a) => {
                    let host = u128::MAX.checked_shr(self.len).unwrap_or(0);
                    std::net::Ipv6Addr::from(u128::from(a) | host).to_string()
                }
            }
        }
    }
}

#[test]
fn ovh_prefix_files_with_headers_nesting_and_a_whitelist() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let exceptions = dir.path().join("ovh_customers.txt");
    std::fs::write(
        &exceptions,
        "# our customers inside OVH\n!51.68.10.0/28 customer A\n!2001:41d0:302::/48\n",
    )
    .unwrap();
    let files = [
        "ovh-as16276-ipv4.txt",
        "ovh-as16276-ipv6.txt",
        "ovh-ipranges-ipv4.txt",
        "ovh-ipranges-ipv6.txt",
    ];
    let mut sources: Vec<PathBuf> = files.iter().map(|f| data.join(f)).collect();
    sources.push(exceptions);
    let report = compile_list(dir.path(), "ip", &sources, None, &STRICT).unwrap();
    assert!(report
        .files
        .iter()
        .all(|f| f.format == Format::Plain && f.warnings.is_empty()));
    let art = artifact(&report);

    // Every prefix of every file is listed from its first to its last address.
    for f in &files {
        for (first, last) in prefixes(&data.join(f)) {
            assert!(entry(&art, &first).is_some(), "{f}: {first}");
            assert!(entry(&art, &last).is_some(), "{f}: {last}");
        }
    }
    // Nested ranges: the narrowest decides.
    assert_eq!(
        entry(&art, "141.94.200.1").as_deref(),
        Some("141.94.0.0/16")
    );
    assert_eq!(entry(&art, "141.95.0.1").as_deref(), Some("141.95.0.0/17"));
    assert_eq!(
        entry(&art, "141.95.200.1").as_deref(),
        Some("141.95.128.0/17")
    );
    assert_eq!(
        entry(&art, "51.68.184.129").as_deref(),
        Some("51.68.184.129")
    );
    assert_eq!(
        entry(&art, "::ffff:51.68.0.1").as_deref(),
        Some("51.68.0.0/16")
    );
    // The whitelist exceptions, inside /16 and /32 prefixes.
    assert_eq!(entry(&art, "51.68.10.3"), None);
    assert_eq!(entry(&art, "51.68.10.16").as_deref(), Some("51.68.0.0/16"));
    assert_eq!(entry(&art, "2001:41d0:302::25"), None);
    assert_eq!(
        entry(&art, "2001:41d0:303::25").as_deref(),
        Some("2001:41d0::/32")
    );
    for outside in ["8.8.8.8", "51.67.255.255", "2001:4860::8888"] {
        assert_eq!(entry(&art, outside), None, "{outside}");
    }
}

#[test]
fn sfs_toxic_domains_reports_the_bad_line() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = [data.join("sfs-toxic_domains_whole.txt")];
    let err = compile_list(dir.path(), "domain", &src, None, &STRICT).unwrap_err();
    let Error::InvalidLines { lines, total } = &err else {
        panic!("{err}")
    };
    assert_eq!(*total, 1, "{err}");
    let (loc, message) = &lines[0];
    assert!(loc.source.ends_with("sfs-toxic_domains_whole.txt"));
    assert_eq!((loc.line, loc.column), (25771, 12), "{err}");
    assert!(message.contains('/'), "{message}");

    let report = compile_list(dir.path(), "domain", &src, None, &SKIP).unwrap();
    let f = &report.files[0];
    assert_eq!((f.format, f.detected), (Format::Sfs, true));
    // 30458 lines (no final newline), one skipped.
    assert_eq!((f.entries, f.skipped), (30457, 1));
    assert_eq!(f.warnings[0].location.line, 25771);
    let art = artifact(&report);
    assert_eq!(
        entry(&art, "user@mail.bermainjudionline.com").as_deref(),
        Some("bermainjudionline.com")
    );
    // `76gmail.com.` (trailing dot) is 76gmail.com.
    assert_eq!(entry(&art, "x@76gmail.com").as_deref(), Some("76gmail.com"));
    // The last line, which has no newline.
    assert!(entry(&art, "zzzzzzzzzzzzz.com").is_some());
    // `instances`, a single label, is a TLD entry: the whole TLD is listed.
    assert_eq!(
        entry(&art, "x@host.instances").as_deref(),
        Some("instances")
    );
    assert_eq!(entry(&art, "x@gmail.com"), None);
    // Line 25770 lists synevde.com properly; the line with the slash adds nothing.
    assert_eq!(entry(&art, "a.synevde.com").as_deref(), Some("synevde.com"));
}

#[test]
fn sfs_listed_ip_zip_equals_the_text_file() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let zip = compile_list(
        dir.path(),
        "ip",
        &[data.join("sfs-listed_ip_7.zip")],
        None,
        &STRICT,
    )
    .unwrap();
    let txt = compile_list(
        dir.path(),
        "ip",
        &[data.join("sfs-listed_ip_7.txt")],
        None,
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        (zip.files[0].format, zip.files[0].entries),
        (Format::Sfs, 13318)
    );
    assert_eq!(zip.lists()[0].entries, 13318);
    assert_eq!(zip.built.bytes, txt.built.bytes);
    let art = artifact(&zip);
    let text = std::fs::read_to_string(data.join("sfs-listed_ip_7.txt")).unwrap();
    for ip in text.lines().step_by(997) {
        assert_eq!(entry(&art, ip).as_deref(), Some(ip));
    }
}

#[test]
fn sfs_all_csv_with_ipv6() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = compile_list(
        dir.path(),
        "ip",
        &[data.join("sfs-sample_denylist_all.txt")],
        None,
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        (report.files[0].format, report.files[0].detected),
        (Format::Sfs, true)
    );
    assert_eq!(report.lists()[0].entries, 11);
    let art = artifact(&report);
    assert_eq!(entry(&art, "99.96.3.1").as_deref(), Some("99.96.3.1"));
    assert_eq!(
        entry(&art, "2a02:4780:8:d:0:0:0:0").as_deref(),
        Some("2a02:4780:8:d::")
    );
    assert_eq!(entry(&art, "2a02:4780:8:d::1"), None);
}

#[test]
fn sfs_usernames_with_foreign_encodings_are_invalid_lines_not_a_crash() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = data.join("sfs-listed_username_7.txt");
    let bytes = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // The lines that are not UTF-8, and the column of their first bad byte.
    let not_utf8: Vec<(&[u8], u64)> = lines
        .iter()
        .filter_map(|l| {
            let e = std::str::from_utf8(l).err()?;
            let good = std::str::from_utf8(&l[..e.valid_up_to()]).unwrap();
            Some((*l, good.chars().count() as u64 + 1))
        })
        .collect();
    assert!(not_utf8.len() >= 85, "{}", not_utf8.len());

    // Those lines alone (a copy made for this run): each one is reported.
    let only = dir.path().join("listed_username_not_utf8.txt");
    let text: Vec<u8> = not_utf8
        .iter()
        .flat_map(|(l, _)| l.iter().copied().chain([b'\n']))
        .collect();
    std::fs::write(&only, text).unwrap();
    let err = compile_list(dir.path(), "domain", &[only], Some("sfs"), &STRICT).unwrap_err();
    let Error::InvalidLines {
        lines: shown,
        total,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*total, not_utf8.len() as u64);
    for (i, (loc, message)) in shown.iter().enumerate() {
        assert_eq!(
            (loc.line, loc.column),
            (i as u64 + 1, not_utf8[i].1),
            "{message}"
        );
        assert!(message.contains("not valid UTF-8"), "{message}");
    }

    // The whole file: every line is an entry or an invalid line; nothing panics.
    let strict = compile_list(
        dir.path(),
        "domain",
        std::slice::from_ref(&path),
        Some("sfs"),
        &STRICT,
    )
    .unwrap_err();
    let Error::InvalidLines { total, .. } = strict else {
        panic!("{strict}")
    };
    let report = compile_list(dir.path(), "domain", &[path], Some("sfs"), &SKIP).unwrap();
    let non_blank = lines
        .iter()
        .filter(|l| !String::from_utf8_lossy(l).trim().is_empty())
        .count() as u64;
    let f = &report.files[0];
    assert_eq!(f.entries + f.skipped, non_blank);
    assert_eq!(f.skipped, total);
    assert!(f.skipped >= not_utf8.len() as u64);
}
