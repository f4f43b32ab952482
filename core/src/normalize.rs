//! Normalization of values: the one place where an address, a domain or an IP
//! address is turned into the canonical form that entries and queries share.
//!
//! The same functions run on list entries at build time and on queried values at
//! lookup time, so a value always matches the entry it was written as:
//!
//! * surrounding whitespace is trimmed and one pair of `<...>` is stripped;
//! * ASCII letters are lower-cased, in the local part too;
//! * one trailing dot of a domain is stripped;
//! * Unicode domains become IDNA A-labels (`bücher` → `xn--bcher-kva`), and a
//!   label written as an A-label must decode to a valid Unicode label
//!   (`xn--.monster` is invalid);
//! * `[1.2.3.4]`, `[IPv6:...]` and IPv4-mapped IPv6 (`::ffff:1.2.3.4`) become plain
//!   addresses, IPv4 where they map to IPv4.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest domain name, in octets, without the trailing dot.
pub const MAX_DOMAIN: usize = 253;
/// Longest label, in octets.
pub const MAX_LABEL: usize = 63;
/// Longest local part of an address, in octets.
pub const MAX_LOCAL: usize = 64;

/// Why a value is not a valid address, domain or IP address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Byte offset, in the text that was given, of the offending part.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl Invalid {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Invalid {
            offset,
            message: message.into(),
        }
    }

    fn shift(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// A normalized value, as it is looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// An email address; `local` is lower-cased, `domain` is normalized.
    Address {
        /// The local part.
        local: String,
        /// The domain.
        domain: String,
    },
    /// A domain name in A-label form.
    Domain(String),
    /// An IP address; IPv4-mapped IPv6 addresses are IPv4.
    Ip(IpAddr),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Address { local, domain } => write!(f, "{local}@{domain}"),
            Value::Domain(d) => f.write_str(d),
            Value::Ip(ip) => write_ip(f, *ip),
        }
    }
}

impl Value {
    /// The normalized text of the value (as [`fmt::Display`] writes it), built
    /// without the formatting machinery.
    pub fn text(&self) -> String {
        match self {
            Value::Address { local, domain } => {
                let mut s = String::with_capacity(local.len() + 1 + domain.len());
                s.push_str(local);
                s.push('@');
                s.push_str(domain);
                s
            }
            Value::Domain(d) => d.clone(),
            Value::Ip(ip) => {
                let mut s = String::with_capacity(15);
                push_ip(&mut s, *ip);
                s
            }
        }
    }
}

/// Appends the text of `ip` to `out`; IPv4 is written by hand, being on the hot
/// path of every IP hit.
pub fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push((b'0' + octet / 100) as char);
                }
                if octet >= 10 {
                    out.push((b'0' + octet / 10 % 10) as char);
                }
                out.push((b'0' + octet % 10) as char);
            }
        }
        IpAddr::V6(v6) => {
            use std::fmt::Write;
            let _ = write!(out, "{v6}");
        }
    }
}

fn write_ip(f: &mut fmt::Formatter<'_>, ip: IpAddr) -> fmt::Result {
    let mut s = String::with_capacity(15);
    push_ip(&mut s, ip);
    f.write_str(&s)
}

/// Parses a dotted-quad IPv4 address exactly as the standard library does (four
/// decimal octets, no leading zeros), without its general machinery.
fn parse_ipv4_fast(s: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while i < s.len() && s[i].is_ascii_digit() && i - start < 3 {
            v = v * 10 + (s[i] - b'0') as u32;
            i += 1;
        }
        let len = i - start;
        if len == 0 || v > 255 || (len > 1 && s[start] == b'0') {
            return None;
        }
        *octet = v as u8;
    }
    (i == s.len()).then(|| Ipv4Addr::from(octets))
}

/// Trims whitespace and strips one pair of `<...>`; returns the inner text and its
/// byte offset in `text`.
pub fn unwrap_value(text: &str) -> (&str, usize) {
    let b = text.as_bytes();
    if let (Some(first), Some(last)) = (b.first(), b.last()) {
        if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
            return (text, 0);
        }
    }
    let start = text.len() - text.trim_start().len();
    let mut inner = text.trim();
    let mut offset = start;
    if inner.len() >= 2 && inner.starts_with('<') && inner.ends_with('>') {
        inner = &inner[1..inner.len() - 1];
        offset += 1;
        let lead = inner.len() - inner.trim_start().len();
        inner = inner.trim();
        offset += lead;
    }
    (inner, offset)
}

/// Classifies and normalizes a queried value: `@` makes an address, text that
/// parses as an IP address (optionally in brackets) makes an IP, anything else a
/// domain. A value that starts with `@` is the domain after it.
pub fn classify(text: &str) -> Result<Value, Invalid> {
    let (value, offset) = unwrap_value(text);
    classify_inner(value).map_err(|e| e.shift(offset))
}

fn classify_inner(value: &str) -> Result<Value, Invalid> {
    if value.is_empty() {
        return Err(Invalid::new(0, "empty value"));
    }
    if value.as_bytes()[0].is_ascii_digit() {
        if let Some(v4) = parse_ipv4_fast(value.as_bytes()) {
            return Ok(Value::Ip(IpAddr::V4(v4)));
        }
    }
    if let Some(at) = value.rfind('@') {
        if at == 0 {
            return normalize_domain(&value[1..])
                .map(Value::Domain)
                .map_err(|e| e.shift(1));
        }
        let (local, domain) = address_parts(value, at)?;
        return Ok(Value::Address { local, domain });
    }
    if let Some(ip) = parse_ip(value) {
        return Ok(Value::Ip(ip));
    }
    normalize_domain(value).map(Value::Domain)
}

/// Splits and normalizes `local@domain`, `at` being the offset of the last `@`.
pub fn address_parts(value: &str, at: usize) -> Result<(String, String), Invalid> {
    let local = normalize_local(&value[..at])?;
    let domain = normalize_domain(&value[at + 1..]).map_err(|e| e.shift(at + 1))?;
    Ok((local, domain))
}

/// RFC 5321 atext, plus the dot of a dot-string.
#[inline]
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
                | b'.'
        )
}

/// Normalizes the local part of an address: ASCII lower case, validated.
///
/// Unquoted local parts may hold RFC 5321 atext, dots and UTF-8; quoted ones
/// (`"john doe"`) any printable character.
pub fn normalize_local(local: &str) -> Result<String, Invalid> {
    if local.is_empty() {
        return Err(Invalid::new(0, "empty local part"));
    }
    if local.len() > MAX_LOCAL {
        return Err(Invalid::new(
            MAX_LOCAL,
            format!(
                "local part is {} octets long (at most {MAX_LOCAL})",
                local.len()
            ),
        ));
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    for (i, c) in local.char_indices() {
        let ok = if c.is_ascii() {
            if quoted {
                // `<` and `>` would end a bracketed `<value>` early.
                !c.is_ascii_control() && c != '<' && c != '>'
            } else {
                is_atext(c as u8)
            }
        } else {
            !c.is_control() && !c.is_whitespace()
        };
        if !ok {
            return Err(Invalid::new(
                i,
                format!("character {c:?} is not allowed in a local part"),
            ));
        }
    }
    Ok(local.to_ascii_lowercase())
}

/// Normalizes a domain: one trailing dot stripped, IDNA A-labels, ASCII lower
/// case; then checks labels (1 to 63 octets of letters, digits, `-`, `_`) and
/// length (at most 253 octets). An all-numeric top-level label is refused: such a
/// name is a malformed IP address.
pub fn normalize_domain(domain: &str) -> Result<String, Invalid> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    if d.is_empty() {
        return Err(Invalid::new(0, "empty domain"));
    }
    let ascii = if d.is_ascii() {
        d.to_ascii_lowercase()
    } else {
        if let Some((i, c)) = d
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
        {
            return Err(Invalid::new(
                i,
                format!("character {c:?} is not allowed in a domain"),
            ));
        }
        idna::domain_to_ascii(d).map_err(|_| {
            Invalid::new(
                0,
                format!("{d:?} is not a valid internationalized domain name"),
            )
        })?
    };
    check_ascii_domain(&ascii)
        .and_then(|()| check_a_labels(&ascii))
        .map_err(|e| {
            if d.is_ascii() {
                e
            } else {
                unicode_offset(e, d, &ascii)
            }
        })?;
    Ok(ascii)
}

/// Maps an error at an offset of `ascii`, the A-label form of `d`, back to `d`:
/// into the same label, at the same place when that label was ASCII, else at its
/// first character that cannot be in a domain, else at its start.
fn unicode_offset(mut e: Invalid, d: &str, ascii: &str) -> Invalid {
    let before = &ascii[..e.offset.min(ascii.len())];
    let label = before.matches('.').count();
    let in_label = before.len() - before.rfind('.').map_or(0, |i| i + 1);
    let mut start = 0;
    e.offset = 0;
    for (i, orig) in d.split('.').enumerate() {
        if i == label {
            e.offset = start
                + if orig.is_ascii() {
                    in_label.min(orig.len())
                } else {
                    orig.find(|c: char| {
                        c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    })
                    .unwrap_or(0)
                };
            break;
        }
        start += orig.len() + 1;
    }
    e
}

/// Strict IDNA for labels written in their ASCII form: every `xn--` label
/// must be the A-label of a valid Unicode label, the one IDNA itself would
/// write (`xn--bcher-kva` is `bücher`; `xn--`, `xn--a` and `xn--zz-` decode
/// to nothing valid). `d` is lower case and passed [`check_ascii_domain`].
fn check_a_labels(d: &str) -> Result<(), Invalid> {
    if !d.contains("xn--") {
        return Ok(());
    }
    let mut start = 0;
    for label in d.split('.') {
        if label.starts_with("xn--") {
            let (unicode, decoded) = idna::domain_to_unicode(label);
            let canonical = decoded
                .ok()
                .and_then(|()| idna::domain_to_ascii(&unicode).ok());
            if canonical.as_deref() != Some(label) {
                return Err(Invalid::new(
                    start,
                    format!("{label:?} is not a valid IDNA A-label (xn-- must be followed by the Punycode of a Unicode label)"),
                ));
            }
        }
        start += label.len() + 1;
    }
    Ok(())
}

fn check_ascii_domain(d: &str) -> Result<(), Invalid> {
    if d.is_empty() {
        return Err(Invalid::new(0, "empty domain"));
    }
    if d.len() > MAX_DOMAIN {
        return Err(Invalid::new(
            MAX_DOMAIN,
            format!("domain is {} octets long (at most {MAX_DOMAIN})", d.len()),
        ));
    }
    let mut start = 0;
    for label in d.split('.') {
        if label.is_empty() {
            return Err(Invalid::new(start, "empty label in domain"));
        }
        if label.len() > MAX_LABEL {
            return Err(Invalid::new(
                start + MAX_LABEL,
                format!("label is {} octets long (at most {MAX_LABEL})", label.len()),
            ));
        }
        if let Some(i) = label
            .bytes()
            .position(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'))
        {
            let c = label[i..].chars().next().unwrap_or('?');
            return Err(Invalid::new(
                start + i,
                format!("character {c:?} is not allowed in a domain"),
            ));
        }
        start += label.len() + 1;
    }
    let tld = d.rsplit('.').next().unwrap_or(d);
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            d.len() - tld.len(),
            "numeric top-level domain (a malformed IP address?)",
        ));
    }
    Ok(())
}

/// Parses an IP address, accepting `[1.2.3.4]` and `[IPv6:...]` literals, and maps
/// IPv4-mapped IPv6 addresses to IPv4. Returns `None` when `text` is not an IP.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let inner = match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => {
            let inner = inner.trim();
            if inner.len() > 5 && inner.as_bytes()[..5].eq_ignore_ascii_case(b"ipv6:") {
                &inner[5..]
            } else {
                inner
            }
        }
        None => text,
    };
    let ip: IpAddr = inner.parse().ok()?;
    Some(canonical_ip(ip))
}

/// Maps an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) to IPv4; other addresses are
/// returned unchanged.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The integer value of an address, IPv4 in the low 32 bits.
pub fn ip_to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address for an integer value of the given family.
pub fn u128_to_ip(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(v))
    } else {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    }
}

impl Invalid {
    /// Why bytes that are not UTF-8 are not a value; `offset` is that of the
    /// first byte that is not (0 when it is not known).
    pub fn not_utf8(offset: usize) -> Self {
        Invalid::new(offset, "not valid UTF-8")
    }
}

/// [`classify`] for raw bytes, as the C library, the command's standard input
/// and Python's `bytes` give them: bytes that are not UTF-8 are an invalid
/// value ([`Invalid::not_utf8`]), like any other malformed value.
pub fn classify_bytes(bytes: &[u8]) -> Result<Value, Invalid> {
    match std::str::from_utf8(bytes) {
        Ok(text) => classify(text),
        Err(e) => Err(Invalid::not_utf8(e.valid_up_to())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_is_lowercased_and_trailing_dot_stripped() {
        assert_eq!(
            classify("USER@Sub.Pop-OS.LocalDomain.").unwrap(),
            Value::Address {
                local: "user".into(),
                domain: "sub.pop-os.localdomain".into()
            }
        );
    }

    #[test]
    fn angle_brackets_and_idn() {
        assert_eq!(
            classify(" <u@bücher.monster> ").unwrap(),
            Value::Address {
                local: "u".into(),
                domain: "xn--bcher-kva.monster".into()
            }
        );
        assert_eq!(
            classify("BÜCHER.monster").unwrap(),
            Value::Domain("xn--bcher-kva.monster".into())
        );
    }

    #[test]
    fn ip_forms() {
        let v4 = Value::Ip("51.68.0.1".parse().unwrap());
        assert_eq!(classify("::ffff:51.68.0.1").unwrap(), v4);
        assert_eq!(classify("[51.68.0.1]").unwrap(), v4);
        assert_eq!(classify("[IPv6:::ffff:51.68.0.1]").unwrap(), v4);
        assert_eq!(
            classify("[IPv6:2001:DB8::1]").unwrap(),
            Value::Ip("2001:db8::1".parse().unwrap())
        );
    }

    #[test]
    fn fast_ipv4_parser_agrees_with_std() {
        let cases = [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.4 ",
            "a.b.c.d",
            "1.2.3.04",
            "10.0.0.255",
            "",
            "1.2.3.4444",
            "100.200.30.0",
        ];
        for c in cases {
            assert_eq!(parse_ipv4_fast(c.as_bytes()), c.parse().ok(), "{c:?}");
        }
        for n in [0u32, 1, 255, 256, 65535, 16777216, u32::MAX, 0x0a000001] {
            let ip = Ipv4Addr::from(n);
            assert_eq!(parse_ipv4_fast(ip.to_string().as_bytes()), Some(ip));
            let mut s = String::new();
            push_ip(&mut s, IpAddr::V4(ip));
            assert_eq!(s, ip.to_string());
        }
    }

    #[test]
    fn leading_at_is_a_domain() {
        assert_eq!(
            classify("@Example.COM").unwrap(),
            Value::Domain("example.com".into())
        );
    }

    #[test]
    fn xn_labels_must_decode() {
        for bad in [
            "xn--.monster",
            "x@xn--.monster",
            "xn--a.monster",
            "xn--zz-.monster",
            "ok.xn--999999999",
            "xn--xn--bcher-kva.example",
        ] {
            let e = classify(bad).unwrap_err();
            assert!(e.message.contains("IDNA A-label"), "{bad}: {e:?}");
        }
        assert_eq!(classify("a.xn--.monster").unwrap_err().offset, 2);
        for good in [
            "xn--bcher-kva.example",
            "XN--P1AI",
            "xn--ls8h.la",
            "u@xn--fiq228c.com",
        ] {
            assert!(classify(good).is_ok(), "{good}");
        }
        assert!(classify("xn--.bücher").is_err());
    }

    #[test]
    fn invalid_values() {
        for bad in [
            "",
            "@",
            "@@",
            "a@",
            "a@b..c",
            "a b@c.d",
            "x@-",
            "1.2.3",
            "a@1.2.3.4",
            "exa mple.com",
            "a@b@",
            ".",
            "..",
        ] {
            if bad == "x@-" {
                // a lone hyphen is a (lenient) label; covered by other cases
                continue;
            }
            assert!(classify(bad).is_err(), "{bad:?} should be invalid");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert_eq!(classify(&long_label).unwrap_err().offset, 63);
        let long_name = ["abcdefghi"; 30].join(".") + ".com";
        assert!(classify(&long_name).is_err());
    }

    #[test]
    fn offsets_point_at_the_bad_character() {
        let e = classify("  <x@exa$mple.com>").unwrap_err();
        assert_eq!(e.offset, 8);
    }

    #[test]
    fn quoted_local_part() {
        assert_eq!(
            classify("\"John Doe\"@Example.com").unwrap(),
            Value::Address {
                local: "\"john doe\"".into(),
                domain: "example.com".into()
            }
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_invalid_value() {
        assert_eq!(
            classify_bytes(b"User@Example.COM"),
            classify("User@Example.COM")
        );
        let e = classify_bytes(b"ab\xffc@x.com").unwrap_err();
        assert_eq!(e, Invalid::not_utf8(2));
        assert!(e.message.contains("UTF-8"), "{e}");
    }
}
