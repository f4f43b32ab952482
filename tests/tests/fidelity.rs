//! Migration fidelity: the files an MTA reads today, built into one artifact,
//! give the verdicts the tools that read them give. Each key form is asked of
//! the tool itself — a real Exim (`exim -be`: `match_address` with
//! `nwildlsearch*@`, `${lookup}` with `lsearch` and `nwildlsearch`) and a real
//! rbldnsd (`dnset`, on a loopback port, asked with `dig`) — and of the C
//! library through Exim's `${dlfunc}` (`mxl_check`) on an artifact that
//! `mxlists build` made from the same files. Both must give the verdict the
//! tool's documentation gives the form (the tables below).
//!
//! Tools that are missing skip the test with a message (and fail it under
//! `CI=true`).

use std::path::{Path, PathBuf};
use std::process::Command;

use mxlists_tests::{bin, EximSite, Rbldnsd};

/// Invalid recipients, as `recipients = nwildlsearch*@;FILE` reads them.
const RECIPIENTS: &str = "\
# recipients = nwildlsearch*@;FILE
user@a.example: mailbox does not exist
*@b.example: the whole domain is gone
*.c.example: every host below c.example
Bob@Mixed.Example
\"quoted@q.example\": a quoted key
";

/// HELO names, as `${lookup{$sender_helo_name}lsearch{FILE}}` reads them.
const HELO: &str = "\
# ${lookup{$sender_helo_name}lsearch{FILE}}
163.com: forged HELO
Mail.Example.NET
localhost.localdomain: not a name on the Internet
";

/// HELO names, as `${lookup{$sender_helo_name}nwildlsearch{FILE}}` reads them.
const HELO_WILD: &str = "\
# ${lookup{$sender_helo_name}nwildlsearch{FILE}}
*.dyn.example: dynamic address space
static.example
";

/// An rbldnsd `dnset`: every name form, exclusions of each.
const DNSET: &str = "\
:127.0.0.2:Listed by rhsbl.test
exact.example
.dot.example
!in.dot.example
*.star.example
!.wl.example
in.wl.example
.up.example
!*.up.example
Caps.Example
";

const MANIFEST: &str = r#"
[[list]]
name = "spam_recipients"
kind = "email"
sources = ["recipients"]
reason = "recipient known to be invalid"

[[list]]
name = "heloblocks"
kind = "domain"
sources = ["helo"]
reason = "HELO name refused"

[[list]]
name = "helo_dynamic"
kind = "domain"
sources = ["helo_wild"]

[[list]]
name = "rhsbl"
kind = "domain"
sources = ["rhsbl.dnset"]
"#;

/// `(list, value, listed)`: what the tool answers for the value, as its
/// documentation says, for every key form of the files above.
const CASES: &[(&str, &str, bool)] = &[
    // `user@d`: that address, any case.
    ("spam_recipients", "user@a.example", true),
    ("spam_recipients", "User@A.Example", true),
    ("spam_recipients", "other@a.example", false),
    // `*@d`: any address at exactly d.
    ("spam_recipients", "x@b.example", true),
    ("spam_recipients", "x@sub.b.example", false),
    // `*.d`: any address below d, not at d.
    ("spam_recipients", "x@c.example", false),
    ("spam_recipients", "x@h.c.example", true),
    ("spam_recipients", "x@a.h.c.example", true),
    // A key in mixed case; a quoted key.
    ("spam_recipients", "bob@mixed.example", true),
    ("spam_recipients", "alice@mixed.example", false),
    ("spam_recipients", "quoted@q.example", true),
    // lsearch: a bare key is that name only.
    ("heloblocks", "163.com", true),
    ("heloblocks", "163.COM", true),
    ("heloblocks", "m16.mail.163.com", false),
    ("heloblocks", "com", false),
    ("heloblocks", "mail.example.net", true),
    ("heloblocks", "example.net", false),
    ("heloblocks", "x.mail.example.net", false),
    ("heloblocks", "localhost.localdomain", true),
    // nwildlsearch: `*.d` is below d; a bare key is that name only.
    ("helo_dynamic", "dyn.example", false),
    ("helo_dynamic", "h1.dyn.example", true),
    ("helo_dynamic", "a.b.dyn.example", true),
    ("helo_dynamic", "static.example", true),
    ("helo_dynamic", "x.static.example", false),
    // dnset: a bare name is that name only.
    ("rhsbl", "exact.example", true),
    ("rhsbl", "a.exact.example", false),
    // `.d`: d and below; `!name` takes out that name only.
    ("rhsbl", "dot.example", true),
    ("rhsbl", "a.dot.example", true),
    ("rhsbl", "in.dot.example", false),
    ("rhsbl", "a.in.dot.example", true),
    // `*.d`: below d only.
    ("rhsbl", "star.example", false),
    ("rhsbl", "a.star.example", true),
    ("rhsbl", "a.b.star.example", true),
    // `!.d` takes out d and below; a longer name listed under it is listed.
    ("rhsbl", "wl.example", false),
    ("rhsbl", "x.wl.example", false),
    ("rhsbl", "in.wl.example", true),
    ("rhsbl", "a.in.wl.example", false),
    // `.d` with `!*.d`: d itself only.
    ("rhsbl", "up.example", true),
    ("rhsbl", "a.up.example", false),
    ("rhsbl", "caps.example", true),
    ("rhsbl", "other.example", false),
];

/// The entry `mxl_check` reports for some of the cases: the exact form shows
/// as `=d`.
const ENTRIES: &[(&str, &str, &str)] = &[
    ("spam_recipients", "x@b.example", "=b.example"),
    ("spam_recipients", "user@a.example", "user@a.example"),
    ("spam_recipients", "x@h.c.example", "*.c.example"),
    ("heloblocks", "163.com", "=163.com"),
    ("helo_dynamic", "static.example", "=static.example"),
    ("rhsbl", "exact.example", "=exact.example"),
    ("rhsbl", "a.dot.example", "dot.example"),
];

fn extract(field: &str, yield_: &str) -> String {
    let key = format!("{field}=");
    let Some(at) = yield_.find(&key) else {
        return String::new();
    };
    let rest = &yield_[at + key.len()..];
    if let Some(q) = rest.strip_prefix('"') {
        q[..q.find('"').unwrap_or(q.len())].to_owned()
    } else {
        rest.split(' ').next().unwrap_or("").to_owned()
    }
}

/// Builds the manifest in `dir` with the `mxlists` command; the artifact.
fn mxlists_build(site: &EximSite) -> PathBuf {
    let out = site.path().join("lists.mxl");
    let r = Command::new(bin("mxlists"))
        .arg("build")
        .arg(site.path().join("mxlists.toml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "mxlists build: {r:?}");
    let summary = String::from_utf8_lossy(&r.stdout);
    for (file, format) in [
        ("recipients", "exim (auto)"),
        ("helo", "exim (auto)"),
        ("helo_wild", "exim (auto)"),
        ("rhsbl.dnset", "rbldnsd (auto)"),
    ] {
        assert!(
            summary
                .lines()
                .any(|l| l.contains(&format!("{file} ")) && l.contains(format)),
            "{file} read as {format}:\n{summary}"
        );
    }
    site.write("lists.mxl", std::fs::read(&out).unwrap())
}

#[test]
fn exim_rbldnsd_and_mxl_check_give_the_same_verdicts_for_every_key_form() {
    let Some(site) = EximSite::new() else { return };
    let files = [
        ("spam_recipients", site.write("recipients", RECIPIENTS)),
        ("heloblocks", site.write("helo", HELO)),
        ("helo_dynamic", site.write("helo_wild", HELO_WILD)),
        ("rhsbl", site.write("rhsbl.dnset", DNSET)),
    ];
    let file = |list: &str| -> &Path { &files.iter().find(|f| f.0 == list).unwrap().1 };
    site.write("mxlists.toml", MANIFEST);
    let artifact = mxlists_build(&site);
    let Some(rbldnsd) = Rbldnsd::serve("rhsbl.test", "dnset", file("rhsbl")) else {
        return;
    };

    // The tools' verdicts: Exim's expansions, then one dig batch.
    let mut exprs = Vec::new();
    for (list, value, _) in CASES {
        let f = file(list).display();
        exprs.push(match *list {
            "spam_recipients" => {
                format!("${{if match_address{{{value}}}{{nwildlsearch*@;{f}}}{{yes}}{{no}}}}")
            }
            "heloblocks" => format!("${{lookup{{{value}}}lsearch{{{f}}}{{yes:$value}}{{no}}}}"),
            "helo_dynamic" => {
                format!("${{lookup{{{value}}}nwildlsearch{{{f}}}{{yes:$value}}{{no}}}}")
            }
            _ => "rbldnsd".to_owned(),
        });
        exprs.push(site.dlfunc("mxl_check", &artifact, list, value));
    }
    let answers = site.expand_all(&exprs);
    let dns_cases: Vec<&str> = CASES
        .iter()
        .filter(|c| c.0 == "rhsbl")
        .map(|c| c.1)
        .collect();
    let mut dns = rbldnsd.listed(&dns_cases).into_iter();

    let mut failed = Vec::new();
    let mut table = String::new();
    for (i, (list, value, want)) in CASES.iter().enumerate() {
        let tool = answers[2 * i].clone().unwrap_or_else(|e| panic!("{e}"));
        let (tool_listed, data) = if *list == "rhsbl" {
            (dns.next().unwrap(), String::new())
        } else {
            match tool.split_once(':') {
                Some((yes, data)) => (yes == "yes", data.to_owned()),
                None => (tool == "yes", String::new()),
            }
        };
        let hit = answers[2 * i + 1]
            .clone()
            .unwrap_or_else(|e| panic!("mxl_check {value}: {e}"));
        let listed = !hit.is_empty();
        table.push_str(&format!(
            "{list:16} {value:24} tool={tool_listed:5} mxl_check={listed:5} {hit}\n"
        ));
        if tool_listed != *want || listed != *want {
            failed.push(format!(
                "{list} {value}: the tool says {tool_listed}, mxl_check says {listed} ({hit:?}); \
                 the documented meaning is {want}"
            ));
        }
        // Where Exim returns the key's data, it is the hit's reason.
        if listed && !data.is_empty() && extract("reason", &hit) != data {
            failed.push(format!(
                "{list} {value}: reason {hit:?}, Exim's data {data:?}"
            ));
        }
        if let Some((_, _, entry)) = ENTRIES.iter().find(|e| e.0 == *list && e.1 == *value) {
            if extract("entry", &hit) != *entry {
                failed.push(format!("{list} {value}: entry of {hit:?} is not {entry}"));
            }
        }
    }
    eprintln!("{table}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// `(list kind, file content, a value the key matches in Exim, the Exim
/// expansion's lookup)`: keys whose meaning mxlists cannot express. Exim shows
/// what they match; `mxlists build` refuses them at their file:line:column.
#[test]
fn keys_mxlists_cannot_express_are_build_errors_and_exim_shows_why() {
    let Some(site) = EximSite::new() else { return };
    // (file, list kind, key, the lookup, a value, whether Exim matches it)
    let cases: &[(&str, &str, &str, &str, &str, bool)] = &[
        // A wildcard without a dot matches any name ending in the text.
        (
            "tail",
            "domain",
            "*example.com",
            "nwildlsearch",
            "badexample.com",
            true,
        ),
        // A regular expression.
        (
            "regex",
            "domain",
            "^mail[0-9]+\\.example\\.org$",
            "nwildlsearch",
            "mail12.example.org",
            true,
        ),
        // A bare name never matches an address looked up with *@.
        (
            "bare",
            "email",
            "bare.example",
            "*@",
            "x@bare.example",
            false,
        ),
        // `*@d` never matches a name looked up as such.
        (
            "at",
            "domain",
            "*@at.example",
            "lsearch",
            "at.example",
            false,
        ),
    ];
    let mut exprs = Vec::new();
    for (name, _, key, lookup, value, _) in cases {
        let f = site.write(name, format!("{key}: why\n"));
        let f = f.display();
        exprs.push(if *lookup == "*@" {
            format!("${{if match_address{{{value}}}{{nwildlsearch*@;{f}}}{{yes}}{{no}}}}")
        } else {
            format!("${{lookup{{{value}}}{lookup}{{{f}}}{{yes}}{{no}}}}")
        });
    }
    let answers = site.expand_all(&exprs);
    for ((name, kind, key, _, value, matches), answer) in cases.iter().zip(answers) {
        let want = if *matches { "yes" } else { "no" };
        assert_eq!(answer.as_deref(), Ok(want), "Exim on {key} and {value}");
        site.write(
            "m.toml",
            format!(
                "[[list]]\nname = \"l\"\nkind = \"{kind}\"\nsources = [\"{name}\"]\nformat = \"exim\"\n"
            ),
        );
        let r = Command::new(bin("mxlists"))
            .arg("build")
            .arg(site.path().join("m.toml"))
            .arg("-o")
            .arg(site.path().join("never.mxl"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{key}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}:1:1: ")) && stderr.contains(&format!("{key:?}")),
            "{key}: {stderr}"
        );
        assert!(!site.path().join("never.mxl").exists());
    }
}

/// The conversions `docs/migrate.md` gives for what the `exim` reader cannot
/// know from a file alone: a file read by `partial-lsearch`, and a whitelist
/// read by `!` in a host list. Both are run as the guide writes them, and the
/// results answer as Exim does.
#[test]
fn the_migration_guides_conversions_answer_as_exim_does() {
    const PARTIAL: &str = "sed -E -e '/^[[:space:]]*(#|$)/b' -e 's/^\\*\\.//' -e t -e 's/^/=/'";
    const WHITELIST: &str = "sed -E -e '/^[[:space:]]*(#|$)/b' -e 's/^/!/'";
    let guide =
        std::fs::read_to_string(mxlists_tests::workspace_root().join("docs/migrate.md")).unwrap();
    for command in [PARTIAL, WHITELIST] {
        assert!(guide.contains(command), "docs/migrate.md shows {command}");
    }
    let Some(site) = EximSite::new() else { return };
    let partial = site.write(
        "partial_domains",
        "# domains = partial-lsearch;FILE\n*.w.example: wildcard\n163.com: exact\n\n*.deep.sub.example\n",
    );
    let ranges = site.write("ovh_ranges", "# ranges\n51.68.0.0/16\n2001:41d0::/32\n");
    let whitelist = site.write(
        "ovh_whitelist",
        "# customers\n51.68.10.0/28\n51.68.20.7\n2001:41d0:1::/48\n",
    );
    let convert = |command: &str, from: &Path, to: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{command} {} > {}",
                from.display(),
                site.path().join(to).display()
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {out:?}");
    };
    convert(PARTIAL, &partial, "partial_domains.txt");
    convert(WHITELIST, &whitelist, "ovh_whitelist.txt");
    site.write(
        "mxlists.toml",
        "[[list]]\nname = \"partial\"\nkind = \"domain\"\nsources = [\"partial_domains.txt\"]\nformat = \"plain\"\n\n\
         [[list]]\nname = \"ovh\"\nkind = \"ip\"\nsources = [\"ovh_ranges\", \"ovh_whitelist.txt\"]\n",
    );
    let r = Command::new(bin("mxlists"))
        .arg("build")
        .arg(site.path().join("mxlists.toml"))
        .arg("-o")
        .arg(site.path().join("built.mxl"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    let artifact = site.write(
        "lists.mxl",
        std::fs::read(site.path().join("built.mxl")).unwrap(),
    );

    let names = [
        "w.example",
        "x.w.example",
        "a.b.w.example",
        "example",
        "163.com",
        "m.163.com",
        "deep.sub.example",
        "x.deep.sub.example",
        "sub.example",
    ];
    let ips = [
        "51.68.0.1",
        "51.68.10.1",
        "51.68.10.16",
        "51.68.20.7",
        "51.68.20.8",
        "51.69.0.1",
        "2001:41d0::1",
        "2001:41d0:1::1",
        "2001:41d0:2::1",
    ];
    let mut exprs = Vec::new();
    for v in names {
        exprs.push(format!(
            "${{lookup{{{v}}}partial-lsearch{{{}}}{{yes}}{{no}}}}",
            partial.display()
        ));
        exprs.push(site.dlfunc("mxl_match", &artifact, "partial", v));
    }
    for v in ips {
        exprs.push(format!(
            "${{if match_ip{{{v}}}{{<; ! {} ; {}}}{{yes}}{{no}}}}",
            whitelist.display(),
            ranges.display()
        ));
        exprs.push(site.dlfunc("mxl_match", &artifact, "ovh", v));
    }
    let answers = site.expand_all(&exprs);
    let values = names.iter().chain(&ips);
    let mut failed = Vec::new();
    for (v, pair) in values.zip(answers.chunks(2)) {
        let (exim, mxl) = (pair[0].clone().unwrap(), pair[1].clone().unwrap());
        eprintln!("{v:20} exim={exim:3} mxl_match={mxl}");
        if exim != mxl {
            failed.push(format!("{v}: Exim {exim}, mxl_match {mxl}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    // Both sides list something and leave something out.
    for want in ["yes", "no"] {
        assert!(answers.iter().any(|a| a.as_deref() == Ok(want)));
    }
}
