//! Bad input to `mxlists serve`'s DNS front, over real UDP and TCP sockets:
//! truncated and malformed packets, compression loops, too many labels, zero
//! or many questions, odd opcodes, responses sent as queries, random bytes.
//! Each is answered FORMERR (or the proper DNS answer when it is a valid
//! query) or dropped; the server never crashes and keeps answering. Hostile
//! TCP clients (more connections than the limit, stalled messages, huge
//! length prefixes) cannot keep a well-behaved client from its answers, over
//! UDP or TCP.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::rr::RecordType;
use mxlists_core::write_atomic;
use mxlists_tests::serve::{ask_tcp, ask_udp, lists, parse_reply, query_bytes, Served};

const CONFIG: &str = r#"artifact = "lists.mxl"
listen = ["127.0.0.1:0"]

[[zone]]
name = "bl.mxrbl.test"
lists = ["ovh"]

[[zone]]
name = "dbl.mxrbl.test"
lists = ["tld_bans"]
"#;

fn start() -> (tempfile::TempDir, Served) {
    start_with("")
}

/// Starts the server with `settings` (top-level keys) before the zones.
fn start_with(settings: &str) -> (tempfile::TempDir, Served) {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(&dir.path().join("lists.mxl"), &lists(1)).unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        CONFIG.replacen("\n\n[[zone]]", &format!("\n{settings}\n\n[[zone]]"), 1),
    )
    .unwrap();
    let s = Served::start(&config);
    (dir, s)
}

/// A DNS header.
fn header(id: u16, flags: u16, qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
    [id, flags, qd, an, ns, ar]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

/// A name in wire form, uncompressed.
fn wire_name(labels: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in labels {
        out.push(l.len() as u8);
        out.extend_from_slice(l);
    }
    out.push(0);
    out
}

/// A query packet for `labels`, type A, class IN.
fn packet(id: u16, flags: u16, qd: u16, labels: &[&[u8]]) -> Vec<u8> {
    let mut p = header(id, flags, qd, 0, 0, 0);
    p.extend(wire_name(labels));
    p.extend_from_slice(&[0, 1, 0, 1]);
    p
}

struct Client {
    udp: UdpSocket,
}

impl Client {
    fn new(dns: SocketAddr) -> Client {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.connect(dns).unwrap();
        Client { udp }
    }

    /// Sends `bytes`; the response code of the answer, or `None` when none
    /// came.
    fn send(&self, bytes: &[u8]) -> Option<String> {
        self.udp
            .set_read_timeout(Some(Duration::from_millis(700)))
            .unwrap();
        self.udp.send(bytes).unwrap();
        let mut buf = [0u8; 4096];
        let n = self.udp.recv(&mut buf).ok()?;
        if bytes.len() >= 2 {
            assert_eq!(buf[..2], bytes[..2], "answer to another id");
        }
        let r = parse_reply(&buf[..n]).unwrap_or_else(|e| panic!("unparsable answer: {e}"));
        Some(r.rcode)
    }

    /// A well-formed query still gets its answer.
    fn still_answers(&self) {
        let q = query_bytes(7, "5.1.68.51.bl.mxrbl.test", RecordType::A);
        let r = ask_udp(&self.udp, &q, Duration::from_secs(5)).expect("alive");
        assert_eq!(r.a, [std::net::Ipv4Addr::new(127, 0, 0, 2)]);
    }
}

const RD: u16 = 0x0100;

#[test]
fn malformed_packets_are_formerr_or_dropped() {
    let (_dir, s) = start();
    let c = Client::new(s.dns.unwrap());
    let zone: [&[u8]; 3] = [b"bl", b"mxrbl", b"test"];

    // Shorter than a header: nothing to answer.
    for len in [0, 1, 2, 11] {
        assert_eq!(c.send(&vec![0xab; len]), None, "{len} bytes");
    }
    // A header announcing a question that is not there.
    assert_eq!(
        c.send(&header(1, RD, 1, 0, 0, 0)).as_deref(),
        Some("FORMERR")
    );
    // A question cut in the middle of its name, or of its type.
    let whole = packet(
        2,
        RD,
        1,
        &[b"5", b"1", b"68", b"51", b"bl", b"mxrbl", b"test"],
    );
    for cut in [14, 20, whole.len() - 3] {
        assert_eq!(
            c.send(&whole[..cut]).as_deref(),
            Some("FORMERR"),
            "cut at {cut}"
        );
    }
    // A name that points at itself, and two that point at each other.
    let mut looped = header(3, RD, 1, 0, 0, 0);
    looped.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(c.send(&looped).as_deref(), Some("FORMERR"));
    let mut pair = header(4, RD, 1, 0, 0, 0);
    pair.extend_from_slice(&[1, b'a', 0xc0, 16, 1, b'b', 0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(c.send(&pair).as_deref(), Some("FORMERR"));
    // A pointer forward, past the end.
    let mut past = header(5, RD, 1, 0, 0, 0);
    past.extend_from_slice(&[0xc0, 200, 0, 1, 0, 1]);
    assert_eq!(c.send(&past).as_deref(), Some("FORMERR"));
    // A question whose name goes on in the header (a pointer to offset 2):
    // it parses, but cannot be echoed in an answer: dropped.
    let mut into_header = header(14, RD, 1, 0, 0, 0);
    into_header.extend_from_slice(&[1, b'5', 2, b'b', b'l', 0xc0, 2, 0, 1, 0, 1]);
    assert_eq!(c.send(&into_header), None);
    // No question, two questions.
    assert_eq!(
        c.send(&header(6, RD, 0, 0, 0, 0)).as_deref(),
        Some("FORMERR")
    );
    let mut two = packet(7, RD, 2, &[b"1", b"bl", b"mxrbl", b"test"]);
    two.extend(wire_name(&[b"2", b"bl", b"mxrbl", b"test"]));
    two.extend_from_slice(&[0, 1, 0, 1]);
    assert_eq!(c.send(&two).as_deref(), Some("FORMERR"));
    // Answer records announced but missing.
    let mut missing = packet(8, RD, 1, &zone);
    missing[7] = 3;
    assert_eq!(c.send(&missing).as_deref(), Some("FORMERR"));
    // A name longer than 255 bytes (128 one-byte labels).
    let many: Vec<&[u8]> = std::iter::repeat_n(b"a".as_slice(), 128).collect();
    assert_eq!(c.send(&packet(9, RD, 1, &many)).as_deref(), Some("FORMERR"));
    // A label longer than 63 bytes.
    let long = [b"x".repeat(64)];
    let labels: Vec<&[u8]> = long.iter().map(Vec::as_slice).chain(zone).collect();
    assert_eq!(
        c.send(&packet(10, RD, 1, &labels)).as_deref(),
        Some("FORMERR")
    );
    // A response sent as a query: not answered (no reflection).
    assert_eq!(c.send(&packet(11, 0x8000, 1, &zone)), None);
    // Opcodes other than QUERY.
    assert_eq!(
        c.send(&packet(12, 2 << 11, 1, &zone)).as_deref(),
        Some("NOTIMP")
    );
    assert_eq!(
        c.send(&packet(13, 5 << 11, 1, &zone)).as_deref(),
        Some("NOTIMP")
    );
    c.still_answers();
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

#[test]
fn valid_but_odd_queries_get_dns_answers() {
    let (_dir, s) = start();
    let c = Client::new(s.dns.unwrap());
    // The root (0 labels): outside every zone.
    assert_eq!(c.send(&packet(1, RD, 1, &[])).as_deref(), Some("REFUSED"));
    // 60 labels under an IP zone and a name zone: nothing there.
    let mut labels: Vec<&[u8]> = std::iter::repeat_n(b"1".as_slice(), 60).collect();
    labels.extend([b"bl".as_slice(), b"mxrbl", b"test"]);
    assert_eq!(
        c.send(&packet(2, RD, 1, &labels)).as_deref(),
        Some("NXDOMAIN")
    );
    let mut labels: Vec<&[u8]> = std::iter::repeat_n(b"a".as_slice(), 60).collect();
    labels.extend([b"dbl".as_slice(), b"mxrbl", b"test"]);
    assert_eq!(
        c.send(&packet(3, RD, 1, &labels)).as_deref(),
        Some("NXDOMAIN")
    );
    // ... and ending in a listed TLD: listed.
    let mut labels: Vec<&[u8]> = std::iter::repeat_n(b"a".as_slice(), 60).collect();
    labels.extend([b"monster".as_slice(), b"dbl", b"mxrbl", b"test"]);
    assert_eq!(
        c.send(&packet(4, RD, 1, &labels)).as_deref(),
        Some("NOERROR")
    );
    // Bytes that are no domain in a label: not listed.
    let odd: [&[u8]; 5] = [b"\xff\x00.", b"monster", b"dbl", b"mxrbl", b"test"];
    assert_eq!(c.send(&packet(5, RD, 1, &odd)).as_deref(), Some("NXDOMAIN"));
    c.still_answers();
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_and_mutated_packets_never_crash_it() {
    let (_dir, s) = start();
    let c = Client::new(s.dns.unwrap());
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let base = query_bytes(99, "5.1.68.51.bl.mxrbl.test", RecordType::TXT);
    let mut buf = [0u8; 4096];
    let mut answers = 0;
    let mut drain = |c: &Client, wait: bool| {
        c.udp.set_nonblocking(!wait).unwrap();
        c.udp
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        // Every answer must be a DNS message.
        while let Ok(n) = c.udp.recv(&mut buf) {
            parse_reply(&buf[..n]).unwrap_or_else(|e| panic!("unparsable answer: {e}"));
            answers += 1;
        }
        c.udp.set_nonblocking(false).unwrap();
    };
    for i in 0..3000 {
        let packet: Vec<u8> = if i % 2 == 0 {
            let len = (rng.next() % 300) as usize;
            (0..len).map(|_| rng.next() as u8).collect()
        } else {
            let mut p = base.clone();
            for _ in 0..1 + rng.next() % 4 {
                let at = (rng.next() as usize) % p.len();
                p[at] = rng.next() as u8;
            }
            p
        };
        c.udp.send(&packet).unwrap();
        drain(&c, i % 100 == 99);
    }
    drain(&c, true);
    assert!(answers > 100, "only {answers} answers");
    c.still_answers();
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

#[test]
fn broken_tcp_streams_are_dropped() {
    let (_dir, s) = start();
    let dns = s.dns.unwrap();
    // A length prefix and then nothing; half a prefix; a prefix and garbage.
    for bytes in [
        &[0xff, 0xff][..],
        &[0x00][..],
        &[0x00, 0x05, 1, 2, 3, 4, 5][..],
    ] {
        let mut t = TcpStream::connect(dns).unwrap();
        t.write_all(bytes).unwrap();
        t.shutdown(std::net::Shutdown::Write).unwrap();
        t.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut rest = Vec::new();
        let _ = t.read_to_end(&mut rest);
        if rest.len() > 2 {
            parse_reply(&rest[2..]).unwrap_or_else(|e| panic!("unparsable answer: {e}"));
        }
    }
    // A connection that keeps working across many queries.
    let mut t = TcpStream::connect(dns).unwrap();
    for id in 0..100 {
        let q = query_bytes(id, "5.1.68.51.bl.mxrbl.test", RecordType::A);
        assert_eq!(ask_tcp(&mut t, &q).unwrap().rcode, "NOERROR");
    }
    Client::new(dns).still_answers();
}

/// Whether the server has closed `t` (end of stream or reset), waiting for
/// it a while.
fn closed(t: &mut TcpStream) -> bool {
    t.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut b = [0u8; 64];
    matches!(t.read(&mut b), Ok(0) | Err(_)) && t.read(&mut b).map_or(true, |n| n == 0)
}

/// A well-formed query over a new TCP connection gets its answer.
fn tcp_still_answers(dns: SocketAddr) -> TcpStream {
    let mut t = TcpStream::connect(dns).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let q = query_bytes(8, "5.1.68.51.bl.mxrbl.test", RecordType::A);
    let r = ask_tcp(&mut t, &q).expect("answered over TCP");
    assert_eq!(r.a, [std::net::Ipv4Addr::new(127, 0, 0, 2)]);
    t
}

#[test]
fn crowds_and_stalled_tcp_clients_cannot_keep_others_out() {
    const LIMIT: usize = 4;
    // A timeout far longer than the test: what lets newcomers in is the
    // connection limit's rule, not the timeout.
    let (_dir, s) = start_with(&format!("tcp_max_connections = {LIMIT}\ntcp_timeout = 600"));
    let dns = s.dns.unwrap();
    let udp = Client::new(dns);

    // A crowd: three times the limit, connected and silent.
    let mut crowd: Vec<TcpStream> = (0..3 * LIMIT)
        .map(|_| TcpStream::connect(dns).unwrap())
        .collect();
    // Stalled clients: half a length prefix, a prefix and half a query, a
    // prefix announcing more than will ever come.
    let q = query_bytes(9, "5.1.68.51.bl.mxrbl.test", RecordType::A);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    let mut stalled: Vec<TcpStream> = [&framed[..1], &framed[..framed.len() / 2], &[0x0f, 0xff, 0]]
        .iter()
        .chain(std::iter::repeat_n(&&framed[..5], LIMIT))
        .map(|bytes| {
            let mut t = TcpStream::connect(dns).unwrap();
            t.write_all(bytes).unwrap();
            t
        })
        .collect();

    // UDP does not notice.
    udp.still_answers();
    // A newcomer over TCP is answered: the oldest connection is closed for it.
    let mut newcomer = tcp_still_answers(dns);
    assert!(
        s.wait_for("the limit: closing the oldest", Duration::from_secs(10))
            .is_some(),
        "{}",
        s.log()
    );
    // The crowd and the first stalled clients were closed for the later
    // ones, oldest first; the newest stalled clients are still open.
    for (i, t) in crowd.iter_mut().enumerate() {
        assert!(closed(t), "crowd connection {i} still open");
    }
    let first_open = stalled.len() - (LIMIT - 1);
    for (i, t) in stalled.iter_mut().enumerate() {
        assert_eq!(stalled_open(t), i >= first_open, "stalled connection {i}");
    }
    // The newcomer's connection keeps working, pipelined queries included:
    // answered one at a time, in order.
    let mut three = Vec::new();
    for id in [21u16, 22, 23] {
        let q = query_bytes(id, "5.1.68.51.bl.mxrbl.test", RecordType::A);
        three.extend_from_slice(&(q.len() as u16).to_be_bytes());
        three.extend_from_slice(&q);
    }
    newcomer.write_all(&three).unwrap();
    for id in [21u16, 22, 23] {
        let mut len = [0u8; 2];
        newcomer.read_exact(&mut len).unwrap();
        let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
        newcomer.read_exact(&mut buf).unwrap();
        let r = parse_reply(&buf).unwrap();
        assert_eq!((r.id, r.rcode.as_str()), (id, "NOERROR"));
    }
    // Crowding goes on: each newcomer still gets in, and UDP still answers.
    for round in 0..3 {
        crowd.extend((0..2 * LIMIT).map(|_| TcpStream::connect(dns).unwrap()));
        tcp_still_answers(dns);
        udp.still_answers();
        assert!(!s.log().contains("panicked"), "round {round}: {}", s.log());
    }
}

/// Whether a stalled connection is still open (nothing to read, no end); a
/// stalled query never gets an answer.
fn stalled_open(t: &mut TcpStream) -> bool {
    t.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut b = [0u8; 64];
    match t.read(&mut b) {
        Ok(n) => {
            assert_eq!(n, 0, "an answer to an unfinished query");
            false
        }
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn stalled_and_oversized_tcp_messages_are_given_up() {
    let (_dir, s) = start_with("tcp_timeout = 1");
    let dns = s.dns.unwrap();
    let q = query_bytes(9, "5.1.68.51.bl.mxrbl.test", RecordType::A);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    // Silent, half a prefix, half a query: closed after the timeout.
    for bytes in [&[][..], &framed[..1], &framed[..framed.len() / 2]] {
        let mut t = TcpStream::connect(dns).unwrap();
        t.write_all(bytes).unwrap();
        assert!(closed(&mut t), "{} bytes", bytes.len());
    }
    // A query that trickles in over longer than the timeout is given up
    // too, however small each step.
    let mut t = TcpStream::connect(dns).unwrap();
    let mut gone = false;
    for b in &framed {
        if t.write_all(std::slice::from_ref(b)).is_err() {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(gone || closed(&mut t), "a trickling query is given up");
    // A message longer than a query can be: closed at once, unanswered.
    let mut t = TcpStream::connect(dns).unwrap();
    let mut big = vec![0x20, 0x00];
    big.extend(std::iter::repeat_n(0u8, 0x2000));
    let _ = t.write_all(&big);
    assert!(closed(&mut t));
    // Meanwhile and afterwards, both transports answer.
    Client::new(dns).still_answers();
    tcp_still_answers(dns);
}
