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
//! room, a record of one of them moves to its other line if that makes room;
//! otherwise the record overflows.

/// Bytes per line.
pub(crate) const LINE: usize = 64;
/// Bytes of records a line can hold (after its header byte).
pub(crate) const LINE_ROOM: usize = LINE - 1;
/// Line header bit: some record homed here is in the overflow section.
pub(crate) const OVERFLOW: u8 = 0x80;
/// Line header bits holding the record count.
pub(crate) const COUNT_MASK: u8 = 0x7f;
/// How full the builder makes a table, in percent of its record room.
pub(crate) const LOAD_PERCENT: usize = 90;

/// The two candidate lines of a hash in a table of `lines` lines: the high and
/// the low half of the hash, each reduced to `[0, lines)` by multiplication.
#[inline]
pub(crate) fn home_lines(hash: u64, lines: u32) -> [u32; 2] {
    let reduce = |h: u32| ((u64::from(h) * u64::from(lines)) >> 32) as u32;
    [reduce((hash >> 32) as u32), reduce(hash as u32)]
}

/// The number of lines for records of `total` bytes at the target load.
pub(crate) fn line_count(total: usize) -> u32 {
    let lines = (total * 100).div_ceil(LINE_ROOM * LOAD_PERCENT).max(1);
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

/// Places records of the given sizes (each with its two lines) into a table
/// of `lines` lines. Returns each record's slot.
pub(crate) fn place(sizes: &[u16], homes: &[[u32; 2]], lines: u32) -> Vec<Slot> {
    let n = sizes.len();
    let mut slot = vec![Slot::Overflow; n];
    let mut free = vec![LINE_ROOM as u16; lines as usize];
    let mut count = vec![0u8; lines as usize];
    let mut head = vec![NONE; lines as usize];
    let mut next = vec![NONE; n];
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i as usize]));
    let link = |i: u32, line: u32, head: &mut [u32], next: &mut [u32]| {
        next[i as usize] = head[line as usize];
        head[line as usize] = i;
    };
    for i in order {
        let (size, [a, b]) = (sizes[i as usize], homes[i as usize]);
        if size as usize > LINE_ROOM {
            continue;
        }
        // A line holds at most 127 records.
        let fits = |l: u32, free: &[u16], count: &[u8]| {
            free[l as usize] >= size && (count[l as usize] as u16) < COUNT_MASK as u16
        };
        let choice = if fits(a, &free, &count)
            && (free[a as usize] >= free[b as usize] || !fits(b, &free, &count))
        {
            Some(0)
        } else if fits(b, &free, &count) {
            Some(1)
        } else {
            None
        };
        let choice = match choice {
            Some(c) => Some(c),
            None => {
                // Move one record of a full line to its other line.
                let mut moved = None;
                'lines: for (c, line) in [(0u8, a), (1u8, b)] {
                    let mut prev = NONE;
                    let mut j = head[line as usize];
                    while j != NONE {
                        let Slot::Line { choice: jc } = slot[j as usize] else {
                            unreachable!("linked records are in lines")
                        };
                        let other = homes[j as usize][1 - jc as usize];
                        let js = sizes[j as usize];
                        if other != line
                            && free[other as usize] >= js
                            && count[other as usize] < COUNT_MASK
                            && free[line as usize] + js >= size
                        {
                            // Unlink j from `line`, link it into `other`.
                            let after = next[j as usize];
                            if prev == NONE {
                                head[line as usize] = after;
                            } else {
                                next[prev as usize] = after;
                            }
                            free[line as usize] += js;
                            count[line as usize] -= 1;
                            free[other as usize] -= js;
                            count[other as usize] += 1;
                            slot[j as usize] = Slot::Line { choice: 1 - jc };
                            link(j, other, &mut head, &mut next);
                            moved = Some(c);
                            break 'lines;
                        }
                        prev = j;
                        j = next[j as usize];
                    }
                }
                moved
            }
        };
        if let Some(c) = choice {
            let line = homes[i as usize][c as usize];
            free[line as usize] -= size;
            count[line as usize] += 1;
            slot[i as usize] = Slot::Line { choice: c };
            link(i, line, &mut head, &mut next);
        }
    }
    slot
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
    fn home_lines_are_in_range() {
        for h in [0u64, u64::MAX, 0x1234_5678_9abc_def0] {
            for n in [1u32, 7, 1 << 20] {
                assert!(home_lines(h, n).iter().all(|&l| l < n));
            }
        }
    }
}
