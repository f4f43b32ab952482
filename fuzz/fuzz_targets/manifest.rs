//! Manifest text (`mxlists.toml`): parsing and validation never panic, and an
//! accepted manifest's lists have valid, unique names and at least one source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxlists_core::sources::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = Manifest::parse(text, "/nonexistent/mxlists.toml") {
        for (i, l) in m.lists.iter().enumerate() {
            assert!(!l.name.is_empty() && !l.sources.is_empty(), "{l:?}");
            assert!(
                m.lists[..i].iter().all(|o| o.name != l.name),
                "duplicate {:?}",
                l.name
            );
        }
    }
});
