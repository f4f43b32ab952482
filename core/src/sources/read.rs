//! Reading a source file: transparent gzip and single-member zip, then lines as
//! bytes, so that a line that is not UTF-8 is one invalid line, not a failed read.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{Error, Result};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const BUFFER: usize = 64 * 1024;

/// Opens `path`, decompressing it when it is gzip or a zip archive (told by its
/// first bytes, not its name), and runs `f` on the content and the name of the
/// file the content is (the zip member's name, or the file name without `.gz`).
pub(crate) fn with_source<T>(
    path: &Path,
    f: impl FnOnce(&mut dyn BufRead, &str) -> Result<T>,
) -> Result<T> {
    let io_err = |e| Error::io(path, e);
    let file = File::open(path).map_err(io_err)?;
    let mut file = BufReader::with_capacity(BUFFER, file);
    let head = file.fill_buf().map_err(io_err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if head.starts_with(GZIP_MAGIC) {
        let inner = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".GZ"))
            .unwrap_or(&name);
        let mut reader =
            BufReader::with_capacity(BUFFER, flate2::bufread::MultiGzDecoder::new(file));
        return f(&mut reader, inner);
    }
    if head.starts_with(ZIP_MAGIC) {
        return with_zip_member(path, file.into_inner(), f);
    }
    f(&mut file, &name)
}

fn with_zip_member<T>(
    path: &Path,
    file: File,
    f: impl FnOnce(&mut dyn BufRead, &str) -> Result<T>,
) -> Result<T> {
    let source_err = |message: String| Error::Source {
        path: path.to_path_buf(),
        message,
    };
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| source_err(format!("not a readable zip archive: {e}")))?;
    let members: Vec<usize> = (0..archive.len())
        .filter(|&i| archive.by_index_raw(i).is_ok_and(|m| !m.is_dir()))
        .collect();
    let [index] = members[..] else {
        return Err(source_err(format!(
            "a zip source must hold exactly one file; this one holds {}",
            members.len()
        )));
    };
    let member = archive
        .by_index(index)
        .map_err(|e| source_err(format!("cannot read the zip member: {e}")))?;
    let name = member
        .enclosed_name()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| member.name().to_owned());
    let mut reader = BufReader::with_capacity(BUFFER, member);
    f(&mut reader, &name)
}

/// A line that is not valid UTF-8: where the first bad byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NotUtf8 {
    /// 1-based column (in characters) of the first bad byte.
    pub column: u64,
    /// The first bad byte.
    pub byte: u8,
}

impl NotUtf8 {
    /// The message reported for the line.
    pub fn message(&self) -> String {
        format!(
            "line is not valid UTF-8 (byte 0x{:02x} at column {}); is the file in another encoding?",
            self.byte, self.column
        )
    }
}

/// The lines of a source, read as bytes with `read_until(b'\n')`: the line ending
/// (`\n` or `\r\n`) and a UTF-8 byte order mark on the first line are removed.
/// Lines can be looked at ahead of time (for format detection) and are then
/// handed out again.
pub(crate) struct Lines<'r> {
    reader: &'r mut dyn BufRead,
    path: &'r Path,
    buf: Vec<u8>,
    ahead: VecDeque<Vec<u8>>,
    number: u64,
}

impl<'r> Lines<'r> {
    /// Lines of `reader`, which reads the file at `path` (named in I/O errors).
    pub fn new(reader: &'r mut dyn BufRead, path: &'r Path) -> Self {
        Lines {
            reader,
            path,
            buf: Vec::with_capacity(256),
            ahead: VecDeque::new(),
            number: 0,
        }
    }

    fn read_raw(&mut self, into: &mut Vec<u8>) -> Result<bool> {
        into.clear();
        let n = self
            .reader
            .read_until(b'\n', into)
            .map_err(|e| Error::io(self.path, e))?;
        Ok(n > 0)
    }

    /// Reads up to `n` lines ahead without consuming them, and returns them as
    /// (lossily decoded) text, for format detection.
    pub fn peek(&mut self, n: usize) -> Result<Vec<String>> {
        while self.ahead.len() < n {
            let mut line = Vec::new();
            if !self.read_raw(&mut line)? {
                break;
            }
            self.ahead.push_back(line);
        }
        Ok(self
            .ahead
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let line = trim_line(raw, self.number == 0 && i == 0);
                String::from_utf8_lossy(line).into_owned()
            })
            .collect())
    }

    /// The next line: its 1-based number and its text, or where it stops being
    /// UTF-8. `None` at the end of the file.
    #[allow(clippy::type_complexity)]
    pub fn next_line(&mut self) -> Result<Option<(u64, std::result::Result<&str, NotUtf8>)>> {
        if let Some(line) = self.ahead.pop_front() {
            self.buf = line;
        } else {
            let mut buf = std::mem::take(&mut self.buf);
            let more = self.read_raw(&mut buf)?;
            self.buf = buf;
            if !more {
                return Ok(None);
            }
        }
        self.number += 1;
        let line = trim_line(&self.buf, self.number == 1);
        let text = std::str::from_utf8(line).map_err(|e| {
            let good = e.valid_up_to();
            // The prefix is valid UTF-8 by definition.
            let chars = std::str::from_utf8(&line[..good]).map_or(good, |s| s.chars().count());
            NotUtf8 {
                column: chars as u64 + 1,
                byte: line[good],
            }
        });
        Ok(Some((self.number, text)))
    }
}

/// Removes the line ending and, on the first line, a UTF-8 byte order mark.
fn trim_line(raw: &[u8], first: bool) -> &[u8] {
    let mut line = raw.strip_suffix(b"\n").unwrap_or(raw);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    if first {
        line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    }
    line
}

/// The 1-based column, in characters, of byte offset `byte` of `line`.
pub(crate) fn column(line: &str, byte: usize) -> u64 {
    let mut byte = byte.min(line.len());
    while !line.is_char_boundary(byte) {
        byte -= 1;
    }
    line[..byte].chars().count() as u64 + 1
}

/// The byte offset of `part`, a slice of `line`, within `line`.
pub(crate) fn offset_in(line: &str, part: &str) -> usize {
    let start = line.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    debug_assert!(at >= start && at + part.len() <= start + line.len());
    at.saturating_sub(start).min(line.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<(u64, std::result::Result<String, NotUtf8>)> {
        let mut reader = bytes;
        let mut lines = Lines::new(&mut reader, Path::new("t"));
        let mut out = Vec::new();
        while let Some((n, text)) = lines.next_line().unwrap() {
            out.push((n, text.map(str::to_owned)));
        }
        out
    }

    #[test]
    fn endings_bom_and_missing_final_newline() {
        let got = all(b"\xef\xbb\xbfa\r\nb\n\nc");
        let texts: Vec<_> = got.iter().map(|(n, t)| (*n, t.clone().unwrap())).collect();
        assert_eq!(
            texts,
            vec![
                (1, "a".to_owned()),
                (2, "b".to_owned()),
                (3, String::new()),
                (4, "c".to_owned())
            ]
        );
    }

    #[test]
    fn non_utf8_is_located() {
        let got = all(b"ok\nab\xe9c\n");
        assert_eq!(got[0].1.as_deref(), Ok("ok"));
        assert_eq!(
            got[1].1,
            Err(NotUtf8 {
                column: 3,
                byte: 0xe9
            })
        );
    }

    #[test]
    fn peeked_lines_come_back() {
        let mut reader: &[u8] = b"\xef\xbb\xbfone\ntwo\nthree\n";
        let mut lines = Lines::new(&mut reader, Path::new("t"));
        assert_eq!(lines.peek(2).unwrap(), vec!["one", "two"]);
        assert_eq!(lines.next_line().unwrap().unwrap(), (1, Ok("one")));
        assert_eq!(lines.next_line().unwrap().unwrap(), (2, Ok("two")));
        assert_eq!(lines.next_line().unwrap().unwrap(), (3, Ok("three")));
        assert_eq!(lines.next_line().unwrap(), None);
    }

    #[test]
    fn columns_count_characters() {
        let line = "bü x";
        assert_eq!(column(line, 0), 1);
        assert_eq!(column(line, 3), 3);
        assert_eq!(column(line, 4), 4);
        assert_eq!(offset_in(line, &line[3..]), 3);
    }
}
