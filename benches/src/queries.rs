//! Query sets with a chosen mix: hits, misses inside listed domains (the walk goes
//! deep before it fails) and misses everywhere.

use ahash::AHashSet;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::generator::Generator;
use crate::ips::{self, IpEntry};

/// The kind of a generated query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryClass {
    /// The value is listed.
    Hit,
    /// Not listed, but its domain carries listed values.
    NearMiss,
    /// Not listed, and nothing near it is.
    FarMiss,
}

impl QueryClass {
    /// A short name for tables and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryClass::Hit => "hit",
            QueryClass::NearMiss => "near-miss",
            QueryClass::FarMiss => "far-miss",
        }
    }
}

/// Shares of each class in a query set; the far misses take the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueryMix {
    /// Share of hits.
    pub hits: f64,
    /// Share of misses in listed domains.
    pub near_misses: f64,
}

impl QueryMix {
    /// Only one class.
    pub fn only(class: QueryClass) -> Self {
        match class {
            QueryClass::Hit => QueryMix {
                hits: 1.0,
                near_misses: 0.0,
            },
            QueryClass::NearMiss => QueryMix {
                hits: 0.0,
                near_misses: 1.0,
            },
            QueryClass::FarMiss => QueryMix {
                hits: 0.0,
                near_misses: 0.0,
            },
        }
    }

    fn pick<R: Rng>(&self, rng: &mut R) -> QueryClass {
        let x: f64 = rng.gen();
        if x < self.hits {
            QueryClass::Hit
        } else if x < self.hits + self.near_misses {
            QueryClass::NearMiss
        } else {
            QueryClass::FarMiss
        }
    }
}

/// The domain part of an address.
fn domain_of(address: &str) -> &str {
    address.rsplit('@').next().unwrap_or(address)
}

/// `n` address queries against an address list (and a domain list consulted
/// alongside it), with the mix's shares. Hits are listed addresses. Near misses
/// are new local parts at a domain of the address list (gmail.com carries most
/// of them, as in real traffic); far misses are at domains no listed address
/// uses. No miss is at a domain the domain list covers. Returns the queries and
/// their classes.
pub fn address_queries(
    g: &mut Generator,
    listed: &[String],
    domain_list: &[String],
    n: usize,
    mix: QueryMix,
) -> Vec<(String, QueryClass)> {
    let set: AHashSet<&str> = listed.iter().map(String::as_str).collect();
    let domains: AHashSet<&str> = listed.iter().map(|a| domain_of(a)).collect();
    let blocked: AHashSet<&str> = domain_list.iter().map(String::as_str).collect();
    let mut out = Vec::with_capacity(n);
    let mut used: AHashSet<String> = AHashSet::new();
    while out.len() < n {
        let class = mix.pick(g.rng());
        let q = match class {
            QueryClass::Hit => listed.choose(g.rng()).expect("a list").clone(),
            QueryClass::NearMiss => {
                let d = domain_of(listed.choose(g.rng()).expect("a list")).to_owned();
                let q = format!("{}@{d}", g.local_part());
                if set.contains(q.as_str()) || covered(&blocked, &d) {
                    continue;
                }
                q
            }
            QueryClass::FarMiss => {
                let d = g.random_domain();
                if domains.contains(d.as_str()) || covered(&blocked, &d) {
                    continue;
                }
                format!("{}@{d}", g.local_part())
            }
        };
        if used.insert(q.clone()) {
            out.push((q, class));
        }
    }
    out
}

/// Whether `domain` or one of its parents is in `set`.
fn covered(set: &AHashSet<&str>, domain: &str) -> bool {
    let mut d = domain;
    loop {
        if set.contains(d) {
            return true;
        }
        match d.find('.') {
            Some(i) => d = &d[i + 1..],
            None => return false,
        }
    }
}

/// `n` domain queries against a domain list: hits are listed domains or their
/// subdomains; near misses are siblings under a listed domain's parent that are
/// not listed; far misses are fresh domains.
pub fn domain_queries(
    g: &mut Generator,
    listed: &[String],
    n: usize,
    mix: QueryMix,
) -> Vec<(String, QueryClass)> {
    let set: AHashSet<&str> = listed.iter().map(String::as_str).collect();
    let mut out = Vec::with_capacity(n);
    let mut used: AHashSet<String> = AHashSet::new();
    while out.len() < n {
        let class = mix.pick(g.rng());
        let q = match class {
            QueryClass::Hit => {
                let d = listed.choose(g.rng()).expect("a list").clone();
                if g.rng().gen_bool(0.3) {
                    format!("www.{d}")
                } else {
                    d
                }
            }
            QueryClass::NearMiss => {
                // Same TLD and shape as a listed domain, one letter changed.
                let d = listed.choose(g.rng()).expect("a list");
                let mut b = d.clone().into_bytes();
                let i = g
                    .rng()
                    .gen_range(0..b.iter().position(|&c| c == b'.').unwrap_or(1));
                b[i] = b'a' + g.rng().gen_range(0..26u8);
                let q = String::from_utf8(b).expect("ascii");
                if covered(&set, &q) {
                    continue;
                }
                q
            }
            QueryClass::FarMiss => {
                let q = g.random_domain();
                if covered(&set, &q) {
                    continue;
                }
                q
            }
        };
        if used.insert(q.clone()) {
            out.push((q, class));
        }
    }
    out
}

/// `n` IP queries of one family: hits are addresses inside listing entries
/// (a few fall into exclusions: callers that need exact classes check them),
/// misses are random routable addresses.
pub fn ip_queries(g: &mut Generator, entries: &[IpEntry], n: usize, hits: f64) -> Vec<String> {
    let v6 = entries.first().is_some_and(|e| e.v6);
    (0..n)
        .map(|_| {
            let addr = if g.rng().gen_bool(hits) {
                ips::address_in(g.rng(), entries)
            } else {
                ips::any_address(g.rng(), v6)
            };
            if v6 {
                ips::v6_text(addr)
            } else {
                ips::v4_text(addr)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_queries_have_the_classes_they_claim() {
        let mut g = Generator::new(5);
        let listed = g.addresses(20_000);
        let blocked = g.domains(2000);
        let bset: AHashSet<&str> = blocked.iter().map(String::as_str).collect();
        let set: AHashSet<&str> = listed.iter().map(String::as_str).collect();
        let doms: AHashSet<&str> = listed.iter().map(|a| domain_of(a)).collect();
        let mix = QueryMix {
            hits: 0.5,
            near_misses: 0.25,
        };
        let q = address_queries(&mut g, &listed, &blocked, 4000, mix);
        assert_eq!(q.len(), 4000);
        let hits = q.iter().filter(|(_, c)| *c == QueryClass::Hit).count();
        assert!((1800..2200).contains(&hits), "{hits} hits");
        for (v, c) in &q {
            assert_eq!(set.contains(v.as_str()), *c == QueryClass::Hit, "{v}");
            assert_eq!(
                doms.contains(domain_of(v)),
                *c != QueryClass::FarMiss,
                "{v}"
            );
            if *c != QueryClass::Hit {
                assert!(!covered(&bset, domain_of(v)), "{v}");
            }
        }
    }

    #[test]
    fn domain_queries_have_the_classes_they_claim() {
        let mut g = Generator::new(6);
        let listed = g.domains(5000);
        let set: AHashSet<&str> = listed.iter().map(String::as_str).collect();
        let q = domain_queries(
            &mut g,
            &listed,
            3000,
            QueryMix {
                hits: 0.4,
                near_misses: 0.3,
            },
        );
        for (v, c) in &q {
            assert_eq!(covered(&set, v), *c == QueryClass::Hit, "{v}");
        }
    }
}
