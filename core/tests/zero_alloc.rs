//! The lookup path allocates nothing: normalizing a query, probing the tables,
//! deciding, and reading the hit's texts, for addresses, domains, IPv4 and
//! IPv6, hits and misses. A counting global allocator proves it (this test
//! binary holds one test, so nothing else allocates while it counts).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use mxlists_core::{Artifact, Builder, Db, ListKind, Query, Selection};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A buffer the entry text is written into, as the C library does.
struct Fixed {
    buf: [u8; 512],
    len: usize,
}

impl std::fmt::Write for Fixed {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Looks every value up and reads every hit's texts; returns how many were
/// listed and the total length of the texts read.
fn look_all(art: &Artifact, sel: &Selection, values: &[&str]) -> (usize, usize) {
    let (mut listed, mut bytes) = (0, 0);
    for v in values {
        let q = Query::parse(v).expect("valid");
        if let Some(hit) = art.find(&q, sel).unwrap() {
            listed += 1;
            let mut f = Fixed {
                buf: [0; 512],
                len: 0,
            };
            write!(f, "{}", hit.entry().unwrap()).unwrap();
            bytes +=
                f.len + hit.list().len() + hit.reason().unwrap().len() + hit.kind().as_str().len();
        }
    }
    (listed, bytes)
}

#[test]
fn lookups_allocate_nothing() {
    let mut b = Builder::new();
    let bans = b
        .add_list("tld_bans", ListKind::Domain, Some("banned TLD"))
        .unwrap();
    b.add_text(bans, ".monster").unwrap();
    b.add_text(bans, "!good.monster").unwrap();
    b.add_text(bans, "=exact.example").unwrap();
    let sfs = b.add_list("sfs", ListKind::Email, None).unwrap();
    for i in 0..2000 {
        b.add_text(sfs, &format!("user{i}@example{}.com", i % 50))
            .unwrap();
    }
    b.add_text(sfs, "x@exact.example listed address").unwrap();
    let ovh = b.add_list("ovh", ListKind::Ip, None).unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.add_text(ovh, "!51.68.10.0/28 customer").unwrap();
    b.add_text(ovh, "10.0.0.5-10.0.0.9 a range").unwrap();
    b.add_text(ovh, "2001:41d0::/32").unwrap();
    b.add_text(ovh, "!2001:41d0:1::/48").unwrap();
    let tlds = b.add_list("tlds", ListKind::KnownTlds, None).unwrap();
    for t in ["com", "net", "monster", "example"] {
        b.add_text(tlds, t).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    mxlists_core::write_atomic(&path, &b.build().unwrap().bytes).unwrap();
    let db = Db::open(&path).unwrap();

    let values = [
        "user17@example17.com",
        "<User17@Example17.COM.>",
        "user17@example18.com",
        "nobody@example3.com",
        "x@bad.monster",
        "x@good.monster",
        "exact.example",
        "sub.exact.example",
        "x@exact.example",
        "x@mail.corp.lan",
        "example5.com",
        "51.68.0.1",
        "51.68.10.3",
        "10.0.0.7",
        "[192.0.2.1]",
        "::ffff:51.68.0.1",
        "2001:41d0::25",
        "2001:41d0:1::25",
        "2001:db8::1",
    ];
    let all = Selection::all();
    let some = db.current().select(&["sfs", "ovh"]).unwrap();
    // Warm up: the first lookups may set up per-thread state.
    let art = db.current();
    let want = (
        look_all(&art, &all, &values),
        look_all(&art, &some, &values),
    );
    drop(art);

    let mut got = Vec::with_capacity(100);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..100 {
        let art = db.current();
        got.push((
            look_all(&art, &all, &values),
            look_all(&art, &some, &values),
        ));
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);

    assert!(got.iter().all(|g| *g == want));
    assert_eq!(want.0 .0, 10, "lookups listed {want:?}");
    assert_eq!(allocations, 0, "{allocations} allocations in 3,800 lookups");
}
