//! The one error type of the engine, with the context an operator needs.

use std::fmt;
use std::io;
use std::path::PathBuf;

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
    /// A list name was asked for that the artifact does not hold.
    #[error("unknown list {0:?}")]
    UnknownList(String),
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
