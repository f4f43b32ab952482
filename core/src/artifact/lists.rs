//! The `lists` section: one record per list, in the order lists are consulted.
//!
//! `u32` count (at most [`MAX_LISTS`]), `u32` reserved, then 48-byte records:
//! name and default reason (string references), kind, entry and exclusion
//! counts, and the approximate bytes the list takes.

use super::section::SectionId;
use super::strings::{str_at, NO_STR};
use super::wire::{Put, Reader};
use crate::error::Result;
use crate::kind::{check_list_name, ListKind};

/// Most lists one artifact may hold (a list index is one byte).
pub const MAX_LISTS: usize = 256;
/// Size of one list record.
const RECORD_LEN: usize = 48;

/// A list as recorded in an artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListInfo {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// The reason given for hits whose entry has none.
    pub reason: String,
    /// Whether `reason` was set by the list (rather than generated).
    pub reason_is_set: bool,
    /// Number of listing entries.
    pub entries: u64,
    /// Number of exclusions.
    pub exclusions: u64,
    /// Approximate bytes of the artifact taken by the list.
    pub bytes: u64,
}

/// The reason of a hit whose entry and list have none.
pub(crate) fn generated_reason(name: &str, kind: ListKind) -> String {
    match kind {
        ListKind::KnownTlds => "unknown top-level domain".to_string(),
        _ => format!("listed in {name}"),
    }
}

/// One list record as stored.
pub(crate) struct ListRecord {
    pub name: u32,
    pub reason: u32,
    pub kind: ListKind,
    pub entries: u64,
    pub exclusions: u64,
    pub bytes: u64,
}

/// Writes the section.
pub(crate) fn write(records: &[ListRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + records.len() * RECORD_LEN);
    out.put_u32(records.len() as u32);
    out.put_u32(0);
    for r in records {
        out.put_u32(r.name);
        out.put_u32(r.reason);
        out.put_u8(r.kind.code());
        out.extend_from_slice(&[0; 7]);
        out.put_u64(r.entries);
        out.put_u64(r.exclusions);
        out.put_u64(r.bytes);
        out.put_u64(0);
    }
    out
}

/// Reads and validates the section: count, record size, names (valid and
/// unique), kinds and string references.
pub(crate) fn read(lists: &[u8], strings: &[u8]) -> Result<Vec<ListInfo>> {
    let corrupt = |m: String| SectionId::Lists.corrupt(m);
    let mut r = Reader::new(lists, SectionId::Lists);
    let count = r.u32()? as usize;
    r.u32()?;
    if count > MAX_LISTS || lists.len() != 8 + count * RECORD_LEN {
        return Err(corrupt(format!("bad list count {count}")));
    }
    let mut out: Vec<ListInfo> = Vec::with_capacity(count);
    for _ in 0..count {
        let name = str_at(strings, r.u32()?)?.to_owned();
        let reason_ref = r.u32()?;
        let code = r.u8()?;
        r.bytes(7)?;
        let kind = ListKind::from_code(code)
            .ok_or_else(|| corrupt(format!("list {name:?} has unknown kind {code}")))?;
        if check_list_name(&name).is_err() {
            return Err(corrupt(format!("invalid list name {name:?}")));
        }
        if out.iter().any(|l| l.name == name) {
            return Err(corrupt(format!("list {name:?} appears twice")));
        }
        let (reason, reason_is_set) = if reason_ref == NO_STR {
            (generated_reason(&name, kind), false)
        } else {
            (str_at(strings, reason_ref)?.to_owned(), true)
        };
        let entries = r.u64()?;
        let exclusions = r.u64()?;
        let bytes = r.u64()?;
        r.u64()?;
        out.push(ListInfo {
            name,
            kind,
            reason,
            reason_is_set,
            entries,
            exclusions,
            bytes,
        });
    }
    Ok(out)
}
