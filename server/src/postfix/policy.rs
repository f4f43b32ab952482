//! The Postfix policy delegation service (SMTPD_POLICY_README): a request is
//! `name=value` lines ended by an empty line, the reply one `action=...` line
//! and an empty line, and the connection stays open for the next request.
//!
//! The rules are checked in order; the first whose attribute's value is
//! listed decides with its action; no hit answers `DUNNO`. A malformed or
//! oversized request is answered `DEFER_IF_PERMIT` and the connection closed;
//! an artifact that cannot be read answers `DEFER_IF_PERMIT` (logged).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::RuleConfig;
use crate::engine::{Engine, PolicyId, Subject};
use crate::listen::{Conn, Frame, Next, Service};
use crate::log;
use crate::template::{Template, Texts};

/// The longest action text sent back, in bytes.
pub const MAX_ACTION: usize = 4096;

/// The action of a request no rule decides.
pub const NO_DECISION: &str = "DUNNO";
/// The action of a request that is not a policy request.
pub const MALFORMED: &str = "DEFER_IF_PERMIT malformed policy request";
/// The action of a request longer than the limit.
pub const TOO_LARGE: &str = "DEFER_IF_PERMIT policy request too large";
/// The action when the artifact cannot be read.
pub const UNAVAILABLE: &str = "DEFER_IF_PERMIT lists temporarily unavailable";

struct Rule {
    attribute: String,
    policy: PolicyId,
    action: Template,
}

/// The policy service.
pub struct PolicyService {
    engine: Arc<Engine>,
    rules: Vec<Rule>,
}

/// A request that is not a policy request.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

impl PolicyService {
    /// The service of `rules`, whose list sets are the engine's policies
    /// `first_policy..`, in order.
    pub fn new(rules: &[RuleConfig], engine: Arc<Engine>, first_policy: PolicyId) -> Self {
        PolicyService {
            engine,
            rules: rules
                .iter()
                .enumerate()
                .map(|(i, r)| Rule {
                    attribute: r.attribute.clone(),
                    policy: first_policy + i,
                    action: r.action.clone(),
                })
                .collect(),
        }
    }

    /// The action for one request (its lines, the final empty line
    /// included or not).
    pub fn action(&self, request: &[u8]) -> Result<String, Malformed> {
        let mut attributes: Vec<(&[u8], &[u8])> = Vec::new();
        for line in request.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let eq = line.iter().position(|&b| b == b'=').ok_or(Malformed)?;
            if eq == 0 {
                return Err(Malformed);
            }
            attributes.push((&line[..eq], &line[eq + 1..]));
        }
        let get = |name: &[u8]| attributes.iter().find(|(n, _)| *n == name).map(|&(_, v)| v);
        if get(b"request") != Some(b"smtpd_access_policy".as_slice()) {
            return Err(Malformed);
        }
        let snapshot = self.engine.snapshot();
        for rule in &self.rules {
            let Some(value) = get(rule.attribute.as_bytes()) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let value = String::from_utf8_lossy(value);
            match snapshot.decide(rule.policy, Subject::Text(&value)) {
                Ok(Some(l)) => {
                    let texts = Texts {
                        list: &l.list,
                        entry: &l.entry,
                        reason: &l.reason,
                        value: &l.value,
                        query: &value,
                    };
                    return Ok(rule.action.render_line(&texts, MAX_ACTION));
                }
                Ok(None) => {}
                Err(e) => {
                    if snapshot.first_failure() {
                        log::line(format_args!(
                            "policy: lookup failed, answering DEFER_IF_PERMIT (artifact {}): {e}",
                            snapshot.content_hash()
                        ));
                    }
                    return Ok(UNAVAILABLE.into());
                }
            }
        }
        Ok(NO_DECISION.into())
    }
}

/// Where the request at the start of `b` ends: after its empty line.
pub fn frame(b: &[u8], _max: usize) -> Frame {
    if b.first() == Some(&b'\n') || b.starts_with(b"\r\n") {
        // An empty line before any attribute.
        return Frame::Malformed;
    }
    let mut at = 0;
    while let Some(i) = b[at..].iter().position(|&c| c == b'\n') {
        let next = at + i + 1;
        match &b[next..] {
            [b'\n', ..] => return Frame::Complete(next + 1),
            [b'\r', b'\n', ..] => return Frame::Complete(next + 2),
            _ => at = next,
        }
    }
    Frame::Incomplete
}

/// `action` as a reply.
pub fn reply(action: &str) -> Vec<u8> {
    format!("action={action}\n\n").into_bytes()
}

impl Service for PolicyService {
    async fn serve<S>(self: Arc<Self>, mut conn: Conn<S>, _peer: Option<SocketAddr>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        loop {
            let action = match conn.next(frame).await {
                Next::Request(request) => match self.action(&request) {
                    Ok(action) => action,
                    Err(Malformed) => {
                        let _ = conn.send(&reply(MALFORMED)).await;
                        return;
                    }
                },
                Next::Malformed => {
                    let _ = conn.send(&reply(MALFORMED)).await;
                    return;
                }
                Next::TooLarge => {
                    let _ = conn.send(&reply(TOO_LARGE)).await;
                    return;
                }
                Next::Closed | Next::Abandoned => return,
            };
            if conn.send(&reply(&action)).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_end_with_an_empty_line() {
        assert_eq!(frame(b"a=b\n\n", 0), Frame::Complete(5));
        assert_eq!(frame(b"a=b\nc=d\n\nx=y", 0), Frame::Complete(9));
        assert_eq!(frame(b"a=b\r\n\r\n", 0), Frame::Complete(7));
        assert_eq!(frame(b"a=b\nc=d\n", 0), Frame::Incomplete);
        assert_eq!(frame(b"\n", 0), Frame::Malformed);
    }
}
