//! Support for the end-to-end tests: where the built binaries, libraries and the
//! shared real-world data are, and the rule for tests that need external parts.

pub mod serve;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// The cargo target directory holding the built artifacts of this test run's
/// profile (`target/debug` for `cargo test`).
pub fn target_dir() -> PathBuf {
    // The test executable lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("test exe in <target>/<profile>/deps")
        .to_path_buf()
}

/// Path of a built binary of the workspace (e.g. `mxlists`). The test command
/// builds the workspace before running tests; a missing binary is a failure.
pub fn bin(name: &str) -> PathBuf {
    let p = target_dir().join(name);
    assert!(
        p.exists(),
        "{} is not built; run `cargo build --workspace` before the tests",
        p.display()
    );
    p
}

/// Whether this run is CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Called by a test that cannot run because `what` is missing: under `CI=true`
/// this fails the test; elsewhere it says so on stderr and returns, and the
/// test returns early.
pub fn skip_or_fail(what: &str) {
    if in_ci() {
        panic!("{what} is required under CI=true");
    }
    eprintln!("SKIPPED: {what} is not available");
}

/// The shared real-world data folder (`../shared/data` beside the workspace),
/// or `None` (after [`skip_or_fail`]) when it is absent.
pub fn shared_data() -> Option<PathBuf> {
    let p = std::env::var_os("MXLISTS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/data"));
    if p.join("README.md").exists() {
        Some(p)
    } else {
        skip_or_fail("the shared data folder ../shared/data");
        None
    }
}

/// The `exim` binary (Debian's `exim4-daemon-heavy`), or `None` (after
/// [`skip_or_fail`]) when it is not installed.
pub fn exim() -> Option<PathBuf> {
    for p in [
        "/usr/sbin/exim4",
        "/usr/sbin/exim",
        "/usr/bin/exim4",
        "/usr/bin/exim",
    ] {
        if Path::new(p).exists() {
            return Some(PathBuf::from(p));
        }
    }
    skip_or_fail("exim (apt-get install exim4-daemon-heavy)");
    None
}

/// A program found on `PATH` or in `/usr/sbin` and `/sbin`, or `None` (after
/// [`skip_or_fail`], naming the package `install` that provides it).
pub fn tool(name: &str, install: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(["/usr/sbin".into(), "/sbin".into()]);
    for dir in dirs {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    skip_or_fail(&format!("{name} ({install})"));
    None
}

/// A directory for a real Exim: the C library and the test configuration
/// `tests/exim/acl.conf` copied into it, `log/` and `spool/`, all readable by
/// the Exim user (Exim gives up root for a configuration passed with `-C`).
/// Files put there with [`EximSite::write`] are readable too.
pub struct EximSite {
    exim: PathBuf,
    dir: tempfile::TempDir,
}

impl EximSite {
    /// `None` when Exim is absent (and not under CI).
    pub fn new() -> Option<EximSite> {
        use std::os::unix::fs::PermissionsExt;
        let exim = exim()?;
        let so = target_dir().join("libmxlists.so");
        assert!(
            so.exists(),
            "{} is not built; run `cargo build -p mxlists-ffi` first",
            so.display()
        );
        let site = EximSite {
            exim,
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod")
        };
        mode(site.path(), 0o755);
        std::fs::copy(&so, site.lib()).expect("copy the library");
        mode(&site.lib(), 0o755);
        let conf = site.path().join("acl.conf");
        std::fs::copy(workspace_root().join("tests/exim/acl.conf"), &conf).expect("copy");
        mode(&conf, 0o644);
        for sub in ["log", "spool"] {
            let p = site.path().join(sub);
            std::fs::create_dir(&p).expect("mkdir");
            mode(&p, 0o777);
        }
        Some(site)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The copy of `libmxlists.so`.
    pub fn lib(&self) -> PathBuf {
        self.path().join("libmxlists.so")
    }

    /// Writes `name` in the directory, readable by everyone; returns its path.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path().join(name);
        std::fs::write(&p, content).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        p
    }

    /// Exim with the site's configuration (`-C acl.conf`, `-DMXL_DIR=` the
    /// directory), then `extra`.
    pub fn command(&self, extra: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(&self.exim);
        c.arg("-C")
            .arg(self.path().join("acl.conf"))
            .arg(format!("-DMXL_DIR={}", self.path().display()))
            .args(extra);
        c
    }

    /// `${dlfunc{LIB}{func}{ARTIFACT}{lists}{value}}`.
    pub fn dlfunc(&self, func: &str, artifact: &Path, lists: &str, value: &str) -> String {
        format!(
            "${{dlfunc{{{}}}{{{func}}}{{{}}}{{{lists}}}{{{value}}}}}",
            self.lib().display(),
            artifact.display()
        )
    }

    /// Expands every expression in one `exim -be` run; returns each result,
    /// or `Err` with Exim's message for an expansion that failed.
    pub fn expand_all(&self, exprs: &[String]) -> Vec<Result<String, String>> {
        use std::io::Write;
        use std::process::Stdio;
        let mut script = String::new();
        for (i, e) in exprs.iter().enumerate() {
            script.push_str(&format!("<{i}>{e}</{i}>\n"));
        }
        let mut child = self
            .command(&["-be"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run exim -be");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write to exim -be");
        let out = child.wait_with_output().expect("exim -be");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "exim -be: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        (0..exprs.len())
            .map(|i| {
                let open = format!("<{i}>");
                let at = stdout.find(&open).ok_or_else(|| {
                    stdout
                        .lines()
                        .find(|l| l.starts_with("Failed:"))
                        .unwrap_or("no output")
                        .to_owned()
                })?;
                let rest = &stdout[at + open.len()..];
                let end = rest.find(&format!("</{i}>")).unwrap_or(rest.len());
                Ok(rest[..end].to_owned())
            })
            .collect()
    }
}

/// An rbldnsd serving one zone on a loopback port, stopped when dropped.
pub struct Rbldnsd {
    child: std::process::Child,
    dig: PathBuf,
    port: u16,
    zone: String,
}

impl Rbldnsd {
    /// Serves `zone` from `file` (a `type` dataset, e.g. `dnset`) on a free
    /// loopback port. `None` when rbldnsd or dig is absent (and not under CI).
    pub fn serve(zone: &str, kind: &str, file: &Path) -> Option<Rbldnsd> {
        use std::process::{Command, Stdio};
        let rbldnsd = tool("rbldnsd", "apt-get install rbldnsd")?;
        let dig = tool("dig", "apt-get install bind9-dnsutils")?;
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free loopback port")
            .port();
        let dir = file.parent().expect("the dataset's directory");
        let name = file.file_name().expect("a file name").to_string_lossy();
        let child = Command::new(rbldnsd)
            .arg("-n")
            .arg("-b")
            .arg(format!("127.0.0.1/{port}"))
            .arg("-w")
            .arg(dir)
            .arg(format!("{zone}:{kind}:{name}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rbldnsd");
        let server = Rbldnsd {
            child,
            dig,
            port,
            zone: zone.to_owned(),
        };
        // Ready once it answers (its SOA-less zone answers NXDOMAIN or data).
        for _ in 0..100 {
            if server.query_status("readiness-probe").is_some() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("rbldnsd on port {port} never answered");
    }

    /// The DNS status of `name` under the zone (`NOERROR`, `NXDOMAIN`, ...),
    /// or `None` when there was no answer.
    fn query_status(&self, name: &str) -> Option<String> {
        let out = std::process::Command::new(&self.dig)
            .args(["-p", &self.port.to_string(), "@127.0.0.1"])
            .args(["+tries=1", "+time=1", "+noall", "+comments"])
            .arg(format!("{name}.{}", self.zone))
            .arg("A")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let at = text.find("status: ")?;
        Some(text[at + 8..].split(',').next()?.to_owned())
    }

    /// Which of `names` the zone lists (answers an A record for), asked in
    /// one `dig` batch.
    pub fn listed(&self, names: &[&str]) -> Vec<bool> {
        let batch: String = names
            .iter()
            .map(|n| format!("{n}.{} A\n", self.zone))
            .collect();
        let mut file = tempfile::NamedTempFile::new().expect("a batch file");
        std::io::Write::write_all(&mut file, batch.as_bytes()).expect("write the batch");
        let out = std::process::Command::new(&self.dig)
            .args(["-p", &self.port.to_string(), "@127.0.0.1"])
            .args(["+tries=3", "+time=2", "+noall", "+answer", "-f"])
            .arg(file.path())
            .output()
            .expect("run dig");
        assert!(out.status.success(), "dig: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
        let owners: std::collections::HashSet<&str> = text
            .lines()
            .filter(|l| l.split_whitespace().nth(3) == Some("a"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        names
            .iter()
            .map(|n| owners.contains(format!("{}.{}.", n.to_ascii_lowercase(), self.zone).as_str()))
            .collect()
    }
}

impl Drop for Rbldnsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
