//! `mxlists.build` (a manifest compiled as `mxlists build` does) and
//! `mxlists.diff`.

use std::path::PathBuf;

use mxlists_core::sources::{self, BuildOptions, Manifest};
use mxlists_core::{Artifact, Error};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::{to_py, to_py_at};
use crate::types::{BuildReport, Diff};

/// Compiles the manifest (`mxlists.toml`) and writes the artifact to `output`
/// atomically, as `mxlists build MANIFEST -o OUTPUT` does, with the same bytes.
///
/// `max_change`: when `output` exists and any list's entry count changes by
/// more than this many percent, raise `MaxChangeError` and keep the old file.
/// `skip_invalid`: drop invalid lines (counted per file in the report)
/// instead of raising `SourceError`. `allow_special_sources`: read sources
/// that are not regular files (a FIFO, a device), which are otherwise refused.
/// `mode`: the permissions of the artifact (default: those of the file
/// replaced, or 0o644). `output` must be absent, a regular file or a link to
/// one, and none of the build's inputs.
#[pyfunction]
#[pyo3(signature = (
    manifest,
    output,
    *,
    max_change = None,
    skip_invalid = false,
    allow_special_sources = false,
    mode = None
))]
pub fn build(
    py: Python<'_>,
    manifest: PathBuf,
    output: PathBuf,
    max_change: Option<f64>,
    skip_invalid: bool,
    allow_special_sources: bool,
    mode: Option<u32>,
) -> PyResult<BuildReport> {
    if let Some(m) = max_change {
        if !(m.is_finite() && m >= 0.0) {
            return Err(PyValueError::new_err(
                "max_change must be a percentage >= 0",
            ));
        }
    }
    let options = BuildOptions {
        skip_invalid,
        max_change,
        allow_special_sources,
        mode: file_mode(mode)?,
    };
    py.allow_threads(|| -> Result<BuildReport, Error> {
        let m = Manifest::load(&manifest)?;
        let report = sources::build(&m, &output, &options)?;
        Ok(BuildReport::of_report(&report))
    })
    .map_err(to_py)
}

/// A `mode=` argument: permission bits, at most `0o7777`.
pub fn file_mode(mode: Option<u32>) -> PyResult<Option<u32>> {
    match mode {
        Some(m) if m > 0o7777 => Err(PyValueError::new_err(format!(
            "mode must be file permission bits from 0 to 0o7777, not {m:#o}"
        ))),
        m => Ok(m),
    }
}

/// Compares two artifact files as `mxlists diff` does: a `Diff` with `equal`,
/// `order_changed` and one `ListDiff` per list found in either (the old
/// artifact's lists first, in order): its status, kind and default-reason
/// changes, and the entries added and removed.
#[pyfunction]
pub fn diff(py: Python<'_>, old: PathBuf, new: PathBuf) -> PyResult<Diff> {
    py.allow_threads(|| -> PyResult<Diff> {
        let a = Artifact::open(&old).map_err(|e| to_py_at(e, Some(&old)))?;
        let b = Artifact::open(&new).map_err(|e| to_py_at(e, Some(&new)))?;
        let c = mxlists_core::diff(&a, &b).map_err(to_py)?;
        Ok(Diff::from(&c))
    })
}
