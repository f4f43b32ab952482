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
