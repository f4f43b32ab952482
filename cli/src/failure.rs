//! Why a command failed, and the exit status that says so.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use mxlists_core::Error;

/// Exit status: success; `check` found a listed value; `diff` found no difference.
pub const EXIT_OK: u8 = 0;
/// Exit status: `check` found no listed value; `diff` found a difference.
pub const EXIT_NO: u8 = 1;
/// Exit status: any error.
pub const EXIT_ERROR: u8 = 2;
/// Exit status: `build` refused by `--max-change`.
pub const EXIT_REFUSED: u8 = 3;

/// A failed command: the message printed as `mxlists: <message>` and the exit
/// status.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong, with the file it concerns.
    pub message: String,
    /// The exit status.
    pub code: u8,
    /// Whether to end without a message (standard output was closed).
    pub quiet: bool,
}

impl Failure {
    /// An error (exit status 2).
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: EXIT_ERROR,
            quiet: false,
        }
    }

    /// An engine error about `path`: the path is added when the error does not
    /// name a file itself (a corrupt artifact, an unknown list).
    pub fn about(path: &Path, error: Error) -> Self {
        Failure {
            message: error.message_about(path),
            ..Failure::from(error)
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error {
            Error::MaxChange { .. } => EXIT_REFUSED,
            _ => EXIT_ERROR,
        };
        Failure {
            message: error.to_string(),
            code,
            quiet: false,
        }
    }
}

impl From<io::Error> for Failure {
    /// An error writing standard output (or reading standard input). A closed
    /// standard output (`mxlists check ... | head`) ends the command quietly.
    fn from(error: io::Error) -> Self {
        Failure {
            quiet: error.kind() == io::ErrorKind::BrokenPipe,
            ..Failure::new(format!("standard input/output: {error}"))
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of a command: the exit status on success.
pub type Status = Result<u8, Failure>;
