//! A small HTTP/1.1 proxy in front of the real S3 server (moto) that injects faults
//! deterministically, for the exchange tests: it forwards each request to the upstream, or
//! instead answers it with an S3-shaped `503 SlowDown` / `500 InternalError`, or resets the TCP
//! connection (`SO_LINGER 0`, so the client sees `ECONNRESET`).
//!
//! Faults follow the request count (the n-th request the proxy sees, from 1): every `n`-th
//! request fails, cycling through a list of faults; or every request from the `k`-th on fails
//! (a permanent outage). It also records each request's method and path, so a test can count
//! write calls.
//!
//! It parses only what it must: the request line, `Content-Length` and chunked bodies. Each
//! forwarded request goes upstream on a fresh connection with `Connection: close`, and the
//! upstream's response is relayed byte for byte until the upstream closes.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does instead of forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `503 SlowDown` (S3's throttling answer).
    SlowDown,
    /// `500 InternalError`.
    InternalError,
    /// Close the connection with a TCP reset before answering.
    Reset,
}

/// When faults happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Forward everything.
    Pass,
    /// Every `n`-th request fails, with the faults in turn.
    EveryNth { n: u64, faults: Vec<Fault> },
    /// Every request from the `from`-th on fails with `fault`.
    FailFrom { from: u64, fault: Fault },
}

/// One request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The fault injected instead of forwarding, if any.
    pub fault: Option<Fault>,
}

impl Seen {
    /// Whether it is a write (anything but GET and HEAD).
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD")
    }
}

struct State {
    upstream: SocketAddr,
    mode: Mutex<Mode>,
    count: AtomicU64,
    seen: Mutex<Vec<Seen>>,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str, mode: Mode) -> FaultProxy {
        let authority = upstream.trim_start_matches("http://").trim_end_matches('/');
        let upstream: SocketAddr = tokio::net::lookup_host(authority)
            .await
            .expect("resolve upstream")
            .next()
            .expect("upstream has an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State {
            upstream,
            mode: Mutex::new(mode),
            count: AtomicU64::new(0),
            seen: Mutex::new(Vec::new()),
        });
        let accept_state = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&accept_state);
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        FaultProxy { addr, state, task }
    }

    /// The URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the mode; the request count goes on.
    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// Starts counting requests from 1 again and forgets what was seen.
    pub fn reset_log(&self) {
        self.state.count.store(0, Ordering::SeqCst);
        self.state.seen.lock().unwrap().clear();
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// How many requests got a fault.
    pub fn faults_injected(&self) -> usize {
        self.seen().iter().filter(|s| s.fault.is_some()).count()
    }
}

fn decide(mode: &Mode, n: u64) -> Option<Fault> {
    match mode {
        Mode::Pass => None,
        Mode::EveryNth { n: every, faults } if *every > 0 && n.is_multiple_of(*every) && !faults.is_empty() => {
            let index = usize::try_from(n / every - 1).unwrap_or(0) % faults.len();
            Some(faults[index])
        }
        Mode::EveryNth { .. } => None,
        Mode::FailFrom { from, fault } => (n >= *from).then_some(*fault),
    }
}

/// Serves one client connection: request by request until the client or a fault closes it.
async fn serve(stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let mut client = BufReader::new(stream);
    loop {
        let Some((head, body)) = read_request(&mut client).await? else { return Ok(()) };
        let request_line = head.lines().next().unwrap_or_default().to_owned();
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let n = state.count.fetch_add(1, Ordering::SeqCst) + 1;
        let fault = decide(&state.mode.lock().unwrap(), n);
        state.seen.lock().unwrap().push(Seen { method: method.clone(), target, fault });
        match fault {
            Some(Fault::Reset) => {
                let stream = client.into_inner();
                stream.set_zero_linger()?;
                drop(stream);
                return Ok(());
            }
            Some(fault @ (Fault::SlowDown | Fault::InternalError)) => {
                let (status, code, message) = match fault {
                    Fault::SlowDown => ("503 Slow Down", "SlowDown", "Please reduce your request rate."),
                    _ => (
                        "500 Internal Server Error",
                        "InternalError",
                        "We encountered an internal error. Please try again.",
                    ),
                };
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
                     <RequestId>fault-{n}</RequestId></Error>"
                );
                let body = if method == "HEAD" { String::new() } else { xml };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nx-amz-request-id: fault-{n}\r\n\r\n{body}",
                    body.len()
                );
                client.get_mut().write_all(response.as_bytes()).await?;
            }
            None => {
                let mut upstream = TcpStream::connect(state.upstream).await?;
                upstream.write_all(close_connection(&head).as_bytes()).await?;
                upstream.write_all(&body).await?;
                let mut response = Vec::new();
                upstream.read_to_end(&mut response).await?;
                client.get_mut().write_all(&response).await?;
                // The upstream's answer may have said `Connection: close`; the client then opens
                // a new connection, and this one ends at its next read.
            }
        }
    }
}

/// The request head with any `Connection` header replaced by `Connection: close`.
fn close_connection(head: &str) -> String {
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

/// Reads one request: the head (through the blank line) and the raw body bytes, or `None` when
/// the client closed the connection between requests.
async fn read_request(client: &mut BufReader<TcpStream>) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if client.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let end = line == "\r\n" || line == "\n";
        head.push_str(&line);
        if end && head.len() > 2 {
            break;
        }
        if end {
            head.clear(); // stray blank line before a request
        }
    }
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut size_line = String::new();
            client.read_line(&mut size_line).await?;
            body.extend_from_slice(size_line.as_bytes());
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 {
                loop {
                    let mut trailer = String::new();
                    client.read_line(&mut trailer).await?;
                    body.extend_from_slice(trailer.as_bytes());
                    if trailer == "\r\n" || trailer.is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0; size + 2];
            client.read_exact(&mut chunk).await?;
            body.extend_from_slice(&chunk);
        }
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        client.read_exact(&mut body).await?;
    }
    Ok(Some((head, body)))
}
