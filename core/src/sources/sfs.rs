//! `sfs`: StopForumSpam lists. The plain lists hold one value per line, with no
//! comments (`#` is data there: usernames may start with it). The `_all` lists
//! are CSV rows `"value","count","lastseen"`, without a header; the value is
//! the first field. Whether a file is CSV is told by its first non-blank line.

use crate::entry::parse_value;
use crate::error::Result;

use super::read::{offset_in, Lines};
use super::sink::Sink;

/// Lines looked at to tell CSV from plain.
const PEEK: usize = 16;

/// Reads a StopForumSpam file.
pub(crate) fn read(lines: &mut Lines<'_>, sink: &mut Sink<'_>) -> Result<()> {
    let kind = sink.kind();
    let csv = lines
        .peek(PEEK)?
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with('"'));
    let mut record = csv::StringRecord::new();
    while let Some((n, text)) = lines.next_line()? {
        let text = match text {
            Ok(text) => text,
            Err(bad) => {
                sink.not_utf8(n, bad);
                continue;
            }
        };
        let data = text.trim();
        if data.is_empty() {
            continue;
        }
        if !csv {
            sink.take(n, text, data, parse_value(kind, data, false, None));
            continue;
        }
        let at = offset_in(text, data);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(data.len() + 1)
            .from_reader(data.as_bytes());
        match reader.read_record(&mut record) {
            Ok(true) => {
                let value = record.get(0).unwrap_or("").trim();
                // The value starts after the opening quote.
                let value_at = at + usize::from(data.starts_with('"'));
                let parsed = parse_value(kind, value, false, None);
                if let Some(entry) = sink.entry_at(n, text, value_at, parsed) {
                    sink.add(n, entry);
                }
            }
            Ok(false) => {}
            Err(e) => sink.invalid(n, text, at, format!("not a CSV row: {e}")),
        }
    }
    Ok(())
}
