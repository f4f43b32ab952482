//! Exhaustive corruption of a small artifact: every single-byte flip (XOR 0xFF
//! and XOR 0x01) at every offset, and every truncation length.
//!
//! * Opened with the default check ([`Verify::Auto`], which checks every
//!   checksum of a file this small), a damaged artifact is refused, or it answers the fixed
//!   query set exactly as the intact one does. Never a panic, a hang or a wrong
//!   answer.
//! * Opened with [`Verify::Quick`] (what large files get), wrong answers are
//!   possible; then only "no panic, no hang" is asserted, plus: the full
//!   [`Artifact::verify`] refuses every damaged artifact the quick check let
//!   through.
//! * The same sweeps run on a file through the memory map, through a reloading
//!   [`Db`] (a damaged replacement is never swapped in), and through the C
//!   library (`tests/c/corrupt_sweep.c`, also under valgrind on a sample).
//!
//! Every trial runs under a watchdog: a trial that takes longer than
//! [`HANG_LIMIT`] aborts the test with the mutation that hung.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mxlists_core::{write_atomic, AllOutcome, Artifact, Builder, Db, ListKind, Selection, Verify};
use mxlists_tests::{skip_or_fail, target_dir, workspace_root};

/// A trial taking longer than this is a hang.
const HANG_LIMIT: Duration = Duration::from_secs(20);

/// Values asked of every artifact that opens: names that hit, miss, are
/// excluded, hit through subdomains, addresses, unknown TLDs, IPv4 and IPv6
/// inside, outside and in excluded ranges, mapped and bracketed forms, invalid
/// values.
pub const QUERIES: &[&str] = &[
    "x@bad.monster",
    "x@good.monster",
    "deep.sub.good.monster",
    "monster",
    "a.b.xyz",
    "xyz",
    "nobody@example.com",
    "somebody@example.com",
    "<USER@Sub.Pop-OS.LocalDomain.>",
    "root@pop-os.localdomain",
    "x@mail.corp.lan",
    "u@xn--bcher-kva.example",
    "bücher.example",
    "example.com",
    "51.68.0.1",
    "51.68.10.3",
    "51.68.10.16",
    "[51.68.255.255]",
    "::ffff:51.68.0.1",
    "1.2.3.5",
    "1.2.3.10",
    "192.0.2.1",
    "2001:41d0::1",
    "2001:41d0:303:1::25",
    "[IPv6:2001:41d0:303:2::1]",
    "2001:db8::1",
    "a@@b",
    "",
];

/// The small artifact every sweep damages: names with exclusions and both
/// subdomain forms, addresses, IDN, known TLDs with an exemption, IPv4 and IPv6
/// ranges nested with exclusions, and reasons.
pub fn small_artifact() -> Vec<u8> {
    let mut b = Builder::new();
    let bans = b
        .add_list("tld_bans", ListKind::Domain, Some("banned TLD"))
        .unwrap();
    for e in [
        ".monster",
        "!good.monster known sender",
        "*.xyz",
        "bücher.example",
    ] {
        b.add_text(bans, e).unwrap();
    }
    let rcpt = b.add_list("invalid_rcpt", ListKind::Email, None).unwrap();
    for e in [
        "nobody@example.com no such mailbox",
        "@pop-os.localdomain",
        "user@sub.pop-os.localdomain",
    ] {
        b.add_text(rcpt, e).unwrap();
    }
    let ovh = b.add_list("ovh", ListKind::Ip, Some("OVH")).unwrap();
    for e in [
        "51.68.0.0/16",
        "!51.68.10.0/28 our customer",
        "1.2.3.4-1.2.3.9",
        "2001:41d0::/32",
        "!2001:41d0:303:1::/64 customer v6",
    ] {
        b.add_text(ovh, e).unwrap();
    }
    let tlds = b.add_list("tlds", ListKind::KnownTlds, None).unwrap();
    for e in ["COM", "NET", "MONSTER", "EXAMPLE", "XYZ", "!corp.lan"] {
        b.add_text(tlds, e).unwrap();
    }
    b.build().unwrap().bytes
}

/// One damage done to the artifact.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// XOR the byte at an offset with a mask.
    Flip(usize, u8),
    /// Keep only the first bytes.
    Truncate(usize),
}

impl Mutation {
    /// Every flip (two masks) at every offset, then every truncation length.
    fn all(len: usize) -> Vec<Mutation> {
        let mut out = Vec::with_capacity(3 * len);
        for mask in [0xff, 0x01] {
            out.extend((0..len).map(|o| Mutation::Flip(o, mask)));
        }
        out.extend((0..len).map(Mutation::Truncate));
        out
    }

    fn apply(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Mutation::Flip(o, m) => {
                let mut v = bytes.to_vec();
                v[o] ^= m;
                v
            }
            Mutation::Truncate(n) => bytes[..n].to_vec(),
        }
    }
}

/// What the intact artifact answers: `check_all` and `check` per query.
type Answers = Vec<(AllOutcome, mxlists_core::Outcome)>;

fn answers(art: &Artifact) -> Answers {
    QUERIES
        .iter()
        .map(|q| {
            (
                art.check_all(q, &Selection::all()).unwrap(),
                art.check(q).unwrap(),
            )
        })
        .collect()
}

/// Counts of one sweep.
#[derive(Debug, Default)]
struct Tally {
    trials: u64,
    refused: u64,
    opened: u64,
    lookups: u64,
    lookup_errors: u64,
    wrong: u64,
    verify_passed: u64,
    panics: Vec<String>,
    wrong_examples: Vec<String>,
}

/// Runs `trial` on every mutation under a watchdog that aborts on a hang, and
/// collects panics instead of stopping at the first.
fn sweep(name: &str, mutations: &[Mutation], mut trial: impl FnMut(Mutation, &mut Tally)) -> Tally {
    let current = Arc::new(Mutex::new(None::<Mutation>));
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (current, progress, done) = (current.clone(), progress.clone(), done.clone());
        let name = name.to_owned();
        std::thread::spawn(move || {
            let mut last = (progress.load(Ordering::SeqCst), Instant::now());
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                let p = progress.load(Ordering::SeqCst);
                if p != last.0 {
                    last = (p, Instant::now());
                } else if last.1.elapsed() > HANG_LIMIT {
                    let m = *current.lock().unwrap_or_else(|e| e.into_inner());
                    eprintln!("{name}: trial {m:?} hangs (over {HANG_LIMIT:?})");
                    std::process::abort();
                }
            }
        })
    };
    let mut tally = Tally::default();
    for &m in mutations {
        *current.lock().unwrap() = Some(m);
        tally.trials += 1;
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| trial(m, &mut tally))) {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            tally.panics.push(format!("{m:?}: {msg}"));
        }
        progress.fetch_add(1, Ordering::SeqCst);
    }
    done.store(true, Ordering::SeqCst);
    watchdog.join().unwrap();
    eprintln!(
        "{name}: {} trials, {} refused at open, {} opened, {} lookups ({} errors, {} wrong), \
         {} passed verify(), {} panics",
        tally.trials,
        tally.refused,
        tally.opened,
        tally.lookups,
        tally.lookup_errors,
        tally.wrong,
        tally.verify_passed,
        tally.panics.len()
    );
    tally
}

/// Asks every query of a damaged artifact that opened; counts answers that
/// differ from the intact artifact's.
fn ask(art: &Artifact, want: &Answers, m: Mutation, t: &mut Tally) {
    for (q, (all, first)) in QUERIES.iter().zip(want) {
        t.lookups += 2;
        match art.check_all(q, &Selection::all()) {
            Ok(got) if got == *all => {}
            Ok(got) => {
                t.wrong += 1;
                if t.wrong_examples.len() < 5 {
                    t.wrong_examples
                        .push(format!("{m:?} {q:?}: {got:?}, intact: {all:?}"));
                }
            }
            Err(_) => t.lookup_errors += 1,
        }
        match art.check(q) {
            Ok(got) if got == *first => {}
            Ok(_) => t.wrong += 1,
            Err(_) => t.lookup_errors += 1,
        }
    }
}

fn assert_clean(name: &str, t: &Tally, allow_wrong: bool) {
    assert!(
        t.panics.is_empty(),
        "{name}: {} panics, e.g. {:?}",
        t.panics.len(),
        &t.panics[..t.panics.len().min(5)]
    );
    if !allow_wrong {
        assert_eq!(
            t.wrong, 0,
            "{name}: wrong answers, e.g. {:?}",
            t.wrong_examples
        );
    }
}

#[test]
fn the_small_artifact_is_small_and_answers_the_queries() {
    let bytes = small_artifact();
    assert!(bytes.len() < 8192, "{} bytes", bytes.len());
    let art = Artifact::from_bytes(bytes).unwrap();
    let a = answers(&art);
    let listed = a.iter().filter(|(_, f)| f.is_listed()).count();
    let invalid = a
        .iter()
        .filter(|(_, f)| matches!(f, mxlists_core::Outcome::Invalid(_)))
        .count();
    // The query set exercises hits, misses and invalid values alike.
    assert!(
        listed >= 12 && invalid == 2,
        "{listed} listed, {invalid} invalid"
    );
    assert!(!art.check("x@good.monster").unwrap().is_listed());
    assert!(!art.check("51.68.10.3").unwrap().is_listed());
    assert!(art.check("51.68.10.16").unwrap().is_listed());
}

#[test]
fn every_flip_and_truncation_in_memory_with_the_default_check() {
    let bytes = small_artifact();
    let want = answers(&Artifact::from_bytes(bytes.clone()).unwrap());
    let t = sweep(
        "auto, in memory",
        &Mutation::all(bytes.len()),
        |m, t| match Artifact::from_bytes(m.apply(&bytes)) {
            Err(e) => {
                assert!(!e.to_string().is_empty());
                t.refused += 1;
            }
            Ok(art) => {
                t.opened += 1;
                ask(&art, &want, m, t);
            }
        },
    );
    assert_clean("auto, in memory", &t, false);
    // Every checksum of a file this small is checked when opened: every damage
    // is refused.
    assert_eq!(t.refused, t.trials, "{t:?}");
}

#[test]
fn every_flip_and_truncation_in_memory_with_the_quick_check() {
    let bytes = small_artifact();
    let want = answers(&Artifact::from_bytes(bytes.clone()).unwrap());
    let t = sweep("quick, in memory", &Mutation::all(bytes.len()), |m, t| {
        match Artifact::from_bytes_with(m.apply(&bytes), Verify::Quick) {
            Err(_) => t.refused += 1,
            Ok(art) => {
                t.opened += 1;
                ask(&art, &want, m, t);
                let _ = art.entries();
                let _ = art.lists();
                if art.verify().is_ok() {
                    t.verify_passed += 1;
                }
            }
        }
    });
    // Wrong answers are possible after a quick check; what is asserted is that
    // nothing panicked or hung, and that the full check catches every damage.
    assert_clean("quick, in memory", &t, true);
    assert_eq!(t.verify_passed, 0, "verify() passed a damaged artifact");
    assert!(t.opened > 0, "the quick check refused everything: {t:?}");
}

/// Writes `bytes` at `offset` of the file, in place.
fn pwrite(file: &mut std::fs::File, offset: usize, bytes: &[u8]) {
    file.seek(SeekFrom::Start(offset as u64)).unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn every_flip_and_truncation_of_a_mapped_file() {
    let bytes = small_artifact();
    let want = answers(&Artifact::from_bytes(bytes.clone()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    std::fs::write(&path, &bytes).unwrap();
    let mut file = OpenOptions::new().write(true).open(&path).unwrap();
    let flips: Vec<Mutation> = Mutation::all(bytes.len())
        .into_iter()
        .filter(|m| matches!(m, Mutation::Flip(..)))
        .collect();
    for verify in [Verify::Auto, Verify::Quick] {
        let name = format!("{verify:?}, mapped file, flips");
        let t = sweep(&name, &flips, |m, t| {
            let Mutation::Flip(o, mask) = m else {
                unreachable!()
            };
            pwrite(&mut file, o, &[bytes[o] ^ mask]);
            let opened = Artifact::open_with(&path, verify);
            match opened {
                Err(_) => t.refused += 1,
                Ok(art) => {
                    t.opened += 1;
                    ask(&art, &want, m, t);
                    if art.verify().is_ok() {
                        t.verify_passed += 1;
                    }
                }
            }
            // Every mapping is gone before the file changes again.
            pwrite(&mut file, o, &[bytes[o]]);
        });
        assert_clean(&name, &t, verify == Verify::Quick);
        assert_eq!(t.verify_passed, 0, "{name}: verify() passed a damaged file");
        if verify == Verify::Auto {
            assert_eq!(t.refused, t.trials, "{name}: {t:?}");
        }
    }
    // Truncations: shrink the same file one byte at a time (no copies).
    let lens: Vec<Mutation> = (0..bytes.len()).rev().map(Mutation::Truncate).collect();
    for verify in [Verify::Auto, Verify::Quick] {
        std::fs::write(&path, &bytes).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        let name = format!("{verify:?}, mapped file, truncations");
        let t = sweep(&name, &lens, |m, t| {
            let Mutation::Truncate(n) = m else {
                unreachable!()
            };
            file.set_len(n as u64).unwrap();
            match Artifact::open_with(&path, verify) {
                Err(_) => t.refused += 1,
                Ok(art) => {
                    t.opened += 1;
                    ask(&art, &want, m, t);
                }
            }
        });
        assert_clean(&name, &t, false);
        // The header records the file's length: no truncation opens.
        assert_eq!(t.refused, t.trials, "{name}: {t:?}");
    }
}

#[test]
fn a_reloading_handle_never_swaps_in_a_damaged_replacement() {
    let bytes = small_artifact();
    let want = answers(&Artifact::from_bytes(bytes.clone()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    write_atomic(&path, &bytes).unwrap();
    let db = Db::open_with(&path, Verify::Auto, Duration::ZERO).unwrap();
    // One damage in every 8 bytes, each renamed over the file the handle follows.
    let sample: Vec<Mutation> = Mutation::all(bytes.len())
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 8 == 3)
        .map(|(_, m)| m)
        .collect();
    let t = sweep("reloading handle", &sample, |m, t| {
        write_atomic(&path, &m.apply(&bytes)).unwrap();
        assert!(db.reload_if_changed().is_err(), "{m:?} was swapped in");
        let art = db.current();
        t.refused += 1;
        ask(&art, &want, m, t);
    });
    assert_clean("reloading handle", &t, false);
    assert_eq!(t.lookup_errors, 0);
    // A good file renamed over it afterwards is picked up.
    write_atomic(&path, &bytes).unwrap();
    assert!(db.reload_if_changed().unwrap());
}

/// Compiles `tests/c/corrupt_sweep.c` against the committed header and the
/// shared library; `None` (after `skip_or_fail`) without a C compiler.
fn compile_c_sweep(dir: &Path) -> Option<std::path::PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    if Command::new(&cc).arg("--version").output().is_err() {
        skip_or_fail("a C compiler (cc)");
        return None;
    }
    let so = target_dir().join("libmxlists.so");
    assert!(
        so.exists(),
        "{} is not built; run `cargo build -p mxlists-ffi` first",
        so.display()
    );
    let lib_dir = target_dir().to_str().unwrap().to_owned();
    let exe = dir.join("corrupt_sweep");
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(workspace_root().join("include"))
        .arg(workspace_root().join("tests/c/corrupt_sweep.c"))
        .arg("-o")
        .arg(&exe)
        .args(["-L", &lib_dir, "-lmxlists"])
        .arg(format!("-Wl,-rpath,{lib_dir}"))
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling tests/c/corrupt_sweep.c failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(exe)
}

/// Runs the C sweep over the small artifact, every `stride`-th mutation, under
/// `wrapper` (e.g. valgrind); returns its summary line.
fn run_c_sweep(exe: &Path, dir: &Path, stride: usize, wrapper: &[&str]) -> String {
    let art = dir.join("small.mxl");
    std::fs::write(&art, small_artifact()).unwrap();
    let mut cmd = match wrapper.split_first() {
        Some((w, rest)) => {
            let mut c = Command::new(w);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = cmd
        .arg(&art)
        .arg(dir.join("trial.mxl"))
        .arg(stride.to_string())
        .args(QUERIES)
        .output()
        .expect("run the C sweep");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "C sweep failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    eprintln!("C sweep (stride {stride}): {stdout}");
    stdout
}

/// The figure `name=N` of the C sweep's summary line.
fn figure(summary: &str, name: &str) -> u64 {
    summary
        .split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name}= in {summary:?}"))
}

#[test]
fn every_flip_and_truncation_through_the_c_library() {
    let dir = tempfile::tempdir().unwrap();
    let Some(exe) = compile_c_sweep(dir.path()) else {
        return;
    };
    let summary = run_c_sweep(&exe, dir.path(), 1, &[]);
    let len = small_artifact().len() as u64;
    assert_eq!(figure(&summary, "trials"), 3 * len);
    assert_eq!(figure(&summary, "wrong"), 0);
    // The library checks every checksum of a file this small when opening it.
    assert_eq!(figure(&summary, "refused"), 3 * len);
}

#[test]
fn a_sample_of_the_c_sweep_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        skip_or_fail("valgrind (apt-get install valgrind)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(exe) = compile_c_sweep(dir.path()) else {
        return;
    };
    let summary = run_c_sweep(
        &exe,
        dir.path(),
        61,
        &[
            "valgrind",
            "--quiet",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ],
    );
    assert_eq!(figure(&summary, "wrong"), 0);
    assert!(figure(&summary, "trials") > 50);
}

/// Environment variable that turns this test binary into the in-place
/// truncation child of `truncating_in_place_is_sigbus_renaming_is_safe`.
const TRUNCATE_CHILD_ENV: &str = "MXLISTS_TRUNCATE_IN_PLACE";

/// The child: maps the artifact at the path given in [`TRUNCATE_CHILD_ENV`],
/// then either truncates that file in place or renames a new file over it,
/// and looks values up. Returns at once in a normal test run.
#[test]
fn truncate_child_entry() {
    let Some(spec) = std::env::var_os(TRUNCATE_CHILD_ENV) else {
        return;
    };
    let spec = spec.to_string_lossy().into_owned();
    let (how, path) = spec.split_once(':').unwrap();
    let path = Path::new(path);
    let art = Artifact::open(path).unwrap();
    assert!(art.check("x@bad.monster").unwrap().is_listed());
    match how {
        "truncate" => OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(0)
            .unwrap(),
        _ => write_atomic(path, b"not an artifact").unwrap(),
    }
    for q in QUERIES {
        let _ = art.check(q);
    }
    println!("CHILD DONE");
}

#[test]
fn truncating_in_place_is_sigbus_renaming_is_safe() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let run = |how: &str| {
        let path = dir.path().join(format!("{how}.mxl"));
        write_atomic(&path, &small_artifact()).unwrap();
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "truncate_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(TRUNCATE_CHILD_ENV, format!("{how}:{}", path.display()))
            .output()
            .unwrap()
    };
    // The documented limit: a mapped file cut short in place kills its reader.
    let cut = run("truncate");
    assert_eq!(cut.status.signal(), Some(libc_sigbus()), "{:?}", cut.status);
    // Renaming a new file over it is safe: the mapping keeps the old file.
    let renamed = run("rename");
    assert!(renamed.status.success(), "{:?}", renamed);
    assert!(String::from_utf8_lossy(&renamed.stdout).contains("CHILD DONE"));
}

/// SIGBUS on Linux (x86, ARM and most others).
fn libc_sigbus() -> i32 {
    7
}
