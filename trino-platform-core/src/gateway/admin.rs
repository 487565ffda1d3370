//! The admin API: trino-platform's own `/api/v1/clusters`, trino-gateway-compatible endpoints
//! so existing scripts keep working, and the credentials check in front of both.
//!
//! | path | method | answer |
//! |---|---|---|
//! | `/api/v1/clusters` | GET / POST (cluster JSON) | clusters with status / the new cluster (201) |
//! | `/api/v1/clusters/{name}` | GET / PATCH (partial JSON) / DELETE | the cluster |
//! | `/api/v1/clusters/{name}/activate`, `/deactivate` | POST | the cluster |
//! | `/gateway/backend/all`, `/gateway/backend/active` | GET | backend JSON list |
//! | `/gateway/backend/activate/{name}`, `/deactivate/{name}` | POST | 200, 404 text |
//! | `/gateway/backend/modify/add`, `/update` | POST (backend JSON) | the backend |
//! | `/gateway/backend/modify/delete` | POST (raw name) | 200 |
//! | `/entity` | GET | `["GATEWAY_BACKEND"]` |
//! | `/entity?entityType=GATEWAY_BACKEND` | POST (backend JSON) | upserted backend |
//! | `/entity/GATEWAY_BACKEND` | GET | backend JSON list |
//! | `/api/public/backends`, `/api/public/backends/{name}`, `/{name}/state` | GET | backends, cluster stats |

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Shared;
use super::config::AdminConfig;
use crate::cluster::{Cluster, ClusterName, ClusterSpec, ClusterUpdate};
use crate::error::{Error, ErrorKind, Result};
use crate::routing::ClusterView;

/// The admin routes, behind the credentials check.
pub(crate) fn routes(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route("/api/v1/clusters", get(list_clusters).post(create_cluster))
        .route("/api/v1/clusters/{name}", get(get_cluster).patch(patch_cluster).delete(delete_cluster))
        .route("/api/v1/clusters/{name}/activate", post(activate))
        .route("/api/v1/clusters/{name}/deactivate", post(deactivate))
        .route("/gateway/backend/all", get(tg_all))
        .route("/gateway/backend/active", get(tg_active))
        .route("/gateway/backend/activate/{name}", post(tg_activate))
        .route("/gateway/backend/deactivate/{name}", post(tg_deactivate))
        .route("/gateway/backend/modify/add", post(tg_add))
        .route("/gateway/backend/modify/update", post(tg_upsert))
        .route("/gateway/backend/modify/delete", post(tg_delete))
        .route("/entity", get(tg_entities).post(tg_entity_upsert))
        .route("/entity/{entity}", get(tg_entity_list))
        .route("/api/public/backends", get(tg_all))
        .route("/api/public/backends/{name}", get(tg_one))
        .route("/api/public/backends/{name}/state", get(tg_state))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), authorize))
        .with_state(shared)
}

/// Lets a request through when the admin API is open or it carries a configured bearer token
/// or basic user (compared in constant time); otherwise 401.
async fn authorize(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if shared.admin.open || credentials_ok(&shared.admin, request.headers()) {
        return next.run(request).await;
    }
    let mut response = error_response(&Error::new(
        ErrorKind::Unauthorized,
        "the admin API needs a bearer token or basic credentials from the gateway config",
    ));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer, Basic realm=\"trino-platform\""));
    response
}

fn credentials_ok(admin: &AdminConfig, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let same = |a: &[u8], b: &[u8]| bool::from(a.ct_eq(b));
    if let Some(token) = value.strip_prefix("Bearer ") {
        return admin
            .tokens
            .iter()
            .fold(false, |ok, t| ok | same(t.expose_secret().as_bytes(), token.trim().as_bytes()));
    }
    let Some(encoded) = value.strip_prefix("Basic ") else { return false };
    let Some(decoded) = base64_decode(encoded.trim()) else { return false };
    let Some((user, password)) = std::str::from_utf8(&decoded).ok().and_then(|s| s.split_once(':')) else {
        return false;
    };
    admin.users.iter().fold(false, |ok, u| {
        ok | (same(u.username.as_bytes(), user.as_bytes())
            & same(u.password.expose_secret().as_bytes(), password.as_bytes()))
    })
}

/// Standard base64 (RFC 4648, with padding), as HTTP basic auth uses it.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let digits: Vec<u8> = chunk.iter().map(|&c| value(c)).collect::<Option<_>>()?;
        let n = digits.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        match digits.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&bytes[1..3]),
            2 => out.push(bytes[1]),
            _ => return None,
        }
    }
    Some(out)
}

/// An error as JSON `{"error": {"kind", "message"}}` with the status of its kind.
pub(crate) fn error_response(error: &Error) -> Response {
    let status = match error.kind() {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::AlreadyExists | ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, Json(json!({"error": {"kind": error.kind().as_str(), "message": error.message()}}))).into_response()
}

struct ApiError(Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

/// Parses a JSON body into `T`; a syntax or shape error is `InvalidInput` saying what is wrong.
fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::invalid_input(format!("invalid JSON body: {e}")))
}

fn name(value: &str) -> Result<ClusterName> {
    ClusterName::new(value)
}

/// A cluster with its live status, as `/api/v1/clusters` shows it.
fn with_status(view: &ClusterView) -> Value {
    let mut value = serde_json::to_value(&view.cluster).unwrap_or_default();
    value["healthy"] = view.status.healthy.into();
    value["queued"] = view.status.queued.into();
    value["running"] = view.status.running.into();
    value["inFlight"] = view.in_flight.into();
    value
}

async fn list_clusters(State(shared): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let views = shared.views().await?;
    Ok(Json(Value::Array(views.iter().map(with_status).collect())))
}

async fn create_cluster(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<(StatusCode, Json<Cluster>)> {
    let cluster = Cluster::try_from(parse::<ClusterSpec>(&body)?)?;
    let cluster = shared.store.register(&cluster).await?;
    shared.refresh().await?;
    Ok((StatusCode::CREATED, Json(cluster)))
}

async fn get_cluster(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Value>> {
    let n = name(&n)?;
    let views = shared.views().await?;
    let view = views
        .iter()
        .find(|v| v.cluster.name == n)
        .ok_or_else(|| Error::not_found(format!("no cluster named {:?}", n.as_str())))?;
    Ok(Json(with_status(view)))
}

async fn patch_cluster(
    State(shared): State<Arc<Shared>>,
    Path(n): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Cluster>> {
    let cluster = shared.store.update(&name(&n)?, &parse::<ClusterUpdate>(&body)?).await?;
    shared.refresh().await?;
    Ok(Json(cluster))
}

async fn delete_cluster(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Cluster>> {
    let cluster = shared.store.remove(&name(&n)?).await?;
    shared.refresh().await?;
    Ok(Json(cluster))
}

async fn activate(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Cluster>> {
    let cluster = shared.store.activate(&name(&n)?).await?;
    shared.refresh().await?;
    Ok(Json(cluster))
}

async fn deactivate(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Cluster>> {
    let cluster = shared.store.deactivate(&name(&n)?).await?;
    shared.refresh().await?;
    Ok(Json(cluster))
}

// trino-gateway compatible endpoints.

async fn tg_all(State(shared): State<Arc<Shared>>) -> ApiResult<Json<Vec<Cluster>>> {
    Ok(Json(shared.store.list(&crate::cluster::ClusterFilter::all()).await?))
}

async fn tg_active(State(shared): State<Arc<Shared>>) -> ApiResult<Json<Vec<Cluster>>> {
    Ok(Json(shared.store.list(&crate::cluster::ClusterFilter::active()).await?))
}

async fn tg_one(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Cluster>> {
    Ok(Json(shared.store.get(&name(&n)?).await?))
}

/// trino-gateway's `ClusterStats` for one backend.
async fn tg_state(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> ApiResult<Json<Value>> {
    let n = name(&n)?;
    let views = shared.views().await?;
    let view = views
        .iter()
        .find(|v| v.cluster.name == n)
        .ok_or_else(|| Error::not_found(format!("no cluster named {:?}", n.as_str())))?;
    let c = &view.cluster;
    Ok(Json(json!({
        "clusterId": c.name, "proxyTo": c.proxy_to, "externalUrl": c.external_url, "routingGroup": c.routing_group,
        "healthy": if view.status.healthy { "HEALTHY" } else { "UNHEALTHY" },
        "runningQueryCount": view.status.running, "queuedQueryCount": view.status.queued,
        "numWorkerNodes": 0, "userQueuedCount": {},
    })))
}

/// Activation in trino-gateway's style: 200 with an empty body, or 404 with a text body.
async fn tg_set_active(shared: &Shared, n: &str, active: bool) -> Response {
    let result = async {
        let n = name(n)?;
        if active { shared.store.activate(&n).await } else { shared.store.deactivate(&n).await }?;
        shared.refresh().await
    }
    .await;
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::InvalidInput => {
            (StatusCode::NOT_FOUND, e.message().to_owned()).into_response()
        }
        Err(e) => error_response(&e),
    }
}

async fn tg_activate(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> Response {
    tg_set_active(&shared, &n, true).await
}

async fn tg_deactivate(State(shared): State<Arc<Shared>>, Path(n): Path<String>) -> Response {
    tg_set_active(&shared, &n, false).await
}

async fn tg_add(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Cluster>> {
    let cluster = shared.store.register(&parse::<Cluster>(&body)?).await?;
    shared.refresh().await?;
    Ok(Json(cluster))
}

async fn tg_upsert(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Cluster>> {
    Ok(Json(shared.upsert(parse::<Cluster>(&body)?).await?))
}

async fn tg_delete(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<StatusCode> {
    let text = std::str::from_utf8(&body).map_err(|_| Error::invalid_input("the body must be the backend name"))?;
    shared.store.remove(&name(text.trim().trim_matches('"'))?).await?;
    shared.refresh().await?;
    Ok(StatusCode::OK)
}

async fn tg_entities() -> Json<Value> {
    Json(json!(["GATEWAY_BACKEND"]))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntityQuery {
    entity_type: Option<String>,
}

async fn tg_entity_upsert(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<EntityQuery>,
    body: Bytes,
) -> ApiResult<Json<Cluster>> {
    if query.entity_type.as_deref() != Some("GATEWAY_BACKEND") {
        return Err(Error::invalid_input("entityType must be GATEWAY_BACKEND").into());
    }
    Ok(Json(shared.upsert(parse::<Cluster>(&body)?).await?))
}

async fn tg_entity_list(
    State(shared): State<Arc<Shared>>,
    Path(entity): Path<String>,
) -> ApiResult<Json<Vec<Cluster>>> {
    if entity != "GATEWAY_BACKEND" {
        return Err(Error::not_found(format!("unknown entity type {entity:?}; the only one is GATEWAY_BACKEND")).into());
    }
    Ok(Json(shared.store.list(&crate::cluster::ClusterFilter::all()).await?))
}

/// Answers a body-less request the admin API does not know with a JSON 404.
pub(crate) async fn not_found(request: Request) -> Response {
    error_response(&Error::not_found(format!("no such endpoint: {} {}", request.method(), request.uri().path())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::config::AdminUser;

    #[test]
    fn base64_round_trips_basic_credentials() {
        assert_eq!(base64_decode("YWRtaW46czNjcmV0").unwrap(), b"admin:s3cret");
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert!(base64_decode("!!!!").is_none());
    }

    #[test]
    fn credentials_are_checked() {
        let admin = AdminConfig {
            open: false,
            tokens: vec!["tok".to_owned().into()],
            users: vec![AdminUser { username: "admin".into(), password: "s3cret".to_owned().into() }],
        };
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            credentials_ok(&admin, &headers)
        };
        assert!(with("Bearer tok"));
        assert!(!with("Bearer tok2"));
        assert!(with("Basic YWRtaW46czNjcmV0"));
        assert!(!with("Basic YWRtaW46d3Jvbmc="));
        assert!(!credentials_ok(&admin, &HeaderMap::new()));
    }
}
