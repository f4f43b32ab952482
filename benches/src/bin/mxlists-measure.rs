//! `mxlists-measure`: build time and peak memory, the in-memory hash set's heap,
//! and artifact size against the text and a `cdb` file of the same keys.
//!
//! `report --size N` generates (or reuses) the cached name set of `N` addresses
//! and runs each measurement in a child process of its own, so that each peak
//! RSS belongs to one job only, then prints one table.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, ExitCode, Stdio};
use std::time::Instant;

use clap::{Parser, Subcommand};
use mxlists_benches::baseline::{FstProbe, HashSetProbe};
use mxlists_benches::corpus::{self, IpSet, ListFile, NameSet};
use mxlists_benches::measure::{cpu_time, peak_rss, CountingAlloc};
use mxlists_core::{write_atomic, Builder, ListKind};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

/// Measure builds, memory and sizes.
#[derive(Parser)]
#[command(name = "mxlists-measure", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds an artifact from `name:kind:file` lists and prints wall time per
    /// phase and peak RSS.
    Build {
        /// Lists, in order.
        #[arg(long = "list", required = true)]
        lists: Vec<String>,
        /// Artifact to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Loads the entries of list files into an `ahash` `HashSet<String>` and an
    /// `fst::Set`, and prints their heap bytes and the peak RSS.
    Hashset {
        /// Entry files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Writes a `cdb` file of the entries of list files (keys, empty values)
    /// with tinycdb's `cdb -c`, and prints the sizes of text, `cdb` and artifact.
    Sizes {
        /// The artifact built from the files.
        #[arg(long)]
        artifact: PathBuf,
        /// The `cdb` file to write.
        #[arg(long)]
        cdb: PathBuf,
        /// Entry files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Checks every query of a file (one per line, an optional tab and class
    /// after it) `--rounds` times against an artifact: a steady loop to run
    /// under `valgrind --tool=callgrind`. Prints how many were listed.
    Loop {
        /// The artifact.
        #[arg(long)]
        artifact: PathBuf,
        /// The queries.
        #[arg(long)]
        queries: PathBuf,
        /// Only queries of this class (`hit`, `near-miss`, `far-miss`).
        #[arg(long)]
        class: Option<String>,
        /// Rounds over the queries.
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        /// Use `classify` + `lookup` (no texts) instead of `check`.
        #[arg(long)]
        lookup: bool,
    },
    /// Prints the bytes of each section of an artifact.
    Sections {
        /// The artifact.
        artifact: PathBuf,
    },
    /// Prints the medians of the criterion results under `DIR` (default
    /// `target/criterion`) as Markdown tables, one row per query kind and one
    /// column per implementation, with ratios to `mxlists`.
    CriterionTable {
        /// Criterion's output folder.
        dir: Option<PathBuf>,
    },
    /// Every measurement on the cached name set of `--size` addresses (and the IP
    /// set of `--ips` entries per family, when given), as one Markdown table.
    Report {
        /// Sizes of name sets (addresses; the domain list gets a tenth of it).
        #[arg(long, value_delimiter = ',', default_value = "1000000,5000000")]
        size: Vec<usize>,
        /// Size of the IP set (entries per family); 0 to skip.
        #[arg(long, default_value_t = 1_000_000)]
        ips: usize,
    },
}

fn list_spec(l: &ListFile) -> String {
    format!("{}:{}:{}", l.name, l.kind.as_str(), l.path.display())
}

fn parse_list(spec: &str) -> Result<ListFile, String> {
    let mut it = spec.splitn(3, ':');
    let (Some(name), Some(kind), Some(path)) = (it.next(), it.next(), it.next()) else {
        return Err(format!("{spec:?}: expected name:kind:file"));
    };
    let kind: ListKind = kind.parse().map_err(|e| format!("{spec:?}: {e}"))?;
    Ok(ListFile::new(name, kind, None, PathBuf::from(path)))
}

/// The build, phase by phase: read and add entries, resolve and lay out, write.
fn build(lists: &[ListFile], out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let c0 = cpu_time();
    let t0 = Instant::now();
    let mut b = Builder::new();
    let mut entries = 0u64;
    for l in lists {
        let id = b.add_list(&l.name, l.kind, l.reason.as_deref())?;
        let f = std::fs::File::open(&l.path)?;
        for (n, line) in BufReader::new(f).lines().enumerate() {
            let line = line?;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            b.add_text(id, t)
                .map_err(|e| format!("{}:{}:{}: {e}", l.path.display(), n + 1, e.offset + 1))?;
            entries += 1;
        }
    }
    let t1 = Instant::now();
    let built = b.build()?;
    drop(b);
    let t2 = Instant::now();
    write_atomic(out, &built.bytes)?;
    let t3 = Instant::now();
    println!(
        "entries={entries} add_s={:.3} build_s={:.3} write_s={:.3} total_s={:.3} cpu_s={:.3} peak_rss={} bytes={}",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64(),
        (t3 - t0).as_secs_f64(),
        cpu_time() - c0,
        peak_rss(),
        built.bytes.len()
    );
    Ok(())
}

fn hashset(files: &[PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let before = ALLOC.live();
    let mut lines = Vec::new();
    for f in files {
        lines.extend(corpus::read_lines(f)?);
    }
    let n = lines.len();
    // No slack: each String holds exactly its bytes, as a careful loader's would.
    let set = HashSetProbe::new(lines.into_iter().map(|mut s| {
        s.shrink_to_fit();
        s
    }));
    let heap = ALLOC.live() - before;
    let rss = peak_rss();
    let mut lines = Vec::with_capacity(n);
    for f in files {
        lines.extend(corpus::read_lines(f)?);
    }
    let fst = FstProbe::new(lines);
    println!(
        "entries={} hashset_heap={heap} hashset_peak_rss={rss} fst_bytes={}",
        set.len(),
        fst.bytes()
    );
    Ok(())
}

fn sizes(artifact: &Path, cdb: &Path, files: &[PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let mut text = 0u64;
    for f in files {
        text += std::fs::metadata(f)?.len();
    }
    let mut child = Proc::new("cdb")
        .arg("-c")
        .arg(cdb)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tinycdb's `cdb -c` ({e}); apt-get install tinycdb"))?;
    {
        let mut w = BufWriter::new(child.stdin.take().expect("piped"));
        for f in files {
            for line in BufReader::new(std::fs::File::open(f)?).lines() {
                let line = line?;
                let k = line.trim();
                if k.is_empty() || k.starts_with('#') {
                    continue;
                }
                writeln!(w, "+{},0:{k}->", k.len())?;
            }
        }
        writeln!(w)?;
        w.flush()?;
    }
    if !child.wait()?.success() {
        return Err("cdb -c failed".into());
    }
    println!(
        "text_bytes={text} cdb_bytes={} artifact_bytes={}",
        std::fs::metadata(cdb)?.len(),
        std::fs::metadata(artifact)?.len()
    );
    Ok(())
}

fn check_loop(
    artifact: &Path,
    queries: &Path,
    class: Option<&str>,
    rounds: usize,
    lookup: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let art = mxlists_core::Artifact::open(artifact)?;
    let all = mxlists_core::Selection::all();
    let qs: Vec<String> = corpus::read_lines(queries)?
        .into_iter()
        .filter_map(|l| {
            let (v, c) = l.split_once('\t').unwrap_or((&l, ""));
            (class.is_none_or(|want| want == c)).then(|| v.to_owned())
        })
        .collect();
    let mut listed = 0u64;
    let mut query = mxlists_core::Query::new();
    let t = Instant::now();
    for _ in 0..rounds {
        for q in &qs {
            let hit = if lookup {
                match query.set(q) {
                    Ok(()) => art.find(&query, &all)?.is_some(),
                    Err(_) => false,
                }
            } else {
                art.check(q)?.is_listed()
            };
            listed += u64::from(hit);
        }
    }
    let n = (qs.len() * rounds) as f64;
    println!(
        "checks={n} listed={listed} mean_ns={:.0}",
        t.elapsed().as_secs_f64() * 1e9 / n
    );
    Ok(())
}

/// Runs this program with `args` and returns its `key=value` output.
fn child(args: &[String]) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let out = Proc::new(std::env::current_exe()?)
        .args(args)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("mxlists-measure {} failed", args.join(" ")).into());
    }
    Ok(String::from_utf8(out.stdout)?
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

fn get(kv: &[(String, String)], key: &str) -> f64 {
    kv.iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn mib(b: f64) -> String {
    format!("{:.1} MiB", b / (1024.0 * 1024.0))
}

fn report(sizes: &[usize], ip_size: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for &n in sizes {
        eprintln!("name set of {n} addresses (generated on first use) ...");
        let set = NameSet::ensure(n)?;
        let mut args = vec!["build".to_owned()];
        for l in set.lists() {
            args.push("--list".into());
            args.push(list_spec(&l));
        }
        let scratch = set.dir.join("measured.mxl");
        args.push("--out".into());
        args.push(scratch.display().to_string());
        let b = child(&args)?;
        let files = [set.addresses_path(), set.domains_path()];
        let mut args = vec!["hashset".to_owned()];
        args.extend(files.iter().map(|p| p.display().to_string()));
        let h = child(&args)?;
        let mut args = vec![
            "sizes".to_owned(),
            "--artifact".into(),
            scratch.display().to_string(),
            "--cdb".into(),
            set.dir.join("entries.cdb").display().to_string(),
        ];
        args.extend(files.iter().map(|p| p.display().to_string()));
        let s = child(&args)?;
        rows.push((format!("{n} addresses + {} domains", n / 10), b, h, s));
    }
    if ip_size > 0 {
        eprintln!("IP set of {ip_size} entries per family ...");
        let set = IpSet::ensure(ip_size)?;
        let mut args = vec!["build".to_owned()];
        for l in set.lists() {
            args.push("--list".into());
            args.push(list_spec(&l));
        }
        let scratch = set.dir.join("measured.mxl");
        args.push("--out".into());
        args.push(scratch.display().to_string());
        let b = child(&args)?;
        let files = [set.entries_path(false), set.entries_path(true)];
        let mut args = vec![
            "sizes".to_owned(),
            "--artifact".into(),
            scratch.display().to_string(),
            "--cdb".into(),
            set.dir.join("entries.cdb").display().to_string(),
        ];
        args.extend(files.iter().map(|p| p.display().to_string()));
        let s = child(&args)?;
        rows.push((
            format!("{ip_size} IPv4 + {ip_size} IPv6 entries"),
            b,
            Vec::new(),
            s,
        ));
    }
    println!("| data set | build wall | build CPU | (add / resolve+layout / write, wall) | build peak RSS | artifact | text | artifact/text | cdb | artifact/cdb | ahash set heap | artifact/set heap | fst::Set |");
    println!("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, b, h, s) in rows {
        let art = get(&s, "artifact_bytes");
        let text = get(&s, "text_bytes");
        let cdb = get(&s, "cdb_bytes");
        let heap = get(&h, "hashset_heap");
        let (heap_s, ratio_s, fst_s) = if h.is_empty() {
            ("-".to_owned(), "-".to_owned(), "-".to_owned())
        } else {
            (
                mib(heap),
                format!("{:.1}%", 100.0 * art / heap),
                mib(get(&h, "fst_bytes")),
            )
        };
        println!(
            "| {name} | {:.2} s | {:.2} s | {:.2} / {:.2} / {:.2} s | {} | {} | {} | {:.1}% | {} | {:.1}% | {heap_s} | {ratio_s} | {fst_s} |",
            get(&b, "total_s"),
            get(&b, "cpu_s"),
            get(&b, "add_s"),
            get(&b, "build_s"),
            get(&b, "write_s"),
            mib(get(&b, "peak_rss")),
            mib(art),
            mib(text),
            100.0 * art / text,
            mib(cdb),
            100.0 * art / cdb,
        );
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Build { lists, out } => {
            let lists = lists
                .iter()
                .map(|s| parse_list(s))
                .collect::<Result<Vec<_>, _>>()?;
            build(&lists, &out)
        }
        Command::Hashset { files } => hashset(&files),
        Command::Sections { artifact } => {
            let art = mxlists_core::Artifact::open(&artifact)?;
            println!("| section | bytes | share |\n|---|---:|---:|");
            let total = art.len() as f64;
            for (name, bytes) in art.section_sizes() {
                println!(
                    "| {name} | {bytes} | {:.1}% |",
                    100.0 * bytes as f64 / total
                );
            }
            println!("| (file) | {} | 100% |", art.len());
            Ok(())
        }
        Command::Loop {
            artifact,
            queries,
            class,
            rounds,
            lookup,
        } => check_loop(&artifact, &queries, class.as_deref(), rounds, lookup),
        Command::Sizes {
            artifact,
            cdb,
            files,
        } => sizes(&artifact, &cdb, &files),
        Command::Report { size, ips } => report(&size, ips),
        Command::CriterionTable { dir } => {
            mxlists_benches::criterion_table::print(&dir.unwrap_or_else(|| {
                corpus::data_dir()
                    .parent()
                    .map(|t| t.join("criterion"))
                    .unwrap_or_default()
            }))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mxlists-measure: {e}");
            ExitCode::FAILURE
        }
    }
}
