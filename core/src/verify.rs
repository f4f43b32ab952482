//! The structural half of [`Artifact::verify`]: every table is walked and every
//! reference checked, so that a verified artifact cannot send a lookup astray.

use crate::artifact::format::*;
use crate::artifact::Artifact;
use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::ranges::build_index;

pub(crate) fn structure(art: &Artifact) -> Result<()> {
    guarded(|| art.fst.verify())
        .map_err(|_| Error::corrupt("names", "damaged name table"))?
        .map_err(|e| Error::corrupt("names", e.to_string()))?;
    let strings = art.section(SectionId::Strings);
    let mut at = 0usize;
    while at < strings.len() {
        let s = str_at(strings, at as u32)?;
        at += 4 + s.len();
    }
    let lists = art.lists();
    if let Some(l) = lists
        .iter()
        .find(|l| crate::kind::check_list_name(&l.name).is_err())
    {
        return Err(Error::corrupt(
            "lists",
            format!("invalid list name {:?}", l.name),
        ));
    }
    let check_list = |list: usize, names: bool, section: &'static str| -> Result<()> {
        match lists.get(list) {
            Some(l) if l.kind.is_names() == names => Ok(()),
            _ => Err(Error::corrupt(
                section,
                format!("entry for list {list} of the wrong kind"),
            )),
        }
    };
    let check_str = |r: u32, section: &'static str| -> Result<()> {
        if r != NO_STR {
            str_at(strings, r)
                .map_err(|_| Error::corrupt(section, format!("bad string reference {r}")))?;
        }
        Ok(())
    };
    // Names and their postings (every key decoded through dump's reader).
    let mut counts = vec![(0u64, 0u64); lists.len()];
    art.for_each_entry(&mut |list, e| {
        let names = matches!(e.target, crate::entry::Target::Name { .. });
        check_list(list, names, if names { "postings" } else { "v4_entries" })?;
        if let crate::entry::Target::Name { form, .. } = e.target {
            let kind = lists[list].kind;
            if !form.suits(kind, e.exclude) {
                return Err(Error::corrupt(
                    "postings",
                    "entry form does not suit its list",
                ));
            }
        }
        if e.exclude {
            counts[list].1 += 1;
        } else {
            counts[list].0 += 1;
        }
        Ok(())
    })?;
    for (l, (entries, exclusions)) in lists.iter().zip(counts) {
        if l.entries != entries || l.exclusions != exclusions {
            return Err(Error::corrupt(
                "lists",
                format!("counts of list {:?} do not match its entries", l.name),
            ));
        }
    }
    let postings = art.section(SectionId::Postings);
    let mut at = 0usize;
    while at < postings.len() {
        let count = u32_at(postings, at, "postings")? as usize;
        for i in 0..count {
            check_str(
                u32_at(postings, at + 4 + i * ITEM_LEN + 4, "postings")?,
                "postings",
            )?;
        }
        at += 4 + count * ITEM_LEN;
    }
    for (v6, id, len) in [
        (false, SectionId::V4Entries, V4_ENTRY_LEN),
        (true, SectionId::V6Entries, V6_ENTRY_LEN),
    ] {
        let b = art.section(id);
        for i in 0..b.len() / len {
            let e = ip_entry_at(b, v6, i as u32)?;
            check_str(e.reason, id.name())?;
            if !v6 && e.range.end > u32::MAX as u128 {
                return Err(Error::corrupt(
                    id.name(),
                    "IPv4 entry beyond the IPv4 space",
                ));
            }
        }
    }
    // Hit sets: items name IP lists; entry indexes are checked per family below.
    let sets = art.section(SectionId::HitSets);
    let mut set_max_entry = std::collections::HashMap::new();
    let mut at = 0usize;
    while at < sets.len() {
        let count = u32_at(sets, at, "hit_sets")? as usize;
        let mut max_entry = 0u32;
        for i in 0..count {
            let item = at + 4 + i * ITEM_LEN;
            check_list(u16_at(sets, item, "hit_sets")? as usize, false, "hit_sets")?;
            max_entry = max_entry.max(u32_at(sets, item + 4, "hit_sets")?);
        }
        set_max_entry.insert(at as u32, max_entry);
        at += 4 + count * ITEM_LEN;
    }
    // Interval tables.
    for (v6, idx, st, va) in [
        (
            false,
            SectionId::V4Index,
            SectionId::V4Starts,
            SectionId::V4Values,
        ),
        (
            true,
            SectionId::V6Index,
            SectionId::V6Starts,
            SectionId::V6Values,
        ),
    ] {
        let starts_b = art.section(st);
        if starts_b.is_empty() {
            continue;
        }
        let width = if v6 { 16 } else { 4 };
        let starts: Vec<u128> = (0..starts_b.len() / width)
            .map(|i| {
                if v6 {
                    u128_at(starts_b, i * 16, st.name())
                } else {
                    u32_at(starts_b, i * 4, st.name()).map(u128::from)
                }
            })
            .collect::<Result<_>>()?;
        if starts[0] != 0 || starts.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::corrupt(
                st.name(),
                "interval starts are not increasing from 0",
            ));
        }
        let k = crate::ranges::stored_index_bits(art.section(idx).len())
            .ok_or_else(|| Error::corrupt(idx.name(), "bad index size"))?;
        let index: Vec<u8> = build_index(&starts, if v6 { 128 } else { 32 }, k)
            .into_iter()
            .flat_map(u32::to_le_bytes)
            .collect();
        if index != art.section(idx) {
            return Err(Error::corrupt(
                idx.name(),
                "index does not match the interval starts",
            ));
        }
        let values = art.section(va);
        let entries = art.section(if v6 {
            SectionId::V6Entries
        } else {
            SectionId::V4Entries
        });
        let max = if v6 { u128::MAX } else { u32::MAX as u128 };
        for i in 0..starts.len() {
            let v = u32_at(values, i * 4, va.name())?;
            let (first, last) = (starts[i], starts.get(i + 1).map_or(max, |s| s - 1));
            // Every (list, entry) an interval names must be a listing of that
            // list covering the whole interval.
            let mut items: Vec<(u16, u32)> = Vec::new();
            if v == NO_HITS {
            } else if v & SINGLE_HIT != 0 {
                items.push((
                    ((v & !SINGLE_HIT) >> SINGLE_LIST_SHIFT) as u16,
                    v & SINGLE_ENTRY_MASK,
                ));
            } else {
                let off = v as usize;
                if !set_max_entry.contains_key(&v) {
                    return Err(Error::corrupt(va.name(), "reference to a missing hit set"));
                }
                let count = u32_at(sets, off, "hit_sets")? as usize;
                for k in 0..count {
                    let item = off + 4 + k * ITEM_LEN;
                    items.push((
                        u16_at(sets, item, "hit_sets")?,
                        u32_at(sets, item + 4, "hit_sets")?,
                    ));
                }
            }
            for (list, index) in items {
                let e = ip_entry_at(entries, v6, index)
                    .map_err(|_| Error::corrupt(va.name(), "reference to a missing entry"))?;
                if e.list != list
                    || e.flags & FLAG_EXCLUDE != 0
                    || e.range.start > first
                    || e.range.end < last
                {
                    return Err(Error::corrupt(
                        va.name(),
                        format!(
                            "interval {first:#x}-{last:#x} names an entry that does not list it"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
