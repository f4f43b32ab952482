//! The UDP side of the DNS front: worker threads that each take the
//! datagrams waiting on the socket in one system call (`recvmmsg`, up to
//! [`BATCH`]), answer them (a [`Worker`](super::handler::Worker):
//! hickory-proto parses and encodes) and send the answers back in one system
//! call (`sendmmsg`), with no task, channel or allocation per datagram. A
//! datagram waits for at most the answers to the others of its batch. TCP is
//! in [`super::tcp`].

use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use nix::sys::socket::{
    recvmmsg, sendmmsg, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage,
};

use super::handler::DnsHandler;
use crate::listen::Acl;

/// How often a waiting worker looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(200);

/// The largest datagram read (anything longer is cut, and so fails to parse).
const MAX_DATAGRAM: usize = 4096;

/// The most datagrams taken, and answers sent, in one system call.
pub const BATCH: usize = 32;

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
    let fd = socket.as_raw_fd();
    let mut worker = handler.worker();
    let mut datagrams = vec![[0u8; MAX_DATAGRAM]; BATCH];
    let mut answers: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
    let mut to: Vec<Option<SockaddrStorage>> = Vec::with_capacity(BATCH);
    // The headers keep the length of the last address received in each
    // slot; every address of one socket has the same length (an IPv6 socket
    // gives IPv4 clients as mapped addresses), so they can be reused. One set
    // receives, the other sends (sending points them at `to`).
    let mut receiving = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut sending = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut received = [(0usize, None::<SockaddrStorage>); BATCH];
    while !stop.load(Ordering::Relaxed) {
        let count = {
            let mut buffers = datagrams.iter_mut();
            let mut slices: [[IoSliceMut<'_>; 1]; BATCH] = std::array::from_fn(|_| {
                [IoSliceMut::new(
                    buffers.next().expect("one buffer per slot"),
                )]
            });
            // Blocks (up to the read timeout) for the first datagram only.
            match recvmmsg(
                fd,
                &mut receiving,
                slices.iter_mut(),
                MsgFlags::MSG_WAITFORONE,
                None,
            ) {
                Ok(messages) => {
                    let mut count = 0;
                    for (slot, m) in received.iter_mut().zip(messages) {
                        *slot = (m.bytes, m.address);
                        count += 1;
                    }
                    count
                }
                Err(_) => {
                    // A timeout (look at the stop flag) or an ICMP error of
                    // an earlier send: wait for the next datagram.
                    worker.refresh();
                    continue;
                }
            }
        };
        to.clear();
        for (datagram, &(len, address)) in datagrams.iter().zip(&received[..count]) {
            // Never answer port 0 (the reply would go nowhere or be spoofed).
            let Some(src) = address.as_ref().and_then(socket_addr) else {
                continue;
            };
            if src.port() == 0 {
                continue;
            }
            let query = &datagram[..len.min(MAX_DATAGRAM)];
            if let Some(answer) = worker.respond(query, true, acl.allows(src.ip())) {
                let slot = &mut answers[to.len()];
                slot.clear();
                slot.extend_from_slice(answer);
                to.push(address);
            }
        }
        send(fd, &mut sending, &answers, &to);
    }
}

/// Sends `answers[i]` to `to[i]`, for every address of `to`. When the
/// first datagram cannot be sent (a full buffer, a refused address), the
/// others are sent without it; when a later one cannot, the kernel reports
/// the datagrams sent before it only, and the rest of the batch is left out
/// (rare on an unconnected socket; their clients ask again).
fn send(
    fd: i32,
    headers: &mut MultiHeaders<SockaddrStorage>,
    answers: &[Vec<u8>],
    to: &[Option<SockaddrStorage>],
) {
    let slices: [[IoSlice<'_>; 1]; BATCH] = std::array::from_fn(|i| [IoSlice::new(&answers[i])]);
    let mut first = 0;
    while first < to.len() {
        let no_control: [ControlMessage<'_>; 0] = [];
        // The results are not read: their addresses are those of received
        // messages, which these headers never hold.
        match sendmmsg(
            fd,
            headers,
            &slices[first..to.len()],
            &to[first..],
            no_control,
            MsgFlags::empty(),
        ) {
            Ok(_) => return,
            Err(_) => first += 1,
        }
    }
}

fn socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}
