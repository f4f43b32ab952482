//! Differences between two artifacts, list by list.

use std::collections::BTreeSet;

use crate::artifact::Artifact;
use crate::error::Result;

/// What changed in one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListDiff {
    /// The list name.
    pub list: String,
    /// Whether the list exists only in the old artifact.
    pub removed_list: bool,
    /// Whether the list exists only in the new artifact.
    pub added_list: bool,
    /// Entries (in `plain` syntax) only in the new artifact.
    pub added: Vec<String>,
    /// Entries (in `plain` syntax) only in the old artifact.
    pub removed: Vec<String>,
}

impl ListDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.removed_list && !self.added_list && self.added.is_empty() && self.removed.is_empty()
    }
}

fn entry_sets(art: &Artifact) -> Result<Vec<BTreeSet<String>>> {
    let mut sets = vec![BTreeSet::new(); art.lists().len()];
    art.for_each_entry(&mut |list, e| {
        if let Some(s) = sets.get_mut(list) {
            s.insert(e.to_string());
        }
        Ok(())
    })?;
    Ok(sets)
}

/// Compares two artifacts: one [`ListDiff`] per list name found in either, old
/// lists first in their order, then lists only in `new`.
pub fn diff(old: &Artifact, new: &Artifact) -> Result<Vec<ListDiff>> {
    let (a, b) = (entry_sets(old)?, entry_sets(new)?);
    let empty = BTreeSet::new();
    let mut out = Vec::new();
    let mut names: Vec<&str> = old.lists().iter().map(|l| l.name.as_str()).collect();
    for l in new.lists() {
        if !names.contains(&l.name.as_str()) {
            names.push(&l.name);
        }
    }
    for name in names {
        let ia = old.lists().iter().position(|l| l.name == name);
        let ib = new.lists().iter().position(|l| l.name == name);
        let sa = ia.map(|i| &a[i]).unwrap_or(&empty);
        let sb = ib.map(|i| &b[i]).unwrap_or(&empty);
        out.push(ListDiff {
            list: name.to_owned(),
            removed_list: ib.is_none(),
            added_list: ia.is_none(),
            added: sb.difference(sa).cloned().collect(),
            removed: sa.difference(sb).cloned().collect(),
        });
    }
    Ok(out)
}
