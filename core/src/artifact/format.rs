//! Byte layout constants of the artifact (see `core/FORMAT.md`), and checked
//! little-endian reads that report corruption instead of panicking.

use crate::error::{Error, Result};

/// The first eight bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"MXLISTS\0";
/// The format version this library writes and reads.
pub const VERSION: u32 = 1;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 64;
/// Size of one section directory record.
pub const DIR_ENTRY_LEN: usize = 32;
/// Alignment of every section's offset.
pub const SECTION_ALIGN: usize = 16;
/// A string reference meaning "none" (e.g. "use the list's default reason").
pub const NO_STR: u32 = u32::MAX;
/// A value in an interval table meaning "no list covers this interval".
pub const NO_HITS: u32 = u32::MAX;
/// Most bits of an address an interval table's direct index uses (65,537 slots).
pub const MAX_INDEX_BITS: u32 = 16;
/// Size of a list record in the `lists` section.
pub const LIST_RECORD_LEN: usize = 48;
/// Size of one item of a posting or hit set block.
pub const ITEM_LEN: usize = 8;
/// Size of one record of the `v4_entries` section.
pub const V4_ENTRY_LEN: usize = 16;
/// Size of one record of the `v6_entries` section.
pub const V6_ENTRY_LEN: usize = 40;
/// Bit of an interval value meaning "one hit": bits 23 to 30 hold the list
/// index and bits 0 to 22 the index of the deciding entry in the family's
/// entries, with no hit set block (and no read of the entry to find its list).
pub const SINGLE_HIT: u32 = 0x8000_0000;
/// Shift of the list index in a single-hit interval value.
pub const SINGLE_LIST_SHIFT: u32 = 23;
/// Mask of the entry index in a single-hit interval value.
pub const SINGLE_ENTRY_MASK: u32 = (1 << SINGLE_LIST_SHIFT) - 1;

/// The single-hit interval value for `list` and `entry`, when they fit.
pub fn single_hit(list: u16, entry: u32) -> Option<u32> {
    let v = SINGLE_HIT | (list as u32) << SINGLE_LIST_SHIFT | entry;
    // The one combination that would spell NO_HITS takes a hit set instead.
    ((list as usize) < MAX_LISTS && entry <= SINGLE_ENTRY_MASK && v != NO_HITS).then_some(v)
}
/// Most lists one artifact may hold.
pub const MAX_LISTS: usize = 256;

/// Flag bit of a posting or IP entry: the entry is an exclusion.
pub const FLAG_EXCLUDE: u8 = 0x80;
/// Flag bit of an IP entry: the range is IPv6.
pub const FLAG_V6: u8 = 0x40;
/// Mask of the name form in a posting's flags.
pub const FORM_MASK: u8 = 0x0f;

/// Section identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub enum SectionId {
    /// List directory.
    Lists = 1,
    /// Length-prefixed UTF-8 strings.
    Strings = 2,
    /// The FST over reversed name keys.
    Names = 3,
    /// Posting blocks the FST values point to.
    Postings = 4,
    /// IPv4 direct index.
    V4Index = 5,
    /// IPv4 interval starts.
    V4Starts = 6,
    /// IPv4 interval values.
    V4Values = 7,
    /// IPv6 direct index.
    V6Index = 8,
    /// IPv6 interval starts.
    V6Starts = 9,
    /// IPv6 interval values.
    V6Values = 10,
    /// Hit set blocks the interval values point to.
    HitSets = 11,
    /// Every IPv4 entry of every list, as built.
    V4Entries = 12,
    /// Every IPv6 entry of every list, as built.
    V6Entries = 13,
}

impl SectionId {
    /// All sections, in file order.
    pub const ALL: [SectionId; 13] = [
        SectionId::Lists,
        SectionId::Strings,
        SectionId::Names,
        SectionId::Postings,
        SectionId::V4Index,
        SectionId::V4Starts,
        SectionId::V4Values,
        SectionId::V6Index,
        SectionId::V6Starts,
        SectionId::V6Values,
        SectionId::HitSets,
        SectionId::V4Entries,
        SectionId::V6Entries,
    ];

    /// The section's name in error messages.
    pub fn name(self) -> &'static str {
        match self {
            SectionId::Lists => "lists",
            SectionId::Strings => "strings",
            SectionId::Names => "names",
            SectionId::Postings => "postings",
            SectionId::V4Index => "v4_index",
            SectionId::V4Starts => "v4_starts",
            SectionId::V4Values => "v4_values",
            SectionId::V6Index => "v6_index",
            SectionId::V6Starts => "v6_starts",
            SectionId::V6Values => "v6_values",
            SectionId::HitSets => "hit_sets",
            SectionId::V4Entries => "v4_entries",
            SectionId::V6Entries => "v6_entries",
        }
    }

    /// The id for a stored number, if known.
    pub fn from_u32(v: u32) -> Option<Self> {
        SectionId::ALL.into_iter().find(|s| *s as u32 == v)
    }
}

/// The xxh3-64 checksum used for sections and the header.
pub fn checksum(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Reads a little-endian `u16` at `at`, or reports corruption of `section`.
#[inline]
pub fn u16_at(b: &[u8], at: usize, section: &'static str) -> Result<u16> {
    b.get(at..at.wrapping_add(2))
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| out_of_bounds(section, at))
}

/// Reads a little-endian `u32` at `at`, or reports corruption of `section`.
#[inline]
pub fn u32_at(b: &[u8], at: usize, section: &'static str) -> Result<u32> {
    b.get(at..at.wrapping_add(4))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| out_of_bounds(section, at))
}

/// Reads a little-endian `u64` at `at`, or reports corruption of `section`.
#[inline]
pub fn u64_at(b: &[u8], at: usize, section: &'static str) -> Result<u64> {
    b.get(at..at.wrapping_add(8))
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| out_of_bounds(section, at))
}

/// Reads a little-endian `u128` at `at`, or reports corruption of `section`.
#[inline]
pub fn u128_at(b: &[u8], at: usize, section: &'static str) -> Result<u128> {
    b.get(at..at.wrapping_add(16))
        .and_then(|s| s.try_into().ok())
        .map(u128::from_le_bytes)
        .ok_or_else(|| out_of_bounds(section, at))
}

/// Reads the length-prefixed string at `at` in the strings section.
pub fn str_at(strings: &[u8], at: u32) -> Result<&str> {
    let at = at as usize;
    let len = u32_at(strings, at, "strings")? as usize;
    let bytes = strings
        .get(at + 4..(at + 4).saturating_add(len))
        .ok_or_else(|| out_of_bounds("strings", at))?;
    std::str::from_utf8(bytes)
        .map_err(|_| Error::corrupt("strings", format!("string at {at} is not UTF-8")))
}

#[cold]
fn out_of_bounds(section: &'static str, at: usize) -> Error {
    Error::corrupt(section, format!("read past the end at offset {at}"))
}

/// One IP entry as stored: list, flags, reason and range.
#[derive(Clone, Copy, Debug)]
pub struct IpEntryRecord {
    /// List index.
    pub list: u16,
    /// Flags ([`FLAG_EXCLUDE`]).
    pub flags: u8,
    /// Reason string reference or [`NO_STR`].
    pub reason: u32,
    /// The range.
    pub range: crate::entry::IpRange,
}

/// Reads IP entry `index` of the `v4_entries` (or, with `v6`, `v6_entries`)
/// section `b`, checking that it is a range.
pub fn ip_entry_at(b: &[u8], v6: bool, index: u32) -> Result<IpEntryRecord> {
    let (name, len) = if v6 {
        ("v6_entries", V6_ENTRY_LEN)
    } else {
        ("v4_entries", V4_ENTRY_LEN)
    };
    let at = (index as usize)
        .checked_mul(len)
        .ok_or_else(|| out_of_bounds(name, usize::MAX))?;
    let list = u16_at(b, at, name)?;
    let flags = *b.get(at + 2).ok_or_else(|| out_of_bounds(name, at))?;
    let reason = u32_at(b, at + 4, name)?;
    let (start, end) = if v6 {
        (u128_at(b, at + 8, name)?, u128_at(b, at + 24, name)?)
    } else {
        (
            u32_at(b, at + 8, name)? as u128,
            u32_at(b, at + 12, name)? as u128,
        )
    };
    if start > end {
        return Err(Error::corrupt(
            name,
            format!("entry {index} is not a range"),
        ));
    }
    Ok(IpEntryRecord {
        list,
        flags,
        reason,
        range: crate::entry::IpRange { v6, start, end },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_hit_values_fit_or_fall_back() {
        let v = single_hit(255, SINGLE_ENTRY_MASK - 1).unwrap();
        assert_eq!(v & SINGLE_HIT, SINGLE_HIT);
        assert_eq!((v & !SINGLE_HIT) >> SINGLE_LIST_SHIFT, 255);
        assert_eq!(v & SINGLE_ENTRY_MASK, SINGLE_ENTRY_MASK - 1);
        // The value that would spell "no hits" is never produced.
        assert_eq!(single_hit(255, SINGLE_ENTRY_MASK), None);
        assert_eq!(single_hit(0, SINGLE_ENTRY_MASK + 1), None);
        assert_eq!(single_hit(256, 0), None);
    }
}
