//! Allow lists: the one rule that decides a value against lists that list it
//! and lists that allow it (whitelists).
//!
//! A [`Policy`] names, by position in one artifact, the lists that list a
//! value and the lists that *allow* it. [`Artifact::decide`] applies the rule
//! every front shares (`mxlists check --allow`, the DNS zones and the Postfix
//! tables and rules of `mxlists serve`):
//!
//! 1. a hit in an allow list answers "not listed" ([`Decision::Allowed`]);
//! 2. otherwise the first hit among the other lists, in list order, answers
//!    "listed" ([`Decision::Listed`]);
//! 3. otherwise the value is not listed, or not a valid value at all.
//!
//! Each list is decided by its most specific entry as always (exclusions
//! included); the allow rule only combines the lists' verdicts.
//!
//! ```
//! use mxlists_core::{Artifact, Builder, Decision, ListKind, Policy};
//!
//! let mut b = Builder::new();
//! let white = b.add_list("whitelist", ListKind::Ip, Some("our customer")).unwrap();
//! b.add_text(white, "51.68.10.0/28").unwrap();
//! let ovh = b.add_list("ovh", ListKind::Ip, Some("hosting provider")).unwrap();
//! b.add_text(ovh, "51.68.0.0/16").unwrap();
//! let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
//!
//! let policy = Policy::resolve(&art, &["whitelist", "ovh"], &["whitelist"]).unwrap();
//! let Decision::Listed(hit) = art.decide("51.68.1.5", &policy).unwrap() else { panic!() };
//! assert_eq!(hit.list, "ovh");
//! assert!(matches!(art.decide("51.68.10.3", &policy).unwrap(), Decision::Allowed(_)));
//! assert!(!art.decide("51.68.10.3", &policy).unwrap().is_listed());
//! ```

use crate::artifact::Artifact;
use crate::error::Result;
use crate::lookup::{Hit, HitRef, Selection};
use crate::normalize::{Invalid, Value};
use crate::query::Query;

/// The lists that decide a value: those that list it and those that allow it,
/// by position in one artifact (resolve a policy again for another artifact:
/// positions change between builds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    listing: Selection,
    allow: Selection,
    both: Selection,
}

impl Policy {
    /// A policy over `artifact`: `lists` list a value, `allow` allow it. A list
    /// in both only allows. Allow lists are consulted whether or not `lists`
    /// selects them.
    pub fn new(artifact: &Artifact, lists: &Selection, allow: &Selection) -> Self {
        let mut listing = Selection::none();
        let mut allowing = Selection::none();
        let mut both = Selection::none();
        for i in 0..artifact.lists().len() {
            if allow.contains(i) {
                allowing.insert(i);
                both.insert(i);
            } else if lists.contains(i) {
                listing.insert(i);
                both.insert(i);
            }
        }
        Policy {
            listing,
            allow: allowing,
            both,
        }
    }

    /// Resolves list names against `artifact`; an unknown name is an
    /// [`Error::UnknownList`](crate::Error::UnknownList).
    pub fn resolve<S: AsRef<str>>(artifact: &Artifact, lists: &[S], allow: &[S]) -> Result<Self> {
        let lists = artifact.select(lists)?;
        let allow = artifact.select(allow)?;
        Ok(Policy::new(artifact, &lists, &allow))
    }

    /// The lists that list a value (allow lists left out).
    pub fn lists(&self) -> &Selection {
        &self.listing
    }

    /// The lists that allow a value.
    pub fn allow(&self) -> &Selection {
        &self.allow
    }
}

/// A value decided against a [`Policy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Listed: the first hit among the listing lists, in list order.
    Listed(Hit),
    /// An allow list lists the value (its first hit in list order): the value
    /// is not listed, whatever the other lists say.
    Allowed(Hit),
    /// No list lists the value.
    NotListed,
    /// The value is not a valid address, domain or IP address: not listed.
    Invalid(Invalid),
}

impl Decision {
    /// Whether the value is listed.
    pub fn is_listed(&self) -> bool {
        matches!(self, Decision::Listed(_))
    }

    /// The hit that lists the value, when listed.
    pub fn hit(&self) -> Option<&Hit> {
        match self {
            Decision::Listed(h) => Some(h),
            _ => None,
        }
    }
}

/// A query decided against a [`Policy`], borrowing the artifact and the
/// query: the allocation-free form of [`Decision`].
#[derive(Clone, Copy, Debug)]
pub enum DecisionRef<'a> {
    /// Listed: the first hit among the listing lists, in list order.
    Listed(HitRef<'a>),
    /// An allow list lists the value: not listed.
    Allowed(HitRef<'a>),
    /// No list lists the value.
    NotListed,
}

impl Artifact {
    /// Decides `value` (normalized first) against `policy`.
    pub fn decide(&self, value: &str, policy: &Policy) -> Result<Decision> {
        match Query::parse(value) {
            Ok(q) => self.decide_query(&q, policy)?.to_decision(),
            Err(e) => Ok(Decision::Invalid(e)),
        }
    }

    /// Decides an already normalized value against `policy`.
    pub fn decide_value(&self, value: &Value, policy: &Policy) -> Result<Decision> {
        self.decide_query(&Query::from_value(value), policy)?
            .to_decision()
    }

    /// Decides a query against `policy` in one lookup, allocating nothing.
    pub fn decide_query<'a>(
        &'a self,
        query: &'a Query,
        policy: &Policy,
    ) -> Result<DecisionRef<'a>> {
        let [allowed, listed] = self.first_in_each(query, &policy.both, &policy.allow)?;
        Ok(match (allowed, listed) {
            (Some(hit), _) => DecisionRef::Allowed(hit),
            (None, Some(hit)) => DecisionRef::Listed(hit),
            (None, None) => DecisionRef::NotListed,
        })
    }
}

impl DecisionRef<'_> {
    /// The decision with its hit's texts owned.
    pub fn to_decision(&self) -> Result<Decision> {
        Ok(match self {
            DecisionRef::Listed(h) => Decision::Listed(h.to_hit()?),
            DecisionRef::Allowed(h) => Decision::Allowed(h.to_hit()?),
            DecisionRef::NotListed => Decision::NotListed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Builder, ListKind};

    fn artifact() -> Artifact {
        let mut b = Builder::new();
        let bans = b
            .add_list("tld_bans", ListKind::Domain, Some("banned"))
            .unwrap();
        b.add_text(bans, ".monster").unwrap();
        let good = b
            .add_list("good", ListKind::Domain, Some("known good"))
            .unwrap();
        b.add_text(good, "good.monster").unwrap();
        let white = b.add_list("white", ListKind::Ip, None).unwrap();
        b.add_text(white, "51.68.10.0/28").unwrap();
        let ovh = b.add_list("ovh", ListKind::Ip, Some("hosting")).unwrap();
        b.add_text(ovh, "51.68.0.0/16").unwrap();
        Artifact::from_bytes(b.build().unwrap().bytes).unwrap()
    }

    #[test]
    fn allow_lists_win_whatever_their_position() {
        let art = artifact();
        // `good` comes after `tld_bans` in list order and still wins.
        let p = Policy::resolve(&art, &["tld_bans"], &["good"]).unwrap();
        let d = art.decide("U@Good.Monster", &p).unwrap();
        assert!(matches!(&d, Decision::Allowed(h) if h.list == "good"));
        assert!(!d.is_listed());
        let d = art.decide("u@bad.monster", &p).unwrap();
        assert_eq!(d.hit().map(|h| h.entry.as_str()), Some("monster"));
    }

    #[test]
    fn a_list_in_both_only_allows() {
        let art = artifact();
        let p = Policy::resolve(&art, &["white", "ovh"], &["white", "ovh"]).unwrap();
        assert!(matches!(
            art.decide("51.68.1.1", &p).unwrap(),
            Decision::Allowed(_)
        ));
        assert!(p.lists() == &Selection::none());
    }

    #[test]
    fn without_allow_lists_it_is_the_first_hit() {
        let art = artifact();
        let p = Policy::resolve::<&str>(&art, &["ovh", "white"], &[]).unwrap();
        for v in [
            "51.68.10.1",
            "51.68.200.1",
            "9.9.9.9",
            "x@a.monster",
            "a@@b",
        ] {
            let first = art.check_in(v, &art.select(&["ovh", "white"]).unwrap());
            let d = art.decide(v, &p).unwrap();
            assert_eq!(first.unwrap().hit(), d.hit(), "{v}");
        }
        assert!(matches!(
            art.decide("a@@b", &p).unwrap(),
            Decision::Invalid(_)
        ));
    }

    #[test]
    fn unknown_names_are_errors() {
        let art = artifact();
        assert!(Policy::resolve(&art, &["nope"], &[]).is_err());
        assert!(Policy::resolve(&art, &["ovh"], &["nope"]).is_err());
    }
}
