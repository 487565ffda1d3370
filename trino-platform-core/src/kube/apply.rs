//! Plan and apply, decided as `kubectl diff` decides: for each manifest, in apply order, read
//! the live object, resolve a Secret's values against it (so generated values are kept), ask
//! the server what a server-side apply would make of the object (`dryRun=All`: defaulted,
//! merged with fields other managers own, validated, not stored) and compare that with the
//! live object. `apply` then writes only the objects that differ.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::ByteString;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::client::{Kubernetes, to_error};
use super::manifest::{FIELD_MANAGER, Kind, MANAGED_BY_LABEL, Manifest, sorted};
use super::report::{ApplyReport, Change, KubeEvent, ObjectChange, ObjectRef};
use crate::error::{Error, ErrorKind, Result};

/// Metadata the server sets on writes, which says nothing about what was applied.
const SERVER_METADATA: [&str; 6] =
    ["resourceVersion", "generation", "managedFields", "creationTimestamp", "uid", "selfLink"];

/// One manifest, planned: what applying it does, and the body to apply.
struct Planned<'a> {
    manifest: &'a Manifest,
    change: ObjectChange,
    /// The body of the server-side apply: the manifest's object, labelled as managed, with a
    /// Secret's values resolved (as base64 `data`).
    body: Value,
    /// A Secret's resolved values, cut from any error message.
    secrets: Vec<SecretString>,
}

impl Kubernetes {
    /// What [`apply`](Self::apply) would do to each manifest, in apply order
    /// ([`Kind::APPLY_ORDER`]): create it, update it (naming the fields that differ, never a
    /// value), or leave it unchanged. Decided by a server-side apply dry run
    /// (`dryRun=All`) compared with the live object, ignoring what the server sets on every
    /// write (`metadata.resourceVersion`, `generation`, `managedFields`, `creationTimestamp`,
    /// `uid`) and `status`. A Secret is resolved with the live Secret's values, so a generated
    /// value that exists is kept. An object in a Namespace that the plan creates is reported
    /// as created without a dry run (the server cannot dry-run into a namespace that does not
    /// exist). Writes nothing.
    ///
    /// Fails with `Conflict` when an object exists without the label
    /// `app.kubernetes.io/managed-by: trino-platform` (the library does not take over objects
    /// it did not create; all of them are named) or is being deleted, `InvalidInput` when two
    /// manifests name the same object, a Secret's environment variable is unset or the server
    /// rejects an object (`400`, `422`, with the server's message), `NotFound` when the server
    /// does not serve a kind (KubeBlocks not installed) or a namespace is missing, and with
    /// the kind of any other API failure ([`Kubernetes::connect`]).
    pub async fn plan(&self, manifests: &[Manifest]) -> Result<Vec<ObjectChange>> {
        self.plan_creating(manifests, &BTreeSet::new()).await
    }

    /// [`plan`](Self::plan), knowing that the Namespaces `creating` are created before these
    /// manifests are applied (by an earlier part of the same plan, as a tenant's platform
    /// creates the namespace its clusters go into): their objects are planned as created,
    /// without a dry run.
    pub(crate) async fn plan_creating(
        &self,
        manifests: &[Manifest],
        creating: &BTreeSet<String>,
    ) -> Result<Vec<ObjectChange>> {
        Ok(self.planned(manifests, creating).await?.into_iter().map(|planned| planned.change).collect())
    }

    /// Server-side applies (`application/apply-patch+yaml`, field manager `trino-platform`,
    /// force) the manifests that [`plan`](Self::plan) finds different, in apply order, and
    /// nothing else: applying the same manifests twice writes nothing the second time. Every
    /// applied object carries `app.kubernetes.io/managed-by: trino-platform` (added when a
    /// manifest lacks it). Sends `progress` an [`KubeEvent::Applied`] per object and returns
    /// what was created, updated and unchanged. Transient API failures are retried
    /// ([`KubeOptions`](super::KubeOptions)).
    ///
    /// Fails as [`plan`](Self::plan) does, before anything is written; and when a write
    /// fails, with that failure's kind and a message saying what had been applied before it.
    /// Every step is idempotent, so running `apply` again finishes the job.
    pub async fn apply(&self, manifests: &[Manifest], progress: &(dyn Fn(KubeEvent) + Sync)) -> Result<ApplyReport> {
        let planned = self.planned(manifests, &BTreeSet::new()).await?;
        let mut report = ApplyReport::default();
        for planned in planned {
            let change = self.write(planned).await.map_err(|err| failed_after(err, &report))?;
            progress(KubeEvent::Applied(change.clone()));
            report.objects.push(change);
        }
        Ok(report)
    }

    /// [`apply`](Self::apply) of one manifest, failing with the failure itself (no summary of
    /// what was written before it: the caller keeps its own, as the bundles do).
    #[cfg(feature = "bundle")]
    pub(crate) async fn apply_one(&self, manifest: &Manifest) -> Result<ObjectChange> {
        match self.planned(std::slice::from_ref(manifest), &BTreeSet::new()).await?.pop() {
            Some(planned) => self.write(planned).await,
            None => Err(Error::new(ErrorKind::Internal, format!("{} was not planned", manifest.describe()))),
        }
    }

    /// Writes a planned object when it differs (a server-side apply); returns its change.
    async fn write(&self, planned: Planned<'_>) -> Result<ObjectChange> {
        let Planned { manifest, change, body, secrets } = planned;
        if change.change.writes() {
            self.server_side_apply(manifest.kind(), manifest.namespace(), manifest.name(), &body, false)
                .await
                .map_err(|e| {
                    let secrets: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
                    to_error(e, &format!("server-side apply of {}", change.object), &secrets)
                })?;
        }
        Ok(change)
    }

    async fn planned<'a>(&self, manifests: &'a [Manifest], creating: &BTreeSet<String>) -> Result<Vec<Planned<'a>>> {
        let manifests = sorted(manifests);
        check_unique(&manifests)?;
        let mut created_namespaces = creating.clone();
        let mut unmanaged = Vec::new();
        let mut planned = Vec::with_capacity(manifests.len());
        for manifest in manifests {
            let object = ObjectRef::of(manifest);
            let (kind, namespace, name) = (manifest.kind(), manifest.namespace(), manifest.name());
            let live =
                self.read(kind, namespace, name).await.map_err(|e| to_error(e, &format!("reading {object}"), &[]))?;
            if let Some(live) = &live {
                if !is_managed(live) {
                    unmanaged.push(object.to_string());
                    continue;
                }
                if live["metadata"]["deletionTimestamp"].is_string() {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        format!("{object} is being deleted: wait until it is gone, then apply again"),
                    ));
                }
            }
            let existing = live.as_ref().filter(|_| kind == Kind::Secret).map(secret_values).unwrap_or_default();
            let (body, secrets) = body_to_apply(manifest, &existing)?;
            let exposed: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
            let in_created_namespace = namespace.is_some_and(|ns| created_namespaces.contains(ns));
            let dry_run = match in_created_namespace {
                true => None,
                false => Some(
                    self.server_side_apply(kind, namespace, name, &body, true)
                        .await
                        .map_err(|e| to_error(e, &format!("dry-run server-side apply of {object}"), &exposed))?,
                ),
            };
            let (change, fields) = match (&live, &dry_run) {
                (None, _) => (Change::Created, Vec::new()),
                (Some(live), Some(wanted)) => match differences(&comparable(live), &comparable(wanted)) {
                    fields if fields.is_empty() => (Change::Unchanged, fields),
                    fields => (Change::Updated, fields),
                },
                // An object that exists in a namespace that does not: cannot be; apply it.
                (Some(_), None) => (Change::Updated, Vec::new()),
            };
            if kind == Kind::Namespace && live.is_none() {
                created_namespaces.insert(name.to_owned());
            }
            planned.push(Planned { manifest, change: ObjectChange { object, change, fields }, body, secrets });
        }
        if !unmanaged.is_empty() {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "{} exist(s) without the label {MANAGED_BY_LABEL}={FIELD_MANAGER}, and trino-platform does not take over objects it did not create: delete or rename each, or add the label to hand it over",
                    unmanaged.join(", "),
                ),
            ));
        }
        Ok(planned)
    }
}

/// Whether the live object carries `app.kubernetes.io/managed-by: trino-platform`.
pub(crate) fn is_managed(live: &Value) -> bool {
    live["metadata"]["labels"][MANAGED_BY_LABEL] == FIELD_MANAGER
}

/// Fails with `InvalidInput` when two manifests name the same object.
fn check_unique(manifests: &[&Manifest]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for manifest in manifests {
        let object = ObjectRef::of(manifest);
        if !seen.insert(object.clone()) {
            return Err(Error::invalid_input(format!("two manifests describe {object}: keep one")));
        }
    }
    Ok(())
}

/// The values of a live Secret's `data`, decoded (keys whose value is not UTF-8 text are left
/// out: a generated value is always text).
fn secret_values(live: &Value) -> BTreeMap<String, String> {
    let data = serde_json::from_value::<BTreeMap<String, ByteString>>(live["data"].clone()).unwrap_or_default();
    data.into_iter().filter_map(|(key, value)| String::from_utf8(value.0).ok().map(|value| (key, value))).collect()
}

/// The body of the server-side apply of `manifest`: its object, with the managed-by label,
/// and for a Secret the values resolved against `existing` and written as base64 `data`
/// ([`Manifest::resolved`]: the apply then owns them key by key, so that a key removed from
/// the manifest is removed from the Secret; `stringData` is not stored, so owning it would
/// not). Returns the body and the Secret's values.
fn body_to_apply(manifest: &Manifest, existing: &BTreeMap<String, String>) -> Result<(Value, Vec<SecretString>)> {
    let (mut body, secrets) = manifest.resolved_with_values(existing)?;
    let Some(fields) = body.as_object_mut() else {
        return Err(Error::new(ErrorKind::Internal, format!("{} is not a JSON object", manifest.describe())));
    };
    let metadata = fields.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        let labels = metadata.entry("labels").or_insert_with(|| Value::Object(Map::new()));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(MANAGED_BY_LABEL.to_owned(), FIELD_MANAGER.into());
        }
    }
    Ok((body, secrets))
}

/// The object without what the server sets on every write and without `status`.
fn comparable(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("status");
        if let Some(metadata) = fields.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in SERVER_METADATA {
                metadata.remove(field);
            }
        }
    }
    object
}

/// The paths at which `wanted` differs from `live` (maps compared key by key, anything else
/// as a whole).
fn differences(live: &Value, wanted: &Value) -> Vec<String> {
    fn walk(live: Option<&Value>, wanted: Option<&Value>, path: &str, out: &mut Vec<String>) {
        match (live, wanted) {
            (Some(Value::Object(live)), Some(Value::Object(wanted))) => {
                let keys: BTreeSet<&String> = live.keys().chain(wanted.keys()).collect();
                for key in keys {
                    walk(live.get(key), wanted.get(key), &join(path, key), out);
                }
            }
            (live, wanted) if live == wanted => {}
            _ => out.push(if path.is_empty() { "(the object)".to_owned() } else { path.to_owned() }),
        }
    }
    let mut out = Vec::new();
    walk(Some(live), Some(wanted), "", &mut out);
    out
}

/// `path.key`, or `path["key"]` when the key is not a plain word.
fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

/// `err` with what the apply had written before it, and that a rerun finishes the job.
fn failed_after(err: Error, report: &ApplyReport) -> Error {
    let done = match (report.count(Change::Created), report.count(Change::Updated), report.count(Change::Unchanged)) {
        (0, 0, 0) => "nothing was written before it".to_owned(),
        (created, updated, unchanged) => {
            format!("before it {created} object(s) were created, {updated} updated, {unchanged} already as wanted")
        }
    };
    Error::new(
        err.kind(),
        format!("{}; {done}; run apply again to finish (it writes only what differs)", err.message()),
    )
    .with_source(err)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn differences_name_paths_never_values() {
        let live = json!({"metadata": {"labels": {"app.kubernetes.io/name": "a"}}, "data": {"k": "djE=", "same": "x"}});
        let wanted = json!({"metadata": {"labels": {"app.kubernetes.io/name": "b"}}, "data": {"k": "djI=", "same": "x", "new": "y"}});
        assert_eq!(differences(&live, &wanted), ["data.k", "data.new", "metadata.labels[\"app.kubernetes.io/name\"]"]);
        assert!(differences(&live, &live).is_empty());
    }

    #[test]
    fn server_fields_and_status_are_ignored() {
        let live = json!({"metadata": {"name": "x", "uid": "1", "resourceVersion": "5", "generation": 2,
            "managedFields": [], "creationTimestamp": "2026-01-01T00:00:00Z"}, "status": {"phase": "Active"}, "spec": {}});
        let wanted = json!({"metadata": {"name": "x", "uid": "1", "resourceVersion": "6"}, "spec": {}});
        assert!(differences(&comparable(&live), &comparable(&wanted)).is_empty());
    }

    #[test]
    fn secret_values_become_base64_data_and_generated_ones_are_kept() {
        use crate::kube::SecretValue;
        let data = BTreeMap::from([
            ("given".to_owned(), SecretValue::Given(SecretString::from("hunter2"))),
            ("made".to_owned(), SecretValue::Generated { bytes: 8 }),
        ]);
        let secret = Manifest::secret("s", "ns", &BTreeMap::new(), data).unwrap();
        let existing = BTreeMap::from([("made".to_owned(), "kept".to_owned())]);
        let (body, secrets) = body_to_apply(&secret, &existing).unwrap();
        assert_eq!(body["data"], json!({"given": "aHVudGVyMg==", "made": "a2VwdA=="}));
        assert!(body.get("stringData").is_none());
        assert_eq!(body["metadata"]["labels"][MANAGED_BY_LABEL], FIELD_MANAGER);
        assert_eq!(secrets.len(), 2);
        let live = json!({"data": {"made": "a2VwdA==", "binary": "/w=="}});
        assert_eq!(secret_values(&live), BTreeMap::from([("made".to_owned(), "kept".to_owned())]));
    }
}
