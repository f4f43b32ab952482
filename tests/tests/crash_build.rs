//! Crash-safe builds: `mxlists build` is killed with SIGKILL at [`KILLS`]
//! moments drawn from a seeded generator over the time a build takes (reading
//! sources, resolving, writing the temporary file, renaming), and
//! [`WRITE_KILLS`] more times just after its temporary file appears (the short
//! window a spread of moments rarely hits). After every kill:
//!
//! * the artifact at the output path is the previous one or, when the kill came
//!   after the rename, the new one: either way complete, and it passes the full
//!   check (`Verify::Full`: every checksum and structure);
//! * temporary files of killed writers do not pile up: the next write removes
//!   them, so at most the last killed writer's file is ever present, and none
//!   after a build that completes.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mxlists_core::{write_atomic, Artifact, Verify};
use mxlists_tests::bin;

/// Number of builds killed at moments spread over the whole build.
const KILLS: usize = 50;
/// Number of builds killed while their temporary file is being written.
const WRITE_KILLS: usize = 20;
/// Seed of the kill moments.
const SEED: u64 = 0x6d78_6c69_7374_7321;

/// A small, seeded generator (xorshift64*): the kill moments are the same on
/// every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A fraction in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Writes the sources of a build big enough to take a noticeable time: names
/// and IPv4 blocks, `version` changing every entry so that the two builds'
/// artifacts differ.
fn write_sources(dir: &Path, version: u32) {
    let mut names = String::new();
    for i in 0..20_000u32 {
        names.push_str(&format!("host-{i}.zone-{}.v{version}.example\n", i % 997));
    }
    std::fs::write(dir.join("names.txt"), names).unwrap();
    let mut ips = String::new();
    for i in 0..5_000u32 {
        ips.push_str(&format!(
            "{}.{}.{}.0/24\n",
            10 + version + i / 65536,
            i / 256 % 256,
            i % 256
        ));
    }
    std::fs::write(dir.join("ips.txt"), ips).unwrap();
    std::fs::write(
        dir.join("mxlists.toml"),
        "[[list]]\nname = \"names\"\nkind = \"domain\"\nsources = [\"names.txt\"]\n\n\
         [[list]]\nname = \"ips\"\nkind = \"ip\"\nsources = [\"ips.txt\"]\n",
    )
    .unwrap();
}

fn build(manifest: &Path, out: &Path) -> Command {
    let mut c = Command::new(bin("mxlists"));
    c.arg("build")
        .arg(manifest)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Temporary files beside the artifact.
fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("mxlists-tmp"))
        .collect()
}

/// The content hash of the artifact at `path`, after the full check (every
/// checksum and structure, as `verify()` does).
fn verified_hash(path: &Path) -> String {
    Artifact::open_with(path, Verify::Full)
        .unwrap_or_else(|e| panic!("{} does not open: {e}", path.display()))
        .content_hash()
}

/// What the kills did.
#[derive(Default)]
struct Tally {
    killed: usize,
    before: usize,
    completed: usize,
    temp_left: usize,
    max_temps: usize,
}

#[test]
fn builds_killed_at_random_moments_leave_a_verified_artifact() {
    let src = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("lists.mxl");
    let manifest = src.path().join("mxlists.toml");

    // The previous artifact: version 1, built to completion.
    write_sources(src.path(), 1);
    assert!(build(&manifest, &out).status().unwrap().success());
    let previous = std::fs::read(&out).unwrap();
    let old_hash = verified_hash(&out);

    // The new build (version 2), timed once to complete.
    write_sources(src.path(), 2);
    let scratch = out_dir.path().join("timing.mxl");
    let started = Instant::now();
    assert!(build(&manifest, &scratch).status().unwrap().success());
    let full = started.elapsed();
    let new_hash = verified_hash(&scratch);
    std::fs::remove_file(&scratch).unwrap();
    assert_ne!(old_hash, new_hash);
    eprintln!("a complete build takes {full:?}");

    let mut rng = Rng(SEED);
    let mut t = Tally::default();
    for kill in 0..KILLS + WRITE_KILLS {
        let temps_before = temps(out_dir.path()).len();
        t.max_temps = t.max_temps.max(temps_before);
        assert!(
            temps_before <= 1,
            "kill {kill}: temporary files pile up: {:?}",
            temps(out_dir.path())
        );
        let mut child = build(&manifest, &out).spawn().unwrap();
        if kill < KILLS {
            // A moment from the start to a little past the usual end of a build.
            std::thread::sleep(full.mul_f64(1.1 * rng.unit()));
        } else {
            // Just after this build's temporary file appears (0 to 2 ms).
            let mine = format!("mxlists-tmp.{}.", child.id());
            let delay = Duration::from_micros(rng.next() % 2000);
            while child.try_wait().unwrap().is_none()
                && !temps(out_dir.path()).iter().any(|n| n.contains(&mine))
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            std::thread::sleep(delay);
        }
        let _ = child.kill(); // SIGKILL; fails only if the build already ended
        let status = child.wait().unwrap();
        let hash = verified_hash(&out);
        if hash == old_hash {
            assert_eq!(std::fs::read(&out).unwrap(), previous, "kill {kill}");
            t.before += 1;
        } else {
            assert_eq!(hash, new_hash, "kill {kill}: a third artifact");
            t.completed += 1;
            // Start the next trial from the previous artifact again (this
            // write also removes a temporary file the kill left).
            write_atomic(&out, &previous).unwrap();
        }
        if status.signal() == Some(9) {
            t.killed += 1;
            if !temps(out_dir.path()).is_empty() {
                t.temp_left += 1;
            }
        }
    }
    eprintln!(
        "{} builds started (seed {SEED:#x}), {} died of SIGKILL: {} before the rename \
         (artifact unchanged), {} after it (new artifact complete); {} kills left a temporary \
         file, at most {} present at once",
        KILLS + WRITE_KILLS,
        t.killed,
        t.before,
        t.completed,
        t.temp_left,
        t.max_temps
    );
    assert!(
        t.before >= KILLS / 2,
        "most kills must land during the build"
    );
    assert!(t.killed >= KILLS / 2);
    // The write window was hit: killed writers did leave temporary files.
    assert!(
        t.temp_left >= 1,
        "no kill landed while a temporary file was written"
    );
    // A build that completes removes what killed writers left.
    assert!(build(&manifest, &out).status().unwrap().success());
    assert_eq!(verified_hash(&out), new_hash);
    assert_eq!(temps(out_dir.path()), Vec::<String>::new());
}
