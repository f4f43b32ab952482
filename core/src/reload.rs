//! A handle that follows a path: when the artifact at the path is replaced (a new
//! file renamed over it), the handle opens the new file and swaps it in, while
//! lookups already running finish on the old one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::artifact::FileStamp;
use crate::artifact::{Artifact, Verify};
use crate::error::{Error, Result};

/// How often, by default, a [`Db`] looks at its path for a replaced file.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A reloading handle on the artifact at a path.
///
/// Lookups go through [`Db::current`], which at most once per check interval
/// `stat`s the path and, when the file there is a different one, opens and swaps
/// it in. A replacement that fails to open is not swapped in: the handle keeps
/// answering from the file it has and reports the failure from
/// [`Db::reload`].
pub struct Db {
    path: PathBuf,
    current: ArcSwap<Artifact>,
    epoch: Instant,
    next_check_ms: AtomicU64,
    interval_ms: u64,
    verify: Verify,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens the artifact at `path` and follows it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Verify::Auto, DEFAULT_CHECK_INTERVAL)
    }

    /// Opens with a verification level and a check interval (zero checks on every
    /// lookup).
    pub fn open_with(path: impl AsRef<Path>, verify: Verify, interval: Duration) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let art = Artifact::open_with(&path, verify)?;
        // Saturating: an interval of a million years is "never", not a wrap.
        let interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
        Ok(Db {
            path,
            current: ArcSwap::from_pointee(art),
            epoch: Instant::now(),
            next_check_ms: AtomicU64::new(interval_ms),
            interval_ms,
            verify,
        })
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The artifact to answer from, after looking for a replacement when the check
    /// interval has passed.
    #[inline]
    pub fn current(&self) -> Arc<Artifact> {
        let now = self.epoch.elapsed().as_millis() as u64;
        let due = self.next_check_ms.load(Ordering::Relaxed);
        if now >= due
            && self
                .next_check_ms
                .compare_exchange(
                    due,
                    now.saturating_add(self.interval_ms),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            let _ = self.reload_if_changed();
        }
        self.current.load_full()
    }

    /// Reopens the file if the path now names a different one. Returns whether a
    /// new artifact was swapped in.
    pub fn reload_if_changed(&self) -> Result<bool> {
        let meta = std::fs::metadata(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let stamp = FileStamp::of(&meta);
        if self.current.load().stamp == Some(stamp) {
            return Ok(false);
        }
        self.swap_in()
    }

    /// Reopens the file unconditionally and swaps it in.
    pub fn reload(&self) -> Result<bool> {
        self.swap_in()
    }

    fn swap_in(&self) -> Result<bool> {
        let art = Artifact::open_with(&self.path, self.verify)?;
        self.current.store(Arc::new(art));
        Ok(true)
    }
}
