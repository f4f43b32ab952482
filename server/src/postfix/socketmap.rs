//! Postfix socketmap tables (socketmap_table(5)): each request is one
//! netstring `NAME KEY`, each reply one netstring `OK DATA`, `NOTFOUND `,
//! `TEMP REASON` or `PERM REASON`, on connections Postfix keeps open.
//!
//! Postfix sends the key as the client gave it and looks up no parent domains
//! or wider networks for a socketmap: the engine does all of that matching
//! (normalization, parents, TLD, CIDR, exclusions). An unknown table is
//! `PERM`; an artifact that cannot be read is `TEMP`, which Postfix turns into
//! a 4xx (it never lets mail through).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::MapConfig;
use crate::engine::{Engine, PolicyId, Subject};
use crate::listen::{Conn, Frame, Next, Service};
use crate::log;
use crate::template::{Template, Texts};

/// The longest reply Postfix accepts, in bytes.
pub const MAX_REPLY: usize = 100_000;

/// The most digits a netstring length may have.
const MAX_LENGTH_DIGITS: usize = 10;

struct Map {
    name: String,
    policy: PolicyId,
    result: Template,
}

/// The socketmap tables.
pub struct Socketmap {
    engine: Arc<Engine>,
    maps: Vec<Map>,
}

impl Socketmap {
    /// The tables of `maps`, whose list sets are the engine's policies
    /// `first_policy..`, in order.
    pub fn new(maps: &[MapConfig], engine: Arc<Engine>, first_policy: PolicyId) -> Self {
        Socketmap {
            engine,
            maps: maps
                .iter()
                .enumerate()
                .map(|(i, m)| Map {
                    name: m.name.clone(),
                    policy: first_policy + i,
                    result: m.result.clone(),
                })
                .collect(),
        }
    }

    /// The reply to one request (the netstring's payload), without framing.
    pub fn reply(&self, request: &[u8]) -> String {
        let Some(space) = request.iter().position(|&b| b == b' ') else {
            return "PERM malformed request: expected \"name key\"".into();
        };
        let (name, key) = (&request[..space], &request[space + 1..]);
        let Some(map) = self.maps.iter().find(|m| m.name.as_bytes() == name) else {
            return format!("PERM unknown table {:?}", String::from_utf8_lossy(name));
        };
        let Ok(key) = std::str::from_utf8(key) else {
            return "NOTFOUND ".into();
        };
        let snapshot = self.engine.snapshot();
        match snapshot.decide(map.policy, Subject::Text(key)) {
            Ok(Some(l)) => {
                let texts = Texts {
                    list: &l.list,
                    entry: &l.entry,
                    reason: &l.reason,
                    value: &l.value,
                    query: &key,
                };
                format!("OK {}", map.result.render_line(&texts, MAX_REPLY - 3))
            }
            Ok(None) => "NOTFOUND ".into(),
            Err(e) => {
                if snapshot.first_failure() {
                    log::line(format_args!(
                        "socketmap: lookup failed, answering TEMP (artifact {}): {e}",
                        snapshot.content_hash()
                    ));
                }
                "TEMP lists temporarily unavailable".into()
            }
        }
    }
}

/// Where the netstring at the start of `b` ends, if it is whole.
pub fn frame(b: &[u8], max: usize) -> Frame {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > MAX_LENGTH_DIGITS {
        return Frame::Malformed;
    }
    if digits == b.len() {
        return Frame::Incomplete;
    }
    if digits == 0 || b[digits] != b':' {
        return Frame::Malformed;
    }
    let len: usize = std::str::from_utf8(&b[..digits])
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(usize::MAX);
    if len > max {
        return Frame::TooLarge;
    }
    let end = digits + 1 + len;
    match b.get(end) {
        None => Frame::Incomplete,
        Some(b',') => Frame::Complete(end + 1),
        Some(_) => Frame::Malformed,
    }
}

/// The payload of a whole netstring.
fn payload(netstring: &[u8]) -> &[u8] {
    let colon = netstring.iter().position(|&b| b == b':').unwrap_or(0);
    &netstring[colon + 1..netstring.len() - 1]
}

/// `text` as a netstring.
pub fn netstring(text: &str) -> Vec<u8> {
    let mut out = format!("{}:", text.len()).into_bytes();
    out.extend_from_slice(text.as_bytes());
    out.push(b',');
    out
}

impl Service for Socketmap {
    async fn serve<S>(self: Arc<Self>, mut conn: Conn<S>, _peer: Option<SocketAddr>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        // Framing errors leave no way to answer in step: the connection ends.
        while let Next::Request(request) = conn.next(frame).await {
            let reply = self.reply(payload(&request));
            if conn.send(&netstring(&reply)).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netstrings() {
        assert_eq!(frame(b"3:a b,", 100), Frame::Complete(6));
        assert_eq!(frame(b"3:a b,4:", 100), Frame::Complete(6));
        assert_eq!(frame(b"0:,", 100), Frame::Complete(3));
        assert_eq!(frame(b"12", 100), Frame::Incomplete);
        assert_eq!(frame(b"3:a b", 100), Frame::Incomplete);
        assert_eq!(frame(b"3:a bc", 100), Frame::Malformed);
        assert_eq!(frame(b"x:", 100), Frame::Malformed);
        assert_eq!(frame(b":", 100), Frame::Malformed);
        assert_eq!(frame(b"101:", 100), Frame::TooLarge);
        assert_eq!(frame(b"99999999999999999999:", 100), Frame::Malformed);
        assert_eq!(payload(b"3:a b,"), b"a b");
        assert_eq!(netstring("NOTFOUND "), b"9:NOTFOUND ,");
    }
}
