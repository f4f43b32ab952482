//! The one place that maps files into memory.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

use memmap2::Mmap;

/// Maps `file` read-only.
///
/// # Safety argument
/// A mapping is undefined behaviour in Rust's model if the file changes while
/// mapped. Artifacts are immutable by contract: writers never modify a file in
/// place but write a new file and rename it over the old one
/// ([`crate::write_atomic`]), which leaves existing mappings of the old inode
/// intact. Every byte read from the mapping is validated before it is trusted
/// (see `read.rs`), so content never has to be trusted, only kept stable.
pub(crate) fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: see the function documentation: the file is never modified in place.
    let map = unsafe { Mmap::map(file)? };
    #[cfg(unix)]
    {
        let _ = map.advise(memmap2::Advice::Random);
    }
    Ok(map)
}
