//! One module per command; each turns its arguments into calls to the engine and
//! prints the answers.

pub mod build;
pub mod check;
pub mod diff;
pub mod dump;
pub mod info;
pub mod serve;
pub mod verify;

use std::path::Path;

use mxlists_core::select::ListSelection;
use mxlists_core::{Artifact, Selection, Verify};

use crate::failure::Failure;

/// Opens an artifact for reading (small files are fully verified, large ones
/// have their header and layout validated); errors name the file.
pub fn open(path: &Path) -> Result<Artifact, Failure> {
    open_with(path, Verify::Auto)
}

/// Opens an artifact with the given verification.
pub fn open_with(path: &Path, verify: Verify) -> Result<Artifact, Failure> {
    Artifact::open_with(path, verify).map_err(|e| Failure::about(path, e))
}

/// The lists `--list` selects in `artifact` (at `path`): every list when the
/// option is not given, otherwise the engine's selection rule
/// ([`mxlists_core::select`]), the same as the C library's, Exim's and
/// Python's.
pub fn selection(artifact: &Artifact, path: &Path, list: &[String]) -> Result<Selection, Failure> {
    if list.is_empty() {
        return Ok(Selection::all());
    }
    ListSelection::parse(list)
        .and_then(|s| s.resolve(artifact))
        .map_err(|e| Failure::about(path, e))
}
