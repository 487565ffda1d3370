//! The gateway server end to end against Trino protocol fixtures (see `support/trino.rs`):
//! routing and sticky follow-ups through forwarded `nextUri`s, cancel, OAuth2 pinning, errors,
//! health-driven failover, the admin API and its credentials, and two gateways sharing a
//! PostgreSQL store. Real Trino clients against a real Trino run in the Python and Node suites.

mod support;

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
         proxy: {{responseTimeout: 2s}}\nclusters:\n{clusters}{extra}"
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

/// Two gateway replicas on one PostgreSQL store: a query submitted through one is followed to
/// completion through the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_share_sticky_routes_through_postgres() {
    let Some(fresh) = Fresh::postgres().await else { return };
    let (a, b) = (Fixture::start("trino-a").await, Fixture::start("trino-b").await);
    let one = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let two = Gateway::start(config(&fresh.url, &[&a, &b], "routing: {policy: roundRobin}\n")).await.unwrap();
    let (url_one, url_two) =
        (format!("http://{}", one.http_addr().unwrap()), format!("http://{}", two.http_addr().unwrap()));
    for _ in 0..4 {
        let first = call("POST", &format!("{url_one}/v1/statement"), &[("x-trino-user", "dave")], "SELECT 1").await;
        let owner = first.served_by().to_owned();
        let mut page = first.json();
        one.router().flush().await; // the route reaches the store before the other replica asks
        while let Some(next) = page["nextUri"].as_str() {
            let via_two = next.replace(&url_one, &url_two);
            let reply = call("GET", &via_two, &[], "").await;
            assert_eq!(reply.served_by(), owner, "followed through the other replica");
            page = reply.json();
        }
        assert_eq!(page["stats"]["state"], "FINISHED");
    }
    one.stop().await;
    two.stop().await;
}
