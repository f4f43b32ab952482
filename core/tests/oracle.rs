//! Every lookup compared with a naive model of the matching rules, on random
//! lists with exclusions, nested ranges, subdomains, IDN and mixed case.

use std::net::IpAddr;

use mxlists_core::normalize::{self, Value};
use mxlists_core::{AllOutcome, Artifact, Builder, Entry, ListKind, NameForm, Selection, Target};
use proptest::prelude::*;

/// A list as the model sees it: entries exactly as added.
#[derive(Clone, Debug)]
struct ModelList {
    name: String,
    kind: ListKind,
    reason: Option<String>,
    entries: Vec<Entry>,
}

/// The naive model: scans every entry of every list.
fn model_hits(lists: &[ModelList], value: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for l in lists {
        let default_reason = l.reason.clone().unwrap_or_else(|| match l.kind {
            ListKind::KnownTlds => "unknown top-level domain".into(),
            _ => format!("listed in {}", l.name),
        });
        match value {
            Value::Ip(ip) => {
                if l.kind != ListKind::Ip {
                    continue;
                }
                let v = normalize::ip_to_u128(*ip);
                let best = l
                    .entries
                    .iter()
                    .filter_map(|e| match &e.target {
                        Target::Range(r) if r.v6 == ip.is_ipv6() && r.start <= v && v <= r.end => {
                            Some((r, e))
                        }
                        _ => None,
                    })
                    .min_by(|(ra, ea), (rb, eb)| {
                        ra.width()
                            .cmp(&rb.width())
                            .then(eb.exclude.cmp(&ea.exclude))
                            .then(ra.start.cmp(&rb.start))
                            .then(reason_order(&ea.reason, &eb.reason))
                    });
                if let Some((r, e)) = best {
                    if !e.exclude {
                        let reason = pick_reason(l, &e.target).unwrap_or(default_reason);
                        out.push((l.name.clone(), r.to_string(), reason));
                    }
                }
            }
            Value::Address { .. } | Value::Domain(_) => {
                if !l.kind.is_names() {
                    continue;
                }
                let (domain, address) = match value {
                    Value::Address { local, domain } => {
                        (domain.clone(), Some(format!("{local}@{domain}")))
                    }
                    Value::Domain(d) => (d.clone(), None),
                    Value::Ip(_) => unreachable!(),
                };
                // (specificity, is_exclusion_or_known, form order, entry)
                let mut best: Option<(usize, bool, u8, &Entry)> = None;
                for e in &l.entries {
                    let Target::Name { key, form } = &e.target else {
                        continue;
                    };
                    let text = mxlists_core::names::entry_text(key, *form);
                    let (dom, _) = mxlists_core::names::key_parts(key);
                    let spec = match form {
                        NameForm::Address => {
                            if address.as_deref() == Some(text.as_str()) {
                                usize::MAX
                            } else {
                                continue;
                            }
                        }
                        NameForm::Domain | NameForm::KnownTld => {
                            if domain == dom || domain.ends_with(&format!(".{dom}")) {
                                dom.split('.').count()
                            } else {
                                continue;
                            }
                        }
                        NameForm::Subdomains => {
                            if domain.ends_with(&format!(".{dom}")) {
                                dom.split('.').count()
                            } else {
                                continue;
                            }
                        }
                        NameForm::Exact => {
                            if domain == dom {
                                dom.split('.').count()
                            } else {
                                continue;
                            }
                        }
                    };
                    let blocks = e.exclude || *form == NameForm::KnownTld;
                    let form_order = match form {
                        NameForm::Domain => 1,
                        NameForm::Subdomains => 2,
                        NameForm::Address => 3,
                        NameForm::KnownTld => 4,
                        NameForm::Exact => 5,
                    };
                    let better = match best {
                        None => true,
                        Some((s, b, f, _)) => {
                            (spec, blocks, std::cmp::Reverse(form_order))
                                > (s, b, std::cmp::Reverse(f))
                        }
                    };
                    if better {
                        best = Some((spec, blocks, form_order, e));
                    }
                }
                match (l.kind, best) {
                    (ListKind::KnownTlds, None) => {
                        let tld = domain.rsplit('.').next().unwrap().to_string();
                        out.push((l.name.clone(), tld, default_reason));
                    }
                    (ListKind::KnownTlds, Some(_)) => {}
                    (_, Some((_, false, _, e))) => {
                        let reason = pick_reason(l, &e.target).unwrap_or(default_reason);
                        out.push((l.name.clone(), e.value_text(), reason));
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn reason_order(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// The reason the builder keeps for a listing target: explicit before default,
/// then the smallest text, over the list's listing duplicates.
fn pick_reason(l: &ModelList, target: &Target) -> Option<String> {
    l.entries
        .iter()
        .filter(|e| &e.target == target && !e.exclude)
        .map(|e| e.reason.clone())
        .min_by(reason_order)
        .flatten()
}

const LABELS: &[&str] = &[
    "a", "b", "ab", "Bücher", "xn--p1ai", "monster", "com", "x-y",
];
const LOCALS: &[&str] = &[
    "u",
    "User",
    "a.b",
    "x+tag",
    // The longest local part, of many distinct bytes: its code does not fit a
    // line.
    "éèêëàâäôöûüçñß0123456789abcdefghijklmn",
];
const REASONS: &[Option<&str>] = &[None, None, Some("spam"), Some("abuse"), Some("zz top")];

fn domain_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LABELS), 1..4).prop_map(|v| v.join("."))
}

fn name_entry_text(kind: ListKind) -> impl Strategy<Value = String> {
    let forms = prop_oneof![
        domain_strategy(),
        domain_strategy().prop_map(|d| format!(".{d}")),
        domain_strategy().prop_map(|d| format!("*.{d}")),
        domain_strategy().prop_map(|d| format!("@{d}")),
        domain_strategy().prop_map(|d| format!("={d}")),
        (prop::sample::select(LOCALS), domain_strategy()).prop_map(|(l, d)| format!("{l}@{d}")),
    ];
    (any::<bool>(), forms, prop::sample::select(REASONS)).prop_map(move |(excl, value, reason)| {
        let value = if kind == ListKind::Domain && value.contains('@') && !value.starts_with('@') {
            value.rsplit('@').next().unwrap().to_string()
        } else {
            value
        };
        let mut s = String::new();
        if excl {
            s.push('!');
        }
        s.push_str(&value);
        if let Some(r) = reason {
            s.push(' ');
            s.push_str(r);
        }
        s
    })
}

fn ip_entry_text() -> impl Strategy<Value = String> {
    let v4 = (0u32..64, 24u32..=32).prop_map(|(host, len)| format!("10.0.0.{host}/{len}"));
    let v4range =
        (0u32..64, 0u32..64).prop_map(|(a, b)| format!("10.0.0.{}-10.0.0.{}", a.min(b), a.max(b)));
    let v4wide = prop::sample::select(vec!["10.0.0.0/8", "0.0.0.0/0", "10.0.0.0/26"])
        .prop_map(str::to_string);
    let v6 = (0u32..64, 120u32..=128).prop_map(|(host, len)| format!("2001:db8::{host:x}/{len}"));
    let mapped = (0u32..64).prop_map(|h| format!("::ffff:10.0.0.{h}"));
    (
        any::<bool>(),
        prop_oneof![v4, v4range, v4wide, v6, mapped],
        prop::sample::select(REASONS),
    )
        .prop_map(|(excl, v, r)| {
            format!(
                "{}{}{}",
                if excl { "!" } else { "" },
                v,
                r.map(|r| format!(" {r}")).unwrap_or_default()
            )
        })
}

fn lists_strategy() -> impl Strategy<Value = Vec<(ListKind, Option<&'static str>, Vec<String>)>> {
    let list = prop_oneof![
        (
            Just(ListKind::Domain),
            prop::collection::vec(name_entry_text(ListKind::Domain), 0..12)
        ),
        (
            Just(ListKind::Email),
            prop::collection::vec(name_entry_text(ListKind::Email), 0..12)
        ),
        (
            Just(ListKind::Ip),
            prop::collection::vec(ip_entry_text(), 0..12)
        ),
        (
            Just(ListKind::KnownTlds),
            prop::collection::vec(
                prop_oneof![
                    prop::sample::select(LABELS).prop_map(|l| l.to_uppercase()),
                    domain_strategy().prop_map(|d| format!("!{d}")),
                    domain_strategy().prop_map(|d| format!("!={d}")),
                ],
                0..5
            )
        ),
    ];
    prop::collection::vec((list, prop::sample::select(REASONS)), 1..4)
        .prop_map(|v| v.into_iter().map(|((k, e), r)| (k, r, e)).collect())
}

fn query_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        domain_strategy(),
        domain_strategy().prop_map(|d| format!("<{}.>", d.to_uppercase())),
        (prop::sample::select(LOCALS), domain_strategy()).prop_map(|(l, d)| format!("{l}@{d}")),
        (0u32..70).prop_map(|h| format!("10.0.0.{h}")),
        (0u32..70).prop_map(|h| format!("::ffff:10.0.0.{h}")),
        (0u32..70).prop_map(|h| format!("[2001:DB8::{h:x}]")),
        Just("11.1.1.1".to_string()),
    ]
}

/// Every lookup of `queries` against the artifact `b` builds, compared with the
/// model: all hits, the first hit, and each list alone.
fn assert_model(
    model: &[ModelList],
    b: &mut Builder,
    queries: &[String],
) -> Result<(), TestCaseError> {
    let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
    art.verify().unwrap();
    for q in queries {
        let value = normalize::classify(q).unwrap();
        let expected = model_hits(model, &value);
        let got = match art.check_all(q, &Selection::all()).unwrap() {
            AllOutcome::Hits(h) => h
                .into_iter()
                .map(|h| (h.list, h.entry, h.reason))
                .collect::<Vec<_>>(),
            AllOutcome::Invalid(e) => panic!("{q:?} invalid: {e}"),
        };
        prop_assert_eq!(&got, &expected, "query {:?}", q);
        let first = art.check(q).unwrap();
        prop_assert_eq!(
            first
                .hit()
                .map(|h| (h.list.clone(), h.entry.clone(), h.reason.clone())),
            expected.first().cloned()
        );
        // A selection of one list answers as that list alone.
        for (i, l) in model.iter().enumerate() {
            let sel = art.select(&[l.name.as_str()]).unwrap();
            let one = art.check_in(q, &sel).unwrap();
            let want = expected.iter().find(|h| h.0 == l.name).cloned();
            prop_assert_eq!(
                one.hit()
                    .map(|h| (h.list.clone(), h.entry.clone(), h.reason.clone())),
                want,
                "list {} query {:?}",
                i,
                q
            );
        }
    }
    Ok(())
}

fn build(spec: &[(ListKind, Option<&'static str>, Vec<String>)]) -> (Vec<ModelList>, Builder) {
    let mut b = Builder::new();
    let mut model = Vec::new();
    for (i, (kind, reason, entries)) in spec.iter().enumerate() {
        let name = format!("l{i}");
        let id = b.add_list(&name, *kind, *reason).unwrap();
        let mut ml = ModelList {
            name,
            kind: *kind,
            reason: reason.map(str::to_string),
            entries: Vec::new(),
        };
        for text in entries {
            let parsed =
                mxlists_core::parse_entry(*kind, text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            b.add(id, parsed.entry.clone()).unwrap();
            ml.entries.push(parsed.entry);
        }
        model.push(ml);
    }
    (model, b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn lookups_match_the_naive_model(spec in lists_strategy(), queries in prop::collection::vec(query_strategy(), 1..25)) {
        let (model, mut b) = build(&spec);
        assert_model(&model, &mut b, &queries)?;
    }

    /// The same with every name record forced into one or two lines: records
    /// of different names share lines, most overflow, and address records
    /// carry their domain number (`d / lines` is no longer 0).
    #[test]
    fn lookups_match_the_model_when_every_record_collides(
        spec in lists_strategy(),
        queries in prop::collection::vec(query_strategy(), 1..25),
        lines in 1u32..3,
    ) {
        let (model, mut b) = build(&spec);
        b.force_table_lines(lines, lines);
        assert_model(&model, &mut b, &queries)?;
    }

    #[test]
    fn bytes_ignore_order_and_duplicates(spec in lists_strategy(), seed in any::<u64>()) {
        let (_, mut b1) = build(&spec);
        let shuffled: Vec<_> = spec.iter().map(|(k, r, e)| {
            let mut e2: Vec<String> = e.iter().chain(e.iter().take(3)).cloned().collect();
            // Deterministic shuffle from the seed.
            let mut s = seed | 1;
            for i in (1..e2.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                e2.swap(i, (s % (i as u64 + 1)) as usize);
            }
            (*k, *r, e2)
        }).collect();
        let (_, mut b2) = build(&shuffled);
        let one = b1.build().unwrap();
        let two = b2.build().unwrap();
        prop_assert_eq!(&one.bytes, &two.bytes);
        prop_assert_eq!(one.content_hash, two.content_hash);
    }

    #[test]
    fn dump_rebuilds_identical_bytes(spec in lists_strategy()) {
        let (_, mut b) = build(&spec);
        let built = b.build().unwrap();
        let art = Artifact::from_bytes(built.bytes.clone()).unwrap();
        art.verify().unwrap();
        let mut again = Builder::new();
        for l in art.lists() {
            let reason = if l.reason_is_set { Some(l.reason.as_str()) } else { None };
            again.add_list(&l.name, l.kind, reason).unwrap();
        }
        for (list, entry) in art.entries().unwrap() {
            // Through the text form, as `mxlists dump` writes it.
            let kind = art.lists()[list].kind;
            let parsed = mxlists_core::parse_entry(kind, &entry.to_string()).unwrap();
            prop_assert_eq!(&parsed.entry, &entry);
            again.add(mxlists_core::ListId::from_index(list), parsed.entry).unwrap();
        }
        prop_assert_eq!(again.build().unwrap().bytes, built.bytes);
    }
}

#[test]
fn ip_queries_of_every_family_agree_with_the_model_on_ovh_like_data() {
    let spec = vec![(
        ListKind::Ip,
        Some("OVH"),
        vec![
            "51.68.0.0/16".to_string(),
            "!51.68.10.0/28 customer".to_string(),
            "51.68.10.5".to_string(),
            "2001:41d0::/32".to_string(),
            "!2001:41d0:1::/48".to_string(),
        ],
    )];
    let (model, mut b) = build(&spec);
    let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
    for q in [
        "51.68.0.1",
        "51.68.10.1",
        "51.68.10.5",
        "51.68.10.16",
        "51.69.0.0",
        "2001:41d0::1",
        "2001:41d0:1::1",
        "2001:41d0:2::1",
    ] {
        let value = normalize::classify(q).unwrap();
        let want = model_hits(&model, &value);
        let got: Vec<_> = match art.check_all(q, &Selection::all()).unwrap() {
            AllOutcome::Hits(h) => h.into_iter().map(|h| (h.list, h.entry, h.reason)).collect(),
            AllOutcome::Invalid(_) => unreachable!(),
        };
        assert_eq!(got, want, "{q}");
    }
    let _: IpAddr = "51.68.0.1".parse().unwrap();
}
