//! Compiling a manifest: every source file of every list, read in its format,
//! into one [`Builder`]; then the guard against large changes, then the write.

use std::path::{Path, PathBuf};

use crate::artifact::replace::FileId;
use crate::artifact::{check_output, write_atomic_with, WriteOptions};
use crate::build::{Builder, ListId};
use crate::error::{Error, Location, Result};
use crate::input::not_regular;

use super::read::{special_source, with_content, with_source, Lines};
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
    let (builder, plan) = plan(manifest, options)?;
    compile_plan(builder, plan, options, progress)
}

/// Every list of a manifest with its files, in the order they are read.
type Plan<'m> = Vec<(&'m ListDecl, ListId, Vec<PathBuf>)>;

/// Declares every list and resolves every source before anything is read, so
/// that a missing file, or one that is not a regular file (unless
/// `allow_special_sources`), fails the build at once.
fn plan<'m>(manifest: &'m Manifest, options: &BuildOptions) -> Result<(Builder, Plan<'m>)> {
    let mut builder = Builder::new();
    let mut plan: Plan<'m> = Vec::new();
    for decl in &manifest.lists {
        let id = builder
            .add_list(&decl.name, decl.kind, decl.reason.as_deref())
            .map_err(|e| Error::Manifest {
                path: manifest.path.clone(),
                message: e.to_string(),
            })?;
        let files = manifest.files(decl)?;
        for f in &files {
            let meta = std::fs::metadata(f).map_err(|e| Error::io(f, e))?;
            if meta.is_dir() {
                return Err(Error::io(f, not_regular(meta.file_type())));
            }
            if !meta.is_file() && !options.allow_special_sources {
                return Err(special_source(f, &not_regular(meta.file_type())));
            }
        }
        plan.push((decl, id, files));
    }
    Ok((builder, plan))
}

/// Refuses to write `output` when it is one of the build's inputs (the
/// manifest or a source), told by file identity: another spelling of the
/// path, a hard link or a symbolic link to an input is refused too.
fn refuse_inputs(output: &Path, manifest: &Manifest, plan: &Plan<'_>) -> Result<()> {
    let out = FileId::of(output);
    if out.is_empty() {
        return Ok(());
    }
    let is_out = |p: &Path| FileId::of(p).iter().any(|id| out.contains(id));
    let refuse = |what: String| Error::NotWritten {
        path: output.to_path_buf(),
        reason: format!("it is {what} (the output must not be an input of the build)"),
        existed: true,
        source: None,
    };
    if is_out(&manifest.path) {
        return Err(refuse(format!("the manifest {}", manifest.path.display())));
    }
    for (decl, _, files) in plan {
        if let Some(f) = files.iter().find(|f| is_out(f)) {
            return Err(refuse(format!(
                "the source {} of list {:?}",
                f.display(),
                decl.name
            )));
        }
    }
    Ok(())
}

/// Reads the files of `plan` into `builder` and builds the artifact.
fn compile_plan(
    mut builder: Builder,
    plan: Plan<'_>,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
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
    with_source(path, options.allow_special_sources, |reader, name| {
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

/// Checks that `output` may be written and is none of the inputs, compiles,
/// checks `max_change` against the artifact at `output`, and writes.
pub(crate) fn build(
    manifest: &Manifest,
    output: &Path,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
    // Before anything is read: an output that must not be replaced fails at once.
    check_output(output)?;
    let (builder, plan) = plan(manifest, options)?;
    refuse_inputs(output, manifest, &plan)?;
    let report = compile_plan(builder, plan, options, progress)?;
    if let Some(limit) = options.max_change {
        change::check(output, &report.built.lists, limit)?;
    }
    progress(Progress::Writing);
    let write = WriteOptions { mode: options.mode };
    write_atomic_with(output, &report.built.bytes, &write)?;
    Ok(report)
}
