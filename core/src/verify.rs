//! The structural half of [`Artifact::verify`]: every table is decoded and
//! every reference checked, so that a verified artifact cannot send a lookup
//! astray. Each part checks what its own reader relies on.

use std::collections::HashSet;

use crate::artifact::lists::ListInfo;
use crate::artifact::section::SectionId;
use crate::artifact::strings::{self, str_at, NO_STR};
use crate::artifact::Artifact;
use crate::error::Result;
use crate::ip::{Family, IpTable, EXCLUDE, PIECE, REASON};
use crate::kind::ListKind;
use crate::names::addresses::AddressTable;
use crate::names::domains::DomainTable;
use crate::names::lines::OVERFLOW;
use crate::names::postings::{self, Block};
use crate::names::NameForm;
use crate::normalize;

pub(crate) fn structure(art: &Artifact) -> Result<()> {
    let strings = art.section(SectionId::Strings);
    strings::validate(strings)?;
    let lists = art.lists();
    let blocks = postings::validate(
        art.section(SectionId::Postings),
        art.section(SectionId::PostingIndex),
        lists,
        strings,
    )?;
    let mut counts = vec![(0u64, 0u64); lists.len()];
    names(art, blocks, &mut counts)?;
    for fam in [Family::V4, Family::V6] {
        ip_table(&art.ip_table(fam), lists, strings, &mut counts)?;
    }
    for (l, (entries, exclusions)) in lists.iter().zip(counts) {
        if l.entries != entries || l.exclusions != exclusions {
            return Err(SectionId::Lists.corrupt(format!(
                "list {:?} counts {} entries and {} exclusions, the tables {entries} and {exclusions}",
                l.name, l.entries, l.exclusions
            )));
        }
    }
    Ok(())
}

/// Counts a block's entries and exclusions per list; checks that it holds only
/// address entries (`address`) or none.
fn count_block(art: &Artifact, block: u32, address: bool, counts: &mut [(u64, u64)]) -> Result<()> {
    let b = Block::at(
        art.section(SectionId::Postings),
        art.section(SectionId::PostingIndex),
        block,
    )?;
    for p in b.items() {
        let p = p?;
        if (p.form == NameForm::Address) != address {
            return Err(SectionId::Postings
                .corrupt(format!("block {block} mixes address and domain entries")));
        }
        let c = &mut counts[p.list as usize];
        if p.exclude {
            c.1 += 1;
        } else {
            c.0 += 1;
        }
    }
    Ok(())
}

fn names(art: &Artifact, blocks: u32, counts: &mut [(u64, u64)]) -> Result<()> {
    let params = &art.names;
    let domains = art.domains();
    let dl = SectionId::DomainLines;
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut by_id: Vec<bool> = vec![false; params.address_domains as usize];
    let mut lines_bytes = domains.lines;
    domains.for_each(|r, line, overflowed| {
        let name = std::str::from_utf8(r.name).ok();
        if name
            .and_then(|n| normalize::normalize_domain(n).ok())
            .as_deref()
            != name
        {
            return Err(dl.corrupt(format!("line {line} holds an invalid domain")));
        }
        if !seen.insert(r.name) {
            return Err(dl.corrupt(format!("domain in line {line} appears twice")));
        }
        let homes = domains.homes(DomainTable::hash(params.domain_seed, r.name));
        let placed = if overflowed {
            line == homes[0] && flag(lines_bytes, line) & OVERFLOW != 0
        } else {
            homes.contains(&line)
        };
        if !placed {
            return Err(dl.corrupt(format!("a record of line {line} is misplaced")));
        }
        if let Some(b) = r.block {
            if b >= blocks {
                return Err(dl.corrupt(format!("line {line} names block {b}")));
            }
            count_block(art, b, false, counts)?;
        }
        if let Some(d) = r.id {
            match by_id.get_mut(d as usize) {
                Some(slot) if !*slot => *slot = true,
                _ => return Err(dl.corrupt(format!("line {line} has a bad domain number {d}"))),
            }
        }
        Ok(())
    })?;
    if by_id.iter().any(|&x| !x) {
        return Err(dl.corrupt("a domain number is missing"));
    }

    let addresses = art.addresses();
    let al = SectionId::AddressLines;
    if params.address_lines > 0 && params.default_block >= blocks {
        return Err(SectionId::NameParams.corrupt("bad default block"));
    }
    lines_bytes = addresses.lines;
    let mut keys: Vec<(u64, u64)> = Vec::new();
    let mut local = Vec::with_capacity(64);
    addresses.for_each(|r, line, overflowed| {
        local.clear();
        params
            .code
            .decode(r.code, &mut local)
            .ok_or_else(|| al.corrupt(format!("bad code in line {line}")))?;
        let text = std::str::from_utf8(&local).ok();
        if text
            .and_then(|t| normalize::normalize_local(t).ok())
            .as_deref()
            != text
        {
            return Err(al.corrupt(format!("line {line} holds an invalid local part")));
        }
        let hash = AddressTable::hash(addresses.seed, &local);
        let d = addresses.domain_of(&r, hash, line);
        if d >= u64::from(params.address_domains) {
            return Err(al.corrupt(format!("an address of line {line} is at no domain")));
        }
        if overflowed && flag(lines_bytes, line) & OVERFLOW == 0 {
            return Err(SectionId::AddressOverflow.corrupt(format!("line {line} is not flagged")));
        }
        if r.block >= blocks {
            return Err(al.corrupt(format!("line {line} names block {}", r.block)));
        }
        count_block(art, r.block, true, counts)?;
        keys.push((d, xxhash_rust::xxh3::xxh3_64(r.code)));
        Ok(())
    })?;
    // An address appears once: equal (domain, code hash) pairs are compared
    // exactly.
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        let mut codes: HashSet<(u64, Vec<u8>)> = HashSet::new();
        let mut twice = false;
        addresses.for_each(|r, line, _| {
            local.clear();
            params.code.decode(r.code, &mut local);
            let d = addresses.domain_of(&r, AddressTable::hash(addresses.seed, &local), line);
            twice |= !codes.insert((d, r.code.to_vec()));
            Ok(())
        })?;
        if twice {
            return Err(al.corrupt("an address appears twice"));
        }
    }
    Ok(())
}

fn flag(lines: &[u8], line: u32) -> u8 {
    lines.get(line as usize * 64).copied().unwrap_or(0)
}

fn ip_table(
    t: &IpTable<'_>,
    lists: &[ListInfo],
    strings: &[u8],
    counts: &mut [(u64, u64)],
) -> Result<()> {
    let [index_id, records_id, reasons_id, ranges_id] = t.fam.sections();
    let n = t.len();
    let mut stack: Vec<usize> = Vec::new();
    let (mut reasons, mut ranges) = (0usize, 0usize);
    let mut prev: Option<(u128, u128, u8)> = None;
    let mut pieces: HashSet<(u8, u128, u128, bool)> = HashSet::new();
    for i in 0..n {
        let r = t.record(i)?;
        let end = t.fam.block_end(r.start, r.plen);
        let host_mask = end - r.start;
        if r.start & host_mask != 0 {
            return Err(records_id.corrupt(format!("record {i} is not a CIDR block")));
        }
        if lists.get(r.list as usize).map(|l| l.kind) != Some(ListKind::Ip) {
            return Err(records_id.corrupt(format!(
                "record {i} names list {} of the wrong kind",
                r.list
            )));
        }
        let key = (r.start, u128::MAX - end, r.list);
        if prev.is_some_and(|p| p > key) {
            return Err(records_id.corrupt(format!("record {i} is out of order")));
        }
        prev = Some(key);
        while let Some(&top) = stack.last() {
            let tr = t.record(top)?;
            if t.fam.block_end(tr.start, tr.plen) >= end {
                break;
            }
            stack.pop();
        }
        if t.parent(i, &r)? != stack.last().copied() {
            return Err(records_id.corrupt(format!("record {i} has the wrong parent")));
        }
        stack.push(i);
        let why = t.reason(i, &r)?;
        if r.flags & REASON != 0 {
            reasons += 1;
            if why == NO_STR {
                return Err(reasons_id.corrupt(format!("record {i} has no reason")));
            }
            str_at(strings, why)?;
        }
        let exclude = r.flags & EXCLUDE != 0;
        let c = &mut counts[r.list as usize];
        if r.flags & PIECE != 0 {
            ranges += 1;
            let whole = t.entry_range(i, &r)?;
            if whole.start > r.start || whole.end < end || whole.prefix_len().is_some() {
                return Err(ranges_id.corrupt(format!("record {i} has a bad range")));
            }
            if pieces.insert((r.list, whole.start, whole.end, exclude)) {
                if exclude {
                    c.1 += 1;
                } else {
                    c.0 += 1;
                }
            }
        } else if exclude {
            c.1 += 1;
        } else {
            c.0 += 1;
        }
    }
    for (id, rows, row_len, table) in [
        (reasons_id, reasons, 8, t.reasons),
        (ranges_id, ranges, t.fam.range_row_len(), t.ranges),
    ] {
        if table.len() != rows * row_len {
            return Err(id.corrupt("rows for records that do not need them"));
        }
        let mut last = None;
        for row in table.chunks_exact(row_len) {
            let rec = u32::from_le_bytes(row[..4].try_into().expect("4 bytes"));
            if last.is_some_and(|l| l >= rec) {
                return Err(id.corrupt("rows out of order"));
            }
            last = Some(rec);
        }
    }
    if n > 0 {
        let slots = 1usize << t.k;
        let bits = t.fam.bits();
        let mut i = 0usize;
        for h in 0..=slots {
            while i < n && t.k > 0 && ((t.record(i)?.start >> (bits - t.k)) as usize) < h {
                i += 1;
            }
            if h == slots {
                i = n;
            }
            let stored = crate::artifact::wire::u32_at(t.index, h * 4, index_id)? as usize;
            if stored != i {
                return Err(index_id.corrupt(format!("slot {h} is wrong")));
            }
        }
    }
    Ok(())
}
