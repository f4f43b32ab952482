//! `exim`: Exim `lsearch` / `iplsearch` files. Each record is a key, an optional
//! colon, and data; the data becomes the entry's reason. Keys may be quoted
//! (`"2001:db8::/32": ...`, required for IPv6 keys in `iplsearch`), with `\"`
//! and `\\` escapes. A line starting with whitespace continues the data of the
//! record before it; `#` in column 0 starts a comment line. A key may start with
//! `!` to make the entry an exclusion.

use std::borrow::Cow;

use crate::entry::parse_value;
use crate::error::Result;

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
    let parsed = parse_value(kind, key.trim(), exclude, reason);
    if let Some(entry) = sink.entry_at(n, text, key_at, parsed) {
        sink.add(n, entry);
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
    use super::unquote;

    #[test]
    fn quoted_keys() {
        assert_eq!(unquote("2001:db8::/32\": x").unwrap().0, "2001:db8::/32");
        assert_eq!(unquote("a\\\"b\" rest").unwrap(), ("a\"b".into(), " rest"));
        assert!(unquote("open").is_none());
    }
}
