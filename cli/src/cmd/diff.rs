//! `mxlists diff`: per list, the entries added and removed between two artifacts,
//! and changes of a list's kind, default reason or position.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use mxlists_core::{Artifact, ListDiff, ListInfo};
use serde::Serialize;

use crate::args::DiffArgs;
use crate::failure::{Failure, Status, EXIT_NO, EXIT_OK};

/// One side of the comparison, as printed by `diff --json`.
#[derive(Serialize)]
struct Side {
    path: String,
    content_hash: String,
    lists: Vec<String>,
}

/// What changed in one list.
#[derive(Serialize)]
struct ListChange {
    list: String,
    /// `added`, `removed`, `changed` or `unchanged`.
    status: &'static str,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_reason: Option<String>,
    added: Vec<String>,
    removed: Vec<String>,
}

/// The whole comparison, as printed by `diff --json`.
#[derive(Serialize)]
struct Comparison {
    equal: bool,
    order_changed: bool,
    old: Side,
    new: Side,
    lists: Vec<ListChange>,
}

/// Runs `mxlists diff`.
pub fn run(args: &DiffArgs) -> Status {
    let old = super::open(&args.old)?;
    let new = super::open(&args.new)?;
    // Equal content hashes mean equal lists: no need to read the entries.
    let diffs = if old.content_hash() == new.content_hash() {
        Vec::new()
    } else {
        mxlists_core::diff(&old, &new).map_err(|e| {
            Failure::new(format!(
                "{} / {}: {e}",
                args.old.display(),
                args.new.display()
            ))
        })?
    };
    let comparison = compare(
        side(&args.old, &old),
        side(&args.new, &new),
        &old,
        &new,
        diffs,
    );
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &comparison).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &comparison)?;
    }
    out.flush()?;
    Ok(if comparison.equal { EXIT_OK } else { EXIT_NO })
}

fn side(path: &Path, artifact: &Artifact) -> Side {
    Side {
        path: path.display().to_string(),
        content_hash: artifact.content_hash(),
        lists: artifact.lists().iter().map(|l| l.name.clone()).collect(),
    }
}

fn find<'a>(artifact: &'a Artifact, name: &str) -> Option<&'a ListInfo> {
    artifact.lists().iter().find(|l| l.name == name)
}

fn compare(
    old_side: Side,
    new_side: Side,
    old: &Artifact,
    new: &Artifact,
    diffs: Vec<ListDiff>,
) -> Comparison {
    let mut lists = Vec::new();
    if diffs.is_empty() {
        // Identical content: every list is unchanged.
        for l in old.lists() {
            lists.push(ListChange {
                list: l.name.clone(),
                status: "unchanged",
                kind: l.kind.to_string(),
                old_kind: None,
                reason: None,
                old_reason: None,
                added: Vec::new(),
                removed: Vec::new(),
            });
        }
    }
    for d in diffs {
        let (o, n) = (find(old, &d.list), find(new, &d.list));
        let kind = n.or(o).map(|l| l.kind.to_string()).unwrap_or_default();
        let old_kind = match (o, n) {
            (Some(o), Some(n)) if o.kind != n.kind => Some(o.kind.to_string()),
            _ => None,
        };
        let (reason, old_reason) = match (o, n) {
            (Some(o), Some(n)) if o.reason != n.reason => {
                (Some(n.reason.clone()), Some(o.reason.clone()))
            }
            _ => (None, None),
        };
        let status = if d.added_list {
            "added"
        } else if d.removed_list {
            "removed"
        } else if d.is_empty() && old_kind.is_none() && reason.is_none() {
            "unchanged"
        } else {
            "changed"
        };
        lists.push(ListChange {
            list: d.list,
            status,
            kind,
            old_kind,
            reason,
            old_reason,
            added: d.added,
            removed: d.removed,
        });
    }
    let common = |of: &Side, other: &Side| -> Vec<String> {
        of.lists
            .iter()
            .filter(|l| other.lists.contains(l))
            .cloned()
            .collect()
    };
    let order_changed = common(&old_side, &new_side) != common(&new_side, &old_side);
    let equal = !order_changed && lists.iter().all(|l| l.status == "unchanged");
    Comparison {
        equal,
        order_changed,
        old: old_side,
        new: new_side,
        lists,
    }
}

fn write_text(out: &mut dyn Write, c: &Comparison) -> io::Result<()> {
    if c.order_changed {
        writeln!(
            out,
            "@@ list order: {} -> {}",
            c.old.lists.join(","),
            c.new.lists.join(",")
        )?;
    }
    for l in c.lists.iter().filter(|l| l.status != "unchanged") {
        let what = match l.status {
            "added" => format!("new list, {} entries", l.added.len()),
            "removed" => format!("list removed, {} entries", l.removed.len()),
            _ => format!("{} added, {} removed", l.added.len(), l.removed.len()),
        };
        writeln!(out, "@@ {} ({}): {what}", l.list, l.kind)?;
        if let Some(old_kind) = &l.old_kind {
            writeln!(out, "@@ {}: kind {old_kind} -> {}", l.list, l.kind)?;
        }
        if let (Some(old), Some(new)) = (&l.old_reason, &l.reason) {
            writeln!(out, "@@ {}: default reason {old:?} -> {new:?}", l.list)?;
        }
        for e in &l.added {
            writeln!(out, "+{e}")?;
        }
        for e in &l.removed {
            writeln!(out, "-{e}")?;
        }
    }
    Ok(())
}
