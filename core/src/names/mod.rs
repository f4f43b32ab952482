//! Names: the forms a name entry takes, the keys entries are sorted by, and the
//! two hashed tables that answer name lookups.
//!
//! An entry's key has its labels **reversed** (`user@sub.example.com` →
//! `com.example.sub@user`), so that sorting keys groups a domain with its
//! subdomains and addresses (the order of `dump`). The tables themselves hold
//! names as written: the domain table every domain with entries or addresses
//! ([`domains`]), the address table every address, its local part coded
//! ([`code`]) and its domain implied by where it is stored ([`addresses`]).

pub(crate) mod addresses;
pub(crate) mod code;
pub(crate) mod domains;
pub(crate) mod lines;
pub(crate) mod overflow;
pub(crate) mod params;
pub(crate) mod postings;

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

/// Splits a key into its domain (in normal label order) and, for an address key,
/// its local part.
pub fn key_parts(key: &[u8]) -> (String, Option<String>) {
    let (dom, local) = match key.iter().position(|&b| b == b'@') {
        Some(at) => (&key[..at], Some(&key[at + 1..])),
        None => (key, None),
    };
    let dom = String::from_utf8_lossy(dom);
    let mut labels: Vec<&str> = dom.split('.').collect();
    labels.reverse();
    (
        labels.join("."),
        local.map(|l| String::from_utf8_lossy(l).into_owned()),
    )
}

/// How a name entry applies, stored in the low bits of a posting's flags.
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
    /// `=example.com`: the domain itself (and any address at it), never a
    /// subdomain.
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
    /// key; `strict` is true when the query name is a strict subdomain of the key,
    /// `at_address` when the key is the queried address itself.
    pub fn applies(self, strict: bool, at_address: bool) -> bool {
        match self {
            NameForm::Domain => !at_address,
            NameForm::Subdomains => strict,
            NameForm::Address => at_address,
            NameForm::KnownTld => !at_address,
            NameForm::Exact => !strict && !at_address,
        }
    }

    /// What the entry text of this form puts before the domain (`*.`, `=`).
    pub fn prefix(self) -> &'static str {
        match self {
            NameForm::Subdomains => "*.",
            NameForm::Exact => "=",
            _ => "",
        }
    }
}

/// The entry text, in `plain` syntax without `!` or reason, for a key and form.
pub fn entry_text(key: &[u8], form: NameForm) -> String {
    let (dom, local) = match key.iter().position(|&b| b == b'@') {
        Some(at) => (&key[..at], Some(&key[at + 1..])),
        None => (key, None),
    };
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
    }
}
