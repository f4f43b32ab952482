//! The C API: an opaque handle on an artifact file, a lookup that fills a
//! caller-owned result, a thread-local last error and a version string.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};

use std::fmt::Write as _;

use mxlists_core::{Db, Error, HitRef, Selection};

use crate::boundary::{c_bytes, guard};
use crate::cache::path_of;
use crate::query::{self, Answer, Fixed};

/// `mxlists_check()`: no selected list lists the value.
pub const MXLISTS_NOT_LISTED: c_int = 0;
/// `mxlists_check()`: a selected list lists the value; the result holds the hit.
pub const MXLISTS_LISTED: c_int = 1;
/// `mxlists_check()`: the value is not a valid address, domain or IP address
/// (this includes bytes that are not UTF-8); the result's `reason` says why.
pub const MXLISTS_INVALID: c_int = 2;
/// `mxlists_decide()`: an allow list lists the value, so it is not listed;
/// the result holds the allow list's hit.
pub const MXLISTS_ALLOWED: c_int = 3;
/// `mxlists_check()`: the lookup failed (NULL handle or value, unknown list
/// name, damaged artifact); `mxlists_last_error()` says why.
pub const MXLISTS_ERROR: c_int = -1;

/// Size of `mxlists_result.list`, including the terminating NUL. List names
/// are at most 64 bytes, so they are never truncated.
pub const MXLISTS_LIST_SIZE: usize = 72;
/// Size of `mxlists_result.kind`, including the terminating NUL.
pub const MXLISTS_KIND_SIZE: usize = 16;
/// Size of `mxlists_result.entry`, including the terminating NUL. Entries
/// (an address is at most 64 + 1 + 253 bytes) are never truncated.
pub const MXLISTS_ENTRY_SIZE: usize = 512;
/// Size of `mxlists_result.reason`, including the terminating NUL. Longer
/// reasons are cut at a character boundary and `truncated` is set.
pub const MXLISTS_REASON_SIZE: usize = 1024;

/// An open artifact file. Created by `mxlists_open()`, released by
/// `mxlists_close()`; safe to use from several threads at once.
///
/// The handle follows its path: when a new artifact is renamed over the file,
/// lookups switch to it (the path is looked at no more than once a second).
/// If the replacement cannot be opened (damaged, or not a regular file: a
/// FIFO renamed over the path is refused without blocking), the handle keeps
/// answering from the file it has.
#[allow(non_camel_case_types)]
pub struct mxlists_db {
    db: Db,
}

/// The answer of `mxlists_check()`, filled in by the library. Every string is
/// NUL-terminated UTF-8 held in the struct itself: there is nothing to free,
/// and the result stays valid as long as the caller keeps it.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct mxlists_result {
    /// The same status `mxlists_check()` returned: `MXLISTS_LISTED`,
    /// `MXLISTS_NOT_LISTED`, `MXLISTS_INVALID` or `MXLISTS_ERROR`.
    pub status: c_int,
    /// Nonzero when a string below was cut to fit its array.
    pub truncated: c_int,
    /// The list that lists the value (the first hit in the artifact's list
    /// order); empty unless listed.
    pub list: [c_char; MXLISTS_LIST_SIZE],
    /// That list's kind: `domain`, `email`, `ip` or `known_tlds`; empty unless
    /// listed.
    pub kind: [c_char; MXLISTS_KIND_SIZE],
    /// The artifact's entry that decided, in canonical plain syntax
    /// (`monster`, `*.example.com`, `user@example.com`, `51.68.0.0/16`). For a
    /// `known_tlds` hit it is the queried name's top-level domain, which the
    /// list does not know. Empty unless listed.
    pub entry: [c_char; MXLISTS_ENTRY_SIZE],
    /// When listed, the entry's reason or the list's default reason; when the
    /// value is invalid, why; otherwise empty.
    pub reason: [c_char; MXLISTS_REASON_SIZE],
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    let message = mxlists_core::shorten(message, query::MAX_MESSAGE);
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

fn clear_last_error() {
    LAST_ERROR.with(|e| {
        let mut e = e.borrow_mut();
        if !e.as_bytes().is_empty() {
            *e = CString::default();
        }
    });
}

/// Copies `s` into `dst` as a NUL-terminated string, cut at a character
/// boundary when it does not fit. Returns whether it was cut.
fn put(dst: &mut [c_char], s: &str) -> bool {
    let room = dst.len().saturating_sub(1);
    let mut n = s.len().min(room);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    for (d, &b) in dst.iter_mut().zip(&s.as_bytes()[..n]) {
        *d = b as c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
    n < s.len()
}

impl mxlists_result {
    /// Fills in a hit: texts read from the artifact and the query, written
    /// straight into the struct.
    fn fill_hit(&mut self, status: c_int, hit: &HitRef<'_>) -> Result<(), Error> {
        self.status = status;
        let mut cut = put(&mut self.list, hit.list());
        cut |= put(&mut self.kind, hit.kind().as_str());
        let mut entry = [0u8; MXLISTS_ENTRY_SIZE - 1];
        let mut w = Fixed::new(&mut entry);
        let _ = write!(w, "{}", hit.entry()?);
        cut |= w.cut;
        let written = w.written();
        // What Fixed kept ends at a character boundary.
        cut |= put(&mut self.entry, std::str::from_utf8(written).unwrap_or(""));
        cut |= put(&mut self.reason, hit.reason()?);
        self.truncated = c_int::from(cut);
        Ok(())
    }

    fn fill(&mut self, status: c_int, hit: Option<(&str, &str, &str)>, reason: &str) {
        self.status = status;
        let (list, kind, entry) = hit.unwrap_or(("", "", ""));
        let mut cut = put(&mut self.list, list);
        cut |= put(&mut self.kind, kind);
        cut |= put(&mut self.entry, entry);
        cut |= put(&mut self.reason, reason);
        self.truncated = c_int::from(cut);
    }
}

/// Opens the artifact file at `path` (a NUL-terminated file name; any bytes but
/// NUL) and returns a handle on it, or NULL on failure (missing, unreadable or
/// damaged file, a path that is not a regular file; NULL `path`), with the
/// cause, naming the file, in `mxlists_last_error()`. Never blocks: a FIFO or
/// a device at `path` is refused without being opened.
///
/// Files up to 256 KiB have every checksum verified when opened; larger files
/// get a check of their header, directory and list table whose cost does not
/// grow with their size. Release the handle with `mxlists_close()`.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mxlists_open(path: *const c_char) -> *mut mxlists_db {
    guard(
        || {
            clear_last_error();
            // SAFETY: NULL or NUL-terminated, per the contract.
            let Some(bytes) = (unsafe { c_bytes(path) }) else {
                set_last_error("mxlists_open: path is NULL");
                return std::ptr::null_mut();
            };
            let path = path_of(bytes);
            match Db::open(&path) {
                Ok(db) => Box::into_raw(Box::new(mxlists_db { db })),
                Err(e) => {
                    set_last_error(&e.message_about(&path));
                    std::ptr::null_mut()
                }
            }
        },
        |m| {
            set_last_error(&m);
            std::ptr::null_mut()
        },
    )
}

/// Releases a handle from `mxlists_open()`. NULL is ignored. No other call may
/// be using the handle, and it must not be used afterwards.
///
/// # Safety
/// `db` is NULL or a handle from `mxlists_open()` not yet closed.
#[no_mangle]
pub unsafe extern "C" fn mxlists_close(db: *mut mxlists_db) {
    guard(
        || {
            if !db.is_null() {
                // SAFETY: a live handle from mxlists_open, per the contract.
                drop(unsafe { Box::from_raw(db) });
            }
        },
        |_| (),
    )
}

/// Looks `value` up and returns `MXLISTS_LISTED`, `MXLISTS_NOT_LISTED`,
/// `MXLISTS_INVALID` or `MXLISTS_ERROR`.
///
/// - `db`: a handle from `mxlists_open()`; NULL is an error.
/// - `lists`: which lists to consult: NULL or `"*"` for every list, otherwise
///   list names separated by commas (`"tld_bans,invalid_rcpt"`; spaces around
///   names are ignored). An empty selection (`""`), an empty name
///   (`"a,,b"`), `*` with names, or an unknown name is an error; the message
///   shows at most 64 bytes of a name.
/// - `value`: a NUL-terminated address (`user@example.com`, `<User@Example.COM>`),
///   domain (`example.com`, `bücher.example`) or IP address (`192.0.2.1`,
///   `[IPv6:2001:db8::1]`, `::ffff:192.0.2.1`); NULL is an error. A malformed
///   value, or one that is not UTF-8, is `MXLISTS_INVALID`, never an error.
/// - `out`: where to write the answer, or NULL when only the status is wanted.
///   It is written on every return, including errors.
///
/// Lists are consulted in the artifact's order and the first hit is reported.
/// Thread-safe; nothing is allocated for the caller.
///
/// # Safety
/// `db` is NULL or a live handle; `lists` and `value` are NULL or
/// NUL-terminated strings; `out` is NULL or points to writable memory for one
/// `mxlists_result`.
#[no_mangle]
pub unsafe extern "C" fn mxlists_check(
    db: *const mxlists_db,
    lists: *const c_char,
    value: *const c_char,
    out: *mut mxlists_result,
) -> c_int {
    // Both closures may write the result; each takes the pointer anew.
    // SAFETY: forwarded, per the contract.
    unsafe { entry("mxlists_check", db, lists, None, value, out) }
}

/// `mxlists_check()` with allow lists: looks `value` up in the lists named by
/// `lists` and the allow lists named by `allow` (NULL: none; otherwise the
/// same syntax as `lists`), and decides by the one rule of `mxlists check
/// --allow` and `mxlists serve`: a value an allow list lists is not listed,
/// whatever the other lists say. Returns `MXLISTS_ALLOWED` (the result holds
/// the allow list's hit), `MXLISTS_LISTED`, `MXLISTS_NOT_LISTED`,
/// `MXLISTS_INVALID` or `MXLISTS_ERROR`, as `mxlists_check()` does.
///
/// # Safety
/// As for `mxlists_check()`; `allow` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mxlists_decide(
    db: *const mxlists_db,
    lists: *const c_char,
    allow: *const c_char,
    value: *const c_char,
    out: *mut mxlists_result,
) -> c_int {
    // SAFETY: NULL or NUL-terminated, per the contract.
    let allow = unsafe { c_bytes(allow) };
    // SAFETY: forwarded, per the contract.
    unsafe { entry("mxlists_decide", db, lists, Some(allow), value, out) }
}

/// The body of `mxlists_check()` and `mxlists_decide()` (`allow`: `None` for
/// the former; for the latter, `Some` of its `allow` argument, `None` when
/// NULL).
///
/// # Safety
/// As for `mxlists_check()`.
unsafe fn entry(
    name: &str,
    db: *const mxlists_db,
    lists: *const c_char,
    allow: Option<Option<&[u8]>>,
    value: *const c_char,
    out: *mut mxlists_result,
) -> c_int {
    // Both closures may write the result; each takes the pointer anew.
    let failed = |message: &str| {
        set_last_error(message);
        // SAFETY: NULL or valid for one result, per the contract.
        if let Some(out) = unsafe { out.as_mut() } {
            out.fill(MXLISTS_ERROR, None, "");
        }
        MXLISTS_ERROR
    };
    guard(
        || {
            clear_last_error();
            // SAFETY: NULL or a live handle, per the contract.
            let db = unsafe { db.as_ref() };
            // SAFETY: NULL or NUL-terminated, per the contract.
            let (value, lists) = unsafe { (c_bytes(value), c_bytes(lists)) };
            // SAFETY: NULL or valid for one result, per the contract.
            let out = unsafe { out.as_mut() };
            check(name, db, lists, allow, value, out).unwrap_or_else(|m| failed(&m))
        },
        |message| failed(&message),
    )
}

/// The lookup behind `mxlists_check()` and `mxlists_decide()`, on arguments
/// already read: the allocation-free path from the value's bytes to the
/// result's texts.
fn check(
    name: &str,
    db: Option<&mxlists_db>,
    lists: Option<&[u8]>,
    allow: Option<Option<&[u8]>>,
    value: Option<&[u8]>,
    out: Option<&mut mxlists_result>,
) -> Result<c_int, String> {
    let db = db.ok_or_else(|| format!("{name}: db is NULL"))?;
    let value = value.ok_or_else(|| format!("{name}: value is NULL"))?;
    let art = db.db.current();
    let path = db.db.path();
    let selection = |spec: Option<&[u8]>, none: Selection| match spec {
        None => Ok(none),
        Some(spec) => query::cached_selection(&art, spec).map_err(|e| e.message_about(path)),
    };
    let sel = selection(lists, Selection::all())?;
    let respond = |answer: Answer<'_>| {
        Ok(match answer {
            Answer::Listed(hit) | Answer::Allowed(hit) => {
                let status = if matches!(answer, Answer::Listed(_)) {
                    MXLISTS_LISTED
                } else {
                    MXLISTS_ALLOWED
                };
                if let Some(out) = out {
                    out.fill_hit(status, &hit)?;
                }
                status
            }
            Answer::NotListed => {
                if let Some(out) = out {
                    out.fill(MXLISTS_NOT_LISTED, None, "");
                }
                MXLISTS_NOT_LISTED
            }
            Answer::Invalid(why) => {
                if let Some(out) = out {
                    out.fill(MXLISTS_INVALID, None, &why.message);
                }
                MXLISTS_INVALID
            }
        })
    };
    match allow {
        None => query::answer(&art, &sel, value, respond),
        Some(spec) => {
            let allow = selection(spec, Selection::none())?;
            query::decide(&art, &sel, &allow, value, respond)
        }
    }
    .map_err(|e| e.message_about(path))
}

/// The reason the last failing call of this thread failed, as a NUL-terminated
/// UTF-8 string of at most about 2 KiB; empty when the last call of
/// `mxlists_open()` or `mxlists_check()` on this thread succeeded. Never NULL. The string belongs
/// to the library and stays valid until the thread's next call to
/// `mxlists_open()` or `mxlists_check()`; copy it to keep it.
#[no_mangle]
pub extern "C" fn mxlists_last_error() -> *const c_char {
    guard(
        || LAST_ERROR.with(|e| e.borrow().as_ptr()),
        |_| c"".as_ptr(),
    )
}

/// The library's version (`"0.1.0"`), a static NUL-terminated string. Never
/// NULL.
#[no_mangle]
pub extern "C" fn mxlists_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version has no NUL"),
        };
    VERSION.as_ptr()
}
