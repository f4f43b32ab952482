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

use mxlists_core::{Artifact, Verify};

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
