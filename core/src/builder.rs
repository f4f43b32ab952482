//! The builder: collects lists and their entries, resolves duplicates, exclusions
//! and specificity, and lays out the artifact's bytes.
//!
//! The bytes depend only on the lists (names, kinds, order, default reasons) and
//! their normalized entry sets: entries are sorted, duplicates folded (an
//! exclusion beats a listing of the same entry; among reasons, an explicit reason
//! beats the default and then the smallest text wins) and strings are stored in
//! sorted order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use ahash::AHashMap;

use crate::artifact::format::*;
use crate::artifact::write::{assemble, Sections};
use crate::entry::{parse_entry, Entry, EntryError, IpRange, Target};
use crate::error::{Error, Result};
use crate::kind::ListKind;
use crate::ranges::{self, RangeItem};

/// Identifies a list of a [`Builder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListId(pub(crate) u16);

impl ListId {
    /// The list's position, in declaration order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the list at `index` (declaration order). Adding to a list that
    /// was not declared is an error reported by [`Builder::add`].
    pub fn from_index(index: usize) -> Self {
        ListId(index.min(u16::MAX as usize) as u16)
    }
}

/// The figures of one list in a built artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListStats {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// Number of distinct listing entries.
    pub entries: u64,
    /// Number of distinct exclusions.
    pub exclusions: u64,
    /// Approximate share of the artifact's bytes taken by this list.
    pub bytes: u64,
}

/// The result of a build: the artifact's bytes and its figures.
#[derive(Clone, Debug)]
pub struct Built {
    /// The complete artifact.
    pub bytes: Vec<u8>,
    /// SHA-256 of the artifact's content, in hex.
    pub content_hash: String,
    /// Per-list figures, in declaration order.
    pub lists: Vec<ListStats>,
}

const NO_REASON: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct NameRec {
    off: u64,
    len: u16,
    list: u16,
    flags: u8,
    reason: u32,
}

#[derive(Clone, Copy)]
struct RangeRec {
    range: IpRange,
    list: u16,
    exclude: bool,
    reason: u32,
}

struct ListDef {
    name: String,
    kind: ListKind,
    reason: Option<String>,
}

/// Collects lists and entries and produces artifact bytes.
///
/// ```
/// use mxlists_core::{Builder, ListKind, Artifact, Outcome};
/// let mut b = Builder::new();
/// let tlds = b.add_list("tld_bans", ListKind::Domain, Some("no mail from this TLD")).unwrap();
/// b.add_text(tlds, ".monster").unwrap();
/// b.add_text(tlds, "!good.monster").unwrap();
/// let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
/// assert!(matches!(art.check("x@bad.monster").unwrap(), Outcome::Listed(_)));
/// assert!(matches!(art.check("x@good.monster").unwrap(), Outcome::NotListed));
/// ```
#[derive(Default)]
pub struct Builder {
    lists: Vec<ListDef>,
    arena: Vec<u8>,
    names: Vec<NameRec>,
    ranges: Vec<RangeRec>,
    reasons: Vec<String>,
    reason_ids: AHashMap<String, u32>,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a list. Names are `[a-z0-9_-]+` and unique; lists are consulted in
    /// the order they are declared.
    pub fn add_list(&mut self, name: &str, kind: ListKind, reason: Option<&str>) -> Result<ListId> {
        crate::kind::check_list_name(name).map_err(Error::InvalidList)?;
        if self.lists.iter().any(|l| l.name == name) {
            return Err(Error::InvalidList(format!(
                "list {name:?} is declared twice"
            )));
        }
        if self.lists.len() >= MAX_LISTS {
            return Err(Error::InvalidList(format!("at most {MAX_LISTS} lists")));
        }
        self.lists.push(ListDef {
            name: name.to_owned(),
            kind,
            reason: reason.map(str::to_owned).filter(|r| !r.is_empty()),
        });
        Ok(ListId((self.lists.len() - 1) as u16))
    }

    /// The id of a declared list.
    pub fn list_id(&self, name: &str) -> Option<ListId> {
        self.lists
            .iter()
            .position(|l| l.name == name)
            .map(|i| ListId(i as u16))
    }

    /// The kind of a declared list.
    pub fn kind(&self, list: ListId) -> ListKind {
        self.lists[list.index()].kind
    }

    /// Parses one entry in `plain` syntax (`[!]value [reason]`) and adds it.
    /// Returns the entry's warning, if any.
    pub fn add_text(&mut self, list: ListId, text: &str) -> Result<Option<EntryError>, EntryError> {
        let kind = self.kind(list);
        let parsed = parse_entry(kind, text)?;
        self.add(list, parsed.entry).map_err(|e| EntryError {
            offset: 0,
            message: e.to_string(),
        })?;
        Ok(parsed.warning)
    }

    /// Adds a normalized entry. The entry must suit the list's kind.
    pub fn add(&mut self, list: ListId, entry: Entry) -> Result<()> {
        let def = self
            .lists
            .get(list.index())
            .ok_or_else(|| Error::InvalidList(format!("no list with id {}", list.0)))?;
        let kind = def.kind;
        let reason = self.intern(entry.reason);
        match entry.target {
            Target::Range(range) if kind == ListKind::Ip => {
                self.ranges.push(RangeRec {
                    range,
                    list: list.0,
                    exclude: entry.exclude,
                    reason,
                });
            }
            Target::Name { key, form } if kind.is_names() && form.suits(kind, entry.exclude) => {
                if key.len() > u16::MAX as usize {
                    return Err(Error::InvalidList("name key too long".into()));
                }
                let off = self.arena.len() as u64;
                self.arena.extend_from_slice(&key);
                let flags = form.code() | if entry.exclude { FLAG_EXCLUDE } else { 0 };
                self.names.push(NameRec {
                    off,
                    len: key.len() as u16,
                    list: list.0,
                    flags,
                    reason,
                });
            }
            _ => {
                return Err(Error::InvalidList(format!(
                    "this entry does not belong in list {:?} of kind {kind}",
                    self.lists[list.index()].name
                )))
            }
        }
        Ok(())
    }

    fn intern(&mut self, reason: Option<String>) -> u32 {
        let Some(reason) = reason.filter(|r| !r.is_empty()) else {
            return NO_REASON;
        };
        if let Some(&id) = self.reason_ids.get(&reason) {
            return id;
        }
        let id = self.reasons.len() as u32;
        self.reasons.push(reason.clone());
        self.reason_ids.insert(reason, id);
        id
    }

    fn key(&self, r: &NameRec) -> &[u8] {
        &self.arena[r.off as usize..r.off as usize + r.len as usize]
    }

    fn reason_cmp(&self, a: u32, b: u32) -> Ordering {
        // Explicit reasons before the default, then by text.
        match (a == NO_REASON, b == NO_REASON) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.reasons[a as usize].cmp(&self.reasons[b as usize]),
        }
    }

    /// Sorts and folds duplicates, so that equal entry sets give equal state.
    fn normalize_entries(&mut self) {
        let mut names = std::mem::take(&mut self.names);
        names.sort_unstable_by(|a, b| {
            self.key(a)
                .cmp(self.key(b))
                .then(a.list.cmp(&b.list))
                .then((a.flags & FORM_MASK).cmp(&(b.flags & FORM_MASK)))
                .then((b.flags & FLAG_EXCLUDE).cmp(&(a.flags & FLAG_EXCLUDE)))
                .then(self.reason_cmp(a.reason, b.reason))
        });
        names.dedup_by(|b, a| {
            self.key(a) == self.key(b)
                && a.list == b.list
                && (a.flags & FORM_MASK) == (b.flags & FORM_MASK)
        });
        self.names = names;
        let mut ranges = std::mem::take(&mut self.ranges);
        ranges.sort_unstable_by(|a, b| {
            a.list
                .cmp(&b.list)
                .then(a.range.cmp(&b.range))
                .then(b.exclude.cmp(&a.exclude))
                .then(self.reason_cmp(a.reason, b.reason))
        });
        ranges.dedup_by(|b, a| a.list == b.list && a.range == b.range);
        self.ranges = ranges;
    }

    /// Resolves everything and lays out the artifact.
    pub fn build(&mut self) -> Result<Built> {
        self.normalize_entries();
        let mut strings = StringTable::default();
        let mut list_reason = Vec::new();
        for l in &self.lists {
            strings.add(&l.name);
            if let Some(r) = &l.reason {
                strings.add(r);
            }
        }
        let mut used = vec![false; self.reasons.len()];
        for r in self
            .names
            .iter()
            .map(|n| n.reason)
            .chain(self.ranges.iter().map(|r| r.reason))
        {
            if r != NO_REASON {
                used[r as usize] = true;
            }
        }
        for (i, u) in used.iter().enumerate() {
            if *u {
                strings.add(&self.reasons[i]);
            }
        }
        let strings = strings.finish();
        let sref = |s: &str| strings.1[s];
        let reason_ref = |r: u32| {
            if r == NO_REASON {
                NO_STR
            } else {
                sref(&self.reasons[r as usize])
            }
        };
        for l in &self.lists {
            list_reason.push(l.reason.as_deref().map(sref).unwrap_or(NO_STR));
        }

        let mut stats: Vec<ListStats> = self
            .lists
            .iter()
            .map(|l| ListStats {
                name: l.name.clone(),
                kind: l.kind,
                entries: 0,
                exclusions: 0,
                bytes: 0,
            })
            .collect();
        let mut key_bytes = vec![0u64; self.lists.len()];

        // Names: one FST over keys, values pointing at deduplicated posting blocks.
        let mut postings: Vec<u8> = Vec::new();
        let mut blocks: AHashMap<Vec<u8>, u64> = AHashMap::new();
        let mut fst = fst::MapBuilder::memory();
        let mut block = Vec::new();
        let mut i = 0;
        while i < self.names.len() {
            let key = self.key(&self.names[i]);
            let mut j = i;
            block.clear();
            block.extend_from_slice(&[0, 0, 0, 0]);
            while j < self.names.len() && self.key(&self.names[j]) == key {
                let n = self.names[j];
                block.extend_from_slice(&n.list.to_le_bytes());
                block.push(n.flags);
                block.push(0);
                block.extend_from_slice(&reason_ref(n.reason).to_le_bytes());
                let s = &mut stats[n.list as usize];
                if n.flags & FLAG_EXCLUDE != 0 {
                    s.exclusions += 1;
                } else {
                    s.entries += 1;
                }
                key_bytes[n.list as usize] += key.len() as u64 + ITEM_LEN as u64;
                j += 1;
            }
            let count = (j - i) as u32;
            block[..4].copy_from_slice(&count.to_le_bytes());
            let off = match blocks.get(&block) {
                Some(&off) => off,
                None => {
                    let off = postings.len() as u64;
                    postings.extend_from_slice(&block);
                    blocks.insert(block.clone(), off);
                    off
                }
            };
            fst.insert(key, off)
                .map_err(|e| Error::InvalidList(format!("name table: {e}")))?;
            i = j;
        }
        let fst_bytes = fst
            .into_inner()
            .map_err(|e| Error::InvalidList(format!("name table: {e}")))?;
        let total_key_bytes: u64 = key_bytes.iter().sum::<u64>().max(1);
        let names_total = (fst_bytes.len() + postings.len()) as u64;
        for (s, kb) in stats.iter_mut().zip(&key_bytes) {
            s.bytes += names_total * kb / total_key_bytes;
        }

        // IPs: every entry kept (for dump and diff), then one resolved table per family.
        let mut ip_entries = [Vec::new(), Vec::new()];
        let mut items = [Vec::new(), Vec::new()];
        for r in &self.ranges {
            let fam = r.range.v6 as usize;
            let idx = items[fam].len();
            if idx >= SINGLE_HIT as usize {
                return Err(Error::InvalidList("too many IP entries".into()));
            }
            let out = &mut ip_entries[fam];
            let before = out.len();
            out.extend_from_slice(&r.list.to_le_bytes());
            out.push(if r.exclude { FLAG_EXCLUDE } else { 0 });
            out.push(0);
            out.extend_from_slice(&reason_ref(r.reason).to_le_bytes());
            if r.range.v6 {
                out.extend_from_slice(&r.range.start.to_le_bytes());
                out.extend_from_slice(&r.range.end.to_le_bytes());
            } else {
                out.extend_from_slice(&(r.range.start as u32).to_le_bytes());
                out.extend_from_slice(&(r.range.end as u32).to_le_bytes());
            }
            let s = &mut stats[r.list as usize];
            if r.exclude {
                s.exclusions += 1;
            } else {
                s.entries += 1;
            }
            s.bytes += (out.len() - before) as u64;
            items[fam].push(RangeItem {
                list: r.list,
                entry: idx as u32,
                exclude: r.exclude,
                start: r.range.start,
                end: r.range.end,
            });
        }
        let mut hit_sets: Vec<u8> = Vec::new();
        let mut set_offsets: BTreeMap<Vec<(u16, u32)>, u32> = BTreeMap::new();
        let mut tables = Vec::new();
        for (v6, fam) in items.iter().enumerate() {
            let v6 = v6 == 1;
            let (max, bits) = if v6 {
                (u128::MAX, 128)
            } else {
                (u32::MAX as u128, 32)
            };
            let (mut index, mut starts, mut values) = (Vec::new(), Vec::new(), Vec::new());
            if !fam.is_empty() {
                let mut starts_all: Vec<u128> = Vec::new();
                let mut failed = None;
                ranges::resolve_each(fam, max, |start, hits| {
                    starts_all.push(start);
                    let single = match hits {
                        [(list, entry)] => single_hit(*list, *entry),
                        _ => None,
                    };
                    let v = if hits.is_empty() {
                        NO_HITS
                    } else if let Some(v) = single {
                        v
                    } else if let Some(&off) = set_offsets.get(hits) {
                        off
                    } else {
                        let Some(off) = u32::try_from(hit_sets.len())
                            .ok()
                            .filter(|&o| o < SINGLE_HIT)
                        else {
                            failed =
                                Some(Error::InvalidList("too many distinct IP hit sets".into()));
                            return;
                        };
                        hit_sets.extend_from_slice(&(hits.len() as u32).to_le_bytes());
                        for &(list, entry) in hits {
                            hit_sets.extend_from_slice(&list.to_le_bytes());
                            hit_sets.extend_from_slice(&[0, 0]);
                            hit_sets.extend_from_slice(&entry.to_le_bytes());
                        }
                        set_offsets.insert(hits.to_vec(), off);
                        off
                    };
                    values.extend_from_slice(&v.to_le_bytes());
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                let k = ranges::index_bits(starts_all.len());
                for idx in ranges::build_index(&starts_all, bits, k) {
                    index.extend_from_slice(&idx.to_le_bytes());
                }
                for s in &starts_all {
                    if v6 {
                        starts.extend_from_slice(&s.to_le_bytes());
                    } else {
                        starts.extend_from_slice(&(*s as u32).to_le_bytes());
                    }
                }
                // Share the tables among the IP lists by their entry counts.
                let table_bytes = (index.len() + starts.len() + values.len()) as u64;
                let fam_total = fam.len().max(1) as u64;
                let mut per_list = vec![0u64; self.lists.len()];
                for it in fam {
                    per_list[it.list as usize] += 1;
                }
                for (s, n) in stats.iter_mut().zip(per_list) {
                    s.bytes += table_bytes * n / fam_total;
                }
            }
            tables.push((index, starts, values));
        }
        let [v4_entries, v6_entries] = ip_entries;
        let (v6_index, v6_starts, v6_values) = tables.pop().expect("two tables");
        let (v4_index, v4_starts, v4_values) = tables.pop().expect("two tables");

        let mut lists = Vec::with_capacity(8 + self.lists.len() * LIST_RECORD_LEN);
        lists.extend_from_slice(&(self.lists.len() as u32).to_le_bytes());
        lists.extend_from_slice(&[0u8; 4]);
        for (i, l) in self.lists.iter().enumerate() {
            let s = &stats[i];
            lists.extend_from_slice(&sref(&l.name).to_le_bytes());
            lists.extend_from_slice(&list_reason[i].to_le_bytes());
            lists.push(l.kind.code());
            lists.extend_from_slice(&[0u8; 7]);
            lists.extend_from_slice(&s.entries.to_le_bytes());
            lists.extend_from_slice(&s.exclusions.to_le_bytes());
            lists.extend_from_slice(&s.bytes.to_le_bytes());
            lists.extend_from_slice(&[0u8; 8]);
        }
        let sections = Sections {
            parts: vec![
                (SectionId::Lists, lists),
                (SectionId::Strings, strings.0),
                (SectionId::Names, fst_bytes),
                (SectionId::Postings, postings),
                (SectionId::V4Index, v4_index),
                (SectionId::V4Starts, v4_starts),
                (SectionId::V4Values, v4_values),
                (SectionId::V6Index, v6_index),
                (SectionId::V6Starts, v6_starts),
                (SectionId::V6Values, v6_values),
                (SectionId::HitSets, hit_sets),
                (SectionId::V4Entries, v4_entries),
                (SectionId::V6Entries, v6_entries),
            ],
        };
        let (bytes, content_hash) = assemble(sections);
        Ok(Built {
            bytes,
            content_hash,
            lists: stats,
        })
    }
}

/// Strings stored once each, in sorted order, as `u32` length + UTF-8 bytes.
#[derive(Default)]
struct StringTable {
    set: std::collections::BTreeSet<String>,
}

impl StringTable {
    fn add(&mut self, s: &str) {
        if !self.set.contains(s) {
            self.set.insert(s.to_owned());
        }
    }

    fn finish(self) -> (Vec<u8>, AHashMap<String, u32>) {
        let mut bytes = Vec::new();
        let mut refs = AHashMap::with_capacity(self.set.len());
        for s in self.set {
            refs.insert(s.clone(), bytes.len() as u32);
            bytes.extend_from_slice(&(s.len() as u32).to_le_bytes());
            bytes.extend_from_slice(s.as_bytes());
        }
        (bytes, refs)
    }
}
