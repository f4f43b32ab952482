//! `rbldnsd`: data of rbldnsd `ip4set`, `ip4tset`, `ip4trie`, `ip6tset`,
//! `ip6trie` and `dnset` datasets.
//!
//! A data line is `[!]subject [value]`; `!` makes an exclusion. The value is
//! `:A:text` or just text; the text becomes the reason. A line `:A:text` on its
//! own sets the reason of the entries after it that have none. `$` directive
//! lines (`$SOA`, `$NS`, `$TTL`, ...) and `#` / `;` comment lines are skipped.
//! IPv4 subjects may be abbreviated (`127.0.0` is a /24, `10/8`, `1.2.3.4-9`).
//!
//! In a `dnset` (a `domain` or `email` list), names keep their rbldnsd meaning:
//! a bare `example.com` is that name only (`=example.com`), `.example.com` the
//! domain and its subdomains (`example.com`), `*.example.com` its subdomains
//! only (`*.example.com`); `!` before any of them excludes what it covers. The
//! most specific name decides, and at equal specificity an exclusion wins, as
//! in rbldnsd.

use std::borrow::Cow;

use crate::entry::{name_entry, parse_value};
use crate::error::Result;
use crate::kind::ListKind;
use crate::names::NameForm;

use super::abbrev::expand_v4;
use super::read::{offset_in, Lines};
use super::sink::Sink;

/// Reads rbldnsd data.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    let mut default_reason: Option<String> = None;
    lines.for_each_text(sink, |sink, n, text| {
        let data = text.trim();
        if data.is_empty() || data.starts_with(['#', ';', '$']) {
            return Ok(());
        }
        if data.starts_with(':') {
            default_reason = value_text(data).map(str::to_owned);
            return Ok(());
        }
        let (exclude, rest) = match data.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, data),
        };
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let subject = &rest[..end];
        let reason = if exclude {
            None
        } else {
            value_text(rest[end..].trim())
                .map(str::to_owned)
                .or_else(|| default_reason.clone())
        };
        let parsed = match kind {
            ListKind::Domain | ListKind::Email => {
                let (form, skip) = dnset_form(subject);
                name_entry(kind, form, &subject[skip..], exclude, reason).map_err(|mut e| {
                    e.offset += skip;
                    e
                })
            }
            ListKind::Ip | ListKind::KnownTlds => {
                let (value, expanded): (Cow<'_, str>, bool) = match expand_v4(subject) {
                    Some(full) if kind == ListKind::Ip => (Cow::Owned(full), true),
                    _ => (Cow::Borrowed(subject), false),
                };
                parse_value(kind, &value, exclude, reason).map_err(|mut e| {
                    if expanded {
                        e.offset = 0;
                    }
                    e
                })
            }
        };
        let at = offset_in(text, subject);
        if let Some(entry) = sink.entry_at(n, text, at, parsed) {
            sink.add(n, entry);
        }
        Ok(())
    })?;
    Ok(())
}

/// The form of a `dnset` name and the length of its wildcard prefix. A name
/// with `@` (no rbldnsd form) is read as one address.
fn dnset_form(subject: &str) -> (NameForm, usize) {
    if subject.starts_with("*.") {
        (NameForm::Subdomains, 2)
    } else if subject.starts_with('.') {
        (NameForm::Domain, 1)
    } else if subject.contains('@') {
        (NameForm::Address, 0)
    } else {
        (NameForm::Exact, 0)
    }
}

/// The text of a value (`:127.0.0.2:text`, `:text`, `127.0.0.2:text` or `text`),
/// `None` when there is none.
fn value_text(value: &str) -> Option<&str> {
    let v = value.strip_prefix(':').unwrap_or(value);
    let text = match v.split_once(':') {
        Some((a, text)) if is_a_value(a) => text,
        None if is_a_value(v) && value.starts_with(':') => "",
        _ => v,
    };
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// Whether `a` is an rbldnsd A value (an IPv4 address, possibly abbreviated as
/// `2` for `127.0.0.2`), or empty.
pub(crate) fn is_a_value(a: &str) -> bool {
    a.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::{dnset_form, value_text};
    use crate::names::NameForm;

    #[test]
    fn dnset_forms() {
        assert_eq!(dnset_form("example.com"), (NameForm::Exact, 0));
        assert_eq!(dnset_form(".example.com"), (NameForm::Domain, 1));
        assert_eq!(dnset_form("*.example.com"), (NameForm::Subdomains, 2));
        assert_eq!(dnset_form("u@example.com"), (NameForm::Address, 0));
    }

    #[test]
    fn values() {
        assert_eq!(value_text(":127.0.0.2:Listed here"), Some("Listed here"));
        assert_eq!(value_text(":127.0.0.2:"), None);
        assert_eq!(value_text(":127.0.0.2"), None);
        assert_eq!(value_text("::Listed"), Some("Listed"));
        assert_eq!(value_text(":2:Listed"), Some("Listed"));
        assert_eq!(value_text("Open relay"), Some("Open relay"));
        assert_eq!(value_text(""), None);
    }
}
