//! The address table: every listed address, in a line table whose lines are
//! chosen by the local part's hash **and** the address's domain number.
//!
//! The domain table gives each domain that listed addresses are at a number
//! `d` (its rank by name). An address `local@domain` may live in line
//! `(h_c(local) + d) mod n`, `c` = 0 or 1, where `h_0`, `h_1` are the halves of
//! the xxh3 hash of the local part reduced to the `n` lines. A record stores
//! the local part's code ([`super::code`]) and which of its two lines it is
//! in; the domain is implied by the line: `d mod n = line - h_c(local)`, and
//! the rest, `d / n` (almost always 0), is stored only when not zero. So no
//! domain name or number is stored per address, and a lookup reads the one
//! pair of lines once the domain's record has given `d`.
//!
//! In-line record: `u8` header (bit 7: line choice, bit 6: extended, bits 0–5:
//! code length, 1 to 63), the code, then when extended a byte of sizes (bits
//! 0–1: the block number's bytes less one, bits 2–3: those of `d / n`) and
//! the two numbers, little-endian; a record that is not extended has the
//! table's default block and `d / n` = 0. Overflow record (first line, choice
//! 0): `u8` code length, the byte of sizes and the two numbers, the code.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::lines::{self, COUNT_MASK, LINE, OVERFLOW};
use super::overflow::Overflow;
use crate::artifact::section::SectionId;
use crate::artifact::wire::{put_uint, uint_at, uint_len, Put};
use crate::error::Result;

const CHOICE: u8 = 0x80;
const EXTENDED: u8 = 0x40;
/// Longest code a record in a line can hold.
pub(crate) const MAX_INLINE_CODE: usize = 0x3f;

/// One address record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AddressRecord<'a> {
    /// Which of its two lines the record is in.
    pub choice: u8,
    /// The local part's code.
    pub code: &'a [u8],
    /// Its posting block.
    pub block: u32,
    /// `d / n`.
    pub high: u32,
}

impl<'a> AddressRecord<'a> {
    /// Appends the byte of sizes and the two numbers.
    fn write_numbers(&self, out: &mut Vec<u8>) {
        let (b, h) = (uint_len(self.block), uint_len(self.high));
        out.put_u8((b - 1) as u8 | ((h - 1) as u8) << 2);
        put_uint(out, self.block, b);
        put_uint(out, self.high, h);
    }

    /// Reads the byte of sizes and the two numbers at the start of `b`.
    #[inline]
    fn read_numbers(b: &[u8]) -> Option<(u32, u32, usize)> {
        let (&sizes, rest) = b.split_first()?;
        if sizes & 0xf0 != 0 {
            return None;
        }
        let (nb, nh) = (1 + (sizes & 3) as usize, 1 + (sizes >> 2 & 3) as usize);
        let block = uint_at(rest, nb)?;
        let high = uint_at(rest.get(nb..)?, nh)?;
        Some((block, high, 1 + nb + nh))
    }

    /// Appends the in-line encoding (the code is at most 63 bytes).
    pub(crate) fn write_inline(&self, default_block: u32, out: &mut Vec<u8>) {
        let ext = self.block != default_block || self.high != 0;
        out.put_u8(
            if self.choice == 1 { CHOICE } else { 0 }
                | if ext { EXTENDED } else { 0 }
                | self.code.len() as u8,
        );
        out.extend_from_slice(self.code);
        if ext {
            self.write_numbers(out);
        }
    }

    /// Bytes of the in-line encoding.
    pub(crate) fn inline_len(code: usize, block: u32, high: u32, default_block: u32) -> usize {
        let ext = block != default_block || high != 0;
        1 + code
            + if ext {
                1 + uint_len(block) + uint_len(high)
            } else {
                0
            }
    }

    /// Decodes the in-line record at the start of `b`; returns it and its length.
    #[inline]
    pub(crate) fn read_inline(b: &'a [u8], default_block: u32) -> Option<(Self, usize)> {
        let (&hdr, rest) = b.split_first()?;
        let len = (hdr & MAX_INLINE_CODE as u8) as usize;
        if len == 0 {
            return None;
        }
        let code = rest.get(..len)?;
        let mut at = 1 + len;
        let (block, high) = if hdr & EXTENDED != 0 {
            let (block, high, n) = Self::read_numbers(b.get(at..)?)?;
            at += n;
            (block, high)
        } else {
            (default_block, 0)
        };
        let choice = u8::from(hdr & CHOICE != 0);
        Some((
            AddressRecord {
                choice,
                code,
                block,
                high,
            },
            at,
        ))
    }

    /// Appends the overflow encoding (choice 0, any code length).
    pub(crate) fn write_overflow(&self, out: &mut Vec<u8>) {
        out.put_u8(u8::try_from(self.code.len()).expect("codes are under 256 bytes"));
        self.write_numbers(out);
        out.extend_from_slice(self.code);
    }

    /// Decodes a whole overflow record.
    pub(crate) fn read_overflow(b: &'a [u8]) -> Option<Self> {
        let (&len, rest) = b.split_first()?;
        let (block, high, n) = Self::read_numbers(rest)?;
        let code = rest.get(n..)?;
        (len > 0 && code.len() == len as usize).then_some(AddressRecord {
            choice: 0,
            code,
            block,
            high,
        })
    }
}

/// The stored address table.
#[derive(Clone, Copy)]
pub(crate) struct AddressTable<'a> {
    pub(crate) lines: &'a [u8],
    pub(crate) overflow: Overflow<'a>,
    pub(crate) count: u32,
    pub(crate) seed: u64,
    pub(crate) default_block: u32,
}

impl<'a> AddressTable<'a> {
    /// The hash of a local part.
    #[inline]
    pub(crate) fn hash(seed: u64, local: &[u8]) -> u64 {
        xxh3_64_with_seed(local, seed)
    }

    /// The two lines of an address with local-part hash `hash` at domain `d`,
    /// in a table of `count` lines.
    #[inline]
    pub(crate) fn lines_of(hash: u64, d: u32, count: u32) -> [u32; 2] {
        let [a, b] = lines::home_lines(hash, count);
        let low = d % count;
        let wrap = |x: u32| {
            let s = u64::from(x) + u64::from(low);
            (if s >= u64::from(count) {
                s - u64::from(count)
            } else {
                s
            }) as u32
        };
        [wrap(a), wrap(b)]
    }

    /// The domain number of a record in `line` (its first line for an overflow
    /// record) whose local part has hash `hash`.
    pub(crate) fn domain_of(&self, rec: &AddressRecord<'_>, hash: u64, line: u32) -> u64 {
        let home = lines::home_lines(hash, self.count)[rec.choice as usize];
        let low =
            (u64::from(line) + u64::from(self.count) - u64::from(home)) % u64::from(self.count);
        u64::from(rec.high) * u64::from(self.count) + low
    }

    /// The posting block of the address whose local part has code `code` and
    /// hash `hash`, at domain `d`.
    #[inline]
    pub(crate) fn find(&self, code: &[u8], hash: u64, d: u32) -> Result<Option<u32>> {
        if self.count == 0 {
            return Ok(None);
        }
        let homes = Self::lines_of(hash, d, self.count);
        let high = d / self.count;
        let mut overflowed = false;
        for c in 0..2u8 {
            let l = homes[c as usize];
            let line = lines::line(self.lines, l)
                .ok_or_else(|| SectionId::AddressLines.corrupt(format!("line {l} is missing")))?;
            if c == 0 {
                overflowed = line[0] & OVERFLOW != 0;
            }
            // When both lines are one, records of either choice are in it.
            let any_choice = homes[0] == homes[1];
            if let Some(b) = self.scan(line, code, c, any_choice, high)? {
                return Ok(Some(b));
            }
            if any_choice {
                break;
            }
        }
        if !overflowed || code.is_empty() {
            return Ok(None);
        }
        self.overflow.find(homes[0], |rec| {
            let r = AddressRecord::read_overflow(rec)
                .ok_or_else(|| SectionId::AddressOverflow.corrupt("bad record"))?;
            Ok((r.code == code && r.high == high).then_some(r.block))
        })
    }

    #[inline]
    fn scan(
        &self,
        line: &[u8],
        code: &[u8],
        choice: u8,
        any: bool,
        high: u32,
    ) -> Result<Option<u32>> {
        let count = line[0] & COUNT_MASK;
        let mut at = 1usize;
        let want = if choice == 1 { CHOICE } else { 0 };
        for _ in 0..count {
            let rest = line.get(at..).unwrap_or(&[]);
            let Some(&hdr) = rest.first() else {
                return Err(SectionId::AddressLines.corrupt("record runs past its line"));
            };
            let len = (hdr & MAX_INLINE_CODE as u8) as usize;
            if hdr & EXTENDED == 0 {
                if len == code.len()
                    && high == 0
                    && (any || hdr & CHOICE == want)
                    && rest.get(1..1 + len) == Some(code)
                {
                    return Ok(Some(self.default_block));
                }
                at += 1 + len;
                continue;
            }
            let (r, n) = AddressRecord::read_inline(rest, self.default_block)
                .ok_or_else(|| SectionId::AddressLines.corrupt("bad record"))?;
            if r.code == code && r.high == high && (any || r.choice == choice) {
                return Ok(Some(r.block));
            }
            at += n;
        }
        Ok(None)
    }

    /// Every record with its line (first line for overflow records) and
    /// whether it is an overflow record, for dump and verify.
    pub(crate) fn for_each(
        &self,
        mut f: impl FnMut(AddressRecord<'a>, u32, bool) -> Result<()>,
    ) -> Result<()> {
        for (l, line) in self.lines.chunks_exact(LINE).enumerate() {
            let count = line[0] & COUNT_MASK;
            let mut at = 1usize;
            for _ in 0..count {
                let (r, n) = AddressRecord::read_inline(&line[at..], self.default_block)
                    .ok_or_else(|| {
                        SectionId::AddressLines.corrupt(format!("bad record in line {l}"))
                    })?;
                f(r, l as u32, false)?;
                at += n;
            }
            if line[at..].iter().any(|&b| b != 0) {
                return Err(SectionId::AddressLines.corrupt(format!("line {l} has stray bytes")));
            }
        }
        for i in 0..self.overflow.len() {
            let (l, rec) = self.overflow.get(i)?;
            let r = AddressRecord::read_overflow(rec)
                .ok_or_else(|| SectionId::AddressOverflow.corrupt(format!("bad record {i}")))?;
            f(r, l, true)?;
        }
        Ok(())
    }
}
