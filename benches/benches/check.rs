//! `check` of an address, a domain and an IP, hits and misses, against the
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]
//! in-memory `ahash` set, per-level `fst::Set` probes and the linear scans that
//! model Exim's `lsearch` and `iplsearch`.
//!
//! Two forms of the engine's lookup are measured: `mxlists` is
//! [`Artifact::check`], which answers with the hit's texts (list, entry, reason,
//! value: several small allocations); `mxlists-lookup` is `classify` and
//! [`Artifact::lookup`], which answers which list hit, as the baselines do;
//! `mxlists-value` is [`Artifact::lookup`] alone, on values classified before
//! the timing starts (the walk or table search without parsing).
//!
//! Each iteration checks the next query of a set of distinct queries (about 6,000
//! per class, in generation order), so caches see realistic traffic rather than
//! one hot key; criterion's time per iteration is the time of one lookup.
//!
//! `MXLISTS_BENCH_SIZES` (default `1000000,5000000`) and `MXLISTS_BENCH_IPS`
//! (default `1000000`) choose the sizes; data sets are cached under
//! `target/bench-data/`.

mod common;

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use mxlists_benches::baseline::{FstProbe, HashSetProbe, IpLinearScan, LinearScan};
use mxlists_benches::corpus::{read_lines, IpSet, NameSet};
use mxlists_benches::ips::IpEntry;
use mxlists_benches::QueryClass;
use mxlists_core::Query;
use mxlists_core::{Artifact, Selection};

/// Size of the sets the linear scans run on.
const LINEAR_SIZE: usize = 100_000;

fn sizes(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn label(n: usize) -> String {
    if n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else if n % 1000 == 0 {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Benches `f` over `queries`, one query per iteration, in a cycle.
fn rotate<Q, T>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    queries: &[Q],
    mut f: impl FnMut(&Q) -> T,
) {
    assert!(!queries.is_empty(), "{id}: no queries");
    g.bench_function(id, |b| {
        let mut i = 0;
        b.iter(|| {
            let q = &queries[i];
            i += 1;
            if i == queries.len() {
                i = 0;
            }
            black_box(f(black_box(q)))
        })
    });
}

fn name_classes(set: &NameSet) -> Vec<(String, Vec<String>)> {
    let mut v = Vec::new();
    for class in [QueryClass::Hit, QueryClass::NearMiss, QueryClass::FarMiss] {
        v.push((
            format!("address-{}", class.as_str()),
            set.address_queries(class).expect("address queries"),
        ));
    }
    for class in [QueryClass::Hit, QueryClass::NearMiss, QueryClass::FarMiss] {
        v.push((
            format!("domain-{}", class.as_str()),
            set.domain_queries(class).expect("domain queries"),
        ));
    }
    v
}

/// The artifact's answers must be the baselines' answers: a benchmark of a
/// wrong answer would be worthless.
fn assert_agree(art: &Artifact, hs: &HashSetProbe, queries: &[(String, Vec<String>)]) {
    let mut buf = String::new();
    for (what, qs) in queries {
        for q in qs {
            let listed = art.check(q).expect("check").is_listed();
            assert_eq!(listed, hs.check(q, &mut buf), "{what}: {q}");
            assert_eq!(listed, what.ends_with("-hit"), "{what}: {q}");
        }
    }
}

fn names(c: &mut Criterion) {
    for n in sizes("MXLISTS_BENCH_SIZES", "1000000,5000000") {
        let set = NameSet::ensure(n).expect("name set");
        let art = Artifact::open(set.artifact_path()).expect("artifact");
        let hs = HashSetProbe::new(set.entries().expect("entries"));
        let fp = FstProbe::new(set.entries().expect("entries"));
        let queries = name_classes(&set);
        assert_agree(&art, &hs, &queries);
        let mut g = c.benchmark_group(format!("check-{}", label(n)));
        let all = Selection::all();
        for (what, qs) in &queries {
            rotate(&mut g, &format!("{what}/mxlists"), qs, |q| art.check(q));
            rotate(&mut g, &format!("{what}/mxlists-lookup"), qs, |q| {
                Query::parse(q).map(|v| art.find(&v, &all).map(|h| h.is_some()))
            });
            let values: Vec<Query> = qs.iter().map(|q| Query::parse(q).expect("valid")).collect();
            rotate(&mut g, &format!("{what}/mxlists-value"), &values, |v| {
                art.find(v, &all).map(|h| h.is_some())
            });
            let mut buf = String::new();
            rotate(&mut g, &format!("{what}/ahash-set"), qs, |q| {
                hs.check(q, &mut buf)
            });
            let mut buf = String::new();
            rotate(&mut g, &format!("{what}/fst-probes"), qs, |q| {
                fp.check(q, &mut buf)
            });
        }
        g.finish();
    }
}

fn linear(c: &mut Criterion) {
    let set = NameSet::ensure(LINEAR_SIZE).expect("name set");
    let art = Artifact::open(set.artifact_path()).expect("artifact");
    let mut text = std::fs::read(set.addresses_path()).expect("list");
    text.extend(std::fs::read(set.domains_path()).expect("list"));
    let scan = LinearScan::new(text);
    let mut g = c.benchmark_group(format!("lsearch-model-{}", label(LINEAR_SIZE)));
    g.sample_size(10);
    for (what, qs) in name_classes(&set) {
        if !what.starts_with("address") {
            continue;
        }
        // A handful of queries is enough: each one scans the whole list.
        let qs: Vec<String> = qs.into_iter().take(50).collect();
        rotate(&mut g, &format!("{what}/mxlists"), &qs, |q| art.check(q));
        let mut buf = String::new();
        rotate(&mut g, &format!("{what}/linear-scan"), &qs, |q| {
            scan.check(q, &mut buf)
        });
    }
    g.finish();
}

fn ips(c: &mut Criterion) {
    for n in sizes("MXLISTS_BENCH_IPS", "1000000") {
        let set = IpSet::ensure(n).expect("ip set");
        let art = Artifact::open(set.artifact_path()).expect("artifact");
        let mut g = c.benchmark_group(format!("check-ip-{}", label(n)));
        let all = Selection::all();
        for v6 in [false, true] {
            let fam = if v6 { "ipv6" } else { "ipv4" };
            let (hits, misses) = set.queries(&art, v6).expect("queries");
            for (class, qs) in [("hit", &hits), ("miss", &misses)] {
                rotate(&mut g, &format!("{fam}-{class}/mxlists"), qs, |q| {
                    art.check(q)
                });
                rotate(&mut g, &format!("{fam}-{class}/mxlists-lookup"), qs, |q| {
                    Query::parse(q).map(|v| art.find(&v, &all).map(|h| h.is_some()))
                });
                let values: Vec<Query> =
                    qs.iter().map(|q| Query::parse(q).expect("valid")).collect();
                rotate(
                    &mut g,
                    &format!("{fam}-{class}/mxlists-value"),
                    &values,
                    |v| art.find(v, &all).map(|h| h.is_some()),
                );
            }
        }
        g.finish();
    }
    // iplsearch model: first match in file order, at a smaller size.
    let set = IpSet::ensure(LINEAR_SIZE).expect("ip set");
    let art = Artifact::open(set.artifact_path()).expect("artifact");
    let mut g = c.benchmark_group(format!("iplsearch-model-{}", label(LINEAR_SIZE)));
    g.sample_size(10);
    let ranges: Vec<(u128, u128, bool)> = read_lines(&set.entries_path(false))
        .expect("entries")
        .iter()
        .map(|l| {
            let e = IpEntry::parse(l).expect("entry");
            (e.start, e.end(), e.exclude)
        })
        .collect();
    let scan = IpLinearScan::new(ranges);
    let (hits, misses) = set.queries(&art, false).expect("queries");
    for (what, qs) in [("ipv4-hit", hits), ("ipv4-miss", misses)] {
        let qs: Vec<String> = qs.into_iter().take(500).collect();
        rotate(&mut g, &format!("{what}/mxlists"), &qs, |q| art.check(q));
        rotate(&mut g, &format!("{what}/linear-scan"), &qs, |q| {
            scan.check(q)
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = names, ips, linear
}
criterion_main!(benches);
