//! The DNS front: DNSBL and RHSBL zones over UDP and TCP on every listen
//! address. hickory-proto parses and encodes every message; hickory-server
//! serves TCP; UDP datagrams are answered by worker threads ([`udp`]).

pub mod handler;
pub mod udp;
pub mod zone;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use ipnet::IpNet;
use tokio::net::{TcpListener, UdpSocket};

use crate::listen::Acl;
use handler::{DnsHandler, Shared};

/// How long a TCP connection may stay without a request.
pub const TCP_TIMEOUT: Duration = Duration::from_secs(10);

/// Responses buffered per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// The sockets of one listen address.
pub struct Bound {
    /// The UDP socket.
    pub udp: UdpSocket,
    /// The TCP listener, on the same port.
    pub tcp: TcpListener,
}

impl Bound {
    /// The address both listen on.
    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.udp.local_addr()
    }
}

/// Binds UDP and TCP on `addr`; port 0 picks one free port for both.
pub async fn bind(addr: SocketAddr) -> io::Result<Bound> {
    if addr.port() != 0 {
        let udp = UdpSocket::bind(addr).await?;
        let tcp = TcpListener::bind(addr).await?;
        return Ok(Bound { udp, tcp });
    }
    let mut last = None;
    for _ in 0..64 {
        let udp = UdpSocket::bind(addr).await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(tcp) => return Ok(Bound { udp, tcp }),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::ErrorKind::AddrInUse.into()))
}

/// A DNS server answering with `handler`: hickory-server on the TCP
/// listeners, the worker threads of [`udp`] on the UDP sockets. With `allow`
/// set, other clients get REFUSED.
pub struct DnsServer {
    tcp: Server<Shared>,
    udp: Vec<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl DnsServer {
    /// Starts answering on `sockets`.
    pub fn start(handler: DnsHandler, sockets: Vec<Bound>, allow: &[IpNet]) -> io::Result<Self> {
        let handler = Arc::new(handler);
        let mut tcp = if allow.is_empty() {
            Server::new(Shared(handler.clone()))
        } else {
            // hickory decides each address family on its own: deny each
            // family as a whole, and let the allowed networks (more specific)
            // win.
            let mut deny = Vec::new();
            if !allow
                .iter()
                .any(|n| matches!(n, IpNet::V4(v4) if v4.prefix_len() == 0))
            {
                deny.push("0.0.0.0/0".parse().expect("net"));
            }
            if !allow
                .iter()
                .any(|n| matches!(n, IpNet::V6(v6) if v6.prefix_len() == 0))
            {
                deny.push("::/0".parse().expect("net"));
            }
            Server::with_access(Shared(handler.clone()), deny, allow.iter().copied())
        };
        let stop = Arc::new(AtomicBool::new(false));
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut udp = Vec::new();
        for b in sockets {
            tcp.register_listener(b.tcp, TCP_TIMEOUT, TCP_RESPONSE_BUFFER);
            let socket = b.udp.into_std()?;
            udp.extend(udp::spawn(
                socket,
                handler.clone(),
                Acl::new(allow),
                threads,
                stop.clone(),
            )?);
        }
        Ok(DnsServer { tcp, udp, stop })
    }

    /// Stops answering and waits for the workers.
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.tcp.shutdown_gracefully().await;
        let workers = std::mem::take(&mut self.udp);
        let _ = tokio::task::spawn_blocking(move || {
            for w in workers {
                let _ = w.join();
            }
        })
        .await;
    }
}
