//! The DNS front: DNSBL and RHSBL zones over UDP and TCP on every listen
//! address. hickory-proto parses and encodes every message; UDP datagrams are
//! answered by worker threads ([`udp`]), TCP connections by bounded
//! listeners on the runtime ([`tcp`]).

pub mod handler;
pub mod tcp;
pub mod udp;
pub mod zone;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ipnet::IpNet;
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Limits;
use crate::listen::{Acl, AtLimit, Listener};
use handler::DnsHandler;
use tcp::{TcpDns, MAX_TCP_QUERY};

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

/// A DNS server answering with `handler`: the worker threads of [`udp`] on
/// the UDP sockets, bounded listeners ([`tcp`]) on the TCP ones. With `allow`
/// set, other clients get REFUSED.
pub struct DnsServer {
    tcp: JoinSet<()>,
    stop_tcp: CancellationToken,
    udp: Vec<std::thread::JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl DnsServer {
    /// Starts answering on `sockets`; TCP connections are bounded by
    /// `max_connections` per listen address and by `timeout`.
    pub fn start(
        handler: DnsHandler,
        sockets: Vec<Bound>,
        allow: &[IpNet],
        max_connections: usize,
        timeout: std::time::Duration,
    ) -> io::Result<Self> {
        let handler = Arc::new(handler);
        let acl = Acl::new(allow);
        let service = Arc::new(TcpDns::new(handler.clone(), acl.clone()));
        let limits = Limits {
            max_connections,
            max_request: MAX_TCP_QUERY + 2,
            idle_timeout: timeout,
            request_timeout: timeout,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let stop_tcp = CancellationToken::new();
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let mut tcp = JoinSet::new();
        let mut udp = Vec::new();
        for b in sockets {
            let what = format!("dns tcp {}", b.addr()?);
            // Every client may connect: those outside `allow` are answered
            // REFUSED by the service, as over UDP.
            tcp.spawn(Listener::Tcp(b.tcp).run(
                what,
                service.clone(),
                limits,
                Acl::default(),
                AtLimit::CloseOldest,
                stop_tcp.clone(),
            ));
            let socket = b.udp.into_std()?;
            udp.extend(udp::spawn(
                socket,
                handler.clone(),
                acl.clone(),
                threads,
                stop.clone(),
            )?);
        }
        Ok(DnsServer {
            tcp,
            stop_tcp,
            udp,
            stop,
        })
    }

    /// Stops answering and waits for the workers.
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.stop_tcp.cancel();
        while self.tcp.join_next().await.is_some() {}
        let workers = std::mem::take(&mut self.udp);
        let _ = tokio::task::spawn_blocking(move || {
            for w in workers {
                let _ = w.join();
            }
        })
        .await;
    }
}
