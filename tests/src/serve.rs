//! Support for the tests of `mxlists serve`: the server as a child process
//! whose log is collected and whose listening addresses are read from its
//! start line, and `dig` as the DNS client.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::{bin, skip_or_fail};

/// A running `mxlists serve`, stopped (SIGTERM) when dropped.
pub struct Served {
    child: Option<Child>,
    log: Arc<(Mutex<String>, Condvar)>,
    /// The DNS address (UDP and TCP), when zones are served.
    pub dns: Option<SocketAddr>,
    /// The socketmap address, when served over TCP.
    pub socketmap: Option<SocketAddr>,
    /// The policy address, when served over TCP.
    pub policy: Option<SocketAddr>,
}

impl Served {
    /// Starts `mxlists serve CONFIG` and waits for its start line.
    pub fn start(config: &Path) -> Served {
        Served::start_with(Command::new(bin("mxlists")), config)
    }

    /// Starts `mxlists serve CONFIG` through `prefix` (e.g. `ip netns exec
    /// NAME mxlists`): `prefix` is the command that runs `mxlists`.
    pub fn start_with(mut prefix: Command, config: &Path) -> Served {
        let mut child = prefix
            .arg("serve")
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mxlists serve");
        let log = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let (text, cv) = &*sink;
                let mut t = text.lock().unwrap();
                t.push_str(&line);
                t.push('\n');
                cv.notify_all();
            }
            // End of the log: wake the waiters so they can see it.
            let (text, cv) = &*sink;
            text.lock().unwrap().push('\u{4}');
            cv.notify_all();
        });
        let mut served = Served {
            child: Some(child),
            log,
            dns: None,
            socketmap: None,
            policy: None,
        };
        let started = served
            .wait_for("started:", Duration::from_secs(30))
            .unwrap_or_else(|| panic!("mxlists serve did not start:\n{}", served.log()));
        served.dns = address_after(&started, "dns ");
        served.socketmap = address_after(&started, "socketmap ");
        served.policy = address_after(&started, "policy ");
        served
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.0.lock().unwrap().replace('\u{4}', "")
    }

    /// Waits until a log line contains `needle`; the line, or `None` at the
    /// timeout or when the server has ended.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Option<String> {
        let (text, cv) = &*self.log;
        let deadline = Instant::now() + timeout;
        let mut t = text.lock().unwrap();
        loop {
            if let Some(line) = t.lines().find(|l| l.contains(needle)) {
                return Some(line.to_owned());
            }
            let now = Instant::now();
            if now >= deadline || t.ends_with('\u{4}') {
                return None;
            }
            t = cv.wait_timeout(t, deadline - now).unwrap().0;
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends `signal` and waits for the server to end.
    pub fn stop_with(&mut self, signal: i32) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as i32, signal);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                // Let the log reader see the last lines.
                let _ = self.wait_for("\u{4}", Duration::from_secs(5));
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("mxlists serve did not stop:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server with SIGTERM.
    pub fn stop(&mut self) -> ExitStatus {
        self.stop_with(libc::SIGTERM)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// The `host:port` after `label` in a start line.
fn address_after(line: &str, label: &str) -> Option<SocketAddr> {
    let at = line.find(label)? + label.len();
    let word = line[at..].split([' ', ';']).next()?;
    word.parse().ok()
}

/// `dig`'s path, or `None` (after [`skip_or_fail`]) when it is not installed.
pub fn dig_bin() -> Option<PathBuf> {
    which("dig").or_else(|| {
        skip_or_fail("dig (apt-get install bind9-dnsutils)");
        None
    })
}

/// A command's path on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// One record of a `dig` answer: name, TTL, type and data as dig prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rr {
    /// Owner name.
    pub name: String,
    /// TTL.
    pub ttl: u32,
    /// Type (`A`, `TXT`, ...).
    pub rtype: String,
    /// Data, as printed (TXT strings keep their quotes).
    pub data: String,
}

/// What `dig` printed for one query.
#[derive(Clone, Debug, Default)]
pub struct DigAnswer {
    /// The response code (`NOERROR`, `NXDOMAIN`, ...).
    pub status: String,
    /// The header flags (`qr`, `aa`, `tc`, ...).
    pub flags: Vec<String>,
    /// The answer section.
    pub answer: Vec<Rr>,
    /// The authority section.
    pub authority: Vec<Rr>,
    /// dig's whole output.
    pub text: String,
}

impl DigAnswer {
    /// Whether the header has `flag`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// The data of the answer records of type `rtype`.
    pub fn data(&self, rtype: &str) -> Vec<String> {
        self.answer
            .iter()
            .filter(|r| r.rtype == rtype)
            .map(|r| r.data.clone())
            .collect()
    }
}

/// Runs `dig -p PORT @ADDR ARGS...` (one try, short timeout) and parses its
/// output.
pub fn dig(dig: &Path, server: SocketAddr, args: &[&str]) -> DigAnswer {
    let out = Command::new(dig)
        .arg("-p")
        .arg(server.port().to_string())
        .arg(format!("@{}", server.ip()))
        .args(["+tries=1", "+time=5", "+nocookie"])
        .args(args)
        .output()
        .expect("run dig");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    parse_dig(&text)
}

/// Parses dig's default output.
pub fn parse_dig(text: &str) -> DigAnswer {
    let mut a = DigAnswer {
        text: text.to_owned(),
        ..DigAnswer::default()
    };
    let mut section = "";
    for line in text.lines() {
        if let Some(rest) = line.split("status: ").nth(1) {
            a.status = rest.split(',').next().unwrap_or("").to_owned();
        }
        if let Some(rest) = line.strip_prefix(";; flags: ") {
            a.flags = rest
                .split(';')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
        }
        if line.starts_with(";; ANSWER SECTION") {
            section = "answer";
            continue;
        }
        if line.starts_with(";; AUTHORITY SECTION") {
            section = "authority";
            continue;
        }
        if line.starts_with(";;") || line.trim().is_empty() {
            section = if line.trim().is_empty() { "" } else { section };
            continue;
        }
        if section.is_empty() || line.starts_with(';') {
            continue;
        }
        let mut f = line.split_whitespace();
        let (Some(name), Some(ttl), Some(_class), Some(rtype)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let data = f.collect::<Vec<_>>().join(" ");
        let rr = Rr {
            name: name.to_owned(),
            ttl: ttl.parse().unwrap_or(0),
            rtype: rtype.to_owned(),
            data,
        };
        if section == "answer" {
            a.answer.push(rr);
        } else {
            a.authority.push(rr);
        }
    }
    a
}

/// The reversed-octet or reversed-nibble name of `ip` under `zone` (RFC 5782).
pub fn reversed(ip: std::net::IpAddr, zone: &str) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
        }
        std::net::IpAddr::V6(v6) => {
            let v = u128::from(v6);
            let mut s = String::new();
            for i in 0..32 {
                s.push_str(&format!("{:x}.", (v >> (i * 4)) & 0xf));
            }
            s.push_str(zone);
            s
        }
    }
}

/// The lists the serve tests answer from. Version 2 is a rebuild: `ovh`'s
/// reason changes and `tld_bans` no longer excludes `good.monster`.
pub fn lists(version: u32) -> Vec<u8> {
    use mxlists_core::{Builder, ListKind};
    let mut b = Builder::new();
    let white = b
        .add_list(
            "mxrbl_whitelist",
            ListKind::Ip,
            Some("whitelisted customer"),
        )
        .unwrap();
    b.add_text(white, "51.68.10.0/28").unwrap();
    b.add_text(white, "2001:41d0:303:1::/64").unwrap();
    let reason = if version == 1 {
        "OVH network"
    } else {
        "OVH network (v2)"
    };
    let ovh = b.add_list("ovh", ListKind::Ip, Some(reason)).unwrap();
    for e in ["51.68.0.0/16", "51.75.0.0/16", "2001:41d0::/32"] {
        b.add_text(ovh, e).unwrap();
    }
    let sfs = b
        .add_list("sfs_ips", ListKind::Ip, Some("listed by StopForumSpam"))
        .unwrap();
    b.add_text(sfs, "203.0.113.7").unwrap();
    b.add_text(sfs, "2001:db8::7").unwrap();
    let bans = b
        .add_list(
            "tld_bans",
            ListKind::Domain,
            Some("mail from this TLD is not accepted here"),
        )
        .unwrap();
    b.add_text(bans, ".monster").unwrap();
    if version == 1 {
        b.add_text(bans, "!good.monster").unwrap();
    }
    b.add_text(bans, "bücher.example").unwrap();
    let invalid = b
        .add_list(
            "invalid_domains",
            ListKind::Domain,
            Some("audited invalid domain"),
        )
        .unwrap();
    b.add_text(invalid, "pop-os.localdomain").unwrap();
    let rcpt = b
        .add_list(
            "spam_recipients",
            ListKind::Email,
            Some("recipient known to be invalid"),
        )
        .unwrap();
    b.add_text(rcpt, "info@example.net").unwrap();
    b.add_text(rcpt, "Nobody@Corp.Example mailbox nobody does not exist")
        .unwrap();
    b.build().unwrap().bytes
}

/// What a DNS answer says, as a client library (hickory-proto) reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The message id.
    pub id: u16,
    /// The response code, as printed (`NOERROR`, `NXDOMAIN`, ...).
    pub rcode: String,
    /// Whether TC is set.
    pub truncated: bool,
    /// The A records of the answer section.
    pub a: Vec<std::net::Ipv4Addr>,
    /// The TXT strings of the answer section, each record's strings joined.
    pub txt: Vec<String>,
    /// The serial of an SOA in the authority section.
    pub soa_serial: Option<u32>,
}

/// Encodes a query for `name` of type `rtype` with `id`.
pub fn query_bytes(id: u16, name: &str, rtype: hickory_proto::rr::RecordType) -> Vec<u8> {
    use hickory_proto::op::{Message, MessageType, OpCode, Query};
    use hickory_proto::rr::Name;
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).expect("name"), rtype));
    m.to_vec().expect("encode")
}

/// Decodes an answer.
pub fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    use hickory_proto::op::Message;
    use hickory_proto::rr::RData;
    let m = Message::from_vec(bytes).map_err(|e| e.to_string())?;
    let mut r = Reply {
        id: m.metadata.id,
        rcode: rcode_name(u16::from(m.metadata.response_code)),
        truncated: m.metadata.truncation,
        a: Vec::new(),
        txt: Vec::new(),
        soa_serial: None,
    };
    for rec in &m.answers {
        match &rec.data {
            RData::A(a) => r.a.push(a.0),
            RData::TXT(t) => r.txt.push(
                t.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            ),
            _ => {}
        }
    }
    for rec in &m.authorities {
        if let RData::SOA(soa) = &rec.data {
            r.soa_serial = Some(soa.serial);
        }
    }
    Ok(r)
}

/// Sends `query` over `socket` (connected to the server) and waits up to
/// `timeout` for the answer with the same id.
pub fn ask_udp(
    socket: &std::net::UdpSocket,
    query: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    let id = u16::from_be_bytes([query[0], query[1]]);
    socket
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    socket.send(query).map_err(|e| e.to_string())?;
    let mut buf = [0u8; 65535];
    loop {
        let n = socket
            .recv(&mut buf)
            .map_err(|e| format!("no answer: {e}"))?;
        let r = parse_reply(&buf[..n])?;
        if r.id == id {
            return Ok(r);
        }
    }
}

/// Sends `query` over a TCP stream (two-byte length prefix) and reads the
/// answer.
pub fn ask_tcp(stream: &mut std::net::TcpStream, query: &[u8]) -> Result<Reply, String> {
    use std::io::{Read, Write};
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).map_err(|e| e.to_string())?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).map_err(|e| e.to_string())?;
    parse_reply(&buf)
}

/// The name dig prints for a response code.
pub fn rcode_name(code: u16) -> String {
    match code {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        16 => "BADVERS".into(),
        n => format!("RCODE{n}"),
    }
}

/// Postfix's `postmap`, unpacked by `tests/install-deps.sh` into
/// `<target>/postfix` (Debian's postfix package conflicts with Exim and is
/// never installed), with a minimal configuration directory.
pub struct Postmap {
    root: PathBuf,
    conf: PathBuf,
}

/// What `postmap -q` said.
#[derive(Debug)]
pub struct PostmapOutput {
    /// The exit status: 0 found, 1 not found or an error.
    pub code: i32,
    /// Standard output: the value found.
    pub stdout: String,
    /// Standard error: warnings and errors.
    pub stderr: String,
}

impl Postmap {
    /// `postmap` with its configuration in `conf_dir`, or `None` (after
    /// [`skip_or_fail`]) when it is not unpacked.
    pub fn new(conf_dir: &Path) -> Option<Postmap> {
        let target = crate::target_dir()
            .parent()
            .expect("target dir")
            .to_path_buf();
        let root = target.join("postfix");
        if !root.join("usr/sbin/postmap").exists() {
            skip_or_fail(&format!(
                "postmap ({} is absent: tests/install-deps.sh unpacks Postfix there)",
                root.display()
            ));
            return None;
        }
        std::fs::create_dir_all(conf_dir).unwrap();
        // The Debian package's users: Exim's, which exists where Exim does.
        let owner = if Path::new("/etc/passwd").exists()
            && std::fs::read_to_string("/etc/passwd")
                .unwrap_or_default()
                .contains("Debian-exim:")
        {
            "Debian-exim"
        } else {
            "nobody"
        };
        std::fs::write(
            conf_dir.join("main.cf"),
            format!("compatibility_level = 3.6\nmail_owner = {owner}\nsetgid_group = mail\n"),
        )
        .unwrap();
        Some(Postmap {
            root,
            conf: conf_dir.to_path_buf(),
        })
    }

    /// `postmap -q KEY TABLE`; `KEY` `-` reads keys from `input`.
    pub fn query(&self, key: &str, table: &str, input: &str) -> PostmapOutput {
        use std::io::Write;
        let mut child = Command::new(self.root.join("usr/sbin/postmap"))
            .env("LD_LIBRARY_PATH", self.root.join("usr/lib/postfix"))
            .arg("-c")
            .arg(&self.conf)
            .args(["-q", key, table])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run postmap");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_owned();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        PostmapOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Overwrites, in the file at `path` and without replacing it, every
/// occurrence of `marker` with 0xFF bytes: the in-place damage the docs warn
/// against (a reader that maps the file sees it). Returns how many were found.
pub fn damage_in_place(path: &Path, marker: &[u8]) -> usize {
    use std::io::{Seek, SeekFrom, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    let mut n = 0;
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(marker.len()).position(|w| w == marker) {
        f.seek(SeekFrom::Start((at + i) as u64)).unwrap();
        f.write_all(&vec![0xff; marker.len()]).unwrap();
        n += 1;
        at += i + marker.len();
    }
    f.sync_all().unwrap();
    n
}
