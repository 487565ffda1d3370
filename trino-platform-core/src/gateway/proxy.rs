//! The streaming Trino proxy: route, forward with the right headers, stream both bodies, and
//! learn sticky routes from responses without buffering them.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use http_body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::auth::Authenticator;
use super::config::ProxyConfig;
use super::metrics::Metrics;
use crate::cluster::Cluster;
use crate::error::{Error, ErrorKind};
use crate::routing::{InFlight, QueryId, RouteRequest, Router};

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
}

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
    pub(crate) fn new(client: HttpClient, router: Arc<Router>, config: ProxyConfig, metrics: Arc<Metrics>) -> Self {
        Self { client, router, config, metrics, auth: None }
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
        let decision = self.router.route(&route_request).await.map_err(|e| routing_error(&e))?;
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
        let body = Body::new(Tracked { inner: body, _guard: guard, sniff });
        Ok(Response::from_parts(parts, body))
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

/// A response body passed through untouched, holding the in-flight count until it ends and
/// sniffing the query id of a new query.
struct Tracked<B> {
    inner: B,
    _guard: Option<InFlight>,
    sniff: Option<Sniff>,
}

impl<B> http_body::Body for Tracked<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &poll
            && let Some(data) = frame.data_ref()
            && self.sniff.as_mut().is_some_and(|s| s.feed(data))
        {
            self.sniff = None;
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
