//! List kinds.

use std::fmt;
use std::str::FromStr;

/// What a list holds, which decides what its entries may be and which queries
/// consult it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKind {
    /// Domains (and their subdomains); consulted by domain and address queries.
    Domain,
    /// Addresses and domains; consulted by domain and address queries.
    Email,
    /// IPv4 and IPv6 addresses, CIDR blocks and ranges; consulted by IP queries.
    Ip,
    /// The top-level domains that exist; a name *hits* this list when its TLD is not
    /// in it.
    KnownTlds,
}

impl ListKind {
    /// All kinds, in their on-disk order.
    pub const ALL: [ListKind; 4] = [
        ListKind::Domain,
        ListKind::Email,
        ListKind::Ip,
        ListKind::KnownTlds,
    ];

    /// The name used in manifests and output (`domain`, `email`, `ip`, `known_tlds`).
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Domain => "domain",
            ListKind::Email => "email",
            ListKind::Ip => "ip",
            ListKind::KnownTlds => "known_tlds",
        }
    }

    /// The byte stored in the artifact.
    pub(crate) fn code(self) -> u8 {
        match self {
            ListKind::Domain => 1,
            ListKind::Email => 2,
            ListKind::Ip => 3,
            ListKind::KnownTlds => 4,
        }
    }

    /// The kind for a stored byte.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        ListKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the list holds names (domains, addresses, TLDs) rather than IPs.
    pub fn is_names(self) -> bool {
        self != ListKind::Ip
    }
}

/// Longest list name, in bytes.
pub const MAX_LIST_NAME: usize = 64;

/// Checks the rule for list names: 1 to [`MAX_LIST_NAME`] characters of `a-z`,
/// `0-9`, `_` and `-`. The error states the rule.
pub fn check_list_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= MAX_LIST_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "list name {name:?} must be 1 to {MAX_LIST_NAME} characters of a-z, 0-9, _ and -"
        ))
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ListKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown list kind {s:?} (expected domain, email, ip or known_tlds)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names() {
        for ok in ["a", "tld_bans", "x-1", &"a".repeat(MAX_LIST_NAME)] {
            assert_eq!(check_list_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Bans", "a b", "é", &"a".repeat(MAX_LIST_NAME + 1)] {
            let e = check_list_name(bad).unwrap_err();
            assert!(e.contains("a-z, 0-9, _ and -"), "{e}");
        }
    }
}
