//! The one error type of the engine, with the context an operator needs.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Where a source line came from: file (or source name), line and column, all 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file or source name as the operator named it.
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, counted in characters.
    pub column: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.source, self.line, self.column)
    }
}

/// Everything that can go wrong while building, opening or querying lists.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A source line could not be parsed.
    #[error("{location}: {message}")]
    Parse {
        /// Where the bad entry is.
        location: Location,
        /// What is wrong with it.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The artifact is damaged, truncated or not an artifact at all.
    #[error("corrupt artifact: {section}: {message}")]
    Corrupt {
        /// The part of the file that failed validation (`header`, `names`, ...).
        section: &'static str,
        /// What failed.
        message: String,
    },
    /// The artifact was written by an incompatible version of the format.
    #[error("artifact format version {found} is not the version {supported} this build reads: rebuild the artifact with `mxlists build`")]
    Version {
        /// The version found in the file.
        found: u32,
        /// The version this library reads.
        supported: u32,
    },
    /// A list name was asked for that the artifact does not hold. The message
    /// shows at most 64 bytes of the name (and its length when
    /// longer): a name given by mistake may be megabytes long.
    #[error("unknown list {}", Quoted(.0))]
    UnknownList(String),
    /// A list selection breaks the selection rule (see [`crate::select`]): it
    /// is empty, holds an empty name, or combines `*` with names.
    #[error("{0}")]
    Selection(String),
    /// A list definition is invalid (bad name, duplicate, too many lists).
    #[error("invalid list definition: {0}")]
    InvalidList(String),
    /// The build manifest is invalid.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A source file as a whole cannot be read as a list: its format cannot be
    /// told, or an archive does not hold exactly one file.
    #[error("{}: {message}", path.display())]
    Source {
        /// The source file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Source lines were invalid; nothing was built. Holds the first invalid lines
    /// (at most [`MAX_SHOWN_INVALID`]) and the total count, so that an operator can
    /// fix them in one go.
    #[error("{}", InvalidLinesDisplay { lines, total: *total })]
    InvalidLines {
        /// The first invalid lines: where, and what is wrong.
        lines: Vec<(Location, String)>,
        /// How many invalid lines there were in all.
        total: u64,
    },
    /// A file was not written, and whatever was at `path` is as it was: the
    /// path names something a build must not replace (a device, a FIFO, a
    /// folder, one of the build's own inputs), or writing failed (a full
    /// disk, a file size limit). The temporary file, if any, is removed.
    #[error(
        "{}: not written: {reason}; {}",
        path.display(),
        if *existed { "the file there is untouched" } else { "no file was created" }
    )]
    NotWritten {
        /// The file that was to be written.
        path: PathBuf,
        /// Why it was not written.
        reason: String,
        /// Whether something was at `path` (and was kept).
        existed: bool,
        /// The failure of the file system, when writing failed.
        #[source]
        source: Option<io::Error>,
    },
    /// A rebuild was refused because a list changed more than allowed.
    #[error("refusing to replace {}: {message}", path.display())]
    MaxChange {
        /// The artifact that was kept.
        path: PathBuf,
        /// Which lists changed by how much.
        message: String,
    },
}

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::Corrupt`].
    pub fn corrupt(section: &'static str, message: impl Into<String>) -> Self {
        Error::Corrupt {
            section,
            message: message.into(),
        }
    }

    /// The message of an error met while using the artifact at `path`,
    /// starting with the path when the error does not name a file itself (a
    /// damaged or unsupported artifact, an unknown list or a bad selection):
    /// `/var/lib/mxlists/lists.mxl: corrupt artifact: header: ...`. Every
    /// front words such errors this way.
    pub fn message_about(&self, path: &Path) -> String {
        match self {
            Error::Corrupt { .. }
            | Error::Version { .. }
            | Error::UnknownList(_)
            | Error::Selection(_) => format!("{}: {self}", path.display()),
            other => other.to_string(),
        }
    }
}

/// How many bytes of a text given by a caller (a list name, a value) an
/// error message shows; the rest is counted.
pub const SHOWN_TEXT: usize = 64;

/// Displays a caller's text quoted (as `{:?}` does), cut to its first
/// 64 bytes when longer and followed by its length:
/// `"nnnnnnnn"... (52428800 bytes)`. Messages that echo input stay short
/// whatever the input (an unknown list name of 50 MB must not reach a mail
/// server's logs whole).
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s.len() <= SHOWN_TEXT {
            return write!(f, "{s:?}");
        }
        write!(f, "{:?}... ({} bytes)", cut(s, SHOWN_TEXT), s.len())
    }
}

/// The first bytes of `s`, at most `max`, ending at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `message` cut to at most about `max` bytes (at a character boundary),
/// with `... (N bytes)` appended when cut: for fronts that hand messages to a
/// log (Exim's), which must stay bounded whatever went into them.
pub fn shorten(message: &str, max: usize) -> Cow<'_, str> {
    if message.len() <= max {
        Cow::Borrowed(message)
    } else {
        Cow::Owned(format!(
            "{}... ({} bytes)",
            cut(message, max),
            message.len()
        ))
    }
}

/// How many invalid lines an [`Error::InvalidLines`] lists; the rest are counted.
pub const MAX_SHOWN_INVALID: usize = 100;

struct InvalidLinesDisplay<'a> {
    lines: &'a [(Location, String)],
    total: u64,
}

impl fmt::Display for InvalidLinesDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.total == 1 { "" } else { "s" };
        write!(
            f,
            "{} invalid line{plural}; nothing was written",
            self.total
        )?;
        for (location, message) in self.lines {
            write!(f, "\n{location}: {message}")?;
        }
        let rest = self.total.saturating_sub(self.lines.len() as u64);
        if rest > 0 {
            write!(f, "\n... and {rest} more")?;
        }
        Ok(())
    }
}

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
