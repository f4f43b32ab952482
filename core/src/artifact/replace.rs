//! Writing a file by replacement: a temporary file beside the target is
//! written, synced, given the target's permissions, and renamed over the
//! target. Readers see the old file or the new one, never a mix.
//!
//! Only a regular file (or a symbolic link to one, which the rename replaces
//! by the new file, as `rename(2)` does) is ever replaced: a device, a FIFO, a
//! socket or a folder at the path is refused, so that a mistyped `-o
//! /dev/null` run as root cannot turn a device into a file. Every failure is
//! an [`Error::NotWritten`] naming the target (never the temporary file) and
//! saying that what was there is untouched.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::input::describe;

/// The permissions of a new file written by [`write_atomic`]: readable by
/// everyone (the mail server's user), whatever the process's umask.
pub const NEW_FILE_MODE: u32 = 0o644;

/// How [`write_atomic_with`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// The permission bits of the written file (at most `0o7777`). `None`:
    /// those of the file replaced, or [`NEW_FILE_MODE`] for a new file.
    pub mode: Option<u32>,
}

/// Checks that `path` may be written by [`write_atomic`] without writing
/// anything: its folder exists, and the path is free, a regular file or a
/// symbolic link to one. Returns the metadata of the file that would be
/// replaced (the link's target for a link), `None` when the path is free.
///
/// A path that names anything else (a device, a FIFO, a socket, a folder, a
/// link to one of those or a link to nothing) is an [`Error::NotWritten`].
pub fn check_output(path: &Path) -> Result<Option<Metadata>> {
    let dir = folder_of(path);
    match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(refused(
                path,
                false,
                format!("{} is not a folder", dir.display()),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::NotWritten {
                path: path.to_path_buf(),
                reason: format!("folder {} does not exist", dir.display()),
                existed: false,
                source: Some(e),
            })
        }
        Err(e) => return Err(failed(path, false, format!("folder {}", dir.display()), e)),
    }
    let link = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed(path, true, "cannot look at it".into(), e)),
    };
    if link.is_file() {
        return Ok(Some(link));
    }
    let rule = "the output must be a regular file, a link to one, or a new name";
    if !link.file_type().is_symlink() {
        let what = describe(link.file_type());
        return Err(refused(path, true, format!("it is {what} ({rule})")));
    }
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Some(m)),
        Ok(m) => {
            let what = describe(m.file_type());
            Err(refused(
                path,
                true,
                format!("it is a symbolic link to {what} ({rule})"),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(refused(
            path,
            true,
            format!("it is a symbolic link to nothing ({rule})"),
        )),
        Err(e) => Err(failed(path, true, "cannot follow the link".into(), e)),
    }
}

/// Writes `bytes` to `path` atomically ([`write_atomic_with`] with the
/// default options: the replaced file's permissions and, when the process
/// may, its owner and group; [`NEW_FILE_MODE`] for a new file).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, bytes, &WriteOptions::default())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder
/// is written, given its permissions, flushed to disk and renamed over
/// `path`, then the folder is synced. Readers see the old file or the new
/// one, never a mix. Temporary files left by writers that died (their process
/// is gone) are removed first.
///
/// Only what [`check_output`] accepts is replaced. The new file gets
/// `options.mode`, or the mode of the file it replaces, or [`NEW_FILE_MODE`];
/// the umask plays no part. It keeps the replaced file's owner and group when
/// the process may set them (root may; another user may keep a group it
/// belongs to); when it may not, the file is still written. Any failure is an
/// [`Error::NotWritten`] naming `path`, and leaves `path` as it was.
pub fn write_atomic_with(path: &Path, bytes: &[u8], options: &WriteOptions) -> Result<()> {
    if let Some(mode) = options.mode.filter(|&m| m > 0o7777) {
        let existed = fs::symlink_metadata(path).is_ok();
        return Err(refused(
            path,
            existed,
            format!("{mode:#o} is not a file mode (at most 0o7777)"),
        ));
    }
    let existing = check_output(path)?;
    let existed = existing.is_some();
    let dir = folder_of(path);
    remove_stale_temps(&dir, path);
    let tmp = dir.join(format!(
        "{}{}.{}",
        temp_prefix(path),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = create_temp(&tmp).map_err(|e| {
            let what = format!("cannot create a temporary file in {}", dir.display());
            failed(path, existed, what, e)
        })?;
        f.write_all(bytes)
            .map_err(|e| failed(path, existed, "writing failed".into(), e))?;
        set_owner_and_mode(&f, existing.as_ref(), options.mode)
            .map_err(|e| failed(path, existed, "cannot set its permissions".into(), e))?;
        f.sync_all()
            .map_err(|e| failed(path, existed, "writing failed".into(), e))?;
        drop(f);
        // The path may have changed while the file was written.
        check_output(path)?;
        fs::rename(&tmp, path)
            .map_err(|e| failed(path, existed, "renaming into place failed".into(), e))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A refusal: nothing was tried.
fn refused(path: &Path, existed: bool, reason: String) -> Error {
    Error::NotWritten {
        path: path.to_path_buf(),
        reason,
        existed,
        source: None,
    }
}

/// A failure of the file system while doing `what`.
fn failed(path: &Path, existed: bool, what: String, e: io::Error) -> Error {
    Error::NotWritten {
        path: path.to_path_buf(),
        reason: format!("{what}: {e}"),
        existed,
        source: Some(e),
    }
}

/// Creates the temporary file, readable by its owner only until its
/// permissions are set.
fn create_temp(tmp: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(tmp)
}

/// Gives the new file the owner and group of the file it replaces (when the
/// process may), then its mode (after, since a change of owner clears the
/// set-user-ID and set-group-ID bits).
#[cfg(unix)]
fn set_owner_and_mode(f: &File, existing: Option<&Metadata>, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    if let Some(old) = existing {
        let new = f.metadata()?;
        if (new.uid(), new.gid()) != (old.uid(), old.gid())
            && fchown(f, Some(old.uid()), Some(old.gid())).is_err()
        {
            let _ = fchown(f, None, Some(old.gid()));
        }
    }
    let mode = mode
        .or(existing.map(|m| m.mode() & 0o7777))
        .unwrap_or(NEW_FILE_MODE);
    f.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_owner_and_mode(_: &File, _: Option<&Metadata>, _: Option<u32>) -> io::Result<()> {
    Ok(())
}

/// The identity of a file (device and inode), to tell whether two paths name
/// the same file whatever their spelling, links included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The identities `path` stands for: the file itself (a symbolic link
    /// included) and, for a link, the file it points to. Empty when the path
    /// names nothing (or on systems without inodes).
    pub(crate) fn of(path: &Path) -> Vec<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mut ids = Vec::with_capacity(2);
            for meta in [fs::symlink_metadata(path), fs::metadata(path)]
                .into_iter()
                .flatten()
            {
                let id = FileId {
                    dev: meta.dev(),
                    ino: meta.ino(),
                };
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            Vec::new()
        }
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Prefix of the temporary files written beside `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "artifact".into());
    format!(".{name}.mxlists-tmp.")
}

/// Removes temporary files beside `path` whose writing process no longer exists.
fn remove_stale_temps(dir: &Path, path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn new_files_get_0644_and_replacements_keep_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.mxl");
        write_atomic(&p, b"one").unwrap();
        assert_eq!(mode(&p), NEW_FILE_MODE);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(mode(&p), 0o640);
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let options = WriteOptions { mode: Some(0o600) };
        write_atomic_with(&p, b"three", &options).unwrap();
        assert_eq!(mode(&p), 0o600);
        let bad = WriteOptions {
            mode: Some(0o10000),
        };
        assert!(write_atomic_with(&p, b"four", &bad).is_err());
        assert_eq!(fs::read(&p).unwrap(), b"three");
    }

    #[test]
    fn only_regular_files_and_links_to_them_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"x").unwrap_err().to_string();
        assert!(e.contains("not written: it is a folder"), "{e}");
        assert!(e.ends_with("the file there is untouched"), "{e}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
        let e = write_atomic(&dangling, b"x").unwrap_err().to_string();
        assert!(e.contains("symbolic link to nothing"), "{e}");
        let e = write_atomic(&dir.path().join("no/such/dir/a.mxl"), b"x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        assert!(e.ends_with("no file was created"), "{e}");
        let target = dir.path().join("target");
        fs::write(&target, b"old").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("target", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(fs::read(&target).unwrap(), b"old");
    }

    #[test]
    fn file_ids_see_through_links_and_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        fs::write(&a, b"x").unwrap();
        let hard = dir.path().join("hard");
        fs::hard_link(&a, &hard).unwrap();
        let soft = dir.path().join("soft");
        std::os::unix::fs::symlink("a", &soft).unwrap();
        let id = FileId::of(&a);
        assert_eq!(id.len(), 1);
        assert_eq!(FileId::of(&hard), id);
        assert!(FileId::of(&soft).contains(&id[0]));
        assert!(FileId::of(&dir.path().join("sub/../a")).is_empty());
        assert_eq!(FileId::of(&dir.path().join("./a")), id);
        assert!(FileId::of(&dir.path().join("none")).is_empty());
    }
}
