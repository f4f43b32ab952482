//! `mxlists diff`: per list, the entries added and removed between two artifacts,
//! and changes of a list's kind, default reason or position.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use mxlists_core::{Artifact, Comparison, ListDiff, ListStatus};
use serde::Serialize;

use crate::args::DiffArgs;
use crate::failure::{Failure, Status, EXIT_NO, EXIT_OK};

/// One side of the comparison, as printed by `diff --json`.
#[derive(Serialize)]
struct Side<'a> {
    path: String,
    content_hash: String,
    lists: &'a [String],
}

/// What changed in one list, as printed by `diff --json`.
#[derive(Serialize)]
struct JsonList<'a> {
    list: &'a str,
    status: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_reason: Option<&'a str>,
    added: &'a [String],
    removed: &'a [String],
}

impl<'a> JsonList<'a> {
    fn of(l: &'a ListDiff) -> Self {
        JsonList {
            list: &l.list,
            status: l.status.as_str(),
            kind: l.kind.as_str(),
            old_kind: l.old_kind.map(|k| k.as_str()),
            reason: l.reason.as_deref(),
            old_reason: l.old_reason.as_deref(),
            added: &l.added,
            removed: &l.removed,
        }
    }
}

/// The whole comparison, as printed by `diff --json`.
#[derive(Serialize)]
struct JsonComparison<'a> {
    equal: bool,
    order_changed: bool,
    old: Side<'a>,
    new: Side<'a>,
    lists: Vec<JsonList<'a>>,
}

/// Runs `mxlists diff`.
pub fn run(args: &DiffArgs) -> Status {
    let old = super::open(&args.old)?;
    let new = super::open(&args.new)?;
    let comparison = mxlists_core::diff(&old, &new).map_err(|e| {
        Failure::new(format!(
            "{} / {}: {e}",
            args.old.display(),
            args.new.display()
        ))
    })?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        let json = JsonComparison {
            equal: comparison.is_equal(),
            order_changed: comparison.order_changed,
            old: side(&args.old, &old, &comparison.old_lists),
            new: side(&args.new, &new, &comparison.new_lists),
            lists: comparison.lists.iter().map(JsonList::of).collect(),
        };
        serde_json::to_writer_pretty(&mut out, &json).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &comparison)?;
    }
    out.flush()?;
    Ok(if comparison.is_equal() {
        EXIT_OK
    } else {
        EXIT_NO
    })
}

fn side<'a>(path: &Path, artifact: &Artifact, lists: &'a [String]) -> Side<'a> {
    Side {
        path: path.display().to_string(),
        content_hash: artifact.content_hash(),
        lists,
    }
}

fn write_text(out: &mut dyn Write, c: &Comparison) -> io::Result<()> {
    if c.order_changed {
        writeln!(
            out,
            "@@ list order: {} -> {}",
            c.old_lists.join(","),
            c.new_lists.join(",")
        )?;
    }
    for l in c.changed() {
        let what = match l.status {
            ListStatus::Added => format!("new list, {} entries", l.added.len()),
            ListStatus::Removed => format!("list removed, {} entries", l.removed.len()),
            _ => format!("{} added, {} removed", l.added.len(), l.removed.len()),
        };
        writeln!(out, "@@ {} ({}): {what}", l.list, l.kind)?;
        if let Some(old_kind) = l.old_kind {
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
