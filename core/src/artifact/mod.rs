//! The artifact: one immutable file holding every list of a build. Its layout is
//! specified in `core/FORMAT.md`.

pub mod format;
mod mmap;
pub(crate) mod read;
pub(crate) mod write;

pub use read::{Artifact, ListInfo, Verify, AUTO_VERIFY_LIMIT};
pub use write::write_atomic;
