//! Builds from manifests: manifest validation, globs, invalid lines reported at
//! file:line:column, `skip_invalid`, the `max_change` guard, and byte-identical
//! output whatever the order and duplication of the sources.

use std::fs;
use std::path::Path;

use mxlists_core::sources::{build, compile, BuildOptions, Manifest, MAX_SHOWN_INVALID};
use mxlists_core::{Artifact, Builder, Error, ListKind};
use proptest::prelude::*;

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn manifest(dir: &Path, toml: &str) -> Manifest {
    write(dir, "mxlists.toml", toml);
    Manifest::load(dir.join("mxlists.toml")).unwrap()
}

fn manifest_err(toml: &str) -> String {
    let err = Manifest::parse(toml, "conf/mxlists.toml").unwrap_err();
    assert!(matches!(err, Error::Manifest { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.starts_with("conf/mxlists.toml: "), "{msg}");
    msg
}

const OPTS: BuildOptions = BuildOptions {
    skip_invalid: false,
    max_change: None,
    allow_special_sources: false,
    mode: None,
};

#[test]
fn manifest_is_validated() {
    let ok = "[[list]]\nname = \"a\"\nkind = \"domain\"\nsources = [\"a.txt\"]\n";
    let m = Manifest::parse(ok, "conf/mxlists.toml").unwrap();
    assert_eq!(m.lists[0].format, mxlists_core::sources::Format::Auto);
    assert_eq!(m.base_dir(), Path::new("conf"));

    let msg = manifest_err(&format!("{ok}colour = \"red\"\n"));
    assert!(
        msg.contains("unknown field") && msg.contains("colour") && msg.contains("line 5"),
        "{msg}"
    );
    let msg = manifest_err(&format!("{ok}[other]\nx = 1\n"));
    assert!(
        msg.contains("unknown field") && msg.contains("other"),
        "{msg}"
    );
    assert!(manifest_err(&ok.replace("domain", "domains")).contains("unknown list kind"));
    assert!(manifest_err(&format!("{ok}format = \"csv\"\n")).contains("unknown format"));
    assert!(manifest_err(&ok.replace("\"a\"", "\"Bad Name\"")).contains("a-z"));
    assert!(manifest_err(&format!("{ok}{ok}")).contains("declared twice"));
    assert!(manifest_err(&ok.replace("[\"a.txt\"]", "[]")).contains("empty"));
    assert!(manifest_err("").contains("no lists"));
    assert!(manifest_err("[[list]]\nname = \"a\"\nkind = \"ip\"\n").contains("sources"));
}

#[test]
fn globs_merge_files_and_a_glob_matching_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "spam_recipients/mx1.txt",
        "root@pop-os.localdomain\nbad@example.com\n",
    );
    write(
        d,
        "spam_recipients/mx2.txt",
        "bad@example.com\nnobody@example.org\n",
    );
    let m = manifest(
        d,
        "[[list]]\nname = \"spam_recipients\"\nkind = \"email\"\nsources = [\"spam_recipients/*.txt\"]\n",
    );
    let report = compile(&m, &OPTS).unwrap();
    assert_eq!(report.files.len(), 2);
    assert!(report.files[0].path.ends_with("spam_recipients/mx1.txt"));
    assert_eq!(report.lists()[0].entries, 3);

    let m = manifest(
        d,
        "[[list]]\nname = \"x\"\nkind = \"email\"\nsources = [\"spam_recipients/*.txt\", \"downloads/*.gz\"]\n",
    );
    let err = compile(&m, &OPTS).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Manifest { .. }), "{msg}");
    assert!(
        msg.contains("downloads/*.gz") && msg.contains("matches no file"),
        "{msg}"
    );

    // A missing file, in the second list: found before any file is read.
    let m = manifest(
        d,
        "[[list]]\nname = \"a\"\nkind = \"email\"\nsources = [\"spam_recipients/*.txt\"]\n\
         [[list]]\nname = \"x\"\nkind = \"email\"\nsources = [\"missing.txt\"]\n",
    );
    let mut files_read = 0;
    let err = mxlists_core::sources::compile_with_progress(&m, &OPTS, &mut |p| {
        if let mxlists_core::sources::Progress::File { .. } = p {
            files_read += 1;
        }
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::Io { .. }) && err.to_string().contains("missing.txt"),
        "{err}"
    );
    assert_eq!(files_read, 0);
}

#[test]
fn every_invalid_line_is_reported_at_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Line 1 has a BOM (not counted), line 3 a bad character after a two-byte one.
    write(
        d,
        "a.txt",
        "\u{feff}good.example\n# comment\n  bü$d.example reason\nuser@example.com\n",
    );
    write(
        d,
        "b.lsearch",
        "ok.example: fine\n\"unterminated: x\nbad..example: x\n",
    );
    write(
        d,
        "c.cidr",
        "192.0.2.0/24 REJECT\n192.0.2.1 FILTER smtp:[127.0.0.1]\n10.0.0.0/33 REJECT\n",
    );
    write(d, "d.txt", b"ok.example\nna\xefve.example\n".as_slice());
    let m = manifest(
        d,
        r#"
[[list]]
name = "domains"
kind = "domain"
sources = ["a.txt", "b.lsearch", "d.txt"]

[[list]]
name = "hosts"
kind = "ip"
sources = ["c.cidr"]
format = "postfix"
"#,
    );
    let err = compile(&m, &OPTS).unwrap_err();
    let Error::InvalidLines { lines, total } = &err else {
        panic!("{err}")
    };
    let got: Vec<(String, u64, u64)> = lines
        .iter()
        .map(|(l, _)| {
            let file = Path::new(&l.source)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, l.line, l.column)
        })
        .collect();
    let want: Vec<(String, u64, u64)> = [
        ("a.txt", 3, 5),
        ("a.txt", 4, 1),
        ("b.lsearch", 2, 1),
        ("b.lsearch", 3, 5),
        ("d.txt", 2, 3),
        ("c.cidr", 2, 11),
        ("c.cidr", 3, 10),
    ]
    .iter()
    .map(|(f, l, c)| (f.to_string(), *l, *c))
    .collect();
    assert_eq!(got, want, "{err}");
    assert_eq!(*total, 7);
    let msg = err.to_string();
    assert!(
        msg.starts_with("7 invalid lines; nothing was written"),
        "{msg}"
    );
    assert!(
        msg.contains("a.txt:4:1: ") && msg.contains("address"),
        "{msg}"
    );
    assert!(msg.contains("not valid UTF-8"), "{msg}");
    assert!(msg.contains("FILTER"), "{msg}");
}

#[test]
fn invalid_lines_are_capped_with_a_count_of_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..150).map(|i| format!("bad_{i}$.example\n")).collect();
    write(dir.path(), "bad.txt", text);
    let m = manifest(
        dir.path(),
        "[[list]]\nname = \"x\"\nkind = \"domain\"\nsources = [\"bad.txt\"]\n",
    );
    let err = compile(&m, &OPTS).unwrap_err();
    let Error::InvalidLines { lines, total } = &err else {
        panic!("{err}")
    };
    assert_eq!((lines.len(), *total), (MAX_SHOWN_INVALID, 150));
    assert_eq!(lines[99].0.line, 100);
    assert!(err.to_string().ends_with("... and 50 more"), "{err}");
}

#[test]
fn skip_invalid_drops_and_counts_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text: String = (0..12)
        .map(|i| format!("ok{i}.example\nbad{i}$.example\n"))
        .collect();
    write(d, "a.txt", text);
    write(d, "b.txt", "fine.example\n");
    let m = manifest(
        d,
        "[[list]]\nname = \"x\"\nkind = \"domain\"\nsources = [\"a.txt\", \"b.txt\"]\n",
    );
    let opts = BuildOptions {
        skip_invalid: true,
        max_change: None,
        ..BuildOptions::default()
    };
    let out = d.join("out.mxl");
    let report = build(&m, &out, &opts).unwrap();
    assert_eq!((report.files[0].entries, report.files[0].skipped), (12, 12));
    assert_eq!((report.files[1].entries, report.files[1].skipped), (1, 0));
    let w = &report.files[0].warnings;
    assert_eq!(w.len(), 5);
    assert!(
        w[0].message.starts_with("skipped: ") && w[0].location.line == 2,
        "{w:?}"
    );
    assert_eq!(report.files[0].warning_count, 12);
    let art = Artifact::open(&out).unwrap();
    assert!(art.check("ok3.example").unwrap().is_listed());
    assert_eq!(art.lists()[0].entries, 13);
}

#[test]
fn warnings_carry_locations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ovh.txt", "# OVH\n51.68.1.7/16 host bits set\n");
    let m = manifest(
        dir.path(),
        "[[list]]\nname = \"ovh\"\nkind = \"ip\"\nsources = [\"ovh.txt\"]\n",
    );
    let report = compile(&m, &OPTS).unwrap();
    let w = &report.files[0].warnings;
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].location.line, w[0].location.column), (2, 1));
    assert!(w[0].message.contains("host bits"), "{}", w[0].message);
}

fn ip_manifest(d: &Path, lines: usize, extra_list: bool) -> Manifest {
    let text: String = (0..lines)
        .map(|i| format!("{}.{}.{}.0/24\n", 10 + i / 65536, (i / 256) % 256, i % 256))
        .collect();
    write(d, "ovh.txt", text);
    write(d, "tlds.txt", "com\nnet\n");
    let mut toml = "[[list]]\nname = \"ovh\"\nkind = \"ip\"\nsources = [\"ovh.txt\"]\n".to_owned();
    if extra_list {
        toml.push_str(
            "[[list]]\nname = \"tlds\"\nkind = \"known_tlds\"\nsources = [\"tlds.txt\"]\n",
        );
    }
    manifest(d, &toml)
}

#[test]
fn max_change_refuses_and_keeps_the_old_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("lists.mxl");
    let limit = BuildOptions {
        skip_invalid: false,
        max_change: Some(10.0),
        ..BuildOptions::default()
    };
    // No artifact yet: the limit has nothing to compare with.
    build(&ip_manifest(d, 1000, true), &out, &limit).unwrap();
    let old = fs::read(&out).unwrap();

    // A truncated download: 1000 → 100 entries.
    let err = build(&ip_manifest(d, 100, true), &out, &limit).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::MaxChange { .. }), "{msg}");
    assert!(
        msg.contains("\"ovh\": 1000 → 100 entries (-90.0%)") && msg.contains("10%"),
        "{msg}"
    );
    assert_eq!(fs::read(&out).unwrap(), old);

    // Within the limit: written.
    let r = build(&ip_manifest(d, 1050, true), &out, &limit).unwrap();
    assert_eq!(fs::read(&out).unwrap(), r.built.bytes);

    // A removed list counts as 100%.
    let err = build(&ip_manifest(d, 1050, false), &out, &limit).unwrap_err();
    assert!(
        err.to_string()
            .contains("\"tlds\" removed (2 → 0 entries, 100%)"),
        "{err}"
    );
    assert_eq!(fs::read(&out).unwrap(), r.built.bytes);

    // Without the limit the same build goes through.
    build(&ip_manifest(d, 100, false), &out, &OPTS).unwrap();
    assert_eq!(Artifact::open(&out).unwrap().lists().len(), 1);
}

#[test]
fn max_change_counts_growth_from_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("lists.mxl");
    let limit = BuildOptions {
        skip_invalid: false,
        max_change: Some(50.0),
        ..BuildOptions::default()
    };
    build(&ip_manifest(d, 0, false), &out, &limit).unwrap();
    let err = build(&ip_manifest(d, 5, false), &out, &limit).unwrap_err();
    assert!(
        err.to_string().contains("0 → 5 entries (from empty)"),
        "{err}"
    );
}

#[test]
fn max_change_refuses_over_a_corrupt_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("lists.mxl");
    let m = ip_manifest(d, 10, false);
    build(&m, &out, &OPTS).unwrap();
    let mut bytes = fs::read(&out).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0xff;
    fs::write(&out, &bytes).unwrap();
    let limit = BuildOptions {
        skip_invalid: false,
        max_change: Some(10.0),
        ..BuildOptions::default()
    };
    let err = build(&m, &out, &limit).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::MaxChange { .. }) && msg.contains("cannot be read as an artifact"),
        "{msg}"
    );
    assert_eq!(fs::read(&out).unwrap(), bytes);
}

#[test]
fn failed_build_does_not_touch_the_old_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("lists.mxl");
    build(&ip_manifest(d, 10, false), &out, &OPTS).unwrap();
    let old = fs::read(&out).unwrap();
    write(d, "ovh.txt", "10.0.0.0/8\nnot-an-ip\n");
    assert!(build(
        &manifest(
            d,
            "[[list]]\nname = \"ovh\"\nkind = \"ip\"\nsources = [\"ovh.txt\"]\n"
        ),
        &out,
        &OPTS
    )
    .is_err());
    assert_eq!(fs::read(&out).unwrap(), old);
}

/// A domain or address entry in plain syntax, with optional `!` and reason.
fn entry() -> impl Strategy<Value = (bool, String, Option<String>)> {
    let label = prop::sample::select(vec!["a", "b", "mx", "Spam", "xn--bcher-kva", "bücher"]);
    let tld = prop::sample::select(vec!["com", "monster", "ORG"]);
    (
        any::<bool>(),
        prop::collection::vec(label, 0..3),
        tld,
        prop::sample::select(vec!["", "*.", "@", "=", "user@", "Bob@"]),
        prop::option::of(prop::sample::select(vec!["spam source", "bulk", "x"])),
    )
        .prop_map(|(exclude, labels, tld, prefix, reason)| {
            let mut name = labels.join(".");
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(tld);
            (
                exclude,
                format!("{prefix}{name}"),
                reason.map(str::to_owned),
            )
        })
}

fn plain_line((exclude, value, reason): &(bool, String, Option<String>)) -> String {
    let bang = if *exclude { "!" } else { "" };
    match reason {
        Some(r) => format!("{bang}{value}   {r}\n"),
        None => format!("{bang}{value}\n"),
    }
}

/// The same entry as an Exim key (in a file looked up with addresses), when
/// its form has one: `=d` is `*@d`, `*.d` and addresses are written as they
/// are; a domain with its subdomains has no single Exim key.
fn exim_line((exclude, value, reason): &(bool, String, Option<String>)) -> Option<String> {
    let key = if let Some(d) = value.strip_prefix('=') {
        format!("*@{d}")
    } else if value.starts_with("*.") || (value.contains('@') && !value.starts_with('@')) {
        value.clone()
    } else {
        return None;
    };
    let bang = if *exclude { "!" } else { "" };
    Some(format!(
        "{bang}\"{key}\": {}\n",
        reason.as_deref().unwrap_or("")
    ))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Reading sources gives the same artifact as adding the entries to a
    /// builder directly, whatever the split into files, their order, the
    /// duplicates and the format (plain, or exim for the forms an Exim key
    /// can write).
    #[test]
    fn sources_match_the_builder_oracle(
        entries in prop::collection::vec(entry(), 1..40),
        split in 0usize..40,
        seed in any::<u64>(),
    ) {
        let mut oracle = Builder::new();
        let id = oracle.add_list("senders", ListKind::Email, Some("listed")).unwrap();
        for e in &entries {
            oracle.add_text(id, plain_line(e).trim_end()).unwrap();
        }
        let want = oracle.build().unwrap().bytes;

        // A shuffled, duplicated copy, split into a plain and an exim file.
        let mut lines: Vec<&(bool, String, Option<String>)> = entries.iter().chain(entries.iter().take(split)).collect();
        let mut s = seed;
        for i in (1..lines.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lines.swap(i, (s >> 33) as usize % (i + 1));
        }
        let cut = split.min(lines.len());
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut plain: String = lines[..cut].iter().map(|e| plain_line(e)).collect();
        let mut exim = String::new();
        for e in &lines[cut..] {
            match exim_line(e) {
                Some(line) => exim.push_str(&line),
                None => plain.push_str(&plain_line(e)),
            }
        }
        write(d, "srv/b.txt", plain);
        write(d, "srv/a.lsearch", exim);
        let m = manifest(d, "[[list]]\nname = \"senders\"\nkind = \"email\"\nsources = [\"srv/*\"]\nreason = \"listed\"\n");
        let got = compile(&m, &OPTS).unwrap();
        prop_assert_eq!(got.built.bytes, want);
    }
}

#[test]
fn a_file_without_entries_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.txt", "");
    write(dir.path(), "comments.txt", "# nothing here yet\n");
    let m = manifest(
        dir.path(),
        "[[list]]\nname = \"x\"\nkind = \"ip\"\nsources = [\"empty.txt\", \"comments.txt\"]\n",
    );
    let report = compile(&m, &OPTS).unwrap();
    for f in &report.files {
        assert_eq!(f.warnings.len(), 1, "{:?}", f.path);
        assert!(
            f.warnings[0].message.contains("no entries"),
            "{:?}",
            f.warnings
        );
    }
}

#[test]
fn progress_reports_files_and_lines() {
    use mxlists_core::sources::{compile_with_progress, Progress};
    let dir = tempfile::tempdir().unwrap();
    let m = ip_manifest(dir.path(), 250_000, true);
    let mut events = Vec::new();
    compile_with_progress(&m, &OPTS, &mut |p| {
        events.push(match p {
            Progress::File {
                list, index, total, ..
            } => format!("file {list} {index}/{total}"),
            Progress::Lines { list, lines, .. } => format!("lines {list} {lines}"),
            Progress::Building => "building".to_owned(),
            Progress::Writing => "writing".to_owned(),
            _ => "other".to_owned(),
        })
    })
    .unwrap();
    assert_eq!(
        events,
        [
            "file ovh 0/2",
            "lines ovh 100000",
            "lines ovh 200000",
            "file tlds 1/2",
            "building"
        ]
    );
}
