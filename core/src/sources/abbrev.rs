//! Abbreviated IPv4 networks, as rbldnsd `ip4set` data and Postfix access tables
//! write them: `127.0.0` (a /24), `10/8`, `1.2.3.4-9`, `1.2.3-5`.

/// Expands an abbreviated IPv4 network into the full syntax core parses
/// (`a.b.c.d/len` or `a.b.c.d-e.f.g.h`). Returns `None` when `value` is not
/// abbreviated (a full address, CIDR or range, or not IPv4 at all), so that it is
/// parsed as written.
pub(crate) fn expand_v4(value: &str) -> Option<String> {
    if let Some((net, len)) = value.split_once('/') {
        let octets = octets(net)?;
        if octets.len() == 4 || len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let [a, b, c, d] = pad(&octets, 0);
        return Some(format!("{a}.{b}.{c}.{d}/{len}"));
    }
    if let Some((start, end)) = value.split_once('-') {
        let start = octets(start)?;
        let end = octets(end)?;
        if end.len() > start.len() || (start.len() == 4 && end.len() == 4) {
            return None;
        }
        // The end replaces the last octets of the start; missing octets span all.
        let mut full_end = start[..start.len() - end.len()].to_vec();
        full_end.extend_from_slice(&end);
        let [a, b, c, d] = pad(&start, 0);
        let [e, f, g, h] = pad(&full_end, 255);
        return Some(format!("{a}.{b}.{c}.{d}-{e}.{f}.{g}.{h}"));
    }
    let octets = octets(value)?;
    if octets.len() == 4 {
        return None;
    }
    let [a, b, c, d] = pad(&octets, 0);
    Some(format!("{a}.{b}.{c}.{d}/{}", octets.len() * 8))
}

/// One to four dotted decimal octets.
fn octets(text: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse::<u8>().ok()
            }
        })
        .collect()
}

fn pad(octets: &[u8], fill: u8) -> [u8; 4] {
    let mut out = [fill; 4];
    out[..octets.len()].copy_from_slice(octets);
    out
}

#[cfg(test)]
mod tests {
    use super::expand_v4;

    #[test]
    fn abbreviations() {
        assert_eq!(expand_v4("127.0.0").as_deref(), Some("127.0.0.0/24"));
        assert_eq!(expand_v4("10").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(expand_v4("10/8").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(expand_v4("1.2.3.4-9").as_deref(), Some("1.2.3.4-1.2.3.9"));
        assert_eq!(expand_v4("1.2.3-5").as_deref(), Some("1.2.3.0-1.2.5.255"));
        assert_eq!(expand_v4("1.2.3.4-2.9").as_deref(), Some("1.2.3.4-1.2.2.9"));
    }

    #[test]
    fn full_forms_and_non_ipv4_are_left_alone() {
        for v in [
            "1.2.3.4",
            "1.2.3.0/24",
            "1.2.3.4-1.2.3.9",
            "2001:db8::/32",
            "a.b",
            "1.2.3.256",
            "",
        ] {
            assert_eq!(expand_v4(v), None, "{v}");
        }
    }
}
