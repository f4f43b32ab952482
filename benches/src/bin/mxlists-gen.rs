//! `mxlists-gen`: writes generated lists, query sets and artifacts to files, for
//! the benchmark scripts. The same seed and size always give the same files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mxlists_benches::corpus::{self, ListFile, PolicySet, SEED};
use mxlists_benches::{ips, queries, Generator, QueryMix};
use mxlists_core::ListKind;

/// Generate realistic mail policy lists, query sets and artifacts.
#[derive(Parser)]
#[command(name = "mxlists-gen", version)]
struct Cli {
    /// Seed of the random stream.
    #[arg(long, global = true, default_value_t = SEED)]
    seed: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum QueryKind {
    Address,
    Domain,
    Ipv4,
    Ipv6,
}

#[derive(Subcommand)]
enum Command {
    /// StopForumSpam-like addresses, one per line.
    Addresses {
        /// How many (distinct).
        #[arg(long)]
        count: usize,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Domains (each listing the domain and its subdomains), one per line.
    Domains {
        /// How many (distinct).
        #[arg(long)]
        count: usize,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// IP entries: single addresses and CIDR blocks, about 3% exclusions.
    Ips {
        /// How many.
        #[arg(long)]
        count: usize,
        /// IPv6 instead of IPv4.
        #[arg(long)]
        v6: bool,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// A query set against a generated list, one query per line (with `--classes`,
    /// followed by a tab and `hit`, `near-miss` or `far-miss`).
    Queries {
        /// What to query.
        #[arg(long, value_enum)]
        kind: QueryKind,
        /// The list queried (addresses, domains or IP entries).
        #[arg(long)]
        list: PathBuf,
        /// A domain list consulted alongside an address list: no miss falls in it.
        #[arg(long)]
        domains: Option<PathBuf>,
        /// How many queries.
        #[arg(long)]
        count: usize,
        /// Share of hits.
        #[arg(long, default_value_t = 0.5)]
        hits: f64,
        /// Share of misses inside listed domains (names only).
        #[arg(long, default_value_t = 0.25)]
        near_misses: f64,
        /// Print each query's class after a tab.
        #[arg(long)]
        classes: bool,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// The four-list policy set of the Exim comparison, its artifacts and queries.
    Policy {
        /// Number of addresses (the domain list gets a tenth of it).
        #[arg(long)]
        size: usize,
        /// Number of queries.
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Builds an artifact from list files given as `name:kind:file`
    /// (kind: domain, email, ip, known_tlds), consulted in the order given.
    Build {
        /// Lists, in order.
        #[arg(long = "list", required = true)]
        lists: Vec<String>,
        /// Artifact to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_list(spec: &str) -> Result<ListFile, String> {
    let mut it = spec.splitn(3, ':');
    let (Some(name), Some(kind), Some(path)) = (it.next(), it.next(), it.next()) else {
        return Err(format!("{spec:?}: expected name:kind:file"));
    };
    let kind: ListKind = kind.parse().map_err(|e| format!("{spec:?}: {e}"))?;
    Ok(ListFile::new(name, kind, None, PathBuf::from(path)))
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let mut g = Generator::new(cli.seed);
    match cli.command {
        Command::Addresses { count, out } => corpus::write_lines(&out, g.addresses(count))?,
        Command::Domains { count, out } => corpus::write_lines(&out, g.domains(count))?,
        Command::Ips { count, v6, out } => {
            let e = ips::ip_entries(g.rng(), count, v6);
            corpus::write_lines(&out, e.iter().map(ips::IpEntry::to_text))?;
        }
        Command::Queries {
            kind,
            list,
            domains,
            count,
            hits,
            near_misses,
            classes,
            out,
        } => {
            let listed = corpus::read_lines(&list)?;
            let mix = QueryMix { hits, near_misses };
            let q: Vec<(String, &str)> = match kind {
                QueryKind::Address => {
                    let doms = match domains {
                        Some(p) => corpus::read_lines(&p)?,
                        None => Vec::new(),
                    };
                    queries::address_queries(&mut g, &listed, &doms, count, mix)
                        .into_iter()
                        .map(|(v, c)| (v, c.as_str()))
                        .collect()
                }
                QueryKind::Domain => queries::domain_queries(&mut g, &listed, count, mix)
                    .into_iter()
                    .map(|(v, c)| (v, c.as_str()))
                    .collect(),
                QueryKind::Ipv4 | QueryKind::Ipv6 => {
                    let entries = parse_ip_entries(&listed, matches!(kind, QueryKind::Ipv6))?;
                    queries::ip_queries(&mut g, &entries, count, hits)
                        .into_iter()
                        .map(|v| (v, ""))
                        .collect()
                }
            };
            corpus::write_lines(
                &out,
                q.iter().map(|(v, c)| {
                    if classes && !c.is_empty() {
                        format!("{v}\t{c}")
                    } else {
                        v.clone()
                    }
                }),
            )?;
        }
        Command::Policy { size, queries, out } => {
            PolicySet::write(&out, size, queries)?;
        }
        Command::Build { lists, out } => {
            let lists = lists
                .iter()
                .map(|s| parse_list(s))
                .collect::<Result<Vec<_>, _>>()?;
            let built = corpus::build_to(&out, &lists)?;
            eprintln!("{}: {} bytes", out.display(), built.bytes.len());
        }
    }
    Ok(())
}

/// Reads IP entries written by `mxlists-gen ips` back.
fn parse_ip_entries(lines: &[String], v6: bool) -> Result<Vec<ips::IpEntry>, String> {
    lines
        .iter()
        .map(|l| {
            let e = ips::IpEntry::parse(l)?;
            if e.v6 != v6 {
                return Err(format!("{l:?}: wrong address family"));
            }
            Ok(e)
        })
        .collect()
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mxlists-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
