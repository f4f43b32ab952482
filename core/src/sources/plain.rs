//! `plain`: one entry per line in core's entry syntax (`[!]value [reason]`), `#`
//! comment lines and blank lines.

use crate::entry::parse_entry;
use crate::error::Result;

use super::read::Lines;
use super::sink::Sink;

/// Reads a `plain` file.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    lines.for_each_text(sink, |sink, n, text| {
        let data = text.trim_start();
        if data.is_empty() || data.starts_with('#') {
            return Ok(());
        }
        sink.take(n, text, text, parse_entry(kind, text));
        Ok(())
    })?;
    Ok(())
}
