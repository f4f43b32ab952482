//! The benchmark data sets: generated list files, their queries and the artifacts
//! built from them, cached under `target/bench-data/` so that a large artifact
//! is built once and reused by every bench run.
//!
//! A cached file is named by the generator version, the seed and the size, and
//! written atomically, so a stale or half-written file is never reused.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use mxlists_core::{write_atomic, Artifact, Builder, Built, Error, ListKind, Location};

use crate::generator::Generator;
use crate::ips::{self, IpEntry};
use crate::queries::{self, QueryClass, QueryMix};

/// Bumped whenever the generator's output changes, to invalidate caches.
pub const GENERATOR_VERSION: u32 = 1;

/// The seed of every data set used by the benchmarks.
pub const SEED: u64 = 20_261_127;

/// Number of distinct queries in each query file.
pub const QUERIES: usize = 20_000;

/// Where cached data sets live: `$MXLISTS_BENCH_DATA`, or `target/bench-data`
/// of this workspace.
pub fn data_dir() -> PathBuf {
    std::env::var_os("MXLISTS_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
            benches
                .parent()
                .unwrap_or(benches)
                .join("target/bench-data")
        })
}

/// Writes `lines` to `path` atomically (one per line, final newline).
pub fn write_lines<I, S>(path: &Path, lines: I) -> std::io::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut w = BufWriter::new(File::create(&tmp)?);
        for l in lines {
            w.write_all(l.as_ref().as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    fs::rename(&tmp, path)
}

/// Reads the lines of a file.
pub fn read_lines(path: &Path) -> std::io::Result<Vec<String>> {
    BufReader::new(File::open(path)?).lines().collect()
}

/// One list to build: name, kind, default reason and the file of its entries
/// (`plain` syntax, one per line).
#[derive(Clone, Debug)]
pub struct ListFile {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// Default reason.
    pub reason: Option<String>,
    /// Entry file.
    pub path: PathBuf,
}

impl ListFile {
    /// A list description.
    pub fn new(name: &str, kind: ListKind, reason: Option<&str>, path: PathBuf) -> Self {
        ListFile {
            name: name.to_owned(),
            kind,
            reason: reason.map(str::to_owned),
            path,
        }
    }
}

/// Builds an artifact from list files, streaming each file line by line (blank
/// lines and `#` comments skipped), and returns the build.
pub fn build_lists(lists: &[ListFile]) -> Result<Built, Error> {
    let mut b = Builder::new();
    for l in lists {
        let id = b.add_list(&l.name, l.kind, l.reason.as_deref())?;
        let file = File::open(&l.path).map_err(|e| Error::Io {
            path: l.path.clone(),
            source: e,
        })?;
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::Io {
                path: l.path.clone(),
                source: e,
            })?;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            b.add_text(id, t).map_err(|e| Error::Parse {
                location: Location {
                    source: l.path.display().to_string(),
                    line: n as u64 + 1,
                    column: e.offset as u64 + 1,
                },
                message: e.message,
            })?;
        }
    }
    b.build()
}

/// Builds `out` from `lists`, replacing it atomically.
pub fn build_to(out: &Path, lists: &[ListFile]) -> Result<Built, Error> {
    let built = build_lists(lists)?;
    write_atomic(out, &built.bytes)?;
    Ok(built)
}

/// Builds `out` from `lists` unless it exists already and opens with this
/// build of the engine (a format change makes it rebuild). Setting
/// `MXLISTS_BENCH_REBUILD=1` rebuilds every cached artifact.
pub fn ensure_artifact(out: &Path, lists: &[ListFile]) -> Result<(), Error> {
    let rebuild = std::env::var("MXLISTS_BENCH_REBUILD").is_ok_and(|v| v == "1");
    let stale = |out: &Path| {
        let fresh = fs::metadata(out)
            .and_then(|m| m.modified())
            .ok()
            .is_some_and(|t| *REBUILD_SINCE.get_or_init(std::time::SystemTime::now) <= t);
        !fresh || Artifact::open(out).is_err()
    };
    if !out.exists() || (rebuild && stale(out)) || Artifact::open(out).is_err() {
        build_to(out, lists)?;
    }
    Ok(())
}

/// With `MXLISTS_BENCH_REBUILD=1`, artifacts older than this process's first
/// look at the cache are rebuilt (once each).
static REBUILD_SINCE: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

fn set_dir(kind: &str, n: usize) -> PathBuf {
    data_dir().join(format!("g{GENERATOR_VERSION}-s{SEED}-{kind}-{n}"))
}

fn write_queries(path: &Path, q: &[(String, QueryClass)]) -> std::io::Result<()> {
    write_lines(path, q.iter().map(|(v, c)| format!("{v}\t{}", c.as_str())))
}

fn read_queries(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    Ok(read_lines(path)?
        .into_iter()
        .map(|l| {
            let (v, c) = l.split_once('\t').unwrap_or((&l, ""));
            (v.to_owned(), c.to_owned())
        })
        .collect())
}

/// Name lists of one size: `n` StopForumSpam-like addresses (list `sfs`, kind
/// `email`) and `n / 10` domains (list `domains`, kind `domain`), their artifact,
/// and address and domain queries.
pub struct NameSet {
    /// Folder of the set's files.
    pub dir: PathBuf,
    /// Number of addresses.
    pub size: usize,
}

impl NameSet {
    /// The set of `n` addresses, generated and built on first use.
    pub fn ensure(n: usize) -> Result<Self, Box<dyn std::error::Error>> {
        let set = NameSet {
            dir: set_dir("names", n),
            size: n,
        };
        if !set.dir.join("queries-domain.txt").exists() {
            let mut g = Generator::new(SEED);
            let addrs = g.addresses(n);
            let doms = g.domains((n / 10).max(1));
            write_lines(&set.addresses_path(), &addrs)?;
            write_lines(&set.domains_path(), &doms)?;
            let mix = QueryMix {
                hits: 1.0 / 3.0,
                near_misses: 1.0 / 3.0,
            };
            let qa = queries::address_queries(&mut g, &addrs, &doms, QUERIES, mix);
            write_queries(&set.dir.join("queries-address.txt"), &qa)?;
            let qd = queries::domain_queries(&mut g, &doms, QUERIES, mix);
            write_queries(&set.dir.join("queries-domain.txt"), &qd)?;
        }
        ensure_artifact(&set.artifact_path(), &set.lists())?;
        Ok(set)
    }

    /// The address list file.
    pub fn addresses_path(&self) -> PathBuf {
        self.dir.join("sfs.txt")
    }

    /// The domain list file.
    pub fn domains_path(&self) -> PathBuf {
        self.dir.join("domains.txt")
    }

    /// The artifact.
    pub fn artifact_path(&self) -> PathBuf {
        self.dir.join("names.mxl")
    }

    /// The list files of the artifact.
    pub fn lists(&self) -> Vec<ListFile> {
        vec![
            ListFile::new(
                "sfs",
                ListKind::Email,
                Some("listed by StopForumSpam"),
                self.addresses_path(),
            ),
            ListFile::new(
                "domains",
                ListKind::Domain,
                Some("bad domain"),
                self.domains_path(),
            ),
        ]
    }

    /// Every entry of both lists, as plain text.
    pub fn entries(&self) -> std::io::Result<Vec<String>> {
        let mut v = read_lines(&self.addresses_path())?;
        v.extend(read_lines(&self.domains_path())?);
        Ok(v)
    }

    /// The address queries of one class.
    pub fn address_queries(&self, class: QueryClass) -> std::io::Result<Vec<String>> {
        self.queries("queries-address.txt", class)
    }

    /// The domain queries of one class.
    pub fn domain_queries(&self, class: QueryClass) -> std::io::Result<Vec<String>> {
        self.queries("queries-domain.txt", class)
    }

    fn queries(&self, file: &str, class: QueryClass) -> std::io::Result<Vec<String>> {
        Ok(read_queries(&self.dir.join(file))?
            .into_iter()
            .filter(|(_, c)| c == class.as_str())
            .map(|(v, _)| v)
            .collect())
    }
}

/// IP lists of one size: `n` IPv4 and `n` IPv6 entries in one list `ranges`,
/// their artifact and queries.
pub struct IpSet {
    /// Folder of the set's files.
    pub dir: PathBuf,
    /// Entries per family.
    pub size: usize,
}

impl IpSet {
    /// The set of `n` entries per family, generated and built on first use.
    pub fn ensure(n: usize) -> Result<Self, Box<dyn std::error::Error>> {
        let set = IpSet {
            dir: set_dir("ips", n),
            size: n,
        };
        if !set.dir.join("queries-v6.txt").exists() {
            let mut g = Generator::new(SEED ^ 0x1b);
            for v6 in [false, true] {
                let e = ips::ip_entries(g.rng(), n, v6);
                write_lines(&set.entries_path(v6), e.iter().map(IpEntry::to_text))?;
                let q = queries::ip_queries(&mut g, &e, QUERIES, 0.5);
                write_lines(&set.dir.join(Self::queries_file(v6)), &q)?;
            }
        }
        ensure_artifact(&set.artifact_path(), &set.lists())?;
        Ok(set)
    }

    fn queries_file(v6: bool) -> &'static str {
        if v6 {
            "queries-v6.txt"
        } else {
            "queries-v4.txt"
        }
    }

    /// The entry file of one family.
    pub fn entries_path(&self, v6: bool) -> PathBuf {
        self.dir.join(if v6 { "ipv6.txt" } else { "ipv4.txt" })
    }

    /// The artifact.
    pub fn artifact_path(&self) -> PathBuf {
        self.dir.join("ips.mxl")
    }

    /// The list files of the artifact (one list, both families).
    pub fn lists(&self) -> Vec<ListFile> {
        let reason = Some("provider range");
        vec![
            ListFile::new("ranges", ListKind::Ip, reason, self.entries_path(false)),
            ListFile::new("ranges6", ListKind::Ip, reason, self.entries_path(true)),
        ]
    }

    /// The queries of one family, split into (listed, not listed) by `art`.
    pub fn queries(&self, art: &Artifact, v6: bool) -> std::io::Result<(Vec<String>, Vec<String>)> {
        let q = read_lines(&self.dir.join(Self::queries_file(v6)))?;
        Ok(q.into_iter()
            .partition(|ip| art.check(ip).map(|o| o.is_listed()).unwrap_or(false)))
    }
}

/// The four-list policy set used by the Exim comparison: `sfs` (addresses),
/// `bad_domains` (domains and their subdomains), `tld_bans` and `known_tlds`.
pub struct PolicySet {
    /// Folder of the set's files.
    pub dir: PathBuf,
}

impl PolicySet {
    /// Writes the four lists, the artifacts and the query files into `dir`:
    /// `sfs.txt`, `bad_domains.txt`, `tld_bans.txt`, `known_tlds.txt`,
    /// `sfs.mxl` (the address list alone), `policy.mxl` (all four),
    /// `lookups.txt` (address queries for the one-list comparison: a third hits,
    /// a third near misses, a third far misses) and `policy-queries.txt`
    /// (addresses with every kind of verdict: listed address, listed domain or
    /// parent, banned TLD, unknown TLD, not listed).
    pub fn write(dir: &Path, n: usize, queries: usize) -> Result<Self, Box<dyn std::error::Error>> {
        use rand::Rng;
        fs::create_dir_all(dir)?;
        let set = PolicySet {
            dir: dir.to_path_buf(),
        };
        let mut g = Generator::new(SEED);
        let addrs = g.addresses(n);
        let doms = g.domains((n / 10).max(1));
        write_lines(&dir.join("sfs.txt"), &addrs)?;
        write_lines(&dir.join("bad_domains.txt"), &doms)?;
        write_lines(&dir.join("tld_bans.txt"), Generator::tld_bans())?;
        write_lines(&dir.join("known_tlds.txt"), Generator::known_tlds())?;
        let third = 1.0 / 3.0;
        let mix = QueryMix {
            hits: third,
            near_misses: third,
        };
        let q = queries::address_queries(&mut g, &addrs, &doms, queries, mix);
        write_lines(&dir.join("lookups.txt"), q.iter().map(|(v, _)| v))?;
        // Policy queries: mostly clean traffic, as at a real MX.
        let mut pq = Vec::with_capacity(queries);
        let clean = queries::address_queries(
            &mut g,
            &addrs,
            &doms,
            queries,
            QueryMix {
                hits: 0.1,
                near_misses: 0.45,
            },
        );
        for (i, (v, _)) in clean.into_iter().enumerate() {
            let local = v.split('@').next().unwrap_or("x").to_owned();
            let roll = g.rng().gen_range(0..100);
            let q = if roll < 10 {
                let d = &doms[g.rng().gen_range(0..doms.len())];
                format!("{local}@mail.{d}")
            } else if roll < 15 {
                let t = crate::vocab::BANNED_TLDS[i % crate::vocab::BANNED_TLDS.len()];
                format!("{local}@{}.{t}", g.random_domain().replace('.', "-"))
            } else if roll < 18 {
                let t = g.unknown_tld();
                format!("{local}@{}.{t}", g.random_domain().replace('.', "-"))
            } else {
                v
            };
            pq.push(q);
        }
        pq.sort();
        pq.dedup();
        // Shuffle back deterministically so that equal classes are not clustered.
        use rand::seq::SliceRandom;
        pq.shuffle(g.rng());
        write_lines(&dir.join("policy-queries.txt"), &pq)?;
        build_to(&dir.join("sfs.mxl"), &set.lists()[..1])?;
        build_to(&dir.join("policy.mxl"), &set.lists())?;
        Ok(set)
    }

    /// The four list files, in consultation order.
    pub fn lists(&self) -> Vec<ListFile> {
        vec![
            ListFile::new(
                "sfs",
                ListKind::Email,
                Some("listed by StopForumSpam"),
                self.dir.join("sfs.txt"),
            ),
            ListFile::new(
                "bad_domains",
                ListKind::Domain,
                Some("bad domain"),
                self.dir.join("bad_domains.txt"),
            ),
            ListFile::new(
                "tld_bans",
                ListKind::Domain,
                Some("TLD not accepted here"),
                self.dir.join("tld_bans.txt"),
            ),
            ListFile::new(
                "known_tlds",
                ListKind::KnownTlds,
                Some("unknown TLD"),
                self.dir.join("known_tlds.txt"),
            ),
        ]
    }
}
