//! What the C API and the Exim functions share: reading a list selection
//! (`*` or comma-separated names, cached per thread), looking a value given as
//! raw bytes up on the allocation-free path, and writing texts into fixed
//! buffers.

use std::cell::RefCell;
use std::fmt;

use mxlists_core::{Artifact, Error, HitRef, Invalid, Query, Selection};

/// Resolves a list selection against `art`: `*` is every list, otherwise a
/// comma-separated list of names (spaces around names are ignored). An empty
/// selection, an empty name or an unknown name is an error, so that a typo in a
/// configuration never silently consults nothing or everything.
pub(crate) fn selection(art: &Artifact, spec: &[u8]) -> Result<Selection, Error> {
    let spec = std::str::from_utf8(spec)
        .map_err(|_| Error::UnknownList(String::from_utf8_lossy(spec).into_owned()))?;
    let spec = spec.trim();
    if spec == "*" {
        return Ok(Selection::all());
    }
    let mut sel = Selection::none();
    for name in spec.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(Error::UnknownList(String::new()));
        }
        let i = art
            .lists()
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| Error::UnknownList(name.to_owned()))?;
        sel.insert(i);
    }
    Ok(sel)
}

/// The last selection resolved on this thread, by artifact content and
/// selection text: an ACL names the same lists on every call.
struct LastSelection {
    artifact: [u8; 32],
    spec: Vec<u8>,
    sel: Option<Selection>,
}

thread_local! {
    static LAST: RefCell<LastSelection> = const {
        RefCell::new(LastSelection { artifact: [0; 32], spec: Vec::new(), sel: None })
    };
}

/// [`selection`], remembered per thread for the last artifact and text.
pub(crate) fn cached_selection(art: &Artifact, spec: &[u8]) -> Result<Selection, Error> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(sel) = last.sel {
            if last.artifact == *art.content_hash_bytes() && last.spec == spec {
                return Ok(sel);
            }
        }
        let sel = selection(art, spec)?;
        last.artifact = *art.content_hash_bytes();
        last.spec.clear();
        last.spec.extend_from_slice(spec);
        last.sel = Some(sel);
        Ok(sel)
    })
}

/// The answer to one lookup, borrowing the artifact and the query.
pub(crate) enum Answer<'a> {
    /// The first hit in list order.
    Listed(HitRef<'a>),
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
