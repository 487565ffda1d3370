//! Deleting what `apply` created: in reverse apply order, only objects that carry the
//! managed-by label, a Namespace only when nothing in it is someone else's, with background
//! propagation.

use std::collections::BTreeMap;

use serde_json::Value;

use super::apply::is_managed;
use super::client::{Kubernetes, to_error};
use super::manifest::{FIELD_MANAGER, Kind, MANAGED_BY_LABEL, Manifest, sorted};
use super::report::{DeleteOutcome, DeleteReport, KubeEvent, ObjectDeletion, ObjectRef};
use crate::error::Result;

/// Objects Kubernetes puts in every namespace itself, which do not keep a Namespace.
const KUBERNETES_DEFAULTS: [(Kind, &str); 2] =
    [(Kind::ServiceAccount, "default"), (Kind::ConfigMap, "kube-root-ca.crt")];

impl Kubernetes {
    /// Deletes the objects of `manifests` in reverse apply order (workloads first, the
    /// Namespace last), and only those that carry `app.kubernetes.io/managed-by:
    /// trino-platform`: an object of the same name without the label is left alone and
    /// reported [`Unmanaged`](DeleteOutcome::Unmanaged). A missing object is
    /// [`Absent`](DeleteOutcome::Absent), so deleting twice is fine.
    ///
    /// A Namespace is [`Kept`](DeleteOutcome::Kept), with the reason, when deleting it would
    /// delete an object trino-platform did not create: one of the manifests found
    /// [`Unmanaged`](DeleteOutcome::Unmanaged) in it, or, listed before the Namespace is
    /// deleted, any object of a namespaced kind the library manages ([`Kind::APPLY_ORDER`])
    /// that is neither labelled as trino-platform's, nor owned by another object
    /// (`metadata.ownerReferences`: a dependent, such as what KubeBlocks makes for its
    /// Cluster), nor one Kubernetes makes in every namespace (the ServiceAccount `default`,
    /// the ConfigMap `kube-root-ca.crt`). A kind the server does not serve (KubeBlocks not
    /// installed) holds nothing.
    ///
    /// Each delete is issued with `propagationPolicy: Background` and a precondition on the
    /// uid that was read (an object replaced in between is not deleted): the object goes at
    /// once and the garbage collector removes its dependents (a Deployment's ReplicaSets and
    /// pods) afterwards. Nothing waits for that, nor for a Namespace or a KubeBlocks Cluster
    /// to finish finalizing ([`Terminating`](DeleteOutcome::Terminating)). Sends `progress` a
    /// [`KubeEvent::Deleted`] per object.
    ///
    /// Fails with the kind of an API failure (`Forbidden` without RBAC permission to get,
    /// list or delete, `Unavailable` when the server cannot be reached after retries, …),
    /// saying what was deleted before it.
    pub async fn delete(&self, manifests: &[Manifest], progress: &(dyn Fn(KubeEvent) + Sync)) -> Result<DeleteReport> {
        let mut ordered = sorted(manifests);
        ordered.reverse();
        // Namespace → the first unmanaged object found in it among the manifests.
        let mut holding_unmanaged: BTreeMap<String, ObjectRef> = BTreeMap::new();
        let mut report = DeleteReport::default();
        for manifest in ordered {
            let object = ObjectRef::of(manifest);
            let (outcome, reason) = self.delete_one(manifest, &object, &holding_unmanaged).await.map_err(|err| {
                let done = report.objects.iter().filter(|o| o.outcome.removes()).count();
                crate::Error::new(
                    err.kind(),
                    format!("{}; {done} object(s) were deleted before it; run delete again to finish", err.message()),
                )
                .with_source(err)
            })?;
            if outcome == DeleteOutcome::Unmanaged
                && let Some(namespace) = manifest.namespace()
            {
                holding_unmanaged.entry(namespace.to_owned()).or_insert_with(|| object.clone());
            }
            let deletion = ObjectDeletion { object, outcome, reason };
            progress(KubeEvent::Deleted(deletion.clone()));
            report.objects.push(deletion);
        }
        Ok(report)
    }

    /// [`delete`](Self::delete) of one manifest, failing with the failure itself (no summary
    /// of what was deleted before it: the caller keeps its own, as the bundles do). A
    /// Namespace is kept by what listing it finds.
    #[cfg(feature = "bundle")]
    pub(crate) async fn delete_single(&self, manifest: &Manifest) -> Result<ObjectDeletion> {
        let object = ObjectRef::of(manifest);
        let (outcome, reason) = self.delete_one(manifest, &object, &BTreeMap::new()).await?;
        Ok(ObjectDeletion { object, outcome, reason })
    }

    async fn delete_one(
        &self,
        manifest: &Manifest,
        object: &ObjectRef,
        holding_unmanaged: &BTreeMap<String, ObjectRef>,
    ) -> Result<(DeleteOutcome, Option<String>)> {
        let (kind, namespace, name) = (manifest.kind(), manifest.namespace(), manifest.name());
        let Some(live) =
            self.read(kind, namespace, name).await.map_err(|e| to_error(e, &format!("reading {object}"), &[]))?
        else {
            return Ok((DeleteOutcome::Absent, None));
        };
        if !is_managed(&live) {
            let reason = format!("left alone, it is not labelled {MANAGED_BY_LABEL}={FIELD_MANAGER}");
            return Ok((DeleteOutcome::Unmanaged, Some(reason)));
        }
        if kind == Kind::Namespace {
            let foreign = match holding_unmanaged.get(name) {
                Some(held) => Some(held.to_string()),
                None => self.foreign_object(name).await?,
            };
            if let Some(foreign) = foreign {
                let reason = format!("it holds {foreign}, which trino-platform did not create");
                return Ok((DeleteOutcome::Kept, Some(reason)));
            }
        }
        let uid = live["metadata"]["uid"].as_str();
        match self.delete_object(kind, namespace, name, uid).await {
            Ok(Some(answer)) if answer["metadata"]["deletionTimestamp"].is_string() => {
                Ok((DeleteOutcome::Terminating, None))
            }
            Ok(_) => Ok((DeleteOutcome::Deleted, None)),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok((DeleteOutcome::Absent, None)),
            Err(err) => Err(to_error(err, &format!("deleting {object}"), &[])),
        }
    }

    /// The first object in `namespace` (as `Kind namespace/name`, kinds in apply order) that
    /// trino-platform neither made nor owns through another object, Kubernetes' own
    /// defaults aside; `None` when there is none.
    async fn foreign_object(&self, namespace: &str) -> Result<Option<String>> {
        for kind in Kind::APPLY_ORDER.into_iter().filter(|k| k.namespaced()) {
            let listed = self
                .list(kind, Some(namespace))
                .await
                .map_err(|e| to_error(e, &format!("listing the {} of Namespace {namespace}", kind.plural()), &[]))?;
            for item in listed.unwrap_or_default() {
                if let Some(name) = foreign_name(kind, &item) {
                    let object = ObjectRef { kind, namespace: Some(namespace.to_owned()), name };
                    return Ok(Some(object.to_string()));
                }
            }
        }
        Ok(None)
    }
}

/// The name of a listed object of `kind` that keeps its Namespace: not labelled as
/// trino-platform's, not owned by another object, and not one Kubernetes makes itself.
fn foreign_name(kind: Kind, item: &Value) -> Option<String> {
    let metadata = &item["metadata"];
    let name = metadata["name"].as_str().unwrap_or_default();
    let owned = metadata["ownerReferences"].as_array().is_some_and(|owners| !owners.is_empty());
    let default = KUBERNETES_DEFAULTS.contains(&(kind, name));
    (!is_managed(item) && !owned && !default).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_objects_nobody_of_ours_accounts_for_keep_a_namespace() {
        let item = |metadata: Value| json!({"metadata": metadata});
        let foreign = item(json!({"name": "notes"}));
        assert_eq!(foreign_name(Kind::ConfigMap, &foreign).as_deref(), Some("notes"));
        let ours = item(json!({"name": "x", "labels": {MANAGED_BY_LABEL: FIELD_MANAGER}}));
        assert_eq!(foreign_name(Kind::ConfigMap, &ours), None);
        let helm = item(json!({"name": "x", "labels": {MANAGED_BY_LABEL: "Helm"}}));
        assert_eq!(foreign_name(Kind::ConfigMap, &helm).as_deref(), Some("x"));
        let owned = item(json!({"name": "db-conn", "ownerReferences": [{"kind": "Cluster", "name": "db"}]}));
        assert_eq!(foreign_name(Kind::Secret, &owned), None);
        assert_eq!(foreign_name(Kind::ServiceAccount, &item(json!({"name": "default"}))), None);
        assert_eq!(foreign_name(Kind::ConfigMap, &item(json!({"name": "kube-root-ca.crt"}))), None);
        assert_eq!(foreign_name(Kind::Secret, &item(json!({"name": "default"}))).as_deref(), Some("default"));
    }
}
