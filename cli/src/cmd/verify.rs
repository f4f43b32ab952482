//! `mxlists verify`: the full integrity check of an artifact.

use mxlists_core::Verify;

use crate::args::VerifyArgs;
use crate::failure::{Status, EXIT_OK};

/// Runs `mxlists verify`: prints `OK <content hash>` or fails with the reason.
pub fn run(args: &VerifyArgs) -> Status {
    let artifact = super::open_with(&args.artifact, Verify::Full)?;
    println!("OK {}", artifact.content_hash());
    Ok(EXIT_OK)
}
