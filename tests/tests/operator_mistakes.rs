//! Operator mistakes, as a bad day at a shell or a wrong cron line makes them,
//! run as root: outputs that are devices, FIFOs or the build's own inputs,
//! artifacts that are FIFOs, sources that are not files, folders already
//! populated, globs over odd names, endless input, odd list selections, a
//! hostile umask. Each case and its answer is listed in docs/RELIABILITY.md
//! ("Operator mistakes"). Every run has a time limit: a command that blocks
//! fails its test instead of stalling the suite.

mod cli_support;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::{checked, list, output_within, run_within, Dir, Run};
use mxlists_tests::skip_or_fail;

/// The time limit of a run that must not block: far more than any run needs.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs `mxlists args...` in `d` with the time limit.
fn mx(d: &Dir, args: &[&str]) -> Run {
    run_within(Some(d.path()), args, b"", LIMIT)
}

/// Runs `mxlists args...` in `d` through `sh -c "SETUP; exec mxlists ..."`
/// (for `umask`, `ulimit`, `trap`), with the time limit.
fn mx_after(d: &Dir, setup: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{setup}; exec \"$0\" \"$@\""))
        .arg(mxlists_tests::bin("mxlists"))
        .args(args)
        .current_dir(d.path());
    checked(output_within(cmd, b"", LIMIT))
}

/// A folder with a two-list manifest `m.toml` (`bans.txt`, `ovh.txt`).
fn lists() -> Dir {
    let d = Dir::new();
    d.write("bans.txt", ".monster\n!good.monster known sender\n");
    d.write("ovh.txt", "51.68.0.0/16\n");
    d.write(
        "m.toml",
        [
            list("bans", "domain", &["bans.txt"], None, Some("banned TLD")),
            list("ovh", "ip", &["ovh.txt"], None, Some("OVH network")),
        ]
        .concat(),
    );
    d
}

/// `lists()` built into `lists.mxl`.
fn built() -> Dir {
    let d = lists();
    mx(&d, &["build", "m.toml", "-o", "lists.mxl", "--quiet"]).expect(0);
    d
}

/// Makes a FIFO at `p` with `mkfifo`.
fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("run mkfifo");
    assert!(st.success(), "mkfifo {}", p.display());
}

/// Makes a character device like /dev/null (1, 3) at `p` with `mknod`, in the
/// test's own folder; `false` (after `skip_or_fail`) when not permitted.
fn mknod_null(p: &Path) -> bool {
    let out = Command::new("mknod")
        .arg(p)
        .args(["c", "1", "3"])
        .output()
        .expect("run mknod");
    if !out.status.success() {
        skip_or_fail("permission to make a device with mknod (root)");
        return false;
    }
    true
}

fn file_type(p: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .file_type()
}

/// Asserts that a refused write says which file was not written, that it was
/// left as it was, and does not name a temporary file.
#[track_caller]
fn assert_not_written(r: &Run, out: &str, why: &str) {
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains(out), "names {out}: {r:#?}");
    assert!(r.stderr.contains("not written"), "{r:#?}");
    assert!(r.stderr.contains(why), "says {why:?}: {r:#?}");
    assert!(!r.stderr.contains("mxlists-tmp"), "{r:#?}");
}

#[test]
fn build_refuses_to_replace_a_character_device() {
    let d = lists();
    let dev = d.join("null");
    if !mknod_null(&dev) {
        return;
    }
    let r = mx(&d, &["build", "m.toml", "-o", "null"]);
    assert_not_written(&r, "null", "character device");
    assert!(r.stderr.contains("untouched"), "{r:#?}");
    assert!(
        file_type(&dev).is_char_device(),
        "the device is still there"
    );
    assert_eq!(std::fs::metadata(&dev).unwrap().rdev(), 0x103);
}

#[test]
fn build_refuses_to_replace_a_fifo_a_folder_or_a_link_to_them() {
    let d = lists();
    mkfifo(&d.join("fifo"));
    std::fs::create_dir(d.join("folder")).unwrap();
    std::os::unix::fs::symlink("fifo", d.join("to_fifo")).unwrap();
    std::os::unix::fs::symlink("nowhere.mxl", d.join("dangling")).unwrap();
    for (out, why) in [
        ("fifo", "FIFO"),
        ("folder", "folder"),
        ("to_fifo", "FIFO"),
        ("dangling", "symbolic link to nothing"),
    ] {
        let r = mx(&d, &["build", "m.toml", "-o", out]);
        assert_not_written(&r, out, why);
    }
    assert!(file_type(&d.join("fifo")).is_fifo());
    assert!(file_type(&d.join("folder")).is_dir());
    assert!(file_type(&d.join("to_fifo")).is_symlink());
    assert!(file_type(&d.join("dangling")).is_symlink());
    assert!(!d.join("nowhere.mxl").exists());
    // --max-change reads the existing artifact: a FIFO there must not block it.
    let r = mx(&d, &["build", "m.toml", "-o", "fifo", "--max-change", "10"]);
    assert_not_written(&r, "fifo", "FIFO");
}

#[test]
fn build_replaces_a_symbolic_link_to_a_regular_file() {
    let d = built();
    std::fs::copy(d.join("lists.mxl"), d.join("real.mxl")).unwrap();
    std::os::unix::fs::symlink("real.mxl", d.join("link.mxl")).unwrap();
    mx(&d, &["build", "m.toml", "-o", "link.mxl", "--quiet"]).expect(0);
    // As rename(2) does: the link is replaced by the artifact, its target kept.
    assert!(file_type(&d.join("link.mxl")).is_file());
    assert!(file_type(&d.join("real.mxl")).is_file());
}

#[test]
fn build_refuses_an_output_that_is_one_of_its_sources() {
    let d = lists();
    d.write("spam/server1.txt", "a@example.com\n");
    d.write("spam/server2.txt", "b@example.com\n");
    d.write(
        "m.toml",
        [
            list("bans", "domain", &["bans.txt"], None, None),
            list("spam", "email", &["spam/*.txt"], None, None),
        ]
        .concat(),
    );
    std::fs::hard_link(d.join("bans.txt"), d.join("hard.txt")).unwrap();
    std::os::unix::fs::symlink("bans.txt", d.join("soft.txt")).unwrap();
    let before = d.read("bans.txt");
    for out in [
        "bans.txt",
        "./bans.txt",
        "hard.txt",
        "soft.txt",
        "spam/server2.txt",
        "spam/../bans.txt",
    ] {
        let r = mx(&d, &["build", "m.toml", "-o", out]);
        assert_not_written(&r, out, "source");
    }
    assert_eq!(d.read("bans.txt"), before);
    assert_eq!(d.read("spam/server2.txt"), b"b@example.com\n");
    assert!(file_type(&d.join("soft.txt")).is_symlink());
}

#[test]
fn build_refuses_an_output_that_is_its_manifest() {
    let d = lists();
    let before = d.read("m.toml");
    std::fs::hard_link(d.join("m.toml"), d.join("other.toml")).unwrap();
    for out in ["m.toml", "other.toml"] {
        let r = mx(&d, &["build", "m.toml", "-o", out]);
        assert_not_written(&r, out, "manifest");
    }
    assert_eq!(d.read("m.toml"), before);
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn rebuilds_under_umask_077_keep_the_mode() {
    let d = lists();
    // A new artifact is 0644 whatever the umask: the mail server must read it.
    mx_after(&d, "umask 077", &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    assert_eq!(mode(&d.join("a.mxl")), 0o644);
    // A rebuild keeps the mode the operator gave the file.
    std::fs::set_permissions(d.join("a.mxl"), PermissionsExt::from_mode(0o640)).unwrap();
    d.write("bans.txt", ".monster\n.xyz\n");
    mx_after(&d, "umask 077", &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    assert_eq!(mode(&d.join("a.mxl")), 0o640);
    std::fs::set_permissions(d.join("a.mxl"), PermissionsExt::from_mode(0o644)).unwrap();
    mx_after(&d, "umask 077", &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    assert_eq!(mode(&d.join("a.mxl")), 0o644);
    // --mode sets it, on a new file and on a rebuild.
    mx_after(
        &d,
        "umask 077",
        &["build", "m.toml", "-o", "b.mxl", "-q", "--mode", "0600"],
    )
    .expect(0);
    assert_eq!(mode(&d.join("b.mxl")), 0o600);
    mx(
        &d,
        &["build", "m.toml", "-o", "a.mxl", "-q", "--mode", "640"],
    )
    .expect(0);
    assert_eq!(mode(&d.join("a.mxl")), 0o640);
    let r = mx(&d, &["build", "m.toml", "-o", "a.mxl", "--mode", "u+rw"]).expect(2);
    assert!(r.stderr.contains("mode"), "{r:#?}");
    // `dump --manifest` files and the Python Builder go through the same write:
    // new files are 0644 there too.
    mx_after(&d, "umask 077", &["dump", "a.mxl", "--manifest", "src"]).expect(0);
    assert_eq!(mode(&d.join("src/mxlists.toml")), 0o644);
    assert_eq!(mode(&d.join("src/bans.txt")), 0o644);
}

#[test]
fn rebuilds_keep_the_owner_and_group() {
    let d = built();
    let a = d.join("lists.mxl");
    let chown = Command::new("chown").arg("65534:65534").arg(&a).status();
    if !chown.is_ok_and(|s| s.success()) {
        skip_or_fail("permission to chown (root)");
        return;
    }
    d.write("bans.txt", ".monster\n.xyz\n");
    mx(&d, &["build", "m.toml", "-o", "lists.mxl", "-q"]).expect(0);
    let meta = std::fs::metadata(&a).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(meta.mode() & 0o7777, 0o644);
}

#[test]
fn write_errors_name_the_output_and_keep_the_previous_file() {
    let d = built();
    let before = d.read("lists.mxl");
    d.write("bans.txt", ".monster\n.xyz\n.click\n");
    // A file size limit of 512 bytes: writing the artifact fails with EFBIG.
    let r = mx_after(
        &d,
        "trap '' XFSZ; ulimit -f 1",
        &["build", "m.toml", "-o", "lists.mxl", "-q"],
    );
    assert_not_written(&r, "lists.mxl", "untouched");
    assert!(r.stderr.contains("too large"), "{r:#?}");
    assert_eq!(d.read("lists.mxl"), before);
    // A new file that cannot be written: nothing is left behind.
    let r = mx_after(
        &d,
        "trap '' XFSZ; ulimit -f 1",
        &["build", "m.toml", "-o", "new.mxl", "-q"],
    );
    assert_not_written(&r, "new.mxl", "no file was created");
    let names: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("new.mxl")), "{names:?}");
}

#[test]
fn an_artifact_that_is_a_fifo_is_refused_without_blocking() {
    let d = built();
    mkfifo(&d.join("fifo.mxl"));
    for args in [
        &["check", "fifo.mxl", "x@bad.monster"][..],
        &["info", "fifo.mxl"],
        &["verify", "fifo.mxl"],
        &["dump", "fifo.mxl"],
        &["diff", "fifo.mxl", "lists.mxl"],
        &["diff", "lists.mxl", "fifo.mxl"],
    ] {
        let r = mx(&d, args).expect(2);
        assert!(r.stderr.contains("fifo.mxl"), "{r:#?}");
        assert!(r.stderr.contains("not a regular file"), "{r:#?}");
        assert!(r.stderr.contains("FIFO"), "{r:#?}");
    }
    // The same for a device.
    if mknod_null(&d.join("null.mxl")) {
        let r = mx(&d, &["check", "null.mxl", "x"]).expect(2);
        assert!(r.stderr.contains("character device"), "{r:#?}");
    }
}

#[test]
fn a_fifo_or_device_source_is_refused_unless_allowed() {
    let d = lists();
    mkfifo(&d.join("fifo.txt"));
    d.write(
        "m.toml",
        [
            list("bans", "domain", &["bans.txt"], None, None),
            list("piped", "domain", &["fifo.txt"], None, None),
        ]
        .concat(),
    );
    let r = mx(&d, &["build", "m.toml", "-o", "a.mxl"]).expect(2);
    assert!(r.stderr.contains("fifo.txt"), "{r:#?}");
    assert!(r.stderr.contains("FIFO"), "{r:#?}");
    assert!(r.stderr.contains("--allow-special-sources"), "{r:#?}");
    assert!(!d.join("a.mxl").exists());

    // Allowed: the FIFO is read like a file (here fed by a writer thread).
    let fifo = d.join("fifo.txt");
    let feeder = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
        f.write_all(b".xyz piped in\n").unwrap();
    });
    mx(
        &d,
        &[
            "build",
            "m.toml",
            "-o",
            "a.mxl",
            "-q",
            "--allow-special-sources",
        ],
    )
    .expect(0);
    feeder.join().unwrap();
    let r = mx(&d, &["check", "a.mxl", "x@y.xyz"]).expect(0);
    assert_eq!(r.stdout, "x@y.xyz\tpiped\txyz\tpiped in\n");

    // A device as a source: refused the same way.
    if mknod_null(&d.join("null.txt")) {
        d.write(
            "m.toml",
            list("bans", "domain", &["bans.txt", "null.txt"], None, None),
        );
        let r = mx(&d, &["build", "m.toml", "-o", "b.mxl"]).expect(2);
        assert!(r.stderr.contains("null.txt"), "{r:#?}");
        assert!(r.stderr.contains("character device"), "{r:#?}");
        // Globs match devices too, and refuse them the same way.
        d.write("m.toml", list("bans", "domain", &["*.txt"], None, None));
        std::fs::remove_file(d.join("fifo.txt")).unwrap();
        let r = mx(&d, &["build", "m.toml", "-o", "b.mxl"]).expect(2);
        assert!(r.stderr.contains("character device"), "{r:#?}");
    }
}

#[test]
fn a_manifest_that_is_a_fifo_is_refused_without_blocking() {
    let d = lists();
    mkfifo(&d.join("fifo.toml"));
    let r = mx(&d, &["build", "fifo.toml", "-o", "a.mxl"]).expect(2);
    assert!(r.stderr.contains("fifo.toml"), "{r:#?}");
    assert!(r.stderr.contains("FIFO"), "{r:#?}");
}

#[test]
fn dump_manifest_refuses_a_populated_folder_unless_forced() {
    let d = built();
    d.write("src/mxlists.toml", "# my own manifest, with comments\n");
    d.write("src/bans.txt", "# my own list\n.click\n");
    d.write("src/notes.txt", "unrelated\n");
    let r = mx(&d, &["dump", "lists.mxl", "--manifest", "src"]).expect(2);
    assert!(r.stderr.contains("src"), "{r:#?}");
    assert!(r.stderr.contains("mxlists.toml"), "{r:#?}");
    assert!(r.stderr.contains("bans.txt"), "{r:#?}");
    assert!(!r.stderr.contains("notes.txt"), "{r:#?}");
    assert!(r.stderr.contains("--force"), "{r:#?}");
    assert_eq!(
        d.read("src/mxlists.toml"),
        b"# my own manifest, with comments\n"
    );
    assert_eq!(d.read("src/bans.txt"), b"# my own list\n.click\n");
    assert!(!d.join("src/ovh.txt").exists(), "nothing written");
    // One existing file is enough to refuse.
    d.write("one/ovh.txt", "192.0.2.0/24\n");
    mx(&d, &["dump", "lists.mxl", "--manifest", "one"]).expect(2);
    assert_eq!(d.read("one/ovh.txt"), b"192.0.2.0/24\n");
    // A folder holding other files only is fine; --force replaces.
    d.write("other/readme", "x");
    mx(&d, &["dump", "lists.mxl", "--manifest", "other"]).expect(0);
    mx(&d, &["dump", "lists.mxl", "--manifest", "src", "--force"]).expect(0);
    assert_eq!(d.read("src/notes.txt"), b"unrelated\n");
    mx(&d, &["build", "src/mxlists.toml", "-o", "again.mxl", "-q"]).expect(0);
    assert_eq!(d.read("again.mxl"), d.read("lists.mxl"));
    // --force never writes through a FIFO in the folder.
    std::fs::remove_file(d.join("src/bans.txt")).unwrap();
    mkfifo(&d.join("src/bans.txt"));
    let r = mx(&d, &["dump", "lists.mxl", "--manifest", "src", "--force"]).expect(2);
    assert!(r.stderr.contains("FIFO"), "{r:#?}");
}

#[test]
fn globs_read_non_utf8_names_and_refuse_dangling_links() {
    let d = lists();
    d.write("spam/server1.txt", "a@example.com\n");
    let odd = d.path().join(OsStr::from_bytes(b"spam/caf\xe9.txt"));
    std::fs::write(&odd, "b@example.com\n").unwrap();
    d.write(
        "m.toml",
        list("spam", "email", &["spam/*.txt"], None, Some("spam")),
    );
    mx(&d, &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    let r = mx(&d, &["check", "a.mxl", "a@example.com", "b@example.com"]).expect(0);
    assert_eq!(
        r.lines(),
        [
            "a@example.com\tspam\ta@example.com\tspam",
            "b@example.com\tspam\tb@example.com\tspam"
        ]
    );
    // The summary names the file (lossily).
    let r = mx(&d, &["build", "m.toml", "-o", "a.mxl"]).expect(0);
    assert!(r.stdout.contains("caf\u{fffd}.txt"), "{r:#?}");

    // A dangling link matched by the glob is an error naming it, as when named
    // directly; nothing is written.
    std::os::unix::fs::symlink("gone.txt", d.join("spam/server3.txt")).unwrap();
    let r = mx(&d, &["build", "m.toml", "-o", "b.mxl"]).expect(2);
    assert!(r.stderr.contains("server3.txt"), "{r:#?}");
    assert!(r.stderr.contains("No such file"), "{r:#?}");
    assert!(!d.join("b.mxl").exists());
    d.write(
        "m2.toml",
        list("spam", "email", &["spam/server3.txt"], None, None),
    );
    let direct = mx(&d, &["build", "m2.toml", "-o", "b.mxl"]).expect(2);
    assert_eq!(r.stderr, direct.stderr);

    // Folders matched by a glob are not sources, and are skipped.
    std::fs::remove_file(d.join("spam/server3.txt")).unwrap();
    std::fs::create_dir(d.join("spam/old.txt")).unwrap();
    mx(&d, &["build", "m.toml", "-o", "b.mxl", "-q"]).expect(0);
    // A non-UTF-8 folder name in the pattern's fixed part works too.
    let odd_dir = d.path().join(OsStr::from_bytes(b"d\xff"));
    std::fs::create_dir(&odd_dir).unwrap();
    std::fs::write(odd_dir.join("m.txt"), ".monster\n").unwrap();
    std::fs::write(
        odd_dir.join("m.toml"),
        list("bans", "domain", &["*.txt"], None, None),
    )
    .unwrap();
    let out = odd_dir.join("x.mxl");
    let r = run_within(
        None,
        &[
            OsStr::new("build"),
            odd_dir.join("m.toml").as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
            OsStr::new("-q"),
        ],
        b"",
        LIMIT,
    );
    assert_eq!(r.code, 0, "{r:#?}");
}

/// `check` reads an endless stream whose first line never ends, under a
/// virtual memory limit far below that line's size, and still answers.
#[test]
fn check_reads_an_endless_stream_in_bounded_memory() {
    let d = built();
    // 128 MiB of address space: enough for the command, not for the line.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 131072; exec \"$0\" \"$@\"")
        .arg(mxlists_tests::bin("mxlists"))
        .args(["check", "lists.mxl"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // 256 MiB of zero bytes without a line break, then values, then zeros
        // for ever (until the command ends and the pipe breaks).
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            if input.write_all(&zeros).is_err() {
                return;
            }
        }
        let _ = input.write_all(b"\nx@bad.monster\nx@good.monster\n");
        drop(input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("check did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    let out = String::from_utf8(reader.join().unwrap()).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}\n{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].ends_with("\t-\tinvalid: line is longer than 1048576 bytes"),
        "{lines:?}"
    );
    assert!(lines[0].len() < 400, "the value is shown cut: {lines:?}");
    assert_eq!(lines[1], "x@bad.monster\tbans\tmonster\tbanned TLD");
    assert_eq!(lines[2], "x@good.monster\t-");
}

#[test]
fn check_reports_an_overlong_line_as_invalid() {
    let d = built();
    let mut input = vec![b'a'; (1 << 20) + 10];
    input.extend_from_slice(b"@x.monster\nx@bad.monster\n");
    let r =
        cli_support::run_in(Some(d.path()), &["check", "lists.mxl", "--json"], &input).expect(0);
    let v = r.json_lines();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["invalid"], "line is longer than 1048576 bytes");
    assert!(v[0]["value"].as_str().unwrap().len() < 200);
    assert_eq!(v[1]["listed"], true);
    // Exactly at the limit, the line is a value (too long to be valid).
    let mut input = vec![b'a'; 1 << 20];
    input.push(b'\n');
    let r = cli_support::run_in(Some(d.path()), &["check", "lists.mxl"], &input);
    assert!(
        !r.stdout.contains("longer than"),
        "{:?}",
        &r.stdout[r.stdout.len() - 80..]
    );
}

#[test]
fn list_selection_follows_one_rule() {
    let d = built();
    let check = |lists: &str| {
        mx(
            &d,
            &["check", "lists.mxl", "--list", lists, "x@bad.monster"],
        )
    };
    check("*").expect(0);
    check("bans").expect(0);
    check("ovh").expect(1);
    check(" ovh , bans ").expect(0);
    let r = mx(
        &d,
        &[
            "check",
            "lists.mxl",
            "--list",
            "ovh",
            "--list",
            "bans",
            "x@bad.monster",
        ],
    );
    r.expect(0);
    for empty in ["", " ", ","] {
        let r = check(empty).expect(2);
        assert!(
            r.stderr.contains("empty list selection"),
            "{empty:?}: {r:#?}"
        );
    }
    let r = check("bans,,ovh").expect(2);
    assert!(r.stderr.contains("empty list name"), "{r:#?}");
    let r = check("*,bans").expect(2);
    assert!(r.stderr.contains("cannot be combined"), "{r:#?}");
    // An unknown name is shown cut, with its length.
    let long = "n".repeat(100_000);
    let r = check(&long).expect(2);
    assert!(r.stderr.contains("unknown list"), "{r:#?}");
    assert!(r.stderr.contains("100000 bytes"), "{r:#?}");
    assert!(r.stderr.len() < 400, "{} bytes of error", r.stderr.len());
    // dump follows the same rule.
    let r = mx(&d, &["dump", "lists.mxl", "--list", ""]).expect(2);
    assert!(r.stderr.contains("empty list selection"), "{r:#?}");
    let r = mx(&d, &["dump", "lists.mxl", "--list", "*"]).expect(0);
    assert!(r.stdout.contains("# list ovh"), "{r:#?}");
    let r = mx(&d, &["dump", "lists.mxl", "--list", &long]).expect(2);
    assert!(r.stderr.len() < 400, "{} bytes of error", r.stderr.len());
}

#[test]
fn control_characters_in_reasons_are_escaped() {
    let d = Dir::new();
    d.write("bans.txt", ".monster bad\x1b[31mred\x07 \u{9b}x\n");
    // TOML's own escapes: the default reason holds ESC and BEL.
    d.write(
        "m.toml",
        concat!(
            "[[list]]\nname = \"bans\"\nkind = \"domain\"\nsources = [\"bans.txt\"]\n",
            "reason = \"default\\u001b]0;title\\u0007\"\n",
        ),
    );
    mx(&d, &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    let r = mx(&d, &["check", "a.mxl", "x@bad.monster"]).expect(0);
    assert_eq!(
        r.stdout,
        "x@bad.monster\tbans\tmonster\tbad\\x1b[31mred\\x07 \\u{9b}x\n"
    );
    let r = mx(&d, &["info", "a.mxl"]).expect(0);
    assert!(
        !r.stdout.contains('\x1b') && !r.stdout.contains('\x07'),
        "{r:#?}"
    );
    assert!(r.stdout.contains("default\\x1b]0;title\\x07"), "{r:#?}");
    // JSON keeps the text exactly (JSON escapes it).
    let r = mx(&d, &["check", "a.mxl", "--json", "x@bad.monster"]).expect(0);
    assert_eq!(r.json_lines()[0]["reason"], "bad\x1b[31mred\x07 \u{9b}x");
    // The value is printed as given, with its control characters escaped too.
    let r = mx(&d, &["check", "a.mxl", "x\x1b@bad.monster"]).expect(1);
    assert!(
        r.stdout.starts_with("x\\x1b@bad.monster\t-\tinvalid: "),
        "{r:#?}"
    );
}

#[test]
fn xn_labels_must_decode() {
    let d = Dir::new();
    d.write("bans.txt", "xn--bcher-kva.example\n.monster\n");
    d.write(
        "m.toml",
        list("bans", "domain", &["bans.txt"], None, Some("b")),
    );
    mx(&d, &["build", "m.toml", "-o", "a.mxl", "-q"]).expect(0);
    for bad in [
        "xn--.monster",
        "x@xn--.monster",
        "xn--a.monster",
        "xn--zz-.monster",
    ] {
        let r = mx(&d, &["check", "a.mxl", bad]).expect(1);
        assert!(
            r.stdout.starts_with(&format!("{bad}\t-\tinvalid: ")),
            "{r:#?}"
        );
        assert!(r.stdout.contains("xn--"), "{r:#?}");
    }
    let r = mx(
        &d,
        &[
            "check",
            "a.mxl",
            "x@Bücher.example",
            "x@xn--bcher-kva.example",
        ],
    )
    .expect(0);
    assert_eq!(r.lines().len(), 2);
    assert!(r
        .lines()
        .iter()
        .all(|l| l.ends_with("\tbans\txn--bcher-kva.example\tb")));
    // The entry side refuses the same labels.
    d.write("bans.txt", "xn--.monster\n");
    let r = mx(&d, &["build", "m.toml", "-o", "b.mxl"]).expect(2);
    assert!(r.stderr.contains("bans.txt:1:1"), "{r:#?}");
}
