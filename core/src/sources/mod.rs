//! Sources: the build manifest (`mxlists.toml`) and the list file formats
//! operators already have, turned into entries for the [`crate::Builder`].
//!
//! A manifest declares lists in the order they are consulted; each list reads one
//! or more files (paths or globs relative to the manifest; a glob may match one
//! file per server, merged into one list) in one [`Format`]. Gzip and single-file
//! zip sources are read transparently. Every invalid line of a build is reported
//! at its file:line:column ([`crate::Error::InvalidLines`]), and nothing is built unless
//! [`BuildOptions::skip_invalid`] drops them.
//!
//! ```
//! use mxlists_core::sources::{compile, BuildOptions, Format, Manifest};
//! use mxlists_core::Artifact;
//!
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("tld_bans.txt"), "# banned TLDs\n.monster\n!good.monster partner\n").unwrap();
//! std::fs::write(dir.path().join("drop.txt"), "; Spamhaus DROP List\n1.10.16.0/20 ; SBL256894\n").unwrap();
//! let manifest = Manifest::parse(
//!     r#"
//!     [[list]]
//!     name = "tld_bans"
//!     kind = "domain"
//!     sources = ["tld_bans.txt"]
//!     reason = "mail from this TLD is not accepted here"
//!
//!     [[list]]
//!     name = "drop"
//!     kind = "ip"
//!     sources = ["drop.txt"]
//!     "#,
//!     dir.path().join("mxlists.toml"),
//! ).unwrap();
//! let report = compile(&manifest, &BuildOptions::default()).unwrap();
//! assert_eq!(report.files[1].format, Format::Drop);
//! assert!(report.files[1].detected);
//!
//! let art = Artifact::from_bytes(report.built.bytes).unwrap();
//! assert!(art.check("x@bad.monster").unwrap().is_listed());
//! assert!(!art.check("x@good.monster").unwrap().is_listed());
//! let hit = art.check("1.10.20.1").unwrap().hit().cloned().unwrap();
//! assert_eq!(hit.reason, "SBL256894");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::build::{Built, ListStats};
use crate::error::{Location, Result};
use crate::kind::ListKind;

mod abbrev;
mod change;
mod compile;
mod detect;
mod drop;
mod exim;
mod expand;
mod iana;
mod irr;
mod logical;
mod manifest;
mod plain;
mod postfix;
mod rbldnsd;
mod read;
mod sfs;
mod sink;

pub use crate::error::MAX_SHOWN_INVALID;
pub use change::{changes, ListChange};
pub use compile::read_source;
pub use manifest::MAX_MANIFEST;
pub use read::{read_line, MAX_LINE};

/// A source file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Pick by file name and content.
    Auto,
    /// One entry per line, optional reason, `#` comments.
    Plain,
    /// Exim `lsearch` / `iplsearch` files.
    Exim,
    /// Postfix access and `cidr:` tables.
    Postfix,
    /// StopForumSpam lists (plain, `_all` CSV, `.zip`, `.gz`).
    Sfs,
    /// rbldnsd ip4set / ip6 / dnset data.
    Rbldnsd,
    /// Spamhaus DROP text and JSON lines.
    Drop,
    /// RPSL `route:` / `route6:` objects.
    Irr,
    /// IANA `tlds-alpha-by-domain.txt`.
    Iana,
}

impl Format {
    /// Every format, `Auto` first.
    pub const ALL: [Format; 9] = [
        Format::Auto,
        Format::Plain,
        Format::Exim,
        Format::Postfix,
        Format::Sfs,
        Format::Rbldnsd,
        Format::Drop,
        Format::Irr,
        Format::Iana,
    ];

    /// The name used in manifests and reports (`auto`, `plain`, `exim`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
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
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format {s:?} (expected {})",
                    Format::ALL.map(Format::as_str).join(", ")
                )
            })
    }
}

/// One `[[list]]` of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListDecl {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// Source paths or globs, relative to the manifest's directory.
    pub sources: Vec<String>,
    /// Default reason.
    pub reason: Option<String>,
    /// Source format.
    pub format: Format,
}

/// A parsed manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Lists in declaration order.
    pub lists: Vec<ListDecl>,
}

/// Options of a build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Drop invalid lines (counted per file) instead of failing.
    pub skip_invalid: bool,
    /// Refuse to replace an existing artifact when any list's entry count changes
    /// by more than this many percent.
    pub max_change: Option<f64>,
    /// Read sources that are not regular files (a FIFO, a character device,
    /// `/dev/stdin`). Off, such a source is an error: a FIFO would stall the
    /// build until something writes to it, a device may never end.
    pub allow_special_sources: bool,
    /// The permission bits of the written artifact (see
    /// [`crate::WriteOptions::mode`]): `None` keeps those of the artifact
    /// replaced, or gives a new one [`crate::artifact::NEW_FILE_MODE`].
    pub mode: Option<u32>,
}

/// A non-fatal remark about a source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

/// What was read from one source file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The list the file feeds.
    pub list: String,
    /// The file.
    pub path: PathBuf,
    /// The format used.
    pub format: Format,
    /// Whether the format was picked by `auto`.
    pub detected: bool,
    /// Entries read.
    pub entries: u64,
    /// Invalid lines dropped (with `skip_invalid`).
    pub skipped: u64,
    /// Warnings (the first few; see `warning_count`), including examples of
    /// skipped lines.
    pub warnings: Vec<Warning>,
    /// How many warnings there were in all.
    pub warning_count: u64,
}

/// A step of a build, for progress display.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A source file is about to be read.
    File {
        /// The list it feeds.
        list: &'a str,
        /// The file.
        path: &'a Path,
        /// Its position among all files of the build, from 0.
        index: usize,
        /// The number of files of the build.
        total: usize,
    },
    /// A source file is being read: `lines` lines so far (reported every
    /// 100 000 lines).
    Lines {
        /// The list it feeds.
        list: &'a str,
        /// The file.
        path: &'a Path,
        /// Lines read so far.
        lines: u64,
    },
    /// Every file was read; the artifact is being laid out.
    Building,
    /// The artifact is being written.
    Writing,
}

/// The outcome of compiling a manifest.
#[derive(Clone, Debug)]
pub struct BuildReport {
    /// The artifact's bytes, hash and per-list figures.
    pub built: Built,
    /// Per source file.
    pub files: Vec<FileReport>,
}

impl BuildReport {
    /// Per-list figures, in declaration order.
    pub fn lists(&self) -> &[ListStats] {
        &self.built.lists
    }
}

/// Reads every source of `manifest` and builds the artifact in memory.
pub fn compile(manifest: &Manifest, options: &BuildOptions) -> Result<BuildReport> {
    compile::compile(manifest, options, &mut |_| {})
}

/// [`compile`], telling `progress` about each file.
pub fn compile_with_progress(
    manifest: &Manifest,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
    compile::compile(manifest, options, progress)
}

/// Compiles `manifest` and writes the artifact to `output` atomically, after the
/// `max_change` guard against the artifact already there. Nothing is written
/// when the build fails or the guard refuses.
pub fn build(manifest: &Manifest, output: &Path, options: &BuildOptions) -> Result<BuildReport> {
    compile::build(manifest, output, options, &mut |_| {})
}

/// [`build`], telling `progress` about each step.
pub fn build_with_progress(
    manifest: &Manifest,
    output: &Path,
    options: &BuildOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BuildReport> {
    compile::build(manifest, output, options, progress)
}

/// Reads `lines` in `format` (not `Auto`) into `sink`.
fn read_format(
    format: Format,
    lines: &mut read::Lines<'_>,
    sink: &mut sink::Sink<'_>,
) -> Result<()> {
    match format {
        Format::Auto | Format::Plain => plain::read(lines, sink),
        Format::Exim => exim::read(lines, sink),
        Format::Postfix => postfix::read(lines, sink),
        Format::Sfs => sfs::read(lines, sink),
        Format::Rbldnsd => rbldnsd::read(lines, sink),
        Format::Drop => drop::read(lines, sink),
        Format::Irr => irr::read(lines, sink),
        Format::Iana => iana::read(lines, sink),
    }
}
