//! The Ranger Admin client against a Ranger Admin **fake**: no Ranger Admin can run here (it
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
//! Every write call is counted, so "ensuring twice changes nothing" is checked as "the second
//! run sends no write", and "planning changes nothing" as "a plan sends no write".

#![cfg(all(feature = "ranger", feature = "server"))]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use secrecy::SecretString;
use serde_json::{Value, json};
use trino_platform::ErrorKind;
use trino_platform::ranger::{
    AccessRequest, BASELINE_EXECUTE_QUERY, BASELINE_KILL_QUERY, Change, ColumnMaskRequest, PolicyEngine, PolicySpec,
    RangerAdmin, RangerSetupSpec, ServiceName, SetupReport,
};

const ADMIN_PASSWORD: &str = "rangerR0cks!";
const PLUGIN_PASSWORD: &str = "plugin-Pw-42";

#[derive(Default)]
struct Fake {
    users: BTreeMap<String, String>,
    services: Vec<Value>,
    policies: Vec<Value>,
    next_id: i64,
    writes: usize,
}

type Shared = Arc<Mutex<Fake>>;

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

struct Running {
    addr: SocketAddr,
    fake: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    fn writes(&self) -> usize {
        self.fake.lock().unwrap().writes
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn start() -> Running {
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

const SETUP: &str = r#"
service:
  name: dev_trino
  jdbcUrl: jdbc:trino://trino-coordinator:8080
  username: trino
  password: lookup-S3cret
  superUsers: [trino]
policies:
  - name: analysts read sales
    resources: {catalog: [delta], schema: [sales], table: ["*"], column: ["*"]}
    allow: [{groups: [analysts], accesses: [select, use]}]
  - name: contractors out of hr
    resources: {catalog: [delta], schema: [hr], table: ["*"], column: ["*"]}
    deny: [{groups: [contractors], accesses: [select]}]
  - name: hash emails
    resources: {catalog: [delta], schema: [sales], table: [customers], column: [email]}
    masks: [{groups: [analysts], maskType: MASK_HASH}]
  - name: eu rows
    resources: {catalog: [delta], schema: [sales], table: [orders]}
    rowFilters: [{groups: [eu], filter: "region = 'EU'"}]
"#;

#[tokio::test]
async fn ensuring_twice_changes_nothing_and_the_plugin_download_evaluates() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();

    let first = admin.ensure(&spec).await.unwrap();
    assert_eq!(first.service_change, Change::Created);
    let changes: Vec<(&str, Change)> = first.policies.iter().map(|p| (p.name.as_str(), p.change)).collect();
    assert_eq!(
        changes,
        vec![
            // Ranger's default "all - queryid" already holds queryid=*: the baseline item is added to it.
            ("all - queryid", Change::Updated),
            ("trino-platform: impersonate self", Change::Created),
            ("trino-platform: kill own queries", Change::Created),
            ("analysts read sales", Change::Created),
            ("contractors out of hr", Change::Created),
            ("hash emails", Change::Created),
            ("eu rows", Change::Created),
        ]
    );
    let writes = fake.writes();
    assert_eq!(writes, 8, "one create of the service, one write per policy");

    let second = admin.ensure(&spec).await.unwrap();
    assert!(!second.changed(), "{second:?}");
    assert_eq!(fake.writes(), writes, "ensuring twice must not write");

    // A changed spec updates just that policy.
    let mut changed = spec.clone();
    changed.policies[0].allow[0].groups.push("bi".into());
    let third = admin.ensure(&changed).await.unwrap();
    let updated: Vec<&str> =
        third.policies.iter().filter(|p| p.change != Change::Unchanged).map(|p| p.name.as_str()).collect();
    assert_eq!(updated, ["analysts read sales"]);
    assert_eq!(third.service_change, Change::Unchanged);
    assert_eq!(fake.writes(), writes + 1);

    // The plugin's view: download as the plugin user, evaluate locally.
    let plugin = RangerAdmin::new(&fake.url(), "trino", SecretString::from(PLUGIN_PASSWORD)).unwrap();
    let download = plugin.download_policies("dev_trino", None).await.unwrap().unwrap();
    let version = download.policy_version;
    assert!(plugin.download_policies("dev_trino", version).await.unwrap().is_none(), "304 when nothing changed");
    let engine = PolicyEngine::from_service_policies(&download).unwrap();
    let query = AccessRequest::new("alice", "execute").with_resource("queryid", "20260101_120000_00001_abcde");
    let decision = engine.evaluate(&query).unwrap();
    assert!(decision.allowed, "baseline: every user runs queries");
    assert_eq!(decision.policy_name.as_deref(), Some("all - queryid"));
    let select =
        AccessRequest::new("alice", "select").with_group("bi").with_object("delta.sales.orders.amount").unwrap();
    assert!(engine.evaluate(&select).unwrap().allowed);
    let hr = AccessRequest::new("eve", "select").with_group("contractors").with_object("delta.hr.people.name").unwrap();
    assert!(!engine.evaluate(&hr).unwrap().allowed);
    let superuser = AccessRequest::new("trino", "drop").with_object("delta.hr.people").unwrap();
    assert_eq!(engine.evaluate(&superuser).unwrap().reason, trino_platform::ranger::DecisionReason::SuperUser);
    let mask = engine
        .column_mask(&ColumnMaskRequest::new("alice", "delta.sales.customers.email").unwrap().with_group("analysts"))
        .unwrap();
    assert_eq!(mask.unwrap().expression, "cast(to_hex(sha256(to_utf8(email))) as varchar)");

    // Deletes report whether there was something to delete.
    assert!(admin.delete_policy("dev_trino", "eu rows").await.unwrap());
    assert!(!admin.delete_policy("dev_trino", "eu rows").await.unwrap());
    assert!(admin.delete_service("dev_trino").await.unwrap());
    assert!(!admin.delete_service("dev_trino").await.unwrap());
    assert!(admin.get_service("dev_trino").await.unwrap().is_none());
}

#[tokio::test]
async fn errors_map_to_kinds_and_never_hold_the_password() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();
    admin.ensure(&spec).await.unwrap();
    let service = ServiceName::new("dev_trino").unwrap();

    let wrong = RangerAdmin::new(&fake.url(), "admin", SecretString::from("wrong-Pw-9")).unwrap();
    let err = wrong.get_service("dev_trino").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(!format!("{err} {err:?}").contains("wrong-Pw-9"), "{err:?}");

    let err = admin.list_policies("no_such_service").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // Another name on resources a policy already holds: Ranger's 3010.
    let clash: PolicySpec = serde_json::from_value(json!({
        "name": "same resources", "resources": {"catalog": ["delta"], "schema": ["sales"], "table": ["*"], "column": ["*"]},
        "allow": [{"users": ["x"], "accesses": ["select"]}]
    }))
    .unwrap();
    let err = admin.ensure_policy(&service, &clash).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.message().contains("already exists for matching resource"), "{err}");

    // A service of another type under the name.
    let writes = fake.writes();
    let mut other = spec.service.clone();
    other.name = ServiceName::new("hive_svc").unwrap();
    fake.fake.lock().unwrap().services.push(json!({"id": 999, "name": "hive_svc", "type": "hive", "configs": {}}));
    let err = admin.ensure_service(&other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");

    // An invalid spec is rejected before anything is sent.
    let bad: RangerSetupSpec = RangerSetupSpec::from_yaml(
        "service: {name: dev_trino, jdbcUrl: 'jdbc:trino://t:8080'}\npolicies: [{name: x, resources: {tabel: [t]}}]\n",
    )
    .unwrap();
    let err = admin.ensure(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("\"tabel\""), "{err}");
    assert_eq!(fake.writes(), writes);

    // A user neither admin nor listed in policy.download.auth.users may not download.
    let eve = RangerAdmin::new(&fake.url(), "eve", SecretString::from("eve-pw")).unwrap();
    let err = eve.download_policies("dev_trino", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    let err = admin.download_policies("nope", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // The lookup password is sent on create but never shown back or in Debug.
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["password"], "*******");
    assert!(!format!("{stored:?} {spec:?}").contains("lookup-S3cret"));

    // Nobody listening: Unavailable, retryable.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone =
        RangerAdmin::new(&format!("http://127.0.0.1:{port}"), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let err = gone.get_service("dev_trino").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    assert!(!format!("{err:?}").contains(ADMIN_PASSWORD));
}

#[tokio::test]
async fn baseline_is_created_when_no_policy_holds_its_resources() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();
    admin.ensure_service(&spec.service).await.unwrap();
    // Remove Ranger's default queryid policy: the baseline one is then created under its name.
    assert!(admin.delete_policy("dev_trino", "all - queryid").await.unwrap());
    let service = ServiceName::new("dev_trino").unwrap();
    let first = admin.ensure_baseline(&service).await.unwrap();
    assert!(first.iter().all(|e| e.change == Change::Created), "{first:?}");
    assert_eq!(first[0].value.name.as_deref(), Some(BASELINE_EXECUTE_QUERY));
    let writes = fake.writes();
    let second = admin.ensure_baseline(&service).await.unwrap();
    assert!(second.iter().all(|e| e.change == Change::Unchanged), "{second:?}");
    assert_eq!(fake.writes(), writes);
}

/// The (name, change) pairs of a report.
fn summary(report: &SetupReport) -> Vec<(String, Change)> {
    report.policies.iter().map(|p| (p.name.clone(), p.change)).collect()
}

#[tokio::test]
async fn plan_reports_what_ensure_would_do_and_sends_no_write() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();

    // Nothing there yet: everything would be created, and the baseline's queryid item would go
    // into the "all - queryid" policy Ranger creates with the service, as ensure then does.
    let planned = admin.plan(&spec).await.unwrap();
    assert_eq!(fake.writes(), 0, "a plan sends no write");
    assert!(admin.get_service("dev_trino").await.unwrap().is_none());
    assert_eq!(planned.service_change, Change::Created);
    assert_eq!(
        summary(&planned).iter().map(|(n, c)| (n.as_str(), *c)).collect::<Vec<_>>(),
        [
            ("all - queryid", Change::Updated),
            ("trino-platform: impersonate self", Change::Created),
            ("trino-platform: kill own queries", Change::Created),
            ("analysts read sales", Change::Created),
            ("contractors out of hr", Change::Created),
            ("hash emails", Change::Created),
            ("eu rows", Change::Created),
        ]
    );
    assert!(planned.policies.iter().all(|p| p.id.is_none()), "nothing exists yet: {planned:?}");
    let ensured = admin.ensure(&spec).await.unwrap();
    assert_eq!((ensured.service_change, summary(&ensured)), (planned.service_change, summary(&planned)));

    // Converged: the plan is ensure's report of a second run, all Unchanged, with the ids.
    let writes = fake.writes();
    let planned = admin.plan(&spec).await.unwrap();
    assert!(!planned.changed(), "{planned:?}");
    assert!(planned.policies.iter().all(|p| p.id.is_some()), "{planned:?}");
    assert_eq!(fake.writes(), writes);
    assert_eq!(admin.ensure(&spec).await.unwrap(), planned);
    assert_eq!(fake.writes(), writes);

    // Drift behind its back, through the public API: a group added to a policy, the JDBC URL
    // changed, a baseline policy deleted.
    let service = ServiceName::new("dev_trino").unwrap();
    let mut sales = admin.get_policy("dev_trino", "analysts read sales").await.unwrap().unwrap();
    sales.policy_items[0].groups.push("interns".into());
    admin.update_policy(&sales).await.unwrap();
    let mut stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    stored.configs.insert("jdbc.url".into(), "jdbc:trino://elsewhere:8080".into());
    admin.update_service(&stored).await.unwrap();
    assert!(admin.delete_policy(service.as_str(), BASELINE_KILL_QUERY).await.unwrap());
    let writes = fake.writes();

    let planned = admin.plan(&spec).await.unwrap();
    assert_eq!(fake.writes(), writes, "a plan sends no write");
    assert_eq!(planned.service_change, Change::Updated);
    let changed: Vec<_> = planned.policies.iter().filter(|p| p.change != Change::Unchanged).collect();
    assert_eq!(changed.len(), 2, "{planned:?}");
    assert_eq!(
        (changed[0].name.as_str(), changed[0].change, changed[0].id),
        (BASELINE_KILL_QUERY, Change::Created, None)
    );
    assert_eq!(
        (changed[1].name.as_str(), changed[1].change, changed[1].id),
        ("analysts read sales", Change::Updated, sales.id)
    );
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["jdbc.url"], "jdbc:trino://elsewhere:8080", "the plan changed nothing");

    // Ensure does exactly what was planned (one write each), and then there is nothing to plan.
    let fixed = admin.ensure(&spec).await.unwrap();
    assert_eq!((fixed.service_change, summary(&fixed)), (planned.service_change, summary(&planned)));
    assert_eq!(fake.writes(), writes + 3);
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["jdbc.url"], "jdbc:trino://trino-coordinator:8080");
    assert!(!admin.plan(&spec).await.unwrap().changed());

    // A plan fails as ensure does: an invalid spec, a service of another type under the name.
    let mut bad = spec.clone();
    bad.policies[0].resources.insert("tabel".into(), trino_platform::ranger::ResourceValues::List(vec!["t".into()]));
    assert_eq!(admin.plan(&bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    fake.fake.lock().unwrap().services.push(json!({"id": 999, "name": "hive_svc", "type": "hive", "configs": {}}));
    let mut other = spec.clone();
    other.service.name = ServiceName::new("hive_svc").unwrap();
    assert_eq!(admin.plan(&other).await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(fake.writes(), writes + 3);
}
