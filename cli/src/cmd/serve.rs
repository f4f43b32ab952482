//! `mxlists serve`: hands the configuration to the server crate and reports
//! why it could not start.

use std::io::Write;

use mxlists_server::Prepared;

use crate::args::ServeArgs;
use crate::failure::{Failure, Status, EXIT_OK};

/// Runs `mxlists serve`: in the foreground until a signal, or only checks the
/// configuration with `--check`.
pub fn run(args: &ServeArgs) -> Status {
    let prepared = Prepared::load(&args.config).map_err(|e| Failure::new(e.to_string()))?;
    if args.check {
        writeln!(
            std::io::stdout(),
            "{}: OK, {}",
            args.config.display(),
            prepared.summary()
        )?;
        return Ok(EXIT_OK);
    }
    prepared.run().map_err(|e| Failure::new(e.to_string()))?;
    Ok(EXIT_OK)
}
