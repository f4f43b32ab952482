//! Logical lines of Exim and Postfix tables: a line that starts with whitespace
//! continues the one before it.

use crate::error::Result;

use super::read::Lines;
use super::sink::Sink;

/// Calls `each` with every logical line (the first physical line's number, and
/// the text with continuation lines appended after one space). Blank lines and
/// lines for which `is_comment` holds are skipped; lines that are not UTF-8 and
/// continuation lines with nothing to continue are invalid. Columns reported for
/// a logical line are those of its first physical line.
pub(crate) fn logical_lines(
    lines: &mut Lines<'_>,
    sink: &mut Sink<'_>,
    is_comment: impl Fn(&str) -> bool,
    mut each: impl FnMut(&mut Sink<'_>, u64, &str),
) -> Result<()> {
    let mut buf = String::new();
    let mut start: Option<u64> = None;
    lines.for_each_text(sink, |sink, n, text| {
        if text.trim().is_empty() || is_comment(text) {
            return Ok(());
        }
        if text.starts_with(char::is_whitespace) {
            if start.is_some() {
                buf.truncate(buf.trim_end().len());
                buf.push(' ');
                buf.push_str(text.trim());
            } else {
                sink.invalid(
                    n,
                    text,
                    0,
                    "continuation line (it starts with whitespace) with no entry before it",
                );
            }
            return Ok(());
        }
        if let Some(s) = start.take() {
            each(sink, s, &buf);
        }
        buf.clear();
        buf.push_str(text);
        start = Some(n);
        Ok(())
    })?;
    if let Some(s) = start {
        each(sink, s, &buf);
    }
    Ok(())
}
