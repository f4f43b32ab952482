//! The frame of an artifact: the header, the section directory and the section
//! identifiers, each with its writer, reader and validation side by side.

use std::ops::Range;

use super::wire::Put;
use crate::error::{Error, Result};

/// The first eight bytes of every artifact.
pub(crate) const MAGIC: [u8; 8] = *b"MXLISTS\0";
/// The format version this library writes and reads.
pub(crate) const VERSION: u32 = 2;
/// Size of the fixed header.
pub(crate) const HEADER_LEN: usize = 64;
/// Size of one section directory record.
pub(crate) const DIR_ENTRY_LEN: usize = 32;
/// Alignment of every section's offset: a cache line, so that the name tables'
/// 64-byte lines are cache lines of the mapping.
pub(crate) const SECTION_ALIGN: usize = 64;
/// Most sections a directory may list.
const MAX_SECTIONS: usize = 64;

macro_rules! sections {
    ($($(#[$doc:meta])* $variant:ident = $id:literal, $name:literal;)*) => {
        /// Section identifiers, in file order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u32)]
        pub(crate) enum SectionId {
            $($(#[$doc])* $variant = $id,)*
        }

        impl SectionId {
            /// Every section, in file order.
            pub(crate) const ALL: &'static [SectionId] = &[$(SectionId::$variant,)*];

            /// The section's name in error messages and `mxlists info`.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(SectionId::$variant => $name,)*
                }
            }
        }
    };
}

sections! {
    /// The list table.
    Lists = 1, "lists";
    /// Every string (list names, reasons).
    Strings = 2, "strings";
    /// Posting blocks of the name tables.
    Postings = 3, "postings";
    /// Offset of each posting block.
    PostingIndex = 4, "posting_index";
    /// Parameters of the name tables and the local-part code.
    NameParams = 5, "name_params";
    /// The domain table's lines.
    DomainLines = 6, "domain_lines";
    /// Domain records that did not fit their lines.
    DomainOverflow = 7, "domain_overflow";
    /// The address table's lines.
    AddressLines = 8, "address_lines";
    /// Address records that did not fit their lines.
    AddressOverflow = 9, "address_overflow";
    /// IPv4 direct index.
    V4Index = 10, "v4_index";
    /// IPv4 records (CIDR blocks of every list, sorted).
    V4Records = 11, "v4_records";
    /// Reasons of IPv4 records that have one.
    V4Reasons = 12, "v4_reasons";
    /// Ranges of IPv4 records that are pieces of a range entry.
    V4Ranges = 13, "v4_ranges";
    /// IPv6 direct index.
    V6Index = 14, "v6_index";
    /// IPv6 records.
    V6Records = 15, "v6_records";
    /// Reasons of IPv6 records that have one.
    V6Reasons = 16, "v6_reasons";
    /// Ranges of IPv6 records that are pieces of a range entry.
    V6Ranges = 17, "v6_ranges";
}

/// Number of known sections.
pub(crate) const SECTION_COUNT: usize = SectionId::ALL.len();

impl SectionId {
    /// The id for a stored number, if known.
    pub(crate) fn from_u32(v: u32) -> Option<Self> {
        SectionId::ALL.iter().copied().find(|s| *s as u32 == v)
    }

    /// Position of the section in [`SectionId::ALL`].
    #[inline]
    pub(crate) fn slot(self) -> usize {
        self as usize - 1
    }

    /// A corruption error naming this section.
    #[cold]
    pub(crate) fn corrupt(self, message: impl Into<String>) -> Error {
        Error::corrupt(self.name(), message)
    }
}

/// The xxh3-64 checksum used for sections and the header.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Rounds `n` up to the section alignment.
pub(crate) fn align(n: usize) -> usize {
    n.div_ceil(SECTION_ALIGN) * SECTION_ALIGN
}

/// The fixed header at offset 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Number of directory records.
    pub sections: u32,
    /// Length of the whole file.
    pub file_len: u64,
    /// SHA-256 of bytes `[HEADER_LEN, file_len)`.
    pub content_hash: [u8; 32],
    /// xxh3-64 of the header's first 56 bytes and the directory.
    pub checksum: u64,
}

impl Header {
    /// Writes the header (magic and version included) into `out[..HEADER_LEN]`.
    pub(crate) fn write(&self, out: &mut [u8]) {
        let mut h = Vec::with_capacity(HEADER_LEN);
        h.extend_from_slice(&MAGIC);
        h.put_u32(VERSION);
        h.put_u32(self.sections);
        h.put_u64(self.file_len);
        h.extend_from_slice(&self.content_hash);
        h.put_u64(self.checksum);
        out[..HEADER_LEN].copy_from_slice(&h);
    }

    /// Reads and validates the header of `file` (magic, version, length).
    pub(crate) fn read(file: &[u8]) -> Result<Self> {
        let corrupt = |m: String| Error::corrupt("header", m);
        if file.len() < HEADER_LEN {
            return Err(corrupt(format!(
                "file is {} bytes, shorter than a header",
                file.len()
            )));
        }
        if file[..8] != MAGIC {
            return Err(corrupt("not an mxlists artifact (bad magic)".into()));
        }
        let u32_at = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().expect("4 bytes"));
        let u64_at = |at: usize| u64::from_le_bytes(file[at..at + 8].try_into().expect("8 bytes"));
        let version = u32_at(8);
        if version != VERSION {
            return Err(Error::Version {
                found: version,
                supported: VERSION,
            });
        }
        let sections = u32_at(12);
        let file_len = u64_at(16);
        let mut content_hash = [0u8; 32];
        content_hash.copy_from_slice(&file[24..56]);
        let checksum = u64_at(56);
        if file_len != file.len() as u64 {
            return Err(corrupt(format!(
                "file is {} bytes but the header says {file_len} (truncated or extended)",
                file.len()
            )));
        }
        if sections as usize > MAX_SECTIONS {
            return Err(corrupt(format!("{sections} sections")));
        }
        Ok(Header {
            sections,
            file_len,
            content_hash,
            checksum,
        })
    }

    /// The header checksum over the first 56 header bytes and the directory.
    pub(crate) fn checksum_of(head: &[u8], dir: &[u8]) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&head[..56]);
        h.update(dir);
        h.digest()
    }
}

/// One record of the section directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirEntry {
    /// Section id (unknown ids are skipped by readers).
    pub id: u32,
    /// Offset of the section in the file.
    pub offset: u64,
    /// Length of the section.
    pub len: u64,
    /// xxh3-64 of the section's bytes.
    pub checksum: u64,
}

impl DirEntry {
    /// Appends the record.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u32(self.id);
        out.put_u32(0);
        out.put_u64(self.offset);
        out.put_u64(self.len);
        out.put_u64(self.checksum);
    }
}

/// The validated section directory: where each known section is and its
/// stored checksum.
pub(crate) struct Directory {
    /// Byte range of each known section, by [`SectionId::slot`].
    pub ranges: [Range<usize>; SECTION_COUNT],
    /// Stored checksum of each known section.
    pub checksums: [u64; SECTION_COUNT],
    /// Where the directory ends.
    pub end: usize,
}

impl Directory {
    /// Reads the directory of `file` described by `header`, checking the header
    /// checksum and that sections are aligned, in order, within the file, and
    /// that every known section appears exactly once.
    pub(crate) fn read(file: &[u8], header: &Header) -> Result<Self> {
        let corrupt = |m: String| Error::corrupt("header", m);
        let end = HEADER_LEN + header.sections as usize * DIR_ENTRY_LEN;
        let dir = file
            .get(HEADER_LEN..end)
            .ok_or_else(|| corrupt("section directory runs past the end".into()))?;
        if Header::checksum_of(file, dir) != header.checksum {
            return Err(corrupt("header checksum mismatch".into()));
        }
        let mut found: [Option<Range<usize>>; SECTION_COUNT] = Default::default();
        let mut checksums = [0u64; SECTION_COUNT];
        let mut prev_end = end;
        for rec in dir.chunks_exact(DIR_ENTRY_LEN) {
            let word = |at: usize| u64::from_le_bytes(rec[at..at + 8].try_into().expect("8 bytes"));
            let id = u32::from_le_bytes(rec[0..4].try_into().expect("4 bytes"));
            let (off, len, sum) = (word(8), word(16), word(24));
            let range = usize::try_from(off)
                .ok()
                .zip(usize::try_from(len).ok())
                .and_then(|(o, l)| Some(o..o.checked_add(l)?))
                .filter(|r| r.end <= file.len())
                .ok_or_else(|| corrupt(format!("section {id} runs past the end")))?;
            if range.start % SECTION_ALIGN != 0 || range.start < prev_end {
                return Err(corrupt(format!("section {id} is misplaced")));
            }
            prev_end = range.end;
            let Some(sid) = SectionId::from_u32(id) else {
                continue; // unknown sections are skipped (room for additions)
            };
            let slot = &mut found[sid.slot()];
            if slot.is_some() {
                return Err(corrupt(format!("section {} appears twice", sid.name())));
            }
            *slot = Some(range);
            checksums[sid.slot()] = sum;
        }
        let mut ranges: [Range<usize>; SECTION_COUNT] = Default::default();
        for (i, r) in found.into_iter().enumerate() {
            ranges[i] = r.ok_or_else(|| {
                corrupt(format!("section {} is missing", SectionId::ALL[i].name()))
            })?;
        }
        Ok(Directory {
            ranges,
            checksums,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_in_order() {
        for (i, s) in SectionId::ALL.iter().enumerate() {
            assert_eq!(s.slot(), i);
            assert_eq!(SectionId::from_u32(*s as u32), Some(*s));
        }
        assert_eq!(SectionId::from_u32(0), None);
        assert_eq!(SectionId::from_u32(SECTION_COUNT as u32 + 1), None);
    }
}
