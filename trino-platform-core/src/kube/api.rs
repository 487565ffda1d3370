//! [`Kubernetes`]: manifests against a cluster's API server, through kube-rs.
//!
//! - `plan` says, per object, whether applying would create it, update it or change nothing,
//!   the way `kubectl diff` does: a server-side apply with `dryRun=All`, compared with the live
//!   object (server-managed metadata and status aside).
//! - `apply` server-side applies (`application/apply-patch+yaml`, field manager
//!   [`FIELD_MANAGER`], forced) only the objects that differ, in apply order; a second apply
//!   of the same manifests writes nothing. Secrets are resolved against the live Secret, so a
//!   generated value is kept.
//! - `wait_ready` polls until every Deployment is rolled out and available and every
//!   KubeBlocks `Cluster` is `Running`.
//! - `delete` removes, in reverse order, only objects labelled as trino-platform's.
//!
//! An existing object without the managed-by label is never taken over or deleted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde::Serialize;
use serde_json::Value;

use super::manifest::{FIELD_MANAGER, Kind, MANAGED_BY_LABEL, Manifest, sorted};
use crate::error::{Error, ErrorKind, Result};

/// How often `wait_ready` looks again.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A Kubernetes API server.
#[derive(Clone)]
pub struct Kubernetes {
    client: kube::Client,
    poll_interval: Duration,
}

impl std::fmt::Debug for Kubernetes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kubernetes").field("default_namespace", &self.client.default_namespace()).finish()
    }
}

/// What happens (plan) or happened (apply, delete) to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectAction {
    /// Created (or would be).
    Created,
    /// Changed (or would be).
    Updated,
    /// Already as wanted.
    Unchanged,
    /// Deleted.
    Deleted,
    /// Not there to delete.
    Absent,
    /// Left alone: trino-platform does not manage it (or, for a namespace, it holds objects
    /// trino-platform did not create).
    Kept,
}

/// One object's [`ObjectAction`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    /// The kind.
    pub kind: Kind,
    /// The namespace (none for a namespace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// What happens to it.
    pub action: ObjectAction,
    /// Why, when it is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ObjectChange {
    fn of(manifest: &Manifest, action: ObjectAction) -> Self {
        Self {
            kind: manifest.kind(),
            namespace: manifest.namespace().map(str::to_owned),
            name: manifest.name().to_owned(),
            action,
            detail: None,
        }
    }

    /// `Kind namespace/name`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// Where progress messages go (`deployment trino-acme/trino-etl-worker: 1/3 ready`, …).
pub type KubeProgress<'a> = &'a (dyn Fn(&str) + Send + Sync);

impl Kubernetes {
    /// The cluster of the kubeconfig (`KUBECONFIG`, `~/.kube/config`) or, inside a pod, of its
    /// service account. Fails with `Unavailable` when there is neither.
    pub async fn connect() -> Result<Self> {
        let client = kube::Client::try_default().await.map_err(|e| {
            Error::new(ErrorKind::Unavailable, format!("cannot configure a Kubernetes client: {e}")).with_source(e)
        })?;
        Ok(Self::from_client(client))
    }

    /// The cluster behind `client` (for example one built over a test service).
    pub fn from_client(client: kube::Client) -> Self {
        Self { client, poll_interval: POLL_INTERVAL }
    }

    /// How often [`wait_ready`](Self::wait_ready) looks again (default 2 s).
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    fn api(&self, kind: Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        let gvk = GroupVersionKind::gvk(kind.group(), kind.version(), kind.name());
        let resource = ApiResource::from_gvk_with_plural(&gvk, kind.plural());
        match namespace.filter(|_| kind.namespaced()) {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }

    async fn live(&self, manifest: &Manifest) -> Result<Option<Value>> {
        let found = self
            .api(manifest.kind(), manifest.namespace())
            .get_opt(manifest.name())
            .await
            .map_err(|e| api_error(e, &format!("reading {}", manifest.describe())))?;
        found.map(|object| to_json(&object)).transpose()
    }

    /// The object to apply: the manifest, a Secret's values resolved against `live`'s.
    fn body(manifest: &Manifest, live: Option<&Value>) -> Result<Value> {
        manifest.resolved(&live.map(secret_values).unwrap_or_default())
    }

    async fn server_apply(&self, manifest: &Manifest, body: &Value, dry_run: bool) -> Result<Value> {
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        let verb = if dry_run { "dry-run applying" } else { "applying" };
        let applied = self
            .api(manifest.kind(), manifest.namespace())
            .patch(manifest.name(), &params, &Patch::Apply(body))
            .await
            .map_err(|e| api_error(e, &format!("{verb} {}", manifest.describe())))?;
        to_json(&applied)
    }

    /// Whether applying `manifest` over `live` changes anything (a server-side dry run).
    async fn differs(&self, manifest: &Manifest, live: &Value) -> Result<bool> {
        let body = Self::body(manifest, Some(live))?;
        let after = self.server_apply(manifest, &body, true).await?;
        Ok(comparable(&after) != comparable(live))
    }

    /// What [`apply`](Self::apply) would do to each object, in apply order; writes nothing.
    /// Fails with `Conflict` for an existing object trino-platform does not manage,
    /// `InvalidInput` when the server refuses an object (its message), and the kinds of
    /// transport failures.
    pub async fn plan(&self, manifests: &[Manifest]) -> Result<Vec<ObjectChange>> {
        let mut changes = Vec::new();
        for manifest in sorted(manifests) {
            let action = match self.live(manifest).await? {
                None => ObjectAction::Created,
                Some(live) => {
                    check_managed(manifest, &live)?;
                    if self.differs(manifest, &live).await? { ObjectAction::Updated } else { ObjectAction::Unchanged }
                }
            };
            changes.push(ObjectChange::of(manifest, action));
        }
        Ok(changes)
    }

    /// Applies the objects that differ, in apply order, reporting each to `progress`. Fails
    /// as [`plan`](Self::plan) does, and with `InvalidInput` when a Secret's variable is
    /// unset; what was applied before a failure stays, and a rerun finishes the job.
    pub async fn apply(&self, manifests: &[Manifest], progress: KubeProgress<'_>) -> Result<Vec<ObjectChange>> {
        let mut changes = Vec::new();
        for manifest in sorted(manifests) {
            let live = self.live(manifest).await?;
            if let Some(live) = &live {
                check_managed(manifest, live)?;
                if !self.differs(manifest, live).await? {
                    changes.push(ObjectChange::of(manifest, ObjectAction::Unchanged));
                    continue;
                }
            }
            let body = Self::body(manifest, live.as_ref())?;
            self.server_apply(manifest, &body, false).await?;
            let action = if live.is_some() { ObjectAction::Updated } else { ObjectAction::Created };
            progress(&format!("{} {}", manifest.describe(), if live.is_some() { "updated" } else { "created" }));
            changes.push(ObjectChange::of(manifest, action));
        }
        Ok(changes)
    }

    /// Waits until every Deployment among `manifests` is rolled out and available, and every
    /// KubeBlocks `Cluster` is `Running`, saying to `progress` what is still awaited whenever
    /// that changes. Fails with `Timeout` naming what was not ready after `timeout`.
    pub async fn wait_ready(
        &self,
        manifests: &[Manifest],
        timeout: Duration,
        progress: KubeProgress<'_>,
    ) -> Result<()> {
        let awaited: Vec<&Manifest> = sorted(manifests)
            .into_iter()
            .filter(|m| matches!(m.kind(), Kind::Deployment | Kind::KubeBlocksCluster))
            .collect();
        let deadline = Instant::now() + timeout;
        let mut said: BTreeMap<String, String> = BTreeMap::new();
        loop {
            let mut waiting = Vec::new();
            for manifest in &awaited {
                let status = match self.live(manifest).await? {
                    None => Some("not created yet".to_owned()),
                    Some(live) => not_ready(manifest.kind(), &live),
                };
                if let Some(status) = status {
                    let line = format!("{}: {status}", manifest.describe());
                    if said.get(&manifest.describe()) != Some(&line) {
                        progress(&line);
                        said.insert(manifest.describe(), line.clone());
                    }
                    waiting.push(line);
                }
            }
            if waiting.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "not ready after {}: {}; look at the pods' events (kubectl describe), then apply again",
                        humantime::format_duration(timeout),
                        waiting.join("; ")
                    ),
                ));
            }
            tokio::time::sleep(self.poll_interval.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    /// Deletes the objects in reverse apply order: only those labelled as trino-platform's
    /// (others are kept and reported), a namespace only when nothing in it but
    /// trino-platform's objects (and what they own) is left. A missing object is fine.
    pub async fn delete(&self, manifests: &[Manifest], progress: KubeProgress<'_>) -> Result<Vec<ObjectChange>> {
        let mut changes = Vec::new();
        for manifest in sorted(manifests).into_iter().rev() {
            let Some(live) = self.live(manifest).await? else {
                changes.push(ObjectChange::of(manifest, ObjectAction::Absent));
                continue;
            };
            let keep = if !is_managed(&live) {
                Some("not labelled as trino-platform's".to_owned())
            } else if manifest.kind() == Kind::Namespace {
                self.foreign_objects(manifest.name())
                    .await?
                    .map(|o| format!("it holds {o}, which trino-platform did not create"))
            } else {
                None
            };
            if let Some(detail) = keep {
                progress(&format!("{} kept: {detail}", manifest.describe()));
                changes.push(ObjectChange { detail: Some(detail), ..ObjectChange::of(manifest, ObjectAction::Kept) });
                continue;
            }
            match self
                .api(manifest.kind(), manifest.namespace())
                .delete(manifest.name(), &DeleteParams::background())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {
                    changes.push(ObjectChange::of(manifest, ObjectAction::Absent));
                    continue;
                }
                Err(e) => return Err(api_error(e, &format!("deleting {}", manifest.describe()))),
            }
            progress(&format!("{} deleted", manifest.describe()));
            changes.push(ObjectChange::of(manifest, ObjectAction::Deleted));
        }
        Ok(changes)
    }

    /// The first object in `namespace` that trino-platform neither made nor owns through one
    /// of its objects (Kubernetes' own defaults aside), as `Kind name`.
    async fn foreign_objects(&self, namespace: &str) -> Result<Option<String>> {
        let defaults = [(Kind::ServiceAccount, "default"), (Kind::ConfigMap, "kube-root-ca.crt")];
        for kind in Kind::APPLY_ORDER.into_iter().filter(|k| k.namespaced()) {
            let list = match self.api(kind, Some(namespace)).list(&ListParams::default()).await {
                Ok(list) => list,
                // A kind this server does not serve (no KubeBlocks) holds nothing.
                Err(kube::Error::Api(status)) if status.code == 404 => continue,
                Err(e) => return Err(api_error(e, &format!("listing {} in {namespace}", kind.plural()))),
            };
            for object in list.items {
                let name = object.metadata.name.clone().unwrap_or_default();
                let owned = object.metadata.owner_references.as_ref().is_some_and(|refs| !refs.is_empty());
                let managed = object.metadata.labels.as_ref().and_then(|l| l.get(MANAGED_BY_LABEL)).map(String::as_str)
                    == Some(FIELD_MANAGER);
                if !managed && !owned && !defaults.contains(&(kind, name.as_str())) {
                    return Ok(Some(format!("{kind} {name}")));
                }
            }
        }
        Ok(None)
    }
}

fn to_json(object: &DynamicObject) -> Result<Value> {
    serde_json::to_value(object).map_err(|e| Error::new(ErrorKind::Internal, format!("cannot read an object: {e}")))
}

fn is_managed(live: &Value) -> bool {
    live["metadata"]["labels"][MANAGED_BY_LABEL].as_str() == Some(FIELD_MANAGER)
}

fn check_managed(manifest: &Manifest, live: &Value) -> Result<()> {
    if is_managed(live) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Conflict,
        format!(
            "{} exists and is not labelled {MANAGED_BY_LABEL}={FIELD_MANAGER}: trino-platform does not take over \
             objects it did not create; rename it, delete it, or label it to hand it over",
            manifest.describe()
        ),
    ))
}

/// A Secret's current values, as text (its `data` is base64).
fn secret_values(live: &Value) -> BTreeMap<String, String> {
    use base64::Engine as _;
    let Some(data) = live["data"].as_object() else { return BTreeMap::new() };
    data.iter()
        .filter_map(|(key, value)| {
            let bytes = base64::engine::general_purpose::STANDARD.decode(value.as_str()?).ok()?;
            Some((key.clone(), String::from_utf8(bytes).ok()?))
        })
        .collect()
}

/// The object without what the server manages itself, for comparing two versions.
fn comparable(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
    }
    if let Some(meta) = object["metadata"].as_object_mut() {
        for key in ["resourceVersion", "generation", "managedFields", "creationTimestamp", "uid"] {
            meta.remove(key);
        }
    }
    object
}

/// What a Deployment or KubeBlocks Cluster still lacks, or `None` when it is ready.
fn not_ready(kind: Kind, live: &Value) -> Option<String> {
    let status = &live["status"];
    let generation = live["metadata"]["generation"].as_i64().unwrap_or(0);
    if status["observedGeneration"].as_i64().unwrap_or(0) < generation {
        return Some("the controller has not seen the latest spec".to_owned());
    }
    match kind {
        Kind::Deployment => {
            let wanted = live["spec"]["replicas"].as_i64().unwrap_or(1);
            let count = |field: &str| status[field].as_i64().unwrap_or(0);
            let (updated, available, total) = (count("updatedReplicas"), count("availableReplicas"), count("replicas"));
            if updated >= wanted && available >= wanted && total <= updated {
                None
            } else {
                Some(format!("{available}/{wanted} available, {updated}/{wanted} updated"))
            }
        }
        Kind::KubeBlocksCluster => match status["phase"].as_str() {
            Some("Running") => None,
            phase => Some(format!("phase {}", phase.unwrap_or("unknown"))),
        },
        _ => None,
    }
}

/// The crate error of a failed API call `what`: the server's status code and message mapped
/// to a kind, transport failures as `Unavailable`.
fn api_error(e: kube::Error, what: &str) -> Error {
    let (kind, detail) = match &e {
        kube::Error::Api(status) => {
            let kind = match status.code {
                400 | 422 => ErrorKind::InvalidInput,
                401 => ErrorKind::Unauthorized,
                403 => ErrorKind::Forbidden,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                408 | 504 => ErrorKind::Timeout,
                429 | 500..=599 => ErrorKind::Unavailable,
                _ => ErrorKind::Backend,
            };
            (kind, format!("{} ({})", status.message, status.code))
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => (ErrorKind::Unavailable, e.to_string()),
        _ => (ErrorKind::Backend, e.to_string()),
    };
    Error::new(kind, format!("{what}: {detail}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn readiness_follows_rollout_status() {
        let deployment = |generation: i64, observed: i64, updated: i64, available: i64, total: i64| {
            json!({"metadata": {"generation": generation}, "spec": {"replicas": 3},
                   "status": {"observedGeneration": observed, "updatedReplicas": updated,
                              "availableReplicas": available, "replicas": total}})
        };
        assert_eq!(not_ready(Kind::Deployment, &deployment(2, 2, 3, 3, 3)), None);
        assert!(not_ready(Kind::Deployment, &deployment(2, 1, 3, 3, 3)).is_some(), "old generation");
        assert!(not_ready(Kind::Deployment, &deployment(2, 2, 3, 2, 3)).unwrap().contains("2/3 available"));
        assert!(not_ready(Kind::Deployment, &deployment(2, 2, 3, 3, 4)).is_some(), "an old pod is still there");
        let cluster =
            |phase: &str| json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1, "phase": phase}});
        assert_eq!(not_ready(Kind::KubeBlocksCluster, &cluster("Running")), None);
        assert_eq!(not_ready(Kind::KubeBlocksCluster, &cluster("Creating")).unwrap(), "phase Creating");
    }

    #[test]
    fn server_managed_fields_do_not_count_as_changes() {
        let a = json!({"metadata": {"name": "x", "resourceVersion": "1", "managedFields": [1]}, "data": {"k": "v"}});
        let b = json!({"metadata": {"name": "x", "resourceVersion": "2"}, "data": {"k": "v"}, "status": {}});
        assert_eq!(comparable(&a), comparable(&b));
        let c = json!({"metadata": {"name": "x"}, "data": {"k": "w"}});
        assert_ne!(comparable(&a), comparable(&c));
    }
}
