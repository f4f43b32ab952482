//! The process-wide set of open artifacts of the Exim functions, keyed by the
//! path as given. A lookup reads the set without taking a lock; opening a new
//! path copies the set under a lock, which happens once per path per process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use mxlists_core::{Db, Result};

type Set = HashMap<Vec<u8>, Arc<Db>>;

static OPEN: ArcSwapOption<Set> = ArcSwapOption::const_empty();
static OPENING: Mutex<()> = Mutex::new(());

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
    let mut set = current.as_deref().cloned().unwrap_or_default();
    set.insert(path.to_vec(), Arc::clone(&db));
    OPEN.store(Some(Arc::new(set)));
    Ok(db)
}

#[cfg(unix)]
fn path_of(bytes: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).into()
}

#[cfg(not(unix))]
fn path_of(bytes: &[u8]) -> std::path::PathBuf {
    String::from_utf8_lossy(bytes).into_owned().into()
}
