//! Measures what the C boundary and the reload check add to a lookup:
//! the engine's `Artifact::check_in` alone, through a reloading `Db`, through
//! `mxlists_check`, and through Exim's `mxl_match` (path cache, argument
//! reading, list selection, yield).
//!
//! cargo run --release -p mxlists-ffi --example lookup_cost [ENTRIES] [LOOKUPS]

use std::ffi::{c_uchar, CString};
use std::hint::black_box;
use std::time::Instant;

use mxlists::capi::{mxlists_check, mxlists_close, mxlists_open, mxlists_result};
use mxlists::exim::mxl_match;
use mxlists_core::{write_atomic, Artifact, Builder, Db, ListKind, Selection};

fn main() {
    let mut args = std::env::args().skip(1);
    let entries: usize = args.next().map_or(200_000, |a| a.parse().unwrap());
    let lookups: usize = args.next().map_or(1_000_000, |a| a.parse().unwrap());

    let mut b = Builder::new();
    let domains = b
        .add_list("domains", ListKind::Domain, Some("listed"))
        .unwrap();
    let emails = b
        .add_list("emails", ListKind::Email, Some("listed"))
        .unwrap();
    for i in 0..entries {
        b.add_text(domains, &format!("d{i}.example")).unwrap();
        b.add_text(emails, &format!("u{i}@m{}.example", i % 1000))
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    write_atomic(&path, &b.build().unwrap().bytes).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    println!("artifact: {} entries, {} bytes", 2 * entries, size);

    // Half listed, half not; addresses and domains.
    let values: Vec<String> = (0..1024)
        .map(|i| match i % 4 {
            0 => format!("x@sub.d{}.example", i * 7 % entries),
            1 => format!("u{}@m{}.example", i, i % 1000),
            2 => format!("nope{i}.example"),
            _ => format!("v{i}@m{}.example", i % 1000),
        })
        .collect();
    let c_values: Vec<CString> = values
        .iter()
        .map(|v| CString::new(v.as_str()).unwrap())
        .collect();

    let art = Artifact::open(&path).unwrap();
    let sel = Selection::all();
    let db = Db::open(&path).unwrap();
    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; the handle is closed below.
    let handle = unsafe { mxlists_open(c_path.as_ptr()) };
    assert!(!handle.is_null());
    // SAFETY: the result is plain data; all zeros is a valid value.
    let mut out: mxlists_result = unsafe { std::mem::zeroed() };
    let lists = CString::new("domains,emails").unwrap();
    let nv = values.len();

    let mut engine = |i: usize| art.check_in(&values[i % nv], &sel).unwrap().is_listed();
    let mut reloading = |i: usize| {
        db.current()
            .check_in(&values[i % nv], &sel)
            .unwrap()
            .is_listed()
    };
    let mut c_api = |i: usize| {
        // SAFETY: live handle, C strings, a result to fill.
        unsafe {
            mxlists_check(
                handle,
                std::ptr::null(),
                c_values[i % nv].as_ptr(),
                &mut out,
            ) == 1
        }
    };
    let mut exim = |i: usize| {
        let mut argv = [
            c_path.as_ptr() as *mut c_uchar,
            lists.as_ptr() as *mut c_uchar,
            c_values[i % nv].as_ptr() as *mut c_uchar,
        ];
        let mut y: *mut c_uchar = std::ptr::null_mut();
        // SAFETY: Exim's calling convention: three C strings and a yield pointer.
        let rc = unsafe { mxl_match(&mut y, 3, argv.as_mut_ptr()) };
        // SAFETY: on OK the yield is a NUL-terminated string of the library.
        rc == 0 && unsafe { std::ffi::CStr::from_ptr(y.cast()) }.to_bytes() == b"yes"
    };
    let mut ways: [(&str, &mut dyn FnMut(usize) -> bool); 4] = [
        ("Artifact::check_in", &mut engine),
        ("Db::current + check_in", &mut reloading),
        ("mxlists_check", &mut c_api),
        ("mxl_match (Exim)", &mut exim),
    ];
    // Rounds alternate between the ways; the fastest round of each counts, so
    // that other work on the machine weighs as little as possible.
    let rounds = 20;
    let per_round = (lookups / rounds).max(1);
    let mut best = [f64::MAX; 4];
    let mut hits = [0usize; 4];
    for _ in 0..rounds {
        for (k, (_, f)) in ways.iter_mut().enumerate() {
            let (ns, h) = time(per_round, f);
            best[k] = best[k].min(ns);
            hits[k] = h;
        }
    }
    for (k, (name, _)) in ways.iter().enumerate() {
        println!(
            "{name:<24} {:>6.0} ns/lookup  ({} of {per_round} listed)",
            best[k], hits[k]
        );
    }
    // SAFETY: the handle from mxlists_open, no longer used.
    unsafe { mxlists_close(handle) };
}

/// Runs `f` `n` times; returns the mean time per call in ns and the hits.
fn time(n: usize, f: &mut dyn FnMut(usize) -> bool) -> (f64, usize) {
    let start = Instant::now();
    let mut hits = 0usize;
    for i in 0..n {
        hits += black_box(f(black_box(i))) as usize;
    }
    (start.elapsed().as_nanos() as f64 / n as f64, hits)
}
