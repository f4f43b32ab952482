//! What the C API and the Exim functions share: reading a list selection
//! (`*` or comma-separated names), a queried value given as raw bytes, and
//! the bound on the messages they hand to their caller.

/// The longest message handed to C or logged by Exim, in bytes; a longer one
/// is cut and its length given (a path or a list name may be megabytes long).
pub(crate) const MAX_MESSAGE: usize = 2048;

use mxlists_core::select::ListSelection;
use mxlists_core::{normalize, Artifact, Error, Outcome, Selection};

/// Resolves a list selection (`LISTS`) against `art` by the engine's one
/// selection rule ([`mxlists_core::select`]): `*` is every list, otherwise
/// names separated by commas (spaces around names are ignored). An empty
/// selection, an empty name or an unknown name is an error, so that a typo in
/// a configuration never silently consults nothing or everything.
pub(crate) fn selection(art: &Artifact, spec: &[u8]) -> Result<Selection, Error> {
    ListSelection::parse_bytes(spec)?.resolve(art)
}

/// Checks raw bytes against the selected lists. Bytes that are not UTF-8 are an
/// invalid value, like any other malformed value.
pub(crate) fn check(art: &Artifact, sel: &Selection, value: &[u8]) -> Result<Outcome, Error> {
    match normalize::classify_bytes(value) {
        Ok(v) => art.check_value(&v, sel),
        Err(e) => Ok(Outcome::Invalid(e)),
    }
}

/// Whether raw bytes are listed by the selected lists, without making the hit's
/// texts. Bytes that are not UTF-8, like any malformed value, are not listed.
pub(crate) fn matches(art: &Artifact, sel: &Selection, value: &[u8]) -> Result<bool, Error> {
    match normalize::classify_bytes(value) {
        Ok(v) => art.is_listed(&v, sel),
        Err(_) => Ok(false),
    }
}
