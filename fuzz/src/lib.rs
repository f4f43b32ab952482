//! Shared pieces of the fuzz targets: a fixed query set, artifact resealing
//! (recomputing checksums after a mutation so that structural checks, not
//! checksums, decide), and a naive model of the matching rules to compare
//! lookups against.

pub mod model;

use mxlists_core::{AllOutcome, Artifact, Outcome, Selection};
use sha2::{Digest, Sha256};

/// Values every opened artifact is asked about: names at several depths, known
/// and unknown TLDs, IPv4 and IPv6, mapped and bracketed IPs, invalid values.
pub const QUERIES: &[&str] = &[
    "x@bad.monster",
    "x@good.monster",
    "good.monster",
    "monster",
    "root@pop-os.localdomain",
    "user@example.com",
    "a.b.c.d.example.com",
    "<U@Bücher.Monster>",
    "51.68.0.1",
    "51.68.10.3",
    "[1.2.3.4]",
    "::ffff:51.68.0.1",
    "2001:db8::1",
    "2001:41d0::1",
    "::",
    "255.255.255.255",
    "0.0.0.0",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "a@@b",
    "",
];

/// Runs every read API over `art`: lookups of [`QUERIES`] (first hit and all
/// hits), `verify`, `entries`, list and section figures. Returns whether every
/// call succeeded.
pub fn exercise(art: &Artifact) -> bool {
    let mut ok = true;
    for q in QUERIES {
        ok &= art.check(q).is_ok();
        ok &= art.check_all(q, &Selection::all()).is_ok();
    }
    ok &= art.verify().is_ok();
    ok &= art.entries().is_ok();
    let _ = art.lists();
    let _ = art.section_sizes();
    let _ = art.content_hash();
    ok
}

/// The answers of `art` to the name queries of [`QUERIES`] (addresses and
/// domains, not IP addresses), for comparing two artifacts.
pub fn name_answers(art: &Artifact) -> Vec<(Option<Outcome>, Option<AllOutcome>)> {
    QUERIES
        .iter()
        .filter(|q| {
            !matches!(
                mxlists_core::normalize::classify(q),
                Ok(mxlists_core::Value::Ip(_))
            )
        })
        .map(|q| (art.check(q).ok(), art.check_all(q, &Selection::all()).ok()))
        .collect()
}

const HEADER_LEN: usize = 64;
const DIR_ENTRY_LEN: usize = 32;

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Recomputes what checksums cover after `bytes` were mutated: the file length
/// field, every section checksum whose section lies inside the file, the
/// content hash and the header checksum (layout in `core/FORMAT.md`). Damage
/// then has to be caught by the structural checks, or be harmless.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let count = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let len = bytes.len() as u64;
    bytes[16..24].copy_from_slice(&len.to_le_bytes());
    let dir_end = HEADER_LEN + count.min(64) * DIR_ENTRY_LEN;
    if dir_end > bytes.len() {
        return;
    }
    for i in 0..count.min(64) {
        let at = HEADER_LEN + i * DIR_ENTRY_LEN;
        let (Some(off), Some(slen)) = (u64_at(bytes, at + 8), u64_at(bytes, at + 16)) else {
            return;
        };
        let (off, slen) = (off as usize, slen as usize);
        if let Some(sec) = off.checked_add(slen).and_then(|end| bytes.get(off..end)) {
            let sum = xxhash_rust::xxh3::xxh3_64(sec);
            bytes[at + 24..at + 32].copy_from_slice(&sum.to_le_bytes());
        }
    }
    let hash: [u8; 32] = Sha256::digest(&bytes[HEADER_LEN..]).into();
    bytes[24..56].copy_from_slice(&hash);
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&bytes[..56]);
    h.update(&bytes[HEADER_LEN..dir_end]);
    let sum = h.digest();
    bytes[56..64].copy_from_slice(&sum.to_le_bytes());
}
