//! `iana`: IANA's `tlds-alpha-by-domain.txt`: a `# Version ...` comment line,
//! then one upper-case TLD per line (`XN--` labels for IDN TLDs).

use crate::entry::parse_value;
use crate::error::Result;

use super::read::Lines;
use super::sink::Sink;

/// Reads an IANA TLD file.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    lines.for_each_text(sink, |sink, n, text| {
        let tld = text.trim();
        if tld.is_empty() || tld.starts_with('#') {
            return Ok(());
        }
        if let Some(space) = tld.find(char::is_whitespace) {
            let at = super::read::offset_in(text, tld) + space;
            sink.invalid(n, text, at, "expected one TLD per line");
            return Ok(());
        }
        sink.take(n, text, tld, parse_value(kind, tld, false, None));
        Ok(())
    })?;
    Ok(())
}
