//! Sources: the build manifest (`mxlists.toml`) and the list file formats
//! operators already have, turned into entries for the [`crate::Builder`].

use std::path::{Path, PathBuf};

use crate::builder::{Built, ListStats};
use crate::error::{Error, Location, Result};
use crate::kind::ListKind;

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
    /// Warnings.
    pub warnings: Vec<Warning>,
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

impl Manifest {
    /// Reads and validates a manifest file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Err(Error::Manifest {
            path: path.as_ref().to_path_buf(),
            message: "manifests are not supported yet".into(),
        })
    }
}

/// Reads every source of `manifest` and builds the artifact in memory.
pub fn compile(manifest: &Manifest, options: &BuildOptions) -> Result<BuildReport> {
    let _ = options;
    Err(Error::Manifest {
        path: manifest.path.clone(),
        message: "manifests are not supported yet".into(),
    })
}

/// Compiles `manifest` and writes the artifact to `output` atomically, after the
/// `max_change` guard against the artifact already there.
pub fn build(manifest: &Manifest, output: &Path, options: &BuildOptions) -> Result<BuildReport> {
    let report = compile(manifest, options)?;
    crate::artifact::write_atomic(output, &report.built.bytes)?;
    Ok(report)
}
