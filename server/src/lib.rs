//! `mxlists serve`: the artifact served over DNS (DNSBL and RHSBL zones) and to
//! Postfix (socketmap tables and the policy delegation service).
//!
//! Like the C library, the Python module and the command, this crate is a
//! front: it translates DNS queries, netstrings and policy requests into
//! engine lookups and the verdicts back into answers, and decides nothing
//! itself. Every call into `mxlists_core` is in [`engine`]; the decision rule
//! (allow lists first, then the first listing list) is core's
//! [`mxlists_core::Policy`], the one `mxlists check --allow` uses.
//!
//! - [`config`]: the TOML configuration, checked with file:line:column errors;
//! - [`engine`]: follows the artifact's path and decides values;
//! - [`dns`]: zones ([`dns::zone`]), the request handler ([`dns::handler`]),
//!   UDP worker threads ([`dns::udp`]) and TCP connections ([`dns::tcp`]);
//!   every message is parsed and encoded by hickory-proto;
//! - [`postfix`]: socketmap tables and the policy service;
//! - [`listen`]: bounded stream listeners, for the Postfix fronts and DNS
//!   over TCP;
//! - [`template`]: the `{list}`/`{entry}`/`{reason}`/`{value}`/`$` templates.
//!
//! [`run`] serves a configuration in the foreground until SIGTERM or SIGINT.
#![forbid(unsafe_code)]

pub mod config;
pub mod dns;
pub mod engine;
pub mod listen;
mod log;
pub mod postfix;
pub mod template;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use config::{Config, ConfigError, ListsConfig};
use dns::handler::DnsHandler;
use engine::{Engine, Refresh};
use listen::{Acl, AtLimit, Listener};
use postfix::policy::PolicyService;
use postfix::socketmap::Socketmap;

/// How often the artifact's path is looked at for a replaced file.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Why the server cannot start.
#[derive(Debug)]
pub enum Error {
    /// The configuration is invalid.
    Config(ConfigError),
    /// The artifact cannot be served, or a listener cannot be bound.
    Start(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Start(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// A configuration with its artifact opened and every list resolved.
pub struct Prepared {
    config: Config,
    engine: Arc<Engine>,
    dns: Option<DnsHandler>,
    socketmap: Option<Arc<Socketmap>>,
    policy: Option<Arc<PolicyService>>,
}

impl Prepared {
    /// Reads the configuration at `path`, opens its artifact and checks every
    /// list it names against it.
    pub fn load(path: &Path) -> Result<Prepared, Error> {
        let config = Config::load(path)?;
        let engine = Arc::new(
            Engine::open(&config.artifact, list_sets(&config))
                .map_err(|e| Error::Start(e.to_string()))?,
        );
        let dns = match &config.dns {
            Some(d) => Some(
                DnsHandler::new(d, engine.clone(), 0).map_err(|e| Error::Start(e.to_string()))?,
            ),
            None => None,
        };
        // The list sets are numbered zones first, then tables, then rules.
        let zones = config.dns.as_ref().map_or(0, |d| d.zones.len());
        let (socketmap, policy) = match &config.postfix {
            Some(pf) => (
                pf.socketmap
                    .as_ref()
                    .map(|_| Arc::new(Socketmap::new(&pf.maps, engine.clone(), zones))),
                pf.policy.as_ref().map(|_| {
                    let first = zones + pf.maps.len();
                    Arc::new(PolicyService::new(&pf.rules, engine.clone(), first))
                }),
            ),
            None => (None, None),
        };
        Ok(Prepared {
            config,
            engine,
            dns,
            socketmap,
            policy,
        })
    }

    /// The DNS request handler, when zones are configured.
    pub fn dns_handler(&self) -> Option<&DnsHandler> {
        self.dns.as_ref()
    }

    /// The socketmap tables, when configured.
    pub fn socketmap(&self) -> Option<&Socketmap> {
        self.socketmap.as_deref()
    }

    /// The policy service, when configured.
    pub fn policy(&self) -> Option<&PolicyService> {
        self.policy.as_deref()
    }

    /// A one-line description of what is served.
    pub fn summary(&self) -> String {
        summary(&self.engine)
    }

    /// Serves until SIGTERM or SIGINT (SIGHUP reopens the artifact), on a
    /// runtime of its own.
    pub fn run(self) -> Result<(), Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Start(format!("cannot start the runtime: {e}")))?;
        runtime.block_on(self.serve())
    }

    async fn serve(self) -> Result<(), Error> {
        let Prepared {
            config,
            engine,
            dns,
            socketmap,
            policy,
        } = self;
        let summary = summary(&engine);
        let signal_error = |e: std::io::Error| Error::Start(format!("cannot handle signals: {e}"));
        let mut term = signal(SignalKind::terminate()).map_err(signal_error)?;
        let mut int = signal(SignalKind::interrupt()).map_err(signal_error)?;
        let mut hup = signal(SignalKind::hangup()).map_err(signal_error)?;
        let shutdown = CancellationToken::new();
        let mut fronts = Vec::new();
        let mut dns_server = None;
        if let (Some(handler), Some(dns)) = (dns, &config.dns) {
            let mut sockets = Vec::new();
            let mut addrs = Vec::new();
            for addr in &dns.listen {
                let b = dns::bind(*addr)
                    .await
                    .map_err(|e| Error::Start(format!("cannot listen on {addr}: {e}")))?;
                addrs.push(
                    b.addr()
                        .map_or_else(|_| addr.to_string(), |a| a.to_string()),
                );
                sockets.push(b);
            }
            let zones: Vec<String> = dns.zones.iter().map(|z| z.name.to_string()).collect();
            fronts.push(format!(
                "dns {} (udp, tcp; zones {})",
                addrs.join(" "),
                zones.join(" ")
            ));
            dns_server = Some(
                dns::DnsServer::start(
                    handler,
                    sockets,
                    &config.allow,
                    dns.tcp_max_connections,
                    dns.tcp_timeout,
                )
                .map_err(|e| Error::Start(format!("cannot start the DNS front: {e}")))?,
            );
        }
        let mut tasks = JoinSet::new();
        if let Some(pf) = &config.postfix {
            let acl = Acl::new(&config.allow);
            for (ep, service, what) in [
                (&pf.socketmap, socketmap.map(Front::Socketmap), "socketmap"),
                (&pf.policy, policy.map(Front::Policy), "policy"),
            ] {
                let (Some(ep), Some(service)) = (ep, service) else {
                    continue;
                };
                let l = Listener::bind(ep)
                    .await
                    .map_err(|e| Error::Start(format!("cannot listen on {ep}: {e}")))?;
                fronts.push(format!("{what} {}", l.endpoint()));
                let (limits, acl, stop) = (pf.limits, acl.clone(), shutdown.clone());
                let (name, full) = (what.to_owned(), AtLimit::CloseNew);
                match service {
                    Front::Socketmap(s) => tasks.spawn(l.run(name, s, limits, acl, full, stop)),
                    Front::Policy(p) => tasks.spawn(l.run(name, p, limits, acl, full, stop)),
                };
            }
        }
        tasks.spawn(follow(engine.clone(), shutdown.clone()));
        log::line(format_args!("started: {}; {summary}", fronts.join("; ")));
        let why = loop {
            tokio::select! {
                _ = term.recv() => break "SIGTERM",
                _ = int.recv() => break "SIGINT",
                _ = hup.recv() => {
                    let e = engine.clone();
                    if let Ok(r) = tokio::task::spawn_blocking(move || e.refresh(true)).await {
                        report(&engine, r);
                    }
                }
            }
        };
        shutdown.cancel();
        if let Some(s) = dns_server {
            s.stop().await;
        }
        while tasks.join_next().await.is_some() {}
        log::line(format_args!("stopped ({why})"));
        Ok(())
    }
}

/// A Postfix front to listen for.
enum Front {
    Socketmap(Arc<Socketmap>),
    Policy(Arc<PolicyService>),
}

/// Serves the configuration at `path` in the foreground until SIGTERM or
/// SIGINT.
pub fn run(path: &Path) -> Result<(), Error> {
    Prepared::load(path)?.run()
}

/// The list sets of a configuration, in the order the fronts number them:
/// zones, then socketmap tables, then policy rules.
fn list_sets(config: &Config) -> Vec<ListsConfig> {
    let mut sets = Vec::new();
    if let Some(d) = &config.dns {
        sets.extend(d.zones.iter().map(|z| z.lists.clone()));
    }
    if let Some(p) = &config.postfix {
        sets.extend(p.maps.iter().map(|m| m.lists.clone()));
        sets.extend(p.rules.iter().map(|r| r.lists.clone()));
    }
    sets
}

/// Looks at the artifact's path every [`CHECK_INTERVAL`] until `shutdown`.
async fn follow(engine: Arc<Engine>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let e = engine.clone();
        if let Ok(r) = tokio::task::spawn_blocking(move || e.refresh(false)).await {
            report(&engine, r);
        }
    }
}

fn summary(engine: &Engine) -> String {
    let s = engine.snapshot();
    format!(
        "artifact {} (content hash {}, serial {}, {} lists)",
        engine.path().display(),
        s.content_hash(),
        s.serial(),
        s.list_count()
    )
}

fn report(engine: &Engine, refresh: Refresh) {
    let path = engine.path().display();
    match refresh {
        Refresh::Unchanged => {}
        Refresh::Reloaded(hash) => log::line(format_args!(
            "reloaded {path}: content hash {hash} (serial {})",
            engine.snapshot().serial()
        )),
        Refresh::Rejected(why) => log::line(format_args!(
            "replacement of {path} not swapped in, still serving content hash {}: {why}",
            engine.snapshot().content_hash()
        )),
    }
}
