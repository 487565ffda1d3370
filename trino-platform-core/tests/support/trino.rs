//! A Trino coordinator fixture that follows the documented client protocol, for gateway tests
//! that need to control a backend (kill it, count its requests, stream gigabytes from it).
//! The end-to-end suites use a real Trino server from `scripts/services`; this fixture does not
//! replace it.
//!
//! Protocol, as Trino implements it:
//! - `POST /v1/statement` (SQL body, `X-Trino-User`) → 200 `{"id", "infoUri", "nextUri":
//!   ".../v1/statement/queued/{id}/{slug}/1", "stats": {"state": "QUEUED"}}`;
//! - `GET` of each `nextUri` → the next page: queued → executing (columns, data) → finished (no
//!   `nextUri`);
//! - `DELETE` of a `nextUri` → 204, the query is cancelled;
//! - URIs are built from `X-Forwarded-Proto`/`X-Forwarded-Host` when present
//!   (`http-server.process-forwarded=true`);
//! - a user named `oauth` gets a 401 with Trino's OAuth2 `WWW-Authenticate` challenge;
//! - statement requests are counted, and the `X-Trino-User` and `Authorization` of the last one
//!   kept, for tests to read;
//! - `GET /v1/info` → `{"starting": false, …}`, `GET /v1/cluster` → running/queued counts;
//! - `GET /v1/spooled/download/big-{n}` streams `n` bytes (a spooled result segment);
//! - the SQL text `STUCK` makes the coordinator hang for 30 s before answering.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

/// A running fixture coordinator.
pub struct Fixture {
    pub name: String,
    pub addr: SocketAddr,
    state: Arc<FixtureState>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct FixtureState {
    name: String,
    counter: AtomicU64,
    requests: AtomicU64,
    queries: Mutex<HashMap<String, &'static str>>,
    /// Requests to `/v1/statement…`, and the `X-Trino-User` and `Authorization` of the last one.
    statements: AtomicU64,
    last_user: Mutex<Option<String>>,
    last_authorization: Mutex<Option<String>>,
}

impl Fixture {
    /// Starts a fixture named `name` on a free loopback port.
    pub async fn start(name: &str) -> Fixture {
        let state = Arc::new(FixtureState { name: name.to_owned(), ..Default::default() });
        let app = axum::Router::new()
            .route("/v1/info", get(info))
            .route("/v1/cluster", get(cluster))
            .route("/v1/statement", post(submit))
            .route("/v1/statement/{phase}/{id}/{slug}/{token}", get(next).delete(cancel))
            .route("/v1/query/{id}", get(query_info).delete(kill))
            .route("/v1/spooled/download/{segment}", get(segment))
            .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), count))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Fixture { name: name.to_owned(), addr, state, task }
    }

    /// The coordinator URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The state of query `id` on this coordinator, if it ran it.
    pub fn query_state(&self, id: &str) -> Option<&'static str> {
        self.state.queries.lock().unwrap().get(id).copied()
    }

    /// Statement requests (`/v1/statement…`) served so far (health probes are not counted).
    pub fn statement_requests(&self) -> u64 {
        self.state.statements.load(Ordering::Relaxed)
    }

    /// The `X-Trino-User` of the last statement request (`None` when it had none).
    pub fn last_user(&self) -> Option<String> {
        self.state.last_user.lock().unwrap().clone()
    }

    /// The `Authorization` header of the last statement request.
    pub fn last_authorization(&self) -> Option<String> {
        self.state.last_authorization.lock().unwrap().clone()
    }

    /// Stops serving (connections are refused from now on).
    pub fn kill(&self) {
        self.task.abort();
    }
}

async fn count(
    State(state): State<Arc<FixtureState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    if request.uri().path().starts_with("/v1/statement") {
        state.statements.fetch_add(1, Ordering::Relaxed);
        for (name, slot) in [("x-trino-user", &state.last_user), ("authorization", &state.last_authorization)] {
            *slot.lock().unwrap() = request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        }
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert("x-fixture-name", state.name.parse().unwrap());
    response
}

/// The base URL a client should use, built like Trino does from the forwarded headers.
fn base(headers: &HeaderMap) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let proto = get("x-forwarded-proto").unwrap_or("http");
    let host = get("x-forwarded-host").or_else(|| get("host")).unwrap_or("localhost");
    format!("{proto}://{host}")
}

async fn info() -> Response {
    axum::Json(json!({"nodeVersion": {"version": "fixture"}, "environment": "test", "coordinator": true, "starting": false, "uptime": "1.00s"}))
        .into_response()
}

async fn cluster(State(state): State<Arc<FixtureState>>) -> Response {
    let running = state.queries.lock().unwrap().values().filter(|s| **s == "RUNNING").count();
    axum::Json(json!({"runningQueries": running, "queuedQueries": 0, "blockedQueries": 0, "activeWorkers": 1}))
        .into_response()
}

async fn submit(State(state): State<Arc<FixtureState>>, headers: HeaderMap, sql: String) -> Response {
    if headers.get("x-trino-user").is_some_and(|u| u == "oauth") {
        let base = base(&headers);
        let challenge = format!(
            "Bearer x_redirect_server=\"{base}/oauth2/token/initiate/{name}hash\", x_token_server=\"{base}/oauth2/token/{name}auth\"",
            name = state.name
        );
        return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)], "").into_response();
    }
    if sql.trim() == "STUCK" {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await; // a backend that hangs
    }
    if sql.trim().is_empty() {
        return (StatusCode::BAD_REQUEST, "SQL statement is empty").into_response();
    }
    let n = state.counter.fetch_add(1, Ordering::Relaxed);
    let id = format!("20260101_120000_{n:05}_{}", state.name.replace('-', "_"));
    state.queries.lock().unwrap().insert(id.clone(), "QUEUED");
    let base = base(&headers);
    axum::Json(json!({
        "id": id,
        "infoUri": format!("{base}/ui/query.html?{id}"),
        "nextUri": format!("{base}/v1/statement/queued/{id}/y1/1"),
        "stats": {"state": "QUEUED", "queued": true, "scheduled": false},
        "warnings": [],
    }))
    .into_response()
}

async fn next(
    State(state): State<Arc<FixtureState>>,
    headers: HeaderMap,
    Path((phase, id, _slug, token)): Path<(String, String, String, u64)>,
) -> Response {
    let mut queries = state.queries.lock().unwrap();
    let Some(current) = queries.get(&id).copied() else {
        return (StatusCode::NOT_FOUND, "Query not found").into_response();
    };
    let base = base(&headers);
    let page = match (phase.as_str(), current) {
        (_, "CANCELED") => {
            json!({"id": id, "stats": {"state": "FAILED"}, "error": {"message": "Query was canceled", "errorName": "USER_CANCELED"}})
        }
        ("queued", _) => {
            queries.insert(id.clone(), "RUNNING");
            json!({"id": id, "nextUri": format!("{base}/v1/statement/executing/{id}/y2/{}", token + 1), "stats": {"state": "RUNNING"}})
        }
        ("executing", _) if token < 3 => json!({
            "id": id,
            "nextUri": format!("{base}/v1/statement/executing/{id}/y3/{}", token + 1),
            "columns": [{"name": "served_by", "type": "varchar", "typeSignature": {"rawType": "varchar", "arguments": []}}],
            "data": [[state.name]],
            "stats": {"state": "RUNNING"},
        }),
        _ => {
            queries.insert(id.clone(), "FINISHED");
            json!({"id": id, "columns": [{"name": "served_by", "type": "varchar", "typeSignature": {"rawType": "varchar", "arguments": []}}], "stats": {"state": "FINISHED"}})
        }
    };
    axum::Json(page).into_response()
}

async fn cancel(
    State(state): State<Arc<FixtureState>>,
    Path((_phase, id, _slug, _token)): Path<(String, String, String, u64)>,
) -> StatusCode {
    match state.queries.lock().unwrap().get_mut(&id) {
        Some(s) => {
            *s = "CANCELED";
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn query_info(State(state): State<Arc<FixtureState>>, Path(id): Path<String>) -> Response {
    match state.queries.lock().unwrap().get(&id) {
        Some(s) => axum::Json(json!({"queryId": id, "state": s})).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn kill(State(state): State<Arc<FixtureState>>, Path(id): Path<String>) -> StatusCode {
    match state.queries.lock().unwrap().get_mut(&id) {
        Some(s) => {
            *s = "CANCELED";
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// Streams `big-{n}` as `n` bytes in 64 KiB chunks, generated as they are sent.
async fn segment(Path(segment): Path<String>) -> Response {
    let Some(size) = segment.strip_prefix("big-").and_then(|n| n.parse::<u64>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    const CHUNK: u64 = 64 * 1024;
    let chunk = bytes::Bytes::from(vec![b'x'; CHUNK as usize]);
    let stream = futures_stream(size, chunk);
    Response::builder()
        .header("content-type", "application/octet-stream")
        .header("content-length", size)
        .body(Body::from_stream(stream))
        .unwrap()
}

fn futures_stream(
    size: u64,
    chunk: bytes::Bytes,
) -> impl futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    struct Chunks {
        left: u64,
        chunk: bytes::Bytes,
    }
    impl futures_core::Stream for Chunks {
        type Item = Result<bytes::Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            let n = self.left.min(self.chunk.len() as u64);
            self.left -= n;
            std::task::Poll::Ready(Some(Ok(self.chunk.slice(..n as usize))))
        }
    }
    Chunks { left: size, chunk }
}
