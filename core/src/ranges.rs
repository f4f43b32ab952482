//! IP range tables: where overlapping ranges with exclusions are resolved into
//! disjoint intervals at build time, and where an address is found in them.
//!
//! Resolution: at every address, each list is decided by its narrowest covering
//! range; at equal width an exclusion wins (then the lower start, then the lower
//! entry index, so the result never depends on input order). Adjacent intervals
//! with the same outcome are merged.
//!
//! Lookup: a direct index on the top bits of the address (up to 16, about one
//! interval per slot) narrows the search to the intervals starting in that
//! block, then a binary search finds the interval.

use std::collections::{BTreeMap, BTreeSet};

use crate::artifact::format::{u128_at, u32_at, MAX_INDEX_BITS, NO_HITS};
use crate::error::{Error, Result};

/// One IP entry fed to resolution.
#[derive(Clone, Copy, Debug)]
pub struct RangeItem {
    /// List index.
    pub list: u16,
    /// Index of the entry in its family's entries section.
    pub entry: u32,
    /// Whether the entry is an exclusion.
    pub exclude: bool,
    /// First address.
    pub start: u128,
    /// Last address.
    pub end: u128,
}

/// A resolved table: interval starts (the first is always 0) and, for each
/// interval, the listing entries that decide it, `(list, entry)` sorted by list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// First address of each interval, strictly increasing, starting at 0.
    pub starts: Vec<u128>,
    /// The hits of each interval.
    pub hits: Vec<Vec<(u16, u32)>>,
}

/// Resolves the ranges of one address family (`max` is its last address).
pub fn resolve(items: &[RangeItem], max: u128) -> Resolved {
    let mut out = Resolved::default();
    resolve_each(items, max, |start, hits| {
        out.starts.push(start);
        out.hits.push(hits.to_vec());
    });
    out
}

/// Resolves the ranges of one address family, calling `emit(start, hits)` for
/// each interval in address order, adjacent equal intervals merged; the first
/// interval starts at 0. Memory beyond the input is two index arrays and the
/// ranges active at one point.
pub fn resolve_each(items: &[RangeItem], max: u128, mut emit: impl FnMut(u128, &[(u16, u32)])) {
    let mut by_start: Vec<u32> = (0..items.len() as u32).collect();
    by_start.sort_unstable_by_key(|&i| items[i as usize].start);
    let mut by_end: Vec<u32> = (0..items.len() as u32)
        .filter(|&i| items[i as usize].end < max)
        .collect();
    by_end.sort_unstable_by_key(|&i| items[i as usize].end);
    // Per list: active ranges ordered by (width, listing after exclusion, start, entry).
    type Key = (u128, bool, u128, u32, u32);
    let key = |i: u32| -> Key {
        let it = &items[i as usize];
        (it.end - it.start, !it.exclude, it.start, it.entry, i)
    };
    let mut active: BTreeMap<u16, BTreeSet<Key>> = BTreeMap::new();
    let (mut a, mut r) = (0usize, 0usize);
    let mut pending: (u128, Vec<(u16, u32)>) = (0, Vec::new());
    let mut hits: Vec<(u16, u32)> = Vec::new();
    loop {
        let next_add = by_start.get(a).map(|&i| items[i as usize].start);
        let next_remove = by_end.get(r).map(|&i| items[i as usize].end + 1);
        let point = match (next_add, next_remove) {
            (None, None) => break,
            (Some(x), None) | (None, Some(x)) => x,
            (Some(x), Some(y)) => x.min(y),
        };
        while r < by_end.len() && items[by_end[r] as usize].end + 1 == point {
            let i = by_end[r];
            if let Some(set) = active.get_mut(&items[i as usize].list) {
                set.remove(&key(i));
                if set.is_empty() {
                    active.remove(&items[i as usize].list);
                }
            }
            r += 1;
        }
        while a < by_start.len() && items[by_start[a] as usize].start == point {
            let i = by_start[a];
            active
                .entry(items[i as usize].list)
                .or_default()
                .insert(key(i));
            a += 1;
        }
        hits.clear();
        hits.extend(active.iter().filter_map(|(&list, set)| {
            let &(_, listing, _, entry, _) = set.first()?;
            listing.then_some((list, entry))
        }));
        if hits == pending.1 {
            continue;
        }
        if pending.0 == point {
            // Only at address 0: the first interval takes this outcome.
            pending.1.clone_from(&hits);
        } else {
            emit(pending.0, &pending.1);
            pending.0 = point;
            pending.1.clone_from(&hits);
        }
    }
    emit(pending.0, &pending.1);
}

/// Number of index bits for a table of `intervals` intervals: about one
/// interval per slot, at most 16 bits (65,537 slots).
pub fn index_bits(intervals: usize) -> u32 {
    (usize::BITS - intervals.saturating_sub(1).leading_zeros()).min(MAX_INDEX_BITS)
}

/// Builds the direct index over `starts` for a family of `family_bits` (32 or
/// 128) with `k` index bits: slot `h` holds the index of the last interval
/// starting at or before the first address whose top `k` bits are `h`; the last
/// slot (`2^k`) holds the last index.
pub fn build_index(starts: &[u128], family_bits: u32, k: u32) -> Vec<u32> {
    let slots = 1usize << k;
    let mut index = Vec::with_capacity(slots + 1);
    let mut i = 0usize;
    for h in 0..slots as u128 {
        let at = if k == 0 { 0 } else { h << (family_bits - k) };
        while i + 1 < starts.len() && starts[i + 1] <= at {
            i += 1;
        }
        index.push(i as u32);
    }
    index.push(starts.len().saturating_sub(1) as u32);
    index
}

/// The index bits of a stored index of `len` bytes, if that is a valid size.
pub fn stored_index_bits(len: usize) -> Option<u32> {
    let slots = (len / 4).checked_sub(1)?;
    (len % 4 == 0 && slots.is_power_of_two() && slots <= 1 << MAX_INDEX_BITS)
        .then(|| slots.trailing_zeros())
}

/// A borrowed interval table of one family, as stored in the artifact.
#[derive(Clone, Copy)]
pub struct RangeTable<'a> {
    /// The direct index (`2^k + 1` little-endian `u32`).
    pub index: &'a [u8],
    /// Interval starts: `u32` for IPv4, `u128` for IPv6.
    pub starts: &'a [u8],
    /// One `u32` per interval: a hit set offset or [`NO_HITS`].
    pub values: &'a [u8],
    /// Whether this is the IPv6 table.
    pub v6: bool,
}

impl RangeTable<'_> {
    fn width(&self) -> usize {
        if self.v6 {
            16
        } else {
            4
        }
    }

    fn start(&self, i: usize) -> Result<u128> {
        if self.v6 {
            u128_at(self.starts, i * 16, "v6_starts")
        } else {
            u32_at(self.starts, i * 4, "v4_starts").map(u128::from)
        }
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.starts.len() / self.width()
    }

    /// Whether the table has no interval (an artifact without IP lists of this family).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hit set offset for `addr`, or `None` when no list covers it.
    #[inline]
    pub fn find(&self, addr: u128) -> Result<Option<u32>> {
        if self.starts.is_empty() {
            return Ok(None);
        }
        let k = (self.index.len() / 4).saturating_sub(1).trailing_zeros();
        let h = if k == 0 {
            0
        } else {
            (addr >> ((if self.v6 { 128 } else { 32 }) - k)) as usize
        };
        let name = if self.v6 { "v6_index" } else { "v4_index" };
        let mut lo = u32_at(self.index, h * 4, name)? as usize;
        let mut hi = u32_at(self.index, (h + 1) * 4, name)? as usize;
        if lo > hi || hi >= self.len() {
            return Err(Error::corrupt(
                name,
                format!("slot {h} points outside the table"),
            ));
        }
        // Invariant: start(lo) <= addr; answer in [lo, hi].
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if self.start(mid)? <= addr {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let vname = if self.v6 { "v6_values" } else { "v4_values" };
        let v = u32_at(self.values, lo * 4, vname)?;
        Ok((v != NO_HITS).then_some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(list: u16, entry: u32, exclude: bool, start: u128, end: u128) -> RangeItem {
        RangeItem {
            list,
            entry,
            exclude,
            start,
            end,
        }
    }

    #[test]
    fn narrowest_wins_and_exclusion_punches_a_hole() {
        let items = [
            item(0, 0, false, 100, 199),
            item(0, 1, true, 120, 135),
            item(0, 2, false, 130, 131),
        ];
        let r = resolve(&items, u32::MAX as u128);
        assert_eq!(r.starts, vec![0, 100, 120, 130, 132, 136, 200]);
        assert_eq!(
            r.hits,
            vec![
                vec![],
                vec![(0, 0)],
                vec![],
                vec![(0, 2)],
                vec![],
                vec![(0, 0)],
                vec![]
            ]
        );
    }

    #[test]
    fn equal_width_exclusion_wins_and_lists_are_independent() {
        let items = [
            item(0, 0, false, 10, 19),
            item(0, 1, true, 10, 19),
            item(1, 2, false, 10, 19),
        ];
        let r = resolve(&items, 255);
        assert_eq!(r.starts, vec![0, 10, 20]);
        assert_eq!(r.hits, vec![vec![], vec![(1, 2)], vec![]]);
    }

    #[test]
    fn full_space_range() {
        let r = resolve(&[item(0, 0, false, 0, u128::MAX)], u128::MAX);
        assert_eq!(r.starts, vec![0]);
        assert_eq!(r.hits, vec![vec![(0, 0)]]);
    }

    #[test]
    fn index_brackets_the_answer() {
        let starts = vec![0u128, 5 << 16, (5 << 16) + 7, 9 << 16];
        let idx = build_index(&starts, 32, 16);
        assert_eq!(idx[0], 0);
        assert_eq!(idx[5], 1);
        assert_eq!(idx[6], 2);
        assert_eq!(idx[9], 3);
        assert_eq!(idx[65536], 3);
    }
}
