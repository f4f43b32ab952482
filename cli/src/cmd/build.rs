//! `mxlists build`: compile a manifest's lists into an artifact, written
//! atomically, and report what went in.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlists_core::artifact::check_output;
use mxlists_core::sources::{self, BuildOptions, BuildReport, FileReport, Manifest};
use mxlists_core::{Artifact, Verify};

use crate::args::BuildArgs;
use crate::failure::{Failure, Status, EXIT_OK};
use crate::output::{Align, Table};

/// Runs `mxlists build`.
pub fn run(args: &BuildArgs) -> Status {
    // Fails at once, before any list is read, when OUT may not be written.
    check_output(&args.output)?;
    let manifest = Manifest::load(&args.manifest)?;
    let options = BuildOptions {
        skip_invalid: args.skip_invalid,
        max_change: args.max_change,
        allow_special_sources: args.allow_special_sources,
        mode: args.mode,
    };
    // The hash of the artifact being replaced, to say whether anything changed.
    let previous = Artifact::open_with(&args.output, Verify::Quick)
        .ok()
        .map(|a| a.content_hash());
    let started = Instant::now();
    let mut progress = Progress::new(&args.output, !args.quiet);
    let result = sources::build_with_progress(&manifest, &args.output, &options, &mut |step| {
        progress.step(step)
    });
    progress.finish();
    let report = result?;
    print_warnings(&report)?;
    if !args.quiet {
        print_summary(args, &report, previous.as_deref(), started.elapsed())?;
    }
    Ok(EXIT_OK)
}

/// The progress bar: files read so far, on stderr when it is a terminal;
/// nothing otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    output: String,
}

impl Progress {
    fn new(output: &Path, wanted: bool) -> Self {
        let bar = (wanted && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files  {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            output: output.display().to_string(),
        }
    }

    fn step(&mut self, step: sources::Progress<'_>) {
        let Some(bar) = &self.bar else {
            return;
        };
        match step {
            sources::Progress::File {
                list,
                path,
                index,
                total,
            } => {
                bar.set_length(total as u64);
                bar.set_position(index as u64);
                bar.set_message(format!("{list}: {}", path.display()));
            }
            sources::Progress::Building => {
                bar.set_position(bar.length().unwrap_or(0));
                bar.set_message("laying out the artifact");
            }
            sources::Progress::Writing => bar.set_message(format!("writing {}", self.output)),
            _ => {}
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Warnings that are not skipped invalid lines.
fn real_warnings(file: &FileReport) -> u64 {
    file.warning_count.saturating_sub(file.skipped)
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn print_warnings(report: &BuildReport) -> Result<(), Failure> {
    let mut err = io::stderr().lock();
    for file in &report.files {
        for w in &file.warnings {
            writeln!(err, "mxlists: warning: {}: {}", w.location, w.message)?;
        }
        let unshown = file
            .warning_count
            .saturating_sub(file.warnings.len() as u64);
        if unshown > 0 {
            writeln!(
                err,
                "mxlists: warning: {}: {} more",
                file.path.display(),
                plural(unshown, "warning")
            )?;
        }
        if file.skipped > 0 {
            writeln!(
                err,
                "mxlists: {}: skipped {}",
                file.path.display(),
                plural(file.skipped, "invalid line")
            )?;
        }
    }
    Ok(())
}

fn print_summary(
    args: &BuildArgs,
    report: &BuildReport,
    previous: Option<&str>,
    elapsed: Duration,
) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    let mut files = Table::new(&[
        ("SOURCE", Align::Left),
        ("LIST", Align::Left),
        ("FORMAT", Align::Left),
        ("ENTRIES", Align::Right),
        ("SKIPPED", Align::Right),
        ("WARNINGS", Align::Right),
    ]);
    for f in &report.files {
        let format = if f.detected {
            format!("{} (auto)", f.format.as_str())
        } else {
            f.format.as_str().to_owned()
        };
        files.row(vec![
            f.path.display().to_string(),
            f.list.clone(),
            format,
            f.entries.to_string(),
            f.skipped.to_string(),
            real_warnings(f).to_string(),
        ]);
    }
    files.write(&mut out)?;
    writeln!(out)?;
    let mut lists = Table::new(&[
        ("LIST", Align::Left),
        ("KIND", Align::Left),
        ("ENTRIES", Align::Right),
        ("EXCLUSIONS", Align::Right),
        ("WARNINGS", Align::Right),
        ("BYTES", Align::Right),
    ]);
    for l in report.lists() {
        let warnings: u64 = report
            .files
            .iter()
            .filter(|f| f.list == l.name)
            .map(real_warnings)
            .sum();
        lists.row(vec![
            l.name.clone(),
            l.kind.to_string(),
            l.entries.to_string(),
            l.exclusions.to_string(),
            warnings.to_string(),
            l.bytes.to_string(),
        ]);
    }
    lists.write(&mut out)?;
    writeln!(out)?;
    let hash = &report.built.content_hash;
    let change = match previous {
        Some(p) if p == hash => " (unchanged)",
        Some(_) => " (changed)",
        None => "",
    };
    writeln!(
        out,
        "wrote {} ({} bytes) in {:.2}s",
        args.output.display(),
        report.built.bytes.len(),
        elapsed.as_secs_f64()
    )?;
    writeln!(out, "content hash {hash}{change}")?;
    Ok(())
}
