//! The `max_change` guard: a rebuild that changes a list's entry count by more
//! than a given percentage is refused, so that a truncated or garbage download
//! cannot wipe a list in production.

use std::path::Path;

use crate::artifact::{Artifact, Verify};
use crate::build::ListStats;
use crate::error::{Error, Result};

/// One list's change in entry count (listings and exclusions).
#[derive(Clone, Debug, PartialEq)]
pub struct ListChange {
    /// List name.
    pub name: String,
    /// Entries in the existing artifact.
    pub old: u64,
    /// Entries in the new build; `None` when the list was removed.
    pub new: Option<u64>,
    /// The change in percent of the old count (infinite from 0 to N; 100 for a
    /// removed list).
    pub percent: f64,
}

impl std::fmt::Display for ListChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.new {
            None => write!(
                f,
                "list {:?} removed ({} → 0 entries, 100%)",
                self.name, self.old
            ),
            Some(new) if self.percent.is_infinite() => {
                write!(
                    f,
                    "list {:?}: {} → {new} entries (from empty)",
                    self.name, self.old
                )
            }
            Some(new) => {
                let sign = if new >= self.old { "+" } else { "-" };
                write!(
                    f,
                    "list {:?}: {} → {new} entries ({sign}{:.1}%)",
                    self.name, self.old, self.percent
                )
            }
        }
    }
}

/// How much each list of `old` changes in `new` (lists only in `new` are not
/// changes of anything and are left out).
pub fn changes(old: &Artifact, new: &[ListStats]) -> Vec<ListChange> {
    old.lists()
        .iter()
        .map(|o| {
            let old_count = o.entries + o.exclusions;
            match new.iter().find(|n| n.name == o.name) {
                None => ListChange {
                    name: o.name.clone(),
                    old: old_count,
                    new: None,
                    percent: 100.0,
                },
                Some(n) => {
                    let new_count = n.entries + n.exclusions;
                    let percent = if old_count == new_count {
                        0.0
                    } else if old_count == 0 {
                        f64::INFINITY
                    } else {
                        old_count.abs_diff(new_count) as f64 * 100.0 / old_count as f64
                    };
                    ListChange {
                        name: o.name.clone(),
                        old: old_count,
                        new: Some(new_count),
                        percent,
                    }
                }
            }
        })
        .collect()
}

/// Refuses (with [`Error::MaxChange`]) when the artifact at `output` exists and
/// a list changes by more than `limit` percent, or when it exists and cannot be
/// read as an artifact.
pub(crate) fn check(output: &Path, new: &[ListStats], limit: f64) -> Result<()> {
    let refuse = |message: String| Error::MaxChange {
        path: output.to_path_buf(),
        message,
    };
    if !output.exists() {
        return Ok(());
    }
    let old = Artifact::open_with(output, Verify::Full).map_err(|e| {
        refuse(format!(
            "the existing file cannot be read as an artifact ({e}), so the change cannot be measured; \
             move it away or build without the change limit"
        ))
    })?;
    let over: Vec<String> = changes(&old, new)
        .into_iter()
        .filter(|c| c.percent > limit)
        .map(|c| c.to_string())
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    Err(refuse(format!(
        "{} (the limit is {limit}%)",
        over.join("; ")
    )))
}
