//! The Postfix fronts of `mxlists serve`: any bytes as a stream of socketmap
//! netstrings and as a stream of policy requests, framed and answered as the
//! server does, against a small artifact (allow lists, templates).
//!
//! Invariants: nothing panics; a frame never claims more bytes than were
//! given; a socketmap reply is `OK `, `NOTFOUND `, `TEMP ` or `PERM `, within
//! Postfix's 100,000 bytes, and its netstring reads back; a policy action is
//! one line, and a request is either answered or refused as malformed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_server::listen::Frame;
use mxlists_server::postfix::{policy, socketmap};
use mxlists_server::Prepared;

const CONFIG: &str = r#"artifact = "lists.mxl"
[postfix]
socketmap = "127.0.0.1:0"
policy = "127.0.0.1:0"
[[postfix.map]]
name = "rcpt"
lists = ["white", "ovh", "bans"]
allow_lists = ["white"]
result = "REJECT $ {value} {list} {entry} {reason}"
[[postfix.rule]]
attribute = "client_address"
lists = ["white", "ovh"]
allow_lists = ["white"]
action = "REJECT {value} is in {list}: {reason}"
[[postfix.rule]]
attribute = "recipient"
lists = ["bans"]
action = "DEFER_IF_PERMIT $ {reason}"
"#;

fn prepared() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mxlists-fuzz-postfix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut b = Builder::new();
        let white = b
            .add_list("white", ListKind::Ip, Some("whitelisted"))
            .unwrap();
        b.add_text(white, "51.68.10.0/28").unwrap();
        let ovh = b
            .add_list("ovh", ListKind::Ip, Some("hosting\r\nline"))
            .unwrap();
        b.add_text(ovh, "0.0.0.0/1").unwrap();
        b.add_text(ovh, "::/1").unwrap();
        let bans = b
            .add_list("bans", ListKind::Domain, Some("banned"))
            .unwrap();
        for e in [".monster", "!good.monster", "a", "b", "c"] {
            b.add_text(bans, e).unwrap();
        }
        write_atomic(&dir.join("lists.mxl"), &b.build().unwrap().bytes).unwrap();
        std::fs::write(dir.join("serve.toml"), CONFIG).unwrap();
        let p = Prepared::load(&dir.join("serve.toml")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        p
    })
}

const MAX: usize = 2048;

fuzz_target!(|data: &[u8]| {
    let p = prepared();
    let maps = p.socketmap().expect("socketmap");
    let mut rest = data;
    while let Frame::Complete(len) = socketmap::frame(rest, MAX) {
        assert!(len <= rest.len() && len >= 3);
        let colon = rest.iter().position(|&b| b == b':').unwrap();
        let reply = maps.reply(&rest[colon + 1..len - 1]);
        assert!(reply.len() <= socketmap::MAX_REPLY, "{}", reply.len());
        assert!(
            ["OK ", "NOTFOUND ", "TEMP ", "PERM "]
                .iter()
                .any(|p| reply.starts_with(p)),
            "{reply:?}"
        );
        let wire = socketmap::netstring(&reply);
        assert_eq!(
            socketmap::frame(&wire, usize::MAX),
            Frame::Complete(wire.len())
        );
        rest = &rest[len..];
    }
    let service = p.policy().expect("policy");
    let mut rest = data;
    while let Frame::Complete(len) = policy::frame(rest, MAX) {
        assert!(len <= rest.len());
        if let Ok(action) = service.action(&rest[..len]) {
            assert!(!action.contains(['\n', '\r']), "{action:?}");
            assert!(action.len() <= policy::MAX_ACTION);
        }
        rest = &rest[len..];
    }
});
