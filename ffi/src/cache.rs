//! The process-wide set of open artifacts of the Exim functions, keyed by the
//! path as given. A lookup reads the set without taking a lock; opening a new
//! path copies the set under a lock, which happens once per path per process.
//! The set is released when the process exits (or the library is unloaded), so
//! that leak checkers see every byte returned.

use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::{Arc, Mutex, Once};

use arc_swap::ArcSwapOption;
use mxlists_core::{Db, Result};

type Set = HashMap<Vec<u8>, Arc<Db>>;

static OPEN: ArcSwapOption<Set> = ArcSwapOption::const_empty();
static OPENING: Mutex<()> = Mutex::new(());
static RELEASE_AT_EXIT: Once = Once::new();

extern "C" {
    /// C's `atexit`: in a shared library, the function runs when the library is
    /// unloaded or the process exits, whichever comes first.
    fn atexit(f: extern "C" fn()) -> c_int;
}

/// Empties the set. Lookups running at that moment keep their handle; later
/// ones open the artifact again.
extern "C" fn release() {
    let _ = std::panic::catch_unwind(|| OPEN.store(None));
}

/// The handle for the artifact at `path`, opened on first use. A failed open is
/// not remembered: the next call tries again, so an artifact that appears later
/// is picked up.
pub(crate) fn db(path: &[u8]) -> Result<Arc<Db>> {
    if let Some(db) = OPEN.load().as_ref().and_then(|set| set.get(path)) {
        return Ok(Arc::clone(db));
    }
    let _opening = OPENING.lock().unwrap_or_else(|p| p.into_inner());
    let current = OPEN.load_full();
    if let Some(db) = current.as_ref().and_then(|set| set.get(path)) {
        return Ok(Arc::clone(db));
    }
    let db = Arc::new(Db::open(path_of(path))?);
    RELEASE_AT_EXIT.call_once(|| {
        // SAFETY: registers a function that takes no arguments and never unwinds.
        // Should registration fail, the set simply lives until the process ends.
        let _ = unsafe { atexit(release) };
    });
    let mut set = current.as_deref().cloned().unwrap_or_default();
    set.insert(path.to_vec(), Arc::clone(&db));
    OPEN.store(Some(Arc::new(set)));
    Ok(db)
}

/// The path named by the bytes of a C string (Exim's `ARTIFACT` argument,
/// `mxlists_open()`'s `path`).
#[cfg(unix)]
pub(crate) fn path_of(bytes: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).into()
}

/// The path named by the bytes of a C string (Exim's `ARTIFACT` argument,
/// `mxlists_open()`'s `path`).
#[cfg(not(unix))]
pub(crate) fn path_of(bytes: &[u8]) -> std::path::PathBuf {
    String::from_utf8_lossy(bytes).into_owned().into()
}
