//! The UDP side of the DNS front: worker threads that each take a datagram
//! from the socket, answer it (a [`Worker`](super::handler::Worker):
//! hickory-proto parses and encodes) and send the answer back, with no task,
//! channel or allocation of their own per datagram. TCP is in [`super::tcp`].

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::handler::DnsHandler;
use crate::listen::Acl;

/// How often a waiting worker looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(200);

/// The largest datagram read (anything longer is cut, and so fails to parse).
const MAX_DATAGRAM: usize = 4096;

/// Starts `threads` workers answering on `socket` until `stop` is set.
pub fn spawn(
    socket: UdpSocket,
    handler: Arc<DnsHandler>,
    acl: Acl,
    threads: usize,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    socket.set_nonblocking(false)?;
    socket.set_read_timeout(Some(STOP_CHECK))?;
    let socket = Arc::new(socket);
    (0..threads.max(1))
        .map(|i| {
            let (socket, handler, acl, stop) =
                (socket.clone(), handler.clone(), acl.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("dns-udp-{i}"))
                .spawn(move || serve(&socket, &handler, &acl, &stop))
        })
        .collect()
}

fn serve(socket: &UdpSocket, handler: &DnsHandler, acl: &Acl, stop: &AtomicBool) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut worker = handler.worker();
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, src)) = socket.recv_from(&mut buf) else {
            // A timeout (look at the stop flag) or an ICMP error of an
            // earlier send: wait for the next datagram.
            worker.refresh();
            continue;
        };
        // Never answer port 0 (the reply would go nowhere or be spoofed).
        if src.port() == 0 {
            continue;
        }
        if let Some(reply) = worker.respond(&buf[..n], true, acl.allows(src.ip())) {
            let _ = socket.send_to(reply, src);
        }
    }
}
