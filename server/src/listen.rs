//! Bounded stream listeners (TCP and unix sockets) for the Postfix fronts and
//! DNS over TCP: at most `max_connections` connections at a time (at the
//! limit, the new connection or the oldest one is closed: [`AtLimit`]),
//! requests of at most `max_request` bytes, `idle_timeout` between requests
//! and `request_timeout` for one request to arrive once begun and for its
//! reply to be taken. A connection reads ahead at most one chunk beyond a
//! request and answers its requests one at a time, in order. A protocol only
//! says where a request ends ([`Frame`]) and what to answer.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Arc;

use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::{timeout_at, Instant};
use tokio_util::sync::CancellationToken;

use crate::config::{Endpoint, Limits};
use crate::log;

/// Where a request ends in the bytes received so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole request: its first `len` bytes.
    Complete(usize),
    /// More bytes are needed.
    Incomplete,
    /// The bytes cannot begin a request.
    Malformed,
    /// The request announces more than `max_request` bytes.
    TooLarge,
}

/// What waiting for the next request gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A request: its bytes.
    Request(Vec<u8>),
    /// The client closed the connection between requests.
    Closed,
    /// The client closed or went quiet in the middle of a request, or stayed
    /// idle too long.
    Abandoned,
    /// The bytes cannot be a request.
    Malformed,
    /// The request is longer than `max_request`.
    TooLarge,
}

/// One client connection, with its limits.
pub struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
    limits: Limits,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Wraps a connected stream.
    pub fn new(stream: S, limits: Limits) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
            limits,
        }
    }

    /// Waits for the next request, framed by `frame`.
    pub async fn next(&mut self, frame: impl Fn(&[u8], usize) -> Frame) -> Next {
        let idle = Instant::now() + self.limits.idle_timeout;
        let mut begun: Option<Instant> = None;
        let mut chunk = [0u8; 4096];
        loop {
            if !self.buf.is_empty() {
                match frame(&self.buf, self.limits.max_request) {
                    Frame::Complete(len) if len > self.limits.max_request => return Next::TooLarge,
                    Frame::Complete(len) => {
                        let rest = self.buf.split_off(len);
                        return Next::Request(std::mem::replace(&mut self.buf, rest));
                    }
                    Frame::Malformed => return Next::Malformed,
                    Frame::TooLarge => return Next::TooLarge,
                    Frame::Incomplete if self.buf.len() > self.limits.max_request => {
                        return Next::TooLarge
                    }
                    Frame::Incomplete => {}
                }
            }
            let deadline = match begun {
                Some(t) => t + self.limits.request_timeout,
                None => idle,
            };
            match timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) if self.buf.is_empty() => return Next::Closed,
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return Next::Abandoned,
                Ok(Ok(n)) => {
                    if self.buf.is_empty() {
                        begun = Some(Instant::now());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }

    /// Sends `reply`; a client that does not take it within the request
    /// timeout is given up.
    pub async fn send(&mut self, reply: &[u8]) -> io::Result<()> {
        let deadline = Instant::now() + self.limits.request_timeout;
        match timeout_at(deadline, self.stream.write_all(reply)).await {
            Ok(r) => r,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }
}

/// A protocol served on a listener.
pub trait Service: Send + Sync + 'static {
    /// Serves one connection from `peer` (`None` on a unix socket) until it
    /// ends.
    fn serve<S>(
        self: Arc<Self>,
        conn: Conn<S>,
        peer: Option<SocketAddr>,
    ) -> impl Future<Output = ()> + Send
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static;
}

/// What a listener does with a new connection when `max_connections` are
/// open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtLimit {
    /// Closes the new connection at once (Postfix's clients retry later).
    CloseNew,
    /// Closes the oldest connection and serves the new one: clients that
    /// open connections and hold them cannot keep a newcomer out, they only
    /// shorten each other's time.
    CloseOldest,
}

/// Clients allowed to connect over TCP (empty: every client).
#[derive(Clone, Debug, Default)]
pub struct Acl {
    nets: Vec<IpNet>,
}

impl Acl {
    /// An ACL of `nets`.
    pub fn new(nets: &[IpNet]) -> Self {
        Acl {
            nets: nets.to_vec(),
        }
    }

    /// Whether `ip` may connect.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.is_empty() || self.nets.iter().any(|n| n.contains(&ip))
    }
}

/// A bound listener.
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A unix socket, removed when the listener stops.
    Unix(UnixListener, PathBuf),
}

impl Listener {
    /// Binds `endpoint`. A stale unix socket at the path is replaced; any
    /// other file there is an error. Unix sockets are made connectable by
    /// every local user (Postfix's daemons run as `postfix`).
    pub async fn bind(endpoint: &Endpoint) -> io::Result<Listener> {
        match endpoint {
            Endpoint::Tcp(addr) => Ok(Listener::Tcp(TcpListener::bind(addr).await?)),
            Endpoint::Unix(path) => {
                if let Ok(meta) = std::fs::symlink_metadata(path) {
                    if meta.file_type().is_socket() {
                        std::fs::remove_file(path)?;
                    } else {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "a file that is not a socket is in the way",
                        ));
                    }
                }
                let listener = UnixListener::bind(path)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
                Ok(Listener::Unix(listener, path.clone()))
            }
        }
    }

    /// Where the listener listens (with the port chosen when 0 was asked).
    pub fn endpoint(&self) -> Endpoint {
        match self {
            Listener::Tcp(l) => Endpoint::Tcp(
                l.local_addr()
                    .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0))),
            ),
            Listener::Unix(_, p) => Endpoint::Unix(p.clone()),
        }
    }

    /// Accepts connections for `service` until `shutdown`; `what` names the
    /// listener in the log.
    pub async fn run<Svc: Service>(
        self,
        what: String,
        service: Arc<Svc>,
        limits: Limits,
        acl: Acl,
        at_limit: AtLimit,
        shutdown: CancellationToken,
    ) {
        let mut connections = JoinSet::new();
        // The connections in the order they were accepted (some may have
        // ended since).
        let mut oldest_first: VecDeque<AbortHandle> = VecDeque::new();
        let mut full = false;
        loop {
            let accepted = tokio::select! {
                a = self.accept() => a,
                _ = shutdown.cancelled() => break,
            };
            let Ok((conn, peer)) = accepted else {
                // Out of file descriptors and the like: wait a moment.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            if peer.is_some_and(|p| !acl.allows(p.ip())) {
                continue;
            }
            while connections.try_join_next().is_some() {}
            if connections.len() < limits.max_connections {
                full = false;
            } else {
                if !full {
                    full = true;
                    log::line(format_args!(
                        "{what}: {} connections, the limit: {}",
                        limits.max_connections,
                        match at_limit {
                            AtLimit::CloseNew => "closing new ones until one ends",
                            AtLimit::CloseOldest => "closing the oldest for each new one",
                        }
                    ));
                }
                match at_limit {
                    AtLimit::CloseNew => continue,
                    AtLimit::CloseOldest => {
                        while let Some(h) = oldest_first.pop_front() {
                            if !h.is_finished() {
                                h.abort();
                                break;
                            }
                        }
                        // Wait until one has ended (the one just closed, at
                        // the latest), so that no more than the limit are
                        // ever open.
                        let _ = connections.join_next().await;
                    }
                }
            }
            let service = service.clone();
            let handle = connections.spawn(async move {
                match conn {
                    Accepted::Tcp(s) => service.serve(Conn::new(s, limits), peer).await,
                    Accepted::Unix(s) => service.serve(Conn::new(s, limits), peer).await,
                }
            });
            oldest_first.push_back(handle);
            if oldest_first.len() > 2 * limits.max_connections {
                oldest_first.retain(|h| !h.is_finished());
            }
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
        if let Listener::Unix(_, path) = &self {
            let _ = std::fs::remove_file(path);
        }
    }

    async fn accept(&self) -> io::Result<(Accepted, Option<SocketAddr>)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Ok((Accepted::Tcp(s), Some(peer)))
            }
            Listener::Unix(l, _) => {
                let (s, _) = l.accept().await?;
                Ok((Accepted::Unix(s), None))
            }
        }
    }
}

enum Accepted {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits() -> Limits {
        Limits {
            max_connections: 1,
            max_request: 8,
            idle_timeout: Duration::from_millis(200),
            request_timeout: Duration::from_millis(100),
        }
    }

    /// Requests end with a newline.
    fn lines(b: &[u8], _: usize) -> Frame {
        match b.iter().position(|&c| c == b'\n') {
            Some(i) => Frame::Complete(i + 1),
            None => Frame::Incomplete,
        }
    }

    #[tokio::test]
    async fn frames_pipelined_requests_and_bounds_them() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut conn = Conn::new(server, limits());
        client.write_all(b"a\nbb\n0123456789\n").await.unwrap();
        assert_eq!(conn.next(lines).await, Next::Request(b"a\n".to_vec()));
        assert_eq!(conn.next(lines).await, Next::Request(b"bb\n".to_vec()));
        assert_eq!(conn.next(lines).await, Next::TooLarge);
    }

    #[tokio::test]
    async fn idle_and_slow_clients_are_given_up() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut conn = Conn::new(server, limits());
        assert_eq!(conn.next(lines).await, Next::Abandoned);
        client.write_all(b"ab").await.unwrap();
        assert_eq!(conn.next(lines).await, Next::Abandoned);
        drop(client);
        let (client, server) = tokio::io::duplex(64);
        drop(client);
        assert_eq!(Conn::new(server, limits()).next(lines).await, Next::Closed);
    }

    #[test]
    fn acl() {
        let acl = Acl::new(&["127.0.0.0/8".parse().unwrap()]);
        assert!(acl.allows("127.0.0.9".parse().unwrap()));
        assert!(acl.allows("::ffff:127.0.0.9".parse().unwrap()));
        assert!(!acl.allows("::1".parse().unwrap()));
        assert!(Acl::default().allows("::1".parse().unwrap()));
    }
}
