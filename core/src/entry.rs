//! List entries: the syntax of one entry (`!`, value, reason) for each list kind,
//! and its normalized form.

use std::fmt;
use std::net::IpAddr;

use crate::kind::ListKind;
use crate::names::{self, NameForm};
use crate::normalize::{self, Invalid};

/// What an entry covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A name: a reversed key and how it applies.
    Name {
        /// The reversed key (see [`crate::names`]).
        key: Vec<u8>,
        /// How the entry applies to the key.
        form: NameForm,
    },
    /// An inclusive range of IP addresses of one family.
    Range(IpRange),
}

/// An inclusive range of addresses of one family; IPv4 values use the low 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    /// Whether the range is IPv6.
    pub v6: bool,
    /// First address.
    pub start: u128,
    /// Last address.
    pub end: u128,
}

impl IpRange {
    /// The range covering one address.
    pub fn single(ip: IpAddr) -> Self {
        let v = normalize::ip_to_u128(ip);
        IpRange {
            v6: ip.is_ipv6(),
            start: v,
            end: v,
        }
    }

    /// Number of addresses minus one (the width used for specificity).
    pub fn width(&self) -> u128 {
        self.end - self.start
    }

    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The range in `plain` syntax: an address, a CIDR block, or `first-last`.
    pub fn text(&self) -> String {
        self.to_string()
    }

    /// The prefix length when the range is exactly one CIDR block.
    pub fn prefix_len(&self) -> Option<u32> {
        let size = self.end.wrapping_sub(self.start).wrapping_add(1);
        let host_bits = if size == 0 {
            128
        } else if size.is_power_of_two() {
            size.trailing_zeros()
        } else {
            return None;
        };
        if host_bits > self.bits() {
            return None;
        }
        (self.start & host_mask(host_bits) == 0).then(|| self.bits() - host_bits)
    }
}

/// The mask of the low `host_bits` bits of an address (the host part of a
/// CIDR block whose prefix leaves `host_bits` bits): a block's first address
/// has them clear, its last address has them set.
fn host_mask(host_bits: u32) -> u128 {
    if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    }
}

impl fmt::Display for IpRange {
    /// The range in `plain` syntax, written without allocating.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ip = |v: u128| normalize::IpText(normalize::u128_to_ip(v, self.v6));
        fmt::Display::fmt(&ip(self.start), f)?;
        match self.prefix_len() {
            Some(len) if len == self.bits() => Ok(()),
            Some(len) => {
                let mut buf = [b'/'; 4];
                let n = normalize::put_decimal(len, &mut buf, 1);
                f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
            }
            None => write!(f, "-{}", ip(self.end)),
        }
    }
}

/// One normalized entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    /// What the entry covers.
    pub target: Target,
    /// Whether it is an exclusion (`!`): a whitelist exception.
    pub exclude: bool,
    /// Its own reason, if it has one (the list's default applies otherwise).
    pub reason: Option<String>,
}

impl Entry {
    /// The entry's value in `plain` syntax, without `!` or reason.
    pub fn value_text(&self) -> String {
        match &self.target {
            Target::Name { key, form } => names::entry_text(key, *form),
            Target::Range(r) => r.to_string(),
        }
    }
}

impl fmt::Display for Entry {
    /// The entry in `plain` syntax: `[!]value[ reason]`. A value that would read
    /// back as something else (starting with `!`, `#` or `<`, or holding
    /// whitespace or, for a name, a `:`, as quoted local parts may) is written as
    /// `<value>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exclude {
            f.write_str("!")?;
        }
        let value = self.value_text();
        let is_name = matches!(self.target, Target::Name { .. });
        if value.starts_with(['!', '#', '<'])
            || value.contains(char::is_whitespace)
            || (is_name && value.contains(':'))
        {
            write!(f, "<{value}>")?;
        } else {
            f.write_str(&value)?;
        }
        if let Some(reason) = &self.reason {
            write!(f, " {reason}")?;
        }
        Ok(())
    }
}

/// A problem found in an entry, at a byte offset of the text that was parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryError {
    /// Byte offset in the parsed text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EntryError {}

impl From<Invalid> for EntryError {
    fn from(e: Invalid) -> Self {
        EntryError {
            offset: e.offset,
            message: e.message,
        }
    }
}

/// A parsed entry and the warning its text earned, if any (e.g. a CIDR with host
/// bits set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The normalized entry.
    pub entry: Entry,
    /// A non-fatal remark about the text, at a byte offset.
    pub warning: Option<EntryError>,
}

/// Parses one entry in `plain` syntax: optional `!`, the value, then an optional
/// reason after whitespace (for name lists, `value: reason` is accepted too).
pub fn parse_entry(kind: ListKind, text: &str) -> Result<Parsed, EntryError> {
    let lead = text.len() - text.trim_start().len();
    let rest = &text[lead..];
    let (exclude, rest, mut offset) = match rest.strip_prefix('!') {
        Some(r) => {
            let l = r.len() - r.trim_start().len();
            (true, &r[l..], lead + 1 + l)
        }
        None => (false, rest, lead),
    };
    let (value, reason) = split_reason(kind, rest);
    if value.is_empty() {
        return Err(EntryError {
            offset,
            message: "empty entry".into(),
        });
    }
    // `<value>` keeps its brackets through the split; unwrap_value strips them.
    let (inner, shift) = normalize::unwrap_value(value);
    offset += shift;
    parse_value(kind, inner, exclude, reason.map(str::to_owned))
        .map_err(|mut e| {
            e.offset += offset;
            e
        })
        .map(|mut p| {
            if let Some(w) = &mut p.warning {
                w.offset += offset;
            }
            p
        })
}

fn split_reason(kind: ListKind, text: &str) -> (&str, Option<&str>) {
    // `<value>` may hold whitespace (a quoted local part): it ends at its `>`.
    // A colon right after the `>` (`<key>: reason`) belongs to the value.
    if text.starts_with('<') {
        if let Some(end) = text.find('>') {
            let after = &text[end + 1..];
            let rest = after.strip_prefix(':').unwrap_or(after).trim();
            return (&text[..end + 1], Some(rest).filter(|r| !r.is_empty()));
        }
    }
    let (mut value, mut reason) = match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], Some(text[i..].trim())),
        None => (text, None),
    };
    if kind.is_names() {
        if let Some(i) = value.find(':') {
            if i + 1 < value.len() {
                // `key:reason words` with no space after the colon.
                reason = Some(text[i + 1..].trim());
            }
            value = &value[..i];
        }
    }
    (value, reason.filter(|r| !r.is_empty()))
}

/// Parses an already separated value (no `!`, no reason, brackets stripped).
pub fn parse_value(
    kind: ListKind,
    value: &str,
    exclude: bool,
    reason: Option<String>,
) -> Result<Parsed, EntryError> {
    let (target, warning) = match kind {
        ListKind::Ip => {
            let (range, warning) = parse_range(value)?;
            (Target::Range(range), warning)
        }
        ListKind::Domain | ListKind::Email => (parse_name(kind, value)?, None),
        ListKind::KnownTlds => {
            if exclude {
                (parse_name(ListKind::Domain, value)?, None)
            } else {
                (parse_tld(value)?, None)
            }
        }
    };
    Ok(Parsed {
        entry: Entry {
            target,
            exclude,
            reason,
        },
        warning,
    })
}

fn err(offset: usize, message: impl Into<String>) -> EntryError {
    EntryError {
        offset,
        message: message.into(),
    }
}

/// A name in `plain` syntax: the prefix says the form (`=d` exact, `*.d` and
/// `*@*.d` subdomains, `.d`, `@d` and `*@d` the domain and its subdomains), a
/// value with `@` is an address, anything else a domain and its subdomains.
/// `=` makes an exact entry only before a domain: `=x@example.com` is the
/// address whose local part is `=x`.
fn parse_name(kind: ListKind, value: &str) -> Result<Target, EntryError> {
    let (form, name, skip) = if let Some(d) = value.strip_prefix("*@*.") {
        (NameForm::Subdomains, d, 4)
    } else if let Some(d) = value.strip_prefix("*.") {
        (NameForm::Subdomains, d, 2)
    } else if let Some(d) = value.strip_prefix("*@") {
        (NameForm::Domain, d, 2)
    } else if let Some(d) = value.strip_prefix('@') {
        (NameForm::Domain, d, 1)
    } else if let Some(d) = value.strip_prefix('.') {
        (NameForm::Domain, d, 1)
    } else if let Some(d) = value.strip_prefix('=').filter(|d| !d.contains('@')) {
        (NameForm::Exact, d, 1)
    } else if value.contains('@') {
        if kind != ListKind::Email {
            return Err(err(
                0,
                format!("{value:?} is an address; a {kind} list holds domains (use @domain, or an email list)"),
            ));
        }
        (NameForm::Address, value, 0)
    } else {
        (NameForm::Domain, value, 0)
    };
    name_target(kind, form, name).map_err(|e| err(e.offset + skip, e.message))
}

/// The target of a name written without any prefix, in a form that the
/// syntax around it decided (an Exim key, an rbldnsd name or a Postfix
/// pattern each say in their own way whether a name is exact or covers its
/// subdomains): `name` is an address for [`NameForm::Address`], a TLD for
/// [`NameForm::KnownTld`], a domain otherwise. Offsets are in `name`.
pub fn name_target(kind: ListKind, form: NameForm, name: &str) -> Result<Target, EntryError> {
    match form {
        NameForm::Address => {
            let Some(at) = name.rfind('@') else {
                return Err(err(0, format!("{name:?} is not an address")));
            };
            if kind != ListKind::Email {
                return Err(err(
                    0,
                    format!("{name:?} is an address; a {kind} list holds domains"),
                ));
            }
            let (local, domain) = normalize::address_parts(name, at)?;
            Ok(Target::Name {
                key: names::address_key(&local, &domain),
                form,
            })
        }
        NameForm::KnownTld => parse_tld(name),
        NameForm::Domain | NameForm::Subdomains | NameForm::Exact => {
            if normalize::parse_ip(name).is_some() {
                return Err(err(
                    0,
                    format!("{name:?} is an IP address; IP addresses belong in an ip list"),
                ));
            }
            let d = normalize::normalize_domain(name)?;
            Ok(Target::Name {
                key: names::domain_key(&d),
                form,
            })
        }
    }
}

/// [`name_target`] as a whole entry, for the readers of source formats.
pub fn name_entry(
    kind: ListKind,
    form: NameForm,
    name: &str,
    exclude: bool,
    reason: Option<String>,
) -> Result<Parsed, EntryError> {
    Ok(Parsed {
        entry: Entry {
            target: name_target(kind, form, name)?,
            exclude,
            reason,
        },
        warning: None,
    })
}

fn parse_tld(value: &str) -> Result<Target, EntryError> {
    let (v, skip) = match value.strip_prefix('.') {
        Some(v) => (v, 1),
        None => (value, 0),
    };
    let d = normalize::normalize_domain(v).map_err(|e| err(e.offset + skip, e.message))?;
    if d.contains('.') {
        return Err(err(
            skip,
            format!("{value:?} is not a top-level domain; a known_tlds list holds TLDs (use !name to exempt a domain)"),
        ));
    }
    Ok(Target::Name {
        key: d.into_bytes(),
        form: NameForm::KnownTld,
    })
}

/// Parses `1.2.3.4`, `1.2.3.0/24`, `1.2.3.4-1.2.3.9` or the IPv6 equivalents.
/// IPv4-mapped IPv6 forms become IPv4. A CIDR block with host bits set is
/// normalized to its network, with a warning.
pub fn parse_range(value: &str) -> Result<(IpRange, Option<EntryError>), EntryError> {
    if let Some(slash) = value.find('/') {
        let addr_text = &value[..slash];
        let len_text = &value[slash + 1..];
        let raw: IpAddr = strip_brackets(addr_text)
            .parse()
            .map_err(|_| err(0, format!("{addr_text:?} is not an IP address")))?;
        let len: u32 = len_text
            .parse()
            .map_err(|_| err(slash + 1, format!("{len_text:?} is not a prefix length")))?;
        let (ip, len) = match raw {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() && len >= 96 => {
                (normalize::canonical_ip(raw), len - 96)
            }
            _ => (raw, len),
        };
        let bits = if ip.is_ipv6() { 128 } else { 32 };
        if len > bits {
            return Err(err(
                slash + 1,
                format!("prefix length {len} is longer than {bits}"),
            ));
        }
        let v = normalize::ip_to_u128(ip);
        let mask = host_mask(bits - len);
        let start = v & !mask;
        let range = IpRange {
            v6: ip.is_ipv6(),
            start,
            end: start | mask,
        };
        let warning =
            (start != v).then(|| err(0, format!("{value} has host bits set; using {range}")));
        return Ok((range, warning));
    }
    if let Some(dash) = value.find('-') {
        let a = parse_ip_text(&value[..dash], 0)?;
        let b = parse_ip_text(&value[dash + 1..], dash + 1)?;
        if a.is_ipv6() != b.is_ipv6() {
            return Err(err(dash, "a range cannot mix IPv4 and IPv6"));
        }
        let (s, e) = (normalize::ip_to_u128(a), normalize::ip_to_u128(b));
        if s > e {
            return Err(err(
                dash + 1,
                format!("range end {b} is before its start {a}"),
            ));
        }
        return Ok((
            IpRange {
                v6: a.is_ipv6(),
                start: s,
                end: e,
            },
            None,
        ));
    }
    Ok((IpRange::single(parse_ip_text(value, 0)?), None))
}

fn strip_brackets(s: &str) -> &str {
    s.strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(s)
}

fn parse_ip_text(text: &str, offset: usize) -> Result<IpAddr, EntryError> {
    normalize::parse_ip(text).ok_or_else(|| err(offset, format!("{text:?} is not an IP address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kind: ListKind, s: &str) -> String {
        parse_entry(kind, s).unwrap().entry.to_string()
    }

    #[test]
    fn domain_forms_mean_domain_and_subdomains() {
        for s in [
            "example.com",
            ".example.com",
            "@example.com",
            "*@example.com",
            "Example.COM.",
        ] {
            assert_eq!(text(ListKind::Domain, s), "example.com", "{s}");
        }
        assert_eq!(text(ListKind::Domain, "*.example.com"), "*.example.com");
        assert_eq!(text(ListKind::Domain, ".monster"), "monster");
    }

    #[test]
    fn exact_domains() {
        for kind in [ListKind::Domain, ListKind::Email] {
            let p = parse_entry(kind, "=Example.COM. audited").unwrap().entry;
            assert_eq!(
                p.target,
                Target::Name {
                    key: b"com.example".to_vec(),
                    form: NameForm::Exact
                }
            );
            assert_eq!(p.to_string(), "=example.com audited");
            assert_eq!(text(kind, "!=example.com"), "!=example.com");
            assert_eq!(text(kind, "<=example.com>"), "=example.com");
        }
        // `=` before an address is part of its local part.
        assert_eq!(text(ListKind::Email, "=x@example.com"), "=x@example.com");
        assert!(parse_entry(ListKind::Domain, "=x@example.com").is_err());
        let e = parse_entry(ListKind::Domain, "=*.example.com").unwrap_err();
        assert_eq!(e.offset, 1, "{e}");
        assert!(parse_entry(ListKind::Domain, "=1.2.3.4").is_err());
        assert!(parse_entry(ListKind::Ip, "=1.2.3.4").is_err());
        assert_eq!(text(ListKind::KnownTlds, "!=corp.lan"), "!=corp.lan");
        assert!(parse_entry(ListKind::KnownTlds, "=lan").is_err());
    }

    #[test]
    fn names_in_a_form_chosen_by_the_source() {
        let p = name_entry(ListKind::Domain, NameForm::Exact, "163.COM", false, None).unwrap();
        assert_eq!(p.entry.to_string(), "=163.com");
        let p = name_entry(
            ListKind::Email,
            NameForm::Address,
            "U@163.com",
            true,
            Some("why".into()),
        )
        .unwrap();
        assert_eq!(p.entry.to_string(), "!u@163.com why");
        // No plain-syntax prefix is read: the name is taken as written.
        for name in ["=163.com", ".163.com", "*.163.com", "@163.com"] {
            assert!(
                name_entry(ListKind::Domain, NameForm::Exact, name, false, None).is_err(),
                "{name}"
            );
        }
        assert!(name_entry(
            ListKind::Domain,
            NameForm::Address,
            "u@163.com",
            false,
            None
        )
        .is_err());
        assert!(name_entry(ListKind::Email, NameForm::Address, "163.com", false, None).is_err());
    }

    #[test]
    fn addresses_only_in_email_lists() {
        assert_eq!(
            text(ListKind::Email, "<User@Example.com>"),
            "user@example.com"
        );
        let e = parse_entry(ListKind::Domain, "user@example.com").unwrap_err();
        assert!(e.message.contains("address"), "{e}");
    }

    #[test]
    fn reasons_and_exclusions() {
        let p = parse_entry(ListKind::Domain, "  !good.monster   trusted partner ").unwrap();
        assert!(p.entry.exclude);
        assert_eq!(p.entry.reason.as_deref(), Some("trusted partner"));
        assert_eq!(p.entry.to_string(), "!good.monster trusted partner");
        let p = parse_entry(ListKind::Domain, "bad.example: spam source").unwrap();
        assert_eq!(p.entry.reason.as_deref(), Some("spam source"));
        let p = parse_entry(ListKind::Domain, "bad.example:spam").unwrap();
        assert_eq!(p.entry.value_text(), "bad.example");
        assert_eq!(p.entry.reason.as_deref(), Some("spam"));
    }

    #[test]
    fn values_that_would_read_back_differently_are_bracketed() {
        for (kind, text) in [
            (ListKind::Email, "<!bob@example.com> reason"),
            (ListKind::Email, "!<!bob@example.com>"),
            (ListKind::Email, "<#tag@example.com>"),
            (ListKind::Email, "<\"john doe\"@example.com> a reason"),
            (ListKind::Email, "#@s::x"),
            (ListKind::Email, "<\"a:b\"@example.com>: why"),
            (ListKind::Email, "<x@example.com> :starts with a colon"),
        ] {
            let parsed = parse_entry(kind, text).unwrap().entry;
            let again = parse_entry(kind, &parsed.to_string()).unwrap().entry;
            assert_eq!(parsed, again, "{text}");
        }
        let p = parse_entry(ListKind::Email, "<\"john doe\"@example.com> a reason")
            .unwrap()
            .entry;
        assert_eq!(p.value_text(), "\"john doe\"@example.com");
        assert_eq!(p.reason.as_deref(), Some("a reason"));
    }

    #[test]
    fn ip_forms() {
        assert_eq!(text(ListKind::Ip, "1.2.3.4"), "1.2.3.4");
        assert_eq!(text(ListKind::Ip, "1.2.3.0-1.2.3.255"), "1.2.3.0/24");
        assert_eq!(text(ListKind::Ip, "1.2.3.4-1.2.3.9"), "1.2.3.4-1.2.3.9");
        assert_eq!(text(ListKind::Ip, "::ffff:51.68.0.0/112"), "51.68.0.0/16");
        assert_eq!(text(ListKind::Ip, "2001:DB8::/32"), "2001:db8::/32");
        assert_eq!(text(ListKind::Ip, "0.0.0.0/0"), "0.0.0.0/0");
        assert_eq!(text(ListKind::Ip, "::/0"), "::/0");
        let p = parse_entry(ListKind::Ip, "  51.68.1.7/16").unwrap();
        assert_eq!(p.entry.value_text(), "51.68.0.0/16");
        let w = p.warning.unwrap();
        assert_eq!(w.offset, 2);
        assert!(w.message.contains("host bits"));
    }

    #[test]
    fn errors_carry_offsets() {
        let e = parse_entry(ListKind::Ip, "1.2.3.4/33").unwrap_err();
        assert_eq!(e.offset, 8);
        let e = parse_entry(ListKind::Domain, "  exa$mple.com").unwrap_err();
        assert_eq!(e.offset, 5);
        let e = parse_entry(ListKind::Domain, "1.2.3.4").unwrap_err();
        assert!(e.message.contains("IP address"));
        assert!(parse_entry(ListKind::Ip, "1.2.3.9-1.2.3.4").is_err());
        assert!(parse_entry(ListKind::Ip, "1.2.3.4-::1").is_err());
        assert!(parse_entry(ListKind::KnownTlds, "example.com").is_err());
    }

    #[test]
    fn known_tlds() {
        assert_eq!(text(ListKind::KnownTlds, "XN--P1AI"), "xn--p1ai");
        assert_eq!(text(ListKind::KnownTlds, "!corp.lan"), "!corp.lan");
    }
}
