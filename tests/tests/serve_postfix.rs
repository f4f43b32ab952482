//! `mxlists serve` for Postfix: socketmap tables asked by Postfix's own
//! `postmap -q` (hits, misses, exclusions, allow lists, upper case, IDN, an
//! unknown table, many keys on one connection, a unix socket, a stopped
//! server), and the policy delegation protocol over real sockets (many
//! requests on one connection, rule order, malformed and oversized requests,
//! clients that stop mid-request or stay idle, the connection limit).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_tests::serve::{damage_in_place, lists, Postmap, Served};

const MAPS_AND_RULES: &str = r#"
[[postfix.map]]
name = "rcpt"
lists = ["tld_bans", "invalid_domains", "spam_recipients"]
result = "REJECT {value}: {reason}"

[[postfix.map]]
name = "client"
lists = ["mxrbl_whitelist", "ovh", "sfs_ips"]
allow_lists = ["mxrbl_whitelist"]
result = "REJECT {list}: {reason}"

[[postfix.rule]]
attribute = "client_address"
lists = ["mxrbl_whitelist", "ovh", "sfs_ips"]
allow_lists = ["mxrbl_whitelist"]
action = "REJECT {value} is in {list}: {reason}"

[[postfix.rule]]
attribute = "sender"
lists = ["tld_bans"]
action = "REJECT sender <{value}>: {reason}"

[[postfix.rule]]
attribute = "recipient"
lists = ["spam_recipients", "tld_bans"]
action = "DEFER_IF_PERMIT $: {reason}"
"#;

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(&dir.path().join("lists.mxl"), &lists(1)).unwrap();
        Site { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the server with `endpoints` (the `[postfix]` keys) and the
    /// maps and rules above.
    fn serve(&self, endpoints: &str) -> Served {
        let config = self.path().join("serve.toml");
        std::fs::write(
            &config,
            format!("artifact = \"lists.mxl\"\n[postfix]\n{endpoints}\n{MAPS_AND_RULES}"),
        )
        .unwrap();
        Served::start(&config)
    }

    fn postmap(&self) -> Option<Postmap> {
        Postmap::new(&self.path().join("postfix"))
    }
}

const TCP: &str = "socketmap = \"127.0.0.1:0\"\npolicy = \"127.0.0.1:0\"";

fn table(addr: SocketAddr, name: &str) -> String {
    format!("socketmap:inet:{addr}:{name}")
}

#[test]
fn socketmap_answers_postmap() {
    let site = Site::new();
    let Some(pm) = site.postmap() else { return };
    let s = site.serve(TCP);
    let sm = s.socketmap.unwrap();
    let monster = "mail from this TLD is not accepted here";
    let cases: &[(&str, &str, Option<String>)] = &[
        (
            "rcpt",
            "u@foo.monster",
            Some(format!("REJECT u@foo.monster: {monster}")),
        ),
        (
            "rcpt",
            "U@FOO.MONSTER",
            Some(format!("REJECT u@foo.monster: {monster}")),
        ),
        (
            "rcpt",
            "foo.monster",
            Some(format!("REJECT foo.monster: {monster}")),
        ),
        ("rcpt", "x@good.monster", None),
        (
            "rcpt",
            "u@Bücher.Example",
            Some(format!("REJECT u@xn--bcher-kva.example: {monster}")),
        ),
        (
            "rcpt",
            "<Nobody@Corp.Example>",
            Some("REJECT nobody@corp.example: mailbox nobody does not exist".into()),
        ),
        (
            "rcpt",
            "root@pop-os.localdomain",
            Some("REJECT root@pop-os.localdomain: audited invalid domain".into()),
        ),
        ("rcpt", "user@example.com", None),
        ("rcpt", "a@@b", None),
        (
            "client",
            "51.68.1.5",
            Some("REJECT ovh: OVH network".into()),
        ),
        ("client", "51.68.10.3", None),
        (
            "client",
            "2001:41D0::1",
            Some("REJECT ovh: OVH network".into()),
        ),
        ("client", "2001:41d0:303:1::1", None),
        (
            "client",
            "203.0.113.7",
            Some("REJECT sfs_ips: listed by StopForumSpam".into()),
        ),
        ("client", "mail.example.com", None),
    ];
    let mut failed = Vec::new();
    for (map, key, want) in cases {
        let out = pm.query(key, &table(sm, map), "");
        let got = (out.code == 0).then(|| out.stdout.trim_end().to_owned());
        if &got != want || !out.stderr.is_empty() || (want.is_none() && out.code != 1) {
            failed.push(format!("{map} {key}: {out:?}, expected {want:?}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));

    // An unknown table: a permanent error.
    let out = pm.query("u@foo.monster", &table(sm, "nope"), "");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("permanent error"), "{out:?}");
    assert!(out.stderr.contains("unknown table \"nope\""), "{out:?}");

    // Many keys, one connection: `postmap -q -` reads keys from stdin.
    let keys: Vec<String> = (0..300)
        .map(|i| match i % 3 {
            0 => format!("user{i}@x{i}.monster"),
            1 => format!("user{i}@example.com"),
            _ => format!("USER{i}@GOOD.MONSTER"),
        })
        .collect();
    let out = pm.query("-", &table(sm, "rcpt"), &(keys.join("\n") + "\n"));
    assert_eq!(out.code, 0, "{out:?}");
    let found: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(found.len(), 100, "{}", out.stdout);
    assert!(found[0].starts_with("user0@x0.monster\tREJECT user0@x0.monster: "));
    assert!(found.iter().all(|l| l.contains(".monster\tREJECT ")));
}

#[test]
fn a_stopped_server_is_a_temporary_error_to_postfix() {
    let site = Site::new();
    let Some(pm) = site.postmap() else { return };
    let mut s = site.serve(TCP);
    let sm = s.socketmap.unwrap();
    assert_eq!(pm.query("u@foo.monster", &table(sm, "rcpt"), "").code, 0);
    assert_eq!(s.stop().code(), Some(0));
    let out = pm.query("u@foo.monster", &table(sm, "rcpt"), "");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("Connection refused"), "{out:?}");
    assert!(out.stderr.contains("query error"), "{out:?}");
}

#[test]
fn unix_sockets() {
    let site = Site::new();
    let Some(pm) = site.postmap() else { return };
    let sm = site.path().join("socketmap.sock");
    let policy = site.path().join("policy.sock");
    let mut s = site.serve(&format!(
        "socketmap = \"unix:{}\"\npolicy = \"unix:{}\"",
        sm.display(),
        policy.display()
    ));
    let log = s.log();
    assert!(
        log.contains(&format!("socketmap unix:{}", sm.display())),
        "{log}"
    );
    let out = pm.query(
        "u@foo.monster",
        &format!("socketmap:unix:{}:rcpt", sm.display()),
        "",
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut c = UnixStream::connect(&policy).unwrap();
    c.write_all(b"request=smtpd_access_policy\nclient_address=51.68.1.5\n\n")
        .unwrap();
    let mut reply = [0u8; 256];
    let n = c.read(&mut reply).unwrap();
    assert_eq!(
        std::str::from_utf8(&reply[..n]).unwrap(),
        "action=REJECT 51.68.1.5 is in ovh: OVH network\n\n"
    );
    s.stop();
    assert!(!sm.exists() && !policy.exists(), "sockets removed at stop");
}

/// A policy client on one connection.
struct PolicyClient {
    stream: TcpStream,
}

impl PolicyClient {
    fn connect(addr: SocketAddr) -> PolicyClient {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        PolicyClient { stream }
    }

    /// Sends one request of `attributes` and reads the reply.
    fn ask(&mut self, attributes: &[(&str, &str)]) -> String {
        let mut req = String::from("request=smtpd_access_policy\nprotocol_state=RCPT\n");
        for (k, v) in attributes {
            req.push_str(&format!("{k}={v}\n"));
        }
        req.push('\n');
        self.send_raw(req.as_bytes());
        self.reply()
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads one reply (up to its empty line); empty at end of stream.
    fn reply(&mut self) -> String {
        let mut got = Vec::new();
        let mut b = [0u8; 1];
        while !got.ends_with(b"\n\n") {
            match self.stream.read(&mut b) {
                Ok(0) => break,
                Ok(_) => got.push(b[0]),
                Err(e) => panic!("no reply: {e}"),
            }
        }
        String::from_utf8(got).unwrap()
    }

    /// Whether the server closed the connection (within the read timeout).
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 64];
        matches!(self.stream.read(&mut b), Ok(0) | Err(_))
            && self.stream.read(&mut b).map_or(true, |n| n == 0)
    }
}

fn action(text: &str) -> String {
    format!("action={text}\n\n")
}

#[test]
fn policy_conversation_on_one_connection() {
    let site = Site::new();
    let s = site.serve(TCP);
    let mut c = PolicyClient::connect(s.policy.unwrap());
    let monster = "mail from this TLD is not accepted here";
    for i in 0..200 {
        let (attrs, want): (Vec<(&str, &str)>, String) = match i % 5 {
            // The first rule that hits decides.
            0 => (
                vec![
                    ("client_address", "51.68.1.5"),
                    ("sender", "a@b.monster"),
                    ("recipient", "info@example.net"),
                ],
                "REJECT 51.68.1.5 is in ovh: OVH network".into(),
            ),
            // Whitelisted client: the next rules.
            1 => (
                vec![("client_address", "51.68.10.3"), ("sender", "A@B.MONSTER")],
                format!("REJECT sender <a@b.monster>: {monster}"),
            ),
            // `$` is the value as Postfix sent it.
            2 => (
                vec![
                    ("client_address", "192.0.2.1"),
                    ("sender", ""),
                    ("recipient", "Info@Example.NET"),
                ],
                "DEFER_IF_PERMIT Info@Example.NET: recipient known to be invalid".into(),
            ),
            3 => (
                vec![
                    ("client_address", "192.0.2.1"),
                    ("sender", "x@good.monster"),
                    ("recipient", "u@example.com"),
                ],
                "DUNNO".into(),
            ),
            _ => (vec![("helo_name", "mx.example.com")], "DUNNO".into()),
        };
        assert_eq!(c.ask(&attrs), action(&want), "request {i}");
    }
    // Two requests in one write, answered in order.
    c.send_raw(
        b"request=smtpd_access_policy\nclient_address=203.0.113.7\n\n\
          request=smtpd_access_policy\nclient_address=192.0.2.1\n\n",
    );
    assert_eq!(
        c.reply(),
        action("REJECT 203.0.113.7 is in sfs_ips: listed by StopForumSpam")
    );
    assert_eq!(c.reply(), action("DUNNO"));
}

#[test]
fn malformed_oversized_and_abandoned_requests() {
    let site = Site::new();
    let s = site.serve(&format!("{TCP}\nmax_request = 2048\nrequest_timeout = 2"));
    let addr = s.policy.unwrap();
    let malformed = action("DEFER_IF_PERMIT malformed policy request");

    let mut c = PolicyClient::connect(addr);
    assert_eq!(c.ask(&[("client_address", "192.0.2.1")]), action("DUNNO"));
    c.send_raw(b"request=smtpd_access_policy\nthis line has no equals sign\n\n");
    assert_eq!(c.reply(), malformed);
    assert!(c.closed(), "closed after a malformed request");

    let mut c = PolicyClient::connect(addr);
    c.send_raw(b"client_address=51.68.1.5\n\n");
    assert_eq!(c.reply(), malformed, "no request=smtpd_access_policy");
    assert!(c.closed());

    let mut c = PolicyClient::connect(addr);
    c.send_raw(b"\n");
    assert_eq!(c.reply(), malformed, "an empty request");
    assert!(c.closed());

    let mut c = PolicyClient::connect(addr);
    let mut big = b"request=smtpd_access_policy\n".to_vec();
    while big.len() < 3000 {
        big.extend_from_slice(b"ccert_subject=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    }
    c.send_raw(&big);
    assert_eq!(
        c.reply(),
        action("DEFER_IF_PERMIT policy request too large")
    );
    assert!(c.closed());

    // A client that stops in the middle of a request, and one that goes
    // quiet: the server lets both go, and keeps answering others.
    let mut gone = PolicyClient::connect(addr);
    gone.send_raw(b"request=smtpd_access_policy\nclient_addr");
    gone.stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut quiet = PolicyClient::connect(addr);
    quiet.send_raw(b"request=smtpd_access_policy\nclient_address=51.68.1.5\n");
    let mut other = PolicyClient::connect(addr);
    assert_eq!(
        other.ask(&[("client_address", "51.68.1.5")]),
        action("REJECT 51.68.1.5 is in ovh: OVH network")
    );
    assert_eq!(gone.reply(), "", "no answer to half a request");
    assert!(quiet.closed(), "a request that never ends is given up");
    assert_eq!(
        other.ask(&[("client_address", "192.0.2.1")]),
        action("DUNNO")
    );
}

#[test]
fn connection_limit_and_idle_timeout() {
    let site = Site::new();
    let s = site.serve(&format!("{TCP}\nmax_connections = 3\nidle_timeout = 4"));
    let addr = s.policy.unwrap();
    let mut held: Vec<PolicyClient> = (0..3).map(|_| PolicyClient::connect(addr)).collect();
    for c in &mut held {
        assert_eq!(c.ask(&[("client_address", "192.0.2.1")]), action("DUNNO"));
    }
    let mut fourth = PolicyClient::connect(addr);
    assert!(fourth.closed(), "a fourth connection is closed at once");
    assert!(
        s.wait_for("the limit", Duration::from_secs(10)).is_some(),
        "{}",
        s.log()
    );
    drop(held.pop());
    // Once one has gone, a new connection is served.
    let mut again = None;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let mut c = PolicyClient::connect(addr);
        c.send_raw(b"request=smtpd_access_policy\nclient_address=192.0.2.1\n\n");
        if c.reply() == action("DUNNO") {
            again = Some(c);
            break;
        }
    }
    let mut again = again.expect("a connection is served again");
    // Idle connections are closed after idle_timeout.
    assert!(again.closed(), "idle connection closed");
    for c in &mut held {
        assert!(c.closed());
    }
}

/// An artifact whose `ovh` entry and `.monster` entry carry reasons of their
/// own, so that damaging those texts in place breaks the lookups that reach
/// them.
fn damaged_lists(dir: &Path) -> PathBuf {
    let mut b = Builder::new();
    let ovh = b.add_list("ovh", ListKind::Ip, None).unwrap();
    b.add_text(ovh, "51.68.0.0/16 MARKER-REASON-OVH-0123456789")
        .unwrap();
    let bans = b.add_list("tld_bans", ListKind::Domain, None).unwrap();
    b.add_text(bans, ".monster MARKER-REASON-TLD-0123456789")
        .unwrap();
    let path = dir.join("lists.mxl");
    write_atomic(&path, &b.build().unwrap().bytes).unwrap();
    path
}

#[test]
fn an_artifact_damaged_in_place_answers_temp_and_defer() {
    let dir = tempfile::tempdir().unwrap();
    let Some(pm) = Postmap::new(&dir.path().join("postfix")) else {
        return;
    };
    let artifact = damaged_lists(dir.path());
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        r#"artifact = "lists.mxl"
[postfix]
socketmap = "127.0.0.1:0"
policy = "127.0.0.1:0"
[[postfix.map]]
name = "m"
lists = ["ovh", "tld_bans"]
[[postfix.rule]]
attribute = "recipient"
lists = ["tld_bans"]
action = "REJECT {reason}"
"#,
    )
    .unwrap();
    let s = Served::start(&config);
    let sm = table(s.socketmap.unwrap(), "m");
    assert_eq!(
        pm.query("u@x.monster", &sm, "").stdout.trim_end(),
        "REJECT MARKER-REASON-TLD-0123456789"
    );
    assert_eq!(damage_in_place(&artifact, b"MARKER-REASON"), 2);
    let out = pm.query("u@x.monster", &sm, "");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("temporary error"), "{out:?}");
    let out = pm.query("51.68.1.5", &sm, "");
    assert!(out.stderr.contains("temporary error"), "{out:?}");
    // Values that reach no damaged text are still answered.
    assert_eq!(pm.query("u@example.com", &sm, "").code, 1);
    let mut c = PolicyClient::connect(s.policy.unwrap());
    assert_eq!(
        c.ask(&[("recipient", "u@x.monster")]),
        action("DEFER_IF_PERMIT lists temporarily unavailable")
    );
    assert_eq!(c.ask(&[("recipient", "u@example.com")]), action("DUNNO"));
    let log = s.log();
    assert_eq!(
        log.matches("lookup failed").count(),
        1,
        "logged once: {log}"
    );
    // The rewrite in place is also seen as a replacement, and refused.
    assert!(
        s.wait_for("not swapped in", Duration::from_secs(20))
            .is_some(),
        "{}",
        s.log()
    );
}
