//! Python objects accepted as values: `str`, `bytes`, `bytearray`, and the
//! address and network objects of the `ipaddress` module.

use mxlists_core::select::ListSelection;
use mxlists_core::Invalid;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple};

use crate::errors::to_py;

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

/// The `ipaddress` classes a value may be given as, and those it may not.
struct IpTypes {
    /// `IPv4Address`, `IPv6Address`.
    addresses: Py<PyTuple>,
    /// `IPv4Network`, `IPv6Network`.
    networks: Py<PyTuple>,
    /// `IPv4Interface`, `IPv6Interface` (subclasses of the address classes
    /// that carry a network too).
    interfaces: Py<PyTuple>,
}

static IP_TYPES: GILOnceCell<IpTypes> = GILOnceCell::new();

fn ip_types(py: Python<'_>) -> PyResult<&IpTypes> {
    IP_TYPES.get_or_try_init(py, || {
        let m = py.import_bound("ipaddress")?;
        let tuple = |names: [&str; 2]| -> PyResult<Py<PyTuple>> {
            let types = names
                .iter()
                .map(|n| m.getattr(*n))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new_bound(py, types).unbind())
        };
        Ok(IpTypes {
            addresses: tuple(["IPv4Address", "IPv6Address"])?,
            networks: tuple(["IPv4Network", "IPv6Network"])?,
            interfaces: tuple(["IPv4Interface", "IPv6Interface"])?,
        })
    })
}

/// What a value is given for: a lookup takes one address, domain or IP
/// address; a list entry may also be a network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// A queried value: an `ipaddress` network or interface is a `TypeError`
    /// (a network is not an address to look up).
    Query,
    /// A list entry: `ipaddress` networks are entries too.
    Entry,
}

/// The text of a value: a `str`, UTF-8 `bytes`/`bytearray`, or an `ipaddress`
/// address (for entries, also a network) through its `str()`; any other type
/// is a `TypeError`.
pub fn text(obj: &Bound<'_, PyAny>, used: Use) -> PyResult<Text> {
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
    let py = obj.py();
    let types = ip_types(py)?;
    let is = |t: &Py<PyTuple>| obj.is_instance(t.bind(py).as_any());
    let network = is(&types.networks)? || is(&types.interfaces)?;
    if (used == Use::Entry && is(&types.networks)?) || (!network && is(&types.addresses)?) {
        return Ok(Text::Utf8(obj.str()?.to_cow()?.into_owned()));
    }
    let name = obj.get_type().name()?;
    Err(PyTypeError::new_err(if network && used == Use::Query {
        format!(
            "expected str, bytes or an ipaddress address, got {name}: a network or \
             interface is not a value to look up (check its address, or list it)"
        )
    } else if used == Use::Query {
        format!("expected str, bytes or an ipaddress address, got {name}")
    } else {
        format!("expected str, bytes or an ipaddress address or network, got {name}")
    }))
}

/// Appends the UTF-8 text of a value (the types [`text`] takes) to `out`;
/// `false`, with nothing appended, when it is not valid UTF-8.
pub fn text_into(obj: &Bound<'_, PyAny>, used: Use, out: &mut Vec<u8>) -> PyResult<bool> {
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(match s.encode_utf8() {
            Ok(b) => {
                out.extend_from_slice(b.as_bytes());
                true
            }
            Err(_) => false,
        });
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        let b = b.as_bytes();
        let ok = std::str::from_utf8(b).is_ok();
        if ok {
            out.extend_from_slice(b);
        }
        return Ok(ok);
    }
    Ok(match text(obj, used)? {
        Text::Utf8(s) => {
            out.extend_from_slice(s.as_bytes());
            true
        }
        Text::Undecodable(_) => false,
    })
}

fn utf8(b: &[u8]) -> Text {
    match std::str::from_utf8(b) {
        Ok(s) => Text::Utf8(s.to_owned()),
        Err(e) => Text::Undecodable(Invalid::not_utf8(e.valid_up_to())),
    }
}

/// The selection of a `lists=` argument: `None` (every list), or a string or
/// an iterable of strings read by the engine's selection rule (`*`, names
/// separated by commas; an empty selection is an error, as in C and Exim).
pub fn list_selection(lists: Option<&Bound<'_, PyAny>>) -> PyResult<Option<ListSelection>> {
    let Some(lists) = lists.filter(|l| !l.is_none()) else {
        return Ok(None);
    };
    let mut items = Vec::new();
    if let Ok(s) = lists.downcast::<PyString>() {
        items.push(s.to_cow()?.into_owned());
    } else {
        for item in lists.iter()? {
            let item = item?;
            let s = item.downcast::<PyString>().map_err(|_| {
                PyTypeError::new_err("lists must be a list name or an iterable of list names")
            })?;
            items.push(s.to_cow()?.into_owned());
        }
    }
    ListSelection::parse(&items).map(Some).map_err(to_py)
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
