//! A normalized query value held on the stack: the form every lookup takes.
//!
//! [`Query::parse`] applies the same rules as [`crate::normalize::classify`]
//! (the one place they are written is [`crate::normalize`]) but writes the
//! normalized name into a fixed buffer instead of allocating, so a lookup of
//! an ASCII address, a domain or an IP address allocates nothing. A hit's
//! entry text is a slice of this buffer, which is why a [`crate::HitRef`]
//! borrows the query it answers.

use std::fmt;
use std::net::IpAddr;

use crate::normalize::{self, Invalid, NameBuf, Value, MAX_LOCAL};

/// What a query is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryKind {
    /// An email address.
    Address,
    /// A domain name.
    Domain,
    /// An IP address.
    Ip,
}

/// A normalized value, ready to be looked up.
#[derive(Clone)]
pub struct Query {
    name: NameBuf,
    /// Length of the local part of an address (the `@` follows it).
    local_len: u16,
    kind: QueryKind,
    ip: Option<IpAddr>,
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Query")
            .field(&self.kind)
            .field(&self.text())
            .finish()
    }
}

impl PartialEq for Query {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.ip == other.ip
            && self.name.as_bytes() == other.name.as_bytes()
    }
}

impl Eq for Query {}

impl Query {
    /// Normalizes `text`: trims it, strips one pair of `<...>`, and reads an IP
    /// address (`1.2.3.4`, `[1.2.3.4]`, `[IPv6:...]`, `::ffff:1.2.3.4` as IPv4),
    /// an address (`@` before its last `@`-free part) or a domain (text after a
    /// leading `@` is a domain).
    pub fn parse(text: &str) -> Result<Query, Invalid> {
        let mut q = Query::new();
        q.set(text)?;
        Ok(q)
    }

    /// As [`Query::parse`], for raw bytes: bytes that are not UTF-8 are an
    /// invalid value, like any other malformed value.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Query, Invalid> {
        let mut q = Query::new();
        q.set_bytes(bytes)?;
        Ok(q)
    }

    /// An empty query, to be [`set`](Query::set) (a loop reuses one query
    /// rather than moving a new one around).
    pub fn new() -> Query {
        Query {
            name: NameBuf::new(),
            local_len: 0,
            kind: QueryKind::Domain,
            ip: None,
        }
    }

    /// Normalizes `text` into this query, as [`Query::parse`] does. After an
    /// error the query is empty.
    #[inline]
    pub fn set(&mut self, text: &str) -> Result<(), Invalid> {
        let (value, offset) = normalize::unwrap_value(text);
        self.name.len = 0;
        self.local_len = 0;
        self.kind = QueryKind::Domain;
        self.ip = None;
        let done = self.fill(value).map_err(|e| e.shift(offset));
        if done.is_err() {
            self.name.len = 0;
        }
        done
    }

    /// Makes this the query of a domain name (normalized; never read as an
    /// address or an IP address, as an RHSBL name must not be).
    pub fn set_domain(&mut self, domain: &str) -> Result<(), Invalid> {
        self.name.len = 0;
        self.local_len = 0;
        self.kind = QueryKind::Domain;
        self.ip = None;
        let done = normalize::domain_into(domain, &mut self.name);
        if done.is_err() {
            self.name.len = 0;
        }
        done
    }

    /// Makes this the query of an IP address (IPv4-mapped IPv6 as IPv4).
    pub fn set_ip(&mut self, ip: IpAddr) {
        self.name.len = 0;
        self.local_len = 0;
        self.kind = QueryKind::Ip;
        self.ip = Some(normalize::canonical_ip(ip));
    }

    /// [`Query::set`] for raw bytes, as [`Query::parse_bytes`] reads them.
    #[inline]
    pub fn set_bytes(&mut self, bytes: &[u8]) -> Result<(), Invalid> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.set(text),
            Err(e) => {
                self.name.len = 0;
                Err(Invalid::not_utf8(e.valid_up_to()))
            }
        }
    }

    /// The query for an already normalized value.
    pub fn from_value(value: &Value) -> Query {
        let mut q = Query {
            name: NameBuf::new(),
            local_len: 0,
            kind: QueryKind::Domain,
            ip: None,
        };
        match value {
            Value::Ip(ip) => {
                q.kind = QueryKind::Ip;
                q.ip = Some(*ip);
            }
            Value::Domain(d) => q.push_trusted(d.as_bytes()),
            Value::Address { local, domain } => {
                q.kind = QueryKind::Address;
                q.push_trusted(local.as_bytes());
                q.local_len = q.name.len as u16;
                q.push_trusted(b"@");
                q.push_trusted(domain.as_bytes());
            }
        }
        q
    }

    fn push_trusted(&mut self, bytes: &[u8]) {
        let room = self.name.bytes.len() - self.name.len;
        let n = bytes.len().min(room);
        self.name.bytes[self.name.len..self.name.len + n].copy_from_slice(&bytes[..n]);
        self.name.len += n;
    }

    fn fill(&mut self, value: &str) -> Result<(), Invalid> {
        if value.is_empty() {
            return Err(Invalid::new(0, "empty value"));
        }
        let bytes = value.as_bytes();
        if bytes[0].is_ascii_digit() {
            if let Some(v4) = normalize::parse_ipv4_fast(bytes) {
                self.kind = QueryKind::Ip;
                self.ip = Some(IpAddr::V4(v4));
                return Ok(());
            }
        }
        if let Some(at) = memchr::memrchr(b'@', bytes) {
            if at == 0 {
                return normalize::domain_into(&value[1..], &mut self.name).map_err(|e| e.shift(1));
            }
            let local = &value[..at];
            normalize::local_into(local, &mut self.name)?;
            debug_assert!(self.name.len <= MAX_LOCAL);
            self.local_len = self.name.len as u16;
            self.name.bytes[self.name.len] = b'@';
            self.name.len += 1;
            normalize::domain_into(&value[at + 1..], &mut self.name)
                .map_err(|e| e.shift(at + 1))?;
            self.kind = QueryKind::Address;
            return Ok(());
        }
        if let Some(ip) = normalize::parse_ip(value) {
            self.kind = QueryKind::Ip;
            self.ip = Some(ip);
            return Ok(());
        }
        normalize::domain_into(value, &mut self.name)
    }

    /// What the query is.
    #[inline]
    pub fn kind(&self) -> QueryKind {
        self.kind
    }

    /// The normalized name (`user@example.com`, `example.com`); empty for an IP.
    #[inline]
    pub fn text(&self) -> &str {
        // Normalized names are UTF-8 by construction (local parts are checked
        // text, domains ASCII).
        std::str::from_utf8(self.name.as_bytes()).unwrap_or("")
    }

    /// The normalized name's bytes (no UTF-8 check: the lookup path).
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        self.name.as_bytes()
    }

    /// The domain's bytes of a name query.
    #[inline]
    pub(crate) fn domain_bytes(&self) -> &[u8] {
        match self.kind {
            QueryKind::Address => &self.bytes()[self.local_len as usize + 1..],
            QueryKind::Domain => self.bytes(),
            QueryKind::Ip => &[],
        }
    }

    /// The local part's bytes of an address query.
    #[inline]
    pub(crate) fn local_bytes(&self) -> Option<&[u8]> {
        (self.kind == QueryKind::Address).then(|| &self.bytes()[..self.local_len as usize])
    }

    /// The IP address of an IP query.
    #[inline]
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The domain of a name query (the part after `@` of an address).
    #[inline]
    pub fn domain(&self) -> &str {
        match self.kind {
            QueryKind::Address => &self.text()[self.local_len as usize + 1..],
            QueryKind::Domain => self.text(),
            QueryKind::Ip => "",
        }
    }

    /// The local part of an address query.
    #[inline]
    pub fn local(&self) -> Option<&str> {
        (self.kind == QueryKind::Address).then(|| &self.text()[..self.local_len as usize])
    }

    /// The normalized value, owned.
    pub fn to_value(&self) -> Value {
        match self.kind {
            QueryKind::Ip => Value::Ip(self.ip.expect("an IP query has its address")),
            QueryKind::Domain => Value::Domain(self.text().to_owned()),
            QueryKind::Address => Value::Address {
                local: self.local().unwrap_or_default().to_owned(),
                domain: self.domain().to_owned(),
            },
        }
    }
}

impl Default for Query {
    fn default() -> Self {
        Query::new()
    }
}

impl fmt::Display for Query {
    /// The normalized text of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            Some(ip) => write!(f, "{}", normalize::IpText(ip)),
            None => f.write_str(self.text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_agrees_with_the_owned_form() {
        for text in [
            "USER@Sub.Pop-OS.LocalDomain.",
            " <u@bücher.monster> ",
            "@Example.COM",
            "[IPv6:::ffff:51.68.0.1]",
            "2001:DB8::1",
            "\"John Doe\"@Example.com",
            "51.68.0.1",
        ] {
            let q = Query::parse(text).unwrap();
            assert_eq!(Query::from_value(&q.to_value()), q, "{text}");
            assert_eq!(q.to_string(), q.to_value().to_string(), "{text}");
        }
        let q = Query::parse("X@Example.COM").unwrap();
        assert_eq!(
            (q.kind(), q.local(), q.domain()),
            (QueryKind::Address, Some("x"), "example.com")
        );
    }

    #[test]
    fn longest_values_fit() {
        let local = "l".repeat(64);
        let domain = [&"d".repeat(63)[..]; 4].join(".")[..253].to_string();
        let domain = domain.trim_end_matches('.').to_string() + "x";
        let domain = &domain[domain.len() - 253..];
        let text = format!("{local}@{domain}");
        if let Ok(q) = Query::parse(&text) {
            assert_eq!(q.text(), text);
        }
        assert!(Query::parse(&format!("{local}l@example.com")).is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_invalid() {
        let e = Query::parse_bytes(b"ab\xffc@example.com").unwrap_err();
        assert_eq!(e.offset, 2);
    }
}
