//! A fake Kubernetes API server, because no API server can run on the test machines (no
//! container runtime, no kubelet).
//!
//! It is a `tower::Service` that a `kube::Client` talks to (kube-rs's tower-test pattern:
//! `Client::new(service, "default")`), backed by an in-memory object store. It follows the
//! real API's documented behaviour for everything trino-platform uses, and rejects what the
//! real server rejects:
//!
//! - paths: `/api/v1/namespaces/{name}`, `/api/v1/namespaces/{ns}/{plural}[/{name}]`,
//!   `/apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}]`;
//! - `GET` of an object (200, or 404 with a `Status` body: `{"kind":"Status","apiVersion":"v1",
//!   "metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound",
//!   "details":{"name":"x","kind":"configmaps"},"code":404}`) and of a list (`{Kind}List`, items
//!   without `apiVersion`/`kind`, as the server sends them);
//! - server-side apply: `PATCH` with `Content-Type: application/apply-patch+yaml` only (415
//!   otherwise), `fieldManager` required (400), `force`, `dryRun=All` (nothing stored); 201 when
//!   the object is created, 200 when it is updated; 404 for an object in a namespace that does
//!   not exist; the body's `apiVersion`, `kind` and name must match the path (400);
//! - server-set metadata: `uid`, `creationTimestamp`, `resourceVersion` (bumped on each
//!   change), `generation` for objects with a `spec` (bumped only when the spec changes),
//!   `managedFields`; a Secret's `stringData` is merged into base64 `data` and never stored;
//! - `DELETE` (200 with the object; 404 with a `Status` when missing); deleting a namespace
//!   deletes what is in it;
//! - controllers, simulated: a Deployment's status reports its replicas available after a set
//!   number of reads since its spec last changed, a KubeBlocks `Cluster` goes from `Creating`
//!   to `Running` the same way.
//!
//! Tests can count write requests, inject a failure (an HTTP status, or a dropped connection)
//! on the n-th write from now, and seed objects trino-platform did not create.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

/// How a write fails.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// The server answers with this status (and a `Status` body).
    Status(u16),
    /// The connection drops before an answer.
    Dropped,
}

#[derive(Default)]
struct State {
    /// By (API prefix, namespace, plural, name).
    objects: BTreeMap<(String, String, String, String), Value>,
    /// Reads of each object since its spec last changed (for the simulated controllers).
    reads: BTreeMap<(String, String, String, String), u32>,
    writes: usize,
    version: u64,
    fail_on_write: Option<(usize, Failure)>,
    ready_after_reads: u32,
}

/// The fake server; clones share the state.
#[derive(Clone, Default)]
pub struct FakeKubernetes {
    state: Arc<Mutex<State>>,
}

impl FakeKubernetes {
    /// An empty cluster whose workloads become ready after `reads` reads.
    pub fn new(ready_after_reads: u32) -> Self {
        let fake = Self::default();
        fake.state.lock().unwrap().ready_after_reads = ready_after_reads;
        fake
    }

    /// A kube client talking to this server.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.clone(), "default")
    }

    /// Write requests (`PATCH` without dry run, `DELETE`) answered so far.
    pub fn writes(&self) -> usize {
        self.state.lock().unwrap().writes
    }

    /// Makes the `n`-th write from now (1 = the next) fail.
    pub fn fail_write(&self, n: usize, failure: Failure) {
        let mut state = self.state.lock().unwrap();
        let at = state.writes + n;
        state.fail_on_write = Some((at, failure));
    }

    /// Workloads never become ready (for timeouts).
    pub fn never_ready(&self) {
        self.state.lock().unwrap().ready_after_reads = u32::MAX;
    }

    /// Stores `object` as if someone else had created it (`path` as in the API, e.g.
    /// `/api/v1/namespaces/ns/configmaps/name`).
    pub fn seed(&self, path: &str, object: Value) {
        let key = parse(path).and_then(|p| p.key()).expect("an object path");
        let mut state = self.state.lock().unwrap();
        state.version += 1;
        let mut object = object;
        object["metadata"]["uid"] = json!(format!("seeded-{}", state.version));
        object["metadata"]["resourceVersion"] = json!(state.version.to_string());
        state.objects.insert(key, object);
    }

    /// The object at `path`, as stored.
    pub fn get(&self, path: &str) -> Option<Value> {
        let key = parse(path).and_then(|p| p.key())?;
        self.state.lock().unwrap().objects.get(&key).cloned()
    }

    /// Every stored object's path, sorted.
    pub fn paths(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state
            .objects
            .keys()
            .map(|(prefix, ns, plural, name)| match (ns.as_str(), plural.as_str()) {
                ("", _) => format!("{prefix}/{plural}/{name}"),
                (ns, plural) => format!("{prefix}/namespaces/{ns}/{plural}/{name}"),
            })
            .collect()
    }
}

/// A parsed API path.
struct ApiPath {
    /// `/api/v1` or `/apis/{group}/{version}`.
    prefix: String,
    namespace: String,
    plural: String,
    name: Option<String>,
}

impl ApiPath {
    fn key(&self) -> Option<(String, String, String, String)> {
        Some((self.prefix.clone(), self.namespace.clone(), self.plural.clone(), self.name.clone()?))
    }

    fn api_version(&self) -> String {
        match self.prefix.strip_prefix("/apis/") {
            Some(group_version) => group_version.to_owned(),
            None => "v1".to_owned(),
        }
    }
}

fn parse(path: &str) -> Option<ApiPath> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (prefix, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("/api/v1".to_owned(), rest),
        ["apis", group, version, rest @ ..] => (format!("/apis/{group}/{version}"), rest),
        _ => return None,
    };
    let owned = |s: &&str| (*s).to_owned();
    match rest {
        ["namespaces"] => Some(ApiPath { prefix, namespace: String::new(), plural: "namespaces".into(), name: None }),
        ["namespaces", name] if prefix == "/api/v1" => {
            Some(ApiPath { prefix, namespace: String::new(), plural: "namespaces".into(), name: Some(owned(name)) })
        }
        ["namespaces", ns, plural] => Some(ApiPath { prefix, namespace: owned(ns), plural: owned(plural), name: None }),
        ["namespaces", ns, plural, name] => {
            Some(ApiPath { prefix, namespace: owned(ns), plural: owned(plural), name: Some(owned(name)) })
        }
        _ => None,
    }
}

fn status(code: u16, reason: &str, message: String, details: Option<Value>) -> (u16, Value) {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    });
    if let Some(details) = details {
        body["details"] = details;
    }
    (code, body)
}

fn not_found(plural: &str, name: &str) -> (u16, Value) {
    status(404, "NotFound", format!("{plural} \"{name}\" not found"), Some(json!({"name": name, "kind": plural})))
}

/// The `kind` of an object of `plural` (what a list says it holds).
fn kind_of(plural: &str) -> &'static str {
    match plural {
        "namespaces" => "Namespace",
        "serviceaccounts" => "ServiceAccount",
        "secrets" => "Secret",
        "configmaps" => "ConfigMap",
        "services" => "Service",
        "deployments" => "Deployment",
        "ingresses" => "Ingress",
        "clusters" => "Cluster",
        _ => "Unknown",
    }
}

impl State {
    fn handle(
        &mut self,
        method: &Method,
        path: &ApiPath,
        query: &BTreeMap<String, String>,
        content_type: &str,
        body: &[u8],
    ) -> Result<(u16, Value), Failure> {
        let write = (*method == Method::PATCH && query.get("dryRun").is_none()) || *method == Method::DELETE;
        if write {
            self.writes += 1;
            if let Some((at, failure)) = self.fail_on_write
                && at == self.writes
            {
                self.fail_on_write = None;
                return match failure {
                    Failure::Status(code) => Ok(status(code, "InternalError", "injected failure".into(), None)),
                    Failure::Dropped => Err(Failure::Dropped),
                };
            }
        }
        Ok(match (method.clone(), path.key()) {
            (Method::GET, None) => self.list(path),
            (Method::GET, Some(key)) => match self.objects.get(&key).cloned() {
                Some(object) => (200, self.observe(&key, object)),
                None => not_found(&path.plural, &key.3),
            },
            (Method::PATCH, Some(key)) => self.apply(path, key, query, content_type, body),
            (Method::DELETE, Some(key)) => match self.objects.remove(&key) {
                Some(object) => {
                    if path.plural == "namespaces" {
                        self.objects.retain(|(_, ns, _, _), _| *ns != key.3);
                    }
                    (200, object)
                }
                None => not_found(&path.plural, &key.3),
            },
            _ => status(
                405,
                "MethodNotAllowed",
                format!("the server does not allow this method on {}", path.plural),
                None,
            ),
        })
    }

    fn list(&self, path: &ApiPath) -> (u16, Value) {
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((prefix, ns, plural, _), _)| {
                *prefix == path.prefix && *ns == path.namespace && *plural == path.plural
            })
            .map(|(_, object)| {
                let mut item = object.clone();
                if let Some(fields) = item.as_object_mut() {
                    fields.remove("apiVersion");
                    fields.remove("kind");
                }
                item
            })
            .collect();
        let body = json!({
            "kind": format!("{}List", kind_of(&path.plural)),
            "apiVersion": path.api_version(),
            "metadata": {"resourceVersion": self.version.to_string()},
            "items": items,
        });
        (200, body)
    }

    /// The simulated controllers: a workload's status after this read.
    fn observe(&mut self, key: &(String, String, String, String), mut object: Value) -> Value {
        let reads = self.reads.entry(key.clone()).or_default();
        *reads = reads.saturating_add(1);
        let ready = *reads > self.ready_after_reads;
        let generation = object["metadata"]["generation"].clone();
        match key.2.as_str() {
            "deployments" => {
                let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
                let up = if ready { replicas } else { 0 };
                object["status"] = json!({
                    "observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
                    "readyReplicas": up, "availableReplicas": up,
                });
            }
            "clusters" => {
                object["status"] =
                    json!({"observedGeneration": generation, "phase": if ready { "Running" } else { "Creating" }});
            }
            _ => {}
        }
        object
    }

    fn apply(
        &mut self,
        path: &ApiPath,
        key: (String, String, String, String),
        query: &BTreeMap<String, String>,
        content_type: &str,
        body: &[u8],
    ) -> (u16, Value) {
        if content_type != "application/apply-patch+yaml" {
            return status(
                415,
                "UnsupportedMediaType",
                format!(
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {content_type})"
                ),
                None,
            );
        }
        let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()) else {
            return status(
                400,
                "BadRequest",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
                    .into(),
                None,
            );
        };
        let Ok(mut applied) = serde_json::from_slice::<Value>(body) else {
            return status(400, "BadRequest", "error decoding YAML: the body is not an object".into(), None);
        };
        let (name, kind, api_version) =
            (applied["metadata"]["name"].as_str(), applied["kind"].as_str(), applied["apiVersion"].as_str());
        if name != Some(key.3.as_str())
            || kind != Some(kind_of(&path.plural))
            || api_version != Some(path.api_version().as_str())
        {
            return status(
                400,
                "BadRequest",
                format!("the name, kind or apiVersion of the object does not match the request path {}", path.plural),
                None,
            );
        }
        if !path.namespace.is_empty() {
            let ns_key = ("/api/v1".to_owned(), String::new(), "namespaces".to_owned(), path.namespace.clone());
            if !self.objects.contains_key(&ns_key) {
                return not_found("namespaces", &path.namespace);
            }
            applied["metadata"]["namespace"] = json!(path.namespace);
        }
        if let Some(string_data) = applied.as_object_mut().and_then(|o| o.remove("stringData")) {
            let data = applied["data"].as_object().cloned().unwrap_or_default();
            let mut data = data;
            for (k, v) in string_data.as_object().cloned().unwrap_or_default() {
                let text = v.as_str().unwrap_or_default();
                data.insert(k, json!(base64::engine::general_purpose::STANDARD.encode(text)));
            }
            applied["data"] = Value::Object(data);
        }
        let existing = self.objects.get(&key).cloned();
        let dry_run = query.get("dryRun").is_some_and(|v| v == "All");
        let mut version = self.version;
        if existing.as_ref().map(without_server_fields) == Some(without_server_fields(&applied)) {
            // Nothing changed: the server returns the object as it is.
            return (200, existing.unwrap_or_default());
        }
        version += 1;
        let meta = &mut applied["metadata"];
        let created = existing.is_none();
        let (uid, created_at, generation) = match &existing {
            Some(e) => (
                e["metadata"]["uid"].clone(),
                e["metadata"]["creationTimestamp"].clone(),
                e["metadata"]["generation"].as_i64(),
            ),
            None => (json!(format!("uid-{version}")), json!("2026-12-02T00:00:00Z"), None),
        };
        meta["uid"] = uid;
        meta["creationTimestamp"] = created_at;
        meta["resourceVersion"] = json!(version.to_string());
        meta["managedFields"] = json!([{"manager": manager, "operation": "Apply", "apiVersion": path.api_version(), "fieldsType": "FieldsV1"}]);
        if applied.get("spec").is_some() {
            let spec_changed = existing.as_ref().is_none_or(|e| e["spec"] != applied["spec"]);
            let generation = generation.unwrap_or(0) + i64::from(spec_changed);
            applied["metadata"]["generation"] = json!(generation.max(1));
            if spec_changed && !dry_run {
                self.reads.remove(&key);
            }
        }
        if let Some(status) = existing.as_ref().and_then(|e| e.get("status")) {
            applied["status"] = status.clone();
        }
        if !dry_run {
            self.version = version;
            self.objects.insert(key, applied.clone());
        }
        (if created { 201 } else { 200 }, applied)
    }
}

/// The object without what the server sets, to tell whether an apply changes anything.
fn without_server_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
    }
    if let Some(meta) = object["metadata"].as_object_mut() {
        for key in ["uid", "creationTimestamp", "resourceVersion", "generation", "managedFields"] {
            meta.remove(key);
        }
    }
    object
}

/// Any request body the fake can read: kube's own (in process) or hyper's (over HTTP).
impl<B> tower::Service<Request<B>> for FakeKubernetes
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            let query: BTreeMap<String, String> = parts
                .uri
                .query()
                .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default();
            let content_type = parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let (code, answer) = match parse(parts.uri.path()) {
                None => status(
                    404,
                    "NotFound",
                    format!("the server could not find the requested resource {}", parts.uri.path()),
                    None,
                ),
                Some(path) => match state.lock().unwrap().handle(&parts.method, &path, &query, &content_type, &body) {
                    Ok(answer) => answer,
                    Err(Failure::Dropped) => return Err("connection reset by peer (injected)".into()),
                    Err(Failure::Status(_)) => unreachable!("statuses are answers"),
                },
            };
            let response = Response::builder()
                .status(StatusCode::from_u16(code)?)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(serde_json::to_vec(&answer)?)))?;
            Ok(response)
        })
    }
}

impl FakeKubernetes {
    /// Serves the fake over plain HTTP on a free loopback port, for processes that find their
    /// cluster through a kubeconfig; returns the server's URL. Stops with the runtime.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = self.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { break };
                let service = hyper_util::service::TowerToHyperService::new(fake.clone());
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                    let _ = builder.serve_connection(io, service).await;
                });
            }
        });
        url
    }

    /// A kubeconfig file in `dir` whose current context is this fake served at `url`.
    pub fn kubeconfig(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters: [{{name: fake, cluster: {{server: '{url}'}}}}]\n\
             users: [{{name: tester, user: {{token: test-token}}}}]\n\
             contexts: [{{name: fake, context: {{cluster: fake, user: tester, namespace: default}}}}]\n"
        );
        std::fs::write(&path, text).unwrap();
        path
    }
}
