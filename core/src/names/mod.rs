//! Names: the forms a name entry takes, the keys entries are sorted by, and the
//! two hashed tables that answer name lookups.
//!
//! An entry's key has its labels **reversed** (`user@sub.example.com` →
//! `com.example.sub@user`), so that sorting keys groups a domain with its
//! subdomains and addresses (the order of `dump`). The tables themselves hold
//! names as written: the domain table every domain with entries or addresses
//! (`names::domains`), the address table every address, its local part coded
//! (`names::code`) and its domain implied by where it is stored (`names::addresses`).

pub(crate) mod addresses;
pub(crate) mod code;
pub(crate) mod domains;
pub(crate) mod lines;
pub(crate) mod overflow;
pub(crate) mod params;
pub(crate) mod postings;

use crate::kind::ListKind;

/// Appends the key of `domain` (labels reversed, joined by `.`) to `out`.
pub fn push_domain_key(domain: &str, out: &mut Vec<u8>) {
    for (i, label) in domain.rsplit('.').enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        out.extend_from_slice(label.as_bytes());
    }
}

/// The key of a domain.
pub fn domain_key(domain: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len());
    push_domain_key(domain, &mut out);
    out
}

/// The key of an address: the domain key, `@`, the local part.
pub fn address_key(local: &str, domain: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len() + 1 + local.len());
    push_domain_key(domain, &mut out);
    out.push(b'@');
    out.extend_from_slice(local.as_bytes());
    out
}

/// Splits a key at its `@`: the reversed domain, and the local part of an
/// address key.
fn split_key(key: &[u8]) -> (&[u8], Option<&[u8]>) {
    match key.iter().position(|&b| b == b'@') {
        Some(at) => (&key[..at], Some(&key[at + 1..])),
        None => (key, None),
    }
}

/// Splits a key into its domain (in normal label order) and, for an address key,
/// its local part.
pub fn key_parts(key: &[u8]) -> (String, Option<String>) {
    let (dom, local) = split_key(key);
    let dom = String::from_utf8_lossy(dom);
    let mut labels: Vec<&str> = dom.split('.').collect();
    labels.reverse();
    (
        labels.join("."),
        local.map(|l| String::from_utf8_lossy(l).into_owned()),
    )
}

/// How a name entry applies, stored in the low bits of a posting's flags.
///
/// Every form but [`NameForm::Address`] is keyed by a domain `d`, and all of
/// them rank by that key: the entries for a longer `d` decide before those for
/// a shorter one, whatever their forms, and among the entries of one `d` that
/// apply, an exclusion wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameForm {
    /// `example.com`: the domain and every subdomain.
    Domain,
    /// `*.example.com`: strict subdomains only.
    Subdomains,
    /// `user@example.com`: one address.
    Address,
    /// A TLD of a `known_tlds` list.
    KnownTld,
    /// `=example.com`: the domain itself and any address at it, never a
    /// subdomain (an Exim `lsearch` key, an rbldnsd `dnset` name without a
    /// wildcard).
    Exact,
}

impl NameForm {
    pub(crate) fn code(self) -> u8 {
        match self {
            NameForm::Domain => 1,
            NameForm::Subdomains => 2,
            NameForm::Address => 3,
            NameForm::KnownTld => 4,
            NameForm::Exact => 5,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => NameForm::Domain,
            2 => NameForm::Subdomains,
            3 => NameForm::Address,
            4 => NameForm::KnownTld,
            5 => NameForm::Exact,
            _ => return None,
        })
    }

    /// Whether an entry of this form on a key applies to a query that reached the
    /// key. `strict` is true when the query's domain is a strict subdomain of the
    /// key; `at_address` is true when the key is the query's whole address. A
    /// query whose domain is the key (a domain query, or the domain of an
    /// address) has both false.
    pub fn applies(self, strict: bool, at_address: bool) -> bool {
        match self {
            NameForm::Domain => !at_address,
            NameForm::Subdomains => strict,
            NameForm::Address => at_address,
            NameForm::KnownTld => !at_address,
            NameForm::Exact => !strict && !at_address,
        }
    }

    /// Whether an entry of this form may be in a list of `kind`: addresses in
    /// `email` lists only, known TLDs (not excluded) in `known_tlds` lists only,
    /// domain forms in `domain` and `email` lists and as the exclusions of a
    /// `known_tlds` list.
    pub fn suits(self, kind: ListKind, exclude: bool) -> bool {
        match (kind, self) {
            (ListKind::Ip, _) => false,
            (ListKind::Email, NameForm::Address) => true,
            (_, NameForm::Address) => false,
            (ListKind::KnownTlds, NameForm::KnownTld) => !exclude,
            (_, NameForm::KnownTld) => false,
            (ListKind::KnownTlds, _) => exclude,
            (ListKind::Domain | ListKind::Email, _) => true,
        }
    }

    /// The prefix that writes this form in `plain` syntax before a domain:
    /// `*.` for subdomains, `=` for an exact domain, nothing otherwise.
    pub fn prefix(self) -> &'static str {
        match self {
            NameForm::Subdomains => "*.",
            NameForm::Exact => "=",
            NameForm::Domain | NameForm::Address | NameForm::KnownTld => "",
        }
    }
}

/// The entry text, in `plain` syntax without `!` or reason, for a key and form.
pub fn entry_text(key: &[u8], form: NameForm) -> String {
    let (dom, local) = split_key(key);
    let mut out = Vec::with_capacity(key.len() + 2);
    if let Some(local) = local {
        out.extend_from_slice(local);
        out.push(b'@');
    } else {
        out.extend_from_slice(form.prefix().as_bytes());
    }
    for (i, label) in dom.rsplit(|&b| b == b'.').enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        out.extend_from_slice(label);
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_reverse_labels() {
        assert_eq!(domain_key("sub.example.com"), b"com.example.sub");
        assert_eq!(address_key("user", "example.com"), b"com.example@user");
        assert_eq!(
            key_parts(b"com.example@us.er"),
            ("example.com".to_string(), Some("us.er".to_string()))
        );
        assert_eq!(
            entry_text(b"com.example", NameForm::Subdomains),
            "*.example.com"
        );
        assert_eq!(entry_text(b"monster", NameForm::Domain), "monster");
        assert_eq!(entry_text(b"com.163", NameForm::Exact), "=163.com");
    }

    #[test]
    fn exact_applies_to_the_name_and_its_addresses_only() {
        // (strict, at_address): a subdomain, the domain itself, the address.
        let f = NameForm::Exact;
        assert!(f.applies(false, false));
        assert!(!f.applies(true, false));
        assert!(!f.applies(false, true));
        for code in 0..16 {
            if let Some(form) = NameForm::from_code(code) {
                assert_eq!(form.code(), code);
            }
        }
    }
}
