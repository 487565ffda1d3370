//! A Ranger Admin **fake**: no Ranger Admin can run here (it
//! needs its own database, Solr and a Java web app that is not on any registry this project
//! installs from), so this in-process server follows the documented public v2 REST API and the
//! plugin download endpoint exactly, as described in `shared/reference/platform-specs.md` §2:
//!
//! - `POST /service/public/v2/api/service` → 200 + the service with `id` (passwords masked as
//!   `*******`); creating a service also creates Ranger's default "all - …" policies for its
//!   `username`, one per resource path of the trino service-def (`RangerBaseService.
//!   getDefaultRangerPolicies`; every trino resource is mandatory); a taken name → 400 `{"statusCode":1,"msgDesc":"… error code[1007],
//!   reason[Duplicate service name: name=[…]] …"}`; missing mandatory configs → 400 (1011);
//! - `GET /service/public/v2/api/service/name/{name}` → 200 / 404 `{"statusCode":1,"msgDesc":"Not found"}`;
//! - `PUT /service/public/v2/api/service/{id}` → 200 (an id in the body that differs → 400);
//! - `DELETE /service/public/v2/api/service/name/{name}` → 204 / 404;
//! - `GET /service/public/v2/api/service/{service}/policy[/{name}]` → 200 / 404;
//! - `POST /service/public/v2/api/policy` → 200 + the policy; a taken name → 400 (3006), the same
//!   resources as another policy of the type → 400 (3010), an unknown service → 400;
//! - `PUT /service/public/v2/api/policy/{id}` → 200 / 404; `DELETE
//!   /service/public/v2/api/policy?servicename=&policyname=` → 204 / 404;
//! - `GET /service/plugins/secure/policies/download/{service}?lastKnownVersion=…` → 200
//!   ServicePolicies, 304 when nothing is newer, 404 for an unknown service, 403 unless the user
//!   is an admin or listed in the service's `policy.download.auth.users`;
//! - HTTP Basic authentication on everything (401 otherwise); JSON omits empty fields
//!   (`@JsonInclude(NON_EMPTY)`).
//!
//! Every write call is counted ([`Running::writes`]), so "ensuring twice changes nothing" can be
//! checked as "the second run sends no write".

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "rangerR0cks!";
pub const PLUGIN_PASSWORD: &str = "plugin-Pw-42";

/// The fake's state: accounts, services, policies, and the writes answered.
#[derive(Default)]
pub struct Fake {
    pub users: BTreeMap<String, String>,
    pub services: Vec<Value>,
    pub policies: Vec<Value>,
    pub next_id: i64,
    pub writes: usize,
}

/// The state, shared with the server's handlers.
pub type Shared = Arc<Mutex<Fake>>;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"statusCode": 1, "msgDesc": message}))).into_response()
}

fn validation(code: u32, reason: &str, field: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        &format!(
            "Validation failure: error code[{code}], reason[{reason}], field[{field}], subfield[null], type[semantically incorrect]"
        ),
    )
}

/// Jackson's NON_EMPTY: drop nulls, empty strings, empty lists and maps, recursively.
fn non_empty(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, non_empty(v)))
                .filter(|(_, v)| match v {
                    Value::Null => false,
                    Value::String(s) => !s.is_empty(),
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => true,
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(non_empty).collect()),
        other => other,
    }
}

fn user_of(headers: &HeaderMap, fake: &Fake) -> Option<String> {
    let header = headers.get("authorization")?.to_str().ok()?;
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = decode_base64(encoded)?;
    let (user, password) = decoded.split_once(':')?;
    (fake.users.get(user).map(String::as_str) == Some(password)).then(|| user.to_owned())
}

fn decode_base64(text: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | ALPHABET.iter().position(|a| *a == c)? as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    String::from_utf8(out).ok()
}

fn masked(mut service: Value) -> Value {
    if let Some(configs) = service["configs"].as_object_mut() {
        for (key, value) in configs.iter_mut() {
            if key.contains("password") {
                *value = json!("*******");
            }
        }
    }
    non_empty(service)
}

/// Resource signature: policy type plus the resources, values sorted.
fn signature(policy: &Value) -> String {
    let mut resources: Vec<(String, Vec<String>, bool)> = policy["resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, r)| {
            let mut values: Vec<String> =
                r["values"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            values.sort();
            (k.clone(), values, r["isExcludes"].as_bool().unwrap_or(false))
        })
        .collect();
    resources.sort();
    format!("{}:{resources:?}", policy["policyType"].as_i64().unwrap_or(0))
}

async fn guarded(
    State(fake): State<Shared>,
    method: Method,
    headers: HeaderMap,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    {
        let mut f = fake.lock().unwrap();
        if method != Method::GET {
            f.writes += 1;
        }
        if user_of(&headers, &f).is_none() {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    next.run(request).await
}

fn is_admin(headers: &HeaderMap, fake: &Fake) -> bool {
    user_of(headers, fake).as_deref() == Some("admin")
}

async fn create_service(State(fake): State<Shared>, headers: HeaderMap, Json(mut body): Json<Value>) -> Response {
    let mut f = fake.lock().unwrap();
    if !is_admin(&headers, &f) {
        return error(StatusCode::FORBIDDEN, "User is not allowed to create service");
    }
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    if f.services.iter().any(|s| s["name"] == name.as_str()) {
        return validation(1007, &format!("Duplicate service name: name=[{name}]"), "name");
    }
    if body["type"] != "trino" {
        return validation(1008, &format!("Invalid service type: type=[{}]", body["type"]), "type");
    }
    let missing: Vec<&str> = ["username", "jdbc.driverClassName", "jdbc.url"]
        .into_iter()
        .filter(|k| body["configs"][*k].as_str().is_none_or(str::is_empty))
        .collect();
    if !missing.is_empty() {
        return validation(
            1011,
            &format!("Missing required configuration parameter(s): missing parameters: {missing:?}"),
            "configs",
        );
    }
    f.next_id += 1;
    let id = f.next_id;
    body["id"] = id.into();
    body["guid"] = format!("guid-{id}").into();
    body["version"] = 1.into();
    body["policyVersion"] = 1.into();
    body["createTime"] = 1_780_000_000_000_i64.into();
    if body["isEnabled"].is_null() {
        body["isEnabled"] = true.into();
    }
    let user = body["configs"]["username"].as_str().unwrap_or_default().to_owned();
    f.services.push(body.clone());
    // Ranger creates a default "all - …" policy with every service for each root-to-leaf path
    // of the service-def's resources.
    for path in [
        &["catalog", "schema", "table", "column"][..],
        &["catalog", "sessionproperty"],
        &["catalog", "schema", "procedure"],
        &["catalog", "schema", "schemafunction"],
        &["trinouser"],
        &["systemproperty"],
        &["function"],
        &["queryid"],
        &["sysinfo"],
        &["role"],
    ] {
        let label = path.join(", ");
        let resources: serde_json::Map<String, Value> =
            path.iter().map(|r| ((*r).to_owned(), json!({"values": ["*"]}))).collect();
        f.next_id += 1;
        let pid = f.next_id;
        f.policies.push(json!({"id": pid, "guid": format!("guid-{pid}"), "version": 1, "isEnabled": true,
            "service": name, "serviceType": "trino", "name": format!("all - {label}"), "policyType": 0, "policyPriority": 0,
            "isAuditEnabled": true, "resources": resources, "isDenyAllElse": false,
            "policyItems": [{"accesses": [{"type": "all", "isAllowed": true}], "users": [user], "groups": [], "roles": [], "conditions": [], "delegateAdmin": true}]}));
    }
    (StatusCode::OK, Json(masked(body))).into_response()
}

async fn get_service(State(fake): State<Shared>, Path(name): Path<String>) -> Response {
    let f = fake.lock().unwrap();
    match f.services.iter().find(|s| s["name"] == name.as_str()) {
        Some(s) => Json(masked(s.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not found"),
    }
}

async fn update_service(State(fake): State<Shared>, Path(id): Path<i64>, Json(mut body): Json<Value>) -> Response {
    let mut f = fake.lock().unwrap();
    if !body["id"].is_null() && body["id"] != id {
        return error(StatusCode::BAD_REQUEST, "service id mismatch");
    }
    let Some(index) = f.services.iter().position(|s| s["id"] == id) else {
        return error(StatusCode::NOT_FOUND, "Not found");
    };
    let old = f.services[index].clone();
    // A masked password keeps the stored one.
    if body["configs"]["password"] == "*******" {
        body["configs"]["password"] = old["configs"]["password"].clone();
    }
    body["id"] = id.into();
    body["version"] = (old["version"].as_i64().unwrap_or(1) + 1).into();
    f.services[index] = body.clone();
    Json(masked(body)).into_response()
}

async fn delete_service(State(fake): State<Shared>, Path(name): Path<String>) -> Response {
    let mut f = fake.lock().unwrap();
    let before = f.services.len();
    f.services.retain(|s| s["name"] != name.as_str());
    if f.services.len() == before {
        return error(StatusCode::NOT_FOUND, "Not found");
    }
    f.policies.retain(|p| p["service"] != name.as_str());
    StatusCode::NO_CONTENT.into_response()
}

async fn list_policies(State(fake): State<Shared>, Path(service): Path<String>) -> Response {
    let f = fake.lock().unwrap();
    if !f.services.iter().any(|s| s["name"] == service.as_str()) {
        return error(StatusCode::NOT_FOUND, "Not found");
    }
    let list: Vec<Value> =
        f.policies.iter().filter(|p| p["service"] == service.as_str()).cloned().map(non_empty).collect();
    Json(Value::Array(list)).into_response()
}

async fn get_policy(State(fake): State<Shared>, Path((service, name)): Path<(String, String)>) -> Response {
    let f = fake.lock().unwrap();
    match f.policies.iter().find(|p| p["service"] == service.as_str() && p["name"] == name.as_str()) {
        Some(p) => Json(non_empty(p.clone())).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not found"),
    }
}

fn check_policy(f: &Fake, policy: &Value, id: Option<i64>) -> Option<Response> {
    let service = policy["service"].as_str().unwrap_or_default();
    if !f.services.iter().any(|s| s["name"] == service) {
        return Some(validation(3017, &format!("Invalid service name: name=[{service}]"), "service"));
    }
    let name = policy["name"].as_str().unwrap_or_default();
    let others = f.policies.iter().filter(|p| p["service"] == service && p["id"].as_i64() != id);
    for other in others {
        if other["name"] == name {
            return Some(validation(
                3006,
                &format!("Another policy already exists for this name: policy-name=[{name}], service=[{service}]"),
                "name",
            ));
        }
        if signature(other) == signature(policy) {
            return Some(validation(
                3010,
                &format!(
                    "Another policy already exists for matching resource: policy-name=[{}], service=[{service}]",
                    other["name"].as_str().unwrap_or("")
                ),
                "resources",
            ));
        }
    }
    None
}

fn bump_service(f: &mut Fake, service: &str) {
    if let Some(s) = f.services.iter_mut().find(|s| s["name"] == service) {
        s["policyVersion"] = (s["policyVersion"].as_i64().unwrap_or(0) + 1).into();
    }
}

async fn create_policy(State(fake): State<Shared>, Json(mut body): Json<Value>) -> Response {
    let mut f = fake.lock().unwrap();
    if let Some(response) = check_policy(&f, &body, None) {
        return response;
    }
    f.next_id += 1;
    let id = f.next_id;
    body["id"] = id.into();
    body["guid"] = format!("guid-{id}").into();
    body["version"] = 1.into();
    body["serviceType"] = "trino".into();
    body["resourceSignature"] = format!("{:x}", signature(&body).len()).into();
    body["createTime"] = 1_780_000_000_000_i64.into();
    for (key, default) in [
        ("isEnabled", json!(true)),
        ("isAuditEnabled", json!(true)),
        ("policyType", json!(0)),
        ("policyPriority", json!(0)),
        ("isDenyAllElse", json!(false)),
    ] {
        if body[key].is_null() {
            body[key] = default;
        }
    }
    let service = body["service"].as_str().unwrap_or_default().to_owned();
    f.policies.push(body.clone());
    bump_service(&mut f, &service);
    Json(non_empty(body)).into_response()
}

async fn update_policy(State(fake): State<Shared>, Path(id): Path<i64>, Json(mut body): Json<Value>) -> Response {
    let mut f = fake.lock().unwrap();
    if !body["id"].is_null() && body["id"] != id {
        return error(StatusCode::BAD_REQUEST, "policyID mismatch");
    }
    let Some(index) = f.policies.iter().position(|p| p["id"] == id) else {
        return error(StatusCode::NOT_FOUND, "Not found");
    };
    if let Some(response) = check_policy(&f, &body, Some(id)) {
        return response;
    }
    body["id"] = id.into();
    body["version"] = (f.policies[index]["version"].as_i64().unwrap_or(1) + 1).into();
    let service = body["service"].as_str().unwrap_or_default().to_owned();
    f.policies[index] = body.clone();
    bump_service(&mut f, &service);
    Json(non_empty(body)).into_response()
}

async fn delete_policy(State(fake): State<Shared>, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let mut f = fake.lock().unwrap();
    let (Some(service), Some(name)) = (query.get("servicename"), query.get("policyname")) else {
        return error(StatusCode::BAD_REQUEST, "servicename and policyname are required");
    };
    let before = f.policies.len();
    f.policies.retain(|p| !(p["service"] == service.as_str() && p["name"] == name.as_str()));
    if f.policies.len() == before {
        return error(StatusCode::NOT_FOUND, "Not found");
    }
    bump_service(&mut f, &service.clone());
    StatusCode::NO_CONTENT.into_response()
}

async fn download(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(service): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let f = fake.lock().unwrap();
    let Some(svc) = f.services.iter().find(|s| s["name"] == service.as_str()) else {
        return error(StatusCode::NOT_FOUND, &format!("Service:{service} not found"));
    };
    let user = user_of(&headers, &f).unwrap_or_default();
    let allowed: Vec<&str> = svc["configs"]["policy.download.auth.users"].as_str().unwrap_or("").split(',').collect();
    if user != "admin" && !allowed.contains(&user.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            &format!("User[{user}] is not allowed to download policies of service[{service}]"),
        );
    }
    let version = svc["policyVersion"].as_i64().unwrap_or(0);
    if query.get("lastKnownVersion").and_then(|v| v.parse::<i64>().ok()) == Some(version) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let policies: Vec<Value> =
        f.policies.iter().filter(|p| p["service"] == service.as_str() && p["isEnabled"] != false).cloned().collect();
    let config: serde_json::Map<String, Value> = svc["configs"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with("ranger.plugin."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Json(non_empty(json!({"serviceName": service, "serviceId": svc["id"], "policyVersion": version,
        "policyUpdateTime": 1_780_000_000_000_i64, "policies": policies, "auditMode": "audit-default",
        "serviceDef": {"id": 203, "name": "trino"}, "serviceConfig": config})))
    .into_response()
}

/// A running fake; stops when dropped.
pub struct Running {
    addr: SocketAddr,
    pub fake: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    pub fn writes(&self) -> usize {
        self.fake.lock().unwrap().writes
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts a fake on a free loopback port, with the users `admin` (a Ranger admin), `trino` and
/// `eve`.
pub async fn start() -> Running {
    let fake: Shared = Arc::new(Mutex::new(Fake {
        users: [
            ("admin".to_owned(), ADMIN_PASSWORD.to_owned()),
            ("trino".to_owned(), PLUGIN_PASSWORD.to_owned()),
            ("eve".to_owned(), "eve-pw".to_owned()),
        ]
        .into_iter()
        .collect(),
        ..Fake::default()
    }));
    let api = "/service/public/v2/api";
    let app = Router::new()
        .route(&format!("{api}/service"), post(create_service))
        .route(&format!("{api}/service/name/{{name}}"), get(get_service).delete(delete_service))
        .route(&format!("{api}/service/{{id}}"), put(update_service))
        .route(&format!("{api}/service/{{service}}/policy"), get(list_policies))
        .route(&format!("{api}/service/{{service}}/policy/{{name}}"), get(get_policy))
        .route(&format!("{api}/policy"), post(create_policy).delete(delete_policy))
        .route(&format!("{api}/policy/{{id}}"), put(update_policy))
        .route("/service/plugins/secure/policies/download/{service}", get(download))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&fake), guarded))
        .with_state(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Running { addr, fake, task }
}
