//! The streaming Trino proxy: route, forward with the right headers, stream both bodies, and
//! learn sticky routes from responses without buffering them.
//!
//! Time limits: a cluster has `proxy.responseTimeout` to send its response headers (else 504)
//! and then at most `proxy.bodyIdleTimeout` between two parts of the body (else the response is
//! cut off with an error, so the client sees a failed transfer rather than a hang). Bodies pass
//! through as the cluster sent them, `Content-Encoding` included; only the first
//! `POST /v1/statement` is asked for uncompressed, so its query id can be read on the fly.
//!
//! A follow-up whose query id is unknown waits up to `routing.unknownQueryWait` for the route:
//! the replica that forwarded the `POST` writes it to the store in the background, and a client
//! that sends its next request to another replica can be ahead of that write by a few ms.
//! Measured on the test PostgreSQL (2 shared cores, `ci` build): of 300 follow-ups sent to the
//! other replica right after each `POST`, 22–60 % missed on the first lookup, and all of them
//! found their route within 16 ms (mean about 4 ms), before the writer's 5 ms batching
//! window (`routing::sticky`), which adds up to 5 ms to that wait. The `POST` path is unchanged.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use http_body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

use super::auth::Authenticator;
use super::config::ProxyConfig;
use super::metrics::Metrics;
use crate::cluster::Cluster;
use crate::error::{Error, ErrorKind};
use crate::routing::{InFlight, QueryId, RouteDecision, RouteRequest, Router};

/// Path prefixes that belong to Trino; everything else is the gateway's own API.
const PROXIED: [&str; 7] = ["/v1/statement", "/v1/query", "/v1/spooled", "/ui", "/v1/info", "/v1/node", "/oauth2"];

/// Whether `path` is proxied to a cluster.
pub(crate) fn is_proxied(path: &str) -> bool {
    PROXIED.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// How the client reached the gateway (set per connection).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Connection {
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    pub(crate) tls: bool,
}

pub(crate) type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Body>;

/// The proxy: a pooled HTTP client and the router.
pub(crate) struct Proxy {
    client: HttpClient,
    router: Arc<Router>,
    config: ProxyConfig,
    metrics: Arc<Metrics>,
    auth: Option<Arc<Authenticator>>,
    unknown_query_wait: Duration,
    /// Follow-ups allowed to wait for their route at once; more get their 404 without waiting.
    waiting: Semaphore,
}

/// How many follow-ups with an unknown query id may wait for their route at the same time.
/// Each polls the store about ten times in its wait: past this, a flood of made-up query ids
/// gets its 404s at once instead of holding connections and loading the store.
const MAX_WAITING: usize = 256;

/// The first and the longest pause between two store lookups of a follow-up that waits.
const FIRST_PAUSE: Duration = Duration::from_millis(2);
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// Builds the HTTP(S) client used for proxying and probing (rustls with ring, webpki roots).
pub(crate) fn http_client(config: &ProxyConfig) -> crate::Result<HttpClient> {
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(config.connect_timeout));
    http.set_nodelay(true);
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot set up TLS to clusters: {e}")))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).pool_max_idle_per_host(256).build(connector))
}

/// Hop-by-hop headers (RFC 9110 section 7.6.1), never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Forwarding headers a client could forge; the gateway replaces them with what it saw.
const FORWARDED: [&str; 5] =
    ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"];

impl Proxy {
    /// A proxy through `client` that routes with `router`; a follow-up with an unknown query id
    /// waits up to `unknown_query_wait` for its route to reach the store.
    pub(crate) fn new(
        client: HttpClient,
        router: Arc<Router>,
        config: ProxyConfig,
        metrics: Arc<Metrics>,
        unknown_query_wait: Duration,
    ) -> Self {
        Self { client, router, config, metrics, auth: None, unknown_query_wait, waiting: Semaphore::new(MAX_WAITING) }
    }

    /// Authenticates requests with `auth` (see [`Authenticator::authenticate`]).
    pub(crate) fn with_auth(mut self, auth: Option<Arc<Authenticator>>) -> Self {
        self.auth = auth;
        self
    }

    /// Proxies one request; every failure becomes a Trino-shaped JSON error.
    pub(crate) async fn handle(&self, request: Request<Body>, connection: Connection) -> Response<Body> {
        let started = Instant::now();
        let response = self.forward(request, connection).await.unwrap_or_else(|e| e);
        self.metrics.observe_proxy(response.status(), started.elapsed());
        response
    }

    async fn forward(&self, request: Request<Body>, connection: Connection) -> Result<Response<Body>, Response<Body>> {
        let (mut parts, body) = request.into_parts();
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
        let path = parts.uri.path().to_owned();
        let principal = match &self.auth {
            Some(auth) => auth.authenticate(&path, &mut parts.headers).await?,
            None => None,
        };
        if let Some(rest) = path.strip_prefix("/v1/statement/")
            && !rest.is_empty()
            && QueryId::from_request(&path, parts.uri.query()).is_none()
        {
            return Err(trino_error(StatusCode::NOT_FOUND, "QUERY_NOT_FOUND", "the path holds no valid query id"));
        }

        let mut route_request = route_request(parts.method.as_str(), &path_and_query, &parts.headers);
        if let Some(principal) = principal {
            route_request = route_request.with_principal(principal.name);
        }
        let decision = self.route(&route_request).await.map_err(|e| routing_error(&e))?;
        self.metrics.observe_route(&decision.routing_group, &decision.cluster.name, &decision.reason);
        let guard = self.router.begin(&decision);
        let new_query = route_request.is_new_query();

        let uri: Uri = format!("{}{}", decision.cluster.proxy_to, path_and_query).parse().map_err(|_| {
            trino_error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "the request path cannot be forwarded")
        })?;
        forward_headers(&mut parts.headers, connection);
        if new_query {
            // The first response is small and carries the query id; ask for it uncompressed so
            // it can be read on the fly. Result pages (follow-ups) keep their compression.
            parts.headers.remove(header::ACCEPT_ENCODING);
        }
        for (name, value) in &decision.add_headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            {
                parts.headers.insert(name, value);
            }
        }
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let upstream = Request::from_parts(parts, body);

        let response = match tokio::time::timeout(self.config.response_timeout, self.client.request(upstream)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                tracing::warn!(cluster = %decision.cluster.name, error = %e, "backend request failed");
                return Err(trino_error(
                    StatusCode::BAD_GATEWAY,
                    "BACKEND_UNREACHABLE",
                    &format!("cluster {:?} did not answer: {}", decision.cluster.name.as_str(), root_cause(&e)),
                ));
            }
            Err(_) => {
                return Err(trino_error(
                    StatusCode::GATEWAY_TIMEOUT,
                    "BACKEND_TIMEOUT",
                    &format!(
                        "cluster {:?} did not answer within {:?}",
                        decision.cluster.name.as_str(),
                        self.config.response_timeout
                    ),
                ));
            }
        };

        let (mut parts, body) = response.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        if parts.status == StatusCode::UNAUTHORIZED {
            for challenge in parts.headers.get_all(header::WWW_AUTHENTICATE) {
                if let Ok(challenge) = challenge.to_str() {
                    self.router.record_oauth2_challenge(challenge, &decision.cluster);
                }
            }
        }
        if path.starts_with("/oauth2/token/initiate/")
            && let Ok(cookie) = HeaderValue::try_from(self.router.oauth2_cookie(&decision.cluster.name))
        {
            parts.headers.append(header::SET_COOKIE, cookie);
        }
        let sniff = (new_query && parts.status == StatusCode::OK).then(|| Sniff {
            router: Arc::clone(&self.router),
            cluster: Arc::clone(&decision.cluster),
            request: route_request,
            seen: Vec::new(),
        });
        let idle = Idle::new(self.config.body_idle_timeout, Arc::clone(&decision.cluster));
        let body = Body::new(Tracked { inner: body, _guard: guard, sniff, idle });
        Ok(Response::from_parts(parts, body))
    }

    /// Routes `request`. A follow-up whose query id the router does not know (`NotFound`) may
    /// be ahead of another replica's background write of its route: it polls the router (and
    /// so the store) with growing pauses for up to `unknown_query_wait` before the `NotFound`
    /// stands. New queries never wait.
    async fn route(&self, request: &RouteRequest) -> crate::Result<RouteDecision> {
        let error = match self.router.route(request).await {
            Err(e) if e.kind() == ErrorKind::NotFound && !self.unknown_query_wait.is_zero() => e,
            decided => return decided,
        };
        let Ok(_permit) = self.waiting.try_acquire() else {
            tracing::debug!("too many follow-ups wait for their route; answering 404 at once");
            return Err(error);
        };
        let started = Instant::now();
        let deadline = started + self.unknown_query_wait;
        let mut pause = FIRST_PAUSE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.metrics.observe_route_wait(false, started.elapsed());
                return Err(error);
            }
            tokio::time::sleep(pause.min(left)).await;
            match self.router.route(request).await {
                Err(e) if e.kind() == ErrorKind::NotFound => pause = (pause * 2).min(LONGEST_PAUSE),
                decided => {
                    self.metrics.observe_route_wait(decided.is_ok(), started.elapsed());
                    return decided;
                }
            }
        }
    }
}

/// The router's view of an HTTP request: method, path, query string and the UTF-8 headers.
fn route_request(method: &str, path_and_query: &str, headers: &HeaderMap) -> RouteRequest {
    headers.iter().fold(RouteRequest::new(method, path_and_query), |request, (name, value)| match value.to_str() {
        Ok(value) => request.with_header(name.as_str(), value),
        Err(_) => request,
    })
}

fn forward_headers(headers: &mut HeaderMap, connection: Connection) {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned);
    strip_hop_by_hop(headers);
    for name in FORWARDED {
        headers.remove(name);
    }
    headers.remove(header::HOST);
    let proto = if connection.tls { "https" } else { "http" };
    let host = host.unwrap_or_else(|| connection.local.to_string());
    let port = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(|| connection.local.port().to_string(), |(_, p)| p.to_owned());
    let set = |headers: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    set(headers, "x-forwarded-proto", proto);
    set(headers, "x-forwarded-host", &host);
    set(headers, "x-forwarded-port", &port);
    set(headers, "x-forwarded-for", &connection.peer.ip().to_string());
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect();
    for name in HOP_BY_HOP.iter().copied().chain(listed.iter().map(String::as_str)) {
        headers.remove(name);
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A Trino-shaped JSON error: `{"error": {"message", "errorName", "errorType"}}`.
pub(crate) fn trino_error(status: StatusCode, name: &str, message: &str) -> Response<Body> {
    let error_type = if status.is_server_error() { "EXTERNAL" } else { "USER_ERROR" };
    let body = serde_json::json!({"error": {"message": message, "errorName": name, "errorType": error_type}});
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn routing_error(error: &Error) -> Response<Body> {
    match error.kind() {
        ErrorKind::NotFound => trino_error(StatusCode::NOT_FOUND, "QUERY_NOT_FOUND", error.message()),
        ErrorKind::Unavailable => trino_error(StatusCode::SERVICE_UNAVAILABLE, "NO_NODES_AVAILABLE", error.message()),
        ErrorKind::InvalidInput => trino_error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", error.message()),
        _ => trino_error(StatusCode::BAD_GATEWAY, "GATEWAY_ERROR", error.message()),
    }
}

/// Reads the query id from the start of the first statement response, as it streams by.
struct Sniff {
    router: Arc<Router>,
    cluster: Arc<Cluster>,
    request: RouteRequest,
    seen: Vec<u8>,
}

/// How much of a statement response is searched for its `"id"` (Trino puts it first).
const SNIFF_LIMIT: usize = 16 * 1024;

impl Sniff {
    /// Feeds a chunk; returns `true` when done (id found, or the limit passed).
    fn feed(&mut self, chunk: &[u8]) -> bool {
        let room = SNIFF_LIMIT.saturating_sub(self.seen.len());
        self.seen.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if let Some(id) = find_query_id(&self.seen) {
            self.router.record_query(&id, &self.cluster, &self.request);
            return true;
        }
        self.seen.len() >= SNIFF_LIMIT
    }
}

/// The value of the top-level `"id"` member of a (possibly truncated) Trino JSON response.
fn find_query_id(json: &[u8]) -> Option<QueryId> {
    let text = std::str::from_utf8(json).or_else(|e| std::str::from_utf8(&json[..e.valid_up_to()])).ok()?;
    let at = text.find("\"id\"")? + 4;
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    QueryId::new(&rest[..rest.find('"')?]).ok()
}

/// A response body passed through untouched, holding the in-flight count until it ends,
/// sniffing the query id of a new query, and cut off with an error when the cluster stalls.
struct Tracked<B> {
    inner: B,
    _guard: Option<InFlight>,
    sniff: Option<Sniff>,
    idle: Idle,
}

impl<B> http_body::Body for Tracked<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.idle.expired {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => return self.idle.poll_stalled(cx).map(|e| Some(Err(e.into()))),
            Poll::Ready(frame) => frame,
        };
        self.idle.active();
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
            && self.sniff.as_mut().is_some_and(|s| s.feed(data))
        {
            self.sniff = None;
        }
        Poll::Ready(frame.map(|f| f.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.idle.expired || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The idle clock of a response body: it runs while the proxy waits for the cluster's next
/// frame (never while the client is slow to take one) and fails the body when it reaches the
/// limit. The timer is made on the first wait and moved only when it fires early, so a body
/// that flows costs no timer work per frame.
struct Idle {
    limit: Duration,
    cluster: Arc<Cluster>,
    /// When the current wait for a frame began.
    waiting_since: Option<tokio::time::Instant>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    expired: bool,
}

impl Idle {
    fn new(limit: Duration, cluster: Arc<Cluster>) -> Self {
        Self { limit, cluster, waiting_since: None, timer: None, expired: false }
    }

    /// A frame (or the end) arrived: the current wait is over.
    fn active(&mut self) {
        self.waiting_since = None;
    }

    /// The cluster has no frame ready: `Ready(error)` when it has been silent for the limit,
    /// else `Pending` with the timer set to wake the task by then.
    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<Error> {
        let now = tokio::time::Instant::now();
        let deadline = *self.waiting_since.get_or_insert(now) + self.limit;
        let limit = self.limit;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            // Set for an earlier wait: move it to this one's deadline (a timer is never later).
            timer.as_mut().reset(deadline);
        }
        self.expired = true;
        tracing::warn!(cluster = %self.cluster.name, ?limit, "the cluster stalled in a response body; cutting it off");
        Poll::Ready(Error::new(
            ErrorKind::Timeout,
            format!(
                "cluster {:?} sent nothing for {limit:?} in the middle of a response (proxy.bodyIdleTimeout)",
                self.cluster.name.as_str()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxied_paths_are_exactly_trinos() {
        for path in
            ["/v1/statement", "/v1/statement/queued/x", "/ui", "/ui/", "/v1/info", "/oauth2/callback", "/v1/spooled/x"]
        {
            assert!(is_proxied(path), "{path}");
        }
        for path in ["/", "/api/v1/clusters", "/v1/statementx", "/uix", "/metrics", "/gateway/backend/all"] {
            assert!(!is_proxied(path), "{path}");
        }
    }

    #[test]
    fn query_id_is_found_in_a_partial_first_response() {
        let json = br#"{"id":"20260101_120000_00001_abcde","infoUri":"http://gw/ui/query.html?20260101_120000_00001_abcde","nextUri":"ht"#;
        assert_eq!(find_query_id(json).unwrap().as_str(), "20260101_120000_00001_abcde");
        assert_eq!(find_query_id(br#"{ "id" : "1_2_3_x", "#).unwrap().as_str(), "1_2_3_x");
        assert!(find_query_id(br#"{"id":"20260101_1200"#).is_none());
        assert!(find_query_id(br#"{"error":"x"}"#).is_none());
    }

    #[test]
    fn forged_forwarding_headers_are_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        headers.insert("x-forwarded-host", HeaderValue::from_static("evil.example.com"));
        headers.insert("forwarded", HeaderValue::from_static("for=6.6.6.6"));
        headers.insert(header::HOST, HeaderValue::from_static("gw.example.com:8443"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-secret"));
        headers.insert("x-secret", HeaderValue::from_static("1"));
        let connection =
            Connection { peer: "10.1.2.3:5555".parse().unwrap(), local: "0.0.0.0:8443".parse().unwrap(), tls: true };
        forward_headers(&mut headers, connection);
        assert_eq!(headers["x-forwarded-for"], "10.1.2.3");
        assert_eq!(headers["x-forwarded-host"], "gw.example.com:8443");
        assert_eq!(headers["x-forwarded-proto"], "https");
        assert_eq!(headers["x-forwarded-port"], "8443");
        assert!(
            headers.get("forwarded").is_none() && headers.get("x-secret").is_none() && headers.get("host").is_none()
        );
    }

    #[test]
    fn routing_errors_are_trino_shaped() {
        let response = routing_error(&Error::new(ErrorKind::Unavailable, "no cluster"));
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(routing_error(&Error::not_found("x")).status(), StatusCode::NOT_FOUND);
    }
}
