//! The engine behind every front, and the only place this crate calls
//! `mxlists_core`: it follows the artifact's path, resolves the configured
//! list names against each artifact it opens, and decides values with core's
//! one decision rule ([`mxlists_core::Policy`], allow lists first).
//!
//! Every artifact is fully verified (every checksum and structure) before it
//! is served. A front takes one [`Snapshot`] per request and answers entirely from it, so
//! an answer never mixes two artifacts. A replacement is swapped in only when
//! it opens, validates, and holds every list the configuration names, with the
//! same kinds of values; otherwise the server keeps answering from the file it
//! has.

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::cache::Cache;
use arc_swap::ArcSwap;
use mxlists_core::{Artifact, Db, DecisionRef, HitRef, ListKind, Policy, Query, Verify};

use crate::config::{ListsConfig, Named};

/// What a set of lists can answer about, by the kinds of its lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Only IP lists: IP addresses.
    Ip,
    /// Only name lists (domain, email, known TLDs): names.
    Names,
    /// Both.
    Mixed,
}

/// A value to decide, as a front received it.
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    /// An IP address (from a reversed DNS query name).
    Ip(IpAddr),
    /// A domain name (from an RHSBL query name): never an address or an IP.
    Domain(&'a str),
    /// Any value, classified as everywhere else: address, IP or domain.
    Text(&'a str),
}

/// A listed value: the hit that decided, with its texts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The list that lists the value.
    pub list: String,
    /// The entry that decided.
    pub entry: String,
    /// The entry's reason, or its list's.
    pub reason: String,
    /// The value, normalized.
    pub value: String,
}

/// A lookup that could not be answered: the artifact is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the engine cannot start, or a replacement was not swapped in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineError(pub String);

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EngineError {}

/// The identity of a resolved list set: its position in the engine's specs.
pub type PolicyId = usize;

/// One artifact with the configured list sets resolved against it.
pub struct Snapshot {
    artifact: Arc<Artifact>,
    policies: Vec<Policy>,
    forms: Vec<Form>,
    hash: String,
    serial: u32,
    failure_logged: AtomicBool,
}

impl Snapshot {
    /// Resolves `specs` against `artifact`.
    fn resolve(artifact: Arc<Artifact>, specs: &[ListsConfig]) -> Result<Snapshot, EngineError> {
        let lists = artifact.lists();
        let mut policies = Vec::with_capacity(specs.len());
        let mut forms = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut kinds = (false, false);
            let mut check = |named: &Named| -> Result<(), EngineError> {
                match lists.iter().find(|l| l.name == named.name) {
                    Some(l) if l.kind == ListKind::Ip => kinds.0 = true,
                    Some(_) => kinds.1 = true,
                    None => {
                        let known: Vec<&str> = lists.iter().map(|l| l.name.as_str()).collect();
                        return Err(EngineError(format!(
                            "{}: list {:?} is not in the artifact (its lists: {})",
                            named.at,
                            named.name,
                            known.join(", ")
                        )));
                    }
                }
                Ok(())
            };
            for n in spec.lists.iter().chain(&spec.allow) {
                check(n)?;
            }
            let names = |v: &[Named]| v.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
            let policy = Policy::resolve(&artifact, &names(&spec.lists), &names(&spec.allow))
                .map_err(|e| EngineError(format!("{}: {e}", spec.at)))?;
            policies.push(policy);
            forms.push(match kinds {
                (true, false) => Form::Ip,
                (false, true) => Form::Names,
                _ => Form::Mixed,
            });
        }
        let hash = artifact.content_hash();
        let serial = u32::from_str_radix(hash.get(..8).unwrap_or("0"), 16).unwrap_or(0);
        Ok(Snapshot {
            artifact,
            policies,
            forms,
            hash,
            serial,
            failure_logged: AtomicBool::new(false),
        })
    }

    /// Decides `query` against the list set `policy`: the hit that lists it,
    /// borrowed from the artifact and the query (nothing is copied or
    /// formatted: a front reads the hit's texts only when its answer needs
    /// them).
    #[inline]
    pub fn decide_query<'a>(
        &'a self,
        policy: PolicyId,
        query: &'a Query,
    ) -> Result<Option<HitRef<'a>>, Unavailable> {
        match self.artifact.decide_query(query, &self.policies[policy]) {
            Ok(DecisionRef::Listed(hit)) => Ok(Some(hit)),
            Ok(DecisionRef::Allowed(_) | DecisionRef::NotListed) => Ok(None),
            Err(e) => Err(Unavailable(e.to_string())),
        }
    }

    /// Decides `subject` against the list set `policy`: `Some` when listed,
    /// with the hit's texts. An invalid value is not listed.
    pub fn decide(
        &self,
        policy: PolicyId,
        subject: Subject<'_>,
    ) -> Result<Option<Listing>, Unavailable> {
        let mut query = Query::new();
        let valid = match subject {
            Subject::Ip(ip) => {
                query.set_ip(ip);
                true
            }
            Subject::Domain(d) => query.set_domain(d).is_ok(),
            Subject::Text(t) => query.set(t).is_ok(),
        };
        if !valid {
            return Ok(None);
        }
        let Some(hit) = self.decide_query(policy, &query)? else {
            return Ok(None);
        };
        let unavailable = |e: mxlists_core::Error| Unavailable(e.to_string());
        Ok(Some(Listing {
            list: hit.list().to_owned(),
            entry: hit.entry().map_err(unavailable)?.to_string(),
            reason: hit.reason().map_err(unavailable)?.to_owned(),
            value: query.to_string(),
        }))
    }

    /// What the list set `policy` answers about.
    pub fn form(&self, policy: PolicyId) -> Form {
        self.forms[policy]
    }

    /// The artifact's content hash (hex).
    pub fn content_hash(&self) -> &str {
        &self.hash
    }

    /// A zone serial derived from the artifact: the first 32 bits of its
    /// content hash, so that equal serials mean equal lists.
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The number of lists in the artifact.
    pub fn list_count(&self) -> usize {
        self.artifact.lists().len()
    }

    /// Whether this is the first lookup failure on this snapshot (to log
    /// failures once per artifact, not once per query).
    pub fn first_failure(&self) -> bool {
        !self.failure_logged.swap(true, Ordering::Relaxed)
    }
}

/// The current snapshot as one answering thread or connection sees it
/// ([`Engine::snapshots`]).
pub struct SnapshotCache<'e>(Cache<&'e ArcSwap<Snapshot>, Arc<Snapshot>>);

impl SnapshotCache<'_> {
    /// The snapshot to answer one request from. The cache keeps it until the
    /// next call, so a cache left unused keeps a replaced artifact mapped:
    /// call this now and then.
    #[inline]
    pub fn load(&mut self) -> &Arc<Snapshot> {
        self.0.load()
    }
}

/// The outcome of looking at the artifact's path.
#[derive(Debug, PartialEq, Eq)]
pub enum Refresh {
    /// The same file is there.
    Unchanged,
    /// A new file was swapped in: its content hash.
    Reloaded(String),
    /// A new file is there but was not swapped in: why.
    Rejected(String),
}

/// The followed artifact and the list sets resolved against it.
pub struct Engine {
    db: Db,
    specs: Vec<ListsConfig>,
    current: ArcSwap<Snapshot>,
    last_rejection: std::sync::Mutex<Option<String>>,
}

impl Engine {
    /// Opens the artifact at `path` and resolves `specs` against it: an
    /// unreadable or corrupt artifact, or a list it does not hold, is an error.
    pub fn open(path: &Path, specs: Vec<ListsConfig>) -> Result<Engine, EngineError> {
        // The engine looks at the path itself (`refresh`), never on a lookup,
        // and checks every checksum and structure of each file before serving
        // it: the cost is paid once per file, off the answering path.
        let never = Duration::from_secs(u64::from(u32::MAX));
        let db = Db::open_with(path, Verify::Full, never)
            .map_err(|e| EngineError(describe_open_error(path, &e)))?;
        let snapshot = Snapshot::resolve(db.current(), &specs)?;
        Ok(Engine {
            db,
            specs,
            current: ArcSwap::from_pointee(snapshot),
            last_rejection: std::sync::Mutex::new(None),
        })
    }

    /// The snapshot to answer one request from.
    #[inline]
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// A cache of the current snapshot for one thread or connection that
    /// answers many requests: it costs a pointer comparison per request,
    /// where [`Engine::snapshot`] changes a shared reference count.
    pub fn snapshots(&self) -> SnapshotCache<'_> {
        SnapshotCache(Cache::new(&self.current))
    }

    /// The followed path.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Looks at the path and swaps in a replaced file when it is good;
    /// `force` reopens the file even when it looks unchanged. A rejected
    /// replacement is reported once, not at every look.
    pub fn refresh(&self, force: bool) -> Refresh {
        let opened = if force {
            self.db.reload()
        } else {
            self.db.reload_if_changed()
        };
        let outcome = match opened {
            Ok(false) => return Refresh::Unchanged,
            Ok(true) => self.swap_in(self.db.current()),
            Err(e) => Err(describe_open_error(self.db.path(), &e)),
        };
        let mut last = self
            .last_rejection
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(hash) => {
                *last = None;
                Refresh::Reloaded(hash)
            }
            Err(why) if last.as_deref() == Some(why.as_str()) => Refresh::Unchanged,
            Err(why) => {
                *last = Some(why.clone());
                Refresh::Rejected(why)
            }
        }
    }

    fn swap_in(&self, artifact: Arc<Artifact>) -> Result<String, String> {
        let old = self.current.load();
        if Arc::ptr_eq(&old.artifact, &artifact) {
            return Ok(old.hash.clone());
        }
        let new = Snapshot::resolve(artifact, &self.specs).map_err(|e| e.0)?;
        for (i, (a, b)) in old.forms.iter().zip(&new.forms).enumerate() {
            if a != b {
                return Err(format!(
                    "{}: the kinds of these lists changed ({a:?} before, {b:?} now)",
                    self.specs[i].at
                ));
            }
        }
        let hash = new.hash.clone();
        self.current.store(Arc::new(new));
        Ok(hash)
    }
}

fn describe_open_error(path: &Path, e: &mxlists_core::Error) -> String {
    match e {
        mxlists_core::Error::Io { .. } => e.to_string(),
        _ => format!("{}: {e}", path.display()),
    }
}
