//! `mxlists`: compile mail policy lists into one memory-mapped artifact and ask
//! it questions. The command is thin glue over `mxlists_core`: it parses
//! arguments, calls the engine and prints; the exit status follows grep and diff
//! (see [`failure`]).

mod args;
mod cmd;
mod failure;
mod output;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

use args::{Cli, Command};
use failure::{Failure, EXIT_ERROR, EXIT_OK};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = match &cli.command {
        Command::Build(a) => cmd::build::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Info(a) => cmd::info::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Dump(a) => cmd::dump::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) if f.quiet => f.exit_code(),
        Err(f) => report(&f),
    }
}

/// Prints a failure as `mxlists: <message>` and gives its exit status.
fn report(failure: &Failure) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "mxlists: {failure}");
    failure.exit_code()
}

/// Help and version go to stdout with status 0; a usage error is printed as
/// `mxlists: <message>` with the usage, status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::from(EXIT_OK)
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(
                std::io::stderr(),
                "mxlists: a command is required\n\n{}",
                e.render()
            );
            ExitCode::from(EXIT_ERROR)
        }
        _ => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let _ = write!(std::io::stderr(), "mxlists: {text}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
