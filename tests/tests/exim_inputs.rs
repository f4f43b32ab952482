//! Bad input through a real Exim: `mxl_check` and `mxl_match` expanded with
//! `exim -be`, and SMTP conversations through the ACLs of `tests/exim/acl.conf`
//! with `exim -bh`, fed empty values, `@`, `@@`, a 1 MiB value, invalid UTF-8,
//! a 300-label domain, `[::ffff:]`, quoted local parts and their neighbours.
//!
//! Every value gets the answer documented in `docs/RELIABILITY.md` (the tables
//! below), Exim never crashes or logs to its panic log, and no value makes an
//! expansion fail (which would turn the ACL's answer into a 451).
//!
//! Values reach `exim -be` through `${readfile}` of a file holding exactly the
//! value's bytes, so that any bytes (invalid UTF-8, a megabyte) can be passed.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use mxlists_core::entry::parse_value;
use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_tests::EximSite;

/// The lists `tests/exim/acl.conf` consults.
fn artifact() -> Vec<u8> {
    let mut b = Builder::new();
    let bans = b
        .add_list("tld_bans", ListKind::Domain, Some("banned TLD"))
        .unwrap();
    b.add_text(bans, ".monster").unwrap();
    b.add_text(bans, "!good.monster").unwrap();
    let rcpt = b
        .add_list("invalid_rcpt", ListKind::Email, Some("invalid recipient"))
        .unwrap();
    // A quoted local part with a space cannot be written in plain entry
    // syntax (whitespace starts the reason); it is added as a separated value.
    let quoted = parse_value(ListKind::Email, r#""john doe"@example.com"#, false, None).unwrap();
    b.add(rcpt, quoted.entry).unwrap();
    b.add_text(rcpt, "nobody@example.com").unwrap();
    let invalid = b
        .add_list("invalid_domains", ListKind::Domain, Some("invalid domain"))
        .unwrap();
    b.add_text(invalid, "pop-os.localdomain").unwrap();
    let ovh = b.add_list("ovh", ListKind::Ip, Some("OVH")).unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.add_text(ovh, "2001:41d0::/32").unwrap();
    let tlds = b
        .add_list("tlds", ListKind::KnownTlds, Some("unknown TLD"))
        .unwrap();
    for t in ["com", "net", "org", "example", "monster"] {
        b.add_text(tlds, t).unwrap();
    }
    b.build().unwrap().bytes
}

/// A site for a real Exim ([`EximSite`]) holding the artifact `lists.mxl`
/// and the value files.
struct Site {
    site: EximSite,
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Site {
    fn new() -> Option<Site> {
        let site = Site {
            site: EximSite::new()?,
        };
        write_atomic(&site.path().join("lists.mxl"), &artifact()).unwrap();
        chmod(&site.path().join("lists.mxl"), 0o644);
        Some(site)
    }

    fn path(&self) -> &Path {
        self.site.path()
    }

    fn exim(&self, extra: &[&str]) -> Command {
        self.site.command(extra)
    }

    /// Expands `mxl_check` and `mxl_match` over every list for each value in
    /// one `exim -be` run (values read from files); returns per value
    /// `(check yield, match yield)`, or the failure message of an expansion.
    fn expand_all(&self, values: &[Vec<u8>]) -> Vec<(String, String)> {
        let lib = self.path().join("libmxlists.so");
        let art = self.path().join("lists.mxl");
        let mut script = String::new();
        for (i, v) in values.iter().enumerate() {
            let file = self.path().join(format!("value-{i}"));
            std::fs::write(&file, v).unwrap();
            chmod(&file, 0o644);
            for func in ["mxl_check", "mxl_match"] {
                script.push_str(&format!(
                    "<{i} {func}>${{dlfunc{{{}}}{{{func}}}{{{}}}{{*}}{{${{readfile{{{}}}}}}}}}</{i}>\n",
                    lib.display(),
                    art.display(),
                    file.display()
                ));
            }
        }
        let mut child = self
            .exim(&["-be"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run exim -be");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "exim -be: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let answer = |i: usize, func: &str| -> String {
            let open = format!("<{i} {func}>");
            match stdout.find(&open) {
                Some(at) => {
                    let rest = &stdout[at + open.len()..];
                    let end = rest.find(&format!("</{i}>")).unwrap_or(rest.len());
                    rest[..end].to_owned()
                }
                // A failed expansion prints `Failed: message` instead.
                None => format!("FAILED ({})", failure_near(&stdout, i)),
            }
        };
        (0..values.len())
            .map(|i| (answer(i, "mxl_check"), answer(i, "mxl_match")))
            .collect()
    }

    /// Runs an SMTP conversation with `exim -bh`: the final reply line of each
    /// command (greeting first), and the log lines.
    fn smtp(&self, ip: &str, commands: &[Vec<u8>]) -> (Vec<String>, String) {
        let mut child = self
            .exim(&["-bh", ip])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run exim -bh");
        let mut input = Vec::new();
        for c in commands {
            input.extend_from_slice(c);
            input.extend_from_slice(b"\r\n");
        }
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let out = child.wait_with_output().unwrap();
        let replies = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| {
                let b = l.as_bytes();
                b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' '
            })
            .map(str::to_owned)
            .collect();
        (replies, String::from_utf8_lossy(&out.stderr).into_owned())
    }

    /// Whether Exim wrote to its panic log.
    fn panic_log(&self) -> String {
        std::fs::read_to_string(self.path().join("log/paniclog")).unwrap_or_default()
    }
}

fn failure_near(stdout: &str, i: usize) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("Failed:"))
        .map(|l| format!("value {i}: {l}"))
        .unwrap_or_else(|| format!("value {i}: no output"))
}

/// The bad-input matrix: `(what, value bytes, mxl_check yield, mxl_match
/// yield)`. Invalid values are "not listed": the empty yield and `no`.
fn matrix() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    const MONSTER: &str = r#"list=tld_bans entry=monster reason="banned TLD""#;
    // An entry holding a space or a quote is quoted, `"` and `\` escaped.
    const QUOTED: &str =
        r#"list=invalid_rcpt entry="\"john doe\"@example.com" reason="invalid recipient""#;
    let labels_300 = vec!["a"; 299].join(".") + ".monster";
    // 253 octets, the longest valid domain, and one octet more.
    let max_domain = format!("{0}.{0}.{0}.{1}.monster", "a".repeat(61), "a".repeat(59));
    let over_max = format!("a{max_domain}");
    assert_eq!((max_domain.len(), over_max.len()), (253, 254));
    let mib = {
        let mut v = vec![b'a'; 1 << 20];
        v[500_000] = b'@';
        v
    };
    let mut spaced = vec![b' '; 1 << 20];
    spaced.extend_from_slice(b"u@x.monster");
    vec![
        ("empty value", b"".to_vec(), "", "no"),
        ("only spaces", b"   ".to_vec(), "", "no"),
        ("@", b"@".to_vec(), "", "no"),
        ("@@", b"@@".to_vec(), "", "no"),
        ("a@@b", b"a@@b".to_vec(), "", "no"),
        (
            "@ then a listed domain",
            b"@x.monster".to_vec(),
            MONSTER,
            "yes",
        ),
        (
            "@ then an unlisted domain",
            b"@example.com".to_vec(),
            "",
            "no",
        ),
        ("<> (null sender)", b"<>".to_vec(), "", "no"),
        ("1 MiB of a", vec![b'a'; 1 << 20], "", "no"),
        ("1 MiB address", mib, "", "no"),
        // The whole megabyte reaches the library: trimmed, the address remains.
        ("1 MiB of spaces, then an address", spaced, MONSTER, "yes"),
        (
            "invalid UTF-8 (latin-1 byte)",
            b"caf\xe9@x.monster".to_vec(),
            "",
            "no",
        ),
        (
            "invalid UTF-8 (lone continuation)",
            b"\x80\x80@x.monster".to_vec(),
            "",
            "no",
        ),
        (
            "invalid UTF-8 domain",
            b"u@\xff\xfe.monster".to_vec(),
            "",
            "no",
        ),
        ("control character", b"u\x01@x.monster".to_vec(), "", "no"),
        ("300-label domain", labels_300.into_bytes(), "", "no"),
        (
            "253-octet domain (the limit)",
            max_domain.into_bytes(),
            MONSTER,
            "yes",
        ),
        ("254-octet domain", over_max.into_bytes(), "", "no"),
        (
            "64-octet label",
            format!("{}.monster", "a".repeat(64)).into_bytes(),
            "",
            "no",
        ),
        (
            "65-octet local part",
            format!("{}@x.monster", "a".repeat(65)).into_bytes(),
            "",
            "no",
        ),
        ("[::ffff:]", b"[::ffff:]".to_vec(), "", "no"),
        ("[]", b"[]".to_vec(), "", "no"),
        ("[IPv6:]", b"[IPv6:]".to_vec(), "", "no"),
        (
            "bracketed non-ASCII",
            "[ипв6:1]".as_bytes().to_vec(),
            "",
            "no",
        ),
        (
            "[::ffff:51.68.0.1]",
            b"[::ffff:51.68.0.1]".to_vec(),
            r#"list=ovh entry=51.68.0.0/16 reason="OVH""#,
            "yes",
        ),
        ("1.2.3 (short IPv4)", b"1.2.3".to_vec(), "", "no"),
        ("999.1.1.1", b"999.1.1.1".to_vec(), "", "no"),
        (
            "quoted local part with a space",
            br#""john doe"@example.com"#.to_vec(),
            QUOTED,
            "yes",
        ),
        (
            "quoted local part, upper case",
            br#""JOHN DOE"@Example.COM"#.to_vec(),
            QUOTED,
            "yes",
        ),
        (
            "quoted local part holding @",
            br#""a@b"@x.monster"#.to_vec(),
            MONSTER,
            "yes",
        ),
        (
            "quoted local part, banned TLD",
            br#""x y"@bad.monster"#.to_vec(),
            MONSTER,
            "yes",
        ),
        (
            "unterminated quote",
            br#""john@example.com"#.to_vec(),
            "",
            "no",
        ),
        ("lone quote", br#"""#.to_vec(), "", "no"),
        (
            "quote and backslash",
            br#""\"@x.monster"#.to_vec(),
            MONSTER,
            "yes",
        ),
        (
            "exclusion still applies",
            b"u@good.monster".to_vec(),
            "",
            "no",
        ),
        ("trailing dot", b"U@X.MONSTER.".to_vec(), MONSTER, "yes"),
        ("two trailing dots", b"u@x.monster..".to_vec(), "", "no"),
        ("leading dot", b".monster".to_vec(), "", "no"),
        (
            "Exim list separator",
            b"a@x.monster : b@y.com".to_vec(),
            "",
            "no",
        ),
        // `$`, `{`, `}` and `/` are atext: a valid local part. The value is
        // data: it is not expanded again.
        (
            "braces and dollar",
            b"${run{/bin/true}}@x.monster".to_vec(),
            MONSTER,
            "yes",
        ),
        (
            "newline inside",
            b"u@x.monster\nroot@pop-os.localdomain".to_vec(),
            "",
            "no",
        ),
    ]
}

#[test]
fn bad_values_through_exim_be_get_their_documented_answers() {
    let Some(site) = Site::new() else { return };
    let cases = matrix();
    let values: Vec<Vec<u8>> = cases.iter().map(|c| c.1.clone()).collect();
    let started = Instant::now();
    let got = site.expand_all(&values);
    let took = started.elapsed();
    let mut failed = Vec::new();
    for ((what, _, check, matched), (got_check, got_match)) in cases.iter().zip(&got) {
        if got_check != check || got_match != matched {
            failed.push(format!(
                "{what}: mxl_check {got_check:?} (expected {check:?}), mxl_match {got_match:?} \
                 (expected {matched:?})"
            ));
        }
    }
    eprintln!(
        "{} bad values through exim -be (mxl_check and mxl_match) in {took:?}",
        cases.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert_eq!(site.panic_log(), "", "Exim wrote to its panic log");
    // Exim's $local_part drops the quotes of a quoted local part; quoting it
    // again gives the address the list holds.
    let requoted = site
        .exim(&[
            "-be",
            &format!(
                "${{dlfunc{{{}}}{{mxl_match}}{{{}}}{{invalid_rcpt}}{{${{quote_local_part:john doe}}@example.com}}}}",
                site.path().join("libmxlists.so").display(),
                site.path().join("lists.mxl").display()
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&requoted.stdout).trim(), "yes");
}

/// `(what, SMTP command, final reply prefix)`: what Exim's own parser refuses
/// (501), what the ACL denies (550) and what passes (250).
fn smtp_matrix() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let long_local = format!("MAIL FROM:<{}@x.com>", "a".repeat(300));
    let labels_300 = format!("RCPT TO:<u@{}.com>", vec!["a"; 299].join("."));
    vec![
        ("MAIL FROM:<> (bounce)", b"MAIL FROM:<>".to_vec(), "250"),
        ("MAIL FROM:<@>", b"MAIL FROM:<@>".to_vec(), "501"),
        ("MAIL FROM:<@@>", b"MAIL FROM:<@@>".to_vec(), "501"),
        (
            "MAIL FROM:<a@@b.com>",
            b"MAIL FROM:<a@@b.com>".to_vec(),
            "501",
        ),
        (
            "sender with banned TLD",
            b"MAIL FROM:<u@x.monster>".to_vec(),
            "550",
        ),
        (
            "sender quoted local part, banned TLD",
            br#"MAIL FROM:<"john doe"@x.monster>"#.to_vec(),
            "550",
        ),
        (
            "sender quoted local part, good domain",
            br#"MAIL FROM:<"john doe"@example.com>"#.to_vec(),
            "250",
        ),
        (
            "sender unknown TLD",
            b"MAIL FROM:<root@pop-os.localdomain>".to_vec(),
            "550",
        ),
        (
            "sender [::ffff:] domain literal",
            b"MAIL FROM:<u@[::ffff:]>".to_vec(),
            "501",
        ),
        (
            "sender 300-octet local part",
            long_local.into_bytes(),
            "501",
        ),
        (
            "sender invalid UTF-8",
            b"MAIL FROM:<caf\xe9@example.com>".to_vec(),
            "250",
        ),
        // Exim's $local_part is the local part without its quotes, so
        // `$local_part@$domain` (as in acl.conf) asks about `john doe@example.com`,
        // which is not a valid address: not listed. `${quote_local_part:}` keeps
        // the quotes (see the expansion test).
        (
            "recipient quoted local part",
            br#"RCPT TO:<"john doe"@example.com>"#.to_vec(),
            "250",
        ),
        (
            "recipient listed",
            b"RCPT TO:<nobody@example.com>".to_vec(),
            "550",
        ),
        ("recipient 300-label domain", labels_300.into_bytes(), "501"),
        ("recipient @@", b"RCPT TO:<@@>".to_vec(), "501"),
        (
            "recipient, good",
            b"RCPT TO:<someone@example.com>".to_vec(),
            "250",
        ),
    ]
}

#[test]
fn bad_addresses_through_exim_bh_get_their_documented_replies() {
    let Some(site) = Site::new() else { return };
    let mut failed = Vec::new();
    for (what, command, want) in smtp_matrix() {
        // A fresh transaction for each command: MAIL first when testing RCPT.
        let mut commands = vec![b"HELO client.test".to_vec()];
        if command.starts_with(b"RCPT") {
            commands.push(b"MAIL FROM:<>".to_vec());
        }
        commands.push(command.clone());
        commands.push(b"QUIT".to_vec());
        let (replies, log) = site.smtp("192.0.2.1", &commands);
        let reply = replies.get(commands.len() - 1).cloned().unwrap_or_default();
        let closed = replies.last().is_some_and(|r| r.starts_with("221 "));
        if !reply.starts_with(want) || !closed {
            failed.push(format!(
                "{what}: {reply:?} (expected {want}), replies {replies:?}\n{}",
                log.lines()
                    .filter(|l| l.starts_with("LOG:"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert_eq!(site.panic_log(), "", "Exim wrote to its panic log");
}
