//! Python objects accepted as values: `str`, `bytes`, `bytearray`, and the
//! address and network objects of the `ipaddress` module.

use mxlists_core::Invalid;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple};

/// A value as handed to the engine.
pub enum Text {
    /// The value's text.
    Utf8(String),
    /// Bytes or a string that is not valid UTF-8 (never a valid value), and
    /// why.
    Undecodable(Invalid),
}

impl Text {
    /// The text, or `None` when the value was not valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Text::Utf8(s) => Some(s),
            Text::Undecodable(_) => None,
        }
    }

    /// The text, or why the value is invalid when it is not UTF-8.
    pub fn as_result(&self) -> Result<&str, &Invalid> {
        match self {
            Text::Utf8(s) => Ok(s),
            Text::Undecodable(e) => Err(e),
        }
    }
}

static IP_TYPES: GILOnceCell<Py<PyTuple>> = GILOnceCell::new();

/// `(IPv4Address, IPv6Address, IPv4Network, IPv6Network)` of `ipaddress`.
fn ip_types(py: Python<'_>) -> PyResult<&Bound<'_, PyTuple>> {
    IP_TYPES
        .get_or_try_init(py, || {
            let m = py.import_bound("ipaddress")?;
            let names = ["IPv4Address", "IPv6Address", "IPv4Network", "IPv6Network"];
            let types = names
                .iter()
                .map(|n| m.getattr(*n))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new_bound(py, types).unbind())
        })
        .map(|t| t.bind(py))
}

/// The text of a value: a `str`, UTF-8 `bytes`/`bytearray`, or an `ipaddress`
/// object (through its `str()`); any other type is a `TypeError`.
pub fn text(obj: &Bound<'_, PyAny>) -> PyResult<Text> {
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(match s.to_cow() {
            Ok(c) => Text::Utf8(c.into_owned()),
            Err(_) => Text::Undecodable(Invalid::not_utf8(0)),
        });
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return Ok(utf8(b.as_bytes()));
    }
    if let Ok(b) = obj.downcast::<PyByteArray>() {
        return Ok(utf8(&b.to_vec()));
    }
    if obj.is_instance(ip_types(obj.py())?.as_any())? {
        return Ok(Text::Utf8(obj.str()?.to_cow()?.into_owned()));
    }
    Err(PyTypeError::new_err(format!(
        "expected str, bytes or an ipaddress object, got {}",
        obj.get_type().name()?
    )))
}

fn utf8(b: &[u8]) -> Text {
    match std::str::from_utf8(b) {
        Ok(s) => Text::Utf8(s.to_owned()),
        Err(e) => Text::Undecodable(Invalid::not_utf8(e.valid_up_to())),
    }
}

/// The list names of a `lists=` argument: `None` (every list), one name, or an
/// iterable of names.
pub fn list_names(lists: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(lists) = lists.filter(|l| !l.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = lists.downcast::<PyString>() {
        return Ok(Some(vec![s.to_cow()?.into_owned()]));
    }
    let mut names = Vec::new();
    for item in lists.iter()? {
        let item = item?;
        let s = item.downcast::<PyString>().map_err(|_| {
            PyTypeError::new_err("lists must be a list name or an iterable of list names")
        })?;
        names.push(s.to_cow()?.into_owned());
    }
    Ok(Some(names))
}

/// Refuses a lone `str` or `bytes` where an iterable of values is expected (it
/// would be taken character by character).
pub fn reject_single(values: &Bound<'_, PyAny>) -> PyResult<()> {
    if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "expected an iterable of values, got a single str or bytes",
        ));
    }
    Ok(())
}
