//! IP tables: one per address family, answering "which lists cover this
//! address, and by which entry" with one index read and one short search.
//!
//! Every IP entry becomes CIDR **records** (a range that is not one CIDR block
//! becomes the blocks that tile it, each marked as a piece of it). CIDR
//! blocks nest or are disjoint, never overlap otherwise, so sorted by start
//! (wider first) each record has a **parent**: the nearest earlier record that
//! contains it. The records covering an address are then the last record
//! starting at or before it and that record's ancestors, narrowest first: a
//! lookup finds that record through a direct index on the address's top bits
//! and walks up the (short) parent chain. For each list the narrowest covering
//! entry decides (for a piece, the width of its whole range), an exclusion
//! winning at equal width; the same resolution as before the table, and the
//! table holds each entry once, as `dump` needs it.
//!
//! Sections of a family (IPv4 shown; IPv6 the same with 16-byte addresses):
//!
//! * `v4_index`: `2^k + 1` `u32`; entry `h` is the number of records whose
//!   start has top `k` bits below `h` (so the last entry is the record count);
//!   `k` (0 to [`MAX_INDEX_BITS`]) is read from the section's size.
//! * `v4_records`: 12 bytes each (IPv6: 24), sorted by start, then end
//!   descending, then list: start, the parent's number plus one (0: none),
//!   prefix length, list index, flags (bit 0 exclusion, bit 1 has a reason,
//!   bit 2 piece of a range) and a reserved byte.
//! * `v4_reasons`: `(u32 record, u32 reason)` for the records with a reason,
//!   sorted by record.
//! * `v4_ranges`: `(u32 record, start, end)` for the pieces of ranges, sorted
//!   by record (12 bytes; IPv6: 36).

#[cfg(feature = "build")]
pub(crate) mod build;

use std::cmp::Ordering;

use crate::artifact::section::SectionId;
use crate::artifact::strings::NO_STR;
use crate::artifact::wire::u32_at;
use crate::entry::IpRange;
use crate::error::Result;
use crate::lookup::Selection;

/// Most bits of an address the direct index uses.
pub(crate) const MAX_INDEX_BITS: u32 = 20;
/// Record flag: the entry is an exclusion.
pub(crate) const EXCLUDE: u8 = 1;
/// Record flag: the entry has a reason of its own (in `reasons`).
pub(crate) const REASON: u8 = 2;
/// Record flag: the record is one block of a range entry (in `ranges`).
pub(crate) const PIECE: u8 = 4;

/// An address family and the sections of its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Family {
    /// Whether this is IPv6.
    pub v6: bool,
}

impl Family {
    pub(crate) const V4: Family = Family { v6: false };
    pub(crate) const V6: Family = Family { v6: true };

    /// Bits of an address.
    #[inline]
    pub(crate) fn bits(self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// Bytes of an address.
    #[inline]
    pub(crate) fn addr_len(self) -> usize {
        if self.v6 {
            16
        } else {
            4
        }
    }

    /// Bytes of a record.
    #[inline]
    pub(crate) fn record_len(self) -> usize {
        self.addr_len() + 8
    }

    /// Bytes of a `ranges` row.
    #[inline]
    pub(crate) fn range_row_len(self) -> usize {
        4 + 2 * self.addr_len()
    }

    /// The family's sections: index, records, reasons, ranges.
    pub(crate) fn sections(self) -> [SectionId; 4] {
        if self.v6 {
            [
                SectionId::V6Index,
                SectionId::V6Records,
                SectionId::V6Reasons,
                SectionId::V6Ranges,
            ]
        } else {
            [
                SectionId::V4Index,
                SectionId::V4Records,
                SectionId::V4Reasons,
                SectionId::V4Ranges,
            ]
        }
    }

    /// Reads an address of this family at the start of `b` (which is long
    /// enough).
    #[inline]
    fn addr(self, b: &[u8]) -> u128 {
        if self.v6 {
            u128::from_le_bytes(b[..16].try_into().expect("16 bytes"))
        } else {
            u128::from(u32::from_le_bytes(b[..4].try_into().expect("4 bytes")))
        }
    }

    /// The last address of the block at `start` with prefix length `plen`.
    #[inline]
    pub(crate) fn block_end(self, start: u128, plen: u8) -> u128 {
        let host = self.bits() - u32::from(plen);
        let mask = if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        };
        start | mask
    }
}

/// One record as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub start: u128,
    /// The parent's number plus one; 0: none.
    pub parent: u32,
    pub plen: u8,
    pub list: u8,
    pub flags: u8,
}

/// The number of index bits of a stored index of `len` bytes, if valid.
pub(crate) fn index_bits(len: usize) -> Option<u32> {
    let slots = (len / 4).checked_sub(1)?;
    (len % 4 == 0 && slots.is_power_of_two() && slots <= 1 << MAX_INDEX_BITS)
        .then(|| slots.trailing_zeros())
}

/// A family's stored table.
#[derive(Clone, Copy)]
pub(crate) struct IpTable<'a> {
    pub(crate) fam: Family,
    pub(crate) index: &'a [u8],
    pub(crate) records: &'a [u8],
    pub(crate) reasons: &'a [u8],
    pub(crate) ranges: &'a [u8],
    /// Index bits (checked when the artifact was opened).
    pub(crate) k: u32,
}

/// How an entry ranks for its list at an address: narrower first, then an
/// exclusion, then the lower start.
type Rank = (u128, bool, u128);

/// The deciding record of one list, while walking a chain.
#[derive(Clone, Copy)]
struct Best {
    list: u8,
    rank: Rank,
    record: u32,
    exclude: bool,
}

/// Lists a walk keeps on the stack; more (a chain through many lists) go to
/// the heap.
const INLINE_BEST: usize = 16;

impl<'a> IpTable<'a> {
    fn sid(&self, i: usize) -> SectionId {
        self.fam.sections()[i]
    }

    /// Number of records.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.records.len() / self.fam.record_len()
    }

    #[inline]
    fn start(&self, i: usize) -> u128 {
        let at = i * self.fam.record_len();
        self.fam.addr(&self.records[at..])
    }

    /// Record `i` (which exists).
    #[inline]
    pub(crate) fn record(&self, i: usize) -> Result<Record> {
        let at = i * self.fam.record_len();
        let b = self
            .records
            .get(at..at + self.fam.record_len())
            .ok_or_else(|| self.sid(1).corrupt(format!("no record {i}")))?;
        let tail = &b[self.fam.addr_len()..];
        let r = Record {
            start: self.fam.addr(b),
            parent: u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]),
            plen: tail[4],
            list: tail[5],
            flags: tail[6],
        };
        if u32::from(r.plen) > self.fam.bits()
            || r.flags & !(EXCLUDE | REASON | PIECE) != 0
            || tail[7] != 0
        {
            return Err(self.sid(1).corrupt(format!("record {i} is malformed")));
        }
        Ok(r)
    }

    /// The parent of record `i`, if any.
    #[inline]
    pub(crate) fn parent(&self, i: usize, r: &Record) -> Result<Option<usize>> {
        let Some(p) = (r.parent as usize).checked_sub(1) else {
            return Ok(None);
        };
        if p >= i {
            return Err(self.sid(1).corrupt(format!("record {i} has a bad parent")));
        }
        Ok(Some(p))
    }

    /// The row of a side table (rows of `row_len` bytes starting with a `u32`
    /// record number, sorted) for record `i`, from byte `skip` of the row.
    fn lookup_row(&self, which: usize, row_len: usize, i: u32, skip: usize) -> Result<&'a [u8]> {
        let table = if which == 2 {
            self.reasons
        } else {
            self.ranges
        };
        let rows = table.len() / row_len;
        let (mut lo, mut hi) = (0usize, rows);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let r = u32::from_le_bytes(
                table[mid * row_len..mid * row_len + 4]
                    .try_into()
                    .expect("4"),
            );
            match r.cmp(&i) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(&table[mid * row_len + skip..(mid + 1) * row_len]),
            }
        }
        Err(self.sid(which).corrupt(format!("no row for record {i}")))
    }

    /// The reason of record `i` (a string reference, or [`NO_STR`]).
    pub(crate) fn reason(&self, i: usize, r: &Record) -> Result<u32> {
        if r.flags & REASON == 0 {
            return Ok(NO_STR);
        }
        let row = self.lookup_row(2, 8, i as u32, 4)?;
        u32_at(row, 0, self.sid(2))
    }

    /// The entry record `i` belongs to: its own block, or the whole range of a
    /// piece.
    pub(crate) fn entry_range(&self, i: usize, r: &Record) -> Result<IpRange> {
        let v6 = self.fam.v6;
        if r.flags & PIECE == 0 {
            return Ok(IpRange {
                v6,
                start: r.start,
                end: self.fam.block_end(r.start, r.plen),
            });
        }
        let a = self.fam.addr_len();
        let row = self.lookup_row(3, self.fam.range_row_len(), i as u32, 4)?;
        let (start, end) = (self.fam.addr(row), self.fam.addr(&row[a..]));
        if start > end {
            return Err(self.sid(3).corrupt(format!("record {i} has a bad range")));
        }
        Ok(IpRange { v6, start, end })
    }

    fn rank(&self, i: usize, r: &Record) -> Result<Rank> {
        let range = self.entry_range(i, r)?;
        Ok((range.end - range.start, r.flags & EXCLUDE == 0, range.start))
    }

    /// The walk of [`IpTable::find`] when every record is a whole entry.
    #[inline]
    fn walk_blocks(
        &self,
        addr: u128,
        mut cur: usize,
        sel: &Selection,
        emit: &mut dyn FnMut(u16, u32),
    ) -> Result<()> {
        let mut decided = Selection::none();
        loop {
            let r = self.record(cur)?;
            let li = r.list as usize;
            if addr <= self.fam.block_end(r.start, r.plen)
                && sel.contains(li)
                && !decided.contains(li)
            {
                decided.insert(li);
                if r.flags & EXCLUDE == 0 {
                    emit(u16::from(r.list), cur as u32);
                }
            }
            match self.parent(cur, &r)? {
                Some(p) => cur = p,
                None => return Ok(()),
            }
        }
    }

    /// Calls `emit(list, record)` for each selected list that lists `addr`
    /// (in no particular order).
    #[inline]
    pub(crate) fn find(
        &self,
        addr: u128,
        sel: &Selection,
        emit: &mut dyn FnMut(u16, u32),
    ) -> Result<()> {
        let n = self.len();
        if n == 0 {
            return Ok(());
        }
        let h = if self.k == 0 {
            0
        } else {
            (addr >> (self.fam.bits() - self.k)) as usize
        };
        let lo = u32_at(self.index, h * 4, self.sid(0))? as usize;
        let hi = u32_at(self.index, (h + 1) * 4, self.sid(0))? as usize;
        if lo > hi || hi > n {
            return Err(self
                .sid(0)
                .corrupt(format!("slot {h} points outside the table")));
        }
        // The first record of the slot starting after `addr`; the one before
        // it is the last starting at or before `addr` (earlier slots start
        // below this one).
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let mid = (a + b) / 2;
            if self.start(mid) <= addr {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        let Some(mut cur) = a.checked_sub(1) else {
            return Ok(());
        };
        if self.ranges.is_empty() {
            // No pieces of ranges: the chain runs from the narrowest record
            // up, so the first covering record of each list decides it.
            return self.walk_blocks(addr, cur, sel, emit);
        }
        let mut inline = [Best {
            list: 0,
            rank: (0, false, 0),
            record: 0,
            exclude: false,
        }; INLINE_BEST];
        let mut count = 0usize;
        let mut spill: Vec<Best> = Vec::new();
        loop {
            let r = self.record(cur)?;
            let end = self.fam.block_end(r.start, r.plen);
            if addr <= end && sel.contains(r.list as usize) {
                let rank = if r.flags & PIECE == 0 {
                    (end - r.start, r.flags & EXCLUDE == 0, r.start)
                } else {
                    self.rank(cur, &r)?
                };
                let cand = Best {
                    list: r.list,
                    rank,
                    record: cur as u32,
                    exclude: r.flags & EXCLUDE != 0,
                };
                let held: &mut [Best] = if spill.is_empty() {
                    &mut inline[..count]
                } else {
                    &mut spill
                };
                if let Some(b) = held.iter_mut().find(|b| b.list == r.list) {
                    if cand.rank < b.rank {
                        *b = cand;
                    }
                } else if spill.is_empty() && count < INLINE_BEST {
                    inline[count] = cand;
                    count += 1;
                } else {
                    if spill.is_empty() {
                        spill.extend_from_slice(&inline[..count]);
                    }
                    spill.push(cand);
                }
            }
            match self.parent(cur, &r)? {
                Some(p) => cur = p,
                None => break,
            }
        }
        let held = if spill.is_empty() {
            &mut inline[..count]
        } else {
            &mut spill[..]
        };
        held.sort_unstable_by_key(|b| b.list);
        for b in held.iter().filter(|b| !b.exclude) {
            emit(u16::from(b.list), b.record);
        }
        Ok(())
    }
}
