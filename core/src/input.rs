//! Opening files to read, without ever blocking: a path given as an
//! artifact, a manifest or a list source may name a FIFO, a device or a
//! socket by mistake, and opening a FIFO for reading waits for a writer, for
//! ever. Such paths are refused before they are opened; the file opened is
//! checked again (it may have been replaced in between), and is opened with
//! `O_NONBLOCK` so that the open itself cannot wait.

use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// What a file that is not a regular file is, in words: `a FIFO`, `a
/// character device`, `a folder`, ...
pub(crate) fn describe(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "not a file"
    }
}

/// The error for a path that names `kind` where a regular file is needed:
/// `not a regular file (it is a FIFO)`.
pub(crate) fn not_regular(kind: FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file (it is {})", describe(kind)),
    )
}

/// Opens the regular file at `path` (symbolic links followed) for reading,
/// without blocking; anything else is refused with [`not_regular`] and, when
/// it is known not to be a regular file beforehand, is not opened at all.
pub(crate) fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(not_regular(before.file_type()));
    }
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok((file, meta))
}

/// Opens `path` for reading with `O_NONBLOCK` (an open that cannot wait) and
/// `O_NOCTTY` (a terminal never becomes the process's controlling terminal).
/// For a regular file, `O_NONBLOCK` changes nothing else.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

/// Opens `path` for reading whatever it is (a FIFO, a device): the caller
/// allowed it, and waits for a FIFO's writer. A terminal never becomes the
/// controlling terminal.
pub(crate) fn open_any(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOCTTY)
            .open(path)
    }
    #[cfg(not(unix))]
    {
        File::open(path)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(ok.success());
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (it is a FIFO)");
        let e = open_regular(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (it is a folder)");
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(open_regular(&file).unwrap().1.is_file());
    }
}
