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

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hickory_server::proto::rr::Name;

/// What a zone answers about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneKind {
    /// IP addresses, as reversed octets or nibbles.
    Ip,
    /// Domain names (RHSBL).
    Names,
}

/// What the labels under a zone's apex ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
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
    Name(String),
    /// The test point that is always listed; the text is the address or name.
    TestListed(String),
    /// Not a complete query, but complete queries exist below it.
    NonTerminal,
    /// Nothing can exist at this name (including the never-listed test point).
    Nothing,
}

/// The labels of `name` under the apex `zone` (both as label lists, `name`'s
/// labels in wire order), when `name` is at or below `zone`; case-insensitive.
pub fn labels_under<'n, Z: AsRef<[u8]>>(
    name: &'n [&'n [u8]],
    zone: &[Z],
) -> Option<&'n [&'n [u8]]> {
    let k = zone.len();
    if name.len() < k {
        return None;
    }
    let (under, tail) = name.split_at(name.len() - k);
    tail.iter()
        .zip(zone)
        .all(|(a, b)| a.eq_ignore_ascii_case(b.as_ref()))
        .then_some(under)
}

/// The labels of a name, in wire order.
pub fn labels(name: &Name) -> Vec<&[u8]> {
    name.iter().collect()
}

/// What the labels `under` an apex ask, in a zone of `kind`.
pub fn target(kind: ZoneKind, under: &[&[u8]]) -> Target {
    if under.is_empty() {
        return Target::Apex;
    }
    match kind {
        ZoneKind::Ip => ip_target(under),
        ZoneKind::Names => name_target(under),
    }
}

fn ip_target(under: &[&[u8]]) -> Target {
    let n = under.len();
    let all_nibbles = under.iter().all(|l| nibble(l).is_some());
    let all_octets = under.iter().all(|l| octet(l).is_some());
    if n == 4 && all_octets {
        let mut o = [0u8; 4];
        for (i, l) in under.iter().enumerate() {
            o[3 - i] = octet(l).expect("checked");
        }
        let ip = Ipv4Addr::from(o);
        return test_point(IpAddr::V4(ip)).unwrap_or(Target::Ip {
            ip: IpAddr::V4(ip),
            prefix_too: all_nibbles,
        });
    }
    if n == 32 && all_nibbles {
        let mut v: u128 = 0;
        for l in under.iter().rev() {
            v = (v << 4) | u128::from(nibble(l).expect("checked"));
        }
        let ip = IpAddr::V6(Ipv6Addr::from(v));
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
fn test_point(ip: IpAddr) -> Option<Target> {
    let v4 = match ip {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => v6.to_ipv4_mapped()?,
    };
    if v4 == Ipv4Addr::new(127, 0, 0, 2) {
        Some(Target::TestListed(ip.to_string()))
    } else if v4 == Ipv4Addr::new(127, 0, 0, 1) {
        Some(Target::Nothing)
    } else {
        None
    }
}

fn name_target(under: &[&[u8]]) -> Target {
    // Labels holding dots or anything but printable ASCII cannot be domain
    // names (IDN travels as A-labels).
    if under
        .iter()
        .any(|l| l.is_empty() || l.iter().any(|&b| !b.is_ascii_graphic() || b == b'.'))
    {
        return Target::Nothing;
    }
    let written = under
        .iter()
        .map(|l| std::str::from_utf8(l).expect("ASCII"))
        .collect::<Vec<_>>()
        .join(".");
    if written.eq_ignore_ascii_case("test") {
        Target::TestListed(written)
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

    fn t(kind: ZoneKind, name: &str) -> Target {
        let under: Vec<&[u8]> = if name.is_empty() {
            Vec::new()
        } else {
            name.split('.').map(str::as_bytes).collect()
        };
        target(kind, &under)
    }

    fn nibbles(ip: &str) -> String {
        let v = u128::from(ip.parse::<Ipv6Addr>().unwrap());
        (0..32)
            .map(|i| format!("{:x}", (v >> (i * 4)) & 0xf))
            .collect::<Vec<_>>()
            .join(".")
    }

    #[test]
    fn ipv4_reversed_octets() {
        let ip = |s: &str| IpAddr::V4(s.parse().unwrap());
        assert_eq!(
            t(ZoneKind::Ip, "5.1.68.51"),
            Target::Ip {
                ip: ip("51.68.1.5"),
                prefix_too: false
            }
        );
        assert_eq!(
            t(ZoneKind::Ip, "4.3.2.1"),
            Target::Ip {
                ip: ip("1.2.3.4"),
                prefix_too: true
            }
        );
        assert_eq!(t(ZoneKind::Ip, "68.51"), Target::NonTerminal);
        assert_eq!(t(ZoneKind::Ip, "255"), Target::NonTerminal);
        assert_eq!(t(ZoneKind::Ip, "a.b"), Target::NonTerminal);
        assert_eq!(t(ZoneKind::Ip, "256.1.1.1"), Target::Nothing);
        assert_eq!(t(ZoneKind::Ip, "05.1.1.1"), Target::Nothing);
        assert_eq!(t(ZoneKind::Ip, "1.1.1.1.1"), Target::NonTerminal);
        assert_eq!(t(ZoneKind::Ip, "10.1.1.1.1"), Target::Nothing);
        assert_eq!(t(ZoneKind::Ip, "www"), Target::Nothing);
        assert_eq!(t(ZoneKind::Ip, ""), Target::Apex);
    }

    #[test]
    fn ipv6_reversed_nibbles() {
        let name = nibbles("2001:41d0:303:1::25");
        assert_eq!(
            t(ZoneKind::Ip, &name),
            Target::Ip {
                ip: "2001:41d0:303:1::25".parse().unwrap(),
                prefix_too: false
            }
        );
        assert_eq!(
            t(ZoneKind::Ip, &name.to_uppercase()),
            t(ZoneKind::Ip, &name)
        );
        assert_eq!(t(ZoneKind::Ip, &name[2..]), Target::NonTerminal);
        assert_eq!(t(ZoneKind::Ip, &format!("0.{name}")), Target::Nothing);
    }

    #[test]
    fn test_points() {
        assert_eq!(
            t(ZoneKind::Ip, "2.0.0.127"),
            Target::TestListed("127.0.0.2".into())
        );
        assert_eq!(t(ZoneKind::Ip, "1.0.0.127"), Target::Nothing);
        assert_eq!(
            t(ZoneKind::Ip, &nibbles("::ffff:7f00:2")),
            Target::TestListed("::ffff:127.0.0.2".into())
        );
        assert_eq!(t(ZoneKind::Ip, &nibbles("::ffff:7f00:1")), Target::Nothing);
        assert_eq!(
            t(ZoneKind::Names, "TEST"),
            Target::TestListed("TEST".into())
        );
        assert_eq!(t(ZoneKind::Names, "invalid"), Target::Nothing);
    }

    #[test]
    fn names() {
        assert_eq!(
            t(ZoneKind::Names, "Sub.Example.COM"),
            Target::Name("Sub.Example.COM".into())
        );
        assert_eq!(t(ZoneKind::Names, ""), Target::Apex);
        let odd: Vec<&[u8]> = vec![b"a b", b"com"];
        assert_eq!(target(ZoneKind::Names, &odd), Target::Nothing);
        let dotted: Vec<&[u8]> = vec![b"a.b", b"com"];
        assert_eq!(target(ZoneKind::Names, &dotted), Target::Nothing);
    }

    #[test]
    fn zones_match_case_insensitively() {
        let name: Vec<&[u8]> = vec![b"5", b"BL", b"Example"];
        let zone: Vec<&[u8]> = vec![b"bl", b"example"];
        assert_eq!(labels_under(&name, &zone), Some(&name[..1]));
        let other: Vec<&[u8]> = vec![b"dbl", b"example"];
        assert_eq!(labels_under(&name, &other), None);
        assert_eq!(labels_under(&name[1..], &zone).map(<[_]>::len), Some(0));
    }
}
