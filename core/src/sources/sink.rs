//! Where the entries of one source file go: into the builder's list, with every
//! invalid line and every warning recorded at its file:line:column.

use crate::build::{Builder, ListId};
use crate::entry::{Entry, EntryError, Parsed};
use crate::error::{Location, MAX_SHOWN_INVALID};
use crate::kind::ListKind;

use super::read::{column, offset_in, BadLine};
use super::{FileReport, Warning};

/// Warnings kept per file; the rest are only counted.
pub(crate) const MAX_WARNINGS: usize = 20;
/// Examples of skipped lines kept per file (with `skip_invalid`).
pub(crate) const MAX_SKIP_EXAMPLES: usize = 5;

/// The invalid lines of a whole build: the first ones, and how many in all.
#[derive(Debug, Default)]
pub(crate) struct InvalidLines {
    /// The first invalid lines.
    pub shown: Vec<(Location, String)>,
    /// All invalid lines.
    pub total: u64,
}

impl InvalidLines {
    fn push(&mut self, location: Location, message: String) {
        self.total += 1;
        if self.shown.len() < MAX_SHOWN_INVALID {
            self.shown.push((location, message));
        }
    }
}

/// Receives what a format reads from one file.
pub(crate) struct Sink<'a> {
    builder: &'a mut Builder,
    list: ListId,
    kind: ListKind,
    source: String,
    report: &'a mut FileReport,
    invalid: &'a mut InvalidLines,
    skip_invalid: bool,
}

impl<'a> Sink<'a> {
    /// A sink feeding `list` of `builder` from the file of `report`.
    pub fn new(
        builder: &'a mut Builder,
        list: ListId,
        report: &'a mut FileReport,
        invalid: &'a mut InvalidLines,
        skip_invalid: bool,
    ) -> Self {
        let kind = builder.kind(list).expect("a sink feeds a declared list");
        let source = report.path.display().to_string();
        Sink {
            builder,
            list,
            kind,
            source,
            report,
            invalid,
            skip_invalid,
        }
    }

    /// The kind of the list being fed, which decides what an entry may be.
    pub fn kind(&self) -> ListKind {
        self.kind
    }

    fn location(&self, line: u64, column: u64) -> Location {
        Location {
            source: self.source.clone(),
            line,
            column,
        }
    }

    /// Records an invalid line at a character column.
    pub fn invalid_at(&mut self, line: u64, column: u64, message: impl Into<String>) {
        let location = self.location(line, column);
        let message = message.into();
        if self.skip_invalid {
            self.report.skipped += 1;
            if self.report.skipped <= MAX_SKIP_EXAMPLES as u64 {
                self.push_warning(location, format!("skipped: {message}"));
            } else {
                self.report.warning_count += 1;
            }
        } else {
            self.invalid.push(location, message);
        }
    }

    /// Records an invalid line, `byte` being the offset of the problem in `text`.
    pub fn invalid(&mut self, line: u64, text: &str, byte: usize, message: impl Into<String>) {
        self.invalid_at(line, column(text, byte), message);
    }

    /// Records a line that cannot be read as text.
    pub fn bad_line(&mut self, line: u64, bad: BadLine) {
        self.invalid_at(line, bad.column, bad.message);
    }

    fn push_warning(&mut self, location: Location, message: String) {
        self.report.warning_count += 1;
        if self.report.warnings.len() < MAX_WARNINGS {
            self.report.warnings.push(Warning { location, message });
        }
    }

    /// Records a warning, `byte` being its offset in `text`.
    pub fn warn(&mut self, line: u64, text: &str, byte: usize, message: impl Into<String>) {
        let location = self.location(line, column(text, byte));
        self.push_warning(location, message.into());
    }

    /// Takes the outcome of parsing `part`, a slice of line `line` whose text is
    /// `text`: reports its error or warning at the right column and returns the
    /// entry, not yet added.
    pub fn entry(
        &mut self,
        line: u64,
        text: &str,
        part: &str,
        parsed: Result<Parsed, EntryError>,
    ) -> Option<Entry> {
        self.entry_at(line, text, offset_in(text, part), parsed)
    }

    /// [`Sink::entry`] for a parsed text that starts at byte `at` of `text`.
    pub fn entry_at(
        &mut self,
        line: u64,
        text: &str,
        at: usize,
        parsed: Result<Parsed, EntryError>,
    ) -> Option<Entry> {
        match parsed {
            Ok(p) => {
                if let Some(w) = p.warning {
                    self.warn(line, text, at + w.offset, w.message);
                }
                Some(p.entry)
            }
            Err(e) => {
                self.invalid(line, text, at + e.offset, e.message);
                None
            }
        }
    }

    /// Adds an entry read from line `line`.
    pub fn add(&mut self, line: u64, entry: Entry) {
        match self.builder.add(self.list, entry) {
            Ok(()) => self.report.entries += 1,
            Err(e) => self.invalid_at(line, 1, e.to_string()),
        }
    }

    /// [`Sink::entry`], then [`Sink::add`].
    pub fn take(&mut self, line: u64, text: &str, part: &str, parsed: Result<Parsed, EntryError>) {
        if let Some(entry) = self.entry(line, text, part, parsed) {
            self.add(line, entry);
        }
    }
}
