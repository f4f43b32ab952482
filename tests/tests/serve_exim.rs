//! A real Exim asking `mxlists serve` with `dnslists`: SMTP conversations with
//! `exim -bh` where a listed OVH host is refused with the zone's TXT in the
//! message, its whitelisted neighbour is accepted, and `deny dnslists =
//! dbl.../$domain` refuses a `.monster` recipient.
//!
//! Exim asks the resolvers of `/etc/resolv.conf`, on port 53 only. So the
//! server and Exim run in a network namespace of this test's own (`ip netns
//! add`), where `ip netns exec` puts `/etc/netns/NAME/resolv.conf` (naming
//! 127.0.0.1) over `/etc/resolv.conf`. The namespace and its folder are
//! removed afterwards, also when the test fails.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use mxlists_core::write_atomic;
use mxlists_tests::serve::{lists, which, Served};
use mxlists_tests::{bin, exim, skip_or_fail, workspace_root};

/// A network namespace with loopback up and a resolv.conf naming 127.0.0.1;
/// deleted when dropped.
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Option<Netns> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        if which("ip").is_none() {
            skip_or_fail("ip (apt-get install iproute2)");
            return None;
        }
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            skip_or_fail("root (to create a network namespace)");
            return None;
        }
        let name = format!(
            "mxlserve{}x{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let ns = Netns { name };
        run(Command::new("ip").args(["netns", "add", &ns.name]));
        run(Command::new("ip").args(["-n", &ns.name, "link", "set", "lo", "up"]));
        std::fs::create_dir_all(ns.etc()).unwrap();
        std::fs::write(
            ns.etc().join("resolv.conf"),
            "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n",
        )
        .unwrap();
        Some(ns)
    }

    fn etc(&self) -> PathBuf {
        Path::new("/etc/netns").join(&self.name)
    }

    /// A command run inside the namespace.
    fn exec(&self, program: &Path) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(program);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(self.etc());
    }
}

fn run(c: &mut Command) {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

const CONFIG: &str = r#"artifact = "lists.mxl"
listen = ["127.0.0.1:53"]

[[zone]]
name = "bl.mxrbl.test"
lists = ["mxrbl_whitelist", "ovh", "sfs_ips"]
allow_lists = ["mxrbl_whitelist"]
txt = "$ listed by {list}: {reason}"
[zone.answers]
ovh = "127.0.0.3"

[[zone]]
name = "dbl.mxrbl.test"
lists = ["tld_bans", "invalid_domains"]
txt = "{value} is listed by {list}: {reason}"
"#;

/// Exim, its configuration and directories, and the server, in a namespace.
struct Site {
    // Dropped in this order: the server stops before its namespace goes.
    server: Served,
    ns: Netns,
    exim: PathBuf,
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Option<Site> {
        let exim = exim()?;
        let ns = Netns::new()?;
        let dir = tempfile::tempdir().unwrap();
        chmod(dir.path(), 0o755);
        write_atomic(&dir.path().join("lists.mxl"), &lists(1)).unwrap();
        let config = dir.path().join("serve.toml");
        std::fs::write(&config, CONFIG).unwrap();
        let conf = dir.path().join("dnslists.conf");
        std::fs::copy(workspace_root().join("tests/exim/dnslists.conf"), &conf).unwrap();
        chmod(&conf, 0o644);
        for sub in ["log", "spool"] {
            let p = dir.path().join(sub);
            std::fs::create_dir(&p).unwrap();
            chmod(&p, 0o777);
        }
        let server = Served::start_with(ns.exec(&bin("mxlists")), &config);
        Some(Site {
            server,
            ns,
            exim,
            dir,
        })
    }

    /// An SMTP conversation with `exim -bh ip`: the final reply line of each
    /// command (the greeting first), and Exim's trace.
    fn smtp(&self, ip: &str, commands: &[&str]) -> (Vec<String>, String) {
        let mut child = self
            .ns
            .exec(&self.exim)
            .arg("-C")
            .arg(self.dir.path().join("dnslists.conf"))
            .arg(format!("-DMXL_DIR={}", self.dir.path().display()))
            .args(["-bh", ip])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run exim -bh");
        let input: String = commands.iter().map(|c| format!("{c}\r\n")).collect();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            replies(&String::from_utf8_lossy(&out.stdout)),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The SMTP replies in `output`, a multi-line reply joined into one line
/// (Exim folds long messages at a space).
fn replies(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in output.lines() {
        let b = line.as_bytes();
        if b.len() < 4 || !b[..3].iter().all(u8::is_ascii_digit) {
            continue;
        }
        if current.is_empty() {
            current.push_str(&line[..4]);
        } else {
            current.push(' ');
        }
        current.push_str(&line[4..]);
        if b[3] == b' ' {
            let (code, text) = current.split_at(4);
            out.push(format!("{} {text}", &code[..3]));
            current.clear();
        }
    }
    out
}

const CONVERSATION: &[&str] = &[
    "EHLO client.example",
    "MAIL FROM:<sender@example.com>",
    "RCPT TO:<u@foo.monster>",
    "RCPT TO:<u@good.monster>",
    "RCPT TO:<postmaster@example.com>",
    "QUIT",
];

#[test]
fn exim_dnslists_refuses_listed_hosts_and_recipient_domains() {
    let Some(site) = Site::new() else { return };

    let (replies, trace) = site.smtp("51.68.1.5", CONVERSATION);
    assert_eq!(
        replies.first().map(String::as_str),
        Some("550 51.68.1.5 listed at bl.mxrbl.test (127.0.0.3): 51.68.1.5 listed by ovh: OVH network"),
        "{replies:?}\n{trace}\n{}",
        site.server.log()
    );
    assert!(
        trace.contains("DNS lookup for 5.1.68.51.bl.mxrbl.test succeeded (yielding 127.0.0.3)"),
        "{trace}"
    );

    // The whitelisted neighbour is accepted; its recipients are checked
    // against the name zone.
    let (replies, trace) = site.smtp("51.68.10.3", CONVERSATION);
    assert!(replies[0].starts_with("220 "), "{replies:?}\n{trace}");
    assert!(
        trace.contains("DNS lookup for 3.10.68.51.bl.mxrbl.test failed"),
        "{trace}"
    );
    assert_eq!(
        replies[3],
        "550 recipient domain foo.monster listed (127.0.0.2): foo.monster is listed by tld_bans: mail from this TLD is not accepted here",
        "{replies:?}\n{trace}"
    );
    assert!(replies[4].starts_with("250 "), "good.monster: {replies:?}");
    assert!(replies[5].starts_with("250 "), "example.com: {replies:?}");

    // IPv6 hosts are asked by nibbles.
    let (replies, _) = site.smtp("2001:41d0:1::25", &["QUIT"]);
    assert_eq!(
        replies[0],
        "550 2001:41d0:0001:0000:0000:0000:0000:0025 listed at bl.mxrbl.test (127.0.0.3): 2001:41d0:1::25 listed by ovh: OVH network"
    );
    let (replies, _) = site.smtp("2001:41d0:303:1::25", &["QUIT"]);
    assert!(replies[0].starts_with("220 "), "{replies:?}");
    // A host on no list.
    let (replies, _) = site.smtp("192.0.2.1", &["QUIT"]);
    assert!(replies[0].starts_with("220 "), "{replies:?}");
}
