//! The configuration file of `mxlists serve` (TOML): read, checked, and turned
//! into the settings the fronts use. Every error names the file, line and
//! column it is about.
//!
//! ```toml
//! artifact = "/var/lib/mxlists/lists.mxl"
//! listen = ["127.0.0.1:53", "[::1]:53"]
//! allow = ["127.0.0.0/8", "::1/128"]
//! ttl = 300
//!
//! [[zone]]
//! name = "bl.mxrbl.example"
//! lists = ["mxrbl_whitelist", "ovh"]
//! allow_lists = ["mxrbl_whitelist"]
//! txt = "$ listed by {list}: {reason}"
//!
//! [postfix]
//! socketmap = "127.0.0.1:8765"
//!
//! [[postfix.map]]
//! name = "rcpt"
//! lists = ["spam_recipients"]
//! result = "REJECT {reason}"
//! ```
//!
//! Whether the lists a configuration names exist is checked against the
//! artifact, by the engine.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hickory_proto::rr::Name;
use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use crate::template::Template;

/// Default TTL of answers, and SOA minimum for negative caching.
pub const DEFAULT_TTL: u32 = 300;
/// Default A answer of a listed name.
pub const DEFAULT_A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Default TXT template.
pub const DEFAULT_TXT: &str = "{reason}";
/// Default bound on simultaneous DNS TCP connections, per listen address.
pub const DEFAULT_TCP_MAX_CONNECTIONS: usize = 128;
/// Default time a DNS TCP connection may wait for its next query, for the
/// rest of a query once begun, and for an answer to be taken.
pub const DEFAULT_TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Default socketmap result.
pub const DEFAULT_RESULT: &str = "REJECT {reason}";
/// Default bound on simultaneous Postfix connections, per listener.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// Default bound on one Postfix request, in bytes.
pub const DEFAULT_MAX_REQUEST: usize = 16 * 1024;
/// Default time a Postfix connection may wait between requests: above
/// Postfix's own idle limits (`smtpd_policy_service_max_idle`, 300 s), so that
/// Postfix closes first.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(330);
/// Default time one Postfix request may take to arrive once it has begun.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A position in the configuration file, printed `FILE:LINE:COLUMN`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The configuration file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A configuration that cannot be used.
#[derive(Debug)]
pub struct ConfigError {
    /// Where the problem is, when it is at one place of the file.
    pub location: Option<Location>,
    /// The file, when there is no location.
    pub file: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{l}: {}", self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A list name as written in the configuration, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// The list name.
    pub name: String,
    /// Where it is written.
    pub at: Location,
}

/// The lists that decide one zone, table or rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListsConfig {
    /// Lists that list a value, in the configuration's order (the artifact's
    /// order decides).
    pub lists: Vec<Named>,
    /// Lists whose hit answers "not listed".
    pub allow: Vec<Named>,
    /// Where `lists` is written.
    pub at: Location,
}

/// The whole configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The configuration file.
    pub file: PathBuf,
    /// The artifact to serve (relative paths are relative to the file's folder).
    pub artifact: PathBuf,
    /// Clients allowed to ask; empty: every client.
    pub allow: Vec<IpNet>,
    /// The DNS front, when zones are configured.
    pub dns: Option<DnsConfig>,
    /// The Postfix fronts, when `[postfix]` is configured.
    pub postfix: Option<PostfixConfig>,
}

/// The DNS front.
#[derive(Clone, Debug)]
pub struct DnsConfig {
    /// Addresses to answer on, UDP and TCP each.
    pub listen: Vec<SocketAddr>,
    /// TTL of answers, and SOA minimum.
    pub ttl: u32,
    /// Simultaneous TCP connections per listen address; at the limit, the
    /// oldest is closed for a new one.
    pub tcp_max_connections: usize,
    /// Time a TCP connection may wait for a query, for the rest of one once
    /// begun, and for an answer to be taken.
    pub tcp_timeout: Duration,
    /// The zones.
    pub zones: Vec<ZoneConfig>,
}

/// One DNS zone.
#[derive(Clone, Debug)]
pub struct ZoneConfig {
    /// The zone's apex, lower case, fully qualified.
    pub name: Name,
    /// Its lists.
    pub lists: ListsConfig,
    /// The A answer of a listed name.
    pub a: Ipv4Addr,
    /// A answers for hits of particular lists.
    pub answers: Vec<(String, Ipv4Addr)>,
    /// The TXT template (empty: no TXT records).
    pub txt: Template,
    /// NS names of the apex; the first is the SOA's primary.
    pub ns: Vec<Name>,
    /// The SOA's responsible mailbox, as a name.
    pub hostmaster: Name,
}

/// Where a Postfix front listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `host:port`.
    Tcp(SocketAddr),
    /// `unix:/path`.
    Unix(PathBuf),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(a) => write!(f, "{a}"),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// Bounds on a Postfix listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Simultaneous connections; more are closed at once.
    pub max_connections: usize,
    /// Bytes of one request; a longer one ends the connection.
    pub max_request: usize,
    /// Time a connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Time a request may take to arrive once begun.
    pub request_timeout: Duration,
}

/// The Postfix fronts.
#[derive(Clone, Debug)]
pub struct PostfixConfig {
    /// Where the socketmap tables answer.
    pub socketmap: Option<Endpoint>,
    /// Where the policy service answers.
    pub policy: Option<Endpoint>,
    /// Bounds on both listeners.
    pub limits: Limits,
    /// The socketmap tables.
    pub maps: Vec<MapConfig>,
    /// The policy rules, in order.
    pub rules: Vec<RuleConfig>,
}

/// One socketmap table.
#[derive(Clone, Debug)]
pub struct MapConfig {
    /// The table's name in `socketmap:...:NAME`.
    pub name: String,
    /// Its lists.
    pub lists: ListsConfig,
    /// The table value of a hit.
    pub result: Template,
}

/// One policy rule.
#[derive(Clone, Debug)]
pub struct RuleConfig {
    /// The request attribute looked up (`client_address`, `recipient`, ...).
    pub attribute: String,
    /// Its lists.
    pub lists: ListsConfig,
    /// The action of a hit.
    pub action: Template,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    artifact: Spanned<String>,
    #[serde(default)]
    listen: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    ttl: Option<Spanned<i64>>,
    tcp_max_connections: Option<Spanned<i64>>,
    tcp_timeout: Option<Spanned<i64>>,
    #[serde(default)]
    ns: Option<Vec<Spanned<String>>>,
    hostmaster: Option<Spanned<String>>,
    #[serde(default)]
    zone: Vec<Spanned<RawZone>>,
    postfix: Option<Spanned<RawPostfix>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    name: Spanned<String>,
    lists: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    allow_lists: Vec<Spanned<String>>,
    a: Option<Spanned<String>>,
    txt: Option<Spanned<String>>,
    #[serde(default)]
    answers: BTreeMap<Spanned<String>, Spanned<String>>,
    ns: Option<Vec<Spanned<String>>>,
    hostmaster: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPostfix {
    socketmap: Option<Spanned<String>>,
    policy: Option<Spanned<String>>,
    max_connections: Option<Spanned<i64>>,
    max_request: Option<Spanned<i64>>,
    idle_timeout: Option<Spanned<i64>>,
    request_timeout: Option<Spanned<i64>>,
    #[serde(default)]
    map: Vec<Spanned<RawMap>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    name: Spanned<String>,
    lists: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    allow_lists: Vec<Spanned<String>>,
    result: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    attribute: Spanned<String>,
    lists: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    allow_lists: Vec<Spanned<String>>,
    action: Spanned<String>,
}

impl Config {
    /// Reads and checks the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            location: None,
            file: path.to_path_buf(),
            message: format!("cannot read the configuration: {e}"),
        })?;
        Config::parse(path, &text)
    }

    /// Checks the configuration `text` read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let cx = Cx { file: path, text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_owned();
            match e.span() {
                Some(span) => cx.error(&span, message),
                None => ConfigError {
                    location: None,
                    file: path.to_path_buf(),
                    message,
                },
            }
        })?;
        cx.config(raw)
    }
}

/// The file being read, for locations.
struct Cx<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Cx<'_> {
    fn at(&self, span: &Range<usize>) -> Location {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..start].chars().count() + 1;
        Location {
            file: self.file.to_path_buf(),
            line,
            column,
        }
    }

    fn error(&self, span: &Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: Some(self.at(span)),
            file: self.file.to_path_buf(),
            message: message.into(),
        }
    }

    fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        if raw.artifact.get_ref().is_empty() {
            return Err(self.error(&raw.artifact.span(), "artifact must name a file"));
        }
        let artifact = dir.join(raw.artifact.get_ref());
        let allow = raw
            .allow
            .iter()
            .map(|a| self.net(a))
            .collect::<Result<Vec<_>, _>>()?;
        let dns = self.dns(&raw)?;
        let postfix = match &raw.postfix {
            Some(p) => Some(self.postfix(p)?),
            None => None,
        };
        if dns.is_none() && postfix.is_none() {
            return Err(ConfigError {
                location: None,
                file: self.file.to_path_buf(),
                message: "nothing to serve: add [[zone]] sections with listen addresses, \
                          or a [postfix] section"
                    .into(),
            });
        }
        Ok(Config {
            file: self.file.to_path_buf(),
            artifact,
            allow,
            dns,
            postfix,
        })
    }

    fn dns(&self, raw: &RawConfig) -> Result<Option<DnsConfig>, ConfigError> {
        let listen = match &raw.listen {
            Some(l) if l.get_ref().is_empty() => {
                return Err(self.error(&l.span(), "listen must name at least one address"))
            }
            Some(l) => l
                .get_ref()
                .iter()
                .map(|a| self.socket_addr(a))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        match (&raw.listen, raw.zone.first()) {
            (None, None) => {
                let tcp = raw.tcp_max_connections.as_ref().map(Spanned::span);
                if let Some(span) = tcp.or(raw.tcp_timeout.as_ref().map(Spanned::span)) {
                    return Err(self.error(
                        &span,
                        "the tcp_ settings bound the DNS front, which needs [[zone]] and listen",
                    ));
                }
                return Ok(None);
            }
            (Some(l), None) => {
                return Err(self.error(
                    &l.span(),
                    "listen is given but no [[zone]] is: the DNS front needs zones",
                ))
            }
            (None, Some(z)) => {
                return Err(self.error(
                    &z.span(),
                    "[[zone]] is given but no listen addresses are (listen = [\"127.0.0.1:53\"])",
                ))
            }
            _ => {}
        }
        let ttl = match &raw.ttl {
            Some(t) => u32::try_from(*t.get_ref())
                .map_err(|_| self.error(&t.span(), "ttl must be between 0 and 4294967295"))?,
            None => DEFAULT_TTL,
        };
        let default_ns = match &raw.ns {
            Some(ns) => Some(self.names(ns, "ns")?),
            None => None,
        };
        let mut zones: Vec<ZoneConfig> = Vec::new();
        for z in &raw.zone {
            let zone = self.zone(z.get_ref(), default_ns.as_deref(), raw.hostmaster.as_ref())?;
            if zones.iter().any(|other| other.name == zone.name) {
                return Err(self.error(
                    &z.get_ref().name.span(),
                    format!("zone {} is defined twice", zone.name),
                ));
            }
            zones.push(zone);
        }
        Ok(Some(DnsConfig {
            listen,
            ttl,
            tcp_max_connections: self
                .count(&raw.tcp_max_connections, DEFAULT_TCP_MAX_CONNECTIONS)?,
            tcp_timeout: self.seconds(&raw.tcp_timeout, DEFAULT_TCP_TIMEOUT)?,
            zones,
        }))
    }

    fn zone(
        &self,
        z: &RawZone,
        default_ns: Option<&[Name]>,
        default_hostmaster: Option<&Spanned<String>>,
    ) -> Result<ZoneConfig, ConfigError> {
        let name = self.dns_name(&z.name)?;
        if name.is_root() {
            return Err(self.error(&z.name.span(), "a zone cannot be the root"));
        }
        let lists = self.lists(&z.lists, &z.allow_lists)?;
        let a = match &z.a {
            Some(a) => self.loopback_a(a)?,
            None => DEFAULT_A,
        };
        let mut answers = Vec::new();
        for (list, a) in &z.answers {
            if !lists.lists.iter().any(|n| n.name == *list.get_ref()) {
                return Err(self.error(
                    &list.span(),
                    format!(
                        "answers names list {:?}, which is not in this zone's lists",
                        list.get_ref()
                    ),
                ));
            }
            answers.push((list.get_ref().clone(), self.loopback_a(a)?));
        }
        let txt = match &z.txt {
            Some(t) => self.template(t)?,
            None => Template::parse(DEFAULT_TXT).expect("default template"),
        };
        let ns = match &z.ns {
            Some(ns) => self.names(ns, "ns")?,
            None => match default_ns {
                Some(ns) => ns.to_vec(),
                None => vec![host_name()],
            },
        };
        let hostmaster = match z.hostmaster.as_ref().or(default_hostmaster) {
            Some(h) => self.mailbox(h)?,
            None => Name::from_ascii("hostmaster")
                .and_then(|h| h.append_domain(&name))
                .map_err(|e| self.error(&z.name.span(), format!("hostmaster.{name}: {e}")))?,
        };
        Ok(ZoneConfig {
            name,
            lists,
            a,
            answers,
            txt,
            ns,
            hostmaster,
        })
    }

    fn postfix(&self, raw: &Spanned<RawPostfix>) -> Result<PostfixConfig, ConfigError> {
        let p = raw.get_ref();
        let socketmap = p.socketmap.as_ref().map(|s| self.endpoint(s)).transpose()?;
        let policy = p.policy.as_ref().map(|s| self.endpoint(s)).transpose()?;
        if socketmap.is_none() && policy.is_none() {
            return Err(self.error(
                &raw.span(),
                "[postfix] needs socketmap = \"HOST:PORT\" or policy = \"HOST:PORT\" (or unix:PATH)",
            ));
        }
        if let (Some(s), Some(q)) = (&socketmap, &policy) {
            if s == q && !matches!(s, Endpoint::Tcp(a) if a.port() == 0) {
                return Err(self.error(
                    &p.policy.as_ref().expect("policy").span(),
                    "socketmap and policy cannot share an address",
                ));
            }
        }
        let limits = Limits {
            max_connections: self.count(&p.max_connections, DEFAULT_MAX_CONNECTIONS)?,
            max_request: self.count(&p.max_request, DEFAULT_MAX_REQUEST)?,
            idle_timeout: self.seconds(&p.idle_timeout, DEFAULT_IDLE_TIMEOUT)?,
            request_timeout: self.seconds(&p.request_timeout, DEFAULT_REQUEST_TIMEOUT)?,
        };
        let mut maps: Vec<MapConfig> = Vec::new();
        for m in &p.map {
            let m = m.get_ref();
            let name = m.name.get_ref();
            if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c.is_control()) {
                return Err(self.error(
                    &m.name.span(),
                    "a map name must be a non-empty word without spaces",
                ));
            }
            if maps.iter().any(|o| o.name == *name) {
                return Err(self.error(&m.name.span(), format!("map {name:?} is defined twice")));
            }
            let result = match &m.result {
                Some(r) => self.template(r)?,
                None => Template::parse(DEFAULT_RESULT).expect("default template"),
            };
            if result.is_empty() {
                let r = m.result.as_ref().expect("empty result is written");
                return Err(self.error(&r.span(), "result cannot be empty"));
            }
            maps.push(MapConfig {
                name: name.clone(),
                lists: self.lists(&m.lists, &m.allow_lists)?,
                result,
            });
        }
        let mut rules = Vec::new();
        for r in &p.rule {
            let r = r.get_ref();
            let attribute = r.attribute.get_ref();
            if attribute.is_empty()
                || !attribute
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(self.error(
                    &r.attribute.span(),
                    "attribute must be a policy request attribute name such as client_address, \
                     helo_name, sender or recipient",
                ));
            }
            let action = self.template(&r.action)?;
            if action.is_empty() {
                return Err(self.error(&r.action.span(), "action cannot be empty"));
            }
            rules.push(RuleConfig {
                attribute: attribute.clone(),
                lists: self.lists(&r.lists, &r.allow_lists)?,
                action,
            });
        }
        match (&socketmap, maps.is_empty()) {
            (Some(_), true) => {
                return Err(self.error(
                    &p.socketmap.as_ref().expect("socketmap").span(),
                    "socketmap is given but no [[postfix.map]] is",
                ))
            }
            (None, false) => {
                return Err(self.error(
                    &p.map[0].span(),
                    "[[postfix.map]] is given but no socketmap address is",
                ))
            }
            _ => {}
        }
        match (&policy, rules.is_empty()) {
            (Some(_), true) => {
                return Err(self.error(
                    &p.policy.as_ref().expect("policy").span(),
                    "policy is given but no [[postfix.rule]] is",
                ))
            }
            (None, false) => {
                return Err(self.error(
                    &p.rule[0].span(),
                    "[[postfix.rule]] is given but no policy address is",
                ))
            }
            _ => {}
        }
        Ok(PostfixConfig {
            socketmap,
            policy,
            limits,
            maps,
            rules,
        })
    }

    fn lists(
        &self,
        lists: &Spanned<Vec<Spanned<String>>>,
        allow: &[Spanned<String>],
    ) -> Result<ListsConfig, ConfigError> {
        if lists.get_ref().is_empty() {
            return Err(self.error(&lists.span(), "lists must name at least one list"));
        }
        let named = |v: &[Spanned<String>]| -> Result<Vec<Named>, ConfigError> {
            let mut seen = HashSet::new();
            v.iter()
                .map(|n| {
                    if n.get_ref().is_empty() {
                        return Err(self.error(&n.span(), "a list name cannot be empty"));
                    }
                    if !seen.insert(n.get_ref().as_str()) {
                        return Err(
                            self.error(&n.span(), format!("list {:?} is named twice", n.get_ref()))
                        );
                    }
                    Ok(Named {
                        name: n.get_ref().clone(),
                        at: self.at(&n.span()),
                    })
                })
                .collect()
        };
        Ok(ListsConfig {
            lists: named(lists.get_ref())?,
            allow: named(allow)?,
            at: self.at(&lists.span()),
        })
    }

    fn template(&self, t: &Spanned<String>) -> Result<Template, ConfigError> {
        Template::parse(t.get_ref()).map_err(|e| {
            // Point into the string when it is written plainly on one line.
            let span = t.span();
            let inner = span.start + 1 + e.offset;
            let at = if self.text.get(span.start + 1..span.end.saturating_sub(1))
                == Some(t.get_ref().as_str())
            {
                inner..inner
            } else {
                span
            };
            self.error(&at, e.message)
        })
    }

    fn socket_addr(&self, s: &Spanned<String>) -> Result<SocketAddr, ConfigError> {
        s.get_ref().parse().map_err(|_| {
            self.error(
                &s.span(),
                format!(
                    "{:?} is not an address and port (127.0.0.1:53, [::1]:53)",
                    s.get_ref()
                ),
            )
        })
    }

    fn endpoint(&self, s: &Spanned<String>) -> Result<Endpoint, ConfigError> {
        match s.get_ref().strip_prefix("unix:") {
            Some(p) if p.starts_with('/') => Ok(Endpoint::Unix(PathBuf::from(p))),
            Some(_) => Err(self.error(
                &s.span(),
                "a unix socket path must be absolute (unix:/run/mxlists/policy.sock)",
            )),
            None => {
                let s = s
                    .get_ref()
                    .strip_prefix("inet:")
                    .map_or(s.clone(), |rest| Spanned::new(s.span(), rest.to_owned()));
                self.socket_addr(&s).map(Endpoint::Tcp)
            }
        }
    }

    fn net(&self, s: &Spanned<String>) -> Result<IpNet, ConfigError> {
        let text = s.get_ref();
        let net = text
            .parse::<IpNet>()
            .ok()
            .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from));
        match net {
            Some(n) if n.network() == n.addr() => Ok(n),
            Some(n) => Err(self.error(
                &s.span(),
                format!("{text:?} has host bits set (the network is {})", n.trunc()),
            )),
            None => Err(self.error(
                &s.span(),
                format!("{text:?} is not an address or network (10.0.0.0/8, ::1)"),
            )),
        }
    }

    fn loopback_a(&self, s: &Spanned<String>) -> Result<Ipv4Addr, ConfigError> {
        match s.get_ref().parse::<Ipv4Addr>() {
            Ok(a) if a.octets()[0] == 127 => Ok(a),
            _ => Err(self.error(
                &s.span(),
                format!(
                    "{:?}: a DNSBL answer must be an IPv4 address in 127.0.0.0/8 (RFC 5782)",
                    s.get_ref()
                ),
            )),
        }
    }

    fn dns_name(&self, s: &Spanned<String>) -> Result<Name, ConfigError> {
        let text = s.get_ref();
        let bad = |why: String| self.error(&s.span(), format!("{text:?} is not a DNS name: {why}"));
        if text.is_empty() || !text.is_ascii() {
            return Err(bad("write it in ASCII (A-labels for IDN)".into()));
        }
        let mut name = Name::from_ascii(text).map_err(|e| bad(e.to_string()))?;
        name.set_fqdn(true);
        Ok(name.to_lowercase())
    }

    fn names(&self, list: &[Spanned<String>], key: &str) -> Result<Vec<Name>, ConfigError> {
        if list.is_empty() {
            return Err(ConfigError {
                location: None,
                file: self.file.to_path_buf(),
                message: format!("{key} must name at least one host"),
            });
        }
        list.iter().map(|n| self.dns_name(n)).collect()
    }

    fn mailbox(&self, s: &Spanned<String>) -> Result<Name, ConfigError> {
        let text = s.get_ref();
        let as_name = match text.split_once('@') {
            Some((local, domain)) if !local.contains('.') => format!("{local}.{domain}"),
            Some(_) => {
                return Err(self.error(&s.span(), "hostmaster: the part before @ cannot hold a dot"))
            }
            None => text.clone(),
        };
        self.dns_name(&Spanned::new(s.span(), as_name))
    }

    fn count(&self, v: &Option<Spanned<i64>>, default: usize) -> Result<usize, ConfigError> {
        match v {
            None => Ok(default),
            Some(n) => match usize::try_from(*n.get_ref()) {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(self.error(&n.span(), "must be a positive number")),
            },
        }
    }

    fn seconds(
        &self,
        v: &Option<Spanned<i64>>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(n) => match u64::try_from(*n.get_ref()) {
                Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
                _ => Err(self.error(&n.span(), "must be a positive number of seconds")),
            },
        }
    }
}

/// This machine's host name as a DNS name (for the NS and SOA of zones that
/// name none), or `localhost.`.
fn host_name() -> Name {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .and_then(|h| Name::from_ascii(h.trim()).ok())
        .filter(|n| !n.is_root())
        .map(|mut n| {
            n.set_fqdn(true);
            n.to_lowercase()
        })
        .unwrap_or_else(|| Name::from_ascii("localhost.").expect("localhost"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/mxlists/serve.toml"), text)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    const ZONE: &str = r#"
artifact = "lists.mxl"
listen = ["127.0.0.1:5353"]
[[zone]]
name = "BL.Example."
lists = ["white", "ovh"]
allow_lists = ["white"]
txt = "$ listed by {list}"
[zone.answers]
ovh = "127.0.0.3"
"#;

    #[test]
    fn a_zone() {
        let c = parse(ZONE).unwrap();
        assert_eq!(c.artifact, Path::new("/etc/mxlists/lists.mxl"));
        let dns = c.dns.unwrap();
        assert_eq!(dns.ttl, DEFAULT_TTL);
        let z = &dns.zones[0];
        assert_eq!(z.name.to_string(), "bl.example.");
        assert_eq!(
            z.answers,
            vec![("ovh".to_owned(), Ipv4Addr::new(127, 0, 0, 3))]
        );
        assert_eq!(z.lists.allow[0].name, "white");
        assert_eq!(
            z.lists.lists[1].at.to_string(),
            "/etc/mxlists/serve.toml:6:19"
        );
        assert_eq!(z.hostmaster.to_string(), "hostmaster.bl.example.");
        assert_eq!(dns.tcp_max_connections, DEFAULT_TCP_MAX_CONNECTIONS);
        assert_eq!(dns.tcp_timeout, DEFAULT_TCP_TIMEOUT);
        assert!(c.postfix.is_none());
        let c = parse(&ZONE.replace("listen", "tcp_max_connections = 4\ntcp_timeout = 2\nlisten"))
            .unwrap();
        let dns = c.dns.unwrap();
        assert_eq!(dns.tcp_max_connections, 4);
        assert_eq!(dns.tcp_timeout, Duration::from_secs(2));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = err(&ZONE.replace("txt =", "text ="));
        assert!(
            e.starts_with("/etc/mxlists/serve.toml:8:1: unknown field `text`"),
            "{e}"
        );
        let e = err(&ZONE.replace("{list}", "{lsit}"));
        assert!(
            e.starts_with("/etc/mxlists/serve.toml:8:20: unknown placeholder {lsit}"),
            "{e}"
        );
        let e = err(&ZONE.replace("127.0.0.3", "10.0.0.3"));
        assert!(
            e.starts_with("/etc/mxlists/serve.toml:10:7: \"10.0.0.3\": a DNSBL answer"),
            "{e}"
        );
        let e = err(&ZONE.replace("ovh = ", "sfs = "));
        assert!(e.contains(":10:1: answers names list \"sfs\""), "{e}");
        let e = err(&ZONE.replace("[\"white\", \"ovh\"]", "[]"));
        assert!(e.contains(":6:9: lists must name at least one list"), "{e}");
        let e = err(&ZONE.replace("127.0.0.1:5353", "127.0.0.1"));
        assert!(
            e.contains(":3:11: \"127.0.0.1\" is not an address and port"),
            "{e}"
        );
        let e = err("artifact = \"x\"\nttl = 1\n");
        assert!(e.contains("nothing to serve"), "{e}");
        let e = err(&ZONE.replace("listen", "tcp_max_connections = 0\nlisten"));
        assert!(e.contains(":3:23: must be a positive number"), "{e}");
        let e = err("artifact = \"x\"\ntcp_timeout = 3\n[postfix]\n");
        assert!(
            e.contains(":2:15: the tcp_ settings bound the DNS front"),
            "{e}"
        );
        let e = err("artifact = 3\n");
        assert!(
            e.starts_with("/etc/mxlists/serve.toml:1:12: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn postfix_section() {
        let c = parse(
            r#"
artifact = "/var/lib/mxlists/lists.mxl"
allow = ["127.0.0.0/8", "::1"]
[postfix]
socketmap = "unix:/run/mxlists/socketmap.sock"
policy = "inet:127.0.0.1:8766"
max_connections = 10
[[postfix.map]]
name = "rcpt"
lists = ["spam_recipients"]
[[postfix.rule]]
attribute = "client_address"
lists = ["white", "ovh"]
allow_lists = ["white"]
action = "REJECT {value} is in {list}: {reason}"
"#,
        )
        .unwrap();
        let p = c.postfix.unwrap();
        assert_eq!(
            p.socketmap,
            Some(Endpoint::Unix("/run/mxlists/socketmap.sock".into()))
        );
        assert_eq!(
            p.policy,
            Some(Endpoint::Tcp("127.0.0.1:8766".parse().unwrap()))
        );
        assert_eq!(p.limits.max_connections, 10);
        assert_eq!(p.limits.max_request, DEFAULT_MAX_REQUEST);
        assert_eq!(p.maps[0].name, "rcpt");
        assert_eq!(p.rules[0].attribute, "client_address");
        assert_eq!(c.allow.len(), 2);
        assert!(c.dns.is_none());
    }

    #[test]
    fn postfix_errors() {
        let base = "artifact = \"a\"\n[postfix]\n";
        let e = err(&format!("{base}socketmap = \"127.0.0.1:1\"\n"));
        assert!(
            e.contains(":3:13: socketmap is given but no [[postfix.map]] is"),
            "{e}"
        );
        let e = err(&format!(
            "{base}policy = \"127.0.0.1:1\"\n[[postfix.rule]]\nattribute = \"Client Address\"\nlists = [\"a\"]\naction = \"REJECT\"\n"
        ));
        assert!(e.contains(":5:13: attribute must be"), "{e}");
        let e = err(&format!("{base}policy = \"unix:relative.sock\"\n"));
        assert!(e.contains("must be absolute"), "{e}");
        let e = err(
            "artifact = \"a\"\nallow = [\"10.0.0.1/8\"]\n[postfix]\npolicy = \"127.0.0.1:1\"\n",
        );
        assert!(e.contains(":2:10: \"10.0.0.1/8\" has host bits set"), "{e}");
    }
}
