//! One source file in each format, through the public build API: the first byte
//! picks the format (including `auto`), the second the list kind and how the
//! file is named (plain, `.gz`, `.zip`: the bytes are then read as compressed
//! data), the rest is the file's bytes (any bytes: invalid UTF-8, NUL, CR, no
//! final newline).
//!
//! Invariants: nothing panics; an invalid-lines error points at a line of the
//! file and a column from 1; a strict build that succeeds gives the same bytes
//! as a build with `skip_invalid`; a build that succeeds opens and verifies.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mxlists_core::sources::{compile, BuildOptions, Format, Manifest};
use mxlists_core::{Artifact, Error, ListKind};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            "/dev/shm"
        } else {
            "/tmp"
        };
        let d = PathBuf::from(format!(
            "{base}/mxlists-fuzz-sources-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let [f, k, content @ ..] = data else {
        return;
    };
    let format = Format::ALL[*f as usize % Format::ALL.len()];
    let kind = ListKind::ALL[*k as usize % ListKind::ALL.len()];
    let name = match (k / 4) % 8 {
        0 => "list.gz",
        1 => "list.zip",
        2 => "tlds-alpha-by-domain.txt",
        3 => "drop.txt",
        4 => "listed_email_7.txt",
        _ => "list.txt",
    };
    let d = dir();
    std::fs::write(d.join(name), content).unwrap();
    let manifest = Manifest::parse(
        &format!(
            "[[list]]\nname = \"l\"\nkind = \"{}\"\nsources = [\"{name}\"]\nformat = \"{}\"\n",
            kind.as_str(),
            format.as_str()
        ),
        d.join("mxlists.toml"),
    )
    .expect("the manifest is valid");
    let lines = content.split(|&b| b == b'\n').count() as u64;
    let strict = compile(&manifest, &BuildOptions::default());
    let lenient = compile(
        &manifest,
        &BuildOptions {
            skip_invalid: true,
            ..BuildOptions::default()
        },
    );
    if let Err(Error::InvalidLines { lines: bad, total }) = &strict {
        assert!(*total >= bad.len() as u64 && !bad.is_empty());
        for (loc, msg) in bad {
            assert!(loc.line >= 1 && loc.column >= 1, "{loc}: {msg}");
            // Compressed sources count lines of the decompressed text.
            if !name.ends_with(".gz") && !name.ends_with(".zip") {
                assert!(loc.line <= lines, "{loc} past the {lines} lines: {msg}");
            }
        }
    }
    if let Ok(report) = &strict {
        let lenient = lenient
            .as_ref()
            .expect("skip_invalid fails where strict succeeds");
        assert!(
            report.built.bytes == lenient.built.bytes,
            "skip_invalid changes a clean build"
        );
    }
    for report in [strict, lenient].into_iter().flatten() {
        let art = Artifact::from_bytes(report.built.bytes).expect("a fresh build opens");
        art.verify().expect("a fresh build verifies");
    }
    std::fs::remove_file(d.join(name)).ok();
});
