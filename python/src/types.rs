//! The small value classes handed to Python: hits, list figures, build reports
//! and differences. Each is immutable, compares by value and has a readable
//! `repr`.

use mxlists_core::sources::{BuildReport as CoreReport, FileReport as CoreFile};
use mxlists_core::{
    Built, Comparison, ListDiff as CoreDiff, ListInfo as CoreInfo, ListKind,
    ListStats as CoreStats, ListStatus,
};
use std::sync::Arc;

use mxlists_core::HitRef;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyList, PyString};

/// Python's `repr` of a string.
fn r(py: Python<'_>, s: &str) -> String {
    PyString::new_bound(py, s)
        .repr()
        .map(|p| p.to_string())
        .unwrap_or_else(|_| format!("{s:?}"))
}

/// A list's verdict on a value: which list, the entry that decided (in
/// normalized plain syntax; for a `known_tlds` list, the TLD that is not
/// known), its reason, and the queried value as normalized.
///
/// The list name and the reason are shared by the hits of one batch; the
/// entry and the value are one allocation.
#[pyclass(module = "mxlists", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Hit {
    list: Arc<str>,
    kind: &'static str,
    reason: Arc<str>,
    /// The entry, then the value.
    text: Box<str>,
    /// Where the value starts in `text`.
    split: usize,
}

impl Hit {
    fn with(
        list: Arc<str>,
        kind: &'static str,
        reason: Arc<str>,
        entry: &str,
        value: &str,
    ) -> Self {
        let mut text = String::with_capacity(entry.len() + value.len());
        text.push_str(entry);
        text.push_str(value);
        Hit {
            list,
            kind,
            reason,
            text: text.into_boxed_str(),
            split: entry.len(),
        }
    }
}

impl From<mxlists_core::Hit> for Hit {
    fn from(h: mxlists_core::Hit) -> Self {
        Hit::with(
            h.list.into(),
            h.kind.as_str(),
            h.reason.into(),
            &h.entry,
            &h.value,
        )
    }
}

/// Makes [`Hit`]s from the engine's borrowed hits, sharing each list's name
/// and each distinct reason among the hits it makes.
#[derive(Default)]
pub struct HitMaker {
    /// Per list position: its name.
    names: Vec<Option<Arc<str>>>,
    /// Reasons by their place in the artifact.
    reasons: ahash::AHashMap<(usize, usize), Arc<str>>,
    text: String,
}

/// Reasons kept per batch before the cache starts over (a bound on memory
/// when every entry has a reason of its own).
const MAX_SHARED_REASONS: usize = 4096;

impl HitMaker {
    /// The hit `h` as an owned [`Hit`].
    pub fn make(&mut self, h: &HitRef<'_>) -> mxlists_core::Result<Hit> {
        use std::fmt::Write;
        let i = h.list_index();
        if self.names.len() <= i {
            self.names.resize(i + 1, None);
        }
        let list = self.names[i].get_or_insert_with(|| h.list().into()).clone();
        let reason = h.reason()?;
        if self.reasons.len() >= MAX_SHARED_REASONS {
            self.reasons.clear();
        }
        let reason = self
            .reasons
            .entry((reason.as_ptr() as usize, reason.len()))
            .or_insert_with(|| reason.into())
            .clone();
        self.text.clear();
        // Writing into a String cannot fail.
        let _ = write!(self.text, "{}", h.entry()?);
        let split = self.text.len();
        let _ = write!(self.text, "{}", h.value());
        Ok(Hit {
            list,
            kind: h.kind().as_str(),
            reason,
            text: self.text.as_str().into(),
            split,
        })
    }
}

#[pymethods]
impl Hit {
    /// A hit with the given fields (lookups make them; this is for tests,
    /// copies and pickling). `kind` is `domain`, `email`, `ip` or
    /// `known_tlds`.
    #[new]
    #[pyo3(signature = (list, kind, entry, reason, value))]
    fn new(list: &str, kind: &str, entry: &str, reason: &str, value: &str) -> PyResult<Self> {
        let kind: ListKind = kind
            .parse()
            .map_err(|m: String| pyo3::exceptions::PyValueError::new_err(m))?;
        Ok(Hit::with(
            list.into(),
            kind.as_str(),
            reason.into(),
            entry,
            value,
        ))
    }

    /// The list that lists the value.
    #[getter]
    pub fn list(&self) -> &str {
        &self.list
    }

    /// The list's kind: `domain`, `email`, `ip` or `known_tlds`.
    #[getter]
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The entry that decided.
    #[getter]
    pub fn entry(&self) -> &str {
        &self.text[..self.split]
    }

    /// The entry's reason, or the list's default.
    #[getter]
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The queried value, normalized.
    #[getter]
    pub fn value(&self) -> &str {
        &self.text[self.split..]
    }

    /// Pickling: the class and its fields.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'a, 'py>(
        slf: &'a Bound<'py, Self>,
    ) -> (
        Bound<'py, pyo3::types::PyType>,
        (&'a str, &'static str, &'a str, &'a str, &'a str),
    ) {
        let h = slf.get();
        (
            slf.get_type(),
            (h.list(), h.kind, h.entry(), h.reason(), h.value()),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Hit(list={}, entry={}, reason={}, value={})",
            r(py, self.list()),
            r(py, self.entry()),
            r(py, self.reason()),
            r(py, self.value())
        )
    }

    /// The hit as a dict (`list`, `kind`, `entry`, `reason`, `value`), e.g. for
    /// JSON output.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new_bound(py);
        d.set_item("list", self.list())?;
        d.set_item("kind", self.kind)?;
        d.set_item("entry", self.entry())?;
        d.set_item("reason", self.reason())?;
        d.set_item("value", self.value())?;
        Ok(d)
    }
}

/// A list as recorded in an artifact.
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListInfo {
    /// List name.
    pub name: String,
    /// List kind: `domain`, `email`, `ip` or `known_tlds`.
    pub kind: &'static str,
    /// The reason given for hits whose entry has none.
    pub reason: String,
    /// Number of listing entries.
    pub entries: u64,
    /// Number of exclusions.
    pub exclusions: u64,
    /// Approximate bytes of the artifact taken by the list.
    pub bytes: u64,
}

impl From<&CoreInfo> for ListInfo {
    fn from(l: &CoreInfo) -> Self {
        ListInfo {
            name: l.name.clone(),
            kind: l.kind.as_str(),
            reason: l.reason.clone(),
            entries: l.entries,
            exclusions: l.exclusions,
            bytes: l.bytes,
        }
    }
}

#[pymethods]
impl ListInfo {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ListInfo(name={}, kind={}, entries={}, exclusions={}, reason={})",
            r(py, &self.name),
            r(py, self.kind),
            self.entries,
            self.exclusions,
            r(py, &self.reason)
        )
    }
}

/// The figures of one list in a build.
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListStats {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: &'static str,
    /// Number of distinct listing entries.
    pub entries: u64,
    /// Number of distinct exclusions.
    pub exclusions: u64,
    /// Approximate bytes of the artifact taken by the list.
    pub bytes: u64,
}

impl From<&CoreStats> for ListStats {
    fn from(s: &CoreStats) -> Self {
        ListStats {
            name: s.name.clone(),
            kind: s.kind.as_str(),
            entries: s.entries,
            exclusions: s.exclusions,
            bytes: s.bytes,
        }
    }
}

#[pymethods]
impl ListStats {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ListStats(name={}, kind={}, entries={}, exclusions={}, bytes={})",
            r(py, &self.name),
            r(py, self.kind),
            self.entries,
            self.exclusions,
            self.bytes
        )
    }
}

/// A non-fatal remark about a source line (or a builder entry).
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SourceWarning {
    /// The source file.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// What is remarkable.
    pub message: String,
}

#[pymethods]
impl SourceWarning {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SourceWarning(path={}, line={}, column={}, message={})",
            r(py, &self.path),
            self.line,
            self.column,
            r(py, &self.message)
        )
    }

    fn __str__(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// What a build read from one source file.
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FileReport {
    /// The list the file feeds.
    pub list: String,
    /// The file.
    pub path: String,
    /// The format used (`plain`, `exim`, `sfs`, ...).
    pub format: String,
    /// Whether the format was picked by `auto`.
    pub detected: bool,
    /// Entries read.
    pub entries: u64,
    /// Invalid lines dropped (with `skip_invalid`).
    pub skipped: u64,
    /// The first warnings (see `warning_count`), including examples of
    /// skipped lines.
    pub warnings: Vec<SourceWarning>,
    /// How many warnings there were in all.
    pub warning_count: u64,
}

impl From<&CoreFile> for FileReport {
    fn from(f: &CoreFile) -> Self {
        FileReport {
            list: f.list.clone(),
            path: f.path.to_string_lossy().into_owned(),
            format: f.format.as_str().to_owned(),
            detected: f.detected,
            entries: f.entries,
            skipped: f.skipped,
            warnings: f
                .warnings
                .iter()
                .map(|w| SourceWarning {
                    path: w.location.source.clone(),
                    line: w.location.line,
                    column: w.location.column,
                    message: w.message.clone(),
                })
                .collect(),
            warning_count: f.warning_count,
        }
    }
}

#[pymethods]
impl FileReport {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "FileReport(list={}, path={}, format={}, entries={}, skipped={}, warnings={})",
            r(py, &self.list),
            r(py, &self.path),
            r(py, &self.format),
            self.entries,
            self.skipped,
            self.warning_count
        )
    }
}

/// The outcome of a build: the artifact's content hash and size, per-list
/// figures and, for a manifest build, what was read from each source file.
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BuildReport {
    /// SHA-256 of the artifact's content, in hex (as `mxlists info` shows it).
    pub content_hash: String,
    /// Size of the artifact in bytes.
    pub size: usize,
    /// Per-list figures, in declaration order.
    pub lists: Vec<ListStats>,
    /// Per source file (empty for a `Builder`).
    pub files: Vec<FileReport>,
}

impl BuildReport {
    /// The report of a build made in code.
    pub fn of_built(b: &Built) -> Self {
        BuildReport {
            content_hash: b.content_hash.clone(),
            size: b.bytes.len(),
            lists: b.lists.iter().map(ListStats::from).collect(),
            files: Vec::new(),
        }
    }

    /// The report of a manifest build.
    pub fn of_report(r: &CoreReport) -> Self {
        BuildReport {
            files: r.files.iter().map(FileReport::from).collect(),
            ..Self::of_built(&r.built)
        }
    }
}

#[pymethods]
impl BuildReport {
    fn __repr__(&self, py: Python<'_>) -> String {
        let names: Vec<String> = self.lists.iter().map(|l| r(py, &l.name)).collect();
        format!(
            "BuildReport(content_hash={}, size={}, lists=[{}])",
            r(py, &self.content_hash),
            self.size,
            names.join(", ")
        )
    }
}

/// What changed in one list between two artifacts (core's `ListDiff`).
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListDiff {
    /// The list name.
    pub list: String,
    /// `unchanged`, `changed`, `added` or `removed`.
    pub status: &'static str,
    /// The list's kind in the new artifact (in the old one for a removed list).
    pub kind: &'static str,
    /// The kind in the old artifact, when it changed.
    pub old_kind: Option<&'static str>,
    /// The default reason in the new artifact, when it changed.
    pub reason: Option<String>,
    /// The default reason in the old artifact, when it changed.
    pub old_reason: Option<String>,
    /// Whether the list exists only in the new artifact.
    pub added_list: bool,
    /// Whether the list exists only in the old artifact.
    pub removed_list: bool,
    /// Entries (plain syntax) only in the new artifact, sorted.
    pub added: Vec<String>,
    /// Entries (plain syntax) only in the old artifact, sorted.
    pub removed: Vec<String>,
}

impl From<&CoreDiff> for ListDiff {
    fn from(d: &CoreDiff) -> Self {
        ListDiff {
            list: d.list.clone(),
            status: d.status.as_str(),
            kind: d.kind.as_str(),
            old_kind: d.old_kind.map(ListKind::as_str),
            reason: d.reason.clone(),
            old_reason: d.old_reason.clone(),
            added_list: d.status == ListStatus::Added,
            removed_list: d.status == ListStatus::Removed,
            added: d.added.clone(),
            removed: d.removed.clone(),
        }
    }
}

#[pymethods]
impl ListDiff {
    /// Whether anything about the list changed.
    #[getter]
    fn changed(&self) -> bool {
        self.status != ListStatus::Unchanged.as_str()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let mut extra = String::new();
        if self.added_list {
            extra.push_str(", added_list=True");
        }
        if self.removed_list {
            extra.push_str(", removed_list=True");
        }
        if let Some(old) = self.old_kind {
            extra.push_str(&format!(", kind={}->{}", r(py, old), r(py, self.kind)));
        }
        if let (Some(old), Some(new)) = (&self.old_reason, &self.reason) {
            extra.push_str(&format!(", reason={}->{}", r(py, old), r(py, new)));
        }
        format!(
            "ListDiff(list={}, added={}, removed={}{extra})",
            r(py, &self.list),
            self.added.len(),
            self.removed.len(),
        )
    }
}

/// The comparison of two artifacts (core's `Comparison`): iterating it, or
/// indexing it, gives its `ListDiff`s.
#[pyclass(module = "mxlists", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Diff {
    /// Whether the artifacts hold the same lists, in the same order, with the
    /// same kinds, default reasons and entries (as `mxlists diff` exiting 0).
    pub equal: bool,
    /// Whether the lists found in both are consulted in another order.
    pub order_changed: bool,
    /// The old artifact's list names, in order.
    pub old_lists: Vec<String>,
    /// The new artifact's list names, in order.
    pub new_lists: Vec<String>,
    /// One `ListDiff` per list found in either artifact, the old one's first.
    pub lists: Vec<ListDiff>,
}

impl From<&Comparison> for Diff {
    fn from(c: &Comparison) -> Self {
        Diff {
            equal: c.is_equal(),
            order_changed: c.order_changed,
            old_lists: c.old_lists.clone(),
            new_lists: c.new_lists.clone(),
            lists: c.lists.iter().map(ListDiff::from).collect(),
        }
    }
}

#[pymethods]
impl Diff {
    fn __len__(&self) -> usize {
        self.lists.len()
    }

    fn __getitem__(&self, index: isize) -> PyResult<ListDiff> {
        let len = self.lists.len() as isize;
        let i = if index < 0 { index + len } else { index };
        usize::try_from(i)
            .ok()
            .and_then(|i| self.lists.get(i))
            .cloned()
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err("ListDiff index out of range"))
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyIterator>> {
        let py = slf.py();
        let items: Vec<PyObject> = slf
            .lists
            .iter()
            .map(|d| Py::new(py, d.clone()).map(|d| d.into_any()))
            .collect::<PyResult<_>>()?;
        PyList::new_bound(py, items).as_any().iter()
    }

    fn __repr__(&self) -> String {
        let changed = self.lists.iter().filter(|l| l.changed()).count();
        format!(
            "Diff(equal={}, order_changed={}, lists={}, changed={changed})",
            if self.equal { "True" } else { "False" },
            if self.order_changed { "True" } else { "False" },
            self.lists.len(),
        )
    }
}

/// `repr` of a string, for the classes of other modules.
pub fn repr(py: Python<'_>, s: &str) -> String {
    r(py, s)
}
