//! Reading entries back out of an artifact (for `dump` and `diff`).

use fst::Streamer;

use crate::artifact::format::*;
use crate::artifact::Artifact;
use crate::entry::{Entry, Target};
use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::names::NameForm;

impl Artifact {
    /// Every entry of every list, as `(list index, entry)`: names in key order,
    /// then IP entries in address order. Rebuilding these entries into the same
    /// lists gives a byte-identical artifact.
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
        // Collect keys under the guard (the stream decodes FST nodes), then decode.
        let pairs = guarded(|| {
            let mut stream = self.fst.stream();
            let mut pairs = Vec::new();
            while let Some((k, v)) = stream.next() {
                pairs.push((k.to_vec(), v.value()));
            }
            pairs
        })
        .map_err(|_| Error::corrupt("names", "damaged name table"))?;
        let postings = self.section(SectionId::Postings);
        for (key, off) in pairs {
            let off = off as usize;
            let count = u32_at(postings, off, "postings")? as usize;
            for i in 0..count {
                let at = off + 4 + i * ITEM_LEN;
                let list = u16_at(postings, at, "postings")? as usize;
                let flags = *postings
                    .get(at + 2)
                    .ok_or_else(|| Error::corrupt("postings", "truncated"))?;
                let form = NameForm::from_code(flags & FORM_MASK)
                    .ok_or_else(|| Error::corrupt("postings", format!("bad flags {flags:#x}")))?;
                let r = u32_at(postings, at + 4, "postings")?;
                f(
                    list,
                    Entry {
                        target: Target::Name {
                            key: key.clone(),
                            form,
                        },
                        exclude: flags & FLAG_EXCLUDE != 0,
                        reason: reason(r)?,
                    },
                )?;
            }
        }
        for (v6, id, len) in [
            (false, SectionId::V4Entries, V4_ENTRY_LEN),
            (true, SectionId::V6Entries, V6_ENTRY_LEN),
        ] {
            let b = self.section(id);
            for index in 0..(b.len() / len) {
                let e = ip_entry_at(b, v6, index as u32)?;
                f(
                    e.list as usize,
                    Entry {
                        target: Target::Range(e.range),
                        exclude: e.flags & FLAG_EXCLUDE != 0,
                        reason: reason(e.reason)?,
                    },
                )?;
            }
        }
        Ok(())
    }
}
