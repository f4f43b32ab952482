//! Differences between two artifacts: per list, the entries added and removed
//! and changes of its kind and default reason, and whether the order in which
//! the lists are consulted changed. `mxlists diff` and Python's
//! `mxlists.diff()` both print this comparison and add no rule of their own.

use std::collections::BTreeSet;
use std::fmt;

use crate::artifact::{Artifact, ListInfo};
use crate::error::Result;
use crate::kind::ListKind;

/// How one list compares between two artifacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListStatus {
    /// The list is in both artifacts with the same kind, default reason and
    /// entries.
    Unchanged,
    /// The list is in both artifacts; its kind, default reason or entries
    /// differ.
    Changed,
    /// The list is only in the new artifact.
    Added,
    /// The list is only in the old artifact.
    Removed,
}

impl ListStatus {
    /// The word used in output: `unchanged`, `changed`, `added`, `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListStatus::Unchanged => "unchanged",
            ListStatus::Changed => "changed",
            ListStatus::Added => "added",
            ListStatus::Removed => "removed",
        }
    }
}

impl fmt::Display for ListStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What changed in one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListDiff {
    /// The list name.
    pub list: String,
    /// How the list compares.
    pub status: ListStatus,
    /// The list's kind in the new artifact (in the old one for a removed list).
    pub kind: ListKind,
    /// The list's kind in the old artifact, when it differs from `kind`.
    pub old_kind: Option<ListKind>,
    /// The list's default reason in the new artifact, when it differs from the
    /// old one.
    pub reason: Option<String>,
    /// The list's default reason in the old artifact, when it differs from the
    /// new one.
    pub old_reason: Option<String>,
    /// Entries (in `plain` syntax) only in the new artifact, sorted.
    pub added: Vec<String>,
    /// Entries (in `plain` syntax) only in the old artifact, sorted.
    pub removed: Vec<String>,
}

impl ListDiff {
    /// Whether anything about the list changed.
    pub fn is_changed(&self) -> bool {
        self.status != ListStatus::Unchanged
    }
}

/// The comparison of two artifacts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The old artifact's list names, in the order they are consulted.
    pub old_lists: Vec<String>,
    /// The new artifact's list names, in the order they are consulted.
    pub new_lists: Vec<String>,
    /// Whether the lists found in both are consulted in another order.
    pub order_changed: bool,
    /// One entry per list found in either artifact: the old artifact's lists
    /// first, in their order, then the lists only in the new one.
    pub lists: Vec<ListDiff>,
}

impl Comparison {
    /// Whether the artifacts hold the same lists, in the same order, with the
    /// same kinds, default reasons and entries: every lookup answers the same.
    pub fn is_equal(&self) -> bool {
        !self.order_changed && self.lists.iter().all(|l| !l.is_changed())
    }

    /// The lists that changed.
    pub fn changed(&self) -> impl Iterator<Item = &ListDiff> {
        self.lists.iter().filter(|l| l.is_changed())
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

fn names(art: &Artifact) -> Vec<String> {
    art.lists().iter().map(|l| l.name.clone()).collect()
}

/// Compares two artifacts. Artifacts with equal content hashes are equal
/// without reading their entries.
pub fn diff(old: &Artifact, new: &Artifact) -> Result<Comparison> {
    let (old_lists, new_lists) = (names(old), names(new));
    let in_both = |of: &[String], other: &[String]| -> Vec<String> {
        of.iter().filter(|l| other.contains(l)).cloned().collect()
    };
    let order_changed = in_both(&old_lists, &new_lists) != in_both(&new_lists, &old_lists);
    let same = old.content_hash() == new.content_hash();
    let (a, b) = if same {
        (Vec::new(), Vec::new())
    } else {
        (entry_sets(old)?, entry_sets(new)?)
    };
    let mut lists = Vec::new();
    let mut all = old_lists.clone();
    all.extend(new_lists.iter().filter(|l| !old_lists.contains(l)).cloned());
    for name in all {
        let o = old.lists().iter().position(|l| l.name == name);
        let n = new.lists().iter().position(|l| l.name == name);
        let info = |art: &'_ Artifact, i: Option<usize>| -> Option<ListInfo> {
            i.map(|i| art.lists()[i].clone())
        };
        let (oi, ni) = (info(old, o), info(new, n));
        let empty = BTreeSet::new();
        let entries = |sets: &'_ [BTreeSet<String>], i: Option<usize>| {
            i.and_then(|i| sets.get(i)).unwrap_or(&empty).clone()
        };
        let (ea, eb) = (entries(&a, o), entries(&b, n));
        let added: Vec<String> = eb.difference(&ea).cloned().collect();
        let removed: Vec<String> = ea.difference(&eb).cloned().collect();
        let d = match (oi, ni) {
            (Some(o), Some(n)) => {
                let old_kind = (o.kind != n.kind).then_some(o.kind);
                let (reason, old_reason) = if o.reason != n.reason {
                    (Some(n.reason.clone()), Some(o.reason.clone()))
                } else {
                    (None, None)
                };
                let changed = old_kind.is_some()
                    || reason.is_some()
                    || !added.is_empty()
                    || !removed.is_empty();
                ListDiff {
                    list: name,
                    status: if changed {
                        ListStatus::Changed
                    } else {
                        ListStatus::Unchanged
                    },
                    kind: n.kind,
                    old_kind,
                    reason,
                    old_reason,
                    added,
                    removed,
                }
            }
            (only_old, only_new) => {
                let (status, kind) = match (&only_old, &only_new) {
                    (Some(o), None) => (ListStatus::Removed, o.kind),
                    (_, Some(n)) => (ListStatus::Added, n.kind),
                    (None, None) => continue,
                };
                ListDiff {
                    list: name,
                    status,
                    kind,
                    old_kind: None,
                    reason: None,
                    old_reason: None,
                    added,
                    removed,
                }
            }
        };
        lists.push(d);
    }
    Ok(Comparison {
        old_lists,
        new_lists,
        order_changed,
        lists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    fn art(lists: &[(&str, ListKind, Option<&str>, &[&str])]) -> Artifact {
        let mut b = Builder::new();
        for (name, kind, reason, entries) in lists {
            let id = b.add_list(name, *kind, *reason).unwrap();
            for e in *entries {
                b.add_text(id, e).unwrap();
            }
        }
        Artifact::from_bytes(b.build().unwrap().bytes).unwrap()
    }

    #[test]
    fn entries_kinds_reasons_and_order() {
        let d = ListKind::Domain;
        let old = art(&[
            ("a", d, Some("r1"), &["x.example", "=y.example"]),
            ("b", d, None, &["b.example"]),
            ("gone", ListKind::Ip, None, &["10.0.0.0/8"]),
        ]);
        let same = diff(&old, &old).unwrap();
        assert!(same.is_equal());
        assert_eq!(same.lists.len(), 3);

        let new = art(&[
            ("b", ListKind::Email, None, &["b.example"]),
            ("a", d, Some("r2"), &["x.example", "z.example"]),
            ("new", d, None, &["n.example"]),
        ]);
        let c = diff(&old, &new).unwrap();
        assert!(c.order_changed && !c.is_equal());
        let by = |n: &str| c.lists.iter().find(|l| l.list == n).unwrap();
        let a = by("a");
        assert_eq!(a.status, ListStatus::Changed);
        assert_eq!(
            (a.reason.as_deref(), a.old_reason.as_deref()),
            (Some("r2"), Some("r1"))
        );
        assert_eq!(
            (a.added.clone(), a.removed.clone()),
            (
                vec!["z.example".to_string()],
                vec!["=y.example".to_string()]
            )
        );
        let b = by("b");
        assert_eq!(
            (b.status, b.kind, b.old_kind),
            (ListStatus::Changed, ListKind::Email, Some(d))
        );
        assert!(b.added.is_empty() && b.removed.is_empty());
        assert_eq!(by("gone").status, ListStatus::Removed);
        assert_eq!(by("gone").removed, ["10.0.0.0/8"]);
        assert_eq!(by("new").status, ListStatus::Added);
        let names: Vec<&str> = c.lists.iter().map(|l| l.list.as_str()).collect();
        assert_eq!(names, ["a", "b", "gone", "new"]);
    }

    #[test]
    fn a_default_reason_or_the_order_alone_is_a_difference() {
        let d = ListKind::Domain;
        let one = art(&[("a", d, Some("r1"), &["x.example"]), ("b", d, None, &[])]);
        let reason = art(&[("a", d, Some("r2"), &["x.example"]), ("b", d, None, &[])]);
        let order = art(&[("b", d, None, &[]), ("a", d, Some("r1"), &["x.example"])]);
        let c = diff(&one, &reason).unwrap();
        assert!(!c.is_equal() && !c.order_changed);
        assert_eq!(c.changed().count(), 1);
        let c = diff(&one, &order).unwrap();
        assert!(!c.is_equal() && c.order_changed);
        assert_eq!(c.changed().count(), 0);
    }
}
