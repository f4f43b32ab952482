//! The life of `mxlists serve`: refusing to start (status 2, a message naming
//! the file, line and column) on a bad configuration, a missing or corrupt
//! artifact, an unknown list or a busy port; following the artifact (a file
//! renamed over it is served, a bad one is logged and not swapped in); SIGHUP;
//! a clean stop on SIGTERM and SIGINT.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_tests::bin;
use mxlists_tests::serve::{dig, dig_bin, lists, Served};

const CONFIG: &str = r#"artifact = "lists.mxl"
listen = ["127.0.0.1:0"]

[[zone]]
name = "bl.mxrbl.test"
lists = ["mxrbl_whitelist", "ovh"]
allow_lists = ["mxrbl_whitelist"]
txt = "{reason}"
"#;

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(&dir.path().join("lists.mxl"), &lists(1)).unwrap();
    dir
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("serve.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `mxlists serve ARGS`, which must end by itself within a minute.
fn serve_to_end(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(bin("mxlists"))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("mxlists serve {args:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Starting with `config` fails with status 2 and a message containing
/// every one of `needles`.
fn refuses(config: &Path, needles: &[&str]) {
    let out = serve_to_end(&[config.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("mxlists: "), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
}

#[test]
fn bad_configurations_and_artifacts_stop_the_start() {
    let dir = site();
    let d = dir.path();
    let path = d.join("serve.toml").display().to_string();
    refuses(
        &write_config(d, &CONFIG.replace("listen", "lisen")),
        &[&format!("{path}:2:1: unknown field `lisen`")],
    );
    refuses(
        &write_config(d, &CONFIG.replace("\"ovh\"]", "\"ovh\", \"nope\"]")),
        &[
            &format!("{path}:6:36: list \"nope\" is not in the artifact"),
            "mxrbl_whitelist, ovh, sfs_ips",
        ],
    );
    refuses(
        &write_config(d, &CONFIG.replace("{reason}", "{raeson}")),
        &[&format!("{path}:8:8: unknown placeholder {{raeson}}")],
    );
    refuses(
        &write_config(d, &CONFIG.replace("\"ovh\"]", "\"ovh\", \"tld_bans\"]")),
        &["mixes IP lists and name lists", &format!("{path}:6:9")],
    );
    refuses(
        &write_config(d, &CONFIG.replace("lists.mxl", "missing.mxl")),
        &["missing.mxl", "No such file"],
    );
    std::fs::write(d.join("garbage.mxl"), b"not an artifact at all, no").unwrap();
    refuses(
        &write_config(d, &CONFIG.replace("lists.mxl", "garbage.mxl")),
        &["garbage.mxl", "corrupt artifact"],
    );
    let busy = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    refuses(
        &write_config(d, &CONFIG.replace("127.0.0.1:0", &addr)),
        &[&format!("cannot listen on {addr}")],
    );
    refuses(&d.join("absent.toml"), &["absent.toml", "cannot read"]);
    // --check says the same, and OK for a good configuration.
    let good = write_config(d, CONFIG);
    let out = serve_to_end(&["--check".as_ref(), good.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": OK, artifact "), "{text}");
}

#[test]
fn sigterm_and_sigint_stop_cleanly() {
    let dir = site();
    let config = write_config(dir.path(), CONFIG);
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT")] {
        let mut s = Served::start(&config);
        let status = s.stop_with(signal);
        assert_eq!(status.code(), Some(0), "{name}: {}", s.log());
        let log = s.log();
        assert!(
            log.contains(&format!("mxlists serve: stopped ({name})")),
            "{log}"
        );
        assert_eq!(log.lines().count(), 2, "a start and a stop line: {log}");
    }
}

/// Lists without `mxrbl_whitelist`, which the configuration names.
fn lists_without_whitelist() -> Vec<u8> {
    let mut b = Builder::new();
    let ovh = b.add_list("ovh", ListKind::Ip, Some("OVH")).unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.build().unwrap().bytes
}

#[test]
fn the_artifact_is_followed_and_bad_replacements_are_kept_out() {
    let Some(dig_path) = dig_bin() else { return };
    let dir = site();
    let artifact = dir.path().join("lists.mxl");
    let s = Served::start(&write_config(dir.path(), CONFIG));
    let txt = || {
        let a = dig(
            &dig_path,
            s.dns.unwrap(),
            &["5.1.68.51.bl.mxrbl.test", "TXT"],
        );
        a.data("TXT").join(" ")
    };
    assert_eq!(txt(), "\"OVH network\"");

    write_atomic(&artifact, &lists(2)).unwrap();
    let line = s
        .wait_for("reloaded", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no reload: {}", s.log()));
    assert!(line.contains(&artifact.display().to_string()), "{line}");
    assert_eq!(txt(), "\"OVH network (v2)\"");

    // A corrupt file renamed in: logged once, not swapped in.
    let tmp = dir.path().join("tmp.mxl");
    let mut bytes = lists(1);
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&tmp, &bytes).unwrap();
    std::fs::rename(&tmp, &artifact).unwrap();
    let line = s
        .wait_for("not swapped in", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no rejection: {}", s.log()));
    assert!(line.contains("corrupt artifact"), "{line}");
    assert_eq!(txt(), "\"OVH network (v2)\"", "still the last good file");

    // A valid artifact without a configured list: not swapped in either.
    write_atomic(&artifact, &lists_without_whitelist()).unwrap();
    let line = s
        .wait_for("is not in the artifact", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no rejection: {}", s.log()));
    assert!(line.contains("list \"mxrbl_whitelist\""), "{line}");
    assert_eq!(txt(), "\"OVH network (v2)\"");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        s.log().matches("not swapped in").count(),
        2,
        "each rejection logged once: {}",
        s.log()
    );

    write_atomic(&artifact, &lists(1)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while txt() != "\"OVH network\"" {
        assert!(Instant::now() < deadline, "{}", s.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(s.log().matches("reloaded").count(), 2, "{}", s.log());

    // SIGHUP reopens the file at once, changed or not.
    // SAFETY: kill(2) on the server we started.
    unsafe {
        libc::kill(s.pid() as i32, libc::SIGHUP);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.log().matches("reloaded").count() < 3 {
        assert!(Instant::now() < deadline, "{}", s.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}
