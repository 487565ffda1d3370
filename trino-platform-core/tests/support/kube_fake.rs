//! A fake Kubernetes API server, in memory, for the tests of `trino_platform::kube::Kubernetes`.
//!
//! **It is a fake because no Kubernetes API server can run here** (no container runtime, no
//! etcd, no kube-apiserver binary: DESIGN.md section 9). It follows the real API's documented
//! behaviour (API concepts, Server-Side Apply, dry run, API conventions' `Status`, and the
//! registry strategies of each kind) for everything trino-platform uses, with the same paths,
//! status codes and JSON, so that the library cannot tell the difference there:
//!
//! - **Paths**: `/api/v1/namespaces/{name}` (cluster-scoped Namespaces),
//!   `/api/v1/namespaces/{ns}/{plural}/{name}`, `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}`
//!   for ServiceAccounts, Secrets, ConfigMaps, Services, `apps/v1` Deployments,
//!   `networking.k8s.io/v1` Ingresses and `apps.kubeblocks.io/v1` Clusters (a custom resource;
//!   [`FakeKube::without_kubeblocks`] takes its CRD away). An unknown group/version answers
//!   `404` with the text `404 page not found`, an unknown resource of a known group `404` with
//!   a `Status` whose details name nothing, as the real server does.
//! - **GET** of an object: `200` and the object, or `404` with
//!   `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404}`
//!   (`deployments.apps "x"` and `"group":"apps"` for a named group). `GET /version`: the
//!   `version.Info` of a 1.33 server (what `kubectl version` and kube-rs's
//!   `apiserver_version` read).
//! - **LIST**, `GET` of a collection (`/api/v1/namespaces/{ns}/{plural}`,
//!   `/apis/{group}/{version}/namespaces/{ns}/{plural}`, or across namespaces without the
//!   `namespaces/{ns}` part): `200` and a `{Kind}List` (`{"kind":"ConfigMapList","apiVersion":"v1",
//!   "metadata":{"resourceVersion":"1012"},"items":[…]}`) whose items, in etcd's order
//!   (namespace, then name), carry neither `apiVersion` nor `kind`, as the server sends them;
//!   a namespace that does not exist lists no items (`200`, not `404`); a kind that is not
//!   served is the `404` above.
//! - **PATCH**, server-side apply: `Content-Type: application/apply-patch+yaml` (JSON or YAML
//!   body); `fieldManager` required (`422 Invalid` on `PatchOptions.meta.k8s.io`, as the
//!   apiserver's `ValidatePatchOptions` answers), `dryRun` only `All`, `force`; the body's
//!   `apiVersion`, `kind`, name and namespace must match the path, `metadata.managedFields`
//!   must be unset (`400 BadRequest`); a create in a missing namespace is `404`, in a
//!   terminating one `403`; field ownership per manager: without `force`, changing a field
//!   another manager owns is a `409` conflict, with it ownership moves; fields a manager
//!   applied before and no longer applies are removed unless another manager owns them;
//!   `201` on create, `200` on update, no write at all (same `resourceVersion`) when nothing
//!   changes; `dryRun=All` answers what would be stored and stores nothing.
//! - **Server-set fields**: `metadata.uid`, `creationTimestamp`, `resourceVersion` (bumped on
//!   every stored change), `generation` where the registry sets one (Deployments and Ingresses:
//!   bumped only when `spec` changes; custom resources: when anything but `metadata` and
//!   `status` changes), `managedFields`; `status` is ignored in an apply (status subresource);
//!   a Secret's `stringData` is merged into base64 `data` and never stored; defaults as the
//!   registry sets them (a subset: Namespace label `kubernetes.io/metadata.name`,
//!   `spec.finalizers: [kubernetes]` and `status.phase: Active`; Secret `type: Opaque`; Service
//!   `type`, `sessionAffinity`, an allocated `clusterIP`, port `protocol` and `targetPort`;
//!   Deployment `replicas`, `strategy`, `revisionHistoryLimit`, `progressDeadlineSeconds` and
//!   pod-template defaults); validation (a subset): object names (RFC 1123 subdomain, RFC 1123
//!   label for Namespaces, RFC 1035 label for Services), ConfigMap and Secret keys, base64
//!   Secret `data`, a Deployment's selector against its template's labels (`422 Invalid`).
//! - **DELETE** (`DeleteOptions` in the body: `propagationPolicy`, `preconditions`, `dryRun`):
//!   `404` with a `Status` when missing, `409` when a precondition fails; an object without
//!   finalizers is removed at once and answered with a `Status` (`"status":"Success"`,
//!   details with the uid), or with the object for the kinds whose registry returns deleted
//!   objects (Services, ServiceAccounts, custom resources); an object with finalizers (a
//!   Namespace's `spec.finalizers`, `metadata.finalizers`, or `Foreground` propagation) gets a
//!   `deletionTimestamp` (a Namespace `status.phase: Terminating`) and is answered with itself.
//! - **Controllers**, simulated, one step per read of the object: the first read after a
//!   change still shows the old status (the controller has not run yet); then a Deployment's
//!   controller reports `observedGeneration` and ready and available replicas rising evenly to
//!   `spec.replicas` over [`FakeKube::deployments_ready_after`] more reads, and sets
//!   `deployment.kubernetes.io/revision`; KubeBlocks adds its finalizer to a Cluster and moves
//!   it from `Creating` (or `Updating`) to `Running` over [`FakeKube::clusters_running_after`]
//!   more reads; the namespace controller and finalizers remove a terminating object after
//!   [`FakeKube::finalize_after`] reads (a Namespace with everything in it).
//!
//! **Where it deviates** (nothing trino-platform uses): no WATCH, POST, PUT or subresources
//! (`405`); a LIST with `labelSelector`, `fieldSelector`, `limit`, `continue`, `watch` or
//! `resourceVersionMatch` is refused (`400`, where the real server would filter, paginate or
//! watch), and listing does not step the simulated controllers; no merge / JSON / strategic
//! patches (`415`); no OpenAPI schema
//! validation and no pruning of unknown fields (only the checks above); lists are atomic in
//! apply (the real server merges lists with merge keys, such as containers by name), and
//! `managedFields` record them as one field; no admission, no RBAC (inject `401` / `403`), no
//! garbage collection of dependents (there are none), no pods.
//!
//! For tests: [`FakeKube::writes`] counts write requests (non-dry-run PATCH and DELETE, failed
//! ones included), [`FakeKube::requests`] lists every request, [`FakeKube::fail_write`] /
//! [`FakeKube::fail_writes_from`] / [`FakeKube::fail_requests`] inject a status or a dropped
//! connection, and [`FakeKube::create`] stores an object as another client would. The
//! kube-rs client of [`FakeKube::client`] talks to it in process; [`FakeKube::serve`] serves it
//! over plain HTTP on a loopback port and [`FakeKube::kubeconfig`] writes a kubeconfig for
//! that URL, for a process (the CLI) that connects as `kubectl` does; over HTTP, a dropped
//! connection is a closed TCP connection.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use serde_json::{Map, Value, json};

/// What a faulty request gets instead of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The server answers with this HTTP status and the real API's `Status` body for it
    /// (`401 Unauthorized`, `403 Forbidden`, `409 Conflict`, `429 TooManyRequests`,
    /// `500 InternalError`, `503 ServiceUnavailable`, `504 Timeout`, …); nothing is done.
    Status(u16),
    /// The connection drops before the server does anything.
    Drop,
    /// The server does the write, then the connection drops before the answer.
    DropAfterWrite,
}

/// When a fault applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The write with this number (counted from the fake's start), once.
    Write(u64),
    /// Every write from this number on.
    WritesFrom(u64),
    /// Every request.
    Every,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `PATCH`, `DELETE`, …
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string.
    pub query: String,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, as JSON (`Null` when empty or not JSON).
    pub body: Value,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// Whether it counted as a write (non-dry-run PATCH or DELETE).
    pub write: bool,
    /// The answer's status; `None` when the connection was dropped.
    pub status: Option<u16>,
}

/// How the registry sets `metadata.generation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    /// Not at all (ConfigMaps, Secrets, Services, …).
    None,
    /// 1 on create, +1 when `spec` changes (Deployments, Ingresses).
    Spec,
    /// 1 on create, +1 when anything but `metadata` and `status` changes (custom resources).
    AllButMetadataAndStatus,
}

/// A resource the fake serves.
#[derive(Debug)]
struct Resource {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    generation: Generation,
    /// Whether `status` is a subresource (ignored in an apply of the object).
    status: bool,
    /// Whether a delete answers with the deleted object rather than a `Status`.
    returns_deleted: bool,
    /// How names are checked.
    names: NameRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameRule {
    Subdomain,
    Label,
    Dns1035,
}

impl Resource {
    fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_owned() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `configmaps`, `deployments.apps`: how the API names the resource in messages.
    fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_owned() } else { format!("{}.{}", self.plural, self.group) }
    }

    /// `ConfigMap`, `Deployment.apps`: how validation messages name the kind.
    fn qualified_kind(&self) -> String {
        if self.group.is_empty() { self.kind.to_owned() } else { format!("{}.{}", self.kind, self.group) }
    }

    fn details(&self, name: &str) -> Value {
        let mut details = json!({"name": name, "kind": self.plural});
        if !self.group.is_empty() {
            details["group"] = self.group.into();
        }
        details
    }
}

const KUBEBLOCKS_GROUP: &str = "apps.kubeblocks.io";

static RESOURCES: [Resource; 8] = [
    Resource {
        group: "",
        version: "v1",
        plural: "namespaces",
        kind: "Namespace",
        namespaced: false,
        generation: Generation::None,
        status: true,
        returns_deleted: false,
        names: NameRule::Label,
    },
    Resource {
        group: "",
        version: "v1",
        plural: "serviceaccounts",
        kind: "ServiceAccount",
        namespaced: true,
        generation: Generation::None,
        status: false,
        returns_deleted: true,
        names: NameRule::Subdomain,
    },
    Resource {
        group: "",
        version: "v1",
        plural: "secrets",
        kind: "Secret",
        namespaced: true,
        generation: Generation::None,
        status: false,
        returns_deleted: false,
        names: NameRule::Subdomain,
    },
    Resource {
        group: "",
        version: "v1",
        plural: "configmaps",
        kind: "ConfigMap",
        namespaced: true,
        generation: Generation::None,
        status: false,
        returns_deleted: false,
        names: NameRule::Subdomain,
    },
    Resource {
        group: "",
        version: "v1",
        plural: "services",
        kind: "Service",
        namespaced: true,
        generation: Generation::None,
        status: true,
        returns_deleted: true,
        names: NameRule::Dns1035,
    },
    Resource {
        group: "apps",
        version: "v1",
        plural: "deployments",
        kind: "Deployment",
        namespaced: true,
        generation: Generation::Spec,
        status: true,
        returns_deleted: false,
        names: NameRule::Subdomain,
    },
    Resource {
        group: "networking.k8s.io",
        version: "v1",
        plural: "ingresses",
        kind: "Ingress",
        namespaced: true,
        generation: Generation::Spec,
        status: true,
        returns_deleted: false,
        names: NameRule::Subdomain,
    },
    Resource {
        group: KUBEBLOCKS_GROUP,
        version: "v1",
        plural: "clusters",
        kind: "Cluster",
        namespaced: true,
        generation: Generation::AllButMetadataAndStatus,
        status: true,
        returns_deleted: true,
        names: NameRule::Subdomain,
    },
];

/// Where an object is kept: resource plural, namespace, name.
type Key = (&'static str, Option<String>, String);

/// One field manager's part of an object.
#[derive(Debug, Clone, PartialEq)]
struct Managed {
    /// `Apply` or `Update`.
    operation: &'static str,
    /// The fields it set, with their values.
    config: Value,
    time: String,
}

#[derive(Debug, Clone)]
struct Stored {
    object: Value,
    managers: BTreeMap<String, Managed>,
    /// Reads since the spec (generation) last changed: the simulated controllers' steps.
    reads: u32,
    /// Reads since the object began terminating.
    terminating_reads: u32,
    /// Rollouts of a Deployment (`deployment.kubernetes.io/revision`).
    revision: u32,
    /// Whether a KubeBlocks Cluster has been `Running`.
    was_running: bool,
}

struct State {
    objects: BTreeMap<Key, Stored>,
    resource_version: u64,
    uids: u64,
    cluster_ips: u32,
    deployments_ready_after: Option<u32>,
    clusters_running_after: Option<u32>,
    finalize_after: u32,
    kubeblocks: bool,
    writes: u64,
    faults: Vec<(Scope, Fault)>,
    seen: Vec<Seen>,
}

/// What the fake answers.
enum Answer {
    Json(u16, Value),
    Text(u16, &'static str),
    Drop,
}

/// The fake API server; clones share the same store.
#[derive(Clone)]
pub struct FakeKube {
    state: Arc<Mutex<State>>,
}

impl Default for FakeKube {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeKube {
    /// An empty cluster (no namespace at all) with KubeBlocks installed, whose Deployments are
    /// ready and Clusters running on the second read after a change, and whose terminating
    /// objects are gone on the second read.
    pub fn new() -> Self {
        let state = State {
            objects: BTreeMap::new(),
            resource_version: 1000,
            uids: 0,
            cluster_ips: 0,
            deployments_ready_after: Some(1),
            clusters_running_after: Some(1),
            finalize_after: 1,
            kubeblocks: true,
            writes: 0,
            faults: Vec::new(),
            seen: Vec::new(),
        };
        Self { state: Arc::new(Mutex::new(state)) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A kube-rs client of this server, as kube-rs's mock tests build one.
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.service(), "default")
    }

    /// The `tower::Service` the client talks to.
    pub fn service(&self) -> FakeService {
        FakeService { state: self.state.clone() }
    }

    /// Deployments are fully ready and available `reads` reads after the first read since
    /// their spec last changed (replicas come up evenly before); `None`: never.
    pub fn deployments_ready_after(&self, reads: Option<u32>) {
        self.state().deployments_ready_after = reads;
    }

    /// KubeBlocks Clusters are `Running` `reads` reads after the first read since their spec
    /// last changed; `None`: never.
    pub fn clusters_running_after(&self, reads: Option<u32>) {
        self.state().clusters_running_after = reads;
    }

    /// A terminating object is still there for this many reads, and gone on the next.
    pub fn finalize_after(&self, reads: u32) {
        self.state().finalize_after = reads;
    }

    /// The KubeBlocks CRD is not installed: `apps.kubeblocks.io` is not served.
    pub fn without_kubeblocks(&self) {
        self.state().kubeblocks = false;
    }

    /// Stores `object` as another client's create (`kubectl create`, field manager
    /// `manager`, operation `Update`) would, with server-set fields and defaults. Panics when
    /// the object is not one the fake serves.
    pub fn create(&self, manager: &str, object: Value) {
        let mut state = self.state();
        let resource = RESOURCES
            .iter()
            .find(|r| r.api_version() == object["apiVersion"] && r.kind == object["kind"])
            .expect("a kind the fake serves");
        let name = object["metadata"]["name"].as_str().expect("a name").to_owned();
        let namespace = object["metadata"]["namespace"].as_str().map(str::to_owned);
        let key = (resource.plural, namespace.filter(|_| resource.namespaced), name);
        let mut config = object.clone();
        strip_unowned(&mut config);
        let managers = BTreeMap::from([(manager.to_owned(), Managed { operation: "Update", config, time: now() })]);
        let mut merged = object;
        state.finish(resource, &key, None, &mut merged, &managers, true);
        state.objects.insert(
            key,
            Stored { object: merged, managers, reads: 0, terminating_reads: 0, revision: 1, was_running: false },
        );
    }

    /// The stored object (without a controller step), or `None`.
    pub fn object(&self, plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let state = self.state();
        let resource = RESOURCES.iter().find(|r| r.plural == plural)?;
        let key = (resource.plural, namespace.map(str::to_owned), name.to_owned());
        state.objects.get(&key).map(|s| s.object.clone())
    }

    /// Every stored object, as `plural namespace/name` (`plural name` when cluster-scoped).
    pub fn names(&self) -> Vec<String> {
        self.state()
            .objects
            .keys()
            .map(|(plural, ns, name)| match ns {
                Some(ns) => format!("{plural} {ns}/{name}"),
                None => format!("{plural} {name}"),
            })
            .collect()
    }

    /// How many write requests (non-dry-run PATCH and DELETE) arrived, failed ones included.
    pub fn writes(&self) -> u64 {
        self.state().writes
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.state().seen.clone()
    }

    /// The `nth` write from now (1: the next) fails with `fault`; the others pass.
    pub fn fail_write(&self, nth: u64, fault: Fault) {
        let mut state = self.state();
        let at = state.writes + nth;
        state.faults.push((Scope::Write(at), fault));
    }

    /// Every write from the `nth` from now on fails with `fault`, until [`heal`](Self::heal).
    pub fn fail_writes_from(&self, nth: u64, fault: Fault) {
        let mut state = self.state();
        let at = state.writes + nth;
        state.faults.push((Scope::WritesFrom(at), fault));
    }

    /// Every request fails with `fault`, until [`heal`](Self::heal).
    pub fn fail_requests(&self, fault: Fault) {
        self.state().faults.push((Scope::Every, fault));
    }

    /// No more injected faults.
    pub fn heal(&self) {
        self.state().faults.clear();
    }

    /// Sends one raw request (for tests of the fake itself) and returns the status and body
    /// (a text body as a JSON string).
    pub async fn raw(&self, request: Request<Vec<u8>>) -> (u16, Value) {
        use tower::ServiceExt as _;
        let response = self.service().oneshot(request.map(kube::client::Body::from)).await.expect("an answer");
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.expect("a body").to_bytes();
        let value =
            serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
        (status, value)
    }
}

impl FakeKube {
    /// Serves the fake over plain HTTP on a free loopback port, for a process that finds its
    /// cluster through a kubeconfig ([`kubeconfig`](Self::kubeconfig)); returns the server's
    /// URL (`http://127.0.0.1:{port}`). Clones share the store, so the test still sees every
    /// object; the server stops with the runtime.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("a bound address"));
        let service = self.service();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let service = hyper_util::service::TowerToHyperService::new(service.clone());
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                    // A dropped connection (an injected fault) ends only that connection.
                    let _ = builder.serve_connection(io, service).await;
                });
            }
        });
        url
    }

    /// Writes `dir/kubeconfig`, whose current context is the fake served at `url` (a bearer
    /// token user, namespace `default`), and returns its path: set `KUBECONFIG` to it.
    pub fn kubeconfig(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
        let path = dir.join("kubeconfig");
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters: [{{name: fake, cluster: {{server: '{url}'}}}}]\n\
             users: [{{name: tester, user: {{token: test-token}}}}]\n\
             contexts: [{{name: fake, context: {{cluster: fake, user: tester, namespace: default}}}}]\n"
        );
        std::fs::write(&path, text).expect("a writable directory");
        path
    }
}

/// The fake as a `tower::Service` of HTTP requests.
#[derive(Clone)]
pub struct FakeService {
    state: Arc<Mutex<State>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Any request body: kube-rs's own (in process) or hyper's `Incoming` (over HTTP, [`FakeKube::serve`]).
impl<B> tower::Service<Request<B>> for FakeService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response<Full<Bytes>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.map_err(|e| Box::new(e) as BoxError)?.to_bytes();
            let answer = {
                let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                state.handle(&parts, &body)
            };
            match answer {
                Answer::Drop => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer (fault injected by the fake API server)",
                )) as BoxError),
                Answer::Json(code, value) => {
                    let mut response = Response::builder().status(code).header("content-type", "application/json");
                    if code == 429 {
                        response = response.header("retry-after", "1");
                    }
                    Ok(response.body(Full::new(Bytes::from(value.to_string())))?)
                }
                Answer::Text(code, text) => Ok(Response::builder()
                    .status(code)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(Full::new(Bytes::from_static(text.as_bytes())))?),
            }
        })
    }
}

/// A request's target, once routed.
struct Route {
    resource: &'static Resource,
    namespace: Option<String>,
    /// `None` for a collection.
    name: Option<String>,
}

fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Answer {
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code,
    });
    if let Some(fields) = body.as_object_mut().filter(|_| reason.is_empty()) {
        fields.remove("reason");
    }
    if let Some(details) = details {
        body["details"] = details;
    }
    Answer::Json(code, body)
}

fn not_found(resource: &Resource, name: &str) -> Answer {
    status(404, "NotFound", &format!("{} \"{name}\" not found", resource.qualified()), Some(resource.details(name)))
}

/// `GET /version`: the `version.Info` of a Kubernetes 1.33 API server.
fn version() -> Value {
    json!({
        "major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.0", "gitCommit": "60a317eadfcb839692a68eab88b2096f4d708f4f",
        "gitTreeState": "clean", "buildDate": "2025-04-23T13:00:42Z", "goVersion": "go1.24.2",
        "compiler": "gc", "platform": "linux/amd64",
    })
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Removes what a client cannot own: identity and server-set metadata.
fn strip_unowned(config: &mut Value) {
    if let Some(fields) = config.as_object_mut() {
        fields.remove("apiVersion");
        fields.remove("kind");
        fields.remove("status");
    }
    if let Some(meta) = config["metadata"].as_object_mut() {
        for key in ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"] {
            meta.remove(key);
        }
        if meta.is_empty()
            && let Some(fields) = config.as_object_mut()
        {
            fields.remove("metadata");
        }
    }
}

/// Paths to the leaves of `value` (a non-map value, or an empty map); lists are leaves.
fn leaves(value: &Value) -> BTreeSet<Vec<String>> {
    fn walk(value: &Value, path: &mut Vec<String>, out: &mut BTreeSet<Vec<String>>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    path.push(key.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ if !path.is_empty() => {
                out.insert(path.clone());
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// Removes the field at `path`, and maps left empty on the way.
fn remove_path(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    if let Some(parent) = parents.iter().try_fold(&mut *value, |v, key| v.get_mut(key))
        && let Some(map) = parent.as_object_mut()
    {
        map.remove(last);
    }
    if !parents.is_empty() && lookup(value, parents).is_some_and(|v| v.as_object().is_some_and(Map::is_empty)) {
        remove_path(value, parents);
    }
}

/// `patch` merged into `target`: maps key by key, anything else replaced.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// The `fieldsV1` of a manager's fields (`{"f:data": {"f:key": {}}}`).
fn fields_v1(config: &Value) -> Value {
    match config.as_object() {
        Some(map) if !map.is_empty() => {
            Value::Object(map.iter().map(|(key, value)| (format!("f:{key}"), fields_v1(value))).collect())
        }
        _ => json!({}),
    }
}

fn is_rfc1123_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn name_problem(rule: NameRule, name: &str) -> Option<&'static str> {
    match rule {
        NameRule::Subdomain => (name.len() > 253 || !name.split('.').all(is_rfc1123_label)).then_some(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        NameRule::Label => (!is_rfc1123_label(name)).then_some(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
        NameRule::Dns1035 => (!is_rfc1123_label(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()))
            .then_some(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ),
    }
}

fn is_config_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 253 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// Go's `%#v` of a `map[string]string`, as validation messages print label maps.
fn go_map(labels: &Value) -> String {
    let entries: Vec<String> = labels
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or_default())).collect())
        .unwrap_or_default();
    format!("map[string]string{{{}}}", entries.join(", "))
}

/// The validation problems of an object to store, as `(field, detail)`.
fn validate(resource: &Resource, name: &str, object: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if let Some(problem) = name_problem(resource.names, name) {
        problems.push(("metadata.name".to_owned(), format!("Invalid value: {name:?}: {problem}")));
    }
    let key_problem = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    let maps: &[&str] = match resource.kind {
        "ConfigMap" => &["data", "binaryData"],
        "Secret" => &["data", "stringData"],
        _ => &[],
    };
    for field in maps {
        for key in object[field].as_object().map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default() {
            if !is_config_key(key) {
                problems.push((format!("{field}[{key}]"), format!("Invalid value: {key:?}: {key_problem}")));
            }
        }
    }
    if resource.kind == "Deployment" {
        let selector = &object["spec"]["selector"]["matchLabels"];
        let labels = &object["spec"]["template"]["metadata"]["labels"];
        if object["spec"]["selector"].is_null() {
            problems.push(("spec.selector".to_owned(), "Required value".to_owned()));
        } else if selector.as_object().is_some_and(|s| s.iter().any(|(k, v)| labels.get(k) != Some(v))) {
            problems.push((
                "spec.template.metadata.labels".to_owned(),
                format!("Invalid value: {}: `selector` does not match template `labels`", go_map(labels)),
            ));
        }
        if object["spec"]["template"]["spec"]["containers"].as_array().is_none_or(Vec::is_empty) {
            problems.push(("spec.template.spec.containers".to_owned(), "Required value".to_owned()));
        }
    }
    problems
}

fn invalid(resource: &Resource, name: &str, problems: Vec<(String, String)>) -> Answer {
    let text: Vec<String> = problems.iter().map(|(field, detail)| format!("{field}: {detail}")).collect();
    let text = if text.len() == 1 { text[0].clone() } else { format!("[{}]", text.join(", ")) };
    let causes: Vec<Value> = problems
        .iter()
        .map(|(field, detail)| {
            let reason = if detail.starts_with("Required") { "FieldValueRequired" } else { "FieldValueInvalid" };
            json!({"reason": reason, "message": detail, "field": field})
        })
        .collect();
    let mut details = json!({"name": name, "kind": resource.kind, "causes": causes});
    if !resource.group.is_empty() {
        details["group"] = resource.group.into();
    }
    status(422, "Invalid", &format!("{} \"{name}\" is invalid: {text}", resource.qualified_kind()), Some(details))
}

impl State {
    fn handle(&mut self, parts: &http::request::Parts, body: &[u8]) -> Answer {
        let path = parts.uri.path().to_owned();
        let query_text = parts.uri.query().unwrap_or_default().to_owned();
        let query: Vec<(String, String)> = url::form_urlencoded::parse(query_text.as_bytes()).into_owned().collect();
        let param = |name: &str| query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
        let options: Value = if parts.method == Method::DELETE && !body.is_empty() {
            serde_json::from_slice(body).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let dry_run_values: Vec<String> = param("dryRun")
            .into_iter()
            .chain(options["dryRun"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)))
            .collect();
        let dry_run = !dry_run_values.is_empty();
        let write = matches!(parts.method, Method::PATCH | Method::DELETE | Method::POST | Method::PUT) && !dry_run;
        if write {
            self.writes += 1;
        }
        let mut seen = Seen {
            method: parts.method.to_string(),
            path: path.clone(),
            query: query_text.clone(),
            content_type: parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
            dry_run,
            write,
            status: None,
        };
        let fault = self.fault(write);
        let answer = match fault {
            Some(Fault::Drop) => Answer::Drop,
            Some(Fault::Status(code)) => self.fault_status(code, &parts.method, &path),
            _ => self.serve(parts, &path, &param, &options, &dry_run_values, body),
        };
        let answer = if fault == Some(Fault::DropAfterWrite) { Answer::Drop } else { answer };
        seen.status = match &answer {
            Answer::Json(code, _) | Answer::Text(code, _) => Some(*code),
            Answer::Drop => None,
        };
        self.seen.push(seen);
        answer
    }

    /// The fault for this request, if any (a one-off write fault is used up).
    fn fault(&mut self, write: bool) -> Option<Fault> {
        let writes = self.writes;
        let index = self.faults.iter().position(|(scope, _)| match scope {
            Scope::Every => true,
            Scope::Write(n) => write && writes == *n,
            Scope::WritesFrom(n) => write && writes >= *n,
        })?;
        let (scope, fault) = self.faults[index];
        if let Scope::Write(_) = scope {
            self.faults.remove(index);
        }
        Some(fault)
    }

    fn fault_status(&self, code: u16, method: &Method, path: &str) -> Answer {
        let route = self.route(path).ok();
        let target = route.as_ref().and_then(|r| r.name.clone().map(|name| (r, name)));
        match (code, target) {
            (401, _) => status(401, "Unauthorized", "Unauthorized", None),
            (403, Some((route, name))) => {
                let verb = match *method {
                    Method::GET => "get",
                    Method::DELETE => "delete",
                    _ => "patch",
                };
                let scope = match &route.namespace {
                    Some(ns) => format!("in the namespace \"{ns}\""),
                    None => "at the cluster scope".to_owned(),
                };
                let message = format!(
                    "{} \"{name}\" is forbidden: User \"system:serviceaccount:ci:deployer\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
                    route.resource.qualified(),
                    route.resource.plural,
                    route.resource.group
                );
                status(403, "Forbidden", &message, Some(route.resource.details(&name)))
            }
            (404, Some((route, name))) => not_found(route.resource, &name),
            (409, Some((route, name))) => status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    route.resource.qualified()
                ),
                Some(route.resource.details(&name)),
            ),
            (429, _) => status(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
                Some(json!({"retryAfterSeconds": 1})),
            ),
            (500, _) => status(
                500,
                "InternalError",
                "Internal error occurred: fault injected by the fake API server",
                Some(json!({"causes": [{"message": "fault injected by the fake API server"}]})),
            ),
            (503, _) => status(503, "ServiceUnavailable", "the server is currently unable to handle the request", None),
            (504, _) => status(
                504,
                "Timeout",
                "Timeout: request did not complete within requested timeout - context deadline exceeded",
                None,
            ),
            (code, _) => status(code, "", "fault injected by the fake API server", None),
        }
    }

    fn route(&self, path: &str) -> Result<Route, Answer> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (group, version, rest) = match segments.as_slice() {
            ["api", "v1", rest @ ..] => ("", "v1", rest),
            ["apis", group, version, rest @ ..] => (*group, *version, rest),
            _ => return Err(Answer::Text(404, "404 page not found")),
        };
        let served = |r: &&Resource| {
            r.group == group && r.version == version && (self.kubeblocks || r.group != KUBEBLOCKS_GROUP)
        };
        if !RESOURCES.iter().any(|r| served(&r)) {
            return Err(Answer::Text(404, "404 page not found"));
        }
        let unknown = || status(404, "NotFound", "the server could not find the requested resource", Some(json!({})));
        let find = |plural: &str| RESOURCES.iter().find(|r| served(r) && r.plural == plural);
        let route = |resource: &'static Resource, namespace: Option<&str>, name: Option<&str>| Route {
            resource,
            namespace: namespace.map(str::to_owned),
            name: name.map(str::to_owned),
        };
        match rest {
            ["namespaces", ns, plural, name] => match find(plural) {
                Some(resource) if resource.namespaced => Ok(route(resource, Some(ns), Some(name))),
                _ => Err(unknown()),
            },
            ["namespaces", ns, plural] => match find(plural) {
                Some(resource) if resource.namespaced => Ok(route(resource, Some(ns), None)),
                // `/api/v1/namespaces/{name}/status` and other subresources: not served here.
                _ => Err(unknown()),
            },
            [plural, name] => match find(plural) {
                Some(resource) if !resource.namespaced => Ok(route(resource, None, Some(name))),
                _ => Err(unknown()),
            },
            [plural] => match find(plural) {
                Some(resource) => Ok(route(resource, None, None)),
                None => Err(unknown()),
            },
            _ => Err(unknown()),
        }
    }

    fn serve(
        &mut self,
        parts: &http::request::Parts,
        path: &str,
        param: &dyn Fn(&str) -> Vec<String>,
        options: &Value,
        dry_run: &[String],
        body: &[u8],
    ) -> Answer {
        if path == "/version" && parts.method == Method::GET {
            return Answer::Json(200, version());
        }
        let route = match self.route(path) {
            Ok(route) => route,
            Err(answer) => return answer,
        };
        let Some(name) = route.name.clone() else {
            if parts.method == Method::GET {
                return self.list(route.resource, route.namespace.as_deref(), param);
            }
            return status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            );
        };
        let key: Key = (route.resource.plural, route.namespace.clone(), name.clone());
        match parts.method {
            Method::GET => self.get(route.resource, &key),
            Method::PATCH => {
                let content_type = parts
                    .headers
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                self.patch(route.resource, &key, &content_type, param, dry_run, body)
            }
            Method::DELETE => self.delete(route.resource, &key, param, options, dry_run),
            _ => {
                status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", None)
            }
        }
    }

    /// `GET` of a collection: every stored object of the resource (in `namespace`, or in
    /// every namespace), as etcd orders them (namespace, then name), in a `{Kind}List` whose
    /// items carry neither `apiVersion` nor `kind`. A namespace that does not exist holds
    /// nothing (`200`, no items), as in the real API. Controllers do not step on a list.
    fn list(
        &self,
        resource: &'static Resource,
        namespace: Option<&str>,
        param: &dyn Fn(&str) -> Vec<String>,
    ) -> Answer {
        for unsupported in ["labelSelector", "fieldSelector", "limit", "continue", "watch", "resourceVersionMatch"] {
            if param(unsupported).iter().any(|v| !v.is_empty()) {
                return status(
                    400,
                    "BadRequest",
                    &format!("the fake API server does not implement {unsupported} on a list"),
                    None,
                );
            }
        }
        let items: Vec<Value> = self
            .objects
            .iter()
            .filter(|((plural, ns, _), _)| {
                *plural == resource.plural && (namespace.is_none() || ns.as_deref() == namespace)
            })
            .map(|(_, stored)| {
                let mut item = stored.object.clone();
                if let Some(fields) = item.as_object_mut() {
                    fields.remove("apiVersion");
                    fields.remove("kind");
                }
                item
            })
            .collect();
        Answer::Json(
            200,
            json!({
                "kind": format!("{}List", resource.kind),
                "apiVersion": resource.api_version(),
                "metadata": {"resourceVersion": self.resource_version.to_string()},
                "items": items,
            }),
        )
    }

    fn get(&mut self, resource: &'static Resource, key: &Key) -> Answer {
        if !self.objects.contains_key(key) {
            return not_found(resource, &key.2);
        }
        if !self.step(resource, key) {
            return not_found(resource, &key.2);
        }
        match self.objects.get(key) {
            Some(stored) => Answer::Json(200, stored.object.clone()),
            None => not_found(resource, &key.2),
        }
    }

    /// One step of the simulated controllers for the object at `key`, as it is read. Returns
    /// false when the object is gone after it.
    fn step(&mut self, resource: &'static Resource, key: &Key) -> bool {
        let (ready_after, running_after, finalize_after) =
            (self.deployments_ready_after, self.clusters_running_after, self.finalize_after);
        let Some(stored) = self.objects.get_mut(key) else { return false };
        if stored.object["metadata"]["deletionTimestamp"].is_string() {
            stored.terminating_reads += 1;
            if stored.terminating_reads > finalize_after {
                self.objects.remove(key);
                if resource.kind == "Namespace" {
                    self.objects.retain(|(_, ns, _), _| ns.as_deref() != Some(key.2.as_str()));
                }
                return false;
            }
            return true;
        }
        stored.reads += 1;
        // The first read after a change still shows the old status: the controller has not
        // run yet. Each later read is one step of it.
        let steps = stored.reads - 1;
        if steps == 0 {
            return true;
        }
        let before = stored.object.clone();
        let generation = stored.object["metadata"]["generation"].clone();
        match resource.kind {
            "Deployment" => {
                let wanted = stored.object["spec"]["replicas"].as_u64().unwrap_or(1) as u32;
                let ready = match ready_after {
                    None => 0,
                    Some(n) if steps >= n => wanted,
                    Some(n) => wanted * steps / n,
                };
                let mut status =
                    json!({"observedGeneration": generation, "replicas": wanted, "updatedReplicas": wanted});
                for (field, count) in
                    [("readyReplicas", ready), ("availableReplicas", ready), ("unavailableReplicas", wanted - ready)]
                {
                    if count > 0 {
                        status[field] = count.into();
                    }
                }
                let available = if ready == wanted { "True" } else { "False" };
                status["conditions"] = json!([
                    {"type": "Available", "status": available, "reason": if ready == wanted { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" }},
                    {"type": "Progressing", "status": "True", "reason": if ready == wanted { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" }},
                ]);
                stored.object["status"] = status;
                let revision = stored.revision.to_string();
                stored.object["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision.clone().into();
                stored.managers.insert(
                    "kube-controller-manager".to_owned(),
                    Managed {
                        operation: "Update",
                        config: json!({"metadata": {"annotations": {"deployment.kubernetes.io/revision": revision}}}),
                        time: now(),
                    },
                );
            }
            "Cluster" => {
                let running = running_after.is_some_and(|n| steps >= n);
                stored.was_running |= running;
                let phase = match (running, stored.was_running) {
                    (true, _) => "Running",
                    (false, true) => "Updating",
                    (false, false) => "Creating",
                };
                let components: Map<String, Value> = stored.object["spec"]["componentSpecs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["name"].as_str())
                    .map(|name| (name.to_owned(), json!({"phase": phase})))
                    .collect();
                stored.object["status"] =
                    json!({"observedGeneration": generation, "phase": phase, "components": components});
                let finalizer = json!("cluster.kubeblocks.io/finalizer");
                let finalizers = stored.object["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
                if !finalizers.contains(&finalizer) {
                    let mut finalizers = finalizers;
                    finalizers.push(finalizer.clone());
                    stored.object["metadata"]["finalizers"] = Value::Array(finalizers);
                    stored.managers.insert(
                        "kubeblocks".to_owned(),
                        Managed {
                            operation: "Update",
                            config: json!({"metadata": {"finalizers": [finalizer]}}),
                            time: now(),
                        },
                    );
                }
            }
            _ => {}
        }
        if stored.object != before {
            self.resource_version += 1;
            let rv = self.resource_version.to_string();
            if let Some(stored) = self.objects.get_mut(key) {
                stored.object["metadata"]["resourceVersion"] = rv.into();
                let api_version = resource.api_version();
                stored.object["metadata"]["managedFields"] = managed_fields(&stored.managers, &api_version);
            }
        }
        true
    }

    fn patch(
        &mut self,
        resource: &'static Resource,
        key: &Key,
        content_type: &str,
        param: &dyn Fn(&str) -> Vec<String>,
        dry_run: &[String],
        body: &[u8],
    ) -> Answer {
        match content_type {
            "application/apply-patch+yaml" => {}
            "application/merge-patch+json"
            | "application/strategic-merge-patch+json"
            | "application/json-patch+json" => {
                return status(
                    415,
                    "UnsupportedMediaType",
                    &format!("the fake API server implements only server-side apply, not {content_type}"),
                    None,
                );
            }
            other => {
                return status(
                    415,
                    "UnsupportedMediaType",
                    &format!(
                        "the body of the request was in an unknown format ({other}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
                    ),
                    None,
                );
            }
        }
        // ValidatePatchOptions, before the object is looked at.
        let manager = param("fieldManager").into_iter().next().unwrap_or_default();
        if manager.is_empty() {
            return status(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                Some(json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
                    {"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}
                ]})),
            );
        }
        if let Some(bad) = dry_run.iter().find(|v| *v != "All") {
            return status(
                422,
                "Invalid",
                &format!(
                    "PatchOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"{bad}\"]: supported values: \"All\""
                ),
                Some(json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
                    {"reason": "FieldValueNotSupported", "message": format!("Unsupported value: [\"{bad}\"]: supported values: \"All\""), "field": "dryRun"}
                ]})),
            );
        }
        let force = param("force").first().is_some_and(|v| v == "true");
        let text = String::from_utf8_lossy(body);
        let config: Value = match serde_json::from_str(&text).or_else(|_| serde_saphyr::from_str(&text)) {
            Ok(Value::Object(config)) => Value::Object(config),
            Ok(_) => {
                return status(400, "BadRequest", "the object provided is unrecognized (must be of type Patch)", None);
            }
            Err(e) => return status(400, "BadRequest", &format!("error decoding YAML: {e}"), None),
        };
        let name = &key.2;
        let expected_version = resource.api_version();
        if config["apiVersion"] != expected_version.as_str() {
            return status(
                400,
                "BadRequest",
                &format!(
                    "the API version in the data ({}) does not match the expected API version ({expected_version})",
                    config["apiVersion"].as_str().unwrap_or_default()
                ),
                None,
            );
        }
        if config["kind"] != resource.kind {
            return status(
                400,
                "BadRequest",
                &format!(
                    "the kind in the data ({}) does not match the expected kind ({})",
                    config["kind"].as_str().unwrap_or_default(),
                    resource.kind
                ),
                None,
            );
        }
        if config["metadata"]["name"] != name.as_str() {
            return status(
                400,
                "BadRequest",
                &format!(
                    "the name of the object ({}) does not match the name on the URL ({name})",
                    config["metadata"]["name"].as_str().unwrap_or_default()
                ),
                None,
            );
        }
        if let Some(ns) = config["metadata"]["namespace"].as_str()
            && Some(ns) != key.1.as_deref()
        {
            return status(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request",
                None,
            );
        }
        if !config["metadata"]["managedFields"].is_null() {
            return status(400, "BadRequest", "metadata.managedFields must be nil", None);
        }
        if resource.kind == "Secret"
            && let Some(data) = config["data"].as_object()
        {
            for value in data.values() {
                let decoded = value.as_str().map(|v| base64::engine::general_purpose::STANDARD.decode(v));
                if !matches!(decoded, Some(Ok(_))) {
                    return status(400, "BadRequest", "illegal base64 data in Secret data", None);
                }
            }
        }
        let existing = self.objects.get(key).cloned();
        if existing.is_none()
            && let Some(ns) = &key.1
        {
            match self.objects.get(&("namespaces", None, ns.clone())) {
                None => {
                    return status(
                        404,
                        "NotFound",
                        &format!("namespaces \"{ns}\" not found"),
                        Some(json!({"name": ns, "kind": "namespaces"})),
                    );
                }
                Some(namespace) if namespace.object["metadata"]["deletionTimestamp"].is_string() => {
                    let message = format!(
                        "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                        resource.qualified()
                    );
                    let mut details = resource.details(name);
                    details["causes"] = json!([{"reason": "NamespaceTerminating", "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]);
                    return status(403, "Forbidden", &message, Some(details));
                }
                Some(_) => {}
            }
        }

        // Field ownership.
        let mut config = config;
        strip_unowned(&mut config);
        if let Some(fields) = config.as_object_mut().filter(|_| resource.status) {
            fields.remove("status");
        }
        let mut object = existing.as_ref().map_or_else(|| json!({}), |s| s.object.clone());
        let mut managers = existing.as_ref().map(|s| s.managers.clone()).unwrap_or_default();
        let wanted = leaves(&config);
        if !force {
            let conflicts: Vec<(String, String)> = managers
                .iter()
                .filter(|(other, _)| **other != manager)
                .flat_map(|(other, managed)| {
                    leaves(&managed.config)
                        .into_iter()
                        .filter(|path| wanted.contains(path) && lookup(&object, path) != lookup(&config, path))
                        .map(move |path| (other.clone(), format!(".{}", path.join("."))))
                })
                .collect();
            if !conflicts.is_empty() {
                let list: Vec<String> = conflicts.iter().map(|(m, f)| format!("conflict with \"{m}\": {f}")).collect();
                let causes: Vec<Value> = conflicts
                    .iter()
                    .map(|(m, f)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{m}\""), "field": f}))
                    .collect();
                let mut details = resource.details(name);
                details["causes"] = Value::Array(causes);
                return status(
                    409,
                    "Conflict",
                    &format!("Apply failed with {} conflict(s): {}", conflicts.len(), list.join(", ")),
                    Some(details),
                );
            }
        }
        for (_, managed) in managers.iter_mut().filter(|(other, _)| **other != manager) {
            for path in leaves(&managed.config).intersection(&wanted) {
                remove_path(&mut managed.config, path);
            }
        }
        managers.retain(|_, managed| managed.config.as_object().is_some_and(|o| !o.is_empty()));
        let others: BTreeSet<Vec<String>> =
            managers.iter().filter(|(other, _)| **other != manager).flat_map(|(_, m)| leaves(&m.config)).collect();
        let previous = managers.get(&manager).map(|m| leaves(&m.config)).unwrap_or_default();
        for path in previous.difference(&wanted) {
            if !others.iter().any(|owned| owned.starts_with(path) || path.starts_with(owned)) {
                remove_path(&mut object, path);
            }
        }
        merge(&mut object, &config);
        let time = match managers.get(&manager) {
            Some(previous) if previous.config == config => previous.time.clone(),
            _ => now(),
        };
        managers.insert(manager, Managed { operation: "Apply", config, time });

        if let Some(fields) = object.as_object_mut() {
            fields.insert("apiVersion".to_owned(), expected_version.clone().into());
            fields.insert("kind".to_owned(), resource.kind.into());
        }
        object["metadata"]["name"] = name.as_str().into();
        if let Some(ns) = &key.1 {
            object["metadata"]["namespace"] = ns.as_str().into();
        }
        let problems = validate(resource, name, &object);
        if !problems.is_empty() {
            return invalid(resource, name, problems);
        }
        let created = existing.is_none();
        let store = dry_run.is_empty();
        self.finish(resource, key, existing.as_ref(), &mut object, &managers, store);
        let code = if created { 201 } else { 200 };
        if let Some(existing) = &existing
            && existing.object == object
        {
            return Answer::Json(200, object);
        }
        if store {
            let spec_changed = existing
                .as_ref()
                .is_none_or(|e| e.object["metadata"]["generation"] != object["metadata"]["generation"]);
            let previous = existing.unwrap_or(Stored {
                object: Value::Null,
                managers: BTreeMap::new(),
                reads: 0,
                terminating_reads: 0,
                revision: 0,
                was_running: false,
            });
            let stored = Stored {
                object: object.clone(),
                managers,
                reads: if spec_changed { 0 } else { previous.reads },
                terminating_reads: previous.terminating_reads,
                revision: previous.revision + u32::from(spec_changed && resource.generation != Generation::None),
                was_running: previous.was_running,
            };
            self.objects.insert(key.clone(), stored);
        }
        Answer::Json(code, object)
    }

    /// Server-set fields and defaults of `object` about to be stored at `key` (replacing
    /// `existing`); `resourceVersion` is bumped when `store` and the object changes.
    fn finish(
        &mut self,
        resource: &Resource,
        key: &Key,
        existing: Option<&Stored>,
        object: &mut Value,
        managers: &BTreeMap<String, Managed>,
        store: bool,
    ) {
        if resource.kind == "Secret"
            && let Some(Value::Object(values)) = object.as_object_mut().and_then(|o| o.remove("stringData"))
        {
            for (k, v) in values {
                let encoded = base64::engine::general_purpose::STANDARD.encode(v.as_str().unwrap_or_default());
                object["data"][k] = encoded.into();
            }
        }
        self.defaults(resource, &key.2, existing, object);
        let meta = &mut object["metadata"];
        let previous = existing.map(|e| &e.object["metadata"]);
        match previous {
            Some(previous) => {
                meta["uid"] = previous["uid"].clone();
                meta["creationTimestamp"] = previous["creationTimestamp"].clone();
            }
            None => {
                self.uids += 1;
                meta["uid"] = format!("7f3c2a10-0000-4000-8000-{:012x}", self.uids).into();
                meta["creationTimestamp"] = now().into();
            }
        }
        if resource.generation != Generation::None {
            let relevant = |o: &Value| match resource.generation {
                Generation::Spec => o["spec"].clone(),
                _ => {
                    let mut o = o.clone();
                    if let Some(fields) = o.as_object_mut() {
                        fields.remove("metadata");
                        fields.remove("status");
                    }
                    o
                }
            };
            let generation = match existing {
                None => 1,
                Some(e) => {
                    let old = e.object["metadata"]["generation"].as_i64().unwrap_or(1);
                    if relevant(&e.object) == relevant(object) { old } else { old + 1 }
                }
            };
            object["metadata"]["generation"] = generation.into();
        }
        object["metadata"]["managedFields"] = managed_fields(managers, &resource.api_version());
        let rv = existing.map(|e| e.object["metadata"]["resourceVersion"].clone());
        object["metadata"]["resourceVersion"] = rv.clone().unwrap_or(Value::Null);
        let unchanged = existing.is_some_and(|e| e.object == *object);
        if store && !unchanged {
            self.resource_version += 1;
            object["metadata"]["resourceVersion"] = self.resource_version.to_string().into();
        }
        if let Some(meta) = object["metadata"].as_object_mut().filter(|m| m["resourceVersion"].is_null()) {
            meta.remove("resourceVersion");
        }
    }

    fn defaults(&mut self, resource: &Resource, name: &str, existing: Option<&Stored>, object: &mut Value) {
        fn default(target: &mut Value, field: &str, value: Value) {
            if target.get(field).is_none_or(Value::is_null) {
                target[field] = value;
            }
        }
        match resource.kind {
            "Namespace" => {
                object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name.into();
                default(&mut object["spec"], "finalizers", json!(["kubernetes"]));
                default(&mut object["status"], "phase", json!("Active"));
            }
            "Secret" => default(object, "type", json!("Opaque")),
            "Service" => {
                let spec = &mut object["spec"];
                default(spec, "type", json!("ClusterIP"));
                default(spec, "sessionAffinity", json!("None"));
                if spec["type"] != "ExternalName" {
                    let ip = existing.map(|e| e.object["spec"]["clusterIP"].clone()).filter(|ip| ip.is_string());
                    let ip = ip.unwrap_or_else(|| {
                        self.cluster_ips += 1;
                        json!(format!("10.96.{}.{}", self.cluster_ips / 250, self.cluster_ips % 250 + 2))
                    });
                    default(spec, "clusterIP", ip);
                    let ip = spec["clusterIP"].clone();
                    default(spec, "clusterIPs", json!([ip]));
                    default(spec, "ipFamilies", json!(["IPv4"]));
                    default(spec, "ipFamilyPolicy", json!("SingleStack"));
                    default(spec, "internalTrafficPolicy", json!("Cluster"));
                }
                if let Some(ports) = spec["ports"].as_array_mut() {
                    for port in ports {
                        default(port, "protocol", json!("TCP"));
                        let number = port["port"].clone();
                        default(port, "targetPort", number);
                    }
                }
                default(&mut object["status"], "loadBalancer", json!({}));
            }
            "Deployment" => {
                let spec = &mut object["spec"];
                default(spec, "replicas", json!(1));
                default(spec, "revisionHistoryLimit", json!(10));
                default(spec, "progressDeadlineSeconds", json!(600));
                default(
                    spec,
                    "strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
                );
                let pod = &mut spec["template"]["spec"];
                default(pod, "restartPolicy", json!("Always"));
                default(pod, "terminationGracePeriodSeconds", json!(30));
                default(pod, "dnsPolicy", json!("ClusterFirst"));
                default(pod, "securityContext", json!({}));
                default(pod, "schedulerName", json!("default-scheduler"));
                if let Some(containers) = pod["containers"].as_array_mut() {
                    for container in containers {
                        let image = container["image"].as_str().unwrap_or_default();
                        let tag = image.rsplit('/').next().and_then(|last| last.split_once(':')).map(|(_, tag)| tag);
                        let policy = if tag.is_none_or(|t| t == "latest") { "Always" } else { "IfNotPresent" };
                        default(container, "imagePullPolicy", json!(policy));
                        default(container, "terminationMessagePath", json!("/dev/termination-log"));
                        default(container, "terminationMessagePolicy", json!("File"));
                    }
                }
            }
            "Ingress" => default(&mut object["status"], "loadBalancer", json!({})),
            _ => {}
        }
        // Kept from the stored object: status written by controllers.
        if let Some(existing) = existing
            && resource.status
            && !existing.object["status"].is_null()
            && resource.kind != "Namespace"
        {
            object["status"] = existing.object["status"].clone();
        }
    }

    fn delete(
        &mut self,
        resource: &'static Resource,
        key: &Key,
        param: &dyn Fn(&str) -> Vec<String>,
        options: &Value,
        dry_run: &[String],
    ) -> Answer {
        let name = &key.2;
        let Some(stored) = self.objects.get(key).cloned() else { return not_found(resource, name) };
        let meta = &stored.object["metadata"];
        let preconditions = &options["preconditions"];
        if let Some(uid) = preconditions["uid"].as_str()
            && meta["uid"] != uid
        {
            return status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    resource.qualified(),
                    meta["uid"].as_str().unwrap_or_default()
                ),
                Some(resource.details(name)),
            );
        }
        if let Some(rv) = preconditions["resourceVersion"].as_str()
            && meta["resourceVersion"] != rv
        {
            return status(
                409,
                "Conflict",
                &format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    resource.qualified(),
                    meta["resourceVersion"].as_str().unwrap_or_default()
                ),
                Some(resource.details(name)),
            );
        }
        let policy = options["propagationPolicy"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| param("propagationPolicy").into_iter().next())
            .unwrap_or_default();
        let has_finalizers = meta["finalizers"].as_array().is_some_and(|f| !f.is_empty())
            || stored.object["spec"]["finalizers"].as_array().is_some_and(|f| !f.is_empty())
                && resource.kind == "Namespace"
            || policy == "Foreground";
        let store = dry_run.is_empty();
        if has_finalizers {
            let mut object = stored.object.clone();
            if !object["metadata"]["deletionTimestamp"].is_string() {
                object["metadata"]["deletionTimestamp"] = now().into();
                object["metadata"]["deletionGracePeriodSeconds"] = 0.into();
                if policy == "Foreground" {
                    let mut finalizers = object["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
                    finalizers.push(json!("foregroundDeletion"));
                    object["metadata"]["finalizers"] = Value::Array(finalizers);
                }
                match resource.kind {
                    "Namespace" => object["status"]["phase"] = "Terminating".into(),
                    "Cluster" => object["status"]["phase"] = "Deleting".into(),
                    _ => {}
                }
                if store {
                    self.resource_version += 1;
                    object["metadata"]["resourceVersion"] = self.resource_version.to_string().into();
                    if let Some(stored) = self.objects.get_mut(key) {
                        stored.object = object.clone();
                        stored.terminating_reads = 0;
                    }
                }
            }
            return Answer::Json(200, object);
        }
        if store {
            self.objects.remove(key);
        }
        if resource.returns_deleted {
            return Answer::Json(200, stored.object);
        }
        let mut details = resource.details(name);
        details["uid"] = meta["uid"].clone();
        Answer::Json(
            200,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
        )
    }
}

/// `metadata.managedFields` of these managers.
fn managed_fields(managers: &BTreeMap<String, Managed>, api_version: &str) -> Value {
    Value::Array(
        managers
            .iter()
            .map(|(manager, managed)| {
                json!({
                    "manager": manager,
                    "operation": managed.operation,
                    "apiVersion": api_version,
                    "time": managed.time,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": fields_v1(&managed.config),
                })
            })
            .collect(),
    )
}
