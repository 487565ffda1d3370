//! The gateway server end to end against Trino protocol fixtures (see `support/trino.rs`):
//! routing and sticky follow-ups through forwarded `nextUri`s, cancel, OAuth2 pinning, errors,
//! health-driven failover and load from the Web UI's stats, the admin API and its credentials,
//! the HTTPS listener and its certificate reload, graceful stop, compression, stalled bodies, the
//! rules-file watcher, and two gateways sharing a PostgreSQL store. The same against the real
//! Trino servers of the harness: `gateway_trino.rs`; real Trino clients: the Python and Node
//! suites.

mod support;

use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use support::Fresh;
use support::trino::Fixture;
use trino_platform::gateway::{Gateway, GatewayConfig};

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn served_by(&self) -> &str {
        self.headers.get("x-fixture-name").map_or("", |v| v.to_str().unwrap())
    }
}

async fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client.request(request.body(Full::new(Bytes::from(body.to_owned()))).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply { status: parts.status.as_u16(), headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
}

const TOKEN: &str = "Bearer test-admin-token";

fn config(store: &str, clusters: &[&Fixture], extra: &str) -> GatewayConfig {
    let clusters: String =
        clusters.iter().map(|f| format!("  - {{name: {}, proxyTo: '{}'}}\n", f.name, f.url())).collect();
    let yaml = format!(
        "listen: {{http: '127.0.0.1:0'}}\nstore: '{store}'\nadmin: {{tokens: ['test-admin-token']}}\n\
         health: {{interval: 200ms, timeout: 500ms, failureThreshold: 2, successThreshold: 1}}\n\
         proxy: {{responseTimeout: 2s, bodyIdleTimeout: 1s}}\nclusters:\n{clusters}{extra}"
    );
    GatewayConfig::from_yaml(&yaml).unwrap()
}

/// Runs a query through `gateway` to the end, following every `nextUri`; returns the id and the
/// fixtures that served each page.
async fn run_query(gateway: &str, user: &str) -> (String, Vec<String>) {
    let first = call("POST", &format!("{gateway}/v1/statement"), &[("x-trino-user", user)], "SELECT 1").await;
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    let mut page = first.json();
    let id = page["id"].as_str().unwrap().to_owned();
    let mut served = vec![first.served_by().to_owned()];
    while let Some(next) = page["nextUri"].as_str() {
        assert!(next.starts_with(gateway), "nextUri {next} must point at the gateway {gateway}");
        let reply = call("GET", next, &[], "").await;
        assert_eq!(reply.status, 200);
        served.push(reply.served_by().to_owned());
        page = reply.json();
    }
    assert_eq!(page["stats"]["state"], "FINISHED");
    (id, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_follow_their_cluster_through_the_gateway() {
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let mut clusters_used = Vec::new();
    for _ in 0..4 {
        let (_, served) = run_query(&url, "alice").await;
        assert!(served.windows(2).all(|w| w[0] == w[1]), "every page from one cluster: {served:?}");
        clusters_used.push(served[0].clone());
    }
    clusters_used.sort();
    clusters_used.dedup();
    assert_eq!(clusters_used, ["trino-a", "trino-b"], "round robin spreads new queries");

    // Cancel: DELETE on the nextUri reaches the query's cluster.
    let first = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "bob")], "SELECT 2").await.json();
    let next = first["nextUri"].as_str().unwrap();
    let id = first["id"].as_str().unwrap();
    assert_eq!(call("DELETE", next, &[], "").await.status, 204);
    let owner = if a.query_state(id).is_some() { &a } else { &b };
    assert_eq!(owner.query_state(id), Some("CANCELED"));
    assert_eq!(call("GET", &format!("{url}/v1/query/{id}"), &[], "").await.json()["state"], "CANCELED");
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_trino_shaped_and_never_hang() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let gateway =
        Gateway::start(config(&fresh.url, &[&a], "routing: {rulesFile: null, defaultGroup: adhoc}\n")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());

    let unknown = call("GET", &format!("{url}/v1/statement/executing/20990101_000000_00001_zzzzz/y/1"), &[], "").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"]["errorName"], "QUERY_NOT_FOUND");
    let bad_id = call("GET", &format!("{url}/v1/statement/executing/not-a-query-id/y/1"), &[], "").await;
    assert_eq!(bad_id.status, 404);
    assert_eq!(call("GET", &format!("{url}/no/such/path"), &[], "").await.status, 404);
    let huge = "x".repeat(200 * 1024);
    let oversized = call("GET", &format!("{url}/v1/info"), &[("x-huge", &huge)], "").await;
    assert_eq!(oversized.status, 431, "oversized headers are refused");

    // A backend that hangs: 504 after the response timeout (2 s here), not a hang.
    let started = Instant::now();
    let stuck = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "a")], "STUCK").await;
    assert_eq!((stuck.status, stuck.json()["error"]["errorName"].clone()), (504, json!("BACKEND_TIMEOUT")));
    assert!(started.elapsed() < Duration::from_secs(10));

    // No cluster in the group: 503 with a Trino error.
    call("POST", &format!("{url}/api/v1/clusters/trino-a/deactivate"), &[("authorization", TOKEN)], "").await;
    let none = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "a")], "SELECT 1").await;
    assert_eq!(none.status, 503);
    assert_eq!(none.json()["error"]["errorName"], "NO_NODES_AVAILABLE");
    call("POST", &format!("{url}/api/v1/clusters/trino-a/activate"), &[("authorization", TOKEN)], "").await;

    // A dead backend is a prompt 502, and the monitor takes it out of rotation.
    a.kill();
    let started = Instant::now();
    let dead = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "a")], "SELECT 1").await;
    assert!(matches!(dead.status, 502 | 503), "{}", dead.status);
    assert!(started.elapsed() < Duration::from_secs(5));
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_cluster_leaves_rotation_within_its_thresholds() {
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    a.kill();
    // failureThreshold 2 × interval 200 ms (+ probe timeout): out of rotation well within 3 s.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let state = call("GET", &format!("{url}/api/public/backends/trino-a/state"), &[("authorization", TOKEN)], "").await;
    assert_eq!(state.json()["healthy"], "UNHEALTHY");
    for _ in 0..6 {
        let (_, served) = run_query(&url, "carol").await;
        assert_eq!(served[0], "trino-b");
    }
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_challenges_pin_the_login_legs() {
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a, &b], "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let challenge = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "oauth")], "SELECT 1").await;
    assert_eq!(challenge.status, 401);
    let issuer = challenge.served_by().to_owned();
    let header = challenge.headers["www-authenticate"].to_str().unwrap().to_owned();
    assert!(header.contains(&format!("{url}/oauth2/token/initiate/")), "{header}");
    let initiate = call("GET", &format!("{url}/oauth2/token/initiate/{issuer}hash"), &[], "").await;
    assert_eq!(initiate.served_by(), issuer);
    let cookie = initiate.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(call("GET", &format!("{url}/oauth2/token/{issuer}auth"), &[], "").await.served_by(), issuer);
    for _ in 0..3 {
        let callback = call("GET", &format!("{url}/oauth2/callback?code=c&state=s"), &[("cookie", &cookie)], "").await;
        assert_eq!(callback.served_by(), issuer);
    }
    gateway.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_api_needs_credentials_and_speaks_trino_gateway_json() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a], "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let auth = [("authorization", TOKEN)];

    for path in ["/gateway/backend/all", "/api/v1/clusters", "/entity", "/api/public/backends"] {
        let reply = call("GET", &format!("{url}{path}"), &[], "").await;
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(call("GET", &format!("{url}{path}"), &[("authorization", "Bearer wrong")], "").await.status, 401);
    }
    assert_eq!(call("GET", &format!("{url}/livez"), &[], "").await.status, 200);
    assert_eq!(call("GET", &format!("{url}/readyz"), &[], "").await.status, 200);
    let metrics = call("GET", &format!("{url}/metrics"), &[], "").await;
    assert!(String::from_utf8_lossy(&metrics.body).contains("trino_gateway_cluster_healthy"));

    let backend = json!({"name": "trino-b", "proxyTo": "http://127.0.0.1:1", "externalUrl": "https://b.example.com", "active": true, "routingGroup": "etl"});
    let added = call("POST", &format!("{url}/gateway/backend/modify/add"), &auth, &backend.to_string()).await;
    assert_eq!((added.status, added.json()), (200, backend.clone()));
    let all = call("GET", &format!("{url}/gateway/backend/all"), &auth, "").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1], backend);
    assert_eq!(call("POST", &format!("{url}/gateway/backend/deactivate/trino-b"), &auth, "").await.status, 200);
    let active = call("GET", &format!("{url}/gateway/backend/active"), &auth, "").await.json();
    assert_eq!(active.as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect::<Vec<_>>(), ["trino-a"]);
    assert_eq!(call("POST", &format!("{url}/gateway/backend/activate/nope"), &auth, "").await.status, 404);
    let upsert = json!({"name": "trino-b", "proxyTo": "http://127.0.0.1:2", "active": false, "routingGroup": "etl"});
    let updated = call("POST", &format!("{url}/entity?entityType=GATEWAY_BACKEND"), &auth, &upsert.to_string()).await;
    assert_eq!(updated.json()["proxyTo"], "http://127.0.0.1:2");
    assert_eq!(call("GET", &format!("{url}/entity"), &auth, "").await.json(), json!(["GATEWAY_BACKEND"]));
    assert_eq!(
        call("GET", &format!("{url}/entity/GATEWAY_BACKEND"), &auth, "").await.json().as_array().unwrap().len(),
        2
    );
    assert_eq!(call("POST", &format!("{url}/gateway/backend/modify/delete"), &auth, "trino-b").await.status, 200);
    let public = call("GET", &format!("{url}/api/public/backends"), &auth, "").await.json();
    assert_eq!(public.as_array().unwrap().len(), 1);

    // trino-platform's own API, with typed errors.
    let created =
        call("POST", &format!("{url}/api/v1/clusters"), &auth, r#"{"name":"c2","proxyTo":"http://127.0.0.1:3"}"#).await;
    assert_eq!(created.status, 201);
    let dup =
        call("POST", &format!("{url}/api/v1/clusters"), &auth, r#"{"name":"c2","proxyTo":"http://127.0.0.1:3"}"#).await;
    assert_eq!((dup.status, dup.json()["error"]["kind"].clone()), (409, json!("AlreadyExists")));
    let bad = call("POST", &format!("{url}/api/v1/clusters"), &auth, "{not json").await;
    assert_eq!((bad.status, bad.json()["error"]["kind"].clone()), (400, json!("InvalidInput")));
    let unknown_field = call("PATCH", &format!("{url}/api/v1/clusters/c2"), &auth, r#"{"colour":"red"}"#).await;
    assert_eq!(unknown_field.status, 400);
    let patched = call("PATCH", &format!("{url}/api/v1/clusters/c2"), &auth, r#"{"routingGroup":"bi"}"#).await.json();
    assert_eq!(patched["routingGroup"], "bi");
    let listed = call("GET", &format!("{url}/api/v1/clusters/trino-a"), &auth, "").await.json();
    assert_eq!((listed["healthy"].clone(), listed["inFlight"].clone()), (json!(true), json!(0)));
    assert_eq!(call("DELETE", &format!("{url}/api/v1/clusters/c2"), &auth, "").await.status, 200);
    assert_eq!(call("DELETE", &format!("{url}/api/v1/clusters/c2"), &auth, "").await.status, 404);
    gateway.stop().await;
}

/// Polls `check` every 100 ms until it gives a value; panics naming `what` after `limit`.
async fn wait_for<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the sample `series` (name and labels, as exposed) in a Prometheus text.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn metrics(url: &str) -> String {
    String::from_utf8(call("GET", &format!("{url}/metrics"), &[], "").await.body.to_vec()).unwrap()
}

async fn cluster_status(url: &str, name: &str) -> Value {
    call("GET", &format!("{url}/api/v1/clusters/{name}"), &[("authorization", TOKEN)], "").await.json()
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

/// Two gateway replicas on one PostgreSQL store: a query submitted through one is followed to
/// completion through the other, every follow-up sent there at once. The first replica's
/// background write of the route is held up (the test locks `query_history` against writes
/// while the query starts), so the other replica's first lookup misses for sure: it must wait
/// for the route (`routing.unknownQueryWait`) instead of answering 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_share_sticky_routes_through_postgres() {
    let Some(fresh) = Fresh::postgres().await else { return };
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let one = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let two = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let (url_one, url_two) =
        (format!("http://{}", one.http_addr().unwrap()), format!("http://{}", two.http_addr().unwrap()));
    for _ in 0..4 {
        let release = hold_writes(&fresh.url, "query_history", Duration::from_millis(250)).await;
        let first = call("POST", &format!("{url_one}/v1/statement"), &[("x-trino-user", "dave")], "SELECT 1").await;
        let owner = first.served_by().to_owned();
        let mut page = first.json();
        while let Some(next) = page["nextUri"].as_str() {
            let via_two = next.replace(&url_one, &url_two);
            let reply = call("GET", &via_two, &[], "").await;
            assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
            assert_eq!(reply.served_by(), owner, "followed through the other replica");
            page = reply.json();
        }
        assert_eq!(page["stats"]["state"], "FINISHED");
        release.await.unwrap();
    }
    let text = metrics(&url_two).await;
    assert_eq!(sample(&text, "trino_gateway_unknown_query_waits_total{outcome=\"found\"}"), Some(4.0), "{text}");

    // An id no replica ever saw still gets its 404, after the bounded wait.
    let started = Instant::now();
    let unknown = call("GET", &format!("{url_two}/v1/statement/queued/20990101_000000_00001_zzzzz/y/1"), &[], "").await;
    assert_eq!((unknown.status, unknown.json()["error"]["errorName"].clone()), (404, json!("QUERY_NOT_FOUND")));
    assert!(started.elapsed() < Duration::from_secs(5));
    one.stop().await;
    two.stop().await;
}

/// Queued and running counts come from each cluster's `/ui/api/stats` after a Web UI login (the
/// fixture checks the session cookie as Trino does); least-loaded routing follows them, a
/// session that expires is renewed, and a cluster whose UI refuses the login reports 0 and
/// stays healthy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_comes_from_the_web_ui_stats_and_steers_least_loaded_routing() {
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a, &b], "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    assert!(a.ui_logins() >= 1 && b.ui_logins() >= 1, "the first probe pass logs into each Web UI");

    // A query started on trino-a without the gateway: only trino-a's stats know of it.
    let start_on_a = async || {
        let first = call("POST", &format!("{}/v1/statement", a.url()), &[("x-trino-user", "eve")], "SELECT 1").await;
        let next = first.json()["nextUri"].as_str().unwrap().to_owned();
        assert_eq!(call("GET", &next, &[], "").await.json()["stats"]["state"], "RUNNING");
    };
    start_on_a().await;
    wait_for("trino-a to report 1 running query", Duration::from_secs(10), async || {
        (cluster_status(&url, "trino-a").await["running"] == 1).then_some(())
    })
    .await;
    let text = metrics(&url).await;
    assert_eq!(sample(&text, "trino_gateway_cluster_running_queries{cluster=\"trino-a\"}"), Some(1.0), "{text}");
    // trino-a sorts first and wins ties: only its load sends the next query elsewhere.
    let next = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "eve")], "SELECT 1").await;
    assert_eq!(next.served_by(), "trino-b", "least-loaded avoids the cluster that runs a query");

    // An expired session (401) is renewed with a new login.
    let logins = a.ui_logins();
    a.revoke_ui_sessions();
    start_on_a().await;
    wait_for("trino-a to report 2 running queries", Duration::from_secs(10), async || {
        (cluster_status(&url, "trino-a").await["running"] == 2).then_some(())
    })
    .await;
    assert!(a.ui_logins() > logins, "the monitor logged in again");

    // A Web UI that refuses the login: counts 0, healthy by /v1/info.
    wait_for("trino-b to report its queued query", Duration::from_secs(10), async || {
        (cluster_status(&url, "trino-b").await["queued"] == 1).then_some(())
    })
    .await;
    b.refuse_ui_logins(true);
    b.revoke_ui_sessions();
    let status = wait_for("trino-b's counts to drop to 0", Duration::from_secs(10), async || {
        let status = cluster_status(&url, "trino-b").await;
        (status["queued"] == 0).then_some(status)
    })
    .await;
    assert_eq!((status["healthy"].clone(), status["running"].clone()), (json!(true), json!(0)), "{status}");
    tokio::time::sleep(Duration::from_millis(600)).await; // a few more probe passes
    assert_eq!(cluster_status(&url, "trino-b").await["healthy"], true);
    gateway.stop().await;
}

/// `listen.https` on PEM files: the gateway serves the Trino protocol over TLS (HTTP/2 by ALPN),
/// and when the files are replaced by a certificate of another CA it presents the new one,
/// without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_serves_and_reloads_its_certificate() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    let (old_ca, new_ca) = (TestCa::new("old test CA"), TestCa::new("new test CA"));
    old_ca.issue(&cert, &key);
    let https = format!(
        "  https: {{address: '127.0.0.1:0', certificate: '{}', privateKey: '{}'}}\n",
        cert.display(),
        key.display()
    );
    let mut gateway_config = config(&fresh.url, &[&a], "");
    gateway_config.listen = GatewayConfig::from_yaml(&format!("listen:\n  http: null\n{https}")).unwrap().listen;
    let gateway = Gateway::start(gateway_config).await.unwrap();
    let addr = gateway.https_addr().unwrap();
    assert_eq!(gateway.http_addr(), None);

    let info = https_get(addr, &old_ca, "/v1/info").await.unwrap();
    assert_eq!((info.0, info.1), (200, http::Version::HTTP_2));
    assert_eq!(serde_json::from_slice::<Value>(&info.2).unwrap()["starting"], false);
    let refused = https_get(addr, &new_ca, "/v1/info").await.unwrap_err();
    assert!(refused.contains("UnknownIssuer"), "a client trusting only the new CA is refused: {refused}");
    // Trino sees https in X-Forwarded-Proto and writes nextUri for the TLS listener.
    let submitted = https_request(addr, &old_ca, "POST", "/v1/statement", "SELECT 1").await.unwrap();
    let next = serde_json::from_slice::<Value>(&submitted.2).unwrap()["nextUri"].as_str().unwrap().to_owned();
    assert!(next.starts_with(&format!("https://{addr}/v1/statement/")), "{next}");

    // Replace the files (as a Secret update does: new files renamed into place).
    new_ca.issue(&dir.path().join("next.crt"), &dir.path().join("next.key"));
    std::fs::rename(dir.path().join("next.key"), &key).unwrap();
    std::fs::rename(dir.path().join("next.crt"), &cert).unwrap();
    wait_for("the new certificate to be served", Duration::from_secs(20), async || {
        https_get(addr, &new_ca, "/v1/info").await.ok().filter(|r| r.0 == 200)
    })
    .await;
    let old = https_get(addr, &old_ca, "/v1/info").await.unwrap_err();
    assert!(old.contains("UnknownIssuer"), "the old certificate is no longer served: {old}");
    let next = https_request(addr, &new_ca, "GET", next.trim_start_matches(&format!("https://{addr}")), "").await;
    assert_eq!(next.unwrap().0, 200, "a query started before the reload goes on after it");
    gateway.stop().await;
}

/// A test certificate authority (rcgen on ring).
struct TestCa {
    der: rustls::pki_types::CertificateDer<'static>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::DigitalSignature];
        let key = rcgen::KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().clone();
        TestCa { der, issuer: rcgen::Issuer::new(params, key) }
    }

    /// Writes a server certificate for `localhost` and `127.0.0.1` signed by this CA, and its key.
    fn issue(&self, certificate: &std::path::Path, private_key: &std::path::Path) {
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        std::fs::write(private_key, key.serialize_pem()).unwrap();
        std::fs::write(certificate, cert.pem()).unwrap();
    }
}

async fn https_get(
    addr: std::net::SocketAddr,
    trusted: &TestCa,
    path: &str,
) -> Result<(u16, http::Version, Bytes), String> {
    https_request(addr, trusted, "GET", path, "").await
}

/// One request over TLS to `addr`, trusting only `trusted`: status, HTTP version and body, or
/// the error (with its causes) as text.
async fn https_request(
    addr: std::net::SocketAddr,
    trusted: &TestCa,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(u16, http::Version, Bytes), String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.der.clone()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector =
        hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_only().enable_all_versions().build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let request = http::Request::builder()
        .method(method)
        .uri(format!("https://{addr}{path}"))
        .header("x-trino-user", "tls")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = client.request(request).await.map_err(|e| {
        let mut text = format!("{e:?}");
        let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(&format!(" / {c:?}"));
            cause = c.source();
        }
        text
    })?;
    let (status, version) = (response.status().as_u16(), response.version());
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, version, body))
}

/// `stop()` while requests are in flight (one waiting for its response headers, one in the
/// middle of its body): new connections are refused at once, and both requests complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_lets_in_flight_requests_finish_and_refuses_new_connections() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a], "")).await.unwrap();
    let addr = gateway.http_addr().unwrap();
    let url = format!("http://{addr}");

    let slow_headers = {
        let url = url.clone();
        tokio::spawn(
            async move { call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "f")], "SLOW").await },
        )
    };
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let slow_body = {
        let url = url.clone();
        tokio::spawn(async move {
            let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
            let uri = format!("{url}/v1/spooled/download/slow-20").parse().unwrap();
            let response = client.get(uri).await.unwrap();
            let status = response.status().as_u16();
            let mut body = response.into_body();
            let mut received = body.frame().await.unwrap().unwrap().into_data().unwrap().len();
            started_tx.send(()).unwrap();
            while let Some(frame) = body.frame().await {
                received += frame.unwrap().into_data().map_or(0, |d| d.len());
            }
            (status, received)
        })
    };
    started_rx.await.unwrap();
    wait_for("the SLOW statement to reach the cluster", Duration::from_secs(5), async || {
        (a.statement_requests() >= 1).then_some(())
    })
    .await;

    let stopping = tokio::spawn(gateway.stop());
    wait_for("new connections to be refused", Duration::from_secs(5), async || {
        tokio::net::TcpStream::connect(addr).await.err().filter(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
    })
    .await;
    assert!(!slow_body.is_finished(), "the body (2 s) is still streaming when the listener closes");

    let headers_reply = slow_headers.await.unwrap();
    assert_eq!(headers_reply.status, 200, "{}", String::from_utf8_lossy(&headers_reply.body));
    assert!(headers_reply.json()["nextUri"].is_string());
    assert!(!stopping.is_finished(), "stop() waits for the body still in flight");
    assert_eq!(slow_body.await.unwrap(), (200, 20 * 1024), "the whole body arrived");
    tokio::time::timeout(Duration::from_secs(10), stopping).await.expect("stop finishes").unwrap();
}

/// A follow-up's gzip-encoded page passes through untouched: same bytes, same
/// `Content-Encoding`, and it decodes to the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_result_pages_reach_the_client_unchanged() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a], "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let first = call("POST", &format!("{url}/v1/statement"), &[("x-trino-user", "g")], "SELECT 1").await;
    let mut next = first.json()["nextUri"].as_str().unwrap().to_owned();
    let mut pages = 0;
    loop {
        let reply = call("GET", &next, &[("accept-encoding", "gzip")], "").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["content-encoding"], "gzip");
        assert_eq!(reply.body, a.last_gzip_page().unwrap(), "the bytes the cluster sent");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&reply.body[..]).read_to_string(&mut text).unwrap();
        let page: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(page["id"], first.json()["id"]);
        pages += 1;
        let Some(uri) = page["nextUri"].as_str() else {
            assert_eq!(page["stats"]["state"], "FINISHED");
            break;
        };
        next = uri.to_owned();
    }
    assert!(pages >= 3, "{pages}");
    gateway.stop().await;
}

/// A cluster that stops sending in the middle of a body: the client's response ends with an
/// error after `proxy.bodyIdleTimeout` (1 s here) instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_is_cut_off_after_the_idle_timeout() {
    let a = Fixture::start("trino-a").await;
    let fresh = Fresh::sqlite();
    let gateway = Gateway::start(config(&fresh.url, &[&a], "")).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client.get(format!("{url}/v1/spooled/download/stall-100").parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let outcome = tokio::time::timeout(Duration::from_secs(15), async {
        let mut received = 0;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => received += frame.into_data().map_or(0, |d| d.len()),
                Err(e) => return (received, Some(e)),
            }
        }
        (received, None)
    })
    .await
    .expect("the stalled body must end, not hang");
    assert_eq!(outcome.0, 100, "what the cluster sent before it stalled arrives");
    assert!(outcome.1.is_some(), "the body ends with an error, not as if it were complete");
    // The gateway is fine afterwards.
    assert_eq!(call("GET", &format!("{url}/v1/info"), &[], "").await.status, 200);
    gateway.stop().await;
}

/// `routing.rulesFile` is watched: a changed file takes effect without a restart, and a bad one
/// keeps the rules in force (each reload counted in `/metrics`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_file_is_reloaded_and_a_bad_file_keeps_the_rules() {
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let fresh = Fresh::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    let rule = |group: &str| {
        format!("rules:\n  - name: airflow\n    when: {{source: {{equals: airflow}}}}\n    routingGroup: {group}\n")
    };
    std::fs::write(&rules, rule("etl")).unwrap();
    let yaml = format!(
        "listen: {{http: '127.0.0.1:0'}}\nstore: '{}'\nadmin: {{tokens: ['test-admin-token']}}\n\
         health: {{interval: 200ms, timeout: 500ms}}\nrouting: {{rulesFile: '{}'}}\nclusters:\n\
         \x20 - {{name: trino-a, proxyTo: '{}', routingGroup: adhoc}}\n\
         \x20 - {{name: trino-b, proxyTo: '{}', routingGroup: etl}}\n",
        fresh.url,
        rules.display(),
        a.url(),
        b.url()
    );
    let gateway = Gateway::start(GatewayConfig::from_yaml(&yaml).unwrap()).await.unwrap();
    let url = format!("http://{}", gateway.http_addr().unwrap());
    let airflow = async || {
        let headers = [("x-trino-user", "h"), ("x-trino-source", "airflow")];
        call("POST", &format!("{url}/v1/statement"), &headers, "SELECT 1").await.served_by().to_owned()
    };
    let reloads = |outcome: &'static str| {
        let url = url.clone();
        async move {
            sample(&metrics(&url).await, &format!("trino_gateway_rules_reloads_total{{outcome=\"{outcome}\"}}"))
                .unwrap_or(0.0)
        }
    };
    assert_eq!(airflow().await, "trino-b");

    std::fs::write(&rules, rule("adhoc")).unwrap();
    wait_for("the changed rules to be loaded", Duration::from_secs(10), async || {
        (reloads("ok").await == 1.0).then_some(())
    })
    .await;
    assert_eq!(airflow().await, "trino-a", "the new rules are in force");

    std::fs::write(&rules, "rules:\n  - name: airflow\n    when: {colour: red}\n    routingGroup: etl\n").unwrap();
    wait_for("the bad rules to be refused", Duration::from_secs(10), async || {
        (reloads("error").await == 1.0).then_some(())
    })
    .await;
    assert_eq!(airflow().await, "trino-a", "a bad file keeps the rules in force");
    assert_eq!(reloads("ok").await, 1.0);

    std::fs::write(&rules, rule("etl")).unwrap();
    wait_for("the fixed rules to be loaded", Duration::from_secs(10), async || {
        (reloads("ok").await == 2.0).then_some(())
    })
    .await;
    assert_eq!(airflow().await, "trino-b");
    gateway.stop().await;
}
