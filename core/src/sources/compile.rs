//! Compiling a manifest: every source file of every list, read in its format,
//! into one [`Builder`]; then the guard against large changes, then the write.

use std::path::{Path, PathBuf};

use crate::build::{Builder, ListId};
use crate::error::{Error, Location, Result};

use super::read::{with_content, with_source, Lines};
use super::sink::{InvalidLines, Sink};
use super::{change, detect, Format, ListDecl, Manifest};
use super::{BuildOptions, BuildReport, FileReport, Progress, Warning};

/// Reads every source of `manifest` and builds the artifact in memory, telling
/// `progress` about each step.
pub(crate) fn compile(
    manifest: &Manifest,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
    let mut builder = Builder::new();
    // Resolve every list and glob before reading anything, so that a missing
    // file fails the build at once.
    let mut plan: Vec<(&ListDecl, ListId, Vec<PathBuf>)> = Vec::new();
    for decl in &manifest.lists {
        let id = builder
            .add_list(&decl.name, decl.kind, decl.reason.as_deref())
            .map_err(|e| Error::Manifest {
                path: manifest.path.clone(),
                message: e.to_string(),
            })?;
        plan.push((decl, id, manifest.files(decl)?));
    }
    let total = plan.iter().map(|(_, _, files)| files.len()).sum();
    let mut invalid = InvalidLines::default();
    let mut files = Vec::with_capacity(total);
    let mut index = 0;
    for (decl, id, paths) in &plan {
        for path in paths {
            progress(Progress::File {
                list: &decl.name,
                path,
                index,
                total,
            });
            index += 1;
            let mut tick = |lines| {
                progress(Progress::Lines {
                    list: &decl.name,
                    path,
                    lines,
                })
            };
            let report = read_file(
                &mut builder,
                decl,
                *id,
                path,
                options,
                &mut invalid,
                &mut tick,
            )?;
            files.push(report);
        }
    }
    if invalid.total > 0 {
        return Err(Error::InvalidLines {
            lines: invalid.shown,
            total: invalid.total,
        });
    }
    progress(Progress::Building);
    let built = builder.build()?;
    Ok(BuildReport { built, files })
}

/// Reads one source file into `list`.
fn read_file(
    builder: &mut Builder,
    decl: &ListDecl,
    list: ListId,
    path: &Path,
    options: &BuildOptions,
    invalid: &mut InvalidLines,
    tick: &mut dyn FnMut(u64),
) -> Result<FileReport> {
    with_source(path, |reader, name| {
        let source = Source {
            list: &decl.name,
            format: decl.format,
            path,
            name,
        };
        let lines = Lines::new(reader, path).with_progress(tick);
        read_lines(builder, list, &source, lines, options.skip_invalid, invalid)
    })
}

/// What is known about a source before it is read.
struct Source<'a> {
    list: &'a str,
    format: Format,
    path: &'a Path,
    name: &'a str,
}

/// Reads the (decompressed) content of a source into `list`, in its declared
/// format or the one `auto` picks.
fn read_lines(
    builder: &mut Builder,
    list: ListId,
    source: &Source<'_>,
    mut lines: Lines<'_>,
    skip_invalid: bool,
    invalid: &mut InvalidLines,
) -> Result<FileReport> {
    let path = source.path;
    let (format, detected) = match source.format {
        Format::Auto => {
            let head = lines.peek(detect::PEEK)?;
            let format = detect::detect(source.name, &head).map_err(|message| Error::Source {
                path: path.to_path_buf(),
                message: format!(
                    "cannot tell the format: {message}; set `format` for list {:?}",
                    source.list
                ),
            })?;
            (format, true)
        }
        f => (f, false),
    };
    let mut report = FileReport {
        list: source.list.to_owned(),
        path: path.to_path_buf(),
        format,
        detected,
        entries: 0,
        skipped: 0,
        warnings: Vec::new(),
        warning_count: 0,
    };
    let mut sink = Sink::new(builder, list, &mut report, invalid, skip_invalid);
    super::read_format(format, &mut lines, &mut sink)?;
    if report.entries == 0 && report.skipped == 0 {
        report.warning_count += 1;
        report.warnings.push(Warning {
            location: Location {
                source: path.display().to_string(),
                line: 1,
                column: 1,
            },
            message: "no entries in this file (an empty or failed download?)".into(),
        });
    }
    Ok(report)
}

/// Reads one source held in memory into the list `list` of `builder`, the way
/// a manifest build reads a file: `name` is its file name (for `auto`, and in
/// locations), gzip and zip content is decompressed. Unless `skip_invalid`,
/// invalid lines are an [`Error::InvalidLines`] (the entries of the valid lines
/// are in `builder` by then: build nothing from it).
pub fn read_source(
    builder: &mut Builder,
    list: &str,
    format: Format,
    name: &str,
    content: &[u8],
    skip_invalid: bool,
) -> Result<FileReport> {
    let id = builder
        .list_id(list)
        .ok_or_else(|| Error::UnknownList(list.to_owned()))?;
    let path = Path::new(name);
    let mut invalid = InvalidLines::default();
    let report = with_content(
        std::io::Cursor::new(content),
        path,
        name,
        |reader, inner| {
            let source = Source {
                list,
                format,
                path,
                name: inner,
            };
            let lines = Lines::new(reader, path);
            read_lines(builder, id, &source, lines, skip_invalid, &mut invalid)
        },
    )?;
    if invalid.total > 0 {
        return Err(Error::InvalidLines {
            lines: invalid.shown,
            total: invalid.total,
        });
    }
    Ok(report)
}

/// Compiles, checks `max_change` against the artifact at `output`, and writes.
pub(crate) fn build(
    manifest: &Manifest,
    output: &Path,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
    let report = compile(manifest, options, progress)?;
    if let Some(limit) = options.max_change {
        change::check(output, &report.built.lists, limit)?;
    }
    progress(Progress::Writing);
    crate::artifact::write_atomic(output, &report.built.bytes)?;
    Ok(report)
}
