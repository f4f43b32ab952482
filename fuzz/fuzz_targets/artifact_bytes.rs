//! Arbitrary bytes opened as an artifact, with a quick and a full check, then
//! queried, verified and dumped. The same bytes are also "resealed" (every
//! checksum recomputed) so that damage reaches the structural checks and the
//! lookups instead of stopping at a checksum.
//!
//! Invariants: nothing panics; an artifact that passes the full check answers
//! every read without error, and answers name queries exactly like the artifact
//! rebuilt from its own entries. (IP answers are not compared: the full check
//! does not prove that the interval tables agree with the entry records, so a
//! resealed edit of an entry's range can verify; see docs/RELIABILITY.md.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlists_core::{Artifact, Builder, Verify};
use mxlists_fuzz::{exercise, name_answers, reseal};

fn check(bytes: Vec<u8>) {
    if let Ok(art) = Artifact::from_bytes_with(bytes.clone(), Verify::Quick) {
        exercise(&art);
    }
    if let Ok(art) = Artifact::from_bytes_with(bytes, Verify::Full) {
        assert!(exercise(&art), "a fully verified artifact failed a read");
        // Rebuilt from its own entries, it answers name queries the same. The
        // full check does not promise that everything a builder would refuse
        // (e.g. list names outside the naming rule) is absent, so a rebuild
        // that fails is skipped rather than reported.
        if let Some(rebuilt) = rebuild(&art) {
            assert_eq!(
                name_answers(&art),
                name_answers(&rebuilt),
                "a verified artifact answers unlike the artifact rebuilt from its entries"
            );
        }
    }
}

fn rebuild(art: &Artifact) -> Option<Artifact> {
    let mut b = Builder::new();
    for l in art.lists() {
        let reason = l.reason_is_set.then_some(l.reason.as_str());
        b.add_list(&l.name, l.kind, reason).ok()?;
    }
    for (list, entry) in art.entries().ok()? {
        b.add(mxlists_core::ListId::from_index(list), entry).ok()?;
    }
    Artifact::from_bytes(b.build().ok()?.bytes).ok()
}

fuzz_target!(|data: &[u8]| {
    check(data.to_vec());
    let mut sealed = data.to_vec();
    reseal(&mut sealed);
    if sealed != data {
        check(sealed);
    }
});
