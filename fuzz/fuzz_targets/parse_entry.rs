//! One entry of any list kind: the first byte picks the kind, the rest is the
//! entry's text.
//!
//! Invariants: nothing panics; error and warning offsets lie inside the text;
//! an accepted entry's canonical text (its `Display`) parses back to the same
//! entry without a warning, and the builder accepts the entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlists_core::{parse_entry, Builder, ListKind};

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let kind = ListKind::ALL[k as usize % ListKind::ALL.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match parse_entry(kind, text) {
        Ok(p) => {
            if let Some(w) = &p.warning {
                assert!(
                    w.offset <= text.len(),
                    "warning offset {} past {text:?}",
                    w.offset
                );
            }
            let canon = p.entry.to_string();
            let again = parse_entry(kind, &canon)
                .unwrap_or_else(|e| panic!("{kind} {text:?} -> {canon:?} does not parse: {e}"));
            assert_eq!(again.entry, p.entry, "{kind} {text:?} -> {canon:?}");
            assert!(again.warning.is_none(), "canonical {canon:?} warns");
            let mut b = Builder::new();
            let list = b.add_list("fuzz", kind, None).unwrap();
            b.add(list, p.entry).unwrap_or_else(|e| {
                panic!("{kind} {text:?} parsed but the builder refuses it: {e}")
            });
        }
        Err(e) => {
            assert!(
                e.offset <= text.len(),
                "error offset {} past {text:?}: {e}",
                e.offset
            );
            assert!(!e.message.is_empty());
        }
    }
});
