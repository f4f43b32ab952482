//! `mxlists.open` and the `Db` class: lookups on an artifact that follows its
//! path, picking up a replaced file by itself.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use mxlists_core::normalize::{self as norm, Value};
use mxlists_core::select::ListSelection;
use mxlists_core::{AllOutcome, Artifact, Db as CoreDb, Query, Selection, Verify};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors::{invalid_value, to_py, to_py_at};
use crate::types::{Hit, HitMaker, ListInfo};
use crate::value::{list_selection, reject_single, text, text_into, Text, Use};

/// Parses the `verify=` argument.
fn verify_level(s: &str) -> PyResult<Verify> {
    match s {
        "auto" => Ok(Verify::Auto),
        "quick" => Ok(Verify::Quick),
        "full" => Ok(Verify::Full),
        _ => Err(PyValueError::new_err(format!(
            "verify must be 'auto', 'quick' or 'full', not {s:?}"
        ))),
    }
}

/// The selection of `lists` on `art` (every list for `None`).
fn selection(art: &Artifact, lists: &Option<ListSelection>) -> mxlists_core::Result<Selection> {
    match lists {
        None => Ok(Selection::all()),
        Some(l) => l.resolve(art),
    }
}

/// Values handed to a worker at a time: small enough that every worker's
/// answers stay in memory the allocator reuses from one batch to the next.
const BLOCK: usize = 8 * 1024;

/// Values per thread below which a batch is answered on the calling thread.
const BATCH_PER_THREAD: usize = 32 * 1024;

/// The values of a batch, packed: their UTF-8 text end to end, and each
/// one's span (`None`: not valid UTF-8, never listed).
#[derive(Default)]
pub struct Batch {
    text: Vec<u8>,
    spans: Vec<Option<(usize, usize)>>,
}

impl Batch {
    /// Reads every value of `values` (see [`text_into`] for the types taken).
    fn read(values: &Bound<'_, PyAny>) -> PyResult<Batch> {
        let hint = values.len().unwrap_or(0);
        let mut b = Batch {
            text: Vec::with_capacity(hint * 24),
            spans: Vec::with_capacity(hint),
        };
        for v in values.iter()? {
            let start = b.text.len();
            let ok = text_into(&v?, Use::Query, &mut b.text)?;
            b.spans.push(ok.then_some((start, b.text.len())));
        }
        Ok(b)
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// The first hit of each value of `batch[from..to]`.
fn answer_block(
    art: &Artifact,
    sel: &Selection,
    batch: &Batch,
    range: std::ops::Range<usize>,
    maker: &mut HitMaker,
) -> mxlists_core::Result<Vec<Option<Hit>>> {
    let mut q = Query::new();
    let mut out = Vec::with_capacity(range.len());
    for span in &batch.spans[range] {
        let hit = match span {
            Some((a, b)) if q.set_bytes(&batch.text[*a..*b]).is_ok() => match art.find(&q, sel)? {
                Some(h) => Some(maker.make(&h)?),
                None => None,
            },
            _ => None,
        };
        out.push(hit);
    }
    Ok(out)
}

/// The first hit of each value, on as many threads as the batch is worth (the
/// artifact is shared, read-only): workers take blocks of values in turn;
/// answers stay in the order of the batch.
fn answer_all(
    art: &Artifact,
    sel: &Selection,
    batch: &Batch,
) -> mxlists_core::Result<Vec<Vec<Option<Hit>>>> {
    let n = batch.len();
    let blocks = n.div_ceil(BLOCK);
    let block = |i: usize| i * BLOCK..((i + 1) * BLOCK).min(n);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(n / BATCH_PER_THREAD).max(1);
    if threads == 1 {
        let mut maker = HitMaker::default();
        return (0..blocks)
            .map(|i| answer_block(art, sel, batch, block(i), &mut maker))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let work = || -> mxlists_core::Result<Vec<(usize, Vec<Option<Hit>>)>> {
        let mut maker = HitMaker::default();
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= blocks {
                return Ok(done);
            }
            done.push((i, answer_block(art, sel, batch, block(i), &mut maker)?));
        }
    };
    let mut parts: Vec<Option<Vec<Option<Hit>>>> = (0..blocks).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        for w in workers {
            match w.join() {
                Ok(done) => {
                    for (i, part) in done? {
                        parts[i] = Some(part);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(parts.into_iter().flatten().collect())
    })
}

/// The first hit for one value, or `None`.
fn answer_one(art: &Artifact, sel: &Selection, value: &Text) -> mxlists_core::Result<Option<Hit>> {
    let Some(v) = value.as_str() else {
        return Ok(None);
    };
    let Ok(q) = Query::parse(v) else {
        return Ok(None);
    };
    match art.find(&q, sel)? {
        Some(h) => HitMaker::default().make(&h).map(Some),
        None => Ok(None),
    }
}

/// Lookups on the artifact at a path. The file is memory-mapped; when it is
/// replaced (a new file renamed over it), the next lookup after the check
/// interval opens the new file, and lookups already running finish on the old
/// one. A `Db` can be shared between threads.
#[pyclass(module = "mxlists", frozen)]
pub struct Db {
    inner: RwLock<Option<Arc<CoreDb>>>,
    path: PathBuf,
}

impl Db {
    /// The open handle, or `ValueError` once closed.
    fn handle(&self) -> PyResult<Arc<CoreDb>> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| PyValueError::new_err("operation on a closed mxlists.Db"))
    }

    fn err(&self, e: mxlists_core::Error) -> PyErr {
        to_py_at(e, Some(&self.path))
    }

    /// What one lookup needs: the current artifact, the selection of `lists`
    /// and the text of `value` (`None` inside when it is not text).
    fn prepare(
        &self,
        value: &Bound<'_, PyAny>,
        lists: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Arc<Artifact>, Selection, Text)> {
        let db = self.handle()?;
        let lists = list_selection(lists)?;
        let value = text(value, Use::Query)?;
        let art = db.current();
        let sel = selection(&art, &lists).map_err(to_py)?;
        Ok((art, sel, value))
    }
}

/// Opens the artifact at `path` and follows it: a file renamed over `path` is
/// picked up within `check_interval` seconds. `verify` is `"auto"` (every
/// checksum of files up to 256 KiB, header and list table above), `"quick"` or
/// `"full"`.
#[pyfunction]
#[pyo3(signature = (path, *, verify = "auto", check_interval = 1.0))]
pub fn open(py: Python<'_>, path: PathBuf, verify: &str, check_interval: f64) -> PyResult<Db> {
    let level = verify_level(verify)?;
    // Checked conversion: a NaN, a negative or an unrepresentable number of
    // seconds (1e300) is a ValueError, never a panic.
    let interval = Duration::try_from_secs_f64(check_interval).map_err(|_| {
        PyValueError::new_err(format!(
            "check_interval must be a number of seconds from 0 to {}, not {check_interval}",
            Duration::MAX.as_secs()
        ))
    })?;
    let db = py
        .allow_threads(|| CoreDb::open_with(&path, level, interval))
        .map_err(|e| to_py_at(e, Some(&path)))?;
    Ok(Db {
        inner: RwLock::new(Some(Arc::new(db))),
        path,
    })
}

#[pymethods]
impl Db {
    /// The path followed.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// The first hit for `value` over the lists (every list, or those named by
    /// `lists`: one name or an iterable of names), in list order; `None` when
    /// no list lists it or when the value is not a valid address, domain or IP
    /// address.
    #[pyo3(signature = (value, lists = None))]
    fn check(
        &self,
        value: &Bound<'_, PyAny>,
        lists: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Hit>> {
        let (art, sel, value) = self.prepare(value, lists)?;
        answer_one(&art, &sel, &value).map_err(|e| self.err(e))
    }

    /// Every hit for `value`, in list order (empty when not listed or invalid).
    #[pyo3(signature = (value, lists = None))]
    fn check_all(
        &self,
        value: &Bound<'_, PyAny>,
        lists: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Hit>> {
        let (art, sel, value) = self.prepare(value, lists)?;
        let Some(v) = value.as_str() else {
            return Ok(Vec::new());
        };
        match art.check_all(v, &sel).map_err(|e| self.err(e))? {
            AllOutcome::Hits(hits) => Ok(hits.into_iter().map(Hit::from).collect()),
            AllOutcome::Invalid(_) => Ok(Vec::new()),
        }
    }

    /// `check` for every value of an iterable, in one call: the lookups run
    /// without holding the GIL, so other Python threads run meanwhile. Returns
    /// a list with a `Hit` or `None` per value, in order. All values are
    /// answered from the same version of the artifact.
    #[pyo3(signature = (values, lists = None))]
    fn check_many<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
        lists: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        reject_single(values)?;
        let db = self.handle()?;
        let lists = list_selection(lists)?;
        let batch = Batch::read(values)?;
        let answers = py
            .allow_threads(|| {
                let art = db.current();
                let sel = selection(&art, &lists)?;
                answer_all(&art, &sel, &batch)
            })
            .map_err(|e| self.err(e))?;
        let items = answers.into_iter().flatten().map(|a| match a {
            Some(h) => Bound::new(py, h).map(Bound::into_any),
            None => Ok(py.None().into_bound(py)),
        });
        let items = items.collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new_bound(py, items))
    }

    /// `value in db`: whether any list lists the value.
    fn __contains__(&self, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.check(value, None)?.is_some())
    }

    /// The lists, in the order they are consulted.
    #[getter]
    fn lists(&self) -> PyResult<Vec<ListInfo>> {
        let art = self.handle()?.current();
        Ok(art.lists().iter().map(ListInfo::from).collect())
    }

    /// The content hash (SHA-256 of the artifact's content, hex) of the
    /// version answering now.
    #[getter]
    fn content_hash(&self) -> PyResult<String> {
        Ok(self.handle()?.current().content_hash())
    }

    /// A dict describing the artifact answering now: `path`, `format_version`,
    /// `content_hash`, `size` (bytes), `lists` (one dict per list: `name`,
    /// `kind`, `reason`, `entries`, `exclusions`, `bytes`) and `sections`
    /// (section name to size in bytes).
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let art = self.handle()?.current();
        let d = PyDict::new_bound(py);
        d.set_item("path", &self.path)?;
        d.set_item("format_version", art.format_version())?;
        d.set_item("content_hash", art.content_hash())?;
        d.set_item("size", art.len())?;
        let lists = PyList::empty_bound(py);
        for l in art.lists() {
            let ld = PyDict::new_bound(py);
            ld.set_item("name", &l.name)?;
            ld.set_item("kind", l.kind.as_str())?;
            ld.set_item("reason", &l.reason)?;
            ld.set_item("entries", l.entries)?;
            ld.set_item("exclusions", l.exclusions)?;
            ld.set_item("bytes", l.bytes)?;
            lists.append(ld)?;
        }
        d.set_item("lists", lists)?;
        let sections = PyDict::new_bound(py);
        for (name, size) in art.section_sizes() {
            sections.set_item(name, size)?;
        }
        d.set_item("sections", sections)?;
        Ok(d)
    }

    /// The full integrity check of the artifact answering now (every checksum
    /// and structure; linear in the file size, runs without the GIL). Raises
    /// `CorruptArtifactError` when it fails.
    fn verify(&self, py: Python<'_>) -> PyResult<()> {
        let art = self.handle()?.current();
        py.allow_threads(|| art.verify()).map_err(|e| self.err(e))
    }

    /// Opens the file at the path again when it was replaced (with
    /// `force=True`, in any case) and answers from it from now on. Returns
    /// whether a new version was swapped in. When the file there cannot be
    /// opened, raises and keeps answering from the version it has.
    #[pyo3(signature = (force = false))]
    fn reload(&self, py: Python<'_>, force: bool) -> PyResult<bool> {
        let db = self.handle()?;
        py.allow_threads(|| {
            if force {
                db.reload()
            } else {
                db.reload_if_changed()
            }
        })
        .map_err(|e| self.err(e))
    }

    /// Every entry of the artifact answering now (or of the list named
    /// `list`), as `(list, entry)` pairs with the entry in plain syntax:
    /// names in key order, then IP entries in address order.
    #[pyo3(signature = (list = None))]
    fn entries(&self, py: Python<'_>, list: Option<String>) -> PyResult<Vec<(String, String)>> {
        let art = self.handle()?.current();
        let only = match &list {
            Some(name) => Some(
                art.lists()
                    .iter()
                    .position(|l| &l.name == name)
                    .ok_or_else(|| to_py(mxlists_core::Error::UnknownList(name.clone())))?,
            ),
            None => None,
        };
        py.allow_threads(|| {
            let mut out = Vec::new();
            art.for_each_entry(&mut |i, e| {
                if only.is_none() || only == Some(i) {
                    let name = art
                        .lists()
                        .get(i)
                        .map(|l| l.name.clone())
                        .unwrap_or_default();
                    out.push((name, e.to_string()));
                }
                Ok(())
            })?;
            Ok(out)
        })
        .map_err(|e| self.err(e))
    }

    /// Stops following the path and releases the mapping (once lookups in
    /// other threads finish). Further calls raise `ValueError`. Closing twice
    /// is allowed.
    fn close(&self) {
        self.inner.write().unwrap_or_else(|e| e.into_inner()).take();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.close();
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let path = crate::types::repr(py, &self.path.to_string_lossy());
        match self
            .inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(db) => format!(
                "<mxlists.Db path={path} lists={} content_hash={}>",
                db.current().lists().len(),
                &db.current().content_hash()[..12]
            ),
            None => format!("<mxlists.Db path={path} closed>"),
        }
    }
}

/// The kind of a normalized value: `address`, `domain` or `ip`.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Address { .. } => "address",
        Value::Domain(_) => "domain",
        Value::Ip(_) => "ip",
    }
}

/// Classifies and normalizes `value` as lookups do: returns `(kind,
/// normalized)` with kind `"address"`, `"domain"` or `"ip"`; raises
/// `InvalidValueError` for a value that is none of them.
#[pyfunction]
pub fn classify(value: &Bound<'_, PyAny>) -> PyResult<(&'static str, String)> {
    let t = text(value, Use::Query)?;
    let s = t.as_result().map_err(|e| invalid_value("<not UTF-8>", e))?;
    match norm::classify(s) {
        Ok(v) => Ok((kind_of(&v), v.to_string())),
        Err(e) => Err(invalid_value(s, &e)),
    }
}

/// The normalized form of `value` (as lookups see it); raises
/// `InvalidValueError` for a value that is not a valid address, domain or IP
/// address.
#[pyfunction]
pub fn normalize(value: &Bound<'_, PyAny>) -> PyResult<String> {
    classify(value).map(|(_, v)| v)
}
