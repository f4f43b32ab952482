//! The TCP side of the DNS front (RFC 7766): each message is framed by a
//! two-byte length, read by a bounded listener ([`crate::listen`]) and
//! answered by a [`Worker`](super::handler::Worker), as over UDP
//! (hickory-proto parses and encodes), without a size limit on the answer.
//!
//! Every resource is bounded: connections (at the limit the oldest is closed
//! for the newcomer, so a client holding connections cannot keep others
//! out), the time a connection waits for a query, for the rest of a query
//! once begun and for its answer to be taken (one timeout for all three), a
//! query's size ([`MAX_TCP_QUERY`]), and the queries of one connection,
//! answered one at a time in order (pipelined queries wait in the
//! connection's read buffer, bounded too). A message that gets no answer (a
//! response, fewer than 12 bytes) ends the connection.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use super::handler::DnsHandler;
use crate::listen::{Acl, Conn, Frame, Next, Service};

/// The longest query read over TCP, in bytes, length prefix excluded: a
/// question holds at most 255 bytes of name, and the largest EDNS options a
/// resolver sends with a query (cookies, padding) fit several times over.
pub const MAX_TCP_QUERY: usize = 4096;

/// Where the message at the start of `b` ends (its length prefix included),
/// if it is whole; `max` bounds the message with its prefix.
pub fn frame(b: &[u8], max: usize) -> Frame {
    let [hi, lo, ..] = *b else {
        return Frame::Incomplete;
    };
    let len = 2 + usize::from(u16::from_be_bytes([hi, lo]));
    if len > max {
        Frame::TooLarge
    } else if b.len() >= len {
        Frame::Complete(len)
    } else {
        Frame::Incomplete
    }
}

/// DNS over TCP, as a [`Service`] of a bounded listener. Clients outside
/// `acl` are answered REFUSED, as over UDP.
pub struct TcpDns {
    handler: Arc<DnsHandler>,
    acl: Acl,
}

impl TcpDns {
    /// The service answering with `handler`.
    pub fn new(handler: Arc<DnsHandler>, acl: Acl) -> Self {
        TcpDns { handler, acl }
    }
}

impl Service for TcpDns {
    async fn serve<S>(self: Arc<Self>, mut conn: Conn<S>, peer: Option<SocketAddr>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let allowed = peer.is_none_or(|p| self.acl.allows(p.ip()));
        let mut worker = self.handler.worker();
        let mut framed = Vec::new();
        // Anything but a whole query (closed, idle or stalled, too large)
        // ends the connection.
        while let Next::Request(message) = conn.next(frame).await {
            let Some(reply) = worker.respond(&message[2..], false, allowed) else {
                return;
            };
            let Ok(len) = u16::try_from(reply.len()) else {
                return;
            };
            framed.clear();
            framed.extend_from_slice(&len.to_be_bytes());
            framed.extend_from_slice(reply);
            if conn.send(&framed).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixed_messages() {
        assert_eq!(frame(b"", 100), Frame::Incomplete);
        assert_eq!(frame(b"\x00", 100), Frame::Incomplete);
        assert_eq!(frame(b"\x00\x00", 100), Frame::Complete(2));
        assert_eq!(frame(b"\x00\x03abc\x00", 100), Frame::Complete(5));
        assert_eq!(frame(b"\x00\x03ab", 100), Frame::Incomplete);
        assert_eq!(frame(b"\x00\x63", 100), Frame::TooLarge);
        assert_eq!(frame(b"\x00\x62", 100), Frame::Incomplete);
        assert_eq!(frame(b"\xff\xff", 100), Frame::TooLarge);
    }
}
