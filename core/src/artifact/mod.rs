//! The artifact: one immutable file holding every list of a build. Its layout is
//! specified in `core/FORMAT.md`.

pub mod format;
mod mmap;
pub(crate) mod read;
pub(crate) mod replace;
pub(crate) mod write;

pub use read::{Artifact, ListInfo, Verify, AUTO_VERIFY_LIMIT};
pub use replace::{check_output, write_atomic, write_atomic_with, WriteOptions, NEW_FILE_MODE};
