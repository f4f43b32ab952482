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
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        Invalid {
            offset,
            message: message.into(),
        }
    }

    pub(crate) fn shift(mut self, by: usize) -> Self {
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
    write!(f, "{}", IpText(ip))
}

/// Displays an IP address as [`push_ip`] writes it, without allocating.
#[derive(Clone, Copy, Debug)]
pub struct IpText(pub IpAddr);

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => {
                let mut buf = [0u8; 15];
                let n = v4_text(v4, &mut buf);
                // Only ASCII digits and dots were written.
                f.write_str(std::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
            }
            IpAddr::V6(v6) => write!(f, "{v6}"),
        }
    }
}

/// Writes `n` (below 1000) in decimal at `out[at..]`; the position after it.
#[inline]
pub(crate) fn put_decimal(n: u32, out: &mut [u8], mut at: usize) -> usize {
    if n >= 100 {
        out[at] = b'0' + (n / 100) as u8;
        at += 1;
    }
    if n >= 10 {
        out[at] = b'0' + (n / 10 % 10) as u8;
        at += 1;
    }
    out[at] = b'0' + (n % 10) as u8;
    at + 1
}

/// Writes the dotted quad of `v4` into `out`; its length.
#[inline]
fn v4_text(v4: Ipv4Addr, out: &mut [u8; 15]) -> usize {
    let mut at = 0;
    for (i, o) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            out[at] = b'.';
            at += 1;
        }
        at = put_decimal(u32::from(o), out, at);
    }
    at
}

/// Parses a dotted-quad IPv4 address exactly as the standard library does (four
/// decimal octets, no leading zeros), without its general machinery.
pub(crate) fn parse_ipv4_fast(s: &[u8]) -> Option<Ipv4Addr> {
    if s.len() < 7 || s.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let (mut n, mut v, mut digits) = (0usize, 0u32, 0u32);
    let mut first = 0u8;
    for &b in s {
        if b == b'.' {
            if digits == 0 || n == 3 {
                return None;
            }
            octets[n] = v as u8;
            n += 1;
            (v, digits) = (0, 0);
            continue;
        }
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        if digits == 0 {
            first = d;
        } else if first == 0 {
            return None; // a leading zero
        }
        v = v * 10 + u32::from(d);
        digits += 1;
        if v > 255 {
            return None;
        }
    }
    if n != 3 || digits == 0 {
        return None;
    }
    octets[3] = v as u8;
    Some(Ipv4Addr::from(octets))
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
    crate::query::Query::parse(text).map(|q| q.to_value())
}

/// Room for any normalized name: a local part, `@`, and a domain.
pub const NAME_CAP: usize = MAX_LOCAL + 1 + MAX_DOMAIN;

/// A normalized name being written: a fixed buffer on the stack, so that
/// normalizing a query allocates nothing (only IDNA conversion of a Unicode
/// domain does).
#[derive(Clone)]
pub(crate) struct NameBuf {
    pub(crate) bytes: [u8; NAME_CAP],
    pub(crate) len: usize,
}

impl NameBuf {
    pub(crate) const fn new() -> Self {
        NameBuf {
            bytes: [0; NAME_CAP],
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends `b`; the callers' length checks keep it within the buffer.
    #[inline]
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }
}

/// Splits and normalizes `local@domain`, `at` being the offset of the last `@`.
pub fn address_parts(value: &str, at: usize) -> Result<(String, String), Invalid> {
    let local = normalize_local(&value[..at])?;
    let domain = normalize_domain(&value[at + 1..]).map_err(|e| e.shift(at + 1))?;
    Ok((local, domain))
}

/// Each byte of RFC 5321 atext (and the dot of a dot-string), lower-cased; 0
/// for any other byte.
const ATEXT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if is_atext(b as u8) {
            t[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// RFC 5321 atext, plus the dot of a dot-string.
#[inline]
const fn is_atext(b: u8) -> bool {
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
    let mut buf = NameBuf::new();
    local_into(local, &mut buf)?;
    Ok(String::from_utf8(buf.as_bytes().to_vec()).expect("a normalized local part is UTF-8"))
}

/// Normalizes a local part into `out` (see [`normalize_local`]).
pub(crate) fn local_into(local: &str, out: &mut NameBuf) -> Result<(), Invalid> {
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
    let bytes = local.as_bytes();
    let quoted = bytes.len() >= 2 && bytes[0] == b'"' && bytes[bytes.len() - 1] == b'"';
    if !quoted {
        // The common case: atext only, one pass.
        let dst = &mut out.bytes[out.len..out.len + bytes.len()];
        let mut ok = true;
        for (d, &b) in dst.iter_mut().zip(bytes) {
            *d = ATEXT[b as usize];
            ok &= *d != 0;
        }
        if ok {
            out.len += bytes.len();
            return Ok(());
        }
    }
    if bytes.is_ascii() {
        for (i, &b) in bytes.iter().enumerate() {
            let ok = if quoted {
                // `<` and `>` would end a bracketed `<value>` early.
                !b.is_ascii_control() && b != b'<' && b != b'>'
            } else {
                is_atext(b)
            };
            if !ok {
                return Err(bad_local_char(i, b as char));
            }
            out.push(b.to_ascii_lowercase());
        }
        return Ok(());
    }
    for (i, c) in local.char_indices() {
        let ok = if c.is_ascii() {
            if quoted {
                !c.is_ascii_control() && c != '<' && c != '>'
            } else {
                is_atext(c as u8)
            }
        } else {
            !c.is_control() && !c.is_whitespace()
        };
        if !ok {
            return Err(bad_local_char(i, c));
        }
    }
    for &b in bytes {
        out.push(b.to_ascii_lowercase());
    }
    Ok(())
}

#[cold]
fn bad_local_char(at: usize, c: char) -> Invalid {
    Invalid::new(
        at,
        format!("character {c:?} is not allowed in a local part"),
    )
}

/// Normalizes a domain: one trailing dot stripped, IDNA A-labels, ASCII lower
/// case; then checks labels (1 to 63 octets of letters, digits, `-`, `_`) and
/// length (at most 253 octets). An all-numeric top-level label is refused: such a
/// name is a malformed IP address.
pub fn normalize_domain(domain: &str) -> Result<String, Invalid> {
    let mut buf = NameBuf::new();
    domain_into(domain, &mut buf)?;
    Ok(String::from_utf8(buf.as_bytes().to_vec()).expect("a normalized domain is ASCII"))
}

/// Normalizes a domain into `out` (see [`normalize_domain`]).
pub(crate) fn domain_into(domain: &str, out: &mut NameBuf) -> Result<(), Invalid> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    if d.is_empty() {
        return Err(Invalid::new(0, "empty domain"));
    }
    let start = out.len;
    if d.len() <= MAX_DOMAIN && ascii_domain_fast(d.as_bytes(), out) {
        return Ok(());
    }
    if d.is_ascii() {
        if d.len() > MAX_DOMAIN {
            return Err(too_long(d.len()));
        }
        // Something to report or to check closely: the full rules, from the start.
        out.len = start;
        for &b in d.as_bytes() {
            out.push(b.to_ascii_lowercase());
        }
        let ascii = std::str::from_utf8(&out.bytes[start..out.len]).expect("ASCII");
        return check_ascii_domain(ascii).and_then(|()| check_a_labels(ascii));
    }
    if let Some((i, c)) = d
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            i,
            format!("character {c:?} is not allowed in a domain"),
        ));
    }
    let ascii = idna::domain_to_ascii(d).map_err(|_| {
        Invalid::new(
            0,
            format!("{d:?} is not a valid internationalized domain name"),
        )
    })?;
    check_ascii_domain(&ascii)
        .and_then(|()| check_a_labels(&ascii))
        .map_err(|e| unicode_offset(e, d, &ascii))?;
    for &b in ascii.as_bytes() {
        out.push(b);
    }
    Ok(())
}

/// Bytes of a domain name's labels, lower-cased; 0 for any other byte.
const DOMAIN_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = (b as u8).to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_' {
            t[b] = c;
        }
        b += 1;
    }
    t
};

/// The common case of [`domain_into`] in one pass: plain ASCII labels of 1 to
/// 63 bytes, a TLD that is not all digits, no `xn--` label (those are
/// checked by the full rules). Returns `false`, with `out` partly written,
/// when the full rules must decide (and report).
#[inline]
fn ascii_domain_fast(d: &[u8], out: &mut NameBuf) -> bool {
    let dst = &mut out.bytes[out.len..out.len + d.len()];
    let mut label = 0usize;
    let mut numeric = true;
    let mut ok = true;
    let mut xn = false;
    for i in 0..d.len() {
        let b = d[i];
        if b == b'.' {
            ok &= label > 0;
            label = 0;
            numeric = true;
            dst[i] = b'.';
            continue;
        }
        let c = DOMAIN_BYTES[b as usize];
        ok &= c != 0;
        dst[i] = c;
        label += 1;
        ok &= label <= MAX_LABEL;
        // An `xn--` label is checked by the full rules.
        xn |= label == 4 && c == b'-' && dst[i - 3..i] == *b"xn-";
        numeric &= c.is_ascii_digit();
    }
    ok &= label > 0 && !numeric && !xn;
    if ok {
        out.len += d.len();
    }
    ok
}

#[cold]
fn too_long(len: usize) -> Invalid {
    Invalid::new(
        MAX_DOMAIN,
        format!("domain is {len} octets long (at most {MAX_DOMAIN})"),
    )
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
        return Err(too_long(d.len()));
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
    // The common IPv6 forms are read by hand; anything else (and every
    // IPv4 form) by the standard library, so the accepted texts are its own.
    let ip = match parse_ipv6_fast(inner.as_bytes()) {
        Some(v6) => IpAddr::V6(v6),
        None => inner.parse().ok()?,
    };
    Some(canonical_ip(ip))
}

/// The value of each hex digit; 0xff for any other byte.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => 0xff,
        };
        b += 1;
    }
    t
};

/// Parses an IPv6 address of hex groups (1 to 4 digits, at most one `::`)
/// exactly as the standard library does, without its general machinery;
/// `None` for anything else, including an embedded IPv4 part, which the
/// standard library reads.
pub(crate) fn parse_ipv6_fast(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() < 2 || s.len() > 39 {
        return None;
    }
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut nh, mut nt) = (0usize, 0usize);
    let mut gap = false;
    let mut i = 0usize;
    if s[0] == b':' {
        if s[1] != b':' {
            return None;
        }
        gap = true;
        i = 2;
        if i == s.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        let start = i;
        let mut v: u32 = 0;
        while let Some(&b) = s.get(i) {
            let d = HEX[b as usize];
            if d > 15 {
                break;
            }
            v = v << 4 | u32::from(d);
            i += 1;
        }
        if i == start || i - start > 4 {
            return None;
        }
        if gap {
            if nt == 7 {
                return None;
            }
            tail[nt] = v as u16;
            nt += 1;
        } else {
            if nh == 8 {
                return None;
            }
            head[nh] = v as u16;
            nh += 1;
        }
        if i == s.len() {
            break;
        }
        if s[i] != b':' {
            return None;
        }
        i += 1;
        if i < s.len() && s[i] == b':' {
            if gap {
                return None;
            }
            gap = true;
            i += 1;
            if i == s.len() {
                break;
            }
        } else if i == s.len() {
            return None;
        }
    }
    let mut groups = [0u16; 8];
    if gap {
        if nh + nt > 7 {
            return None;
        }
        groups[..nh].copy_from_slice(&head[..nh]);
        groups[8 - nt..].copy_from_slice(&tail[..nt]);
    } else {
        if nh != 8 {
            return None;
        }
        groups = head;
    }
    Some(Ipv6Addr::from(groups))
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
    crate::query::Query::parse_bytes(bytes).map(|q| q.to_value())
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

    proptest::proptest! {
        #[test]
        fn fast_ipv6_parser_agrees_with_std(
            groups in proptest::collection::vec(0u16..=0xffff, 8),
            cut in 0usize..9,
            len in 0usize..9,
            junk in "[0-9a-fA-F:.g]{0,41}",
            upper in proptest::bool::ANY,
        ) {
            // Addresses as std writes them, with zero runs compressed anywhere.
            let mut g = groups.clone();
            for x in g.iter_mut().skip(cut).take(len) {
                *x = 0;
            }
            let ip = Ipv6Addr::from(<[u16; 8]>::try_from(g).unwrap());
            let mut text = ip.to_string();
            if upper {
                text = text.to_uppercase();
            }
            for t in [text.as_str(), junk.as_str()] {
                if let Some(fast) = parse_ipv6_fast(t.as_bytes()) {
                    proptest::prop_assert_eq!(Some(fast), t.parse::<Ipv6Addr>().ok(), "{}", t);
                }
            }
            proptest::prop_assert_eq!(parse_ip(&text), Some(canonical_ip(IpAddr::V6(ip))));
            let expanded: Vec<String> = ip.segments().iter().map(|s| format!("{s:x}")).collect();
            let expanded = expanded.join(":");
            proptest::prop_assert_eq!(parse_ipv6_fast(expanded.as_bytes()), Some(ip));
        }
    }

    proptest::proptest! {
        #[test]
        fn ipv4_text_is_what_std_writes(n in proptest::num::u32::ANY) {
            let ip = Ipv4Addr::from(n);
            proptest::prop_assert_eq!(IpText(IpAddr::V4(ip)).to_string(), ip.to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_ipv4_parser_agrees_with_std_on_any_text(
            text in "[0-9.]{0,18}",
            n in proptest::num::u32::ANY,
        ) {
            proptest::prop_assert_eq!(parse_ipv4_fast(text.as_bytes()), text.parse().ok(), "{}", text);
            let ip = Ipv4Addr::from(n).to_string();
            proptest::prop_assert_eq!(parse_ipv4_fast(ip.as_bytes()), Some(Ipv4Addr::from(n)));
        }
    }

    #[test]
    fn fast_ipv6_parser_edge_cases() {
        for t in [
            "::",
            "::1",
            "1::",
            "1::2",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            ":::",
            "1:::2",
            "1::2::3",
            ":1::2",
            "1::2:",
            "1:2:3:4:5:6:7:8:9",
            "12345::",
            "1:2:3:4:5:6:7",
            "::ffff:1.2.3.4",
            "g::1",
            "",
            ":",
            "1",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4::5:6:7:8",
            "0:0:0:0:0:0:0:0",
            "fFfF::",
        ] {
            if let Some(fast) = parse_ipv6_fast(t.as_bytes()) {
                assert_eq!(Some(fast), t.parse::<Ipv6Addr>().ok(), "{t:?}");
            }
            assert_eq!(
                parse_ip(t).map(|ip| ip.to_string()),
                t.parse::<IpAddr>()
                    .ok()
                    .map(|ip| canonical_ip(ip).to_string()),
                "{t:?}"
            );
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
