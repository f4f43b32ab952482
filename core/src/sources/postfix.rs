//! `postfix`: Postfix `access` and `cidr:` tables: `pattern ACTION [text]`.
//!
//! Results follow `smtpd`'s reading of them ([`action`], also used by `auto`
//! detection): `REJECT`, `DEFER`, `DEFER_IF_PERMIT`, `DISCARD`, `HOLD` and
//! `4NN text` / `5NN text` list the pattern, with the text after the action as
//! the reason; `OK`, `RELAY`, `PERMIT`, `DUNNO` and an all-numeric result stop
//! the table's search without refusing, so they become exclusions. A bare
//! `4NN` / `5NN` code is all-numeric, which Postfix takes as `OK`: that line is
//! invalid, as are results with no list meaning (`FILTER`, `REDIRECT`, `BCC`,
//! `PREPEND`, `WARN`, `INFO`, `DEFER_IF_REJECT`, restriction names).
//!
//! Patterns mean what access(5) says under Postfix's default
//! `parent_domain_matches_subdomains`, which lists `smtpd_access_maps`:
//!
//! | pattern | Postfix matches | entry |
//! |---|---|---|
//! | `example.com` | the domain and its subdomains (and addresses at them) | `example.com` |
//! | `user@example.com` | that address | `user@example.com` |
//! | `.example.com` | nothing: `smtpd` never looks it up under the default | invalid |
//! | `user@` | that local part at any domain | invalid |
//! | `1.2.3.4`, `1.2.3`, `1.2`, `[2001:db8::1]`, `2001:db8` | the address, the network | `1.2.3.4`, `1.2.3.0/24`, ... |
//! | `1.2.3.0/24` (`cidr:` table) | the block | `1.2.3.0/24` |
//!
//! `#` comment lines and blank lines are skipped; a line starting with
//! whitespace continues the one before.

use std::borrow::Cow;

use crate::entry::{name_entry, parse_value};
use crate::error::Result;
use crate::kind::ListKind;
use crate::names::NameForm;

use super::abbrev::expand_v4;
use super::logical::logical_lines;
use super::read::{offset_in, Lines};
use super::sink::Sink;

/// Reads a Postfix table.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    logical_lines(lines, sink, |l| l.trim_start().starts_with('#'), record)
}

/// What a Postfix access table result does to its pattern, as `smtpd`'s
/// `check_table_result` applies it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// The table refuses (or discards, or holds) what matches: the pattern is
    /// listed.
    Listing,
    /// The search of the table stops without a refusal: the pattern is an
    /// exclusion.
    Exclusion,
    /// An all-numeric result: Postfix takes it as `OK` (address-based relay
    /// schemes write time stamps there), so the pattern is an exclusion. A
    /// number is not a sign of a Postfix table on its own.
    Numeric,
    /// A result Postfix knows that has no list meaning, and why.
    NoListMeaning(String),
}

impl Action {
    /// Whether a line with this result tells that a file is a Postfix table.
    pub(crate) fn is_telling(&self) -> bool {
        *self != Action::Numeric
    }
}

/// What the `result` of a table line (the text after the pattern) does, or
/// `None` when it is no Postfix action (restriction names and unknown words;
/// Postfix would evaluate them as restrictions).
pub(crate) fn action(result: &str) -> Option<Action> {
    let result = result.trim();
    let (word, text) = match result.split_once(char::is_whitespace) {
        Some((w, t)) => (w, t.trim()),
        None => (result, ""),
    };
    if !result.is_empty() && result.bytes().all(|b| b.is_ascii_digit()) {
        if result.len() == 3 && matches!(result.as_bytes()[0], b'4' | b'5') {
            return Some(Action::NoListMeaning(format!(
                "a bare {result} is all-numeric, which Postfix takes as OK; \
                 add a text ({result} go away) to refuse"
            )));
        }
        return Some(Action::Numeric);
    }
    let b = word.as_bytes();
    if b.len() == 3 && matches!(b[0], b'4' | b'5') && b.iter().all(u8::is_ascii_digit) {
        return (!text.is_empty()).then_some(Action::Listing);
    }
    Some(match word.to_ascii_uppercase().as_str() {
        "OK" | "RELAY" | "PERMIT" | "DUNNO" => Action::Exclusion,
        "REJECT" | "DEFER" | "DEFER_IF_PERMIT" | "DISCARD" | "HOLD" => Action::Listing,
        "DEFER_IF_REJECT" | "FILTER" | "REDIRECT" | "BCC" | "PREPEND" | "WARN" | "INFO"
        | "HANGUP" => Action::NoListMeaning(format!(
            "action {word:?} has no list meaning; expected OK, RELAY, PERMIT, DUNNO, \
             REJECT, DEFER, DEFER_IF_PERMIT, DISCARD, HOLD or a 4xx/5xx code with a text"
        )),
        _ => return None,
    })
}

fn record(sink: &mut Sink<'_>, n: u64, text: &str) {
    let kind = sink.kind();
    let key_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let key = &text[..key_end];
    let rest = text[key_end..].trim_start();
    let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let word = &rest[..word_end];
    if word.is_empty() {
        sink.invalid(
            n,
            text,
            key_end,
            "missing action after the pattern (such as REJECT or OK)",
        );
        return;
    }
    let exclude = match action(rest) {
        Some(Action::Listing) => false,
        Some(Action::Exclusion | Action::Numeric) => true,
        Some(Action::NoListMeaning(why)) => {
            sink.invalid(n, text, offset_in(text, word), why);
            return;
        }
        None => {
            sink.invalid(
                n,
                text,
                offset_in(text, word),
                format!(
                    "action {word:?} has no list meaning; expected OK, RELAY, PERMIT, DUNNO, \
                     REJECT, DEFER, DEFER_IF_PERMIT, DISCARD, HOLD or a 4xx/5xx code with a text"
                ),
            );
            return;
        }
    };
    let message = rest[word_end..].trim();
    let reason = (!exclude && !message.is_empty()).then(|| message.to_owned());
    let parsed = match kind {
        ListKind::Ip => {
            let (value, expanded) = match expand_v4(key) {
                Some(full) => (Cow::Owned(full), true),
                None => (Cow::Borrowed(key), false),
            };
            parse_value(kind, &value, exclude, reason).map_err(|mut e| {
                if expanded {
                    e.offset = 0;
                }
                e
            })
        }
        ListKind::Domain | ListKind::Email => match name_form(key) {
            Ok(form) => name_entry(kind, form, key, exclude, reason),
            Err(why) => {
                sink.invalid(n, text, 0, why);
                return;
            }
        },
        ListKind::KnownTlds => parse_value(kind, key, exclude, reason),
    };
    if let Some(entry) = sink.entry_at(n, text, 0, parsed) {
        sink.add(n, entry);
    }
}

/// The form a name pattern takes, or why it cannot be carried over.
fn name_form(key: &str) -> Result<NameForm, String> {
    if key == "<>" {
        Err("\"<>\" (the null sender) cannot be expressed as a list entry".into())
    } else if key.ends_with('@') {
        Err(format!(
            "{key:?} (a local part at any domain) cannot be expressed as a list entry"
        ))
    } else if let Some(domain) = key.strip_prefix('@') {
        Err(format!(
            "{key:?} is never looked up in a Postfix access table; \
             {domain:?} is the domain and its subdomains"
        ))
    } else if let Some(domain) = key.strip_prefix('.') {
        Err(format!(
            "{key:?} matches nothing under Postfix's default parent_domain_matches_subdomains \
             (smtpd never looks it up); {domain:?} already is the domain and its subdomains"
        ))
    } else if key.contains('@') {
        Ok(NameForm::Address)
    } else {
        Ok(NameForm::Domain)
    }
}

#[cfg(test)]
mod tests {
    use super::{action, name_form, Action};
    use crate::names::NameForm;

    #[test]
    fn actions() {
        assert_eq!(action("ok"), Some(Action::Exclusion));
        assert_eq!(action("RELAY"), Some(Action::Exclusion));
        assert_eq!(action("DUNNO"), Some(Action::Exclusion));
        assert_eq!(action("554 go away"), Some(Action::Listing));
        assert_eq!(action("450 4.7.1 later"), Some(Action::Listing));
        assert_eq!(action("250"), Some(Action::Numeric));
        assert_eq!(action("1712345678"), Some(Action::Numeric));
        assert!(matches!(action("554"), Some(Action::NoListMeaning(_))));
        assert_eq!(action("REJECT"), Some(Action::Listing));
        assert_eq!(action("reject no thanks"), Some(Action::Listing));
        assert_eq!(action("DEFER_IF_PERMIT"), Some(Action::Listing));
        assert!(matches!(
            action("DEFER_IF_REJECT"),
            Some(Action::NoListMeaning(_))
        ));
        assert!(matches!(
            action("REDIRECT a@b"),
            Some(Action::NoListMeaning(_))
        ));
        assert_eq!(action("reject_unverified_sender"), None);
        assert_eq!(action("spam source"), None);
        assert_eq!(action(""), None);
        assert!(action("554 x").unwrap().is_telling());
        assert!(!action("12").unwrap().is_telling());
    }

    #[test]
    fn name_patterns() {
        assert_eq!(name_form("example.com"), Ok(NameForm::Domain));
        assert_eq!(name_form("user@example.com"), Ok(NameForm::Address));
        for bad in [".example.com", "user@", "@example.com", "<>"] {
            assert!(name_form(bad).is_err(), "{bad}");
        }
    }
}
