//! A Trino coordinator fixture that follows the documented client protocol, for gateway tests
//! that need to control a backend (kill it, count its requests, stream gigabytes from it, make
//! it stall). The end-to-end suites use a real Trino server from `scripts/services`; this
//! fixture does not replace it.
//!
//! Protocol, as Trino 476 implements it:
//! - `POST /v1/statement` (SQL body, `X-Trino-User`) → 200 `{"id", "infoUri", "nextUri":
//!   ".../v1/statement/queued/{id}/{slug}/1", "stats": {"state": "QUEUED"}}`;
//! - `GET` of each `nextUri` → the next page: queued → executing (columns, data) → finished (no
//!   `nextUri`); gzip-encoded (`Content-Encoding: gzip`, `Vary: Accept-Encoding`) when the
//!   request accepts gzip, as Trino's HTTP server does (a valid gzip stream of stored deflate
//!   blocks: the fixture needs no compressor, and tests decode it with an independent one);
//! - `DELETE` of a `nextUri` → 204, the query is cancelled;
//! - URIs are built from `X-Forwarded-Proto`/`X-Forwarded-Host` when present
//!   (`http-server.process-forwarded=true`);
//! - a user named `oauth` gets a 401 with Trino's OAuth2 `WWW-Authenticate` challenge;
//! - statement requests are counted, and the `X-Trino-User` and `Authorization` of the last one
//!   kept, for tests to read;
//! - `GET /v1/info` → `{"starting": false, …}`; there is no `/v1/cluster` (404, as in Trino);
//! - the Web UI's form login, as with Trino's insecure authentication: `POST /ui/login`
//!   (form-encoded `username`, `password`, `redirectPath`) → 303 to `/ui/` with
//!   `Set-Cookie: Trino-UI-Token=…;Version=1;Path=/ui;HttpOnly` for a non-empty user name and an
//!   empty password, else 303 to `/ui/login.html` without a cookie; `GET /ui/api/stats` with a
//!   valid token cookie → `{"runningQueries", "blockedQueries", "queuedQueries",
//!   "activeCoordinators", "activeWorkers", …}` (queries of this fixture in `RUNNING` and
//!   `QUEUED`), without one → 401 `WWW-Authenticate: Trino-Form-Login`;
//! - `GET /v1/spooled/download/big-{n}` streams `n` bytes (a spooled result segment),
//!   `…/slow-{n}` sends `n` chunks of 1 KiB 100 ms apart, `…/stall-{n}` sends `n` bytes and then
//!   nothing, never ending;
//! - the SQL text `STUCK` makes the coordinator hang for 30 s before answering, `SLOW` for 1 s.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// Web UI sessions issued and not revoked; logins so far; whether logins are refused.
    ui_tokens: Mutex<HashSet<String>>,
    ui_logins: AtomicU64,
    refuse_ui_logins: AtomicBool,
    /// The last gzip-encoded page sent, byte for byte.
    last_gzip: Mutex<Option<bytes::Bytes>>,
}

impl Fixture {
    /// Starts a fixture named `name` on a free loopback port.
    pub async fn start(name: &str) -> Fixture {
        let state = Arc::new(FixtureState { name: name.to_owned(), ..Default::default() });
        let app = axum::Router::new()
            .route("/v1/info", get(info))
            .route("/ui/login", post(ui_login))
            .route("/ui/api/stats", get(ui_stats))
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

    /// Web UI logins accepted so far.
    pub fn ui_logins(&self) -> u64 {
        self.state.ui_logins.load(Ordering::Relaxed)
    }

    /// Ends every Web UI session (as a coordinator restart or session expiry does): their
    /// tokens get 401 from now on.
    pub fn revoke_ui_sessions(&self) {
        self.state.ui_tokens.lock().unwrap().clear();
    }

    /// Refuses (or accepts again) Web UI logins, as a UI with another authentication would.
    pub fn refuse_ui_logins(&self, refuse: bool) {
        self.state.refuse_ui_logins.store(refuse, Ordering::Relaxed);
    }

    /// The last gzip-encoded page this fixture sent, as sent.
    pub fn last_gzip_page(&self) -> Option<bytes::Bytes> {
        self.state.last_gzip.lock().unwrap().clone()
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

async fn ui_login(State(state): State<Arc<FixtureState>>, headers: HeaderMap, form: String) -> Response {
    let base = base(&headers);
    let form: HashMap<String, String> = url::form_urlencoded::parse(form.as_bytes()).into_owned().collect();
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let form_encoded = headers.get("content-type").is_some_and(|v| v == "application/x-www-form-urlencoded");
    if !form_encoded
        || field("username").is_empty()
        || !field("password").is_empty()
        || state.refuse_ui_logins.load(Ordering::Relaxed)
    {
        return (StatusCode::SEE_OTHER, [("location", format!("{base}/ui/login.html"))]).into_response();
    }
    let n = state.ui_logins.fetch_add(1, Ordering::Relaxed);
    let token = format!("eyJhbGciOiJIUzI1NiJ9.{}-{n}.sig", state.name);
    state.ui_tokens.lock().unwrap().insert(token.clone());
    (
        StatusCode::SEE_OTHER,
        [
            ("location", format!("{base}/ui/")),
            ("set-cookie", format!("Trino-UI-Token={token};Version=1;Path=/ui;HttpOnly")),
        ],
    )
        .into_response()
}

async fn ui_stats(State(state): State<Arc<FixtureState>>, headers: HeaderMap) -> Response {
    let token = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("Trino-UI-Token=").map(str::to_owned));
    if !token.is_some_and(|t| state.ui_tokens.lock().unwrap().contains(&t)) {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Trino-Form-Login"), ("content-type", "text/plain;charset=utf-8")],
            "Unauthorized",
        )
            .into_response();
    }
    let queries = state.queries.lock().unwrap();
    let count = |wanted: &str| queries.values().filter(|s| **s == wanted).count();
    axum::Json(json!({
        "runningQueries": count("RUNNING"), "blockedQueries": 0, "queuedQueries": count("QUEUED"),
        "activeCoordinators": 1, "activeWorkers": 1, "runningDrivers": 0, "totalAvailableProcessors": 2,
        "reservedMemory": 0.0, "totalInputRows": 0, "totalInputBytes": 0, "totalCpuTimeSecs": 0,
    }))
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
    match sql.trim() {
        "STUCK" => tokio::time::sleep(Duration::from_secs(30)).await, // a backend that hangs
        "SLOW" => tokio::time::sleep(Duration::from_secs(1)).await,
        _ => {}
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
    let accepts_gzip = headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
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
    drop(queries);
    if !accepts_gzip {
        return axum::Json(page).into_response();
    }
    let body = bytes::Bytes::from(gzip(page.to_string().as_bytes()));
    *state.last_gzip.lock().unwrap() = Some(body.clone());
    Response::builder()
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .header("vary", "Accept-Encoding")
        .body(Body::from(body))
        .unwrap()
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

/// `data` as a gzip member (RFC 1952) of stored deflate blocks (RFC 1951 section 3.2.4).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut blocks = data.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let crc = !data.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |c, _| if c & 1 == 1 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 })
    });
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Streams `big-{n}` as `n` bytes in 64 KiB chunks, generated as they are sent; `slow-{n}` as
/// `n` chunks of 1 KiB, 100 ms apart; `stall-{n}` as `n` bytes and then nothing, forever.
async fn segment(Path(segment): Path<String>) -> Response {
    let parse = |prefix: &str| segment.strip_prefix(prefix).and_then(|n| n.parse::<u64>().ok());
    let (size, body) = if let Some(size) = parse("big-") {
        (size, Body::from_stream(Chunks { left: size, chunk: bytes::Bytes::from(vec![b'x'; 64 * 1024]) }))
    } else if let Some(count) = parse("slow-") {
        let steps = (0..count).map(|_| (Duration::from_millis(100), bytes::Bytes::from(vec![b's'; 1024]))).collect();
        (count * 1024, Body::from_stream(Paced::new(steps, false)))
    } else if let Some(size) = parse("stall-") {
        let steps = vec![(Duration::ZERO, bytes::Bytes::from(vec![b'z'; size as usize]))];
        (size + 1, Body::from_stream(Paced::new(steps, true)))
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Response::builder()
        .header("content-type", "application/octet-stream")
        .header("content-length", size)
        .body(body)
        .unwrap()
}

/// `left` bytes in copies of `chunk`.
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

/// Each chunk after its delay; then the end, or (`hang`) never anything again.
struct Paced {
    steps: std::collections::VecDeque<(Duration, bytes::Bytes)>,
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    hang: bool,
}

impl Paced {
    fn new(steps: Vec<(Duration, bytes::Bytes)>, hang: bool) -> Self {
        Self { steps: steps.into(), timer: None, hang }
    }
}

impl futures_core::Stream for Paced {
    type Item = Result<bytes::Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let Some((delay, _)) = self.steps.front().cloned() else {
            return if self.hang { std::task::Poll::Pending } else { std::task::Poll::Ready(None) };
        };
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
        if timer.as_mut().poll(cx).is_pending() {
            return std::task::Poll::Pending;
        }
        self.timer = None;
        let (_, chunk) = self.steps.pop_front().unwrap();
        std::task::Poll::Ready(Some(Ok(chunk)))
    }
}
