//! Queries: a value is normalized, the names take one walk over the FST, IP
//! addresses one search of an interval table; each selected list is decided by
//! its most specific matching entry, and hits are reported in list order.

use std::net::IpAddr;

use fst::raw::Output;

use crate::artifact::format::*;
use crate::artifact::Artifact;
use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::kind::ListKind;
use crate::names::{self, NameForm};
use crate::normalize::{self, Invalid, Value};
use crate::ranges::RangeTable;

/// A set of lists to consult, by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    bits: [u64; MAX_LISTS / 64],
}

impl Selection {
    /// Every list.
    pub fn all() -> Self {
        Selection {
            bits: [u64::MAX; MAX_LISTS / 64],
        }
    }

    /// No list.
    pub fn none() -> Self {
        Selection {
            bits: [0; MAX_LISTS / 64],
        }
    }

    /// Adds the list at `index`.
    pub fn insert(&mut self, index: usize) {
        if index < MAX_LISTS {
            self.bits[index / 64] |= 1 << (index % 64);
        }
    }

    /// Whether the list at `index` is selected.
    #[inline]
    pub fn contains(&self, index: usize) -> bool {
        index < MAX_LISTS && self.bits[index / 64] & (1 << (index % 64)) != 0
    }
}

impl Default for Selection {
    fn default() -> Self {
        Self::all()
    }
}

/// A list's verdict on a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The list that lists the value.
    pub list: String,
    /// The list's kind.
    pub kind: ListKind,
    /// The entry that decided, in normalized `plain` syntax (for a `known_tlds`
    /// list, the TLD that is not known).
    pub entry: String,
    /// The entry's reason, or the list's default.
    pub reason: String,
    /// The queried value, normalized.
    pub value: String,
}

/// The answer to a query for the first hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Listed: the first hit in list order.
    Listed(Hit),
    /// No selected list lists the value.
    NotListed,
    /// The value is not a valid address, domain or IP address.
    Invalid(Invalid),
}

impl Outcome {
    /// The hit, when listed.
    pub fn hit(&self) -> Option<&Hit> {
        match self {
            Outcome::Listed(h) => Some(h),
            _ => None,
        }
    }

    /// Whether the value is listed.
    pub fn is_listed(&self) -> bool {
        matches!(self, Outcome::Listed(_))
    }
}

/// The answer to a query for every hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllOutcome {
    /// Every hit, in list order (empty when not listed).
    Hits(Vec<Hit>),
    /// The value is not a valid address, domain or IP address.
    Invalid(Invalid),
}

#[derive(Clone, Copy, Debug)]
enum EntryRef {
    Name { key_len: usize, form: NameForm },
    UnknownTld { len: usize },
    Ip { v6: bool, index: u32 },
}

/// A hit before its texts are made: which list decided and by which entry.
/// Cheap to produce; [`Artifact::hit`] turns it into a [`Hit`].
#[derive(Clone, Copy, Debug)]
pub struct HitRef(RawHit);

impl HitRef {
    /// The position of the list that hit.
    pub fn list_index(&self) -> usize {
        self.0.list as usize
    }
}

#[derive(Clone, Copy, Debug)]
struct RawHit {
    list: u16,
    entry: EntryRef,
    reason: u32,
}

#[derive(Clone, Copy, Default)]
struct Level {
    block: u64,
    prefix: u16,
    strict: bool,
    at_address: bool,
}

const MAX_LEVELS: usize = normalize::MAX_DOMAIN / 2 + 3;

/// A normalized name query: its reversed key and where the domain ends.
struct NameQuery {
    key: Vec<u8>,
    domain_len: usize,
    is_address: bool,
    tld_len: usize,
}

impl NameQuery {
    fn new(value: &Value) -> Option<Self> {
        let (key, domain_len, is_address) = match value {
            Value::Address { local, domain } => {
                (names::address_key(local, domain), domain.len(), true)
            }
            Value::Domain(d) => (names::domain_key(d), d.len(), false),
            Value::Ip(_) => return None,
        };
        let tld_len = key[..domain_len]
            .iter()
            .position(|&b| b == b'.')
            .unwrap_or(domain_len);
        Some(NameQuery {
            key,
            domain_len,
            is_address,
            tld_len,
        })
    }
}

impl Artifact {
    /// Resolves list names to a selection; an unknown name is an error.
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Result<Selection> {
        let mut sel = Selection::none();
        for n in names {
            let n = n.as_ref();
            let i = self
                .lists
                .iter()
                .position(|l| l.name == n)
                .ok_or_else(|| Error::UnknownList(n.to_owned()))?;
            sel.insert(i);
        }
        Ok(sel)
    }

    /// The first hit for `value` over every list.
    pub fn check(&self, value: &str) -> Result<Outcome> {
        self.check_in(value, &Selection::all())
    }

    /// The first hit for `value` over the selected lists.
    pub fn check_in(&self, value: &str, sel: &Selection) -> Result<Outcome> {
        match normalize::classify(value) {
            Ok(v) => self.check_value(&v, sel),
            Err(e) => Ok(Outcome::Invalid(e)),
        }
    }

    /// The first hit for an already normalized value.
    pub fn check_value(&self, value: &Value, sel: &Selection) -> Result<Outcome> {
        let query = NameQuery::new(value);
        match self.first(value, query.as_ref(), sel)? {
            Some(h) => Ok(Outcome::Listed(self.materialize(
                h,
                value,
                query.as_ref(),
            )?)),
            None => Ok(Outcome::NotListed),
        }
    }

    /// The first hit for a normalized value, without making its texts: the
    /// fastest form of a lookup (no allocation for IP addresses).
    #[inline]
    pub fn lookup(&self, value: &Value, sel: &Selection) -> Result<Option<HitRef>> {
        let query = NameQuery::new(value);
        Ok(self.first(value, query.as_ref(), sel)?.map(HitRef))
    }

    /// Whether any selected list lists `value`.
    #[inline]
    pub fn is_listed(&self, value: &Value, sel: &Selection) -> Result<bool> {
        Ok(self.lookup(value, sel)?.is_some())
    }

    /// The texts of a hit found by [`Artifact::lookup`] for `value`.
    pub fn hit(&self, hit: &HitRef, value: &Value) -> Result<Hit> {
        let query = NameQuery::new(value);
        self.materialize(hit.0, value, query.as_ref())
    }

    #[inline]
    fn first(
        &self,
        value: &Value,
        query: Option<&NameQuery>,
        sel: &Selection,
    ) -> Result<Option<RawHit>> {
        let mut first: Option<RawHit> = None;
        self.raw_hits(value, query, sel, &mut |h| {
            if first.is_none_or(|f| h.list < f.list) {
                first = Some(h);
            }
        })?;
        Ok(first)
    }

    /// Every hit for `value` over the selected lists, in list order.
    pub fn check_all(&self, value: &str, sel: &Selection) -> Result<AllOutcome> {
        match normalize::classify(value) {
            Ok(v) => self.check_all_value(&v, sel).map(AllOutcome::Hits),
            Err(e) => Ok(AllOutcome::Invalid(e)),
        }
    }

    /// Every hit for an already normalized value, in list order.
    pub fn check_all_value(&self, value: &Value, sel: &Selection) -> Result<Vec<Hit>> {
        let mut raw = Vec::new();
        let query = NameQuery::new(value);
        self.raw_hits(value, query.as_ref(), sel, &mut |h| raw.push(h))?;
        raw.sort_by_key(|h| h.list);
        raw.into_iter()
            .map(|h| self.materialize(h, value, query.as_ref()))
            .collect()
    }

    fn raw_hits(
        &self,
        value: &Value,
        query: Option<&NameQuery>,
        sel: &Selection,
        emit: &mut dyn FnMut(RawHit),
    ) -> Result<()> {
        match (value, query) {
            (Value::Ip(ip), _) => self.ip_hits(*ip, sel, emit),
            (_, Some(q)) => self.name_hits(q, sel, emit),
            _ => Ok(()),
        }
    }

    fn ip_hits(&self, ip: IpAddr, sel: &Selection, emit: &mut dyn FnMut(RawHit)) -> Result<()> {
        let table = match ip {
            IpAddr::V4(_) => RangeTable {
                index: self.section(SectionId::V4Index),
                starts: self.section(SectionId::V4Starts),
                values: self.section(SectionId::V4Values),
                v6: false,
            },
            IpAddr::V6(_) => RangeTable {
                index: self.section(SectionId::V6Index),
                starts: self.section(SectionId::V6Starts),
                values: self.section(SectionId::V6Values),
                v6: true,
            },
        };
        let v6 = table.v6;
        let Some(value) = table.find(normalize::ip_to_u128(ip))? else {
            return Ok(());
        };
        if value & SINGLE_HIT != 0 {
            let list = ((value & !SINGLE_HIT) >> SINGLE_LIST_SHIFT) as u16;
            if sel.contains(list as usize) {
                emit(RawHit {
                    list,
                    entry: EntryRef::Ip {
                        v6,
                        index: value & SINGLE_ENTRY_MASK,
                    },
                    reason: NO_STR,
                });
            }
            return Ok(());
        }
        let sets = self.section(SectionId::HitSets);
        let off = value as usize;
        let count = u32_at(sets, off, "hit_sets")? as usize;
        for i in 0..count {
            let at = off + 4 + i * ITEM_LEN;
            let list = u16_at(sets, at, "hit_sets")?;
            if !sel.contains(list as usize) {
                continue;
            }
            let index = u32_at(sets, at + 4, "hit_sets")?;
            emit(RawHit {
                list,
                entry: EntryRef::Ip { v6, index },
                reason: NO_STR,
            });
        }
        Ok(())
    }

    /// One walk over the FST along the query key, recording every boundary (TLD,
    /// parent domains, the domain, the address) that is a key.
    fn walk(&self, q: &NameQuery, levels: &mut [Level; MAX_LEVELS]) -> Result<usize> {
        let fst = &self.fst;
        guarded(|| {
            let mut n = 0usize;
            let mut node = fst.root();
            let mut out = Output::zero();
            for (i, &b) in q.key.iter().enumerate() {
                let boundary = (b == b'.' && i < q.domain_len) || (b == b'@' && i == q.domain_len);
                if boundary && node.is_final() && n < MAX_LEVELS {
                    levels[n] = Level {
                        prefix: i as u16,
                        block: out.cat(node.final_output()).value(),
                        strict: b == b'.',
                        at_address: false,
                    };
                    n += 1;
                }
                match node.find_input(b) {
                    Some(t) => {
                        let t = node.transition(t);
                        out = out.cat(t.out);
                        node = fst.node(t.addr);
                    }
                    None => return n,
                }
            }
            if node.is_final() && n < MAX_LEVELS {
                levels[n] = Level {
                    prefix: q.key.len() as u16,
                    block: out.cat(node.final_output()).value(),
                    strict: false,
                    at_address: q.is_address,
                };
                n += 1;
            }
            n
        })
        .map_err(|_| Error::corrupt("names", "damaged name table"))
    }

    fn name_hits(
        &self,
        q: &NameQuery,
        sel: &Selection,
        emit: &mut dyn FnMut(RawHit),
    ) -> Result<()> {
        let mut levels = [Level::default(); MAX_LEVELS];
        let n = self.walk(q, &mut levels)?;
        let postings = self.section(SectionId::Postings);
        let mut decided = Selection::none();
        for level in levels[..n].iter().rev() {
            let off = usize::try_from(level.block)
                .map_err(|_| Error::corrupt("postings", "offset too large"))?;
            let count = u32_at(postings, off, "postings")? as usize;
            let mut i = 0;
            while i < count {
                let at = off + 4 + i * ITEM_LEN;
                let list = u16_at(postings, at, "postings")?;
                // Items of one list are adjacent: decide the list on all of them.
                let mut excluded = false;
                let mut listing: Option<(NameForm, u32)> = None;
                while i < count {
                    let at = off + 4 + i * ITEM_LEN;
                    if u16_at(postings, at, "postings")? != list {
                        break;
                    }
                    let flags = *postings
                        .get(at + 2)
                        .ok_or_else(|| Error::corrupt("postings", "truncated"))?;
                    let form = NameForm::from_code(flags & FORM_MASK).ok_or_else(|| {
                        Error::corrupt("postings", format!("bad flags {flags:#x}"))
                    })?;
                    if form.applies(level.strict, level.at_address) {
                        if flags & FLAG_EXCLUDE != 0 || form == NameForm::KnownTld {
                            excluded = true;
                        } else if listing.is_none() {
                            listing = Some((form, u32_at(postings, at + 4, "postings")?));
                        }
                    }
                    i += 1;
                }
                let li = list as usize;
                if !sel.contains(li) || decided.contains(li) || (!excluded && listing.is_none()) {
                    continue;
                }
                decided.insert(li);
                if excluded {
                    continue;
                }
                if let Some((form, reason)) = listing {
                    if self
                        .lists
                        .get(li)
                        .is_some_and(|l| l.kind != ListKind::KnownTlds)
                    {
                        emit(RawHit {
                            list,
                            entry: EntryRef::Name {
                                key_len: level.prefix as usize,
                                form,
                            },
                            reason,
                        });
                    }
                }
            }
        }
        for (i, l) in self.lists.iter().enumerate() {
            if l.kind == ListKind::KnownTlds && sel.contains(i) && !decided.contains(i) {
                emit(RawHit {
                    list: i as u16,
                    entry: EntryRef::UnknownTld { len: q.tld_len },
                    reason: NO_STR,
                });
            }
        }
        Ok(())
    }

    fn materialize(&self, h: RawHit, value: &Value, q: Option<&NameQuery>) -> Result<Hit> {
        let list = self
            .lists
            .get(h.list as usize)
            .ok_or_else(|| Error::corrupt("postings", format!("list {} does not exist", h.list)))?;
        let mut reason_ref = h.reason;
        let entry = match (h.entry, q) {
            (EntryRef::Name { key_len, form }, Some(q)) => {
                names::entry_text(&q.key[..key_len], form)
            }
            (EntryRef::UnknownTld { len }, Some(q)) => {
                String::from_utf8_lossy(&q.key[..len]).into_owned()
            }
            (EntryRef::Ip { v6, index }, _) => {
                // The entry (and its reason) is read only now, for the texts.
                let id = if v6 {
                    SectionId::V6Entries
                } else {
                    SectionId::V4Entries
                };
                let e = ip_entry_at(self.section(id), v6, index)?;
                if e.list != h.list {
                    return Err(Error::corrupt(
                        id.name(),
                        "interval points at another list's entry",
                    ));
                }
                reason_ref = e.reason;
                e.range.text()
            }
            _ => String::new(),
        };
        let reason = if reason_ref == NO_STR {
            list.reason.clone()
        } else {
            str_at(self.section(SectionId::Strings), reason_ref)?.to_owned()
        };
        Ok(Hit {
            list: list.name.clone(),
            kind: list.kind,
            entry,
            reason,
            value: value.text(),
        })
    }
}
