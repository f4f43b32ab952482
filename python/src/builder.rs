//! The `Builder` class: lists made in code, compiled by the engine's builder
//! into the same bytes `mxlists build` writes for the same lists.

use std::path::PathBuf;

use mxlists_core::{
    parse_entry, write_atomic_with, Builder as CoreBuilder, ListId, ListKind, WriteOptions,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::build::file_mode;
use crate::errors::{invalid_entry, misplaced_entry, to_py};
use crate::types::BuildReport;
use crate::value::{reject_single, text, Text, Use};

/// Collects lists and entries and writes an artifact.
///
/// Lists are consulted in the order they are declared. Entries use the plain
/// syntax of list files: `[!]value [reason]`.
#[pyclass(module = "mxlists")]
pub struct Builder {
    inner: CoreBuilder,
}

impl Builder {
    fn id(&self, list: &str) -> PyResult<ListId> {
        self.inner
            .list_id(list)
            .ok_or_else(|| to_py(mxlists_core::Error::UnknownList(list.to_owned())))
    }

    /// Parses and adds one entry; returns its warning, if any.
    fn add_one(
        &mut self,
        id: ListId,
        entry: &Text,
        reason: Option<&str>,
    ) -> PyResult<Option<String>> {
        let entry = entry
            .as_result()
            .map_err(|e| invalid_entry("<not UTF-8>", &e.clone().into()))?;
        let kind = self
            .inner
            .kind(id)
            .ok_or_else(|| to_py(mxlists_core::Error::InvalidList("no such list".into())))?;
        let mut parsed = parse_entry(kind, entry).map_err(|e| invalid_entry(entry, &e))?;
        if let Some(r) = reason {
            parsed.entry.reason = Some(r.to_owned());
        }
        self.inner
            .add(id, parsed.entry)
            .map_err(|e| misplaced_entry(entry, e))?;
        Ok(parsed.warning.map(|w| w.message))
    }
}

#[pymethods]
impl Builder {
    #[new]
    fn new() -> Self {
        Builder {
            inner: CoreBuilder::new(),
        }
    }

    /// Declares a list: `name` is 1 to 64 characters of `a-z`, `0-9`, `_` and
    /// `-`; `kind` is `"domain"`, `"email"`, `"ip"` or `"known_tlds"`;
    /// `reason` is the default reason of its hits.
    #[pyo3(signature = (name, kind, reason = None))]
    fn add_list(&mut self, name: &str, kind: &str, reason: Option<&str>) -> PyResult<()> {
        let kind: ListKind = kind
            .parse()
            .map_err(|m: String| to_py(mxlists_core::Error::InvalidList(m)))?;
        self.inner
            .add_list(name, kind, reason)
            .map(|_| ())
            .map_err(to_py)
    }

    /// Adds one entry to the list named `list`: text in plain syntax (a `str`
    /// or UTF-8 `bytes`) or an `ipaddress` address or network. `reason`, when
    /// given, replaces the reason written in the entry. Returns the entry's
    /// warning (e.g. a CIDR block with host bits set, which is normalized to
    /// its network), or `None`.
    #[pyo3(signature = (list, entry, reason = None))]
    fn add(
        &mut self,
        list: &str,
        entry: &Bound<'_, PyAny>,
        reason: Option<&str>,
    ) -> PyResult<Option<String>> {
        let id = self.id(list)?;
        let entry = text(entry, Use::Entry)?;
        self.add_one(id, &entry, reason)
    }

    /// Adds every entry of an iterable to the list named `list`, as `add`
    /// does. Returns the warnings as `(index, message)` pairs. On an invalid
    /// entry, raises; the entries before it stay added.
    fn add_many(
        &mut self,
        list: &str,
        entries: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<(usize, String)>> {
        reject_single(entries)?;
        let id = self.id(list)?;
        let mut warnings = Vec::new();
        for (i, e) in entries.iter()?.enumerate() {
            if let Some(w) = self.add_one(id, &text(&e?, Use::Entry)?, None)? {
                warnings.push((i, w));
            }
        }
        Ok(warnings)
    }

    /// Compiles the lists and returns the artifact's bytes.
    fn build<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let inner = &mut self.inner;
        let built = py.allow_threads(|| inner.build()).map_err(to_py)?;
        Ok(PyBytes::new_bound(py, &built.bytes))
    }

    /// Compiles the lists and writes the artifact to `path` atomically (a
    /// temporary file beside it, synced, then renamed over it): readers of the
    /// old file never see a partial one. Only a regular file (or a link to
    /// one) is replaced; it keeps its mode, owner and group, and a new file
    /// gets `mode` or 0o644, whatever the umask. Returns the build's figures.
    #[pyo3(signature = (path, *, mode = None))]
    fn write(&mut self, py: Python<'_>, path: PathBuf, mode: Option<u32>) -> PyResult<BuildReport> {
        let options = WriteOptions {
            mode: file_mode(mode)?,
        };
        let inner = &mut self.inner;
        let report = py
            .allow_threads(|| {
                let built = inner.build()?;
                write_atomic_with(&path, &built.bytes, &options)?;
                Ok(BuildReport::of_built(&built))
            })
            .map_err(to_py)?;
        Ok(report)
    }
}
