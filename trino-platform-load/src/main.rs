//! `tp-load`: measure what a proxy in front of Trino costs.
//!
//! - `tp-load responder --listen ADDR` serves the Trino client protocol as fast as it can: `POST
//!   /v1/statement` answers with a query id and a `nextUri` built from `X-Forwarded-*` (as Trino
//!   does with `http-server.process-forwarded=true`), each `GET` of a `nextUri` returns a data page,
//!   the last page has no `nextUri`; `DELETE` answers 204; `/v1/info` says it is not starting.
//! - `tp-load run --target URL --clients N --duration D` runs N concurrent clients that submit a
//!   query, follow its `nextUri` chain to the end (optionally cancelling with `DELETE` instead of
//!   reading the last page), and repeat, for D. It reports throughput, per-request latency
//!   percentiles, errors and, given `--pid`, the target's CPU time and peak RSS, as text or JSON.
//! - `tp-load kube-fake --kubeconfig FILE` serves the core tests' fake Kubernetes API server
//!   (`trino-platform-core/tests/support/kube_fake.rs`; no API server can run on the test
//!   machines) over plain HTTP, writes a kubeconfig for it, prints its URL and serves until
//!   killed: the Python and Node bundle tests drive `deploy` through it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, Subcommand};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[path = "../../trino-platform-core/tests/support/kube_fake.rs"]
mod kube_fake;

#[derive(Parser)]
#[command(name = "tp-load", about = "Load harness for Trino gateways")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a minimal, fast Trino-protocol responder.
    Responder {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:58090")]
        listen: SocketAddr,
        /// Pages per query after the first response (the last one finishes the query).
        #[arg(long, default_value_t = 3)]
        pages: u32,
    },
    /// Serve the fake Kubernetes API server of the core's tests over HTTP (for the bindings'
    /// bundle tests), write a kubeconfig for it, print its URL, serve until killed.
    KubeFake {
        /// Where to write the kubeconfig (its directory must exist).
        #[arg(long)]
        kubeconfig: std::path::PathBuf,
    },
    /// Run concurrent Trino-protocol clients against a target.
    Run {
        /// Base URL of the target (`http://127.0.0.1:8080`).
        #[arg(long)]
        target: String,
        /// Concurrent clients.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// How long to run (`20s`).
        #[arg(long, default_value = "20s", value_parser = humantime::parse_duration)]
        duration: Duration,
        /// Cancel each query with DELETE on its last `nextUri` instead of reading it.
        #[arg(long)]
        delete: bool,
        /// Process ids of the target (comma-separated, e.g. nginx's master and workers), to
        /// report their summed CPU time and peak RSS.
        #[arg(long, value_delimiter = ',')]
        pid: Vec<u32>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match cli.command {
        Command::Responder { listen, pages } => runtime.block_on(responder(listen, pages)),
        Command::KubeFake { kubeconfig } => runtime.block_on(kube_fake(&kubeconfig)),
        Command::Run { target, clients, duration, delete, pid, json } => {
            let report = runtime.block_on(run(&target, clients, duration, delete, pid));
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
            } else {
                print!("{}", report.text());
            }
            if report.errors > 0 && report.queries == 0 {
                std::process::exit(1);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The responder

async fn responder(listen: SocketAddr, pages: u32) {
    let listener =
        tokio::net::TcpListener::bind(listen).await.unwrap_or_else(|e| panic!("cannot listen on {listen}: {e}"));
    eprintln!("tp-load responder on http://{}", listener.local_addr().map_or(listen, |a| a));
    let counter = Arc::new(AtomicU64::new(0));
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let counter = Arc::clone(&counter);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let counter = Arc::clone(&counter);
                async move { Ok::<_, Infallible>(respond(&request, pages, &counter)) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn respond<B>(request: &Request<B>, pages: u32, counter: &AtomicU64) -> Response<Full<Bytes>> {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // As Trino's forwarded-request handling does: the host from X-Forwarded-Host, its port
    // from X-Forwarded-Port when the host names none (trino-gateway sends them apart).
    let proto = header("x-forwarded-proto").unwrap_or("http");
    let host = header("x-forwarded-host").or_else(|| header("host")).unwrap_or("localhost");
    let base = match header("x-forwarded-port") {
        Some(port) if !host.contains(':') && header("x-forwarded-host").is_some() => format!("{proto}://{host}:{port}"),
        _ => format!("{proto}://{host}"),
    };
    let path = request.uri().path();
    let json = |status: StatusCode, body: String| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_default()
    };
    match (request.method(), path) {
        (&Method::GET, "/v1/info") => json(StatusCode::OK, r#"{"starting":false,"coordinator":true}"#.to_owned()),
        (&Method::POST, "/v1/statement") => {
            let id = format!("20260101_000000_{:05}_load", counter.fetch_add(1, Ordering::Relaxed) % 100_000);
            json(
                StatusCode::OK,
                format!(
                    r#"{{"id":"{id}","infoUri":"{base}/ui/query.html?{id}","nextUri":"{base}/v1/statement/executing/{id}/y/1","stats":{{"state":"QUEUED"}}}}"#
                ),
            )
        }
        (&Method::DELETE, _) => {
            Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).unwrap_or_default()
        }
        (&Method::GET, _) if path.starts_with("/v1/statement/executing/") => {
            let mut parts = path.rsplitn(4, '/');
            let token: u32 = parts.next().and_then(|t| t.parse().ok()).unwrap_or(pages);
            let id = parts.nth(1).unwrap_or("unknown");
            let columns = r#"[{"name":"n","type":"bigint","typeSignature":{"rawType":"bigint","arguments":[]}}]"#;
            if token < pages {
                json(
                    StatusCode::OK,
                    format!(
                        r#"{{"id":"{id}","nextUri":"{base}/v1/statement/executing/{id}/y/{}","columns":{columns},"data":[[1],[2],[3]],"stats":{{"state":"RUNNING"}}}}"#,
                        token + 1
                    ),
                )
            } else {
                json(StatusCode::OK, format!(r#"{{"id":"{id}","columns":{columns},"stats":{{"state":"FINISHED"}}}}"#))
            }
        }
        _ => json(StatusCode::NOT_FOUND, r#"{"error":"not found"}"#.to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// The clients

#[derive(Debug, serde::Serialize)]
struct Report {
    target: String,
    clients: usize,
    seconds: f64,
    queries: u64,
    requests: u64,
    errors: u64,
    queries_per_second: f64,
    requests_per_second: f64,
    latency_ms: Percentiles,
    target_cpu_seconds: Option<f64>,
    target_peak_rss_mib: Option<f64>,
}

#[derive(Debug, Default, serde::Serialize)]
struct Percentiles {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Report {
    fn text(&self) -> String {
        let mut out = format!(
            "target {}  clients {}  {:.1}s\nqueries {} ({:.0}/s)  requests {} ({:.0}/s)  errors {}\nlatency ms  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}\n",
            self.target,
            self.clients,
            self.seconds,
            self.queries,
            self.queries_per_second,
            self.requests,
            self.requests_per_second,
            self.errors,
            self.latency_ms.p50,
            self.latency_ms.p90,
            self.latency_ms.p99,
            self.latency_ms.max
        );
        if let (Some(cpu), Some(rss)) = (self.target_cpu_seconds, self.target_peak_rss_mib) {
            out.push_str(&format!("target cpu {cpu:.2}s  peak rss {rss:.1} MiB\n"));
        }
        out
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn run(target: &str, clients: usize, duration: Duration, delete: bool, pids: Vec<u32>) -> Report {
    let target = target.trim_end_matches('/').to_owned();
    let sum = |f: fn(u32) -> Option<f64>| (!pids.is_empty()).then(|| pids.iter().filter_map(|&p| f(p)).sum::<f64>());
    let cpu_before = sum(cpu_seconds);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let target = target.clone();
        tasks.spawn(async move {
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            let http: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
            let user = format!("load-{client}");
            let mut stats = ClientStats::default();
            while Instant::now() < deadline {
                match query(&http, &target, &user, delete, &mut stats.latencies_us).await {
                    Ok(requests) => {
                        stats.queries += 1;
                        stats.requests += requests;
                    }
                    Err(_) => stats.errors += 1,
                }
            }
            stats
        });
    }
    let mut total = ClientStats::default();
    while let Some(Ok(stats)) = tasks.join_next().await {
        total.queries += stats.queries;
        total.requests += stats.requests;
        total.errors += stats.errors;
        total.latencies_us.extend(stats.latencies_us);
    }
    let seconds = started.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    let at = |q: f64| {
        let lat = &total.latencies_us;
        if lat.is_empty() { 0.0 } else { f64::from(lat[((lat.len() - 1) as f64 * q) as usize]) / 1000.0 }
    };
    Report {
        target,
        clients,
        seconds,
        queries: total.queries,
        requests: total.requests,
        errors: total.errors,
        queries_per_second: total.queries as f64 / seconds,
        requests_per_second: total.requests as f64 / seconds,
        latency_ms: Percentiles { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1.0) },
        target_cpu_seconds: sum(cpu_seconds).zip(cpu_before).map(|(after, before)| after - before),
        target_peak_rss_mib: sum(peak_rss_mib),
    }
}

#[derive(Default)]
struct ClientStats {
    queries: u64,
    requests: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

/// Runs one query to the end; returns the number of HTTP requests it took.
async fn query(
    http: &HttpClient,
    target: &str,
    user: &str,
    delete: bool,
    latencies: &mut Vec<u32>,
) -> Result<u64, String> {
    let mut page = send(http, Method::POST, &format!("{target}/v1/statement"), user, "SELECT 1", latencies).await?;
    let mut requests = 1;
    while let Some(next) = page.get("nextUri").and_then(|v| v.as_str()).map(str::to_owned) {
        requests += 1;
        let next_page = send(http, Method::GET, &next, user, "", latencies).await?;
        if delete && next_page.get("nextUri").is_none() {
            send(http, Method::DELETE, &next, user, "", latencies).await?;
            requests += 1;
        }
        page = next_page;
    }
    if page.pointer("/stats/state").and_then(|v| v.as_str()) != Some("FINISHED") {
        return Err(format!("query ended in {page}"));
    }
    Ok(requests)
}

async fn send(
    http: &HttpClient,
    method: Method,
    url: &str,
    user: &str,
    body: &str,
    latencies: &mut Vec<u32>,
) -> Result<serde_json::Value, String> {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("x-trino-user", user)
        .header("x-trino-source", "tp-load")
        .body(Full::new(Bytes::from(body.to_owned())))
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let response = http.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    if status == StatusCode::NO_CONTENT {
        return Ok(serde_json::Value::Null);
    }
    if status != StatusCode::OK {
        return Err(format!("HTTP {status}"));
    }
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// User + system CPU time of a process, in seconds (/proc/PID/stat fields 14 and 15).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// Peak resident memory of a process, in MiB (`VmHWM`).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Serves the fake Kubernetes API until the process is killed.
async fn kube_fake(kubeconfig: &std::path::Path) {
    let fake = kube_fake::FakeKube::new();
    // A deleted object is gone at the next read, so a test can check a delete at once.
    fake.finalize_after(0);
    let url = fake.serve().await;
    let dir = kubeconfig.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let written = kube_fake::FakeKube::kubeconfig(dir, &url);
    if written != kubeconfig {
        std::fs::rename(&written, kubeconfig).expect("move the kubeconfig into place");
    }
    println!("{url}");
    std::future::pending::<()>().await;
}
