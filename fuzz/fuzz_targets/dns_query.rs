//! The DNS front of `mxlists serve`: any bytes as a query, over UDP and TCP,
//! through hickory's parser and the zones' request handler, against a small
//! artifact with IP and name zones (allow lists, per-list answers, templates).
//!
//! Invariants: nothing panics; the answer to a message with a header is a DNS
//! message that parses, with the query's id and QR set; a UDP answer fits the
//! client's size (512 bytes, or the EDNS size up to 1232) and a bigger one is
//! marked TC; answer records are owned by the question's name, A records lie
//! in 127.0.0.0/8, TXT strings hold at most 255 bytes.
#![no_main]

use std::sync::OnceLock;

use hickory_proto::op::{Message, MessageType};
use hickory_proto::rr::RData;
use libfuzzer_sys::fuzz_target;
use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_server::Prepared;

const CONFIG: &str = r#"artifact = "lists.mxl"
listen = ["127.0.0.1:0"]
[[zone]]
name = "bl.test"
lists = ["white", "ovh", "sfs"]
allow_lists = ["white"]
txt = "$ listed by {list} ({entry}): {reason} [{value}]"
[zone.answers]
ovh = "127.0.0.3"
[[zone]]
name = "dbl.test"
lists = ["bans", "tlds"]
txt = "{reason} {reason} {reason} {reason} {reason} {reason} {reason} $ $ $"
[[zone]]
name = "sub.dbl.test"
lists = ["bans"]
txt = ""
"#;

fn prepared() -> &'static Prepared {
    static PREPARED: OnceLock<Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mxlists-fuzz-dns-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut b = Builder::new();
        let white = b
            .add_list("white", ListKind::Ip, Some("whitelisted"))
            .unwrap();
        b.add_text(white, "51.68.10.0/28").unwrap();
        b.add_text(white, "2001:41d0:303:1::/64").unwrap();
        let ovh = b.add_list("ovh", ListKind::Ip, Some("hosting")).unwrap();
        for e in ["51.68.0.0/16", "0.0.0.0/1", "2001:41d0::/32", "::/1"] {
            b.add_text(ovh, e).unwrap();
        }
        let sfs = b.add_list("sfs", ListKind::Ip, None).unwrap();
        b.add_text(sfs, "128.0.0.0/1 a reason of its own").unwrap();
        let bans = b
            .add_list("bans", ListKind::Domain, Some("banned TLD"))
            .unwrap();
        for e in [".monster", "!good.monster", "a", "b", "c", "d", "e", "f"] {
            b.add_text(bans, e).unwrap();
        }
        let tlds = b
            .add_list("tlds", ListKind::KnownTlds, Some("unknown TLD"))
            .unwrap();
        for t in ["com", "net", "monster", "test"] {
            b.add_text(tlds, t).unwrap();
        }
        write_atomic(&dir.join("lists.mxl"), &b.build().unwrap().bytes).unwrap();
        std::fs::write(dir.join("serve.toml"), CONFIG).unwrap();
        let p = Prepared::load(&dir.join("serve.toml")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        p
    })
}

fuzz_target!(|data: &[u8]| {
    let handler = prepared().dns_handler().expect("zones");
    for udp in [true, false] {
        let Some(bytes) = handler.respond_to_bytes(data, udp, true) else {
            continue;
        };
        let m = Message::from_vec(&bytes)
            .unwrap_or_else(|e| panic!("the answer does not parse: {e}: {bytes:?}"));
        assert_eq!(m.metadata.id, u16::from_be_bytes([data[0], data[1]]));
        assert_eq!(m.metadata.message_type, MessageType::Response);
        assert_eq!(data[2] & 0x80, 0, "a response was answered");
        if udp {
            let asked = Message::from_vec(data)
                .ok()
                .and_then(|q| q.edns.map(|e| e.max_payload().clamp(512, 1232)))
                .unwrap_or(512);
            assert!(
                bytes.len() <= usize::from(asked),
                "{} > {asked}",
                bytes.len()
            );
        }
        let Some(question) = m.queries.first() else {
            continue;
        };
        for r in &m.answers {
            assert_eq!(&r.name, question.name(), "answer owned by another name");
            match &r.data {
                RData::A(a) => assert_eq!(a.0.octets()[0], 127, "{a}"),
                RData::TXT(t) => assert!(t.txt_data.iter().all(|s| s.len() <= 255)),
                RData::SOA(_) | RData::NS(_) => {}
                other => panic!("unexpected record {other:?}"),
            }
        }
    }
});
