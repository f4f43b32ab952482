//! `mxlists-serve-load`: drives the Postfix fronts of `mxlists serve` (a
//! socketmap table or the policy service) with the keys of a file, from
//! several connections at once, each sending one request and waiting for its
//! reply before the next, as Postfix does. Prints requests, seconds,
//! requests per second and how many answers were hits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, ValueEnum};

/// Load for the socketmap and policy listeners of `mxlists serve`.
#[derive(Parser)]
#[command(name = "mxlists-serve-load")]
struct Cli {
    /// Which protocol.
    #[arg(value_enum)]
    protocol: Protocol,
    /// The listener, HOST:PORT.
    addr: String,
    /// One key a line: socketmap keys, or values of the policy attribute.
    keys: PathBuf,
    /// The socketmap table name, or the policy attribute.
    #[arg(long, default_value = "rcpt")]
    name: String,
    /// Connections at once (one thread each).
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Requests on one connection before it is closed and another opened
    /// (0: one connection for the whole run).
    #[arg(long, default_value_t = 0)]
    per_connection: usize,
    /// Requests in all.
    #[arg(long, default_value_t = 100_000)]
    requests: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Protocol {
    Socketmap,
    Policy,
}

fn request(protocol: Protocol, name: &str, key: &str) -> Vec<u8> {
    match protocol {
        Protocol::Socketmap => {
            let payload = format!("{name} {key}");
            format!("{}:{payload},", payload.len()).into_bytes()
        }
        Protocol::Policy => format!(
            "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.1\n{name}={key}\n\n"
        )
        .into_bytes(),
    }
}

/// Reads one reply; whether it is a hit.
fn reply(protocol: Protocol, r: &mut BufReader<TcpStream>) -> std::io::Result<bool> {
    match protocol {
        Protocol::Socketmap => {
            let mut len = Vec::new();
            r.read_until(b':', &mut len)?;
            let n: usize = std::str::from_utf8(&len[..len.len().saturating_sub(1)])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| std::io::Error::other("bad netstring"))?;
            let mut body = vec![0u8; n + 1];
            r.read_exact(&mut body)?;
            Ok(body.starts_with(b"OK "))
        }
        Protocol::Policy => {
            let mut line = String::new();
            r.read_line(&mut line)?;
            let mut empty = String::new();
            r.read_line(&mut empty)?;
            if line.is_empty() {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            Ok(!line.starts_with("action=DUNNO"))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let keys: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(&cli.keys)
            .expect("read keys")
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let hits = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..cli.connections)
        .map(|_| {
            let (keys, next, hits) = (keys.clone(), next.clone(), hits.clone());
            let (addr, name, protocol) = (cli.addr.clone(), cli.name.clone(), cli.protocol);
            let (total, per) = (cli.requests, cli.per_connection);
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut conn: Option<(TcpStream, BufReader<TcpStream>, usize)> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return Ok(());
                    }
                    if conn.as_ref().is_some_and(|c| per > 0 && c.2 >= per) {
                        conn = None;
                    }
                    let (w, r, n) = match &mut conn {
                        Some(c) => c,
                        None => {
                            let s = TcpStream::connect(&addr)?;
                            s.set_nodelay(true)?;
                            let r = BufReader::new(s.try_clone()?);
                            conn.insert((s, r, 0))
                        }
                    };
                    w.write_all(&request(protocol, &name, &keys[i % keys.len()]))?;
                    if reply(protocol, r)? {
                        hits.fetch_add(1, Ordering::Relaxed);
                    }
                    *n += 1;
                }
            })
        })
        .collect();
    let mut failed = false;
    for w in workers {
        if let Err(e) = w.join().expect("worker") {
            eprintln!("mxlists-serve-load: {e}");
            failed = true;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let done = cli.requests.min(next.load(Ordering::Relaxed));
    println!(
        "requests {done} seconds {secs:.3} per_second {:.0} hits {}",
        done as f64 / secs,
        hits.load(Ordering::Relaxed)
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
