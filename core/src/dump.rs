//! Reading entries back out of an artifact (for `dump` and `diff`).

use std::collections::BTreeSet;

use crate::artifact::section::SectionId;
use crate::artifact::strings::{str_at, NO_STR};
use crate::artifact::Artifact;
use crate::entry::{Entry, IpRange, Target};
use crate::error::Result;
use crate::ip::{Family, EXCLUDE};
use crate::names;
use crate::names::addresses::AddressTable;
use crate::names::postings::Block;

impl Artifact {
    /// Every entry of every list, as `(list index, entry)`: names in key order
    /// (labels reversed, so a domain comes with its subdomains and addresses),
    /// then IP entries by list and range. Rebuilding these entries into the
    /// same lists gives a byte-identical artifact.
    pub fn entries(&self) -> Result<Vec<(usize, Entry)>> {
        let mut out = Vec::new();
        self.for_each_entry(&mut |list, e| {
            out.push((list, e));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every entry, as [`Artifact::entries`] orders them.
    pub fn for_each_entry(&self, f: &mut dyn FnMut(usize, Entry) -> Result<()>) -> Result<()> {
        let strings = self.section(SectionId::Strings);
        let reason = |r: u32| -> Result<Option<String>> {
            if r == NO_STR {
                Ok(None)
            } else {
                str_at(strings, r).map(|s| Some(s.to_owned()))
            }
        };
        let mut keyed = self.name_keys()?;
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let postings = self.section(SectionId::Postings);
        let index = self.section(SectionId::PostingIndex);
        for (key, block) in keyed {
            for p in Block::at(postings, index, block)?.items() {
                let p = p?;
                f(
                    p.list as usize,
                    Entry {
                        target: Target::Name {
                            key: key.clone(),
                            form: p.form,
                        },
                        exclude: p.exclude,
                        reason: reason(p.reason)?,
                    },
                )?;
            }
        }
        for fam in [Family::V4, Family::V6] {
            let mut entries: BTreeSet<(u8, IpRange, bool, u32)> = BTreeSet::new();
            let table = self.ip_table(fam);
            for i in 0..table.len() {
                let r = table.record(i)?;
                let range = table.entry_range(i, &r)?;
                // The pieces of a range give it once.
                entries.insert((r.list, range, r.flags & EXCLUDE != 0, table.reason(i, &r)?));
            }
            for (list, range, exclude, why) in entries {
                f(
                    list as usize,
                    Entry {
                        target: Target::Range(range),
                        exclude,
                        reason: reason(why)?,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Every name record's key (labels reversed; `@local` after an address's
    /// domain) and posting block.
    fn name_keys(&self) -> Result<Vec<(Vec<u8>, u32)>> {
        let domains = self.domains();
        let mut by_id: Vec<Option<&[u8]>> = vec![None; self.names.address_domains as usize];
        let mut out = Vec::new();
        domains.for_each(|r, _, _| {
            if let Some(block) = r.block {
                out.push((domain_key(r.name), block));
            }
            if let Some(slot) = r.id.and_then(|d| by_id.get_mut(d as usize)) {
                *slot = Some(r.name);
            }
            Ok(())
        })?;
        let addresses = self.addresses();
        let mut local = Vec::with_capacity(64);
        addresses.for_each(|r, line, _| {
            local.clear();
            self.names.code.decode(r.code, &mut local).ok_or_else(|| {
                SectionId::AddressLines.corrupt(format!("bad code in line {line}"))
            })?;
            let hash = AddressTable::hash(addresses.seed, &local);
            let d = addresses.domain_of(&r, hash, line);
            let domain = by_id.get(d as usize).copied().flatten().ok_or_else(|| {
                SectionId::AddressLines.corrupt(format!("address at unknown domain {d}"))
            })?;
            let mut key = domain_key(domain);
            key.push(b'@');
            key.extend_from_slice(&local);
            out.push((key, r.block));
            Ok(())
        })?;
        Ok(out)
    }
}

/// The reversed key of a stored domain name.
fn domain_key(name: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len());
    names::push_domain_key(&String::from_utf8_lossy(name), &mut key);
    key
}
