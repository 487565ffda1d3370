//! The gateway in front of the two real Trino 476 servers of the harness (`TP_TEST_TRINO_URL`,
//! `TP_TEST_TRINO_URL_2` from `scripts/services start`; tpch catalog,
//! `http-server.process-forwarded=true`), speaking the client protocol over plain HTTP:
//!
//! - the health monitor reads each server's queued and running counts from its Web UI
//!   (`/ui/api/stats` after a form login) and least-loaded routing follows them;
//! - two gateway replicas on one PostgreSQL database: a query submitted through one is followed
//!   to completion through the other, every follow-up sent there at once, with gzip-encoded
//!   result pages passed through as Trino wrote them.
//!
//! The servers are shared with the other suites: assertions are about the queries these tests
//! submit, and the two tests take turns ([`REAL_TRINO`]) so that neither's queries skew the
//! other's load. Which server ran a query is asked of Trino itself (`/v1/query/{id}`).

mod support;

use std::io::Read as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use support::{Fresh, service_var};
use trino_platform::gateway::{Gateway, GatewayConfig};

/// Held by each test while it uses the real Trino servers.
static REAL_TRINO: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const USER: (&str, &str) = ("x-trino-user", "tp-rs-gateway");

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    /// The body as JSON, gunzipped first when it came gzip-encoded.
    fn json(&self) -> Value {
        let text = if self.headers.get("content-encoding").is_some_and(|e| e == "gzip") {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&self.body[..]).read_to_string(&mut text).expect("a valid gzip body");
            text
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        };
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

async fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder().method(method).uri(url).header(USER.0, USER.1);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client.request(request.body(Full::new(Bytes::from(body.to_owned()))).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply { status: parts.status.as_u16(), headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
}

/// The two Trino URLs, or `None` when the run skips Trino.
fn trino_urls() -> Option<(String, String)> {
    Some((service_var("TP_TEST_TRINO_URL", "trino")?, service_var("TP_TEST_TRINO_URL_2", "trino")?))
}

fn config(store: &str, trino_1: &str, trino_2: &str, extra: &str) -> GatewayConfig {
    GatewayConfig::from_yaml(&format!(
        "listen: {{http: '127.0.0.1:0'}}\nstore: '{store}'\nadmin: {{tokens: ['test-admin-token']}}\n\
         health: {{interval: 200ms, timeout: 2s, failureThreshold: 3, successThreshold: 1}}\n\
         clusters:\n  - {{name: trino-1, proxyTo: '{trino_1}'}}\n  - {{name: trino-2, proxyTo: '{trino_2}'}}\n{extra}"
    ))
    .unwrap()
}

/// Whether the Trino server at `trino` knows query `id` (200 from `/v1/query/{id}`; 410 if not).
async fn ran(trino: &str, id: &str) -> bool {
    call("GET", &format!("{trino}/v1/query/{id}"), &[], "").await.status == 200
}

/// Follows `page`'s `nextUri`s to the end, each sent to `via`: the first page's was written for
/// the gateway at `first_via`, the next ones for the gateway that forwarded the follow-up.
/// Returns the rows and how many pages came gzip-encoded.
async fn follow(mut page: Value, first_via: &str, via: &str, headers: &[(&str, &str)]) -> (usize, usize) {
    let (mut rows, mut gzipped) = (page["data"].as_array().map_or(0, Vec::len), 0);
    let mut written_for = first_via;
    while let Some(next) = page["nextUri"].as_str() {
        assert!(next.starts_with(&format!("{written_for}/")), "Trino wrote nextUri {next} for {written_for}");
        written_for = via;
        let reply = call("GET", &next.replacen(first_via, via, 1), headers, "").await;
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        gzipped += usize::from(reply.headers.get("content-encoding").is_some_and(|e| e == "gzip"));
        page = reply.json();
        rows += page["data"].as_array().map_or(0, Vec::len);
    }
    assert!(page.get("error").is_none(), "{}", page["error"]);
    assert_eq!(page["stats"]["state"], "FINISHED");
    (rows, gzipped)
}

/// A query started on Trino directly (not through the gateway) and left unread once it runs: it
/// stays RUNNING, its output buffer full. Returns its id and the `nextUri` that cancels it.
async fn leave_running(trino: &str) -> (String, String) {
    let first = call("POST", &format!("{trino}/v1/statement"), &[], "SELECT * FROM tpch.sf1.lineitem").await;
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    let mut page = first.json();
    let id = page["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    while page["stats"]["state"] != "RUNNING" || page.get("data").is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "{id} did not start: {page}");
        let next = page["nextUri"].as_str().unwrap_or_else(|| panic!("{id} ended: {page}")).to_owned();
        page = call("GET", &next, &[], "").await.json();
    }
    (id, page["nextUri"].as_str().unwrap().to_owned())
}

/// A query running on trino-1, started without the gateway, shows in the gateway's admin API
/// and metrics as trino-1's load (read from Trino's `/ui/api/stats`), and least-loaded routing
/// sends the next query to trino-2, although trino-1 sorts first and would win a tie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_queries_that_trino_reports_steer_least_loaded_routing() {
    let Some((trino_1, trino_2)) = trino_urls() else { return };
    let _turn = REAL_TRINO.lock().await;
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &trino_1, &trino_2, "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let (busy, cancel) = leave_running(&trino_1).await;

    let checks = {
        let (url, trino_1, trino_2) = (url.clone(), trino_1.clone(), trino_2.clone());
        tokio::spawn(async move {
            let auth = [("authorization", "Bearer test-admin-token")];
            let load = |view: &Value| view["running"].as_u64().unwrap() + view["queued"].as_u64().unwrap();
            let started = Instant::now();
            let views = loop {
                // (A plain loop: an async closure here would keep the task from being `Send`.)
                let views = call("GET", &format!("{url}/api/v1/clusters"), &auth, "").await.json();
                let (one, two) = (&views[0], &views[1]);
                assert_eq!((one["name"].as_str(), two["name"].as_str()), (Some("trino-1"), Some("trino-2")));
                if one["running"].as_u64() >= Some(1) && load(one) > load(two) {
                    break views;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "trino-1 never reported the query: {views}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            assert!(views.as_array().unwrap().iter().all(|v| v["healthy"] == true), "{views}");
            let metrics =
                String::from_utf8(call("GET", &format!("{url}/metrics"), &[], "").await.body.to_vec()).unwrap();
            let running = metrics
                .lines()
                .find_map(|l| l.strip_prefix("trino_gateway_cluster_running_queries{cluster=\"trino-1\"} "))
                .and_then(|v| v.trim().parse::<f64>().ok());
            assert!(running >= Some(1.0), "{metrics}");

            let first =
                call("POST", &format!("{url}/v1/statement"), &[], "SELECT count(*) FROM tpch.tiny.nation").await;
            assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
            let page = first.json();
            let id = page["id"].as_str().unwrap().to_owned();
            follow(page, &url, &url, &[]).await;
            assert!(ran(&trino_2, &id).await && !ran(&trino_1, &id).await, "{id} must run on trino-2");
        })
    };
    let outcome = checks.await;
    assert_eq!(call("DELETE", &cancel, &[], "").await.status, 204, "cancel {busy}");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    gateway.stop().await;
}

/// Locks `table` of the PostgreSQL database at `url` against writes (reads go on) for `period`;
/// the returned task ends when the lock is released.
async fn hold_writes(url: &str, table: &str, period: Duration) -> tokio::task::JoinHandle<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {table} IN SHARE MODE"))).execute(&mut conn).await.unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(period).await;
        sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
        conn.close().await.ok();
    })
}

/// Two gateways on one PostgreSQL database: each query is submitted through replica one and
/// every follow-up goes at once to replica two, which has never seen the query. For the first
/// query replica one's background write of the route is held up (`query_history` locked against
/// writes for 250 ms), so replica two must wait for the route rather than answer 404; the other
/// queries race the write as real clients do. The follow-ups accept gzip, and Trino's
/// gzip-encoded pages reach the client as such and decode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_submitted_through_one_replica_completes_through_the_other() {
    let Some((trino_1, trino_2)) = trino_urls() else { return };
    let Some(fresh) = Fresh::postgres().await else { return };
    let _turn = REAL_TRINO.lock().await;
    let extra = "routing: {policy: roundRobin}\n";
    let one = Gateway::start(config(&fresh.url, &trino_1, &trino_2, extra)).await.unwrap();
    let two = Gateway::start(config(&fresh.url, &trino_1, &trino_2, extra)).await.unwrap();
    let (url_one, url_two) =
        (format!("http://{}", one.http_addr().unwrap()), format!("http://{}", two.http_addr().unwrap()));
    let headers = [("x-trino-catalog", "tpch"), ("x-trino-schema", "tiny")];
    let follow_up_headers = [("accept-encoding", "gzip")];
    let mut owners = Vec::new();
    for round in 0..4 {
        let release = if round == 0 {
            Some(hold_writes(&fresh.url, "query_history", Duration::from_millis(250)).await)
        } else {
            None
        };
        let first = call("POST", &format!("{url_one}/v1/statement"), &headers, "SELECT * FROM orders").await;
        assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
        let page = first.json();
        let id = page["id"].as_str().unwrap().to_owned();
        let (rows, gzipped) = follow(page, &url_one, &url_two, &follow_up_headers).await;
        assert_eq!(rows, 15000, "{id}");
        assert!(gzipped >= 1, "Trino's gzip-encoded pages pass through ({id})");
        owners.push(if ran(&trino_1, &id).await { "trino-1" } else { "trino-2" });
        if let Some(release) = release {
            release.await.unwrap();
        }
    }
    owners.sort();
    owners.dedup();
    assert_eq!(owners, ["trino-1", "trino-2"], "round robin over both servers");
    let metrics = String::from_utf8(call("GET", &format!("{url_two}/metrics"), &[], "").await.body.to_vec()).unwrap();
    assert!(metrics.contains("trino_gateway_unknown_query_waits_total{outcome=\"found\"}"), "{metrics}");
    one.stop().await;
    two.stop().await;
}
