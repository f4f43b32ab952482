//! Laying sections into one file image, and writing it atomically.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::format::*;
use crate::error::{Error, Result};

/// The sections of an artifact, in file order.
pub(crate) struct Sections {
    pub parts: Vec<(SectionId, Vec<u8>)>,
}

fn align(n: usize) -> usize {
    n.div_ceil(SECTION_ALIGN) * SECTION_ALIGN
}

/// Lays out header, directory and sections; returns the bytes and the content hash.
pub(crate) fn assemble(sections: Sections) -> (Vec<u8>, String) {
    let count = sections.parts.len();
    let dir_end = HEADER_LEN + count * DIR_ENTRY_LEN;
    let mut offset = align(dir_end);
    let mut dir = Vec::with_capacity(count * DIR_ENTRY_LEN);
    for (id, bytes) in &sections.parts {
        dir.extend_from_slice(&(*id as u32).to_le_bytes());
        dir.extend_from_slice(&0u32.to_le_bytes());
        dir.extend_from_slice(&(offset as u64).to_le_bytes());
        dir.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        dir.extend_from_slice(&checksum(bytes).to_le_bytes());
        offset = align(offset + bytes.len());
    }
    let total = offset;
    let mut out = vec![0u8; HEADER_LEN];
    out.extend_from_slice(&dir);
    out.resize(align(dir_end), 0);
    for (_, bytes) in &sections.parts {
        out.extend_from_slice(bytes);
        out.resize(align(out.len()), 0);
    }
    debug_assert_eq!(out.len(), total);
    let hash: [u8; 32] = Sha256::digest(&out[HEADER_LEN..]).into();
    out[0..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out[12..16].copy_from_slice(&(count as u32).to_le_bytes());
    out[16..24].copy_from_slice(&(total as u64).to_le_bytes());
    out[24..56].copy_from_slice(&hash);
    let sum = header_checksum(&out[..56], &dir);
    out[56..64].copy_from_slice(&sum.to_le_bytes());
    (out, hex(&hash))
}

/// The header checksum: xxh3-64 over the first 56 header bytes and the directory.
pub(crate) fn header_checksum(head: &[u8], dir: &[u8]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(head);
    h.update(dir);
    h.digest()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
