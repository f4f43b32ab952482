//! `exim`: Exim `lsearch` / `wildlsearch` / `iplsearch` files. Each record is a
//! key, an optional colon, and data; the data becomes the entry's reason. Keys
//! may be quoted (`"2001:db8::/32": ...`, required for IPv6 keys in
//! `iplsearch`), with `\"` and `\\` escapes. A line starting with whitespace
//! continues the data of the record before it; `#` in column 0 starts a comment
//! line. A key may start with `!` to make the entry an exclusion (an mxlists
//! addition: Exim reads `!` as part of the key).
//!
//! Name keys keep the meaning Exim gives them, in the lookup the list's kind
//! stands for: a `domain` list is a file Exim looks names up in
//! (`${lookup{$sender_helo_name}lsearch{FILE}}`, `sender_domains =
//! lsearch;FILE`), an `email` list one it looks addresses up in (`recipients =
//! nwildlsearch*@;FILE`, which tries the address, then `*@` and its domain):
//!
//! | key | Exim matches | `domain` list | `email` list |
//! |---|---|---|---|
//! | `example.com` | that name only | `=example.com` | invalid: never matches an address |
//! | `user@example.com` | that address | invalid | `user@example.com` |
//! | `*@example.com` | any address at exactly example.com | invalid: never matches a name | `=example.com` |
//! | `*.example.com` (wildlsearch) | names and addresses below example.com | `*.example.com` | `*.example.com` |
//! | `*example.com`, `*` | any name ending in the text | invalid | invalid |
//! | `^regex` | names matching the expression | invalid | invalid |
//! | `@`, `@[]`, `@mx_any`, `@example.com` | the local host's names, nothing | invalid | invalid |
//!
//! Keys of `ip` lists are addresses, CIDR blocks and ranges, as `iplsearch`
//! reads them.

use std::borrow::Cow;

use crate::entry::{name_entry, parse_value};
use crate::error::Result;
use crate::kind::ListKind;
use crate::names::NameForm;

use super::logical::logical_lines;
use super::read::{offset_in, Lines};
use super::sink::Sink;

/// Reads an Exim lookup file.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    logical_lines(lines, sink, |l| l.starts_with('#'), record)
}

fn record(sink: &mut Sink<'_>, n: u64, text: &str) {
    let kind = sink.kind();
    let (exclude, rest) = match text.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let (key, key_at, after) = if let Some(quoted) = rest.strip_prefix('"') {
        match unquote(quoted) {
            Some((key, after)) => (key, offset_in(text, quoted), after),
            None => {
                sink.invalid(n, text, offset_in(text, rest), "unterminated quoted key");
                return;
            }
        }
    } else {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ':')
            .unwrap_or(rest.len());
        (
            Cow::Borrowed(&rest[..end]),
            offset_in(text, rest),
            &rest[end..],
        )
    };
    let data = after.trim_start();
    let data = data.strip_prefix(':').unwrap_or(data).trim();
    let reason = (!data.is_empty()).then(|| data.to_owned());
    let lead = key.len() - key.trim_start().len();
    let key = key.trim();
    let key_at = key_at + lead;
    let parsed = match kind {
        ListKind::Domain | ListKind::Email => match name_key(kind, key) {
            Ok((form, skip)) => {
                name_entry(kind, form, &key[skip..], exclude, reason).map_err(|mut e| {
                    e.offset += skip;
                    e
                })
            }
            Err(why) => {
                sink.invalid(n, text, key_at, why);
                return;
            }
        },
        ListKind::Ip | ListKind::KnownTlds => parse_value(kind, key, exclude, reason),
    };
    if let Some(entry) = sink.entry_at(n, text, key_at, parsed) {
        sink.add(n, entry);
    }
}

/// The form an Exim key takes in a list of `kind`, and the length of its
/// wildcard prefix; or why it cannot be carried over.
fn name_key(kind: ListKind, key: &str) -> std::result::Result<(NameForm, usize), String> {
    let cannot = |what: &str| format!("{key:?} {what}; mxlists cannot express it");
    if key.starts_with('^') {
        return Err(cannot("is a regular expression"));
    }
    if key.starts_with('@') {
        return Err(cannot(
            "is an Exim @ pattern (the local host's names or addresses), or matches nothing",
        ));
    }
    if let Some(domain) = key.strip_prefix("*@") {
        return match kind {
            ListKind::Email => Ok((NameForm::Exact, 2)),
            _ => Err(format!(
                "{key:?} is any address at {domain}: a lookup of a name never matches it; \
                 read the file into an email list"
            )),
        };
    }
    if key.starts_with("*.") {
        return Ok((NameForm::Subdomains, 2));
    }
    if let Some(tail) = key.strip_prefix('*') {
        return Err(if tail.is_empty() {
            cannot("matches every name")
        } else {
            cannot(&format!(
                "matches any name ending in {tail:?} (such as x{tail}), not only {tail} and its subdomains"
            ))
        });
    }
    match (kind, key.contains('@')) {
        (ListKind::Email, true) => Ok((NameForm::Address, 0)),
        (_, true) => Err(format!(
            "{key:?} is an address: a lookup of a name never matches it; \
             read the file into an email list"
        )),
        (ListKind::Email, false) => Err(format!(
            "{key:?} is a name: Exim's address lookups (nwildlsearch*@, lsearch*@) never \
             match it; write *@{key} for every address at it, or read the file into a domain \
             list"
        )),
        (_, false) => Ok((NameForm::Exact, 0)),
    }
}

/// Reads a quoted key up to its closing quote; returns it and the text after.
fn unquote(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut out: Option<String> = None;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let key = match out {
                    Some(s) => Cow::Owned(s),
                    None => Cow::Borrowed(&text[..i]),
                };
                return Some((key, &text[i + 1..]));
            }
            '\\' => {
                let s = out.get_or_insert_with(|| text[..i].to_owned());
                if let Some((_, escaped)) = chars.next() {
                    s.push(escaped);
                }
            }
            c => {
                if let Some(s) = &mut out {
                    s.push(c);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{name_key, unquote};
    use crate::kind::ListKind;
    use crate::names::NameForm;

    #[test]
    fn key_forms() {
        let d = ListKind::Domain;
        let e = ListKind::Email;
        assert_eq!(name_key(d, "163.com"), Ok((NameForm::Exact, 0)));
        assert_eq!(name_key(d, "*.163.com"), Ok((NameForm::Subdomains, 2)));
        assert_eq!(name_key(e, "*.163.com"), Ok((NameForm::Subdomains, 2)));
        assert_eq!(name_key(e, "*@163.com"), Ok((NameForm::Exact, 2)));
        assert_eq!(name_key(e, "user@163.com"), Ok((NameForm::Address, 0)));
        for (kind, key) in [
            (d, "*@163.com"),
            (d, "user@163.com"),
            (e, "163.com"),
            (d, "*163.com"),
            (e, "*"),
            (d, "^mail[0-9]+\\.163\\.com$"),
            (d, "@"),
            (e, "@[]"),
            (d, "@mx_any"),
        ] {
            assert!(name_key(kind, key).is_err(), "{kind} {key}");
        }
    }

    #[test]
    fn quoted_keys() {
        assert_eq!(unquote("2001:db8::/32\": x").unwrap().0, "2001:db8::/32");
        assert_eq!(unquote("a\\\"b\" rest").unwrap(), ("a\"b".into(), " rest"));
        assert!(unquote("open").is_none());
    }
}
