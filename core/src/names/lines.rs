//! Line tables: the hashed layout both name tables share.
//!
//! A table is an array of 64-byte lines (cache lines of the mapping). A record
//! may live in one of two lines chosen by its hash, so a lookup reads at most
//! two lines, and both can be fetched at once. Byte 0 of a line holds the
//! number of records in its low 7 bits and, in bit 7, the overflow flag: some
//! record whose first line is this one did not fit either line and is in the
//! table's overflow section instead. Records follow back to back; the rest of
//! the line is zero.
//!
//! Placement is deterministic: records are placed largest first (then in the
//! caller's order) into the emptier of their two lines; when neither has
//! room, records of one of them move to their other lines (making room there
//! the same way, a few moves deep) if that makes room; otherwise the record
//! overflows.

/// Bytes per line.
pub(crate) const LINE: usize = 64;
/// Bytes of records a line can hold (after its header byte).
pub(crate) const LINE_ROOM: usize = LINE - 1;
/// Line header bit: some record homed here is in the overflow section.
pub(crate) const OVERFLOW: u8 = 0x80;
/// Line header bits holding the record count.
pub(crate) const COUNT_MASK: u8 = 0x7f;

/// The two candidate lines of a hash in a table of `lines` lines: the high and
/// the low half of the hash, each reduced to `[0, lines)` by multiplication.
#[inline]
pub(crate) fn home_lines(hash: u64, lines: u32) -> [u32; 2] {
    let reduce = |h: u32| ((u64::from(h) * u64::from(lines)) >> 32) as u32;
    [reduce((hash >> 32) as u32), reduce(hash as u32)]
}

/// The number of lines for records of `total` bytes at a load of
/// `load_percent` of their room.
pub(crate) fn line_count(total: usize, load_percent: usize) -> u32 {
    let lines = (total * 100).div_ceil(LINE_ROOM * load_percent).max(1);
    u32::try_from(lines).expect("fewer than 2^32 lines")
}

/// Where a record was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// In line `lines[choice]` of its two.
    Line { choice: u8 },
    /// In the overflow section, homed at its first line.
    Overflow,
}

const NONE: u32 = u32::MAX;
/// How many records deep placement looks for a chain of moves that makes room.
const MOVE_DEPTH: u32 = 8;
/// How many lines one placement may look at while making room (bounds the
/// search on hostile or crowded inputs; the record overflows instead).
const MOVE_BUDGET: u32 = 4096;

/// Lines being filled: free bytes and the records in each (linked lists).
struct Fill<'a> {
    sizes: &'a [u16],
    homes: &'a [[u32; 2]],
    slot: Vec<Slot>,
    free: Vec<u16>,
    head: Vec<u32>,
    next: Vec<u32>,
    budget: u32,
}

impl Fill<'_> {
    fn put(&mut self, i: u32, choice: u8) {
        let line = self.homes[i as usize][choice as usize] as usize;
        self.free[line] -= self.sizes[i as usize];
        self.slot[i as usize] = Slot::Line { choice };
        self.next[i as usize] = self.head[line];
        self.head[line] = i;
    }

    fn take(&mut self, i: u32, line: u32) {
        let line = line as usize;
        let after = self.next[i as usize];
        if self.head[line] == i {
            self.head[line] = after;
        } else {
            let mut j = self.head[line];
            while self.next[j as usize] != i {
                j = self.next[j as usize];
            }
            self.next[j as usize] = after;
        }
        self.free[line] += self.sizes[i as usize];
    }

    /// Moves records out of `line`, each to its other line (making room there
    /// the same way, up to `depth` deep), until `need` bytes are free.
    fn make_room(&mut self, line: u32, need: u16, depth: u32) -> bool {
        if self.free[line as usize] >= need {
            return true;
        }
        if depth == 0 || self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let mut j = self.head[line as usize];
        while j != NONE {
            let after = self.next[j as usize];
            let Slot::Line { choice } = self.slot[j as usize] else {
                unreachable!("linked records are in lines")
            };
            let other = self.homes[j as usize][1 - choice as usize];
            let size = self.sizes[j as usize];
            if other != line
                && self.free[line as usize] + size >= need
                && self.make_room(other, size, depth - 1)
                && self.in_line(j, line)
            {
                self.take(j, line);
                self.put(j, 1 - choice);
                if self.free[line as usize] >= need {
                    return true;
                }
            }
            j = after;
        }
        self.free[line as usize] >= need
    }

    fn in_line(&self, i: u32, line: u32) -> bool {
        matches!(self.slot[i as usize], Slot::Line { choice } if self.homes[i as usize][choice as usize] == line)
    }
}

/// Places records of the given sizes (each with its two lines) into a table
/// of `lines` lines. Returns each record's slot.
pub(crate) fn place(sizes: &[u16], homes: &[[u32; 2]], lines: u32) -> Vec<Slot> {
    let n = sizes.len();
    let mut fill = Fill {
        sizes,
        homes,
        slot: vec![Slot::Overflow; n],
        free: vec![LINE_ROOM as u16; lines as usize],
        head: vec![NONE; lines as usize],
        next: vec![NONE; n],
        budget: 0,
    };
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i as usize]));
    for i in order {
        let (size, [a, b]) = (sizes[i as usize], homes[i as usize]);
        if size as usize > LINE_ROOM {
            continue;
        }
        let (fa, fb) = (fill.free[a as usize], fill.free[b as usize]);
        if fa >= size && (fa >= fb || fb < size) {
            fill.put(i, 0);
        } else if fb >= size {
            fill.put(i, 1);
        } else {
            fill.budget = MOVE_BUDGET;
            if fill.make_room(a, size, MOVE_DEPTH) {
                fill.put(i, 0);
            } else if fill.make_room(b, size, MOVE_DEPTH) {
                fill.put(i, 1);
            }
        }
    }
    fill.slot
}

/// Lays out the lines: record `i`, encoded by `encode(i, choice, out)`, goes
/// where `slots[i]` says; records of a line are in the callers' order.
/// Returns the lines and the indexes of the overflowing records, in the
/// callers' order.
pub(crate) fn write_lines(
    homes: &[[u32; 2]],
    slots: &[Slot],
    lines: u32,
    mut encode: impl FnMut(usize, u8, &mut Vec<u8>),
) -> (Vec<u8>, Vec<usize>) {
    let mut out = vec![0u8; lines as usize * LINE];
    let mut fill = vec![1u8; lines as usize];
    let mut overflow = Vec::new();
    let mut rec = Vec::with_capacity(LINE);
    for (i, slot) in slots.iter().enumerate() {
        match *slot {
            Slot::Line { choice } => {
                rec.clear();
                encode(i, choice, &mut rec);
                let line = homes[i][choice as usize] as usize;
                let at = line * LINE + fill[line] as usize;
                out[at..at + rec.len()].copy_from_slice(&rec);
                fill[line] += rec.len() as u8;
                out[line * LINE] += 1;
            }
            Slot::Overflow => {
                out[homes[i][0] as usize * LINE] |= OVERFLOW;
                overflow.push(i);
            }
        }
    }
    (out, overflow)
}

/// Line `index` of a table, or `None` past the end.
#[inline]
pub(crate) fn line(table: &[u8], index: u32) -> Option<&[u8]> {
    let at = index as usize * LINE;
    table.get(at..at + LINE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_fills_lines_and_overflows_the_rest() {
        // 40 records of 20 bytes with the same two lines: 3 fit each line.
        let sizes = vec![20u16; 40];
        let homes = vec![[0u32, 1u32]; 40];
        let slots = place(&sizes, &homes, 4);
        let placed = slots.iter().filter(|s| **s != Slot::Overflow).count();
        assert_eq!(placed, 6);
        let (lines, overflow) = write_lines(&homes, &slots, 4, |i, _, out| {
            out.extend_from_slice(&[i as u8 + 1; 20])
        });
        assert_eq!(overflow.len(), 34);
        assert_eq!(lines[0], OVERFLOW | 3);
        assert_eq!(lines[LINE], 3);
        assert_eq!(lines[2 * LINE], 0);
    }

    #[test]
    fn a_record_moves_to_make_room() {
        // Record 0 (size 40) can go to line 0 or 1; record 1 (size 40) only to 0.
        // Placed largest first in order: 0 takes line 0 (emptier tie: first),
        // then 1 finds line 0 full and moves 0 to line 1.
        let sizes = vec![40u16, 40];
        let homes = vec![[0u32, 1u32], [0, 0]];
        let slots = place(&sizes, &homes, 2);
        assert_eq!(
            slots,
            vec![Slot::Line { choice: 1 }, Slot::Line { choice: 0 }]
        );
    }

    #[test]
    fn moves_chain_through_lines() {
        // Line 0 holds A (can go to 1), line 1 holds B (can go to 2): C, which
        // only fits line 0, moves A to 1 after B moves to 2.
        let sizes = vec![60u16, 60, 50];
        let homes = vec![[0u32, 1], [1, 2], [0, 0]];
        let slots = place(&sizes, &homes, 3);
        assert_eq!(
            slots,
            vec![
                Slot::Line { choice: 1 },
                Slot::Line { choice: 1 },
                Slot::Line { choice: 0 }
            ]
        );
    }

    #[test]
    fn home_lines_are_in_range() {
        for h in [0u64, u64::MAX, 0x1234_5678_9abc_def0] {
            for n in [1u32, 7, 1 << 20] {
                assert!(home_lines(h, n).iter().all(|&l| l < n));
            }
        }
    }
}
