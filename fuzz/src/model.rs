//! A naive model of the matching rules: every entry of every list is tried
//! against the value by plain string and integer comparisons, with none of the
//! artifact's machinery (no FST, no interval tables, no build-time resolution).

use std::net::IpAddr;

use mxlists_core::names::{key_parts, NameForm};
use mxlists_core::normalize::ip_to_u128;
use mxlists_core::{AllOutcome, Artifact, Entry, ListKind, Selection, Target, Value};

/// One list as the model sees it.
pub struct ModelList {
    /// List name.
    pub name: String,
    /// List kind.
    pub kind: ListKind,
    /// The reason of hits whose entry has none.
    pub default_reason: String,
    /// Every entry added, duplicates included.
    pub entries: Vec<Entry>,
}

/// The model's verdict for one list: the entries that may be reported (equally
/// specific listings) with the reason each one carries after duplicates fold.
#[derive(Debug)]
pub struct ModelHit {
    /// List index.
    pub list: usize,
    /// `(entry text, reason)` of each acceptable answer.
    pub candidates: Vec<(String, String)>,
}

fn labels(d: &str) -> usize {
    d.split('.').count()
}

fn is_sub(q: &str, d: &str) -> bool {
    q.len() > d.len() && q.ends_with(d) && q.as_bytes()[q.len() - d.len() - 1] == b'.'
}

/// The reason an entry's target carries once duplicates are folded: the
/// smallest explicit reason among equal listings, else the list's default.
fn folded_reason(list: &ModelList, target: &Target) -> String {
    list.entries
        .iter()
        .filter(|e| !e.exclude && &e.target == target)
        .filter_map(|e| e.reason.clone())
        .min()
        .unwrap_or_else(|| list.default_reason.clone())
}

/// Specificity of an entry that applies to `value`, or `None`.
fn name_spec(value: &Value, key: &[u8], form: NameForm) -> Option<usize> {
    let (qd, qlocal) = match value {
        Value::Address { local, domain } => (domain.as_str(), Some(local.as_str())),
        Value::Domain(d) => (d.as_str(), None),
        Value::Ip(_) => return None,
    };
    let (ed, elocal) = key_parts(key);
    match form {
        NameForm::Address => {
            (qlocal.is_some() && qlocal == elocal.as_deref() && qd == ed).then_some(usize::MAX)
        }
        NameForm::Domain => (qd == ed || is_sub(qd, &ed)).then(|| labels(&ed)),
        NameForm::Subdomains => is_sub(qd, &ed).then(|| labels(&ed)),
        NameForm::Exact => (qd == ed).then(|| labels(&ed)),
        NameForm::KnownTld => None,
    }
}

fn decide_names(i: usize, list: &ModelList, value: &Value) -> Option<ModelHit> {
    let applying: Vec<(usize, &Entry)> = list
        .entries
        .iter()
        .filter_map(|e| match &e.target {
            Target::Name { key, form } => name_spec(value, key, *form).map(|s| (s, e)),
            Target::Range(_) => None,
        })
        .collect();
    if list.kind == ListKind::KnownTlds {
        let domain = match value {
            Value::Address { domain, .. } => domain,
            Value::Domain(d) => d,
            Value::Ip(_) => return None,
        };
        let tld = domain.rsplit('.').next().unwrap_or(domain);
        let known = list.entries.iter().any(|e| {
            matches!(&e.target, Target::Name { key, form: NameForm::KnownTld } if key == tld.as_bytes())
        });
        if known || applying.iter().any(|(_, e)| e.exclude) {
            return None;
        }
        return Some(ModelHit {
            list: i,
            candidates: vec![(tld.to_string(), list.default_reason.clone())],
        });
    }
    let best = applying.iter().map(|(s, _)| *s).max()?;
    let at_best: Vec<&Entry> = applying
        .iter()
        .filter(|(s, _)| *s == best)
        .map(|(_, e)| *e)
        .collect();
    if at_best.iter().any(|e| e.exclude) {
        return None;
    }
    Some(ModelHit {
        list: i,
        candidates: at_best
            .iter()
            .map(|e| (e.value_text(), folded_reason(list, &e.target)))
            .collect(),
    })
}

fn decide_ip(i: usize, list: &ModelList, ip: IpAddr) -> Option<ModelHit> {
    let v = ip_to_u128(ip);
    let covering: Vec<(u128, &Entry)> = list
        .entries
        .iter()
        .filter_map(|e| match &e.target {
            Target::Range(r) if r.v6 == ip.is_ipv6() && r.start <= v && v <= r.end => {
                Some((r.width(), e))
            }
            _ => None,
        })
        .collect();
    let best = covering.iter().map(|(w, _)| *w).min()?;
    let at_best: Vec<&Entry> = covering
        .iter()
        .filter(|(w, _)| *w == best)
        .map(|(_, e)| *e)
        .collect();
    if at_best.iter().any(|e| e.exclude) {
        return None;
    }
    Some(ModelHit {
        list: i,
        candidates: at_best
            .iter()
            .map(|e| (e.value_text(), folded_reason(list, &e.target)))
            .collect(),
    })
}

/// Every list's verdict on a normalized value, in list order.
pub fn hits(lists: &[ModelList], value: &Value) -> Vec<ModelHit> {
    lists
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match (value, l.kind) {
            (Value::Ip(ip), ListKind::Ip) => decide_ip(i, l, *ip),
            (Value::Ip(_), _) | (_, ListKind::Ip) => None,
            _ => decide_names(i, l, value),
        })
        .collect()
}

/// Asks `art` about `query` and panics with a description when its answer is
/// not one the model allows.
pub fn compare(art: &Artifact, lists: &[ModelList], query: &str) {
    let got = art
        .check_all(query, &Selection::all())
        .unwrap_or_else(|e| panic!("check_all({query:?}) failed on a fresh artifact: {e}"));
    let first = art
        .check(query)
        .unwrap_or_else(|e| panic!("check({query:?}) failed on a fresh artifact: {e}"));
    let value = match mxlists_core::normalize::classify(query) {
        Ok(v) => v,
        Err(_) => {
            assert!(matches!(got, AllOutcome::Invalid(_)), "{query:?}: {got:?}");
            assert!(
                matches!(first, mxlists_core::Outcome::Invalid(_)),
                "{query:?}: {first:?}"
            );
            return;
        }
    };
    let AllOutcome::Hits(got) = got else {
        panic!("{query:?} classifies as {value:?} but the artifact calls it invalid");
    };
    let want = hits(lists, &value);
    let got_lists: Vec<&str> = got.iter().map(|h| h.list.as_str()).collect();
    let want_lists: Vec<&str> = want.iter().map(|h| lists[h.list].name.as_str()).collect();
    assert_eq!(
        got_lists, want_lists,
        "lists hit by {query:?} ({value}): artifact {got:?}, model {want:?}"
    );
    for (g, w) in got.iter().zip(&want) {
        assert!(
            w.candidates
                .iter()
                .any(|(e, r)| *e == g.entry && *r == g.reason),
            "{query:?}: artifact reports {g:?}, model allows {:?}",
            w.candidates
        );
        assert_eq!(g.kind, lists[w.list].kind);
        assert_eq!(g.value, value.to_string());
    }
    match (got.first(), first) {
        (Some(g), mxlists_core::Outcome::Listed(f)) => assert_eq!(*g, f, "{query:?}"),
        (None, mxlists_core::Outcome::NotListed) => {}
        (g, f) => panic!("{query:?}: check gives {f:?} but check_all gives {g:?}"),
    }
}
