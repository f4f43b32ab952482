//! `open` time at every size: mapping the file and validating header, directory
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]
//! and list table ([`Verify::Auto`], which is `Quick` above 1 MiB), and the same
//! followed by one `check` (the first lookup of a fresh process).

mod common;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use mxlists_benches::corpus::{IpSet, NameSet};
use mxlists_benches::QueryClass;
use mxlists_core::{Artifact, Verify};

fn sizes(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn open(c: &mut Criterion) {
    let mut sets: Vec<(String, PathBuf, String)> = Vec::new();
    let mut names = vec![20_000];
    names.extend(sizes("MXLISTS_BENCH_SIZES", "1000000,5000000"));
    for n in names {
        let set = NameSet::ensure(n).expect("name set");
        let q = set.address_queries(QueryClass::Hit).expect("queries")[0].clone();
        sets.push((format!("names-{n}"), set.artifact_path(), q));
    }
    for n in sizes("MXLISTS_BENCH_IPS", "1000000") {
        let set = IpSet::ensure(n).expect("ip set");
        sets.push((
            format!("ips-{n}"),
            set.artifact_path(),
            "51.68.0.1".to_owned(),
        ));
    }
    let mut g = c.benchmark_group("open");
    for (name, path, q) in &sets {
        let bytes = std::fs::metadata(path).expect("artifact").len();
        eprintln!("{name}: {bytes} bytes");
        g.bench_function(format!("{name}/open"), |b| {
            b.iter_with_large_drop(|| {
                Artifact::open_with(black_box(path), Verify::Auto).expect("open")
            })
        });
        g.bench_function(format!("{name}/open+check"), |b| {
            b.iter_with_large_drop(|| {
                let art = Artifact::open(black_box(path)).expect("open");
                black_box(art.check(q).expect("check"));
                art
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = open
}
criterion_main!(benches);
