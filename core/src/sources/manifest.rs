//! The build manifest (`mxlists.toml`): its TOML form, its validation, and the
//! expansion of each list's sources into files.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::kind::ListKind;

use super::expand::ExpandError;
use super::{Format, ListDecl, Manifest};

/// The largest manifest read, in bytes (a manifest declares lists; its
/// entries are in the sources).
pub const MAX_MANIFEST: u64 = 16 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    list: Vec<RawList>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    name: String,
    kind: String,
    sources: Vec<String>,
    reason: Option<String>,
    format: Option<String>,
}

impl Manifest {
    /// Reads and validates a manifest file. The manifest must be a regular
    /// file (a FIFO or a device is refused without blocking) of at most
    /// [`MAX_MANIFEST`] bytes.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (file, meta) = crate::input::open_regular(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > MAX_MANIFEST {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                message: format!(
                    "is {} bytes; a manifest is at most {MAX_MANIFEST} bytes",
                    meta.len()
                ),
            });
        }
        let mut text = String::new();
        file.take(MAX_MANIFEST + 1)
            .read_to_string(&mut text)
            .map_err(|e| Error::io(path, e))?;
        Manifest::parse(&text, path)
    }

    /// Parses and validates manifest text; `path` names it in errors and its
    /// directory is where relative sources are found.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let fail = |message: String| Error::Manifest {
            path: path.clone(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| fail(toml_message(&e, text)))?;
        if raw.list.is_empty() {
            return Err(fail("declares no lists (add a [[list]] table)".into()));
        }
        let mut seen = HashSet::new();
        let mut lists = Vec::with_capacity(raw.list.len());
        for (i, l) in raw.list.into_iter().enumerate() {
            let which = format!("list {} ({:?})", i + 1, l.name);
            crate::kind::check_list_name(&l.name).map_err(|e| fail(format!("{which}: {e}")))?;
            if !seen.insert(l.name.clone()) {
                return Err(fail(format!("{which}: the name is declared twice")));
            }
            let kind: ListKind = l.kind.parse().map_err(|e| fail(format!("{which}: {e}")))?;
            let format = match &l.format {
                Some(f) => f.parse().map_err(|e| fail(format!("{which}: {e}")))?,
                None => Format::Auto,
            };
            if l.sources.is_empty() {
                return Err(fail(format!("{which}: `sources` is empty")));
            }
            if let Some(s) = l.sources.iter().find(|s| s.trim().is_empty()) {
                return Err(fail(format!("{which}: empty source path {s:?}")));
            }
            lists.push(ListDecl {
                name: l.name,
                kind,
                sources: l.sources,
                reason: l.reason.filter(|r| !r.trim().is_empty()),
                format,
            });
        }
        Ok(Manifest { path, lists })
    }

    /// The directory relative sources are found in.
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// The files of a list's sources: each path as given (relative to the
    /// manifest's directory), each glob's matches in sorted order (every match
    /// whatever its name's encoding; folders skipped; a dangling link is an
    /// error, as when named directly). A glob that matches no file is an
    /// error: a missing download must not silently empty a list. A file named
    /// by several sources is read once. Files that are not regular files are
    /// returned too; a build refuses them unless it allows them.
    pub fn files(&self, list: &ListDecl) -> Result<Vec<PathBuf>> {
        let base = self.base_dir();
        let mut files = Vec::new();
        let mut seen = HashSet::new();
        for source in &list.sources {
            let matched = if source.contains(['*', '?', '[']) {
                self.glob(base, list, source)?
            } else {
                let path = base.join(source);
                // Fail before anything is read, as a glob matching nothing does.
                std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
                vec![path]
            };
            for f in matched {
                if seen.insert(f.clone()) {
                    files.push(f);
                }
            }
        }
        Ok(files)
    }

    /// The files a glob source matches: every match is a file of the list,
    /// whatever its name's encoding (see [`super::expand`]); folders are
    /// skipped, and a match that cannot be looked at (a dangling link) is an
    /// error, as when it is named directly.
    fn glob(&self, base: &Path, list: &ListDecl, source: &str) -> Result<Vec<PathBuf>> {
        let fail = |message: String| Error::Manifest {
            path: self.path.clone(),
            message,
        };
        let matched = super::expand::expand(base, source).map_err(|e| match e {
            ExpandError::Pattern(e) => {
                fail(format!("list {:?}: bad glob {source:?}: {e}", list.name))
            }
            ExpandError::Folder(dir, e) => Error::io(dir, e),
        })?;
        let mut out = Vec::new();
        for p in matched {
            let meta = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?;
            if !meta.is_dir() {
                out.push(p);
            }
        }
        if out.is_empty() {
            return Err(fail(format!(
                "list {:?}: {source:?} matches no file (in {})",
                list.name,
                if base.as_os_str().is_empty() {
                    Path::new(".").display()
                } else {
                    base.display()
                }
            )));
        }
        Ok(out)
    }
}

/// A TOML error with its line and column, in the manifest's words.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_owned(),
    }
}
