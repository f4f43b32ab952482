//! Laying sections into one file image (written to disk by
//! [`super::replace`]).

use sha2::{Digest, Sha256};

use super::format::*;

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
