//! `drop`: Spamhaus DROP / EDROP lists, as text (`1.10.16.0/20 ; SBL256894`,
//! `;` comment lines) or as JSON lines
//! (`{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}`, with a final
//! `{"type":"metadata",...}` line that is skipped). The SBL id becomes the reason.

use serde::Deserialize;

use crate::entry::parse_value;
use crate::error::Result;

use super::read::{column, offset_in, Lines};
use super::sink::Sink;

#[derive(Deserialize)]
struct JsonLine {
    #[serde(rename = "type")]
    kind: Option<String>,
    cidr: Option<String>,
    sblid: Option<String>,
}

/// Reads a DROP file.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    lines.for_each_text(sink, |sink, n, text| {
        let data = text.trim();
        if data.is_empty() || data.starts_with(';') || data.starts_with('#') {
            return Ok(());
        }
        if data.starts_with('{') {
            let at = offset_in(text, data);
            let line: JsonLine = match serde_json::from_str(data) {
                Ok(line) => line,
                Err(e) => {
                    let col = column(text, at) - 1 + e.column().max(1) as u64;
                    sink.invalid_at(n, col, format!("not a DROP JSON line: {e}"));
                    return Ok(());
                }
            };
            if line.kind.as_deref() == Some("metadata") {
                return Ok(());
            }
            let Some(cidr) = line.cidr else {
                sink.invalid(n, text, at, "DROP JSON line without \"cidr\"");
                return Ok(());
            };
            let cidr_at = data.find(cidr.as_str()).map_or(at, |i| at + i);
            let parsed = parse_value(kind, cidr.trim(), false, line.sblid);
            if let Some(entry) = sink.entry_at(n, text, cidr_at, parsed) {
                sink.add(n, entry);
            }
            return Ok(());
        }
        let (value, sbl) = match data.split_once(';') {
            Some((value, sbl)) => (value.trim(), Some(sbl.trim()).filter(|s| !s.is_empty())),
            None => (data, None),
        };
        let parsed = parse_value(kind, value, false, sbl.map(str::to_owned));
        sink.take(n, text, value, parsed);
        Ok(())
    })?;
    Ok(())
}
