//! The Exim functions in a real Exim (Debian's `exim4-daemon-heavy`): string
//! expansions with `exim -be`, and whole SMTP conversations with `exim -bh`
//! through the ACLs of `tests/exim/acl.conf` (those of `docs/exim.md`).
//!
//! Nothing is installed: each test builds an artifact with the engine, copies
//! `libmxlists.so` and the configuration beside it in a temporary directory
//! readable by the Exim user (Exim gives up root for a configuration passed
//! with `-C`), and passes the configuration with `-C`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_tests::EximSite;

/// The artifact's lists. Version 2 is a rebuild: `.monster` is no longer
/// banned, and `clean@example.com` has become an invalid recipient.
fn artifact(version: u32) -> Vec<u8> {
    let mut b = Builder::new();
    let bans = b
        .add_list(
            "tld_bans",
            ListKind::Domain,
            Some("mail from this TLD is not accepted here"),
        )
        .unwrap();
    if version == 1 {
        b.add_text(bans, ".monster").unwrap();
        b.add_text(bans, "!good.monster").unwrap();
    }
    b.add_text(bans, "bücher.example").unwrap();
    b.add_text(
        bans,
        ".zip mail from .zip is not accepted (looks like a file name)",
    )
    .unwrap();
    let rcpt = b
        .add_list(
            "invalid_rcpt",
            ListKind::Email,
            Some("recipient known to be invalid"),
        )
        .unwrap();
    b.add_text(
        rcpt,
        r#"nobody@example.com Mailbox "nobody" does not exist \ really"#,
    )
    .unwrap();
    b.add_text(rcpt, "info@corp.example").unwrap();
    if version == 2 {
        b.add_text(rcpt, "clean@example.com").unwrap();
    }
    let invalid = b
        .add_list(
            "invalid_domains",
            ListKind::Domain,
            Some("audited invalid domain"),
        )
        .unwrap();
    b.add_text(invalid, "mail.invalid-domain.example").unwrap();
    let ovh = b
        .add_list("ovh", ListKind::Ip, Some("OVH network"))
        .unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.add_text(ovh, "!51.68.10.0/28 our customer").unwrap();
    b.add_text(ovh, "2001:41d0::/32").unwrap();
    b.add_text(ovh, "!2001:41d0:1::/48").unwrap();
    let tlds = b
        .add_list(
            "tlds",
            ListKind::KnownTlds,
            Some("unknown top-level domain"),
        )
        .unwrap();
    for t in ["com", "net", "org", "example", "monster", "zip"] {
        b.add_text(tlds, t).unwrap();
    }
    b.build().unwrap().bytes
}

/// A site for a real Exim ([`EximSite`]) holding the artifact `lists.mxl`.
struct Site {
    site: EximSite,
}

impl Site {
    /// `None` when Exim is absent (and not under CI).
    fn new() -> Option<Site> {
        let site = Site {
            site: EximSite::new()?,
        };
        site.publish(1);
        Some(site)
    }

    fn path(&self) -> &Path {
        self.site.path()
    }

    fn lib(&self) -> PathBuf {
        self.site.lib()
    }

    fn artifact(&self) -> PathBuf {
        self.path().join("lists.mxl")
    }

    /// Builds version `v` and renames it over the artifact, as a deploy does.
    fn publish(&self, v: u32) {
        write_atomic(&self.artifact(), &artifact(v)).unwrap();
        chmod(&self.artifact(), 0o644);
    }

    fn exim(&self, extra: &[&str]) -> Command {
        self.site.command(extra)
    }

    /// `${dlfunc{LIB}{func}{ARTIFACT}{lists}{value}}`.
    fn call(&self, func: &str, lists: &str, value: &str) -> String {
        self.call_on(&self.artifact(), func, lists, value)
    }

    fn call_on(&self, artifact: &Path, func: &str, lists: &str, value: &str) -> String {
        format!(
            "${{dlfunc{{{}}}{{{func}}}{{{}}}{{{lists}}}{{{value}}}}}",
            self.lib().display(),
            artifact.display()
        )
    }

    /// Expands `expr` with `exim -be`: `Ok(result)` or `Err(message)`.
    fn expand(&self, expr: &str) -> Result<String, String> {
        let out = self.exim(&["-be", expr]).output().expect("run exim -be");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stdout = stdout.strip_suffix('\n').unwrap_or(&stdout).to_owned();
        match stdout.strip_prefix("Failed: ") {
            Some(message) => Err(message.to_owned()),
            None => {
                assert!(
                    out.status.success(),
                    "exim -be {expr}: {}\n{stdout}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                Ok(stdout)
            }
        }
    }

    /// Runs an SMTP conversation with `exim -bh ip`: the final response line of
    /// each command (the greeting first), and Exim's log lines.
    fn smtp(&self, ip: &str, commands: &[&str], extra: &[&str]) -> (Vec<String>, String) {
        let mut args = extra.to_vec();
        args.extend(["-bh", ip]);
        let mut child = self
            .exim(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run exim -bh");
        let mut input = String::new();
        for c in commands {
            input.push_str(c);
            input.push_str("\r\n");
        }
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let replies = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| is_final_reply(l))
            .map(str::to_owned)
            .collect();
        let log = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("LOG:"))
            .collect::<Vec<_>>()
            .join("\n");
        (replies, log)
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A final SMTP reply line: three digits and a space.
fn is_final_reply(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' '
}

const MONSTER: &str =
    r#"list=tld_bans entry=monster reason="mail from this TLD is not accepted here""#;

#[test]
fn expansions_hits_misses_and_exclusions() {
    let Some(s) = Site::new() else { return };
    let cases: &[(&str, &str, &str, &str)] = &[
        // (function, lists, value, yield)
        ("mxl_check", "*", "u@x.monster", MONSTER),
        ("mxl_check", "*", "U@X.MONSTER", MONSTER),
        ("mxl_check", "*", "<u@sub.x.Monster.>", MONSTER),
        ("mxl_check", "*", "x.monster", MONSTER),
        ("mxl_check", "*", "x@good.monster", ""),
        ("mxl_check", "*", "mail.good.monster", ""),
        ("mxl_check", "*", "u@example.com", ""),
        ("mxl_check", "tlds", "u@x.monster", ""),
        ("mxl_check", "ovh, tld_bans", "u@x.monster", MONSTER),
        (
            "mxl_check",
            "*",
            "shop.bücher.example",
            r#"list=tld_bans entry=xn--bcher-kva.example reason="mail from this TLD is not accepted here""#,
        ),
        (
            "mxl_check",
            "*",
            "U@XN--BCHER-KVA.example",
            r#"list=tld_bans entry=xn--bcher-kva.example reason="mail from this TLD is not accepted here""#,
        ),
        (
            "mxl_check",
            "*",
            "a@x.zip",
            r#"list=tld_bans entry=zip reason="mail from .zip is not accepted (looks like a file name)""#,
        ),
        (
            "mxl_check",
            "*",
            "Info@Corp.Example",
            r#"list=invalid_rcpt entry=info@corp.example reason="recipient known to be invalid""#,
        ),
        (
            "mxl_check",
            "*",
            "root@mail.invalid-domain.example",
            r#"list=invalid_domains entry=mail.invalid-domain.example reason="audited invalid domain""#,
        ),
        // known_tlds: the entry is the TLD the list does not know.
        (
            "mxl_check",
            "*",
            "root@pop-os.localdomain",
            r#"list=tlds entry=localdomain reason="unknown top-level domain""#,
        ),
        (
            "mxl_check",
            "*",
            "root@pop-os.LOCALDOMAIN.",
            r#"list=tlds entry=localdomain reason="unknown top-level domain""#,
        ),
        // IPv4, IPv6, mapped and bracketed forms, exclusions.
        (
            "mxl_check",
            "ovh",
            "51.68.0.1",
            r#"list=ovh entry=51.68.0.0/16 reason="OVH network""#,
        ),
        (
            "mxl_check",
            "ovh",
            "::ffff:51.68.200.7",
            r#"list=ovh entry=51.68.0.0/16 reason="OVH network""#,
        ),
        ("mxl_check", "ovh", "51.68.10.3", ""),
        (
            "mxl_check",
            "*",
            "2001:41D0::1",
            r#"list=ovh entry=2001:41d0::/32 reason="OVH network""#,
        ),
        (
            "mxl_check",
            "*",
            "[IPv6:2001:41d0:2::1]",
            r#"list=ovh entry=2001:41d0::/32 reason="OVH network""#,
        ),
        ("mxl_check", "*", "2001:41d0:1::5", ""),
        ("mxl_check", "*", "2001:db8::1", ""),
        ("mxl_match", "*", "u@x.monster", "yes"),
        ("mxl_match", "*", "U@X.MONSTER", "yes"),
        ("mxl_match", "*", "x@good.monster", "no"),
        ("mxl_match", "ovh", "51.68.10.3", "no"),
        ("mxl_match", "ovh", "51.68.10.16", "yes"),
        ("mxl_match", "ovh", "2001:41d0::9", "yes"),
        ("mxl_match", "*", "shop.BÜCHER.example", "yes"),
        ("mxl_match", "tlds", "root@pop-os.localdomain", "yes"),
        // Malformed values are not listed.
        ("mxl_check", "*", "a@@b", ""),
        ("mxl_check", "*", "", ""),
        ("mxl_check", "*", "@", ""),
        ("mxl_match", "*", "a@@x.monster", "no"),
        ("mxl_match", "*", "x..monster", "no"),
    ];
    let mut failed = Vec::new();
    for (func, lists, value, want) in cases {
        let got = s.expand(&s.call(func, lists, value));
        if got.as_deref() != Ok(*want) {
            failed.push(format!(
                "{func}{{{lists}}}{{{value}}}: {got:?}, expected {want:?}"
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn extract_takes_the_fields_apart() {
    let Some(s) = Site::new() else { return };
    let hit = s.call("mxl_check", "*", "NoBody@example.com");
    assert_eq!(
        s.expand(&hit).unwrap(),
        r#"list=invalid_rcpt entry=nobody@example.com reason="Mailbox \"nobody\" does not exist \\ really""#
    );
    let field = |name: &str| s.expand(&format!("${{extract{{{name}}}{{{hit}}}}}"));
    assert_eq!(
        field("reason").unwrap(),
        r#"Mailbox "nobody" does not exist \ really"#
    );
    assert_eq!(field("list").unwrap(), "invalid_rcpt");
    assert_eq!(field("entry").unwrap(), "nobody@example.com");

    let tld = s.call("mxl_check", "*", "root@pop-os.localdomain");
    let field = |name: &str| s.expand(&format!("${{extract{{{name}}}{{{tld}}}}}"));
    assert_eq!(field("entry").unwrap(), "localdomain");
    assert_eq!(field("reason").unwrap(), "unknown top-level domain");
    // Not listed: every field is empty.
    let miss = s.call("mxl_check", "*", "u@example.com");
    assert_eq!(
        s.expand(&format!("${{extract{{reason}}{{{miss}}}}}"))
            .unwrap(),
        ""
    );
}

#[test]
fn expansion_failures_carry_a_message() {
    let Some(s) = Site::new() else { return };
    let err = s
        .expand(&s.call("mxl_check", "nope", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("unknown list \"nope\""), "{err}");
    let err = s
        .expand(&s.call("mxl_match", "", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("empty list selection"), "{err}");

    let missing = s.path().join("missing.mxl");
    let err = s
        .expand(&s.call_on(&missing, "mxl_check", "*", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("cannot open artifact"), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");

    let corrupt = s.path().join("corrupt.mxl");
    let mut bytes = artifact(1);
    bytes.truncate(bytes.len() - 7);
    std::fs::write(&corrupt, bytes).unwrap();
    chmod(&corrupt, 0o644);
    let err = s
        .expand(&s.call_on(&corrupt, "mxl_match", "*", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("corrupt artifact"), "{err}");

    let two_args = format!(
        "${{dlfunc{{{}}}{{mxl_check}}{{{}}}{{*}}}}",
        s.lib().display(),
        s.artifact().display()
    );
    let err = s.expand(&two_args).unwrap_err();
    assert!(err.contains("takes three or four arguments"), "{err}");
}

/// Operator mistakes through a real Exim: an artifact path that is a FIFO
/// fails the expansion at once (it must not block the SMTP session), a file
/// that is not an artifact is named in the message, an empty or oversized
/// list selection gets the one bounded message.
#[test]
fn operator_mistakes_fail_the_expansion_at_once() {
    let Some(s) = Site::new() else { return };
    let fifo = s.path().join("fifo.mxl");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    chmod(&fifo, 0o644);
    let expr = s.call_on(&fifo, "mxl_check", "*", "u@x.monster");
    let mut child = s
        .exim(&["-be", &expr])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("exim -be blocked on a FIFO artifact and was killed after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Failed: "), "{stdout}");
    assert!(stdout.contains("not a regular file"), "{stdout}");
    assert!(stdout.contains(&fifo.display().to_string()), "{stdout}");

    let bad = s.path().join("badmagic.mxl");
    std::fs::write(&bad, vec![b'x'; 4096]).unwrap();
    chmod(&bad, 0o644);
    let err = s
        .expand(&s.call_on(&bad, "mxl_match", "*", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("bad magic"), "{err}");
    assert!(err.contains(&bad.display().to_string()), "{err}");

    let err = s
        .expand(&s.call("mxl_check", "", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("empty list selection"), "{err}");
    let err = s
        .expand(&s.call("mxl_check", "tld_bans,,tlds", "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("empty list name"), "{err}");
    // A 1 MiB list name (read from a file, as a configuration mistake could
    // produce): the logged message stays short and gives the length.
    let name = s.path().join("name.txt");
    std::fs::write(&name, "n".repeat(1 << 20)).unwrap();
    chmod(&name, 0o644);
    let lists = format!("${{readfile{{{}}}}}", name.display());
    let err = s
        .expand(&s.call("mxl_check", &lists, "u@x.monster"))
        .unwrap_err();
    assert!(err.contains("unknown list"), "{err:.200}");
    assert!(err.contains("1048576 bytes"), "{err:.200}");
    assert!(err.len() < 1024, "{} bytes logged", err.len());
}

/// Asserts that each reply starts with the expected text.
fn assert_replies(replies: &[String], want: &[&str], log: &str) {
    let ok = replies.len() == want.len() && replies.iter().zip(want).all(|(r, w)| r.starts_with(w));
    assert!(
        ok,
        "replies:\n{}\nexpected:\n{}\nlog:\n{log}",
        replies.join("\n"),
        want.join("\n")
    );
}

#[test]
fn smtp_recipients() {
    let Some(s) = Site::new() else { return };
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &[
            "HELO client.test",
            "MAIL FROM:<sender@example.org>",
            "RCPT TO:<u@x.monster>",
            "RCPT TO:<clean@example.com>",
            "RCPT TO:<NoBody@Example.com>",
            "RCPT TO:<someone@mail.invalid-domain.example>",
            "RCPT TO:<x@good.monster>",
            "RCPT TO:<info@corp.example>",
            "QUIT",
        ],
        &[],
    );
    assert_replies(
        &replies,
        &[
            "220 mx.test ESMTP",
            "250 mx.test Hello client.test [192.0.2.1]",
            "250 OK",
            "550 mail from this TLD is not accepted here",
            "250 Accepted",
            r#"550 Mailbox "nobody" does not exist \ really"#,
            "550 audited invalid domain",
            "250 Accepted",
            "550 recipient known to be invalid",
            "221 mx.test closing connection",
        ],
        &log,
    );
    assert!(
        log.contains("rejected RCPT <u@x.monster>: mail from this TLD is not accepted here"),
        "{log}"
    );
}

#[test]
fn smtp_senders_and_hosts() {
    let Some(s) = Site::new() else { return };
    // A host in a listed range is refused at connect time...
    let (replies, log) = s.smtp("51.68.0.7", &["HELO client.test", "QUIT"], &[]);
    assert_eq!(replies.len(), 1, "{replies:?}\n{log}");
    assert!(
        replies[0].starts_with("550 51.68.0.7: OVH network"),
        "{replies:?}\n{log}"
    );
    // (Exim writes IPv6 client addresses in full.)
    let (replies, log) = s.smtp("2001:41d0:5::1", &["QUIT"], &[]);
    assert!(
        replies[0].starts_with("550 2001:41d0:0005:") && replies[0].ends_with(": OVH network"),
        "{replies:?}\n{log}"
    );
    // ... its whitelisted neighbours are not.
    for ip in ["51.68.10.5", "2001:41d0:1::25", "192.0.2.1"] {
        let (replies, log) = s.smtp(
            ip,
            &[
                "HELO client.test",
                "MAIL FROM:<sender@example.org>",
                "RCPT TO:<postmaster@example.com>",
                "QUIT",
            ],
            &[],
        );
        assert_replies(
            &replies,
            &["220 ", "250 ", "250 OK", "250 Accepted", "221 "],
            &log,
        );
    }
    // Senders: banned TLD, unknown TLD, audited domain; exclusions and the
    // null sender pass.
    for (sender, want) in [
        (
            "<a@b.monster>",
            "550 sender <a@b.monster> rejected: mail from this TLD is not accepted here",
        ),
        (
            "<root@pop-os.localdomain>",
            "550 sender <root@pop-os.localdomain> rejected: unknown top-level domain",
        ),
        (
            "<x@mail.invalid-domain.example>",
            "550 sender <x@mail.invalid-domain.example> rejected: audited invalid domain",
        ),
        ("<news@good.monster>", "250 OK"),
        ("<>", "250 OK"),
    ] {
        let (replies, log) = s.smtp(
            "51.68.10.5",
            &["HELO client.test", &format!("MAIL FROM:{sender}"), "QUIT"],
            &[],
        );
        assert_replies(&replies, &["220 ", "250 ", want, "221 "], &log);
    }
}

#[test]
fn smtp_yield_is_untainted() {
    let Some(s) = Site::new() else { return };
    for name in ["tld_bans", "tainted-file"] {
        let p = s.path().join(format!("{name}.txt"));
        std::fs::write(&p, format!("read from {name}.txt\n")).unwrap();
        chmod(&p, 0o644);
    }
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &[
            "HELO client.test",
            "MAIL FROM:<>",
            "RCPT TO:<list-file@x.monster>",
            "RCPT TO:<tainted-file@x.monster>",
            "QUIT",
        ],
        &[],
    );
    // The file named by the yield is read; the one named by the client's
    // local part is refused as tainted, and Exim falls back to its default.
    assert_replies(
        &replies,
        &[
            "220 ",
            "250 ",
            "250 OK",
            "550 read from tld_bans.txt",
            "550 Administrative prohibition",
            "221 ",
        ],
        &log,
    );
    assert!(log.contains("Tainted filename"), "{log}");
}

#[test]
fn smtp_missing_artifact_is_a_temporary_error() {
    let Some(s) = Site::new() else { return };
    std::fs::remove_file(s.artifact()).unwrap();
    let artifact = s.artifact().display().to_string();
    // With the connect ACL: the greeting is a temporary error.
    let (replies, log) = s.smtp("192.0.2.1", &["HELO client.test", "QUIT"], &[]);
    assert!(replies[0].starts_with("451 "), "{replies:?}\n{log}");
    assert!(log.contains("mxl_check: cannot open artifact"), "{log}");
    assert!(log.contains(&artifact), "{log}");
    // Without it: MAIL (for a sender) and RCPT are temporary errors.
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &["HELO client.test", "MAIL FROM:<a@example.org>", "QUIT"],
        &["-DMXL_NO_CONNECT"],
    );
    assert_replies(
        &replies,
        &["220 ", "250 ", "451 Temporary local problem", "221 "],
        &log,
    );
    assert!(
        log.contains("temporarily rejected MAIL <a@example.org>"),
        "{log}"
    );
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &[
            "HELO client.test",
            "MAIL FROM:<>",
            "RCPT TO:<u@x.monster>",
            "QUIT",
        ],
        &["-DMXL_NO_CONNECT"],
    );
    assert_replies(
        &replies,
        &[
            "220 ",
            "250 ",
            "250 OK",
            "451 Temporary local problem",
            "221 ",
        ],
        &log,
    );
    // The artifact is back: mail flows again.
    s.publish(1);
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &[
            "HELO client.test",
            "MAIL FROM:<a@example.org>",
            "RCPT TO:<u@x.monster>",
            "QUIT",
        ],
        &[],
    );
    assert_replies(
        &replies,
        &["220 ", "250 ", "250 OK", "550 mail from this TLD", "221 "],
        &log,
    );
}

#[test]
fn smtp_failures_reach_the_main_and_panic_logs() {
    let Some(s) = Site::new() else { return };
    std::fs::remove_file(s.artifact()).unwrap();
    // -bs is a real SMTP session on stdin: Exim writes its log files.
    let mut child = s
        .exim(&["-DMXL_NO_CONNECT", "-bs"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"HELO client.test\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\n451 "), "{stdout}");
    let main_log = std::fs::read_to_string(s.path().join("log/mainlog")).unwrap_or_default();
    assert!(
        main_log.contains("temporarily rejected MAIL <a@example.org>")
            && main_log.contains("mxl_check: cannot open artifact"),
        "mainlog: {main_log:?}"
    );
    let panic_log = std::fs::read_to_string(s.path().join("log/paniclog")).unwrap_or_default();
    assert!(
        panic_log.contains("mxl_check: cannot open artifact") && panic_log.contains("lists.mxl"),
        "paniclog: {panic_log:?}\nstdout: {stdout}"
    );
}

#[test]
fn smtp_rebuild_between_sessions() {
    let Some(s) = Site::new() else { return };
    let session = |rcpt: &str| {
        s.smtp(
            "192.0.2.1",
            &[
                "HELO client.test",
                "MAIL FROM:<>",
                &format!("RCPT TO:<{rcpt}>"),
                "QUIT",
            ],
            &[],
        )
    };
    let (replies, log) = session("u@x.monster");
    assert_replies(
        &replies,
        &["220 ", "250 ", "250 ", "550 mail from this TLD", "221 "],
        &log,
    );
    let (replies, log) = session("clean@example.com");
    assert_replies(
        &replies,
        &["220 ", "250 ", "250 ", "250 Accepted", "221 "],
        &log,
    );
    s.publish(2);
    let (replies, log) = session("u@x.monster");
    assert_replies(
        &replies,
        &["220 ", "250 ", "250 ", "250 Accepted", "221 "],
        &log,
    );
    let (replies, log) = session("clean@example.com");
    assert_replies(
        &replies,
        &[
            "220 ",
            "250 ",
            "250 ",
            "550 recipient known to be invalid",
            "221 ",
        ],
        &log,
    );
}

#[test]
fn smtp_rebuild_during_a_session() {
    let Some(s) = Site::new() else { return };
    // One Exim process: the artifact is replaced between two RCPT commands.
    let mut child = s
        .exim(&["-bh", "192.0.2.1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut say = |line: &str| -> String {
        if !line.is_empty() {
            stdin.write_all(format!("{line}\r\n").as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
        loop {
            let mut reply = String::new();
            assert!(stdout.read_line(&mut reply).unwrap() > 0, "exim ended");
            if is_final_reply(&reply) {
                return reply.trim_end().to_owned();
            }
        }
    };
    assert!(say("").starts_with("220 "));
    assert!(say("HELO client.test").starts_with("250 "));
    assert!(say("MAIL FROM:<>").starts_with("250 "));
    assert!(say("RCPT TO:<u@x.monster>").starts_with("550 mail from this TLD"));
    s.publish(2);
    // The library looks at the file at most once a second.
    std::thread::sleep(Duration::from_millis(1300));
    let reply = say("RCPT TO:<u@x.monster>");
    assert!(reply.starts_with("250 Accepted"), "{reply}");
    let reply = say("RCPT TO:<clean@example.com>");
    assert!(
        reply.starts_with("550 recipient known to be invalid"),
        "{reply}"
    );
    assert!(say("QUIT").starts_with("221 "));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Hostile and malformed values through Exim: each has a defined answer, and
/// none fails the expansion or the session. Values are read from files by
/// Exim itself (`${readfile}`), since Exim limits command-line arguments to
/// 256 bytes.
#[test]
fn bad_input_matrix() {
    let Some(s) = Site::new() else { return };
    let mib = 1 << 20;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // (description, value, mxl_match answer)
        ("empty", b"".to_vec(), "no"),
        ("blank", b"   ".to_vec(), "no"),
        ("only @", b"@".to_vec(), "no"),
        ("@@", b"@@".to_vec(), "no"),
        ("a@@x.monster", b"a@@x.monster".to_vec(), "no"),
        ("empty brackets", b"<>".to_vec(), "no"),
        (
            "300 labels",
            format!("{}monster", "a.".repeat(300)).into(),
            "no",
        ),
        (
            "64-octet label",
            format!("{}.monster", "a".repeat(64)).into(),
            "no",
        ),
        ("[::ffff:]", b"[::ffff:]".to_vec(), "no"),
        ("[IPv6:]", b"[IPv6:]".to_vec(), "no"),
        ("numeric TLD", b"1.2.3".to_vec(), "no"),
        ("not UTF-8", b"\xff\xfe@x.monster".to_vec(), "no"),
        ("truncated UTF-8", b"x.mon\xc3".to_vec(), "no"),
        ("NUL-free control", b"x\x01y.monster".to_vec(), "no"),
        (
            "quoted local part",
            br#""john doe"@x.monster"#.to_vec(),
            "yes",
        ),
        (
            "quoted local part, clean",
            br#""john doe"@example.com"#.to_vec(),
            "no",
        ),
        ("@domain", b"@x.monster".to_vec(), "yes"),
        ("trailing dot", b"x.monster.".to_vec(), "yes"),
        ("leading @ and dot", b"@.monster".to_vec(), "no"),
        (
            "1 MiB of spaces, then a name",
            [vec![b' '; mib], b"x.monster".to_vec()].concat(),
            "yes",
        ),
        (
            "1 MiB label",
            [vec![b'a'; mib], b".monster".to_vec()].concat(),
            "no",
        ),
        (
            "1 MiB local part",
            [vec![b'a'; mib], b"@x.monster".to_vec()].concat(),
            "no",
        ),
        ("1 MiB of @", vec![b'@'; mib], "no"),
        ("1 MiB of 0xff", vec![0xff; mib], "no"),
    ];
    let mut failed = Vec::new();
    for (i, (what, value, want)) in cases.iter().enumerate() {
        let p = s.path().join(format!("value-{i}.txt"));
        std::fs::write(&p, value).unwrap();
        chmod(&p, 0o644);
        let read = format!("${{readfile{{{}}}}}", p.display());
        let matched = s.expand(&s.call("mxl_match", "*", &read));
        if matched.as_deref() != Ok(*want) {
            failed.push(format!("mxl_match {what}: {matched:?}, expected {want}"));
        }
        // mxl_check yields a hit exactly when mxl_match says yes.
        let checked = s.expand(&s.call("mxl_check", "*", &read));
        if checked.as_ref().map(|y| !y.is_empty()) != Ok(*want == "yes") {
            failed.push(format!("mxl_check {what}: {checked:?}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));

    // In SMTP: the null sender, quoted local parts, upper case.
    let (replies, log) = s.smtp(
        "192.0.2.1",
        &[
            "HELO client.test",
            "MAIL FROM:<>",
            r#"RCPT TO:<"john doe"@x.monster>"#,
            r#"RCPT TO:<"john doe"@example.com>"#,
            "RCPT TO:<POSTMASTER@X.MONSTER>",
            "QUIT",
        ],
        &[],
    );
    assert_replies(
        &replies,
        &[
            "220 ",
            "250 ",
            "250 OK",
            "550 mail from this TLD is not accepted here",
            "250 Accepted",
            "550 mail from this TLD is not accepted here",
            "221 ",
        ],
        &log,
    );
}

/// Any reason text comes back unchanged from `${extract{reason}{...}}` of the
/// yield: quotes, backslashes followed by what Exim reads as escapes (`\n`,
/// `\x41`, `\101`), expansion syntax, tabs and non-ASCII text.
#[test]
fn reasons_round_trip_through_extract() {
    let Some(s) = Site::new() else { return };
    let pieces = [
        "a",
        "Z",
        "7",
        " ",
        "\"",
        "\\",
        "\\n",
        "\\x41",
        "\\101",
        "\\\\",
        "$",
        "${",
        "}",
        "{",
        "=",
        "'",
        "\t",
        "é",
        "ü",
        "中",
        ",",
        ":",
        "<>",
        "%s",
        "reason=\"x\"",
        "list=y",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut reasons = vec![
        r#"say "no" \ go"#.to_owned(),
        "\\".to_owned(),
        "\"".to_owned(),
        "\\\"".to_owned(),
        "trailing backslash \\".to_owned(),
    ];
    while reasons.len() < 60 {
        let n = 1 + next() as usize % 12;
        let r: String = (0..n)
            .map(|_| pieces[next() as usize % pieces.len()])
            .collect();
        reasons.push(r);
    }
    let mut b = Builder::new();
    let list = b.add_list("reasons", ListKind::Domain, None).unwrap();
    for (i, r) in reasons.iter().enumerate() {
        let mut e = mxlists_core::parse_entry(ListKind::Domain, &format!("e{i}.example"))
            .unwrap()
            .entry;
        e.reason = Some(r.clone());
        b.add(list, e).unwrap();
    }
    let path = s.path().join("reasons.mxl");
    write_atomic(&path, &b.build().unwrap().bytes).unwrap();
    chmod(&path, 0o644);
    let exprs: Vec<String> = (0..reasons.len())
        .map(|i| {
            format!(
                "${{extract{{reason}}{{{}}}}}",
                s.call_on(&path, "mxl_check", "reasons", &format!("e{i}.example"))
            )
        })
        .collect();
    let out = s.exim(&["-be"]).args(&exprs).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<&str> = stdout.split('\n').take(reasons.len()).collect();
    let mut failed = Vec::new();
    for (i, r) in reasons.iter().enumerate() {
        if got.get(i) != Some(&r.as_str()) {
            failed.push(format!("e{i}: reason {r:?}, extract gave {:?}", got.get(i)));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
