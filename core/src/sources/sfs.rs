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
    let mut row = CsvRow::new();
    lines.for_each_text(sink, |sink, n, text| {
        let data = text.trim();
        if data.is_empty() {
            return Ok(());
        }
        if !csv {
            sink.take(n, text, data, parse_value(kind, data, false, None));
            return Ok(());
        }
        let at = offset_in(text, data);
        let value = row.first_field(data).trim();
        // The value starts after the opening quote.
        let value_at = at + usize::from(data.starts_with('"'));
        let parsed = parse_value(kind, value, false, None);
        if let Some(entry) = sink.entry_at(n, text, value_at, parsed) {
            sink.add(n, entry);
        }
        Ok(())
    })?;
    Ok(())
}

/// The first field of a CSV row, read with one CSV reader reused for every
/// line (building a reader per line costs more than parsing the line).
struct CsvRow {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl CsvRow {
    fn new() -> Self {
        CsvRow {
            reader: csv_core::Reader::new(),
            out: vec![0; 256],
            ends: vec![0; 8],
        }
    }

    /// The first field of `line` (one row, without its line ending).
    fn first_field(&mut self, line: &str) -> &str {
        use csv_core::ReadRecordResult as R;
        self.reader.reset();
        let mut input = line.as_bytes();
        let (mut nout, mut nends) = (0, 0);
        loop {
            let (result, i, o, e) =
                self.reader
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nends..]);
            input = &input[i..];
            nout += o;
            nends += e;
            match result {
                // All input read: an empty input next marks the end of the row.
                R::InputEmpty => input = &[],
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record | R::End => break,
            }
        }
        let end = if nends > 0 { self.ends[0] } else { 0 };
        // Unquoting valid UTF-8 leaves valid UTF-8.
        std::str::from_utf8(&self.out[..end]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::CsvRow;

    #[test]
    fn first_fields() {
        let mut row = CsvRow::new();
        assert_eq!(
            row.first_field(r#""1.2.3.4","3","2021-01-01 00:00:00""#),
            "1.2.3.4"
        );
        assert_eq!(row.first_field(r#""a ""quoted"" b",x"#), r#"a "quoted" b"#);
        assert_eq!(row.first_field("bare,1"), "bare");
        let long = "x".repeat(1000);
        assert_eq!(row.first_field(&format!("\"{long}\",\"1\"")), long);
        assert_eq!(row.first_field(r#""unterminated"#), "unterminated");
        assert_eq!(row.first_field(""), "");
    }
}
