//! Overflow sections: the records of a name table that did not fit either of
//! their lines (or are larger than a line), found by their first line.
//!
//! `u32` count, then `count` pairs of `u32` (first line, offset of the record
//! in this section), sorted by line then offset, then the records back to
//! back in the table's record encoding. The first line of each such record
//! has the overflow flag set, so a lookup reads this section only when the
//! flag is set on the line it already read.

use crate::artifact::section::SectionId;
use crate::artifact::wire::{u32_at, Put};
use crate::error::Result;

/// Writes an overflow section from `(first line, encoded record)` pairs, in
/// the order given (sorted by line by the caller, stable).
pub(crate) fn write(records: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u32(records.len() as u32);
    let mut at = 4 + records.len() * 8;
    for (line, rec) in records {
        out.put_u32(*line);
        out.put_u32(u32::try_from(at).expect("overflow section under 4 GiB"));
        at += rec.len();
    }
    for (_, rec) in records {
        out.extend_from_slice(rec);
    }
    out
}

/// A stored overflow section.
#[derive(Clone, Copy)]
pub(crate) struct Overflow<'a> {
    bytes: &'a [u8],
    count: usize,
    section: SectionId,
}

impl<'a> Overflow<'a> {
    /// The section's view; checks that its index fits.
    pub(crate) fn new(bytes: &'a [u8], section: SectionId) -> Result<Self> {
        let count = u32_at(bytes, 0, section)? as usize;
        if count
            .checked_mul(8)
            .and_then(|n| n.checked_add(4))
            .is_none_or(|n| n > bytes.len())
        {
            return Err(section.corrupt(format!("{count} records do not fit")));
        }
        Ok(Overflow {
            bytes,
            count,
            section,
        })
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    fn line_of(&self, i: usize) -> Result<u32> {
        u32_at(self.bytes, 4 + i * 8, self.section)
    }

    /// Record `i`: its first line and its bytes (up to the next record).
    pub(crate) fn get(&self, i: usize) -> Result<(u32, &'a [u8])> {
        let line = self.line_of(i)?;
        let start = u32_at(self.bytes, 8 + i * 8, self.section)? as usize;
        let end = if i + 1 < self.count {
            u32_at(self.bytes, 8 + (i + 1) * 8, self.section)? as usize
        } else {
            self.bytes.len()
        };
        let rec = self
            .bytes
            .get(start..end)
            .filter(|_| start >= 4 + self.count * 8)
            .ok_or_else(|| self.section.corrupt(format!("record {i} is misplaced")))?;
        Ok((line, rec))
    }

    /// Calls `f` with each record whose first line is `line`, until it returns
    /// `Some`.
    pub(crate) fn find<T>(
        &self,
        line: u32,
        mut f: impl FnMut(&'a [u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.line_of(mid)? < line {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < self.count {
            let (l, rec) = self.get(lo)?;
            if l != line {
                break;
            }
            if let Some(t) = f(rec)? {
                return Ok(Some(t));
            }
            lo += 1;
        }
        Ok(None)
    }
}

impl<'a> Overflow<'a> {
    /// The view of a section whose index was checked when the artifact was
    /// opened ([`Overflow::new`] gave `count`).
    #[inline]
    pub(crate) fn trusted(bytes: &'a [u8], count: usize, section: SectionId) -> Self {
        Overflow {
            bytes,
            count,
            section,
        }
    }
}
