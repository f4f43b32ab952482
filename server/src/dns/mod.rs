//! The DNS front: DNSBL and RHSBL zones over UDP and TCP on every listen
//! address, with hickory-server doing the wire format and the sockets.

pub mod handler;
pub mod zone;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use hickory_server::Server;
use ipnet::IpNet;
use tokio::net::{TcpListener, UdpSocket};

use handler::DnsHandler;

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

/// A DNS server answering with `handler` on `sockets`. With `allow` set,
/// other clients get REFUSED.
pub fn server(handler: DnsHandler, sockets: Vec<Bound>, allow: &[IpNet]) -> Server<DnsHandler> {
    let mut server = if allow.is_empty() {
        Server::new(handler)
    } else {
        // hickory decides each address family on its own: deny each family
        // as a whole, and let the allowed networks (more specific) win.
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
        Server::with_access(handler, deny, allow.iter().copied())
    };
    for b in sockets {
        server.register_socket(b.udp);
        server.register_listener(b.tcp, TCP_TIMEOUT, TCP_RESPONSE_BUFFER);
    }
    server
}
