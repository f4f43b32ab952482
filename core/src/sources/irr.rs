//! `irr`: RPSL objects from whois or IRR dumps. The `route:` and `route6:`
//! attributes become entries; every other attribute, continuation lines, and
//! `%` / `#` comment lines are skipped. The same prefix from several sources is
//! one entry.

use crate::entry::parse_value;
use crate::error::Result;

use super::read::Lines;
use super::sink::Sink;

/// Reads RPSL objects.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    lines.for_each_text(sink, |sink, n, text| {
        if text.trim().is_empty()
            || text.starts_with(['%', '#'])
            || text.starts_with([' ', '\t', '+'])
        {
            return Ok(());
        }
        let Some((name, value)) = attribute(text) else {
            sink.invalid(n, text, 0, "not an RPSL attribute line (`name: value`)");
            return Ok(());
        };
        if !(name.eq_ignore_ascii_case("route") || name.eq_ignore_ascii_case("route6")) {
            return Ok(());
        }
        // An end-of-line comment may follow the value.
        let value = value.split('#').next().unwrap_or("").trim();
        sink.take(n, text, value, parse_value(kind, value, false, None));
        Ok(())
    })?;
    Ok(())
}

/// Splits `name: value` where the name is an RPSL attribute name.
fn attribute(text: &str) -> Option<(&str, &str)> {
    let (name, value) = text.split_once(':')?;
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some((name, value))
}
