//! Lookups: a query is normalized ([`Query`]); a name probes the domain table
//! once per level (TLD, each parent, the domain) and, for an address, the
//! address table once; an IP address searches its family's table. Each
//! selected list is decided by its most specific matching entry, and hits are
//! reported in list order.
//!
//! The lookup path allocates nothing: [`Artifact::find`] answers with a
//! [`HitRef`] that borrows the artifact (list, reason) and the query (entry
//! text), and makes texts only when asked.

use std::fmt;

use crate::artifact::lists::MAX_LISTS;
use crate::artifact::section::SectionId;
use crate::artifact::strings::{str_at, NO_STR};
use crate::artifact::Artifact;
use crate::entry::IpRange;
use crate::error::{Error, Result};
use crate::ip::Family;
use crate::kind::ListKind;
use crate::names::addresses::AddressTable;
use crate::names::code::CODE_CAP;
use crate::names::domains::DomainTable;
use crate::names::postings::Block;
use crate::names::NameForm;
use crate::normalize::{self, Invalid, Value};
use crate::query::{Query, QueryKind};

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

    /// Whether no list is selected.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&b| b == 0)
    }

    /// How many list positions are selected.
    #[inline]
    pub fn len(&self) -> usize {
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }
}

impl Default for Selection {
    fn default() -> Self {
        Self::all()
    }
}

/// A list's verdict on a value, with its texts owned.
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

/// Which entry decided, as far as a lookup knows without making texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryRef {
    /// A domain entry on the suffix of the query text starting at `at`.
    Domain { at: u16, form: NameForm },
    /// The queried address itself.
    Address,
    /// A `known_tlds` hit: the query's TLD, starting at `at`.
    UnknownTld { at: u16 },
    /// An IP record.
    Ip { v6: bool, record: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RawHit {
    list: u16,
    entry: EntryRef,
    reason: u32,
}

/// A hit found by [`Artifact::find`]: which list decided, by which entry.
/// It borrows the artifact and the query, and reads its texts from them only
/// when asked; nothing is copied.
#[derive(Clone, Copy)]
pub struct HitRef<'a> {
    art: &'a Artifact,
    query: &'a Query,
    raw: RawHit,
}

impl fmt::Debug for HitRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HitRef")
            .field("list", &self.list())
            .field("entry", &self.entry().map(|e| e.to_string()))
            .finish()
    }
}

/// The text of the entry that decided a hit, written by its `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryText<'a> {
    /// A name entry: a form's prefix (`*.`, `=` or nothing) and the name.
    Name {
        /// `*.`, `=` or empty.
        prefix: &'static str,
        /// The domain, address or TLD.
        name: &'a str,
    },
    /// An IP entry.
    Range(IpRange),
}

impl fmt::Display for EntryText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryText::Name { prefix, name } => {
                f.write_str(prefix)?;
                f.write_str(name)
            }
            EntryText::Range(r) => fmt::Display::fmt(r, f),
        }
    }
}

impl<'a> HitRef<'a> {
    /// The position of the list that hit.
    #[inline]
    pub fn list_index(&self) -> usize {
        self.raw.list as usize
    }

    /// The name of the list that hit.
    #[inline]
    pub fn list(&self) -> &'a str {
        &self.art.lists[self.list_index()].name
    }

    /// The kind of the list that hit.
    #[inline]
    pub fn kind(&self) -> ListKind {
        self.art.lists[self.list_index()].kind
    }

    /// The queried value, normalized (its `Display` writes the text).
    #[inline]
    pub fn value(&self) -> &'a Query {
        self.query
    }

    /// The entry that decided, in normalized `plain` syntax.
    pub fn entry(&self) -> Result<EntryText<'a>> {
        let text = self.query.text();
        let slice = |at: u16| {
            text.get(at as usize..)
                .ok_or_else(|| SectionId::DomainLines.corrupt("entry outside the query"))
        };
        Ok(match self.raw.entry {
            EntryRef::Domain { at, form } => EntryText::Name {
                prefix: form.prefix(),
                name: slice(at)?,
            },
            EntryRef::Address => EntryText::Name {
                prefix: "",
                name: text,
            },
            EntryRef::UnknownTld { at } => EntryText::Name {
                prefix: "",
                name: slice(at)?,
            },
            EntryRef::Ip { v6, record } => {
                let table = self.art.ip_table(if v6 { Family::V6 } else { Family::V4 });
                let r = table.record(record as usize)?;
                EntryText::Range(table.entry_range(record as usize, &r)?)
            }
        })
    }

    /// The entry's reason, or the list's default.
    pub fn reason(&self) -> Result<&'a str> {
        let reason = match self.raw.entry {
            EntryRef::Ip { v6, record } => {
                let table = self.art.ip_table(if v6 { Family::V6 } else { Family::V4 });
                let r = table.record(record as usize)?;
                table.reason(record as usize, &r)?
            }
            _ => self.raw.reason,
        };
        if reason == NO_STR {
            Ok(&self.art.lists[self.list_index()].reason)
        } else {
            str_at(self.art.section(SectionId::Strings), reason)
        }
    }

    /// The hit with its texts owned.
    pub fn to_hit(&self) -> Result<Hit> {
        Ok(Hit {
            list: self.list().to_owned(),
            kind: self.kind(),
            entry: self.entry()?.to_string(),
            reason: self.reason()?.to_owned(),
            value: self.query.to_string(),
        })
    }
}

/// Levels of a domain whose lines are read before any is scanned (deeper
/// names, rare, read the rest as they go).
const EAGER_LEVELS: usize = 8;

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
        match Query::parse(value) {
            Ok(q) => self.outcome(&q, sel),
            Err(e) => Ok(Outcome::Invalid(e)),
        }
    }

    /// The first hit for an already normalized value.
    pub fn check_value(&self, value: &Value, sel: &Selection) -> Result<Outcome> {
        self.outcome(&Query::from_value(value), sel)
    }

    fn outcome(&self, q: &Query, sel: &Selection) -> Result<Outcome> {
        Ok(match self.find(q, sel)? {
            Some(h) => Outcome::Listed(h.to_hit()?),
            None => Outcome::NotListed,
        })
    }

    /// The first hit (in list order) for a query over the selected lists,
    /// without making any text: the lookup path, which allocates nothing.
    #[inline]
    pub fn find<'a>(&'a self, query: &'a Query, sel: &Selection) -> Result<Option<HitRef<'a>>> {
        let mut first: Option<RawHit> = None;
        self.raw_hits(query, sel, &mut |h| {
            if first.is_none_or(|f| h.list < f.list) {
                first = Some(h);
            }
        })?;
        Ok(first.map(|raw| HitRef {
            art: self,
            query,
            raw,
        }))
    }

    /// The first hit (in list order) among the lists of `group`, and the
    /// first among the other selected lists, in one lookup.
    pub(crate) fn first_in_each<'a>(
        &'a self,
        query: &'a Query,
        sel: &Selection,
        group: &Selection,
    ) -> Result<[Option<HitRef<'a>>; 2]> {
        let mut first: [Option<RawHit>; 2] = [None, None];
        self.raw_hits(query, sel, &mut |h| {
            let slot = &mut first[usize::from(!group.contains(h.list as usize))];
            if slot.is_none_or(|f| h.list < f.list) {
                *slot = Some(h);
            }
        })?;
        Ok(first.map(|f| {
            f.map(|raw| HitRef {
                art: self,
                query,
                raw,
            })
        }))
    }

    /// Every hit for a query over the selected lists, in list order, appended
    /// to `out`.
    pub fn find_all<'a>(
        &'a self,
        query: &'a Query,
        sel: &Selection,
        out: &mut Vec<HitRef<'a>>,
    ) -> Result<()> {
        let from = out.len();
        self.raw_hits(query, sel, &mut |raw| {
            out.push(HitRef {
                art: self,
                query,
                raw,
            })
        })?;
        out[from..].sort_by_key(|h| h.raw.list);
        Ok(())
    }

    /// Whether any selected list lists the query.
    #[inline]
    pub fn is_listed(&self, query: &Query, sel: &Selection) -> Result<bool> {
        Ok(self.find(query, sel)?.is_some())
    }

    /// Every hit for `value` over the selected lists, in list order.
    pub fn check_all(&self, value: &str, sel: &Selection) -> Result<AllOutcome> {
        match Query::parse(value) {
            Ok(q) => self.hits_of(&q, sel).map(AllOutcome::Hits),
            Err(e) => Ok(AllOutcome::Invalid(e)),
        }
    }

    /// Every hit for an already normalized value, in list order.
    pub fn check_all_value(&self, value: &Value, sel: &Selection) -> Result<Vec<Hit>> {
        self.hits_of(&Query::from_value(value), sel)
    }

    fn hits_of(&self, q: &Query, sel: &Selection) -> Result<Vec<Hit>> {
        let mut refs = Vec::new();
        self.find_all(q, sel, &mut refs)?;
        refs.iter().map(HitRef::to_hit).collect()
    }

    #[inline]
    fn raw_hits(&self, q: &Query, sel: &Selection, emit: &mut dyn FnMut(RawHit)) -> Result<()> {
        match q.kind() {
            QueryKind::Ip => {
                let ip = q.ip().expect("an IP query has its address");
                let fam = if ip.is_ipv6() { Family::V6 } else { Family::V4 };
                let lists = self.lists.len();
                let mut stray = false;
                self.ip_table(fam)
                    .find(normalize::ip_to_u128(ip), sel, &mut |list, record| {
                        if (list as usize) < lists {
                            emit(RawHit {
                                list,
                                entry: EntryRef::Ip { v6: fam.v6, record },
                                reason: NO_STR,
                            })
                        } else {
                            stray = true;
                        }
                    })?;
                if stray {
                    return Err(
                        fam.sections()[1].corrupt("a record names a list that does not exist")
                    );
                }
                Ok(())
            }
            _ => self.name_hits(q, sel, emit),
        }
    }

    /// The name lookup: every level of the domain probed in the domain table
    /// (the lines of the first levels read first, together), the address in
    /// the address table once the domain's record gave its number; then each
    /// list decided from the most specific level down.
    fn name_hits(&self, q: &Query, sel: &Selection, emit: &mut dyn FnMut(RawHit)) -> Result<()> {
        let domain = q.domain_bytes();
        let domain_at = q.bytes().len() - domain.len();
        // Where each level starts, most specific first: the domain, then after
        // each dot (at most 127 levels).
        let mut starts = [0u8; 128];
        let mut levels = 1usize;
        for dot in memchr::memchr_iter(b'.', domain) {
            if levels < starts.len() {
                starts[levels] = (dot + 1) as u8;
                levels += 1;
            }
        }
        let table = self.domains();
        let mut homes = [[0u32; 2]; EAGER_LEVELS];
        let mut touched = 0u8;
        if table.count > 0 {
            for (h, &at) in homes.iter_mut().zip(&starts[..levels]) {
                *h = table.homes(DomainTable::hash(table.seed, &domain[at as usize..]));
                touched ^= table.touch(*h);
            }
        }
        // While those lines arrive: the address's code and hash.
        let mut code = [0u8; CODE_CAP];
        let address = match q.local_bytes() {
            Some(local) if self.names.address_lines > 0 => self
                .names
                .code
                .encode(local, &mut code)
                .map(|n| (n, AddressTable::hash(self.names.address_seed, local))),
            _ => None,
        };
        let whole = if table.count > 0 {
            table.find(domain, homes[0])?
        } else {
            None
        };
        std::hint::black_box(touched);

        // Lists that may be decided here; done when all of them are.
        let mut open = 0usize;
        for (i, l) in self.lists.iter().enumerate() {
            open += usize::from(sel.contains(i) && l.kind != ListKind::Ip);
        }
        let mut decided = Selection::none();
        if let (Some((n, hash)), Some(d)) = (address, whole.and_then(|r| r.id)) {
            if let Some(b) = self.addresses().find(&code[..n], hash, d)? {
                self.decide_block(b, EntryRef::Address, false, true, sel, &mut decided, emit)?;
            }
        }
        let tld_at = domain_at + starts[levels - 1] as usize;
        for (level, &at) in starts[..levels].iter().enumerate() {
            if level > 0 && decided.len() >= open {
                break;
            }
            let at = at as usize;
            let rec = if level == 0 {
                whole
            } else if table.count == 0 {
                None
            } else {
                let h = match homes.get(level) {
                    Some(h) => *h,
                    None => table.homes(DomainTable::hash(table.seed, &domain[at..])),
                };
                table.find(&domain[at..], h)?
            };
            if let Some(b) = rec.and_then(|r| r.block) {
                let entry = EntryRef::Domain {
                    at: (domain_at + at) as u16,
                    form: NameForm::Domain,
                };
                self.decide_block(b, entry, level > 0, false, sel, &mut decided, emit)?;
            }
        }
        for (i, list) in self.lists.iter().enumerate() {
            if list.kind == ListKind::KnownTlds && sel.contains(i) && !decided.contains(i) {
                emit(RawHit {
                    list: i as u16,
                    entry: EntryRef::UnknownTld { at: tld_at as u16 },
                    reason: NO_STR,
                });
            }
        }
        Ok(())
    }

    /// Decides, from one posting block reached at one level, every selected
    /// list not decided yet at a more specific level: an applicable exclusion
    /// (or known TLD) decides "not listed", an applicable listing "listed".
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn decide_block(
        &self,
        block: u32,
        entry: EntryRef,
        strict: bool,
        at_address: bool,
        sel: &Selection,
        decided: &mut Selection,
        emit: &mut dyn FnMut(RawHit),
    ) -> Result<()> {
        let block = Block::at(
            self.section(SectionId::Postings),
            self.section(SectionId::PostingIndex),
            block,
        )?;
        let count = block.len();
        let mut i = 0;
        while i < count {
            let list = block.list(i);
            let li = list as usize;
            if !sel.contains(li) || decided.contains(li) {
                i += 1;
                continue;
            }
            // Items of one list are adjacent: decide the list on all of them.
            let mut excluded = false;
            let mut listing: Option<(NameForm, u32)> = None;
            while i < count && block.list(i) == list {
                let p = block.get(i)?;
                if p.form.applies(strict, at_address) {
                    if p.exclude || p.form == NameForm::KnownTld {
                        excluded = true;
                    } else if listing.is_none() {
                        listing = Some((p.form, p.reason));
                    }
                }
                i += 1;
            }
            if !excluded && listing.is_none() {
                continue;
            }
            decided.insert(li);
            if excluded {
                continue;
            }
            if let Some((form, reason)) = listing {
                let kind = self.lists.get(li).map(|l| l.kind).ok_or_else(|| {
                    SectionId::Postings.corrupt(format!("list {list} does not exist"))
                })?;
                if kind != ListKind::KnownTlds {
                    let entry = match entry {
                        EntryRef::Domain { at, .. } => EntryRef::Domain { at, form },
                        e => e,
                    };
                    emit(RawHit {
                        list,
                        entry,
                        reason,
                    });
                }
            }
        }
        Ok(())
    }
}
