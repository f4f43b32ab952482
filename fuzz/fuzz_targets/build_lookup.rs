//! Build-then-lookup round trip: arbitrary lists of names (with exclusions,
//! subdomain and exact forms, addresses, IDN, mixed case, reasons) and IP ranges (nested,
//! overlapping, excluded) are built, and every entry's value, neighbours and
//! parents are looked up and compared with a naive model of the rules.
//!
//! Invariants: the build succeeds; every lookup agrees with the model (so every
//! entry built is found where it decides, and nothing else is); the bytes do not
//! depend on entry order or duplicates; dumping and rebuilding gives the same
//! bytes.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mxlists_core::{parse_entry, Artifact, Builder, Entry, ListKind, Target};
use mxlists_fuzz::model::{compare, ModelList};
use mxlists_fuzz::QUERIES;

const LABELS: &[&str] = &[
    "com",
    "monster",
    "example",
    "a",
    "b",
    "sub",
    "xn--bcher-kva",
    "bücher",
    "Good",
    "bad",
    "localdomain",
    "pop-os",
    "net",
    "x_y",
    "1",
];
const LOCALS: &[&str] = &["user", "x", "Root", "u.ser", "a+b", "\"q\""];
const REASONS: &[&str] = &["spam source", "trusted partner", "audit 2024", "a"];
const V4_BASES: &[u32] = &[
    0x3344_0000,
    0x3344_0a00,
    0x0102_0300,
    0x0000_0000,
    0xffff_ff00,
];
const V6_BASES: &[u128] = &[
    0x2001_41d0_0000_0000_0000_0000_0000_0000,
    0x2001_0db8_0000_0000_0000_0000_0000_0000,
    0,
    u128::MAX - 0xff,
];

#[derive(Arbitrary, Debug)]
enum Shape {
    /// Labels (indexes into `LABELS`, last = TLD), written with a prefix style.
    Name {
        style: u8,
        labels: Vec<u8>,
        local: u8,
        upper: bool,
        trailing_dot: bool,
    },
    /// An IPv4 CIDR block, a single address or a range.
    V4 {
        base: u8,
        offset: u16,
        len: u8,
        range_to: Option<u16>,
    },
    /// An IPv6 CIDR block, a single address or a range.
    V6 {
        base: u8,
        offset: u32,
        len: u8,
        range_to: Option<u32>,
    },
    /// A TLD (for known_tlds lists).
    Tld { label: u8, upper: bool },
    /// Free text.
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct EntrySpec {
    exclude: bool,
    reason: Option<u8>,
    shape: Shape,
}

#[derive(Arbitrary, Debug)]
struct ListSpec {
    kind: u8,
    reason: bool,
    entries: Vec<EntrySpec>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    lists: Vec<ListSpec>,
    queries: Vec<Shape>,
    /// When set, the name tables get this many lines (1 to 4): records of
    /// different names share lines and overflow.
    crowd: Option<u8>,
}

fn pick<T: Copy>(items: &[T], i: impl Into<usize>) -> T {
    items[i.into() % items.len()]
}

fn domain_text(labels: &[u8], upper: bool, trailing_dot: bool) -> String {
    let mut d: Vec<&str> = labels.iter().take(5).map(|&l| pick(LABELS, l)).collect();
    if d.is_empty() {
        d.push("com");
    }
    let mut s = d.join(".");
    if upper {
        s = s.to_uppercase();
    }
    if trailing_dot {
        s.push('.');
    }
    s
}

fn shape_text(shape: &Shape) -> String {
    match shape {
        Shape::Name {
            style,
            labels,
            local,
            upper,
            trailing_dot,
        } => {
            let d = domain_text(labels, *upper, *trailing_dot);
            let local = pick(LOCALS, *local);
            match style % 8 {
                0 => d,
                1 => format!(".{d}"),
                2 => format!("*.{d}"),
                3 => format!("@{d}"),
                4 => format!("*@{d}"),
                5 => format!("{local}@{d}"),
                6 => format!("={d}"),
                _ => format!("<{local}@{d}>"),
            }
        }
        Shape::V4 {
            base,
            offset,
            len,
            range_to,
        } => {
            let a = pick(V4_BASES, *base).wrapping_add(*offset as u32 & 0x3ff);
            let ip = std::net::Ipv4Addr::from(a);
            match range_to {
                Some(to) => format!(
                    "{ip}-{}",
                    std::net::Ipv4Addr::from(a.saturating_add(*to as u32 & 0x3ff))
                ),
                None if len % 3 == 0 => ip.to_string(),
                None => format!("{ip}/{}", 16 + len % 17),
            }
        }
        Shape::V6 {
            base,
            offset,
            len,
            range_to,
        } => {
            let a = pick(V6_BASES, *base).wrapping_add(*offset as u128 & 0xffff);
            let ip = std::net::Ipv6Addr::from(a);
            match range_to {
                Some(to) => format!(
                    "{ip}-{}",
                    std::net::Ipv6Addr::from(a.saturating_add(*to as u128 & 0xffff))
                ),
                None if len % 3 == 0 => ip.to_string(),
                None => format!("{ip}/{}", 16 + len % 113),
            }
        }
        Shape::Tld { label, upper } => {
            let t = pick(LABELS, *label);
            if *upper {
                t.to_uppercase()
            } else {
                t.to_string()
            }
        }
        Shape::Raw(s) => s.chars().take(80).collect(),
    }
}

/// Values worth asking about an entry: itself, a subdomain, an address at it,
/// its parent, and for ranges the ends and their outside neighbours.
fn probes(entry: &Entry, out: &mut Vec<String>) {
    match &entry.target {
        Target::Name { .. } => {
            let text = entry.value_text();
            let bare = text
                .trim_start_matches("*.")
                .trim_start_matches('=')
                .to_string();
            let domain = bare.rsplit('@').next().unwrap_or(&bare).to_string();
            out.push(bare.clone());
            out.push(format!("x.{domain}"));
            out.push(format!("user@{domain}"));
            out.push(format!("user@x.{domain}"));
            if let Some((_, parent)) = domain.split_once('.') {
                out.push(parent.to_string());
            }
        }
        Target::Range(r) => {
            let max = if r.v6 { u128::MAX } else { u32::MAX as u128 };
            let ip = |v: u128| mxlists_core::normalize::u128_to_ip(v, r.v6).to_string();
            out.push(ip(r.start));
            out.push(ip(r.end));
            out.push(ip(r.start + (r.end - r.start) / 2));
            if r.start > 0 {
                out.push(ip(r.start - 1));
            }
            if r.end < max {
                out.push(ip(r.end + 1));
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let mut model: Vec<ModelList> = Vec::new();
    let mut texts: Vec<Vec<String>> = Vec::new();
    let mut b = Builder::new();
    for (i, spec) in input.lists.iter().take(5).enumerate() {
        let kind = ListKind::ALL[spec.kind as usize % 4];
        let name = format!("l{i}");
        let reason = spec.reason.then(|| format!("default reason of {name}"));
        let id = b.add_list(&name, kind, reason.as_deref()).unwrap();
        let mut list = ModelList {
            name,
            kind,
            default_reason: String::new(),
            entries: Vec::new(),
        };
        let mut accepted = Vec::new();
        for e in spec.entries.iter().take(24) {
            let mut text = String::new();
            if e.exclude {
                text.push('!');
            }
            text.push_str(&shape_text(&e.shape));
            if let Some(r) = e.reason {
                text.push(' ');
                text.push_str(pick(REASONS, r));
            }
            let parsed = parse_entry(kind, &text);
            let added = b.add_text(id, &text);
            assert_eq!(
                parsed.is_ok(),
                added.is_ok(),
                "{kind} {text:?}: {parsed:?} vs {added:?}"
            );
            if let Ok(p) = parsed {
                list.entries.push(p.entry);
                accepted.push(text);
            }
        }
        model.push(list);
        texts.push(accepted);
    }
    let built = b.build().expect("build");
    let art = Artifact::from_bytes(built.bytes.clone()).expect("a fresh artifact opens");
    for (m, l) in model.iter_mut().zip(art.lists()) {
        m.default_reason = l.reason.clone();
    }

    // Same lists, entries reversed and the first one repeated: same bytes.
    let mut b2 = Builder::new();
    for (m, t) in model.iter().zip(&texts) {
        let reason = art.lists().iter().find(|l| l.name == m.name).unwrap();
        let id = b2
            .add_list(
                &m.name,
                m.kind,
                reason.reason_is_set.then_some(reason.reason.as_str()),
            )
            .unwrap();
        for text in t.iter().rev().chain(t.first()) {
            b2.add_text(id, text).unwrap();
        }
    }
    assert!(
        b2.build().unwrap().bytes == built.bytes,
        "bytes depend on entry order or duplicates"
    );

    // Dump and rebuild: same bytes.
    let mut b3 = Builder::new();
    for l in art.lists() {
        b3.add_list(
            &l.name,
            l.kind,
            l.reason_is_set.then_some(l.reason.as_str()),
        )
        .unwrap();
    }
    for (list, entry) in art.entries().expect("entries") {
        b3.add(mxlists_core::ListId::from_index(list), entry)
            .unwrap();
    }
    assert!(
        b3.build().unwrap().bytes == built.bytes,
        "dump and rebuild changes the bytes"
    );

    let mut queries: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    for m in &model {
        for e in &m.entries {
            probes(e, &mut queries);
        }
    }
    queries.extend(input.queries.iter().take(16).map(shape_text));
    for q in &queries {
        compare(&art, &model, q);
    }

    // The same lists in crowded tables answer the same.
    if let Some(lines) = input.crowd {
        let lines = u32::from(lines % 4) + 1;
        let mut b4 = Builder::new();
        for (m, t) in model.iter().zip(&texts) {
            let reason = art.lists().iter().find(|l| l.name == m.name).unwrap();
            let id = b4
                .add_list(&m.name, m.kind, reason.reason_is_set.then_some(reason.reason.as_str()))
                .unwrap();
            for text in t {
                b4.add_text(id, text).unwrap();
            }
        }
        b4.force_table_lines(lines, lines);
        let crowded = Artifact::from_bytes(b4.build().unwrap().bytes).expect("crowded artifact");
        crowded.verify().expect("a crowded artifact verifies");
        for q in &queries {
            compare(&crowded, &model, q);
        }
    }
});
