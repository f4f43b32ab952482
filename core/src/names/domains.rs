//! The domain table: every domain that has entries (as a domain, `*.`, `=`,
//! TLD or exclusion) or that listed addresses are at, in a line table keyed by
//! the xxh3 hash of the name (see [`super::lines`]).
//!
//! A record: `u8` name length, `u8` flags (bit 0: a posting block number
//! follows, bits 1–2 its byte count less one; bit 3: an address-domain
//! number follows, bits 4–5 its byte count less one), the name, then the
//! numbers the flags announce, little-endian. The two header bytes give the
//! record's length, so a scan skips records without decoding them. A lookup
//! of `a.b.example.com` probes `a.b.example.com`, `b.example.com`,
//! `example.com` and `com` at once: one line pair each.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::lines::{self, COUNT_MASK, LINE, OVERFLOW};
use super::overflow::Overflow;
use crate::artifact::section::SectionId;
use crate::artifact::wire::{put_uint, uint_at, uint_len, Put};
use crate::error::Result;

const HAS_BLOCK: u8 = 0x01;
const HAS_ID: u8 = 0x08;
const UNUSED: u8 = 0xc0;

/// Bytes of the numbers that follow the name, by flags byte.
const NUMBERS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut f = 0;
    while f < 256 {
        let flags = f as u8;
        let block = if flags & HAS_BLOCK != 0 {
            1 + (flags >> 1 & 3)
        } else {
            0
        };
        let id = if flags & HAS_ID != 0 {
            1 + (flags >> 4 & 3)
        } else {
            0
        };
        t[f] = block + id;
        f += 1;
    }
    t
};

/// One domain record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DomainRecord<'a> {
    /// The normalized domain.
    pub name: &'a [u8],
    /// Its posting block, if it has entries.
    pub block: Option<u32>,
    /// Its address-domain number, if listed addresses are at it.
    pub id: Option<u32>,
}

impl<'a> DomainRecord<'a> {
    /// Appends the record's encoding.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u8(u8::try_from(self.name.len()).expect("domains are at most 253 bytes"));
        let mut flags = 0u8;
        if let Some(b) = self.block {
            flags |= HAS_BLOCK | ((uint_len(b) - 1) as u8) << 1;
        }
        if let Some(d) = self.id {
            flags |= HAS_ID | ((uint_len(d) - 1) as u8) << 4;
        }
        out.put_u8(flags);
        out.extend_from_slice(self.name);
        if let Some(b) = self.block {
            put_uint(out, b, uint_len(b));
        }
        if let Some(d) = self.id {
            put_uint(out, d, uint_len(d));
        }
    }

    /// The length of the record whose two header bytes are `len` and `flags`.
    #[inline]
    fn size(len: u8, flags: u8) -> usize {
        2 + len as usize + NUMBERS[flags as usize] as usize
    }

    /// Decodes the record at the start of `b`; returns it and its length.
    #[inline]
    pub(crate) fn read(b: &'a [u8]) -> Option<(Self, usize)> {
        let (&len, rest) = b.split_first()?;
        let (&flags, rest) = rest.split_first()?;
        if len == 0 || flags & UNUSED != 0 || flags & (HAS_BLOCK | HAS_ID) == 0 {
            return None;
        }
        let name = rest.get(..len as usize)?;
        let mut at = 2 + len as usize;
        let mut field = |present: bool, bytes: u8| -> Option<Option<u32>> {
            if !present {
                return Some(None);
            }
            let n = 1 + (bytes & 3) as usize;
            let v = uint_at(b.get(at..)?, n)?;
            at += n;
            Some(Some(v))
        };
        let block = field(flags & HAS_BLOCK != 0, flags >> 1)?;
        let id = field(flags & HAS_ID != 0, flags >> 4)?;
        Some((DomainRecord { name, block, id }, at))
    }
}

/// The stored domain table.
#[derive(Clone, Copy)]
pub(crate) struct DomainTable<'a> {
    pub(crate) lines: &'a [u8],
    pub(crate) overflow: Overflow<'a>,
    pub(crate) count: u32,
    pub(crate) seed: u64,
}

impl<'a> DomainTable<'a> {
    /// The hash a name is placed by.
    #[inline]
    pub(crate) fn hash(seed: u64, name: &[u8]) -> u64 {
        xxh3_64_with_seed(name, seed)
    }

    /// The two lines of a hash.
    #[inline]
    pub(crate) fn homes(&self, hash: u64) -> [u32; 2] {
        lines::home_lines(hash, self.count)
    }

    /// Reads the header bytes of both lines of `homes` (the lookup's first
    /// memory access; the scan follows).
    #[inline]
    pub(crate) fn touch(&self, homes: [u32; 2]) -> u8 {
        let at = |l: u32| self.lines.get(l as usize * LINE).copied().unwrap_or(0);
        at(homes[0]) ^ at(homes[1])
    }

    /// The record of `name`, whose hash gave `homes`.
    #[inline]
    pub(crate) fn find(&self, name: &[u8], homes: [u32; 2]) -> Result<Option<DomainRecord<'a>>> {
        let mut overflowed = false;
        for (c, &l) in homes.iter().enumerate() {
            if c == 1 && homes[1] == homes[0] {
                break;
            }
            let line = lines::line(self.lines, l)
                .ok_or_else(|| SectionId::DomainLines.corrupt(format!("line {l} is missing")))?;
            if c == 0 {
                overflowed = line[0] & OVERFLOW != 0;
            }
            if let Some(r) = scan(line, name)? {
                return Ok(Some(r));
            }
        }
        if !overflowed {
            return Ok(None);
        }
        self.overflow.find(homes[0], |rec| {
            let (r, _) = DomainRecord::read(rec)
                .ok_or_else(|| SectionId::DomainOverflow.corrupt("bad record"))?;
            Ok((r.name == name).then_some(r))
        })
    }

    /// Every record (lines in order, then the overflow), for dump and verify,
    /// with the line it is in (its first line for overflow records) and
    /// whether it is an overflow record.
    pub(crate) fn for_each(
        &self,
        mut f: impl FnMut(DomainRecord<'a>, u32, bool) -> Result<()>,
    ) -> Result<()> {
        for (l, line) in self.lines.chunks_exact(LINE).enumerate() {
            let count = line[0] & COUNT_MASK;
            let mut at = 1usize;
            for _ in 0..count {
                let (r, n) = DomainRecord::read(&line[at..]).ok_or_else(|| {
                    SectionId::DomainLines.corrupt(format!("bad record in line {l}"))
                })?;
                f(r, l as u32, false)?;
                at += n;
            }
            if line[at..].iter().any(|&b| b != 0) {
                return Err(SectionId::DomainLines.corrupt(format!("line {l} has stray bytes")));
            }
        }
        for i in 0..self.overflow.len() {
            let (l, rec) = self.overflow.get(i)?;
            let (r, n) = DomainRecord::read(rec)
                .filter(|(_, n)| *n == rec.len())
                .ok_or_else(|| SectionId::DomainOverflow.corrupt(format!("bad record {i}")))?;
            debug_assert_eq!(n, rec.len());
            f(r, l, true)?;
        }
        Ok(())
    }
}

/// Finds `name` among the records of one line.
#[inline]
fn scan<'a>(line: &'a [u8], name: &[u8]) -> Result<Option<DomainRecord<'a>>> {
    let Ok(line) = <&[u8; LINE]>::try_from(line) else {
        return Err(SectionId::DomainLines.corrupt("short line"));
    };
    let count = line[0] & COUNT_MASK;
    let n = name.len();
    let mut at = 1usize;
    for _ in 0..count {
        if at + 2 + n <= LINE && line[at] as usize == n && line[at + 2..at + 2 + n] == *name {
            return match DomainRecord::read(&line[at..]) {
                Some((r, _)) => Ok(Some(r)),
                None => Err(SectionId::DomainLines.corrupt("bad record")),
            };
        }
        if at + 2 > LINE {
            return Err(SectionId::DomainLines.corrupt("record runs past its line"));
        }
        at += DomainRecord::size(line[at], line[at + 1]);
    }
    Ok(None)
}
