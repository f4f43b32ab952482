//! Laying sections into one file image, and writing it atomically.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::section::{align, checksum, DirEntry, Header, SectionId, DIR_ENTRY_LEN, HEADER_LEN};
use crate::error::{Error, Result};

/// Lays out header, directory and sections (in the order given, each aligned);
/// returns the bytes and the content hash in hex.
pub(crate) fn assemble(parts: Vec<(SectionId, Vec<u8>)>) -> (Vec<u8>, String) {
    let dir_end = HEADER_LEN + parts.len() * DIR_ENTRY_LEN;
    let mut offset = align(dir_end);
    let mut dir = Vec::with_capacity(parts.len() * DIR_ENTRY_LEN);
    for (id, bytes) in &parts {
        DirEntry {
            id: *id as u32,
            offset: offset as u64,
            len: bytes.len() as u64,
            checksum: checksum(bytes),
        }
        .write(&mut dir);
        offset = align(offset + bytes.len());
    }
    let total = offset;
    let mut out = Vec::with_capacity(total);
    out.resize(HEADER_LEN, 0);
    out.extend_from_slice(&dir);
    out.resize(align(dir_end), 0);
    for (_, bytes) in &parts {
        out.extend_from_slice(bytes);
        out.resize(align(out.len()), 0);
    }
    debug_assert_eq!(out.len(), total);
    let hash: [u8; 32] = Sha256::digest(&out[HEADER_LEN..]).into();
    let mut header = Header {
        sections: parts.len() as u32,
        file_len: total as u64,
        content_hash: hash,
        checksum: 0,
    };
    header.write(&mut out);
    header.checksum = Header::checksum_of(&out, &dir);
    header.write(&mut out);
    (out, hash.iter().map(|b| format!("{b:02x}")).collect())
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

/// Writes `bytes` to `path` atomically: a temporary file in the same directory is
/// written, flushed to disk and renamed over `path`, then the directory is synced.
/// Readers see the old file or the new one, never a mix. Temporary files left by
/// writers that died (their process is gone) are removed first.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    remove_stale_temps(&dir, path);
    let tmp = dir.join(format!(
        "{}{}.{}",
        temp_prefix(path),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
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
