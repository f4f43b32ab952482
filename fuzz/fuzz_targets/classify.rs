//! Normalization of queried values.
//!
//! Invariants: nothing panics; error offsets lie inside the text; a normalized
//! value is stable (`classify(v.to_string()) == v`), within the length and
//! character limits, and written as an entry of the matching list kind it
//! normalizes to the same text (entries and queries share one normalization).
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use mxlists_core::normalize::{classify, MAX_DOMAIN, MAX_LABEL, MAX_LOCAL};
use mxlists_core::{parse_entry, ListKind, Value};

fn check_domain(d: &str) {
    assert!(!d.is_empty() && d.len() <= MAX_DOMAIN, "{d:?}");
    assert!(
        d.is_ascii() && d.bytes().all(|b| !b.is_ascii_uppercase()),
        "{d:?}"
    );
    assert!(
        d.split('.').all(|l| !l.is_empty() && l.len() <= MAX_LABEL),
        "{d:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let v = match classify(text) {
        Ok(v) => v,
        Err(e) => {
            assert!(
                e.offset <= text.len(),
                "offset {} past {text:?}: {e}",
                e.offset
            );
            return;
        }
    };
    let s = v.to_string();
    assert_eq!(
        classify(&s),
        Ok(v.clone()),
        "{text:?} -> {s:?} is not stable"
    );
    let kind = match &v {
        Value::Domain(d) => {
            check_domain(d);
            ListKind::Domain
        }
        Value::Address { local, domain } => {
            check_domain(domain);
            assert!(!local.is_empty() && local.len() <= MAX_LOCAL, "{local:?}");
            ListKind::Email
        }
        Value::Ip(ip) => {
            if let IpAddr::V6(v6) = ip {
                assert!(
                    v6.to_ipv4_mapped().is_none(),
                    "{text:?} -> {ip}: mapped IPv4 kept"
                );
            }
            ListKind::Ip
        }
    };
    // Entry syntax gives a leading `!`, `.`, `*` or `@`, whitespace and (for
    // names) `:` meanings of their own; other values must read the same as
    // entries.
    let entry_syntax = s.starts_with(['!', '.', '*', '@'])
        || s.contains(char::is_whitespace)
        || (kind != ListKind::Ip && s.contains(':'));
    if !entry_syntax {
        let p = parse_entry(kind, &s)
            .unwrap_or_else(|e| panic!("query {s:?} is valid but refused as a {kind} entry: {e}"));
        assert_eq!(p.entry.value_text(), s, "query and entry normalize apart");
    }
});
