//! The server's log: one line on standard error per start, reload, failure and
//! stop, prefixed `mxlists serve:` (systemd's journal adds the time).

use std::fmt::Display;
use std::io::Write;

/// Writes one log line.
pub fn line(message: impl Display) {
    let text = format!("mxlists serve: {message}\n");
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
