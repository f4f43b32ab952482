//! `mxlists check`: look values up and print one verdict per value (per hit
//! with `--all`).

use std::io::{self, BufWriter, Write};

use std::fmt::Write as _;

use mxlists_core::normalize::{Invalid, Value};
use mxlists_core::sources::{read_line, MAX_LINE};
use mxlists_core::{Artifact, Decision, DecisionRef, Hit, Policy, Query, Selection};
use serde::Serialize;

use crate::args::CheckArgs;
use crate::failure::{Failure, Status, EXIT_NO, EXIT_OK};
use crate::output::field;

/// Runs `mxlists check`.
pub fn run(args: &CheckArgs) -> Status {
    let artifact = super::open(&args.artifact)?;
    let selection = super::selection(&artifact, &args.artifact, &args.list)?;
    // Allow lists: none unless named (then by the same selection rule).
    let allow = if args.allow.is_empty() {
        Selection::none()
    } else {
        super::selection(&artifact, &args.artifact, &args.allow)?
    };
    let policy = Policy::new(&artifact, &selection, &allow);
    let stdout = io::stdout();
    let mut checker = Checker {
        artifact: &artifact,
        policy,
        all: args.all,
        json: args.json,
        quiet: args.quiet,
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        any_listed: false,
        entry: String::with_capacity(512),
    };
    if args.values.is_empty() {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        let mut line = Vec::with_capacity(256);
        let mut query = Query::new();
        // Lines are read in memory bounded by MAX_LINE, as builds read sources.
        while let Some(too_long) = read_line(&mut input, &mut line)? {
            if too_long {
                checker.too_long(&line)?;
                if checker.done() {
                    break;
                }
                continue;
            }
            let text = strip_line_end(&line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            checker.check_bytes(text, &mut query)?;
            if checker.done() {
                break;
            }
        }
    } else {
        let mut query = Query::new();
        for value in &args.values {
            checker.check_bytes(value.as_bytes(), &mut query)?;
            if checker.done() {
                break;
            }
        }
    }
    checker.out.flush()?;
    Ok(if checker.any_listed { EXIT_OK } else { EXIT_NO })
}

/// How many bytes of a line longer than [`MAX_LINE`] are printed as its value.
const SHOWN_OF_LONG_LINE: usize = 64;

fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Looks values up and prints their verdicts.
struct Checker<'a, W: Write> {
    artifact: &'a Artifact,
    policy: Policy,
    all: bool,
    json: bool,
    quiet: bool,
    out: W,
    any_listed: bool,
    /// The entry text of the last hit (reused: the plain path allocates
    /// nothing per value).
    entry: String,
}

/// A hit as printed in JSON.
#[derive(Serialize)]
struct JsonHit<'a> {
    list: &'a str,
    kind: &'a str,
    entry: &'a str,
    reason: &'a str,
}

impl<'a> JsonHit<'a> {
    fn of(hit: &'a Hit) -> Self {
        JsonHit {
            list: &hit.list,
            kind: hit.kind.as_str(),
            entry: &hit.entry,
            reason: &hit.reason,
        }
    }
}

/// One value's verdict as printed in JSON.
#[derive(Serialize)]
struct JsonVerdict<'a> {
    value: &'a str,
    normalized: Option<String>,
    listed: bool,
    list: Option<&'a str>,
    kind: Option<&'a str>,
    entry: Option<&'a str>,
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hits: Option<Vec<JsonHit<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed: Option<JsonHit<'a>>,
}

impl<W: Write> Checker<'_, W> {
    /// Whether the answer is known: `--quiet` and a value is listed.
    fn done(&self) -> bool {
        self.quiet && self.any_listed
    }

    /// Looks a value given as bytes up (a line of standard input, which need
    /// not be UTF-8) and prints the verdict; `query` is where the value is
    /// normalized (one per loop, reused).
    fn check_bytes(&mut self, bytes: &[u8], query: &mut Query) -> Result<(), Failure> {
        let text = String::from_utf8_lossy(bytes);
        if let Err(invalid) = query.set_bytes(bytes) {
            return self.print_invalid(&text, &invalid);
        }
        if !self.all && !self.json {
            return self.check_plain(&text, query);
        }
        let value = query.to_value();
        let decision = self
            .artifact
            .decide_value(&value, &self.policy)
            .map_err(|e| Failure::about(self.artifact_path(), e))?;
        let hits = match decision {
            Decision::Allowed(hit) => return self.print_allowed(&text, &value, &hit),
            Decision::Listed(hit) if !self.all => vec![hit],
            Decision::Listed(_) => self
                .artifact
                .check_all_value(&value, self.policy.lists())
                .map_err(|e| Failure::about(self.artifact_path(), e))?,
            Decision::NotListed | Decision::Invalid(_) => Vec::new(),
        };
        self.any_listed |= !hits.is_empty();
        self.print_hits(&text, &value, &hits)
    }

    /// The first hit of a query, printed as a tab-separated line with its
    /// texts read from the artifact and the query (nothing owned).
    fn check_plain(&mut self, text: &str, query: &Query) -> Result<(), Failure> {
        let decision = self
            .artifact
            .decide_query(query, &self.policy)
            .map_err(|e| Failure::about(self.artifact_path(), e))?;
        let (hit, allowed) = match decision {
            DecisionRef::Listed(hit) => (hit, false),
            DecisionRef::Allowed(hit) => (hit, true),
            DecisionRef::NotListed => {
                return if self.quiet {
                    Ok(())
                } else {
                    self.write_line(&[text, "-"])
                };
            }
        };
        self.any_listed |= !allowed;
        if self.quiet {
            return Ok(());
        }
        let texts = hit
            .entry()
            .and_then(|entry| Ok((entry, hit.reason()?)))
            .map_err(|e| Failure::about(self.artifact_path(), e));
        let (entry, reason) = texts?;
        self.entry.clear();
        if allowed {
            let _ = write!(self.entry, "allowed by {}: {entry}", hit.list());
        } else {
            let _ = write!(self.entry, "{entry}");
        }
        let entry = std::mem::take(&mut self.entry);
        let written = if allowed {
            self.write_line(&[text, "-", &entry])
        } else {
            self.write_line(&[text, hit.list(), &entry, reason])
        };
        self.entry = entry;
        written
    }

    /// Prints the verdict for a line of standard input longer than
    /// [`MAX_LINE`] bytes, of which `start` holds the first bytes: an invalid
    /// value, shown by its first [`SHOWN_OF_LONG_LINE`] bytes.
    fn too_long(&mut self, start: &[u8]) -> Result<(), Failure> {
        let shown = &start[..start.len().min(SHOWN_OF_LONG_LINE)];
        let text = format!("{}...", String::from_utf8_lossy(shown));
        let invalid = Invalid {
            offset: MAX_LINE,
            message: format!("line is longer than {MAX_LINE} bytes"),
        };
        self.print_invalid(&text, &invalid)
    }

    fn artifact_path(&self) -> &std::path::Path {
        self.artifact
            .path()
            .unwrap_or_else(|| std::path::Path::new("artifact"))
    }

    fn print_hits(&mut self, text: &str, value: &Value, hits: &[Hit]) -> Result<(), Failure> {
        if self.quiet {
            Ok(())
        } else if self.json {
            let first = hits.first();
            let verdict = JsonVerdict {
                value: text,
                normalized: Some(value.to_string()),
                listed: first.is_some(),
                list: first.map(|h| h.list.as_str()),
                kind: first.map(|h| h.kind.as_str()),
                entry: first.map(|h| h.entry.as_str()),
                reason: first.map(|h| h.reason.as_str()),
                invalid: None,
                hits: self.all.then(|| hits.iter().map(JsonHit::of).collect()),
                allowed: None,
            };
            self.write_json(&verdict)
        } else if hits.is_empty() {
            self.write_line(&[text, "-"])
        } else {
            for hit in hits {
                self.write_line(&[text, &hit.list, &hit.entry, &hit.reason])?;
            }
            Ok(())
        }
    }

    /// Prints the verdict for a value an allow list lists: not listed.
    fn print_allowed(&mut self, text: &str, value: &Value, hit: &Hit) -> Result<(), Failure> {
        if self.quiet {
            Ok(())
        } else if self.json {
            let verdict = JsonVerdict {
                value: text,
                normalized: Some(value.to_string()),
                listed: false,
                list: None,
                kind: None,
                entry: None,
                reason: None,
                invalid: None,
                hits: self.all.then(Vec::new),
                allowed: Some(JsonHit::of(hit)),
            };
            self.write_json(&verdict)
        } else {
            let why = format!("allowed by {}: {}", hit.list, hit.entry);
            self.write_line(&[text, "-", &why])
        }
    }

    fn print_invalid(&mut self, text: &str, invalid: &Invalid) -> Result<(), Failure> {
        if self.quiet {
            Ok(())
        } else if self.json {
            let verdict = JsonVerdict {
                value: text,
                normalized: None,
                listed: false,
                list: None,
                kind: None,
                entry: None,
                reason: None,
                invalid: Some(&invalid.message),
                hits: self.all.then(Vec::new),
                allowed: None,
            };
            self.write_json(&verdict)
        } else {
            self.write_line(&[text, "-", &format!("invalid: {}", invalid.message)])
        }
    }

    /// Writes `fields` as one tab-separated line.
    fn write_line(&mut self, fields: &[&str]) -> Result<(), Failure> {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b"\t")?;
            }
            self.out.write_all(field(f).as_bytes())?;
        }
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn write_json(&mut self, verdict: &JsonVerdict<'_>) -> Result<(), Failure> {
        serde_json::to_writer(&mut self.out, verdict).map_err(io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}
