//! The C path allocates nothing per lookup: `mxlists_check` from a value's
//! bytes to the result struct's texts, and Exim's `mxl_check` and
//! `mxl_match` (whose yield buffer and list selection are kept per thread),
//! for addresses, domains, IPv4 and IPv6. A counting global allocator proves
//! it; this test binary holds one test, so nothing else allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{c_int, c_uchar, CString};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use mxlists::capi::{
    mxlists_check, mxlists_close, mxlists_open, mxlists_result, MXLISTS_LISTED, MXLISTS_NOT_LISTED,
};
use mxlists::exim::{mxl_check, mxl_match};
use mxlists_core::{Builder, ListKind};

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

fn result() -> mxlists_result {
    mxlists_result {
        status: 0,
        truncated: 0,
        list: [0; mxlists::capi::MXLISTS_LIST_SIZE],
        kind: [0; mxlists::capi::MXLISTS_KIND_SIZE],
        entry: [0; mxlists::capi::MXLISTS_ENTRY_SIZE],
        reason: [0; mxlists::capi::MXLISTS_REASON_SIZE],
    }
}

#[test]
fn c_and_exim_lookups_allocate_nothing() {
    let mut b = Builder::new();
    let bans = b
        .add_list("tld_bans", ListKind::Domain, Some("banned TLD"))
        .unwrap();
    b.add_text(bans, ".monster").unwrap();
    let sfs = b.add_list("sfs", ListKind::Email, None).unwrap();
    for i in 0..500 {
        b.add_text(sfs, &format!("user{i}@example{}.com", i % 20))
            .unwrap();
    }
    let ovh = b.add_list("ovh", ListKind::Ip, None).unwrap();
    b.add_text(ovh, "51.68.0.0/16").unwrap();
    b.add_text(ovh, "!51.68.10.0/28").unwrap();
    b.add_text(ovh, "2001:41d0::/32").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lists.mxl");
    mxlists_core::write_atomic(&path, &b.build().unwrap().bytes).unwrap();

    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    let db = unsafe { mxlists_open(c_path.as_ptr()) };
    assert!(!db.is_null());
    let values: Vec<(CString, c_int)> = [
        ("user7@example7.com", MXLISTS_LISTED),
        ("<User7@Example7.COM>", MXLISTS_LISTED),
        ("user7@example8.com", MXLISTS_NOT_LISTED),
        ("x@bad.monster", MXLISTS_LISTED),
        ("example.net", MXLISTS_NOT_LISTED),
        ("51.68.0.1", MXLISTS_LISTED),
        ("51.68.10.3", MXLISTS_NOT_LISTED),
        ("2001:41d0::25", MXLISTS_LISTED),
        ("2001:db8::1", MXLISTS_NOT_LISTED),
    ]
    .into_iter()
    .map(|(v, s)| (CString::new(v).unwrap(), s))
    .collect();
    let lists = [
        CString::new("*").unwrap(),
        CString::new("sfs, ovh,tld_bans").unwrap(),
    ];
    let artifact = CString::new(path.to_str().unwrap()).unwrap();
    let mut out = result();
    let mut yields = 0usize;

    let round = |out: &mut mxlists_result, yields: &mut usize| {
        for (v, want) in &values {
            for l in &lists {
                // SAFETY: a live handle, NUL-terminated strings, a result.
                let got = unsafe { mxlists_check(db, l.as_ptr(), v.as_ptr(), out) };
                assert_eq!(got, *want, "{v:?}");
                for f in [mxl_check, mxl_match] {
                    let mut argv = [
                        artifact.as_ptr() as *mut c_uchar,
                        l.as_ptr() as *mut c_uchar,
                        v.as_ptr() as *mut c_uchar,
                    ];
                    let mut y: *mut c_uchar = std::ptr::null_mut();
                    // SAFETY: Exim's calling convention, three NUL-terminated arguments.
                    assert_eq!(unsafe { f(&mut y, 3, argv.as_mut_ptr()) }, 0);
                    // SAFETY: the yield is a NUL-terminated string of the library.
                    *yields += unsafe { std::ffi::CStr::from_ptr(y.cast()) }
                        .to_bytes()
                        .len();
                }
            }
        }
    };
    // Warm up: per-thread state (yield buffer, selection) is made once.
    round(&mut out, &mut yields);
    let warm = yields;
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..50 {
        round(&mut out, &mut yields);
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    assert_eq!(yields, warm * 51);
    assert!(warm > 0);
    // SAFETY: the handle from mxlists_open, not used afterwards.
    unsafe { mxlists_close(db) };
    assert_eq!(allocations, 0, "{allocations} allocations in 2,700 lookups");
}
