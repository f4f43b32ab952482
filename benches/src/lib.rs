//! Benchmarks of mxlists against the tools mail operators use today.
//!
//! This crate holds what the benchmarks share:
//!
//! * a deterministic, seeded generator of realistic lists ([`Generator`],
//!   [`ips`]) and of query sets with a chosen mix of hits and misses
//!   ([`queries`]);
//! * the points of comparison ([`baseline`]): an `ahash` `HashSet<String>` and an
//!   `fst::Set` probed once per parent domain, and the linear scans that model
//!   Exim's `lsearch` and `iplsearch`;
//! * the cached data sets the criterion benches and scripts run on ([`corpus`]);
//! * memory measurement ([`measure`]).
//!
//! The binaries `mxlists-gen` (write lists, queries and artifacts to files) and
//! `mxlists-measure` (build time, peak memory, sizes) drive them from scripts;
//! `benches/exim/compare.sh` runs the same lookups through Exim.
//! `docs/BENCHMARKS.md` has the results and how to reproduce them.
//!
//! ```
//! use mxlists_benches::{queries, Generator, QueryMix};
//! let mut g = Generator::new(1);
//! let listed = g.addresses(2000);
//! let q = queries::address_queries(&mut g, &listed, &[], 100, QueryMix::only(queries::QueryClass::Hit));
//! assert!(q.iter().all(|(v, _)| listed.contains(v)));
//! ```

pub mod baseline;
pub mod corpus;
pub mod criterion_table;
pub mod generator;
pub mod ips;
pub mod measure;
pub mod queries;
pub mod vocab;

pub use generator::Generator;
pub use queries::{QueryClass, QueryMix};
