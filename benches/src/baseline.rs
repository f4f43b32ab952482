//! What operators use today, as the benchmarks' points of comparison. Each answers
//! "is this address or domain listed?" the usual way: probe the address, then the
//! domain, then every parent domain, one lookup each.
//!
//! They do less than [`mxlists_core::Artifact::check`]: no validation, no IDNA,
//! no exclusions or `*.` forms, no reason or entry in the answer. Their cost is a
//! floor for the work, not the same work.

use ahash::AHashSet;

/// Lower-cases `query` (ASCII) into `buf` and strips one `<...>` pair.
fn lowered<'a>(query: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    let q = query.trim();
    let q = q
        .strip_prefix('<')
        .and_then(|q| q.strip_suffix('>'))
        .unwrap_or(q);
    buf.push_str(q);
    buf.make_ascii_lowercase();
    buf
}

/// Calls `probe` on the address (when `q` has an `@`), then on the domain and each
/// parent domain, up to the TLD; stops at the first `true`.
pub fn probe_each(q: &str, mut probe: impl FnMut(&str) -> bool) -> bool {
    let mut domain = q;
    if let Some(at) = q.rfind('@') {
        if probe(q) {
            return true;
        }
        domain = &q[at + 1..];
    }
    loop {
        if probe(domain) {
            return true;
        }
        match domain.find('.') {
            Some(i) => domain = &domain[i + 1..],
            None => return false,
        }
    }
}

/// An in-memory `ahash` `HashSet<String>` of the entries, probed once per level.
pub struct HashSetProbe {
    set: AHashSet<String>,
}

impl HashSetProbe {
    /// A set of `entries` (already lower case).
    pub fn new<I: IntoIterator<Item = String>>(entries: I) -> Self {
        HashSetProbe {
            set: entries.into_iter().collect(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Whether `query` or one of its parent domains is in the set; `buf` is
    /// scratch space reused between calls.
    pub fn check(&self, query: &str, buf: &mut String) -> bool {
        let q = lowered(query, buf);
        probe_each(q, |k| self.set.contains(k))
    }
}

/// An `fst::Set` of the entries (plain text keys), probed with one lookup per
/// level: what one walk over reversed keys saves.
pub struct FstProbe {
    set: fst::Set<Vec<u8>>,
}

impl FstProbe {
    /// A set of `entries` (any order; they are sorted and deduplicated here).
    pub fn new(mut entries: Vec<String>) -> Self {
        entries.sort_unstable();
        entries.dedup();
        FstProbe {
            set: fst::Set::from_iter(entries).expect("sorted, distinct keys"),
        }
    }

    /// Bytes of the FST.
    pub fn bytes(&self) -> usize {
        self.set.as_fst().as_bytes().len()
    }

    /// Whether `query` or one of its parent domains is in the set.
    pub fn check(&self, query: &str, buf: &mut String) -> bool {
        let q = lowered(query, buf);
        probe_each(q, |k| self.set.contains(k))
    }
}

/// Exim's `lsearch` model: the list as text, one line per entry, scanned from the
/// top for every probe.
pub struct LinearScan {
    text: Vec<u8>,
}

impl LinearScan {
    /// The list text (one entry per line).
    pub fn new(text: Vec<u8>) -> Self {
        LinearScan { text }
    }

    fn contains(&self, key: &str) -> bool {
        let key = key.as_bytes();
        self.text.split(|&b| b == b'\n').any(|line| line == key)
    }

    /// Whether `query` or one of its parent domains is a line of the text.
    pub fn check(&self, query: &str, buf: &mut String) -> bool {
        let q = lowered(query, buf);
        probe_each(q, |k| self.contains(k))
    }
}

/// Exim's `iplsearch` model: ranges scanned in file order, the first that covers
/// the address wins.
pub struct IpLinearScan {
    ranges: Vec<(u128, u128, bool)>,
}

impl IpLinearScan {
    /// Ranges `(start, end, exclude)` in file order.
    pub fn new(ranges: Vec<(u128, u128, bool)>) -> Self {
        IpLinearScan { ranges }
    }

    /// Whether the first range covering `ip` is a listing. `ip` is parsed as
    /// text, as `iplsearch` does.
    pub fn check(&self, ip: &str) -> bool {
        let addr = match ip.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) => u32::from(a) as u128,
            Ok(std::net::IpAddr::V6(a)) => u128::from(a),
            Err(_) => return false,
        };
        self.ranges
            .iter()
            .find(|(s, e, _)| *s <= addr && addr <= *e)
            .is_some_and(|(_, _, exclude)| !exclude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_go_from_the_address_to_the_tld() {
        let mut seen = Vec::new();
        assert!(!probe_each("u@a.b.com", |k| {
            seen.push(k.to_owned());
            false
        }));
        assert_eq!(seen, ["u@a.b.com", "a.b.com", "b.com", "com"]);
    }

    #[test]
    fn the_three_baselines_agree_with_each_other() {
        let entries = vec!["x@gmail.com".to_owned(), "bad.example".to_owned()];
        let h = HashSetProbe::new(entries.clone());
        let f = FstProbe::new(entries.clone());
        let l = LinearScan::new(entries.join("\n").into_bytes());
        let mut buf = String::new();
        for (q, want) in [
            ("X@Gmail.com", true),
            ("y@gmail.com", false),
            ("<z@mail.bad.example>", true),
            ("bad.example", true),
            ("example", false),
        ] {
            assert_eq!(h.check(q, &mut buf), want, "{q}");
            assert_eq!(f.check(q, &mut buf), want, "{q}");
            assert_eq!(l.check(q, &mut buf), want, "{q}");
        }
        let ip = IpLinearScan::new(vec![(5, 5, true), (0, 10, false)]);
        assert!(!ip.check("0.0.0.5"));
        assert!(ip.check("0.0.0.6"));
        assert!(!ip.check("0.0.0.11"));
    }
}
