//! `trino-platform gateway serve` as a process: a result far larger than the gateway's memory
//! streams through it while its peak RSS stays flat, and SIGTERM stops it gracefully: a response
//! in flight when the signal arrives completes, new connections are refused, and the process
//! exits 0.

#[path = "../../trino-platform-core/tests/support/trino.rs"]
mod trino;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident memory of a process, in KiB (`VmHWM` of /proc/PID/status).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_larger_than_memory_streams_with_flat_rss() {
    let fixture = trino::Fixture::start("big").await;
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let config = dir.path().join("gateway.yaml");
    let mut file = std::fs::File::create(&config).unwrap();
    writeln!(
        file,
        "listen: {{http: '127.0.0.1:{port}'}}\nstore: 'sqlite://{}/gw.db'\nclusters:\n  - {{name: big, proxyTo: '{}'}}",
        dir.path().display(),
        fixture.url()
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_trino-platform"))
        .args(["gateway", "serve", "--config"])
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serving = Serving(child);
    let pid = serving.0.id();

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
    let ready = Instant::now();
    loop {
        let uri = format!("http://127.0.0.1:{port}/readyz").parse().unwrap();
        if matches!(client.get(uri).await, Ok(r) if r.status() == 200) {
            break;
        }
        assert!(ready.elapsed() < Duration::from_secs(20), "the gateway did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = peak_rss_kib(pid);

    const SIZE: u64 = 1 << 30; // 1 GiB
    let uri = format!("http://127.0.0.1:{port}/v1/spooled/download/big-{SIZE}").parse().unwrap();
    let mut body = client.get(uri).await.unwrap().into_body();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        received += frame.unwrap().data_ref().map_or(0, |d| d.len() as u64);
    }
    assert_eq!(received, SIZE);
    let after = peak_rss_kib(pid);
    assert!(after < before + 32 * 1024, "peak RSS grew from {before} KiB to {after} KiB while streaming 1 GiB");
    assert!(after < 96 * 1024, "peak RSS {after} KiB");

    // SIGTERM while a response is in flight (20 chunks, 100 ms apart): it completes, new
    // connections are refused meanwhile, and the process exits 0 after it.
    let uri = format!("http://127.0.0.1:{port}/v1/spooled/download/slow-20").parse().unwrap();
    let mut body = client.get(uri).await.unwrap().into_body();
    let mut received = body.frame().await.unwrap().unwrap().data_ref().map_or(0, |d| d.len());
    assert!(Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    let refused = Instant::now();
    while !matches!(
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
    ) {
        assert!(refused.elapsed() < Duration::from_secs(5), "the gateway still accepts connections after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while let Some(frame) = body.frame().await {
        received += frame.expect("the in-flight response completes").data_ref().map_or(0, |d| d.len());
    }
    assert_eq!(received, 20 * 1024);
    let mut serving = serving;
    let status = tokio::task::spawn_blocking(move || serving.0.wait()).await.unwrap().unwrap();
    assert!(status.success(), "{status:?}");
}
