//! The C library through a real C compiler: `tests/c/mxlists_test.c` is
//! compiled against the committed `include/mxlists.h` with
//! `-std=c99 -Wall -Wextra -Werror`, linked once to `libmxlists.so` and once to
//! `libmxlists.a`, and run against artifacts built here; the shared build is
//! also run under valgrind.

use std::path::{Path, PathBuf};
use std::process::Command;

use mxlists_core::{write_atomic, Builder, ListKind};
use mxlists_tests::{skip_or_fail, target_dir, workspace_root};

/// The lists the C program expects (see the top of `tests/c/mxlists_test.c`).
/// `next` is the rebuild: `.monster` is no longer banned, `.fail` is.
fn artifact(next: bool) -> Vec<u8> {
    let mut b = Builder::new();
    let bans = b
        .add_list(
            "tld_bans",
            ListKind::Domain,
            Some("mail from this TLD is not accepted here"),
        )
        .unwrap();
    if next {
        b.add_text(bans, ".fail").unwrap();
    } else {
        b.add_text(bans, ".monster").unwrap();
        b.add_text(bans, "!good.monster").unwrap();
    }
    b.add_text(bans, "bücher.example").unwrap();
    let rcpt = b.add_list("invalid_rcpt", ListKind::Email, None).unwrap();
    b.add_text(
        rcpt,
        r#"nobody@example.com Mailbox "nobody" does not exist \ really"#,
    )
    .unwrap();
    let ovh = b
        .add_list("ovh", ListKind::Ip, Some("OVH network"))
        .unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.add_text(ovh, "!51.68.10.0/28 our customer").unwrap();
    b.add_text(ovh, "2001:41d0::/32").unwrap();
    let long = b.add_list("long", ListKind::Domain, None).unwrap();
    b.add_text(long, &format!("long.example {}", "é".repeat(1000)))
        .unwrap();
    let tlds = b.add_list("tlds", ListKind::KnownTlds, None).unwrap();
    for t in ["com", "net", "org", "monster", "example", "fail"] {
        b.add_text(tlds, t).unwrap();
    }
    b.build().unwrap().bytes
}

/// Compiles the C test program, linked as `link` says, into `dir`.
fn compile(dir: &Path, name: &str, link: &[&str]) -> Option<PathBuf> {
    compile_source(dir, "mxlists_test.c", name, link)
}

/// Compiles `tests/c/SOURCE`, linked as `link` says, into `dir/name`.
fn compile_source(dir: &Path, source: &str, name: &str, link: &[&str]) -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    if Command::new(&cc).arg("--version").output().is_err() {
        skip_or_fail("a C compiler (cc)");
        return None;
    }
    let root = workspace_root();
    let exe = dir.join(name);
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c").join(source))
        .arg("-o")
        .arg(&exe)
        .args(link)
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling tests/c/{source} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(exe)
}

/// The built library `file` in the target directory; it must exist.
fn library(file: &str) -> PathBuf {
    let p = target_dir().join(file);
    assert!(
        p.exists(),
        "{} is not built; run `cargo build -p mxlists-ffi` first",
        p.display()
    );
    p
}

/// Writes fresh artifacts into `dir` and runs `exe` (optionally under
/// `wrapper`) with `iterations` lookups per thread, returning its output.
fn run(dir: &Path, exe: &Path, wrapper: &[&str], iterations: u32) -> std::process::Output {
    let art = dir.join("lists.mxl");
    let next = dir.join("next.mxl");
    let corrupt = dir.join("corrupt.mxl");
    write_atomic(&art, &artifact(false)).unwrap();
    write_atomic(&next, &artifact(true)).unwrap();
    let mut damaged = artifact(false);
    let mid = damaged.len() / 2;
    damaged.truncate(mid);
    std::fs::write(&corrupt, damaged).unwrap();
    let mut cmd = match wrapper.split_first() {
        Some((w, rest)) => {
            let mut c = Command::new(w);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.arg(env!("CARGO_PKG_VERSION"))
        .arg(&art)
        .arg(&next)
        .arg(&corrupt)
        .arg(iterations.to_string())
        .output()
        .expect("run the C test program")
}

fn assert_passed(what: &str, out: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains(", 0 failed"), "{what}: {stdout}");
}

#[test]
fn c_program_linked_to_the_shared_library() {
    let so = library("libmxlists.so");
    let dir = tempfile::tempdir().unwrap();
    let lib_dir = so.parent().unwrap().to_str().unwrap().to_owned();
    let rpath = format!("-Wl,-rpath,{lib_dir}");
    let Some(exe) = compile(
        dir.path(),
        "mxlists_test_shared",
        &["-L", &lib_dir, "-lmxlists", &rpath, "-lpthread"],
    ) else {
        return;
    };
    let out = run(dir.path(), &exe, &[], 2000);
    assert_passed("the C test linked to libmxlists.so", &out);
    // The library never writes to stdout or stderr: all output is the program's.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn c_program_linked_to_the_static_library() {
    let a = library("libmxlists.a");
    let dir = tempfile::tempdir().unwrap();
    let a = a.to_str().unwrap().to_owned();
    let Some(exe) = compile(
        dir.path(),
        "mxlists_test_static",
        &[&a, "-lpthread", "-ldl", "-lm"],
    ) else {
        return;
    };
    // Statically linked: no dependency on libmxlists.so.
    let ldd = Command::new("ldd").arg(&exe).output();
    if let Ok(ldd) = ldd {
        assert!(!String::from_utf8_lossy(&ldd.stdout).contains("libmxlists"));
    }
    let out = run(dir.path(), &exe, &[], 2000);
    assert_passed("the C test linked to libmxlists.a", &out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn c_program_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        skip_or_fail("valgrind (apt-get install valgrind)");
        return;
    }
    let so = library("libmxlists.so");
    let dir = tempfile::tempdir().unwrap();
    let lib_dir = so.parent().unwrap().to_str().unwrap().to_owned();
    let rpath = format!("-Wl,-rpath,{lib_dir}");
    let Some(exe) = compile(
        dir.path(),
        "mxlists_test_valgrind",
        &["-L", &lib_dir, "-lmxlists", &rpath, "-lpthread"],
    ) else {
        return;
    };
    let out = run(
        dir.path(),
        &exe,
        &[
            "valgrind",
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--quiet",
        ],
        200,
    );
    assert_passed("the C test under valgrind", &out);
}

/// `tests/c/operator_mistakes.c`: FIFOs as artifacts and renamed over a live
/// one, a file that is not an artifact, list selections, a 50 MB list name.
/// The program must not block: it is killed, and the test fails, after a
/// time limit.
#[test]
fn c_program_operator_mistakes() {
    let so = library("libmxlists.so");
    let dir = tempfile::tempdir().unwrap();
    let lib_dir = so.parent().unwrap().to_str().unwrap().to_owned();
    let rpath = format!("-Wl,-rpath,{lib_dir}");
    let Some(exe) = compile_source(
        dir.path(),
        "operator_mistakes.c",
        "operator_mistakes",
        &["-L", &lib_dir, "-lmxlists", &rpath, "-lpthread"],
    ) else {
        return;
    };
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_atomic(&data.join("lists.mxl"), &artifact(false)).unwrap();
    std::fs::write(data.join("badmagic.mxl"), vec![b'x'; 4096]).unwrap();
    let mut child = Command::new(&exe)
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the C program blocked and was killed after 60 s:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_passed("tests/c/operator_mistakes.c", &out);
}
