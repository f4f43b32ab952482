//! `mxlists info`: what an artifact holds.

use std::io::{self, Write};

use serde::Serialize;

use crate::args::InfoArgs;
use crate::failure::{Status, EXIT_OK};
use crate::output::{field, Align, Table};

/// A list as described by `info --json`.
#[derive(Serialize)]
struct JsonList<'a> {
    name: &'a str,
    kind: &'a str,
    entries: u64,
    exclusions: u64,
    bytes: u64,
    reason: &'a str,
    reason_is_set: bool,
}

/// An artifact as described by `info --json`.
#[derive(Serialize)]
struct JsonInfo<'a> {
    path: String,
    format_version: u32,
    content_hash: String,
    size: usize,
    lists: Vec<JsonList<'a>>,
    sections: Vec<JsonSection>,
}

/// One section of the file, by name and size.
#[derive(Serialize)]
struct JsonSection {
    name: &'static str,
    bytes: usize,
}

/// Runs `mxlists info`.
pub fn run(args: &InfoArgs) -> Status {
    let artifact = super::open(&args.artifact)?;
    let mut out = io::stdout().lock();
    if args.json {
        let info = JsonInfo {
            path: args.artifact.display().to_string(),
            format_version: artifact.format_version(),
            content_hash: artifact.content_hash(),
            size: artifact.len(),
            lists: artifact
                .lists()
                .iter()
                .map(|l| JsonList {
                    name: &l.name,
                    kind: l.kind.as_str(),
                    entries: l.entries,
                    exclusions: l.exclusions,
                    bytes: l.bytes,
                    reason: &l.reason,
                    reason_is_set: l.reason_is_set,
                })
                .collect(),
            sections: artifact
                .section_sizes()
                .into_iter()
                .map(|(name, bytes)| JsonSection { name, bytes })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &info).map_err(io::Error::from)?;
        writeln!(out)?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "artifact      {}",
        field(&args.artifact.display().to_string())
    )?;
    writeln!(out, "format        {}", artifact.format_version())?;
    writeln!(out, "size          {} bytes", artifact.len())?;
    writeln!(out, "content hash  {}", artifact.content_hash())?;
    writeln!(out, "lists         {}", artifact.lists().len())?;
    writeln!(out)?;
    let mut table = Table::new(&[
        ("LIST", Align::Left),
        ("KIND", Align::Left),
        ("ENTRIES", Align::Right),
        ("EXCLUSIONS", Align::Right),
        ("BYTES", Align::Right),
        ("DEFAULT REASON", Align::Left),
    ]);
    for l in artifact.lists() {
        table.row(vec![
            l.name.clone(),
            l.kind.to_string(),
            l.entries.to_string(),
            l.exclusions.to_string(),
            l.bytes.to_string(),
            field(&l.reason).into_owned(),
        ]);
    }
    table.write(&mut out)?;
    Ok(EXIT_OK)
}
