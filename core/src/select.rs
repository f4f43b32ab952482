//! Which lists a query consults: the one rule every front follows (the
//! command's `--list`, the `LISTS` argument of the C library and of Exim's
//! functions, Python's `lists=`, the server's configuration).
//!
//! A selection is given as one or more items (one string in C and Exim;
//! repeated options on the command line; a string or a sequence of strings in
//! Python), and each item holds list names separated by commas:
//!
//! - `*` alone selects every list;
//! - otherwise the named lists are consulted (in the artifact's order, not
//!   the selection's; a name given twice counts once);
//! - spaces around a name are ignored;
//! - a selection without any name (`""`, `" "`, `","`, no items at all) is
//!   [`Error::Selection`] "empty list selection": a configuration mistake
//!   must not consult nothing (and let everything through) or everything;
//! - an empty name among others (`a,,b`, `a,`) is [`Error::Selection`];
//! - `*` together with names is [`Error::Selection`];
//! - a name the artifact does not hold is [`Error::UnknownList`], whose
//!   message shows at most the first 64 bytes of the name.
//!
//! Giving no selection at all (a NULL `LISTS` in C, `lists=None` in Python, no
//! `--list`) means every list; that default belongs to the fronts, which then
//! use [`Selection::all`] without this module.
//!
//! ```
//! use mxlists_core::select::ListSelection;
//! use mxlists_core::{Artifact, Builder, ListKind};
//!
//! let mut b = Builder::new();
//! b.add_list("tld_bans", ListKind::Domain, None).unwrap();
//! b.add_list("ovh", ListKind::Ip, None).unwrap();
//! let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
//!
//! let sel = ListSelection::parse(&[" ovh , tld_bans "]).unwrap().resolve(&art).unwrap();
//! assert!(sel.contains(0) && sel.contains(1));
//! assert_eq!(ListSelection::parse(&["*"]).unwrap(), ListSelection::All);
//! let e = ListSelection::parse::<&str>(&[]).unwrap_err().to_string();
//! assert!(e.starts_with("empty list selection"));
//! assert!(ListSelection::parse(&["tld_bans,,ovh"]).is_err());
//! assert!(ListSelection::parse(&["nope"]).unwrap().resolve(&art).is_err());
//! ```

use crate::artifact::Artifact;
use crate::error::{Error, Quoted, Result};
use crate::lookup::Selection;

/// The message of an empty selection, the same on every front.
pub const EMPTY_SELECTION: &str =
    "empty list selection: name one or more lists (separated by commas), or * for every list";

/// A list selection as given, checked against the rule but not yet against
/// an artifact (an artifact that is replaced may hold other lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListSelection {
    /// `*`: every list.
    All,
    /// These names, without duplicates, in the order given.
    Names(Vec<String>),
}

impl ListSelection {
    /// Reads a selection given as `items`, each holding names separated by
    /// commas (see the [module](self) for the rule).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self> {
        let mut names: Vec<String> = Vec::new();
        let mut star = false;
        let mut empty = false;
        for item in items {
            for name in item.as_ref().split(',').map(|n| n.trim()) {
                match name {
                    "" => empty = true,
                    "*" => star = true,
                    n => {
                        if !names.iter().any(|m| m == n) {
                            names.push(n.to_owned());
                        }
                    }
                }
            }
        }
        if names.is_empty() && !star {
            return Err(Error::Selection(EMPTY_SELECTION.to_owned()));
        }
        if empty {
            let given: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
            return Err(Error::Selection(format!(
                "empty list name in the list selection {}",
                Quoted(&given.join(","))
            )));
        }
        match (star, names.is_empty()) {
            (true, true) => Ok(ListSelection::All),
            (true, false) => Err(Error::Selection(
                "* selects every list and cannot be combined with list names".to_owned(),
            )),
            _ => Ok(ListSelection::Names(names)),
        }
    }

    /// Reads a selection given as raw bytes (C, Exim): one item. Bytes that
    /// are not UTF-8 cannot be part of a list name, and make the name they are
    /// in unknown.
    pub fn parse_bytes(spec: &[u8]) -> Result<Self> {
        Self::parse(&[String::from_utf8_lossy(spec)])
    }

    /// The lists of `artifact` this selection consults; an unknown name is
    /// [`Error::UnknownList`].
    pub fn resolve(&self, artifact: &Artifact) -> Result<Selection> {
        let names = match self {
            ListSelection::All => return Ok(Selection::all()),
            ListSelection::Names(names) => names,
        };
        let mut sel = Selection::none();
        for name in names {
            let index = artifact
                .lists()
                .iter()
                .position(|l| &l.name == name)
                .ok_or_else(|| Error::UnknownList(name.clone()))?;
            sel.insert(index);
        }
        Ok(sel)
    }
}

/// [`ListSelection::parse`] then [`ListSelection::resolve`]: the lists of
/// `artifact` that `items` select.
pub fn select<S: AsRef<str>>(artifact: &Artifact, items: &[S]) -> Result<Selection> {
    ListSelection::parse(items)?.resolve(artifact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(items: &[&str]) -> std::result::Result<ListSelection, String> {
        ListSelection::parse(items).map_err(|e| e.to_string())
    }

    fn names(n: &[&str]) -> std::result::Result<ListSelection, String> {
        Ok(ListSelection::Names(
            n.iter().map(|s| s.to_string()).collect(),
        ))
    }

    #[test]
    fn the_rule() {
        assert_eq!(parsed(&["*"]), Ok(ListSelection::All));
        assert_eq!(parsed(&[" * "]), Ok(ListSelection::All));
        assert_eq!(parsed(&["*", "*"]), Ok(ListSelection::All));
        assert_eq!(parsed(&["a"]), names(&["a"]));
        assert_eq!(parsed(&[" a , b ", "c", "a"]), names(&["a", "b", "c"]));
        for empty in [&[][..], &[""], &[" "], &[","], &["", ""], &[" , "]] {
            assert_eq!(parsed(empty), Err(EMPTY_SELECTION.to_owned()), "{empty:?}");
        }
        for bad in [&["a,,b"][..], &["a,"], &[",a"], &["a", ""]] {
            let e = parsed(bad).unwrap_err();
            assert!(e.starts_with("empty list name"), "{bad:?}: {e}");
        }
        for bad in [&["*,a"][..], &["a", "*"]] {
            let e = parsed(bad).unwrap_err();
            assert!(e.contains("cannot be combined"), "{bad:?}: {e}");
        }
        assert_eq!(
            ListSelection::parse_bytes(b"\xff, a").unwrap(),
            ListSelection::Names(vec!["\u{fffd}".into(), "a".into()])
        );
    }

    #[test]
    fn messages_stay_short() {
        let long = "n".repeat(1 << 20);
        let e = ListSelection::parse(&[format!("{long},,a")]).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
        let e = Error::UnknownList(long).to_string();
        assert!(e.len() < 200, "{e}");
        assert!(e.ends_with("... (1048576 bytes)"), "{e}");
    }
}
