//! Translation of engine errors into the exception classes of `mxlists._errors`.

use std::path::Path;

use mxlists_core::{EntryError, Error, Invalid, Location, Quoted};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyType};

/// The exception classes, imported once from `mxlists._errors`.
struct Classes {
    error: Py<PyType>,
    corrupt: Py<PyType>,
    version: Py<PyType>,
    source: Py<PyType>,
    manifest: Py<PyType>,
    max_change: Py<PyType>,
    unknown_list: Py<PyType>,
    list_selection: Py<PyType>,
    invalid_list: Py<PyType>,
    invalid_entry: Py<PyType>,
    invalid_value: Py<PyType>,
}

static CLASSES: GILOnceCell<Classes> = GILOnceCell::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let m = py.import_bound("mxlists._errors")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(m.getattr(name)?.downcast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            error: get("Error")?,
            corrupt: get("CorruptArtifactError")?,
            version: get("UnsupportedVersionError")?,
            source: get("SourceError")?,
            manifest: get("ManifestError")?,
            max_change: get("MaxChangeError")?,
            unknown_list: get("UnknownListError")?,
            list_selection: get("ListSelectionError")?,
            invalid_list: get("InvalidListError")?,
            invalid_entry: get("InvalidEntryError")?,
            invalid_value: get("InvalidValueError")?,
        })
    })
}

/// Imports the exception classes, so that a broken installation fails at import.
pub fn init(py: Python<'_>) -> PyResult<()> {
    classes(py).map(|_| ())
}

/// An instance of one of the classes, called with `message` and keyword arguments.
fn raise(
    py: Python<'_>,
    pick: impl FnOnce(&Classes) -> &Py<PyType>,
    message: String,
    kwargs: &[(&str, PyObject)],
) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = pick(classes(py)?).bind(py);
        let kw = PyDict::new_bound(py);
        for (k, v) in kwargs {
            kw.set_item(k, v)?;
        }
        Ok(PyErr::from_value_bound(cls.call((message,), Some(&kw))?))
    };
    make().unwrap_or_else(|e| e)
}

/// A built-in `OSError` (its subclass for the errno, e.g. `FileNotFoundError`).
fn os_error(py: Python<'_>, path: &Path, source: &std::io::Error) -> PyErr {
    let text = source.to_string();
    let (errno, text) = match source.raw_os_error() {
        Some(code) => {
            let suffix = format!(" (os error {code})");
            (code, text.strip_suffix(&suffix).unwrap_or(&text).to_owned())
        }
        None => (libc::EINVAL, text),
    };
    let _ = py;
    PyOSError::new_err((errno, text, path.to_string_lossy().into_owned()))
}

/// Translates an engine error; `path` is the artifact involved, when known.
pub fn to_py_at(err: Error, path: Option<&Path>) -> PyErr {
    Python::with_gil(|py| {
        let path_obj = || path.map(|p| p.to_string_lossy().into_owned()).into_py(py);
        let message = |e: &Error| match path {
            Some(p) => e.message_about(p),
            None => e.to_string(),
        };
        match err {
            Error::Io { path, source } => os_error(py, &path, &source),
            Error::Parse { location, message } => {
                let text = format!("{location}: {message}");
                source_error(py, text, vec![(location, message)], 1)
            }
            e @ Error::InvalidLines { .. } => {
                let text = e.to_string();
                let Error::InvalidLines { lines, total } = e else {
                    unreachable!()
                };
                source_error(py, text, lines, total)
            }
            Error::Source { path, message } => {
                let path = path.to_string_lossy().into_owned();
                raise(
                    py,
                    |c| &c.source,
                    format!("{path}: {message}"),
                    &[
                        ("path", path.into_py(py)),
                        ("line", py.None()),
                        ("column", py.None()),
                        ("detail", message.into_py(py)),
                        (
                            "errors",
                            Vec::<(String, u64, u64, String)>::new().into_py(py),
                        ),
                        ("total", 1u64.into_py(py)),
                    ],
                )
            }
            Error::NotWritten {
                path,
                reason,
                existed,
                source,
            } => {
                let text = Error::NotWritten {
                    path: path.clone(),
                    reason,
                    existed,
                    source: None,
                }
                .to_string();
                // The message without its leading path, which is `filename`.
                let prefix = format!("{}: ", path.display());
                let text = text.strip_prefix(&prefix).unwrap_or(&text).to_owned();
                let errno = source
                    .as_ref()
                    .and_then(std::io::Error::raw_os_error)
                    .unwrap_or(libc::EINVAL);
                PyOSError::new_err((errno, text, path.to_string_lossy().into_owned()))
            }
            e @ Error::Corrupt { section, .. } => raise(
                py,
                |c| &c.corrupt,
                message(&e),
                &[("path", path_obj()), ("section", section.into_py(py))],
            ),
            e @ Error::Version { found, supported } => raise(
                py,
                |c| &c.version,
                message(&e),
                &[
                    ("path", path_obj()),
                    ("found", found.into_py(py)),
                    ("supported", supported.into_py(py)),
                ],
            ),
            e @ Error::UnknownList(_) => {
                // Without the artifact's path: the name is the caller's.
                let text = e.to_string();
                let Error::UnknownList(name) = e else {
                    unreachable!()
                };
                raise(py, |c| &c.unknown_list, text, &[("list", name.into_py(py))])
            }
            e @ Error::Selection(_) => raise(py, |c| &c.list_selection, e.to_string(), &[]),
            e @ Error::InvalidList(_) => raise(py, |c| &c.invalid_list, e.to_string(), &[]),
            Error::Manifest { path, message } => raise(
                py,
                |c| &c.manifest,
                format!("{}: {message}", path.display()),
                &[("path", path.to_string_lossy().into_owned().into_py(py))],
            ),
            Error::MaxChange { path, message } => raise(
                py,
                |c| &c.max_change,
                format!("refusing to replace {}: {message}", path.display()),
                &[("path", path.to_string_lossy().into_owned().into_py(py))],
            ),
            e => raise(py, |c| &c.error, e.to_string(), &[]),
        }
    })
}

/// `SourceError` for invalid source lines: the first one's place, and all of
/// them (as far as the engine kept them) with their total count.
fn source_error(py: Python<'_>, text: String, lines: Vec<(Location, String)>, total: u64) -> PyErr {
    let (path, line, column, detail) = match lines.first() {
        Some((l, m)) => (
            l.source.clone().into_py(py),
            l.line.into_py(py),
            l.column.into_py(py),
            m.clone(),
        ),
        None => (py.None(), py.None(), py.None(), text.clone()),
    };
    let all: Vec<(String, u64, u64, String)> = lines
        .into_iter()
        .map(|(l, m)| (l.source, l.line, l.column, m))
        .collect();
    raise(
        py,
        |c| &c.source,
        text,
        &[
            ("path", path),
            ("line", line),
            ("column", column),
            ("detail", detail.into_py(py)),
            ("errors", all.into_py(py)),
            ("total", total.into_py(py)),
        ],
    )
}

/// Translates an engine error.
pub fn to_py(err: Error) -> PyErr {
    to_py_at(err, None)
}

/// 1-based character column of a byte offset in `text`.
fn column(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().count() + 1
}

/// `InvalidEntryError` for an entry text.
pub fn invalid_entry(entry: &str, err: &EntryError) -> PyErr {
    Python::with_gil(|py| {
        let col = column(entry, err.offset);
        raise(
            py,
            |c| &c.invalid_entry,
            format!(
                "invalid entry {} at column {col}: {}",
                Quoted(entry),
                err.message
            ),
            &[("entry", entry.into_py(py)), ("column", col.into_py(py))],
        )
    })
}

/// `InvalidEntryError` for an entry that does not suit its list.
pub fn misplaced_entry(entry: &str, err: Error) -> PyErr {
    Python::with_gil(|py| {
        raise(
            py,
            |c| &c.invalid_entry,
            format!("invalid entry {}: {err}", Quoted(entry)),
            &[("entry", entry.into_py(py)), ("column", 1usize.into_py(py))],
        )
    })
}

/// `InvalidValueError` for a queried value.
pub fn invalid_value(value: &str, err: &Invalid) -> PyErr {
    Python::with_gil(|py| {
        let col = column(value, err.offset);
        raise(
            py,
            |c| &c.invalid_value,
            format!(
                "invalid value {} at column {col}: {}",
                Quoted(value),
                err.message
            ),
            &[("value", value.into_py(py)), ("column", col.into_py(py))],
        )
    })
}
