//! Hot swap under load: the artifact is rebuilt and renamed into place
//! [`SWAPS`] times, alternating two versions, while
//!
//! * [`THREADS`] threads of this process look values up through one
//!   [`mxlists_core::Db`] that checks the path on every lookup,
//! * a second process (this test binary re-run as a reader, see
//!   [`reader_process_entry`]) does the same with its own `Db`,
//! * a third process, `mxlists check` reading values on standard input, keeps
//!   answering from the file it opened while that file is renamed over and
//!   unlinked again and again.
//!
//! Asserted: zero errors anywhere, and every batch of answers read from one
//! artifact is exactly version A's or version B's (never a mix, never a third
//! answer). Readers must also have seen the versions change.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mxlists_core::{write_atomic, AllOutcome, Artifact, Builder, Db, ListKind, Selection, Verify};
use mxlists_tests::bin;

/// Renames of a rebuilt artifact over the path the readers follow.
const SWAPS: usize = 1000;
/// Reader threads in this process.
const THREADS: usize = 4;
/// Environment variable that turns this test binary into the reader process.
const READER_ENV: &str = "MXLISTS_HOT_SWAP_READER";

/// Values whose answers differ between the two versions (and two that answer
/// the same in both: an invalid value and an unlisted one).
const QUERIES: &[&str] = &[
    "x@bad.monster",
    "x@good.monster",
    "51.68.0.1",
    "51.68.10.3",
    "2001:db8::1",
    "root@pop-os.localdomain",
    "user@example.com",
    "filler-17.example",
    "a@@b",
    "192.0.2.1",
];

/// Builds version A (`b = false`) or B of the lists, from scratch.
fn build_version(b: bool) -> Vec<u8> {
    let mut bl = Builder::new();
    let reason = if b { "version B" } else { "version A" };
    let bans = bl
        .add_list("tld_bans", ListKind::Domain, Some(reason))
        .unwrap();
    bl.add_text(bans, ".monster").unwrap();
    if !b {
        bl.add_text(bans, "!good.monster").unwrap();
    }
    let filler = bl.add_list("filler", ListKind::Domain, None).unwrap();
    for i in 0..200 {
        // Version B lists every even name, version A every name.
        if !b || i % 2 == 0 {
            bl.add_text(filler, &format!("filler-{i}.example")).unwrap();
        }
    }
    let rcpt = bl.add_list("rcpt", ListKind::Email, None).unwrap();
    if b {
        bl.add_text(rcpt, "user@example.com").unwrap();
    }
    let ovh = bl.add_list("ovh", ListKind::Ip, Some(reason)).unwrap();
    bl.add_text(ovh, "51.68.0.0/16").unwrap();
    if b {
        bl.add_text(ovh, "!51.68.10.0/28").unwrap();
        bl.add_text(ovh, "2001:db8::/32").unwrap();
    }
    let tlds = bl.add_list("tlds", ListKind::KnownTlds, None).unwrap();
    for t in ["com", "net", "monster", "example"] {
        bl.add_text(tlds, t).unwrap();
    }
    if b {
        bl.add_text(tlds, "localdomain").unwrap();
    }
    bl.build().unwrap().bytes
}

/// Both versions' content hashes and answers.
struct Versions {
    hashes: [String; 2],
    answers: [Vec<AllOutcome>; 2],
}

impl Versions {
    fn new() -> Self {
        let arts = [false, true].map(|b| Artifact::from_bytes(build_version(b)).unwrap());
        let v = Versions {
            hashes: [arts[0].content_hash(), arts[1].content_hash()],
            answers: [answers(&arts[0]).unwrap(), answers(&arts[1]).unwrap()],
        };
        assert_ne!(v.hashes[0], v.hashes[1]);
        let differ = (0..QUERIES.len())
            .filter(|&i| v.answers[0][i] != v.answers[1][i])
            .count();
        assert!(differ >= 7, "only {differ} queries tell the versions apart");
        v
    }

    /// Which version `art` is, checking that its answers are exactly that
    /// version's; `Err` describes an error or a mixed or unknown answer.
    fn identify(&self, art: &Artifact) -> Result<usize, String> {
        let hash = art.content_hash();
        let which = self
            .hashes
            .iter()
            .position(|h| *h == hash)
            .ok_or_else(|| format!("unknown content hash {hash}"))?;
        let got = answers(art).map_err(|e| format!("lookup error: {e}"))?;
        if got != self.answers[which] {
            return Err(format!("answers of version {which} differ: {got:?}"));
        }
        Ok(which)
    }
}

fn answers(art: &Artifact) -> mxlists_core::Result<Vec<AllOutcome>> {
    QUERIES
        .iter()
        .map(|q| art.check_all(q, &Selection::all()))
        .collect()
}

/// What one reader did.
#[derive(Debug, Default)]
struct ReaderTally {
    lookups: u64,
    batches: u64,
    changes: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Looks every query up, batch after batch, through `db` until `stop`.
fn read_until(db: &Db, versions: &Versions, stop: &dyn Fn() -> bool) -> ReaderTally {
    let mut t = ReaderTally::default();
    let mut last = None;
    while !stop() {
        let art = db.current();
        t.batches += 1;
        t.lookups += QUERIES.len() as u64;
        match versions.identify(&art) {
            Ok(v) => {
                if last.is_some_and(|l| l != v) {
                    t.changes += 1;
                }
                last = Some(v);
            }
            Err(e) => {
                t.errors += 1;
                t.first_error.get_or_insert(e);
            }
        }
    }
    t
}

/// The reader process: runs only when this binary is started with
/// [`READER_ENV`] set to the artifact's path (by
/// `rebuilt_and_renamed_a_thousand_times_under_load`); reads until a file
/// `<path>.stop` appears, then prints its tally. In a normal test run it
/// returns at once.
#[test]
fn reader_process_entry() {
    let Some(path) = std::env::var_os(READER_ENV).map(PathBuf::from) else {
        return;
    };
    let versions = Versions::new();
    let stop = path.with_extension("stop");
    let db = Db::open_with(&path, Verify::Auto, Duration::ZERO).unwrap();
    println!("reader ready");
    let t = read_until(&db, &versions, &|| stop.exists());
    println!(
        "READER lookups={} batches={} changes={} errors={} first_error={:?}",
        t.lookups, t.batches, t.changes, t.errors, t.first_error
    );
}

/// Starts this binary as the reader process.
fn spawn_reader_process(path: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "reader_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(READER_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the reader process")
}

/// The `figure=N` of a tally line.
fn figure(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name}= in {line:?}"))
}

/// Expected `mxlists check` output lines for each version, one per query.
fn cli_lines(dir: &Path) -> [Vec<String>; 2] {
    [false, true].map(|b| {
        let p = dir.join(if b { "b.mxl" } else { "a.mxl" });
        write_atomic(&p, &build_version(b)).unwrap();
        let out = Command::new(bin("mxlists"))
            .arg("check")
            .arg(&p)
            .args(QUERIES)
            .output()
            .unwrap();
        let lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(lines.len(), QUERIES.len(), "{lines:?}");
        lines
    })
}

#[test]
fn rebuilt_and_renamed_a_thousand_times_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    let versions = Arc::new(Versions::new());
    let expected_cli = cli_lines(dir.path());
    write_atomic(&path, &build_version(false)).unwrap();

    // Second process: a reader of its own, following the path.
    let mut reader = spawn_reader_process(&path);
    let mut reader_out = BufReader::new(reader.stdout.take().unwrap());
    let mut first = String::new();
    while !first.contains("reader ready") {
        first.clear();
        assert!(
            reader_out.read_line(&mut first).unwrap() > 0,
            "the reader process ended before it was ready"
        );
    }

    // Third process: `mxlists check` answering values streamed on stdin.
    let mut cli = Command::new(bin("mxlists"))
        .arg("check")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut cli_in = cli.stdin.take().unwrap();
    let cli_out = cli.stdout.take().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let cli_feeder = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let batch = QUERIES.join("\n") + "\n";
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                if cli_in.write_all(batch.as_bytes()).is_err() {
                    break;
                }
                n += QUERIES.len() as u64;
            }
            drop(cli_in);
            n
        })
    };
    let cli_reader = std::thread::spawn(move || {
        // Every full batch of lines must be one version's output.
        let mut lines = BufReader::new(cli_out).lines();
        let (mut ok, mut bad) = (0u64, Vec::new());
        'batches: loop {
            let mut batch = Vec::with_capacity(QUERIES.len());
            for _ in 0..QUERIES.len() {
                match lines.next() {
                    Some(Ok(l)) => batch.push(l),
                    _ => break 'batches,
                }
            }
            if expected_cli.contains(&batch) {
                ok += QUERIES.len() as u64;
            } else if bad.len() < 3 {
                bad.push(batch);
            }
        }
        (ok, bad)
    });

    // Reader threads of this process.
    let db = Arc::new(Db::open_with(&path, Verify::Auto, Duration::ZERO).unwrap());
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (db, versions, stop) = (db.clone(), versions.clone(), stop.clone());
            std::thread::spawn(move || read_until(&db, &versions, &|| stop.load(Ordering::Relaxed)))
        })
        .collect();

    // The writer: rebuild and rename into place, alternating the versions.
    let started = Instant::now();
    for i in 1..=SWAPS {
        write_atomic(&path, &build_version(i % 2 == 1)).unwrap();
        if i % 50 == 0 {
            // Let the readers catch up now and then.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let writing = started.elapsed();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    std::fs::write(path.with_extension("stop"), b"").unwrap();

    let tallies: Vec<ReaderTally> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let fed = cli_feeder.join().unwrap();
    let (cli_ok, cli_bad) = cli_reader.join().unwrap();
    let cli_status = cli.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader_out, &mut rest).unwrap();
    let reader_status = reader.wait().unwrap();
    let line = rest
        .lines()
        .find(|l| l.starts_with("READER "))
        .unwrap_or_else(|| panic!("no tally from the reader process: {rest}"))
        .to_owned();

    let lookups: u64 = tallies.iter().map(|t| t.lookups).sum();
    let changes: u64 = tallies.iter().map(|t| t.changes).sum();
    let errors: u64 = tallies.iter().map(|t| t.errors).sum();
    eprintln!(
        "{SWAPS} swaps in {writing:?}; {THREADS} threads: {lookups} lookups, {changes} version \
         changes seen, {errors} errors; reader process: {line}; mxlists check: {cli_ok} of {fed} \
         values answered in whole version batches"
    );
    for t in &tallies {
        assert_eq!(t.errors, 0, "{:?}", t.first_error);
    }
    assert!(reader_status.success(), "reader process: {reader_status}");
    assert_eq!(figure(&line, "errors"), 0, "{line}");
    assert!(
        figure(&line, "lookups") > 0 && figure(&line, "changes") > 0,
        "{line}"
    );
    // The readers saw the versions change, i.e. they read during the swaps.
    assert!(
        changes >= 10,
        "the threads saw only {changes} version changes"
    );
    assert!(
        cli_bad.is_empty(),
        "mxlists check answered a mix: {cli_bad:?}"
    );
    assert!(cli_ok > 0);
    // The CLI exits 0 when a value is listed; stopping its input is not an error.
    assert_eq!(cli_status.code(), Some(0), "mxlists check: {cli_status}");
    // Temporary files of the writer do not pile up.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
