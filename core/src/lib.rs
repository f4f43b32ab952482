//! mxlists compiles mail policy lists (banned TLDs, invalid recipients, the
//! StopForumSpam blocklist, audited invalid domains, provider IP ranges with
//! whitelists) into one immutable, memory-mapped artifact, and answers "is this
//! address, domain or IP on one of our lists?" in time independent of list size.
//!
//! Data flows one way. Entries are parsed ([`entry`]) and normalized
//! ([`normalize`]); the [`Builder`] resolves duplicates, exclusions and
//! specificity and lays out the [`Artifact`]; a query takes the same road back:
//! normalize ([`Query`]), one probe per level of the hashed name tables
//! ([`names`]), or one search of an IP table.
//!
//! ```
//! use mxlists_core::{Artifact, Builder, ListKind, Outcome};
//!
//! let mut b = Builder::new();
//! let bans = b.add_list("tld_bans", ListKind::Domain, Some("mail from this TLD is not accepted here")).unwrap();
//! b.add_text(bans, ".monster").unwrap();
//! b.add_text(bans, "!good.monster").unwrap();
//! let ovh = b.add_list("ovh", ListKind::Ip, None).unwrap();
//! b.add_text(ovh, "51.68.0.0/16").unwrap();
//! b.add_text(ovh, "!51.68.10.0/28 our customer").unwrap();
//! let tlds = b.add_list("tlds", ListKind::KnownTlds, None).unwrap();
//! for t in ["com", "net", "monster"] {
//!     b.add_text(tlds, t).unwrap();
//! }
//! let art = Artifact::from_bytes(b.build().unwrap().bytes).unwrap();
//!
//! let Outcome::Listed(hit) = art.check("<X@Bad.Monster>").unwrap() else { panic!() };
//! assert_eq!((hit.list.as_str(), hit.entry.as_str()), ("tld_bans", "monster"));
//! assert!(!art.check("x@good.monster").unwrap().is_listed());
//! assert!(art.check("::ffff:51.68.0.1").unwrap().is_listed());
//! assert!(!art.check("51.68.10.3").unwrap().is_listed());
//! let Outcome::Listed(hit) = art.check("root@pop-os.localdomain").unwrap() else { panic!() };
//! assert_eq!((hit.list.as_str(), hit.entry.as_str()), ("tlds", "localdomain"));
//! assert!(matches!(art.check("a@@b").unwrap(), Outcome::Invalid(_)));
//! ```
#![deny(unsafe_code)]
// Each record's writer lives beside its reader; without the build side the
// writers are unused.
#![cfg_attr(not(feature = "build"), allow(dead_code))]

pub mod artifact;
#[cfg(feature = "build")]
mod build;
#[cfg(feature = "build")]
mod diff;
mod dump;
pub mod entry;
mod error;
mod input;
mod ip;
mod kind;
mod lookup;
pub mod names;
pub mod normalize;
mod policy;
mod query;
mod reload;
pub mod select;
#[cfg(feature = "build")]
pub mod sources;
mod verify;

#[cfg(feature = "build")]
pub use artifact::{write_atomic, write_atomic_with, WriteOptions};
pub use artifact::{Artifact, ListInfo, Verify, AUTO_VERIFY_LIMIT, MAX_LISTS};
#[cfg(feature = "build")]
pub use build::{Builder, Built, ListId, ListStats};
#[cfg(feature = "build")]
pub use diff::{diff, Comparison, ListDiff, ListStatus};
pub use entry::{parse_entry, Entry, EntryError, IpRange, Target};
pub use error::{shorten, Error, Location, Quoted, Result};
pub use kind::{check_list_name, ListKind, MAX_LIST_NAME};
pub use lookup::{AllOutcome, EntryText, Hit, HitRef, Outcome, Selection};
pub use names::NameForm;
pub use normalize::{Invalid, Value};
pub use policy::{Decision, DecisionRef, Policy};
pub use query::{Query, QueryKind};
pub use reload::{Db, DEFAULT_CHECK_INTERVAL};
