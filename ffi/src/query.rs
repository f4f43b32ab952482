//! What the C API and the Exim functions share: reading a list selection
//! (`*` or comma-separated names) and a queried value given as raw bytes.

use mxlists_core::{normalize, Artifact, Error, Outcome, Selection};

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
    let names: Vec<&str> = spec.split(',').map(str::trim).collect();
    if let Some(empty) = names.iter().find(|n| n.is_empty()) {
        return Err(Error::UnknownList((*empty).to_owned()));
    }
    art.select(&names)
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
