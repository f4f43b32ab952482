//! The builder: collects lists and their entries, resolves duplicates, and
//! lays out the artifact, one writer per family of sections ([`names`] for
//! the name tables, [`crate::ip::build`] for the IP tables, the list table and
//! strings here).
//!
//! The bytes depend only on the lists (names, kinds, order, default reasons) and
//! their normalized entry sets: entries are sorted, duplicates folded (an
//! exclusion beats a listing of the same entry; among reasons, an explicit reason
//! beats the default and then the smallest text wins) and strings are stored in
//! sorted order.

mod names;

use std::cmp::Ordering;

use ahash::AHashMap;

use crate::artifact::lists::{self, ListRecord, MAX_LISTS};
use crate::artifact::section::SectionId;
use crate::artifact::strings::{StringsWriter, NO_STR};
use crate::artifact::write::assemble;
use crate::entry::{parse_entry, Entry, EntryError, IpRange, Target};
use crate::error::{Error, Result};
use crate::ip::build::{self as ip_build, IpEntry};
use crate::ip::Family;
use crate::kind::ListKind;
use crate::names::NameForm;

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
    form: NameForm,
    exclude: bool,
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
    forced_lines: Option<(u32, u32)>,
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

    /// The kind of a declared list (`None` for an id no list has).
    pub fn kind(&self, list: ListId) -> Option<ListKind> {
        self.lists.get(list.index()).map(|l| l.kind)
    }

    /// Parses one entry in `plain` syntax (`[!]value [reason]`) and adds it.
    /// Returns the entry's warning, if any.
    pub fn add_text(&mut self, list: ListId, text: &str) -> Result<Option<EntryError>, EntryError> {
        let kind = self.kind(list).ok_or_else(|| EntryError {
            offset: 0,
            message: format!("no list with id {}", list.0),
        })?;
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
                self.names.push(NameRec {
                    off,
                    len: key.len() as u16,
                    list: list.0,
                    form,
                    exclude: entry.exclude,
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
                .then(a.form.cmp(&b.form))
                .then(b.exclude.cmp(&a.exclude))
                .then(self.reason_cmp(a.reason, b.reason))
        });
        names.dedup_by(|b, a| self.key(a) == self.key(b) && a.list == b.list && a.form == b.form);
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

    /// Test hook: gives the name tables exactly `domain` and `address` lines
    /// (at least 1), so that tests can make every record share a line and most
    /// go to the overflow sections. Lookups must answer the same.
    #[doc(hidden)]
    pub fn force_table_lines(&mut self, domain: u32, address: u32) {
        self.forced_lines = Some((domain.max(1), address.max(1)));
    }

    /// Resolves everything and lays out the artifact.
    pub fn build(&mut self) -> Result<Built> {
        self.normalize_entries();
        let mut strings = StringsWriter::default();
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
        let (strings, refs) = strings.finish();
        let reason_ref = |r: u32| {
            if r == NO_REASON {
                NO_STR
            } else {
                refs[&self.reasons[r as usize]]
            }
        };
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

        for n in &self.names {
            let s = &mut stats[n.list as usize];
            if n.exclude {
                s.exclusions += 1;
            } else {
                s.entries += 1;
            }
        }
        let names = names::write(
            self.names.len(),
            |i| {
                let n = &self.names[i];
                names::NameItem {
                    key: self.key(n),
                    list: n.list,
                    form: n.form,
                    exclude: n.exclude,
                    reason: reason_ref(n.reason),
                }
            },
            self.lists.len(),
            self.forced_lines,
        )?;
        for (s, b) in stats.iter_mut().zip(&names.list_bytes) {
            s.bytes += b;
        }

        let mut families = Vec::with_capacity(2);
        for fam in [Family::V4, Family::V6] {
            let entries: Vec<IpEntry> = self
                .ranges
                .iter()
                .filter(|r| r.range.v6 == fam.v6)
                .map(|r| IpEntry {
                    list: r.list,
                    range: r.range,
                    exclude: r.exclude,
                    reason: reason_ref(r.reason),
                })
                .collect();
            let mut per_list = vec![0u64; self.lists.len()];
            for e in &entries {
                per_list[e.list as usize] += 1;
                let s = &mut stats[e.list as usize];
                if e.exclude {
                    s.exclusions += 1;
                } else {
                    s.entries += 1;
                }
            }
            let sections = ip_build::write(&entries, fam);
            // Share the family's bytes among its lists by their entry counts.
            let total = (sections.index.len()
                + sections.records.len()
                + sections.reasons.len()
                + sections.ranges.len()) as u64;
            let count = entries.len().max(1) as u64;
            for (s, n) in stats.iter_mut().zip(per_list) {
                s.bytes += total * n / count;
            }
            families.push(sections);
        }
        let v6 = families.pop().expect("two families");
        let v4 = families.pop().expect("two families");

        let records: Vec<ListRecord> = self
            .lists
            .iter()
            .zip(&stats)
            .map(|(l, s)| ListRecord {
                name: refs[&l.name],
                reason: l.reason.as_ref().map_or(NO_STR, |r| refs[r]),
                kind: l.kind,
                entries: s.entries,
                exclusions: s.exclusions,
                bytes: s.bytes,
            })
            .collect();
        let parts = vec![
            (SectionId::Lists, lists::write(&records)),
            (SectionId::Strings, strings),
            (SectionId::Postings, names.postings),
            (SectionId::PostingIndex, names.posting_index),
            (SectionId::NameParams, names.params),
            (SectionId::DomainLines, names.domain_lines),
            (SectionId::DomainOverflow, names.domain_overflow),
            (SectionId::AddressLines, names.address_lines),
            (SectionId::AddressOverflow, names.address_overflow),
            (SectionId::V4Index, v4.index),
            (SectionId::V4Records, v4.records),
            (SectionId::V4Reasons, v4.reasons),
            (SectionId::V4Ranges, v4.ranges),
            (SectionId::V6Index, v6.index),
            (SectionId::V6Records, v6.records),
            (SectionId::V6Reasons, v6.reasons),
            (SectionId::V6Ranges, v6.ranges),
        ];
        let (bytes, content_hash) = assemble(parts);
        Ok(Built {
            bytes,
            content_hash,
            lists: stats,
        })
    }
}
