//! `mxlists dump`: the entries of an artifact back in `plain` list syntax, on
//! standard output or as a folder with a manifest that rebuilds the artifact.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use mxlists_core::artifact::check_output;
use mxlists_core::{write_atomic, Artifact, Entry, ListInfo};
use serde::Serialize;

use crate::args::DumpArgs;
use crate::failure::{Failure, Status, EXIT_OK};

/// The file name of the manifest written by `--manifest`.
pub const MANIFEST_NAME: &str = "mxlists.toml";

/// A manifest as written by `--manifest`.
#[derive(Serialize)]
struct Manifest {
    list: Vec<ManifestList>,
}

/// One `[[list]]` of a written manifest.
#[derive(Serialize)]
struct ManifestList {
    name: String,
    kind: &'static str,
    sources: Vec<String>,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Runs `mxlists dump`.
pub fn run(args: &DumpArgs) -> Status {
    let artifact = super::open(&args.artifact)?;
    let selection = super::selection(&artifact, &args.artifact, &args.list)?;
    let selected: Vec<usize> = (0..artifact.lists().len())
        .filter(|&i| selection.contains(i))
        .collect();
    if let Some(dir) = &args.manifest {
        if !args.force {
            refuse_populated(dir, &artifact, &selected)?;
        }
    }
    let texts = entry_texts(&artifact, &selected).map_err(|e| Failure::about(&args.artifact, e))?;
    match &args.manifest {
        Some(dir) => write_manifest(dir, &artifact, &selected, &texts, &args.artifact)?,
        None => {
            let mut out = io::stdout().lock();
            let headers = selected.len() > 1 || args.list.is_empty();
            for &i in &selected {
                if headers {
                    let l = &artifact.lists()[i];
                    writeln!(out, "# list {} ({})", l.name, l.kind)?;
                }
                out.write_all(&texts[i])?;
            }
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}

/// The entries of the selected lists in `plain` syntax, one a line, indexed by
/// list position (unselected lists stay empty).
fn entry_texts(artifact: &Artifact, selected: &[usize]) -> mxlists_core::Result<Vec<Vec<u8>>> {
    let mut texts = vec![Vec::new(); artifact.lists().len()];
    artifact.for_each_entry(&mut |list, entry| {
        if selected.contains(&list) {
            if let Some(text) = texts.get_mut(list) {
                push_entry(text, &entry);
            }
        }
        Ok(())
    })?;
    Ok(texts)
}

/// Appends `entry` as one line of `plain` syntax. Entry's Display brackets a
/// value that would read back as something else (`<#...>`, which `plain` would
/// otherwise take for a comment, `<!...>`, values with spaces).
fn push_entry(out: &mut Vec<u8>, entry: &Entry) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{entry}");
    out.push(b'\n');
}

fn file_name(list: &ListInfo) -> String {
    format!("{}.txt", list.name)
}

/// Refuses a `--manifest` folder that already holds a file the dump would
/// write (without `--force`): an operator's own manifest and lists, comments
/// and all, must not be replaced by a dump. Nothing is written then.
fn refuse_populated(dir: &Path, artifact: &Artifact, selected: &[usize]) -> Result<(), Failure> {
    let mut names: Vec<String> = vec![MANIFEST_NAME.to_owned()];
    names.extend(selected.iter().map(|&i| file_name(&artifact.lists()[i])));
    let present: Vec<&String> = names
        .iter()
        .filter(|n| fs::symlink_metadata(dir.join(n)).is_ok())
        .collect();
    if present.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 10;
    let mut listed = present
        .iter()
        .take(SHOWN)
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if present.len() > SHOWN {
        listed.push_str(&format!(" and {} more", present.len() - SHOWN));
    }
    Err(Failure::new(format!(
        "{}: already holds {listed}, which the dump would replace; nothing was written \
         (--force replaces them)",
        dir.display()
    )))
}

fn write_manifest(
    dir: &Path,
    artifact: &Artifact,
    selected: &[usize],
    texts: &[Vec<u8>],
    source: &Path,
) -> Result<(), Failure> {
    fs::create_dir_all(dir).map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
    // Every file must be writable before the first is written: a FIFO or a
    // folder in the way leaves the folder as it was.
    check_output(&dir.join(MANIFEST_NAME))?;
    for &i in selected {
        check_output(&dir.join(file_name(&artifact.lists()[i])))?;
    }
    let mut manifest = Manifest { list: Vec::new() };
    for &i in selected {
        let l = &artifact.lists()[i];
        let mut body = format!(
            "# list {} ({}), dumped from {} (content hash {})\n",
            l.name,
            l.kind,
            source.display(),
            artifact.content_hash()
        )
        .into_bytes();
        body.extend_from_slice(&texts[i]);
        write_atomic(&dir.join(file_name(l)), &body)?;
        manifest.list.push(ManifestList {
            name: l.name.clone(),
            kind: l.kind.as_str(),
            sources: vec![file_name(l)],
            format: "plain",
            reason: l.reason_is_set.then(|| l.reason.clone()),
        });
    }
    let toml = toml::to_string(&manifest)
        .map_err(|e| Failure::new(format!("writing {MANIFEST_NAME}: {e}")))?;
    let text = format!(
        "# Lists dumped from {} (content hash {}).\n# Build: mxlists build {} -o OUT\n\n{toml}",
        source.display(),
        artifact.content_hash(),
        dir.join(MANIFEST_NAME).display()
    );
    write_atomic(&dir.join(MANIFEST_NAME), text.as_bytes())?;
    Ok(())
}
