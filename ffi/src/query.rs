//! What the C API and the Exim functions share: reading a list selection
//! (`*` or comma-separated names, by the engine's one rule, cached per
//! thread), looking a value given as raw bytes up on the allocation-free path,
//! writing texts into fixed buffers, and the bound on the messages they hand
//! to their caller.

use std::cell::RefCell;
use std::fmt;

use mxlists_core::select::ListSelection;
use mxlists_core::{Artifact, DecisionRef, Error, HitRef, Invalid, Policy, Query, Selection};

/// The longest message handed to C or logged by Exim, in bytes; a longer one
/// is cut and its length given (a path or a list name may be megabytes long).
pub(crate) const MAX_MESSAGE: usize = 2048;

/// Resolves a list selection (`LISTS`) against `art` by the engine's one
/// selection rule ([`mxlists_core::select`]): `*` is every list, otherwise
/// names separated by commas (spaces around names are ignored). An empty
/// selection, an empty name or an unknown name is an error, so that a typo in
/// a configuration never silently consults nothing or everything.
pub(crate) fn selection(art: &Artifact, spec: &[u8]) -> Result<Selection, Error> {
    ListSelection::parse_bytes(spec)?.resolve(art)
}

/// The selections last resolved on this thread, by artifact content and
/// selection text: an ACL names the same few list sets on every call, so
/// they are resolved once (and nothing is allocated per lookup).
struct Selections {
    entries: [(Vec<u8>, [u8; 32], Option<Selection>); REMEMBERED],
    next: usize,
}

/// How many selections a thread remembers.
const REMEMBERED: usize = 8;

thread_local! {
    static SELECTIONS: RefCell<Selections> = RefCell::new(Selections {
        entries: std::array::from_fn(|_| (Vec::new(), [0; 32], None)),
        next: 0,
    });
}

/// [`selection`], remembered per thread for the last few artifacts and texts.
pub(crate) fn cached_selection(art: &Artifact, spec: &[u8]) -> Result<Selection, Error> {
    SELECTIONS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let hash = art.content_hash_bytes();
        if let Some(sel) = cache
            .entries
            .iter()
            .find(|(s, h, sel)| sel.is_some() && h == hash && s == spec)
            .and_then(|e| e.2)
        {
            return Ok(sel);
        }
        let sel = selection(art, spec)?;
        let at = cache.next;
        cache.next = (at + 1) % REMEMBERED;
        let entry = &mut cache.entries[at];
        entry.0.clear();
        entry.0.extend_from_slice(spec);
        entry.1 = *hash;
        entry.2 = Some(sel);
        Ok(sel)
    })
}

/// The answer to one lookup, borrowing the artifact and the query.
pub(crate) enum Answer<'a> {
    /// The first hit in list order.
    Listed(HitRef<'a>),
    /// An allow list lists the value (its hit): not listed.
    Allowed(HitRef<'a>),
    /// Not listed.
    NotListed,
    /// Not a valid value (bytes that are not UTF-8 included).
    Invalid(Invalid),
}

/// Looks raw bytes up and hands the answer to `f`; allocates nothing for a
/// valid value.
pub(crate) fn answer<R>(
    art: &Artifact,
    sel: &Selection,
    value: &[u8],
    f: impl FnOnce(Answer<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut q = Query::new();
    match q.set_bytes(value) {
        Ok(()) => match art.find(&q, sel)? {
            Some(hit) => f(Answer::Listed(hit)),
            None => f(Answer::NotListed),
        },
        Err(e) => f(Answer::Invalid(e)),
    }
}

/// As [`answer`], deciding against the lists of `sel` and the allow lists of
/// `allow` by the engine's one rule (an allow list's hit means not listed).
pub(crate) fn decide<R>(
    art: &Artifact,
    sel: &Selection,
    allow: &Selection,
    value: &[u8],
    f: impl FnOnce(Answer<'_>) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut q = Query::new();
    if let Err(e) = q.set_bytes(value) {
        return f(Answer::Invalid(e));
    }
    let policy = Policy::new(art, sel, allow);
    match art.decide_query(&q, &policy)? {
        DecisionRef::Listed(hit) => f(Answer::Listed(hit)),
        DecisionRef::Allowed(hit) => f(Answer::Allowed(hit)),
        DecisionRef::NotListed => f(Answer::NotListed),
    }
}

/// Whether raw bytes are listed by the selected lists. Bytes that are not
/// UTF-8, like any malformed value, are not listed.
pub(crate) fn matches(art: &Artifact, sel: &Selection, value: &[u8]) -> Result<bool, Error> {
    let mut q = Query::new();
    match q.set_bytes(value) {
        Ok(()) => art.is_listed(&q, sel),
        Err(_) => Ok(false),
    }
}

/// A `fmt::Write` into a fixed byte buffer that keeps what fits, cut at a
/// character boundary, and remembers whether anything was cut.
pub(crate) struct Fixed<'a> {
    buf: &'a mut [u8],
    len: usize,
    pub(crate) cut: bool,
}

impl<'a> Fixed<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Fixed {
            buf,
            len: 0,
            cut: false,
        }
    }

    /// What was written.
    pub(crate) fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for Fixed<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        let room = self.buf.len() - self.len;
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            self.cut = true;
        }
        Ok(())
    }
}
