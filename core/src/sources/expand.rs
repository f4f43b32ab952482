//! Expanding a source glob (`spam_recipients/*.txt`) into the paths it
//! matches.
//!
//! Every entry of every folder the pattern reaches is matched, whatever the
//! encoding of its name: a name that is not UTF-8 is matched in its lossy
//! form, where each undecodable byte is U+FFFD, which only a wildcard (`*`,
//! `?`, `[!...]`) matches. So `*.txt` matches `caf\xe9.txt`: one server's file
//! cannot drop out of a merged list because of its name. Every match is
//! returned, whatever it is (a dangling link, a FIFO, a folder); the
//! manifest decides what each means. A folder the pattern must look into
//! and cannot read is an error.
//!
//! Patterns are those of the `glob` crate (`*`, `?`, `[...]`, `**` as a whole
//! component for any depth of folders), matched one path component at a time
//! with its default options; `**` does not follow links to folders.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ::glob::{MatchOptions, Pattern, PatternError};

/// Why a pattern could not be expanded.
#[derive(Debug)]
pub(crate) enum ExpandError {
    /// The pattern is not a valid glob.
    Pattern(PatternError),
    /// A folder the pattern reaches could not be read.
    Folder(PathBuf, io::Error),
}

/// The paths `pattern` matches, sorted; relative patterns are taken from
/// `base` (the manifest's folder; empty for the current folder), and the
/// paths returned start with `base`.
pub(crate) fn expand(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, ExpandError> {
    Pattern::new(pattern).map_err(ExpandError::Pattern)?;
    let (start, rest) = match pattern.strip_prefix('/') {
        Some(rest) => (PathBuf::from("/"), rest),
        None => (base.to_path_buf(), pattern),
    };
    let mut parts = Vec::new();
    for part in rest.split('/').filter(|p| !p.is_empty()) {
        parts.push(if part == "**" {
            Part::AnyFolders
        } else if part.contains(['*', '?', '[']) {
            Part::Pattern(Pattern::new(part).map_err(ExpandError::Pattern)?)
        } else {
            Part::Name(part)
        });
    }
    let mut out = Vec::new();
    walk(&start, &parts, &mut out)?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// One component of a pattern.
enum Part<'a> {
    /// A name without wildcards.
    Name(&'a str),
    /// A component with wildcards.
    Pattern(Pattern),
    /// `**`: any number of folders, none included.
    AnyFolders,
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

fn walk(dir: &Path, parts: &[Part<'_>], out: &mut Vec<PathBuf>) -> Result<(), ExpandError> {
    let Some((first, rest)) = parts.split_first() else {
        out.push(dir.to_path_buf());
        return Ok(());
    };
    match first {
        Part::Name(name) => {
            let next = dir.join(name);
            if rest.is_empty() {
                if fs::symlink_metadata(&next).is_ok() {
                    out.push(next);
                }
            } else if next.is_dir() {
                walk(&next, rest, out)?;
            }
        }
        Part::Pattern(pattern) => {
            for entry in entries(dir)? {
                let name = entry.file_name();
                if pattern.matches_with(&name.to_string_lossy(), OPTIONS) {
                    let next = dir.join(&name);
                    if rest.is_empty() {
                        out.push(next);
                    } else if next.is_dir() {
                        walk(&next, rest, out)?;
                    }
                }
            }
        }
        Part::AnyFolders => {
            walk(dir, rest, out)?;
            for entry in entries(dir)? {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&dir.join(entry.file_name()), parts, out)?;
                }
            }
        }
    }
    Ok(())
}

/// The entries of `dir` (the current folder for an empty path).
fn entries(dir: &Path) -> Result<Vec<fs::DirEntry>, ExpandError> {
    let at = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let fail = |e| ExpandError::Folder(dir.to_path_buf(), e);
    fs::read_dir(at)
        .map_err(fail)?
        .collect::<io::Result<Vec<_>>>()
        .map_err(fail)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn non_utf8_names_dangling_links_and_depth() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("a/b/c")).unwrap();
        fs::write(d.join("a/one.txt"), "").unwrap();
        fs::write(d.join(OsStr::from_bytes(b"a/caf\xe9.txt")), "").unwrap();
        fs::write(d.join("a/b/c/deep.txt"), "").unwrap();
        fs::write(d.join("a/skip.csv"), "").unwrap();
        std::os::unix::fs::symlink("gone", d.join("a/dangling.txt")).unwrap();
        let names = |pattern: &str| -> Vec<String> {
            expand(d, pattern)
                .unwrap()
                .iter()
                .map(|p| p.strip_prefix(d).unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names("a/*.txt"),
            ["a/caf\u{fffd}.txt", "a/dangling.txt", "a/one.txt"]
        );
        assert_eq!(names("a/caf?.txt"), ["a/caf\u{fffd}.txt"]);
        assert_eq!(names("a/**/*.txt").len(), 4);
        assert_eq!(names("*/b/c/deep.txt"), ["a/b/c/deep.txt"]);
        assert!(names("missing/*.txt").is_empty());
        let abs = format!("{}/a/o*.txt", d.display());
        assert_eq!(expand(Path::new("elsewhere"), &abs).unwrap().len(), 1);
        assert!(matches!(expand(d, "a/***/x"), Err(ExpandError::Pattern(_))));
    }
}
