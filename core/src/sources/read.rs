//! Reading a source file: transparent gzip and single-member zip, then lines as
//! bytes, so that a line that is not UTF-8 is one invalid line, not a failed read.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

use super::sink::Sink;
use crate::error::{Error, Result};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const BUFFER: usize = 64 * 1024;

/// Longest line read, in bytes, its line end not counted; a longer line is
/// one invalid line (a binary file must not be read into memory whole in
/// search of a line end). `mxlists check` reads its standard input with the
/// same limit.
pub const MAX_LINE: usize = 1 << 20;

/// Reads one line of `reader` into `into` (its line end included), in memory
/// bounded by [`MAX_LINE`] whatever the input (an endless line of
/// `/dev/zero` included). Returns `None` at the end of the input, otherwise
/// whether the line was longer than [`MAX_LINE`] bytes: then `into` holds its
/// first bytes only, and the rest of it was read and dropped.
pub fn read_line(reader: &mut dyn BufRead, into: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    into.clear();
    // Room for the longest line and a CRLF line end.
    let limit = MAX_LINE as u64 + 2;
    let n = (&mut *reader).take(limit).read_until(b'\n', into)?;
    if n == 0 {
        return Ok(None);
    }
    if into.last() != Some(&b'\n') && n as u64 == limit {
        // Too long: skip to the end of the line.
        loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    reader.consume(i + 1);
                    break;
                }
                None => {
                    let len = buf.len();
                    reader.consume(len);
                }
            }
        }
        return Ok(Some(true));
    }
    let line = into.strip_suffix(b"\n").unwrap_or(into);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Ok(Some(line.len() > MAX_LINE))
}

/// How often [`Lines`] reports progress, in lines.
pub(crate) const PROGRESS_EVERY: u64 = 100_000;

/// Opens `path`, decompressing it when it is gzip or a zip archive (told by its
/// first bytes, not its name), and runs `f` on the content and the name of the
/// file the content is (the zip member's name, or the file name without `.gz`).
///
/// Unless `allow_special`, only a regular file is opened, without blocking
/// (see [`special_source`]).
pub(crate) fn with_source<T>(
    path: &Path,
    allow_special: bool,
    f: impl FnOnce(&mut dyn BufRead, &str) -> Result<T>,
) -> Result<T> {
    let file = if allow_special {
        crate::input::open_any(path).map_err(|e| Error::io(path, e))?
    } else {
        match crate::input::open_regular(path) {
            Ok((file, _)) => file,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(special_source(path, &e))
            }
            Err(e) => return Err(Error::io(path, e)),
        }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    with_content(file, path, &name, f)
}

/// The error for a source that is not a regular file, `why` saying what it
/// is. Such a source is read only when the build allows it
/// ([`super::BuildOptions::allow_special_sources`]).
pub(crate) fn special_source(path: &Path, why: &dyn std::fmt::Display) -> Error {
    Error::Source {
        path: path.to_path_buf(),
        message: format!(
            "{why}; a list source must be a regular file unless the build allows \
             others (mxlists build --allow-special-sources)"
        ),
    }
}

/// [`with_source`] for content already open: `path` names it in errors, `name`
/// is its file name.
pub(crate) fn with_content<R: Read + Seek, T>(
    content: R,
    path: &Path,
    name: &str,
    f: impl FnOnce(&mut dyn BufRead, &str) -> Result<T>,
) -> Result<T> {
    let mut content = BufReader::with_capacity(BUFFER, content);
    let head = content.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(GZIP_MAGIC) {
        let inner = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".GZ"))
            .unwrap_or(name);
        let mut reader =
            BufReader::with_capacity(BUFFER, flate2::bufread::MultiGzDecoder::new(content));
        return f(&mut reader, inner);
    }
    if head.starts_with(ZIP_MAGIC) {
        // The archive seeks to its directory: the buffered head is not needed.
        return with_zip_member(path, content.into_inner(), f);
    }
    f(&mut content, name)
}

fn with_zip_member<R: Read + Seek, T>(
    path: &Path,
    content: R,
    f: impl FnOnce(&mut dyn BufRead, &str) -> Result<T>,
) -> Result<T> {
    let source_err = |message: String| Error::Source {
        path: path.to_path_buf(),
        message,
    };
    let mut archive = zip::ZipArchive::new(content)
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

/// A line that cannot be read as text: not UTF-8, or too long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BadLine {
    /// 1-based column (in characters) where the problem starts.
    pub column: u64,
    /// What is wrong.
    pub message: String,
}

/// The lines of a source, read as bytes with `read_until(b'\n')`: the line ending
/// (`\n` or `\r\n`) and a UTF-8 byte order mark on the first line are removed.
/// Lines can be looked at ahead of time (for format detection) and are then
/// handed out again.
pub(crate) struct Lines<'r> {
    reader: &'r mut dyn BufRead,
    path: &'r Path,
    progress: Option<&'r mut dyn FnMut(u64)>,
    buf: Vec<u8>,
    ahead: VecDeque<(Vec<u8>, bool)>,
    number: u64,
}

impl<'r> Lines<'r> {
    /// Lines of `reader`, which reads the file at `path` (named in I/O errors).
    pub fn new(reader: &'r mut dyn BufRead, path: &'r Path) -> Self {
        Lines {
            reader,
            path,
            progress: None,
            buf: Vec::with_capacity(256),
            ahead: VecDeque::new(),
            number: 0,
        }
    }

    /// Calls `progress` with the number of lines read every
    /// [`PROGRESS_EVERY`] lines.
    pub fn with_progress(mut self, progress: &'r mut dyn FnMut(u64)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Reads one raw line into `into`: whether there was one, and whether it was
    /// longer than [`MAX_LINE`] (the rest of it is skipped).
    fn read_raw(&mut self, into: &mut Vec<u8>) -> Result<(bool, bool)> {
        match read_line(self.reader, into) {
            Ok(None) => Ok((false, false)),
            Ok(Some(cut)) => Ok((true, cut)),
            Err(e) => Err(Error::io(self.path, e)),
        }
    }

    /// Reads up to `n` lines ahead without consuming them, and returns them as
    /// (lossily decoded) text, for format detection.
    pub fn peek(&mut self, n: usize) -> Result<Vec<String>> {
        while self.ahead.len() < n {
            let mut line = Vec::new();
            let (more, cut) = self.read_raw(&mut line)?;
            if !more {
                break;
            }
            self.ahead.push_back((line, cut));
        }
        Ok(self
            .ahead
            .iter()
            .enumerate()
            .map(|(i, (raw, _))| {
                let line = trim_line(raw, self.number == 0 && i == 0);
                String::from_utf8_lossy(line).into_owned()
            })
            .collect())
    }

    /// Calls `f(sink, number, text)` for every line that reads as text; a line
    /// that does not (not UTF-8, too long) is reported to `sink` as invalid.
    pub fn for_each_text(
        &mut self,
        sink: &mut Sink<'_>,
        mut f: impl FnMut(&mut Sink<'_>, u64, &str) -> Result<()>,
    ) -> Result<()> {
        while let Some((n, text)) = self.next_line()? {
            match text {
                Ok(text) => f(sink, n, text)?,
                Err(bad) => sink.bad_line(n, bad),
            }
        }
        Ok(())
    }

    /// The next line: its 1-based number and its text, or why it cannot be
    /// read as text. `None` at the end of the file.
    #[allow(clippy::type_complexity)]
    pub fn next_line(&mut self) -> Result<Option<(u64, std::result::Result<&str, BadLine>)>> {
        let cut = if let Some((line, cut)) = self.ahead.pop_front() {
            self.buf = line;
            cut
        } else {
            let mut buf = std::mem::take(&mut self.buf);
            let (more, cut) = self.read_raw(&mut buf)?;
            self.buf = buf;
            if !more {
                return Ok(None);
            }
            cut
        };
        self.number += 1;
        if self.number % PROGRESS_EVERY == 0 {
            if let Some(progress) = &mut self.progress {
                progress(self.number);
            }
        }
        if cut {
            let bad = BadLine {
                column: 1,
                message: format!("line is longer than {MAX_LINE} bytes; is this a list file?"),
            };
            return Ok(Some((self.number, Err(bad))));
        }
        let line = trim_line(&self.buf, self.number == 1);
        let text = std::str::from_utf8(line).map_err(|e| {
            let good = e.valid_up_to();
            // The prefix is valid UTF-8 by definition.
            let chars = std::str::from_utf8(&line[..good]).map_or(good, |s| s.chars().count());
            let column = chars as u64 + 1;
            BadLine {
                column,
                message: format!(
                    "line is not valid UTF-8 (byte 0x{:02x} at column {column}); is the file in another encoding?",
                    line[good]
                ),
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

    fn all(bytes: &[u8]) -> Vec<(u64, std::result::Result<String, BadLine>)> {
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
        let bad = got[1].1.clone().unwrap_err();
        assert_eq!(bad.column, 3);
        assert!(bad.message.contains("0xe9"), "{}", bad.message);
    }

    #[test]
    fn overlong_lines_are_cut_and_skipped() {
        let mut bytes = b"first\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', MAX_LINE * 3 + 5));
        bytes.extend_from_slice(b"\nlast");
        let got = all(&bytes);
        assert_eq!(got.len(), 3);
        assert!(got[1]
            .1
            .clone()
            .unwrap_err()
            .message
            .contains("longer than"));
        assert_eq!(got[2], (3, Ok("last".to_owned())));
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
