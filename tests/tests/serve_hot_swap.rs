//! Hot swap under load: two versions of the artifact are renamed in, turn
//! about, while clients query `mxlists serve` over UDP and TCP without pause.
//!
//! Asserted: every query is answered (none times out, none fails), and every
//! answer is exactly version 1's or version 2's, never a mix: a name listed
//! only in version 2 answers either NXDOMAIN with version 1's SOA serial or
//! version 2's A record; a TXT is one version's text; an unlisted name's
//! NXDOMAIN carries one of the two serials. Both versions must have been seen.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::rr::RecordType;
use mxlists_core::{write_atomic, Artifact};
use mxlists_tests::serve::{ask_tcp, ask_udp, lists, query_bytes, Reply, Served};

/// Renames of a version over the served path.
const SWAPS: usize = 10;
/// Time between two renames: longer than the server's 1 s check, so that it
/// serves every other version for a while.
const SWAP_EVERY: Duration = Duration::from_millis(1300);

const CONFIG: &str = r#"artifact = "lists.mxl"
listen = ["127.0.0.1:0"]

[[zone]]
name = "bl.mxrbl.test"
lists = ["mxrbl_whitelist", "ovh"]
allow_lists = ["mxrbl_whitelist"]
txt = "{reason}"

[[zone]]
name = "dbl.mxrbl.test"
lists = ["tld_bans"]
"#;

fn serial(bytes: &[u8]) -> u32 {
    let hash = Artifact::from_bytes(bytes.to_vec()).unwrap().content_hash();
    u32::from_str_radix(&hash[..8], 16).unwrap()
}

/// Which version a reply comes from, or why it is wrong.
fn version_of(name: &str, r: &Reply, serials: [u32; 2]) -> Result<usize, String> {
    let wrong = || Err(format!("{name}: unexpected answer {r:?}"));
    match name {
        "5.1.68.51.bl.mxrbl.test" => match r.txt.as_slice() {
            [t] if r.rcode == "NOERROR" && t == "OVH network" => Ok(1),
            [t] if r.rcode == "NOERROR" && t == "OVH network (v2)" => Ok(2),
            _ => wrong(),
        },
        // Excluded in version 1, listed in version 2.
        "good.monster.dbl.mxrbl.test" => {
            if r.rcode == "NXDOMAIN" && r.soa_serial == Some(serials[0]) {
                Ok(1)
            } else if r.rcode == "NOERROR" && r.a == [std::net::Ipv4Addr::new(127, 0, 0, 2)] {
                Ok(2)
            } else {
                wrong()
            }
        }
        _ => match (r.rcode.as_str(), r.soa_serial) {
            ("NXDOMAIN", Some(s)) if s == serials[0] => Ok(1),
            ("NXDOMAIN", Some(s)) if s == serials[1] => Ok(2),
            _ => wrong(),
        },
    }
}

const QUERIES: &[(&str, RecordType)] = &[
    ("5.1.68.51.bl.mxrbl.test", RecordType::TXT),
    ("good.monster.dbl.mxrbl.test", RecordType::A),
    ("3.10.68.51.bl.mxrbl.test", RecordType::A),
    ("example.com.dbl.mxrbl.test", RecordType::A),
];

type Seen = Arc<Mutex<BTreeMap<(String, usize), u64>>>;

fn client(
    dns: SocketAddr,
    tcp: bool,
    serials: [u32; 2],
    stop: Arc<AtomicBool>,
    seen: Seen,
) -> Result<u64, String> {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.connect(dns).unwrap();
    let mut stream = if tcp {
        Some(TcpStream::connect(dns).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mut n: u64 = 0;
    let mut id: u16 = if tcp { 1 } else { 30_000 };
    while !stop.load(Ordering::Relaxed) {
        for (name, rtype) in QUERIES {
            id = id.wrapping_add(1);
            let q = query_bytes(id, name, *rtype);
            let r = match &mut stream {
                Some(s) => ask_tcp(s, &q),
                None => ask_udp(&udp, &q, Duration::from_secs(5)),
            }
            .map_err(|e| format!("{name} (query {n}, tcp {tcp}): {e}"))?;
            let v = version_of(name, &r, serials)?;
            *seen
                .lock()
                .unwrap()
                .entry((name.to_string(), v))
                .or_default() += 1;
            n += 1;
        }
    }
    Ok(n)
}

#[test]
fn answers_during_swaps_are_whole_and_never_missing() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("lists.mxl");
    let versions = [lists(1), lists(2)];
    let serials = [serial(&versions[0]), serial(&versions[1])];
    assert_ne!(serials[0], serials[1]);
    write_atomic(&artifact, &versions[0]).unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let s = Served::start(&config);
    let dns = s.dns.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let seen: Seen = Arc::default();
    let clients: Vec<_> = [false, false, true]
        .into_iter()
        .map(|tcp| {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || client(dns, tcp, serials, stop, seen))
        })
        .collect();
    for i in 0..SWAPS {
        std::thread::sleep(SWAP_EVERY);
        write_atomic(&artifact, &versions[(i + 1) % 2]).unwrap();
        if clients.iter().any(|c| c.is_finished()) {
            break;
        }
    }
    std::thread::sleep(SWAP_EVERY);
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for c in clients {
        total += c
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}\n{}", s.log()));
    }
    let seen = seen.lock().unwrap();
    for (name, _) in QUERIES {
        for v in [1, 2] {
            assert!(
                seen.get(&(name.to_string(), v)).copied().unwrap_or(0) > 0,
                "{name} never answered from version {v}: {seen:?}\n{}",
                s.log()
            );
        }
    }
    let log = s.log();
    assert!(log.matches("reloaded").count() >= SWAPS / 2, "{log}");
    assert!(!log.contains("not swapped in"), "{log}");
    assert!(total > 1000, "only {total} queries");
    eprintln!("{total} queries answered, by version: {seen:?}");
}
