//! Query names to lookups: which zone a name falls in, and what the labels
//! under the zone's apex ask (RFC 5782).
//!
//! In an IP zone, `5.1.68.51.bl.example` asks about 51.68.1.5 (reversed
//! octets) and 32 reversed nibbles ask about an IPv6 address. A shorter name
//! made of octets or nibbles (`68.51.bl.example`) is an empty non-terminal:
//! complete queries exist below it. In a name zone (RHSBL),
//! `sub.example.com.dbl.example` asks about `sub.example.com`.
//!
//! The RFC 5782 test points are answered here, whatever the lists say:
//! 127.0.0.2 and `::FFFF:7F00:2` (`test` in a name zone) are always listed,
//! 127.0.0.1 and `::FFFF:7F00:1` (`invalid`) never.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a zone answers about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneKind {
    /// IP addresses, as reversed octets or nibbles.
    Ip,
    /// Domain names (RHSBL).
    Names,
}

/// What the labels under a zone's apex ask. A name is borrowed from the
/// buffer [`target`] wrote it into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'b> {
    /// The apex itself: SOA and NS.
    Apex,
    /// An IP address. `prefix_too`: the name is also an empty non-terminal of
    /// the IPv6 tree (four one-digit octets such as `1.2.3.4`), so a "not
    /// listed" answer is NOERROR without data rather than NXDOMAIN.
    Ip {
        /// The address asked about.
        ip: IpAddr,
        /// Whether the name also lies on the path to IPv6 names.
        prefix_too: bool,
    },
    /// A domain name, as the client wrote it.
    Name(&'b str),
    /// The test point that is always listed.
    TestListed(Asked<'b>),
    /// Not a complete query, but complete queries exist below it.
    NonTerminal,
    /// Nothing can exist at this name (including the never-listed test point).
    Nothing,
}

/// The address or name a query asks about, as the client wrote it (`$` in
/// templates); formatted only when written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked<'b> {
    /// An address.
    Ip(IpAddr),
    /// A name.
    Name(&'b str),
}

impl fmt::Display for Asked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Asked::Ip(ip) => ip.fmt(f),
            Asked::Name(n) => f.write_str(n),
        }
    }
}

/// How many labels of a name lie under the apex `zone`, when the name is at
/// or below it; case-insensitive. `name` gives the name's labels in wire
/// order (`Name::iter`), `zone` the apex's.
pub fn labels_under<'n, I, Z>(name: I, zone: &[Z]) -> Option<usize>
where
    I: DoubleEndedIterator<Item = &'n [u8]> + ExactSizeIterator,
    Z: AsRef<[u8]>,
{
    let n = name.len();
    let under = n.checked_sub(zone.len())?;
    name.rev()
        .zip(zone.iter().rev())
        .all(|(a, b)| a.eq_ignore_ascii_case(b.as_ref()))
        .then_some(under)
}

/// What the labels `under` an apex (in wire order) ask, in a zone of `kind`.
/// A name zone writes the name into `buf`, which the answer borrows.
pub fn target<'n, 'b>(
    kind: ZoneKind,
    under: impl ExactSizeIterator<Item = &'n [u8]>,
    buf: &'b mut String,
) -> Target<'b> {
    if under.len() == 0 {
        return Target::Apex;
    }
    match kind {
        ZoneKind::Ip => ip_target(under),
        ZoneKind::Names => name_target(under, buf),
    }
}

fn ip_target<'n>(under: impl ExactSizeIterator<Item = &'n [u8]>) -> Target<'static> {
    let n = under.len();
    if n > 32 {
        return Target::Nothing;
    }
    let (mut octets, mut all_octets) = ([0u8; 4], true);
    let (mut nibbles, mut all_nibbles) = (0u128, true);
    for (i, label) in under.enumerate() {
        match octet(label) {
            Some(o) if i < 4 => octets[3 - i] = o,
            Some(_) => {}
            None => all_octets = false,
        }
        match nibble(label) {
            Some(d) => nibbles |= u128::from(d) << (4 * i),
            None => all_nibbles = false,
        }
        if !all_octets && !all_nibbles {
            return Target::Nothing;
        }
    }
    if n == 4 && all_octets {
        let ip = IpAddr::V4(Ipv4Addr::from(octets));
        return test_point(ip).unwrap_or(Target::Ip {
            ip,
            prefix_too: all_nibbles,
        });
    }
    if n == 32 && all_nibbles {
        let ip = IpAddr::V6(Ipv6Addr::from(nibbles));
        return test_point(ip).unwrap_or(Target::Ip {
            ip,
            prefix_too: false,
        });
    }
    if (n < 4 && all_octets) || (n < 32 && all_nibbles) {
        return Target::NonTerminal;
    }
    Target::Nothing
}

/// The RFC 5782 test points, in either family.
fn test_point(ip: IpAddr) -> Option<Target<'static>> {
    let v4 = match ip {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => v6.to_ipv4_mapped()?,
    };
    if v4 == Ipv4Addr::new(127, 0, 0, 2) {
        Some(Target::TestListed(Asked::Ip(ip)))
    } else if v4 == Ipv4Addr::new(127, 0, 0, 1) {
        Some(Target::Nothing)
    } else {
        None
    }
}

fn name_target<'n, 'b>(
    under: impl ExactSizeIterator<Item = &'n [u8]>,
    buf: &'b mut String,
) -> Target<'b> {
    buf.clear();
    for (i, label) in under.enumerate() {
        // Labels holding dots or anything but printable ASCII cannot be
        // domain names (IDN travels as A-labels).
        let Some(text) = std::str::from_utf8(label)
            .ok()
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_graphic() && b != b'.'))
        else {
            return Target::Nothing;
        };
        if i > 0 {
            buf.push('.');
        }
        buf.push_str(text);
    }
    let written: &'b String = buf;
    if written.eq_ignore_ascii_case("test") {
        Target::TestListed(Asked::Name(written))
    } else if written.eq_ignore_ascii_case("invalid") {
        Target::Nothing
    } else {
        Target::Name(written)
    }
}

/// A decimal octet without leading zeros.
fn octet(label: &[u8]) -> Option<u8> {
    if label.is_empty() || label.len() > 3 || (label.len() > 1 && label[0] == b'0') {
        return None;
    }
    let mut v: u16 = 0;
    for &b in label {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u16::from(b - b'0');
    }
    u8::try_from(v).ok()
}

/// One hexadecimal digit.
fn nibble(label: &[u8]) -> Option<u8> {
    match label {
        [b] => (*b as char).to_digit(16).map(|d| d as u8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: ZoneKind, name: &str) -> String {
        let under: Vec<&[u8]> = if name.is_empty() {
            Vec::new()
        } else {
            name.split('.').map(str::as_bytes).collect()
        };
        format!("{:?}", target(kind, under.into_iter(), &mut String::new()))
    }

    fn ip_target(ip: &str, prefix_too: bool) -> String {
        format!(
            "{:?}",
            Target::Ip {
                ip: ip.parse().unwrap(),
                prefix_too
            }
        )
    }

    fn nibbles(ip: &str) -> String {
        let v = u128::from(ip.parse::<Ipv6Addr>().unwrap());
        (0..32)
            .map(|i| format!("{:x}", (v >> (i * 4)) & 0xf))
            .collect::<Vec<_>>()
            .join(".")
    }

    const NT: &str = "NonTerminal";
    const NOTHING: &str = "Nothing";

    #[test]
    fn ipv4_reversed_octets() {
        assert_eq!(t(ZoneKind::Ip, "5.1.68.51"), ip_target("51.68.1.5", false));
        assert_eq!(t(ZoneKind::Ip, "4.3.2.1"), ip_target("1.2.3.4", true));
        assert_eq!(t(ZoneKind::Ip, "68.51"), NT);
        assert_eq!(t(ZoneKind::Ip, "255"), NT);
        assert_eq!(t(ZoneKind::Ip, "a.b"), NT);
        assert_eq!(t(ZoneKind::Ip, "256.1.1.1"), NOTHING);
        assert_eq!(t(ZoneKind::Ip, "05.1.1.1"), NOTHING);
        assert_eq!(t(ZoneKind::Ip, "1.1.1.1.1"), NT);
        assert_eq!(t(ZoneKind::Ip, "10.1.1.1.1"), NOTHING);
        assert_eq!(t(ZoneKind::Ip, "www"), NOTHING);
        assert_eq!(t(ZoneKind::Ip, ""), "Apex");
    }

    #[test]
    fn ipv6_reversed_nibbles() {
        let name = nibbles("2001:41d0:303:1::25");
        assert_eq!(
            t(ZoneKind::Ip, &name),
            ip_target("2001:41d0:303:1::25", false)
        );
        assert_eq!(
            t(ZoneKind::Ip, &name.to_uppercase()),
            t(ZoneKind::Ip, &name)
        );
        assert_eq!(t(ZoneKind::Ip, &name[2..]), NT);
        assert_eq!(t(ZoneKind::Ip, &format!("0.{name}")), NOTHING);
    }

    #[test]
    fn test_points() {
        let listed = |a: Asked<'_>| format!("{:?}", Target::TestListed(a));
        assert_eq!(
            t(ZoneKind::Ip, "2.0.0.127"),
            listed(Asked::Ip("127.0.0.2".parse().unwrap()))
        );
        assert_eq!(t(ZoneKind::Ip, "1.0.0.127"), NOTHING);
        assert_eq!(
            t(ZoneKind::Ip, &nibbles("::ffff:7f00:2")),
            listed(Asked::Ip("::ffff:127.0.0.2".parse().unwrap()))
        );
        assert_eq!(
            Asked::Ip("::ffff:7f00:2".parse().unwrap()).to_string(),
            "::ffff:127.0.0.2"
        );
        assert_eq!(t(ZoneKind::Ip, &nibbles("::ffff:7f00:1")), NOTHING);
        assert_eq!(t(ZoneKind::Names, "TEST"), listed(Asked::Name("TEST")));
        assert_eq!(t(ZoneKind::Names, "invalid"), NOTHING);
    }

    #[test]
    fn names() {
        assert_eq!(
            t(ZoneKind::Names, "Sub.Example.COM"),
            format!("{:?}", Target::Name("Sub.Example.COM"))
        );
        assert_eq!(t(ZoneKind::Names, ""), "Apex");
        let mut buf = String::new();
        let odd: Vec<&[u8]> = vec![b"a b", b"com"];
        assert_eq!(
            target(ZoneKind::Names, odd.into_iter(), &mut buf),
            Target::Nothing
        );
        let dotted: Vec<&[u8]> = vec![b"a.b", b"com"];
        assert_eq!(
            target(ZoneKind::Names, dotted.into_iter(), &mut buf),
            Target::Nothing
        );
    }

    #[test]
    fn zones_match_case_insensitively() {
        let name: Vec<&[u8]> = vec![b"5", b"BL", b"Example"];
        let zone: Vec<&[u8]> = vec![b"bl", b"example"];
        assert_eq!(labels_under(name.iter().copied(), &zone), Some(1));
        let other: Vec<&[u8]> = vec![b"dbl", b"example"];
        assert_eq!(labels_under(name.iter().copied(), &other), None);
        assert_eq!(labels_under(name[1..].iter().copied(), &zone), Some(0));
        assert_eq!(labels_under(name[2..].iter().copied(), &zone), None);
    }
}
