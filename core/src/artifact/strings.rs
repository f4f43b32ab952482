//! The `strings` section: every string of the artifact (list names, reasons),
//! stored once each in byte order as a `u32` length and UTF-8 bytes, and
//! referenced by offset.

use std::collections::{BTreeSet, HashMap};

use super::section::SectionId;
use super::wire::{Put, Reader};
use crate::error::Result;

/// A string reference meaning "none" (for a reason: the list's default).
pub(crate) const NO_STR: u32 = u32::MAX;

/// Collects strings and lays them out.
#[derive(Default)]
pub(crate) struct StringsWriter {
    set: BTreeSet<String>,
}

impl StringsWriter {
    /// Adds a string (once, whatever the number of calls).
    pub(crate) fn add(&mut self, s: &str) {
        if !self.set.contains(s) {
            self.set.insert(s.to_owned());
        }
    }

    /// The section's bytes and the reference of every string.
    pub(crate) fn finish(self) -> (Vec<u8>, HashMap<String, u32>) {
        let mut bytes = Vec::new();
        let mut refs = HashMap::with_capacity(self.set.len());
        for s in self.set {
            let at = u32::try_from(bytes.len()).expect("strings section under 4 GiB");
            bytes.put_u32(s.len() as u32);
            bytes.extend_from_slice(s.as_bytes());
            refs.insert(s, at);
        }
        (bytes, refs)
    }
}

/// The string at reference `at` of the `strings` section.
#[inline]
pub(crate) fn str_at(strings: &[u8], at: u32) -> Result<&str> {
    let mut r = Reader::at(strings, at as usize, SectionId::Strings);
    let len = r.u32()? as usize;
    let bytes = r.bytes(len)?;
    std::str::from_utf8(bytes)
        .map_err(|_| SectionId::Strings.corrupt(format!("string at {at} is not UTF-8")))
}

/// The full check of the section: every string decodes, back to back, in
/// strictly increasing order.
pub(crate) fn validate(strings: &[u8]) -> Result<()> {
    let mut at = 0usize;
    let mut prev: Option<&str> = None;
    while at < strings.len() {
        let s = str_at(strings, at as u32)?;
        if prev.is_some_and(|p| p >= s) {
            return Err(SectionId::Strings.corrupt(format!("string at {at} is out of order")));
        }
        prev = Some(s);
        at += 4 + s.len();
    }
    Ok(())
}
