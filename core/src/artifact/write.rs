//! Laying sections into one file image (written to disk by
//! [`super::replace`]).

use sha2::{Digest, Sha256};

use super::section::{align, checksum, DirEntry, Header, SectionId, DIR_ENTRY_LEN, HEADER_LEN};

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
