//! The seeded generator of realistic names: StopForumSpam-like addresses,
//! domain lists and TLD bans.
//!
//! Every value comes from a ChaCha8 stream seeded by the caller, so a seed and a
//! size always give the same list, on every machine and with every Rust release
//! (ChaCha8's output is fixed by its specification, unlike `StdRng`'s).

use ahash::AHashSet;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::vocab::{BANNED_TLDS, FAMILY, GIVEN, SYLLABLES, TLDS, UNKNOWN_TLDS, WEBMAIL};

/// Share of addresses at a free webmail provider; the rest go to the long tail.
const WEBMAIL_SHARE: f64 = 0.6;

/// Picks from `(item, weight)` pairs by weight.
fn weighted<'a, R: Rng>(rng: &mut R, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A deterministic source of realistic list values.
///
/// ```
/// use mxlists_benches::Generator;
/// let a = Generator::new(7).addresses(1000);
/// assert_eq!(a, Generator::new(7).addresses(1000));
/// assert_eq!(a.len(), 1000);
/// assert!(a.iter().all(|x| x.contains('@')));
/// ```
pub struct Generator {
    rng: ChaCha8Rng,
    /// The long tail of domains addresses are spread over.
    tail: Vec<String>,
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            tail: Vec::new(),
        }
    }

    /// The underlying random stream, for callers that derive their own values.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    fn syllables(&mut self, min: usize, max: usize) -> String {
        let n = self.rng.gen_range(min..=max);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(SYLLABLES.choose(&mut self.rng).expect("not empty"));
        }
        s
    }

    fn digits(&mut self, min: usize, max: usize) -> String {
        let n = self.rng.gen_range(min..=max);
        (0..n)
            .map(|_| char::from(b'0' + self.rng.gen_range(0..10u8)))
            .collect()
    }

    /// An invented registrable domain of the long tail (`banmixsu24.xyz`,
    /// `mail.torka.co.uk`), with a TLD drawn by weight.
    pub fn random_domain(&mut self) -> String {
        let mut label = self.syllables(2, 4);
        match self.rng.gen_range(0..10) {
            0..=1 => label.push_str(&self.digits(1, 3)),
            2 => {
                label.push('-');
                label.push_str(&self.syllables(1, 2));
            }
            _ => {}
        }
        let tld = weighted(&mut self.rng, TLDS);
        let mut d = format!("{label}.{tld}");
        if self.rng.gen_bool(0.08) {
            let sub = match self.rng.gen_range(0..4) {
                0 => "mail".to_owned(),
                1 => "mx".to_owned(),
                _ => self.syllables(1, 2),
            };
            d = format!("{sub}.{d}");
        }
        d
    }

    /// A local part shaped like real ones: names, dots, underscores, digits.
    pub fn local_part(&mut self) -> String {
        let given = *GIVEN.choose(&mut self.rng).expect("not empty");
        let family = if self.rng.gen_bool(0.7) {
            (*FAMILY.choose(&mut self.rng).expect("not empty")).to_owned()
        } else {
            self.syllables(2, 3)
        };
        match self.rng.gen_range(0..100) {
            0..=24 => format!("{given}.{family}"),
            25..=49 => format!("{given}{family}{}", self.digits(2, 4)),
            50..=54 => format!("{given}_{family}"),
            55..=59 => format!("{}.{family}", &given[..1]),
            60..=69 => format!("{given}{}", self.rng.gen_range(1950..2010)),
            70..=79 => format!("{given}.{family}.{}", self.digits(1, 3)),
            _ => {
                // Throwaway: letters and digits.
                let n = self.rng.gen_range(6..=12);
                (0..n)
                    .map(|_| {
                        let x = self.rng.gen_range(0..36u8);
                        char::from(if x < 26 { b'a' + x } else { b'0' + x - 26 })
                    })
                    .collect()
            }
        }
    }

    /// Makes sure the long tail holds at least `n` domains.
    fn grow_tail(&mut self, n: usize) {
        let mut seen: AHashSet<String> = self.tail.iter().cloned().collect();
        while self.tail.len() < n {
            let d = self.random_domain();
            if seen.insert(d.clone()) {
                self.tail.push(d);
            }
        }
    }

    /// The domain of one address: a webmail provider, or a long-tail domain with a
    /// skewed (power-law) choice so some throwaway domains carry many addresses.
    fn address_domain(&mut self) -> String {
        if self.rng.gen_bool(WEBMAIL_SHARE) {
            weighted(&mut self.rng, WEBMAIL).to_owned()
        } else {
            let u: f64 = self.rng.gen();
            let i = ((u * u * u) * self.tail.len() as f64) as usize;
            self.tail[i.min(self.tail.len() - 1)].clone()
        }
    }

    /// One address (may repeat an earlier one); call [`Generator::addresses`] for
    /// a list.
    pub fn address(&mut self) -> String {
        if self.tail.is_empty() {
            self.grow_tail(1000);
        }
        let local = self.local_part();
        let domain = self.address_domain();
        format!("{local}@{domain}")
    }

    /// `n` distinct StopForumSpam-like addresses, in generation order.
    pub fn addresses(&mut self, n: usize) -> Vec<String> {
        self.grow_tail((n / 20).max(1000));
        let mut seen: AHashSet<String> = AHashSet::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let a = self.address();
            if !seen.contains(&a) {
                seen.insert(a.clone());
                out.push(a);
            }
        }
        out
    }

    /// `n` distinct domains for a domain list (each entry lists the domain and its
    /// subdomains).
    pub fn domains(&mut self, n: usize) -> Vec<String> {
        let mut seen: AHashSet<String> = AHashSet::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let d = self.random_domain();
            if !seen.contains(&d) {
                seen.insert(d.clone());
                out.push(d);
            }
        }
        out
    }

    /// The TLD ban list, as `.tld` entries.
    pub fn tld_bans() -> Vec<String> {
        BANNED_TLDS.iter().map(|t| format!(".{t}")).collect()
    }

    /// The TLDs a `known_tlds` list holds: every TLD the generator can emit (plus
    /// the banned ones), and none of [`UNKNOWN_TLDS`].
    pub fn known_tlds() -> Vec<String> {
        let mut v: Vec<String> = TLDS
            .iter()
            .map(|(t, _)| t.rsplit('.').next().expect("not empty").to_owned())
            .chain(
                WEBMAIL
                    .iter()
                    .map(|(d, _)| d.rsplit('.').next().expect("not empty").to_owned()),
            )
            .chain(BANNED_TLDS.iter().map(|t| (*t).to_owned()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// A TLD that is not in [`Generator::known_tlds`].
    pub fn unknown_tld(&mut self) -> &'static str {
        UNKNOWN_TLDS.choose(&mut self.rng).expect("not empty")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_list_other_seed_other_list() {
        let a = Generator::new(1).addresses(5000);
        assert_eq!(a, Generator::new(1).addresses(5000));
        assert_ne!(a, Generator::new(2).addresses(5000));
        let set: AHashSet<&String> = a.iter().collect();
        assert_eq!(set.len(), a.len(), "addresses are distinct");
    }

    #[test]
    fn addresses_are_valid_and_webmail_carries_the_mass() {
        let a = Generator::new(3).addresses(20_000);
        for x in &a {
            assert!(
                mxlists_core::normalize::classify(x).is_ok(),
                "{x} must be a valid address"
            );
        }
        let gmail = a.iter().filter(|x| x.ends_with("@gmail.com")).count();
        let webmail = a
            .iter()
            .filter(|x| WEBMAIL.iter().any(|(d, _)| x.ends_with(&format!("@{d}"))))
            .count();
        // About 0.6 * 400/1045 of the addresses are at gmail.com.
        assert!((3000..6000).contains(&gmail), "gmail share: {gmail}");
        assert!(
            (10_500..13_500).contains(&webmail),
            "webmail share: {webmail}"
        );
        let domains: AHashSet<&str> = a.iter().map(|x| x.rsplit('@').next().unwrap()).collect();
        assert!(
            domains.len() > 500,
            "a long tail: {} domains",
            domains.len()
        );
    }

    #[test]
    fn domains_are_distinct_valid_and_known_tlds_cover_them() {
        let d = Generator::new(4).domains(10_000);
        let known = Generator::known_tlds();
        let set: AHashSet<&String> = d.iter().collect();
        assert_eq!(set.len(), d.len());
        for x in &d {
            assert!(mxlists_core::normalize::classify(x).is_ok(), "{x}");
            let tld = x.rsplit('.').next().unwrap();
            assert!(known.iter().any(|k| k == tld), "{tld} is known");
        }
        for t in UNKNOWN_TLDS {
            assert!(!known.iter().any(|k| k == t));
        }
    }
}
