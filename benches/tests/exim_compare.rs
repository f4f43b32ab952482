//! `benches/exim/compare.sh` on a small list, with the debug binaries: the
//! script runs every variant in a real Exim and fails when `mxl_check` and
//! Exim's own `cdb` lookups (one list, and the four-list `partial1-cdb` chain)
//! disagree on any query, so this is also a differential test of `mxl_check`.
//!
//! Needs Exim (`exim4-daemon-heavy`), tinycdb and the workspace's debug build
//! (`cargo build --workspace`); skips with a message when Exim or tinycdb is
//! absent, and fails instead under `CI=true`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .chain(["/usr/sbin", "/usr/bin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// `target/debug`, where `cargo build --workspace` left the binaries.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("test exe in <target>/<profile>/deps")
        .to_path_buf()
}

#[test]
fn compare_script_runs_and_every_variant_agrees() {
    let (Some(exim), Some(_cdb)) = (which("exim4").or_else(|| which("exim")), which("cdb")) else {
        if in_ci() {
            panic!("Exim and tinycdb are required under CI=true");
        }
        eprintln!("SKIPPED: Exim or tinycdb is not available");
        return;
    };
    let target = target_dir();
    for built in ["mxlists-gen", "libmxlists.so"] {
        assert!(
            target.join(built).exists(),
            "{} is not built; run `cargo build --workspace` first",
            target.join(built).display()
        );
    }
    let profile = target.file_name().unwrap().to_str().unwrap().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("exim");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("exim/compare.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(["3000", "400", "10"])
        .env("NO_BUILD", "1")
        .env("PROFILE", &profile)
        .env("CARGO_TARGET_DIR", target.parent().unwrap())
        .env("EXIM_BENCH_DIR", &dir)
        .env("EXIM", &exim)
        .env("RUNS", "1")
        .output()
        .expect("run compare.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "compare.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    for row in [
        "| lsearch |",
        "| cdb (cdb -c) |",
        "| mxl_check, list sfs |",
        "| one mxl_check over the artifact |",
    ] {
        assert!(stdout.contains(row), "no {row:?} row in:\n{stdout}");
    }
    // About a third of the lookups hit, and the policy check finds every kind.
    let hits: usize = stdout
        .lines()
        .find(|l| l.contains("lookups hit"))
        .and_then(|l| l.rsplit('(').next())
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        (90..=180).contains(&hits),
        "{hits} of 400 lookups hit:\n{stdout}"
    );
    let answers = std::fs::read_to_string(dir.join("out-policy.txt")).unwrap();
    for list in [
        "list=sfs",
        "list=bad_domains",
        "list=tld_bans",
        "list=known_tlds",
    ] {
        assert!(
            answers.contains(list),
            "no {list} hit in the policy answers"
        );
    }
}
