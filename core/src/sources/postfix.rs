//! `postfix`: Postfix `access` and `cidr:` tables: `pattern ACTION [text]`.
//! `OK`, `PERMIT`, `DUNNO` and all-numeric results become exclusions; `REJECT`,
//! `DEFER`, `DEFER_IF_PERMIT`, `DISCARD`, `HOLD` and `4xx` / `5xx` codes become
//! listings, with the text after the action as the reason. Other actions (such
//! as `FILTER`, `REDIRECT`, `PREPEND` or restriction names) have no list
//! meaning and are invalid lines.
//!
//! Patterns follow Postfix: `example.com` is the domain (and, with Postfix's
//! default `parent_domain_matches_subdomains`, its subdomains), `.example.com`
//! is subdomains only, `user@example.com` one address; `user@` (any domain) has
//! no equivalent. IP patterns may be partial (`1.2.3` is `1.2.3.0/24`), CIDR
//! blocks, or `[IPv6]` literals. `#` comment lines and blank lines are skipped;
//! a line starting with whitespace continues the one before.

use std::borrow::Cow;

use crate::entry::parse_value;
use crate::error::Result;
use crate::kind::ListKind;

use super::abbrev::expand_v4;
use super::logical::logical_lines;
use super::read::{offset_in, Lines};
use super::sink::Sink;

/// Reads a Postfix table.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    logical_lines(lines, sink, |l| l.trim_start().starts_with('#'), record)
}

/// What an action does to its pattern.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    Listing,
    Exclusion,
}

fn action(word: &str) -> Option<Action> {
    let upper = word.to_ascii_uppercase();
    match upper.as_str() {
        "OK" | "PERMIT" | "DUNNO" => return Some(Action::Exclusion),
        "REJECT" | "DEFER" | "DEFER_IF_PERMIT" | "DISCARD" | "HOLD" => {
            return Some(Action::Listing)
        }
        _ => {}
    }
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        let smtp_error = word.len() == 3 && matches!(word.as_bytes()[0], b'4' | b'5');
        return Some(if smtp_error {
            Action::Listing
        } else {
            Action::Exclusion
        });
    }
    None
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
    let Some(act) = action(word) else {
        sink.invalid(
            n,
            text,
            offset_in(text, word),
            format!("action {word:?} has no list meaning; expected OK, PERMIT, DUNNO, REJECT, DEFER, DISCARD, HOLD or a 4xx/5xx code"),
        );
        return;
    };
    let exclude = act == Action::Exclusion;
    let message = rest[word_end..].trim();
    let reason = (!exclude && !message.is_empty()).then(|| message.to_owned());
    let (value, shift): (Cow<'_, str>, isize) = match kind {
        ListKind::Ip => match expand_v4(key) {
            Some(full) => (Cow::Owned(full), isize::MIN),
            None => (Cow::Borrowed(key), 0),
        },
        _ => {
            if key.ends_with('@') {
                sink.invalid(
                    n,
                    text,
                    0,
                    format!(
                        "{key:?} (a local part at any domain) cannot be expressed as a list entry"
                    ),
                );
                return;
            }
            match key.strip_prefix('.') {
                // Postfix `.example.com` means strict subdomains.
                Some(domain) => (Cow::Owned(format!("*.{domain}")), -1),
                None => (Cow::Borrowed(key), 0),
            }
        }
    };
    let parsed = parse_value(kind, &value, exclude, reason).map_err(|mut e| {
        e.offset = match shift {
            isize::MIN => 0,
            s => e.offset.saturating_add_signed(s),
        };
        e
    });
    if let Some(entry) = sink.entry_at(n, text, 0, parsed) {
        sink.add(n, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::{action, Action};

    #[test]
    fn actions() {
        assert_eq!(action("ok"), Some(Action::Exclusion));
        assert_eq!(action("DUNNO"), Some(Action::Exclusion));
        assert_eq!(action("554"), Some(Action::Listing));
        assert_eq!(action("450"), Some(Action::Listing));
        assert_eq!(action("250"), Some(Action::Exclusion));
        assert_eq!(action("REJECT"), Some(Action::Listing));
        assert_eq!(action("REDIRECT"), None);
        assert_eq!(action("reject_unverified_sender"), None);
    }
}
