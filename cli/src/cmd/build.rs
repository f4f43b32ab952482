//! `mxlists build`: compile a manifest's lists into an artifact, written
//! atomically, and report what went in.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxlists_core::sources::{self, BuildOptions, BuildReport, Format, Manifest};
use mxlists_core::{Artifact, Verify};

use crate::args::BuildArgs;
use crate::failure::{Failure, Status, EXIT_OK};
use crate::output::{Align, Table};

/// Warnings printed per source file; the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Runs `mxlists build`.
pub fn run(args: &BuildArgs) -> Status {
    let manifest = Manifest::load(&args.manifest)?;
    let options = BuildOptions {
        skip_invalid: args.skip_invalid,
        max_change: args.max_change,
    };
    // The hash of the artifact being replaced, to say whether anything changed.
    let previous = Artifact::open_with(&args.output, Verify::Quick)
        .ok()
        .map(|a| a.content_hash());
    let started = Instant::now();
    let progress = Progress::start(&manifest);
    let result = sources::build(&manifest, &args.output, &options);
    progress.finish();
    let report = result?;
    print_warnings(&report)?;
    print_summary(args, &report, previous.as_deref(), started.elapsed())?;
    Ok(EXIT_OK)
}

/// The progress indicator: a spinner on stderr when it is a terminal, nothing
/// otherwise.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn start(manifest: &Manifest) -> Self {
        if !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let sources: usize = manifest.lists.iter().map(|l| l.sources.len()).sum();
        bar.set_message(format!(
            "compiling {} lists from {} sources of {}",
            manifest.lists.len(),
            sources,
            manifest.path.display()
        ));
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Auto => "auto",
        Format::Plain => "plain",
        Format::Exim => "exim",
        Format::Postfix => "postfix",
        Format::Sfs => "sfs",
        Format::Rbldnsd => "rbldnsd",
        Format::Drop => "drop",
        Format::Irr => "irr",
        Format::Iana => "iana",
    }
}

fn print_warnings(report: &BuildReport) -> Result<(), Failure> {
    let mut err = io::stderr().lock();
    for file in &report.files {
        for w in file.warnings.iter().take(WARNINGS_SHOWN) {
            writeln!(err, "mxlists: warning: {}: {}", w.location, w.message)?;
        }
        if file.warnings.len() > WARNINGS_SHOWN {
            writeln!(
                err,
                "mxlists: warning: {}: {} more warnings",
                file.path.display(),
                file.warnings.len() - WARNINGS_SHOWN
            )?;
        }
        if file.skipped > 0 {
            writeln!(
                err,
                "mxlists: {}: skipped {} invalid lines",
                file.path.display(),
                file.skipped
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
            format!("{} (auto)", format_name(f.format))
        } else {
            format_name(f.format).to_owned()
        };
        files.row(vec![
            f.path.display().to_string(),
            f.list.clone(),
            format,
            f.entries.to_string(),
            f.skipped.to_string(),
            f.warnings.len().to_string(),
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
        let warnings: usize = report
            .files
            .iter()
            .filter(|f| f.list == l.name)
            .map(|f| f.warnings.len())
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
