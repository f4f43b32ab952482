//! Writing a family's IP table: entries become CIDR records (a range that is
//! not one block becomes its blocks), sorted, each linked to its parent, then
//! indexed by their top bits.

use super::{Family, EXCLUDE, MAX_INDEX_BITS, PIECE, REASON};
use crate::artifact::strings::NO_STR;
use crate::artifact::wire::Put;
use crate::entry::IpRange;

/// One folded IP entry of a list (no two with the same list and range).
#[derive(Clone, Copy, Debug)]
pub(crate) struct IpEntry {
    pub list: u16,
    pub range: IpRange,
    pub exclude: bool,
    /// String reference or [`NO_STR`].
    pub reason: u32,
}

/// The four sections of a family.
#[derive(Default)]
pub(crate) struct FamilySections {
    pub index: Vec<u8>,
    pub records: Vec<u8>,
    pub reasons: Vec<u8>,
    pub ranges: Vec<u8>,
}

struct Rec {
    start: u128,
    end: u128,
    plen: u8,
    list: u8,
    exclude: bool,
    reason: u32,
    /// The whole range of a piece.
    whole: Option<(u128, u128)>,
}

impl Rec {
    fn rank(&self) -> (u128, bool, u128) {
        let (s, e) = self.whole.unwrap_or((self.start, self.end));
        (e - s, !self.exclude, s)
    }
}

/// The CIDR blocks tiling `[start, end]` in a family of `bits` bits, as
/// `(start, prefix length)`.
pub(crate) fn cidr_blocks(mut start: u128, end: u128, bits: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    loop {
        // The largest block aligned at `start` that ends at or before `end`.
        let align = if start == 0 {
            bits
        } else {
            start.trailing_zeros().min(bits)
        };
        let mut host = align;
        while host > 0 {
            let last = if host >= 128 {
                u128::MAX
            } else {
                start | ((1u128 << host) - 1)
            };
            if last <= end {
                break;
            }
            host -= 1;
        }
        out.push((start, (bits - host) as u8));
        let last = if host >= 128 {
            u128::MAX
        } else {
            start | ((1u128 << host) - 1)
        };
        if last >= end {
            return out;
        }
        start = last + 1;
    }
}

/// Index bits for `n` records: about two records per slot.
fn index_bits_for(n: usize) -> u32 {
    (usize::BITS - (n / 2).leading_zeros()).min(MAX_INDEX_BITS)
}

/// Writes the table of one family from its folded entries.
pub(crate) fn write(entries: &[IpEntry], fam: Family) -> FamilySections {
    let bits = fam.bits();
    let mut recs: Vec<Rec> = Vec::with_capacity(entries.len());
    for e in entries {
        let list = u8::try_from(e.list).expect("at most 256 lists");
        match e.range.prefix_len() {
            Some(plen) => recs.push(Rec {
                start: e.range.start,
                end: e.range.end,
                plen: plen as u8,
                list,
                exclude: e.exclude,
                reason: e.reason,
                whole: None,
            }),
            None => {
                for (start, plen) in cidr_blocks(e.range.start, e.range.end, bits) {
                    recs.push(Rec {
                        start,
                        end: fam.block_end(start, plen),
                        plen,
                        list,
                        exclude: e.exclude,
                        reason: e.reason,
                        whole: Some((e.range.start, e.range.end)),
                    });
                }
            }
        }
    }
    recs.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.list.cmp(&b.list))
            .then(a.rank().cmp(&b.rank()))
    });
    let mut out = FamilySections::default();
    if recs.is_empty() {
        return out;
    }
    let mut stack: Vec<usize> = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        while let Some(&top) = stack.last() {
            if recs[top].end >= r.end {
                break;
            }
            stack.pop();
        }
        let parent = stack.last().map_or(0, |&p| p as u32 + 1);
        stack.push(i);
        let mut flags = 0;
        if r.exclude {
            flags |= EXCLUDE;
        }
        if r.reason != NO_STR {
            flags |= REASON;
            out.reasons.put_u32(i as u32);
            out.reasons.put_u32(r.reason);
        }
        if let Some((s, e)) = r.whole {
            flags |= PIECE;
            out.ranges.put_u32(i as u32);
            put_addr(&mut out.ranges, fam, s);
            put_addr(&mut out.ranges, fam, e);
        }
        put_addr(&mut out.records, fam, r.start);
        out.records.put_u32(parent);
        out.records.extend_from_slice(&[r.plen, r.list, flags, 0]);
    }
    let k = index_bits_for(recs.len());
    let slots = 1usize << k;
    let mut i = 0usize;
    for h in 0..=slots {
        while i < recs.len() && (k > 0 && ((recs[i].start >> (bits - k)) as usize) < h) {
            i += 1;
        }
        if h == slots {
            i = recs.len();
        }
        out.index.put_u32(i as u32);
    }
    out
}

fn put_addr(out: &mut Vec<u8>, fam: Family, a: u128) {
    if fam.v6 {
        out.put_u128(a);
    } else {
        out.put_u32(a as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_tile_ranges() {
        assert_eq!(cidr_blocks(4, 9, 32), vec![(4, 30), (8, 31)]);
        assert_eq!(cidr_blocks(0, u32::MAX as u128, 32), vec![(0, 0)]);
        assert_eq!(cidr_blocks(0, u128::MAX, 128), vec![(0, 0)]);
        assert_eq!(cidr_blocks(5, 5, 32), vec![(5, 32)]);
        let b = cidr_blocks(1, u128::MAX - 1, 128);
        assert_eq!(b.first(), Some(&(1, 128)));
        assert_eq!(b.len(), 2 * 127);
    }
}
