//! The seeded generator of IP lists: single addresses and CIDR blocks from /8 to
//! /32 (IPv4) or /24 to /128 (IPv6), with exclusions punched inside listed
//! blocks, the way a provider range list with a whitelist of customers looks.

use std::net::{Ipv4Addr, Ipv6Addr};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Share of entries that are exclusions (`!` entries) inside a listed block.
const EXCLUSION_SHARE: f64 = 0.03;

/// One generated IP entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpEntry {
    /// Whether this is an exclusion.
    pub exclude: bool,
    /// Whether this is IPv6.
    pub v6: bool,
    /// First address, as an integer (IPv4 in the low 32 bits).
    pub start: u128,
    /// Prefix length.
    pub prefix: u32,
}

impl IpEntry {
    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// Last address, as an integer.
    pub fn end(&self) -> u128 {
        let host = self.bits() - self.prefix;
        if host == 128 {
            u128::MAX
        } else {
            self.start | ((1u128 << host) - 1)
        }
    }

    /// Whether `addr` (same family) lies in the block.
    pub fn contains(&self, addr: u128) -> bool {
        self.start <= addr && addr <= self.end()
    }

    /// Parses an entry written by [`IpEntry::to_text`].
    pub fn parse(text: &str) -> Result<Self, String> {
        let (exclude, rest) = match text.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (addr, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let ip: std::net::IpAddr = addr.parse().map_err(|e| format!("{text:?}: {e}"))?;
        let (v6, start) = match ip {
            std::net::IpAddr::V4(a) => (false, u32::from(a) as u128),
            std::net::IpAddr::V6(a) => (true, u128::from(a)),
        };
        let bits = if v6 { 128 } else { 32 };
        let prefix = if prefix.is_empty() {
            bits
        } else {
            prefix.parse().map_err(|e| format!("{text:?}: {e}"))?
        };
        if prefix > bits {
            return Err(format!("{text:?}: prefix longer than the address"));
        }
        Ok(IpEntry {
            exclude,
            v6,
            start,
            prefix,
        })
    }

    /// The entry in `plain` list syntax: `[!]addr` or `[!]addr/len`.
    pub fn to_text(&self) -> String {
        let bang = if self.exclude { "!" } else { "" };
        let addr = if self.v6 {
            Ipv6Addr::from(self.start).to_string()
        } else {
            Ipv4Addr::from(self.start as u32).to_string()
        };
        if self.prefix == self.bits() {
            format!("{bang}{addr}")
        } else {
            format!("{bang}{addr}/{}", self.prefix)
        }
    }
}

/// The IPv4 address text of an integer.
pub fn v4_text(addr: u128) -> String {
    Ipv4Addr::from(addr as u32).to_string()
}

/// The IPv6 address text of an integer.
pub fn v6_text(addr: u128) -> String {
    Ipv6Addr::from(addr).to_string()
}

fn mask(addr: u128, prefix: u32, bits: u32) -> u128 {
    let host = bits - prefix;
    if host >= 128 {
        0
    } else {
        addr & !((1u128 << host) - 1)
    }
}

fn v4_prefix(rng: &mut ChaCha8Rng) -> u32 {
    // Mostly hosts and /24s, a few large provider blocks.
    match rng.gen_range(0..100_000) {
        0..=59_999 => 32,
        60_000..=69_999 => rng.gen_range(25..=31),
        70_000..=94_999 => 24,
        95_000..=99_499 => rng.gen_range(17..=23),
        99_500..=99_979 => 16,
        99_980..=99_997 => rng.gen_range(9..=15),
        _ => 8,
    }
}

fn v6_prefix(rng: &mut ChaCha8Rng) -> u32 {
    match rng.gen_range(0..100_000) {
        0..=39_999 => 128,
        40_000..=49_999 => rng.gen_range(65..=127),
        50_000..=79_999 => 64,
        80_000..=94_999 => 48,
        95_000..=99_979 => rng.gen_range(32..=47),
        _ => rng.gen_range(24..=31),
    }
}

fn random_addr(rng: &mut ChaCha8Rng, v6: bool) -> u128 {
    if v6 {
        // Global unicast, 2000::/3.
        (rng.gen::<u128>() >> 3) | (1u128 << 125)
    } else {
        // Skip 0/8, 10/8, 127/8 and 224/3, as real lists do.
        loop {
            let a: u32 = rng.gen();
            let top = a >> 24;
            if top != 0 && top != 10 && top != 127 && top < 224 {
                return a as u128;
            }
        }
    }
}

/// `n` IP entries of one family. About 3% are exclusions, each inside a
/// recently generated listing block at least 4 bits wider than itself.
pub fn ip_entries(rng: &mut ChaCha8Rng, n: usize, v6: bool) -> Vec<IpEntry> {
    let bits = if v6 { 128 } else { 32 };
    let mut out: Vec<IpEntry> = Vec::with_capacity(n);
    let mut wide: Vec<usize> = Vec::new();
    while out.len() < n {
        if !wide.is_empty() && rng.gen_bool(EXCLUSION_SHARE) {
            let outer = out[wide[rng.gen_range(0..wide.len())]].clone();
            let prefix = rng.gen_range(outer.prefix + 4..=bits);
            let addr = outer.start + rng.gen_range(0..=(outer.end() - outer.start));
            out.push(IpEntry {
                exclude: true,
                v6,
                start: mask(addr, prefix, bits),
                prefix,
            });
            continue;
        }
        let prefix = if v6 { v6_prefix(rng) } else { v4_prefix(rng) };
        let start = mask(random_addr(rng, v6), prefix, bits);
        if prefix + 4 <= bits {
            wide.push(out.len());
            if wide.len() > 4096 {
                wide.swap_remove(0);
            }
        }
        out.push(IpEntry {
            exclude: false,
            v6,
            start,
            prefix,
        });
    }
    out
}

/// A random address of the family inside a random listing entry.
pub fn address_in(rng: &mut ChaCha8Rng, entries: &[IpEntry]) -> u128 {
    loop {
        let e = &entries[rng.gen_range(0..entries.len())];
        if !e.exclude {
            return e.start + rng.gen_range(0..=(e.end() - e.start));
        }
    }
}

/// A uniformly random routable address of the family.
pub fn any_address(rng: &mut ChaCha8Rng, v6: bool) -> u128 {
    random_addr(rng, v6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn entries_parse_and_exclusions_sit_inside_listings() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for v6 in [false, true] {
            let e = ip_entries(&mut rng, 20_000, v6);
            assert_eq!(e.len(), 20_000);
            let excl = e.iter().filter(|x| x.exclude).count();
            assert!((300..1000).contains(&excl), "{excl} exclusions");
            for x in &e {
                let text = x.to_text();
                assert_eq!(&IpEntry::parse(&text).unwrap(), x);
                let p = mxlists_core::parse_entry(mxlists_core::ListKind::Ip, &text).unwrap();
                assert_eq!(p.entry.exclude, x.exclude);
                assert!(p.warning.is_none(), "{text} is network-aligned");
                if x.exclude {
                    assert!(e
                        .iter()
                        .any(|o| !o.exclude && o.prefix + 4 <= x.prefix && o.contains(x.start)));
                }
            }
            let singles = e.iter().filter(|x| x.prefix == x.bits()).count();
            assert!(singles > 5000, "{singles} single addresses");
        }
    }
}
