//! What [`Kubernetes`](super::Kubernetes) says while it works and when it is done: plain,
//! serializable values (the Python and Node bindings expose them as they are). None of them
//! ever holds a Secret's value: a changed Secret key is named, its value never.

use std::fmt;

use serde::Serialize;

use super::manifest::{Kind, Manifest};

/// One object in the cluster: its kind, namespace (none for a Namespace) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// The kind.
    pub kind: Kind,
    /// `metadata.namespace`; `None` for a cluster-scoped object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The object that `manifest` describes.
    pub fn of(manifest: &Manifest) -> Self {
        Self {
            kind: manifest.kind(),
            namespace: manifest.namespace().map(str::to_owned),
            name: manifest.name().to_owned(),
        }
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind namespace/name` (`Kind name` for a cluster-scoped object), as in
    /// [`Manifest::describe`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// What applying does to one object (in a plan: would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// The object does not exist: it is (would be) created.
    Created,
    /// The object exists and differs from the manifest: it is (would be) updated.
    Updated,
    /// The object is as the manifest says: nothing is written.
    Unchanged,
}

impl Change {
    /// Whether the object is (would be) written.
    pub fn writes(self) -> bool {
        self != Change::Unchanged
    }

    /// `created`, `updated`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One object of a plan or of an apply: what happens (happened) to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    /// The object.
    pub object: ObjectRef,
    /// Created, updated or unchanged.
    pub change: Change,
    /// For an update, the fields that differ from the live object, as paths
    /// (`spec.replicas`, `data.password`, `metadata.labels["app.kubernetes.io/name"]`);
    /// a path never includes a value. Empty for a creation or no change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl fmt::Display for ObjectChange {
    /// `ConfigMap ns/x updated (data.config.properties)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.object, self.change.as_str())?;
        if !self.fields.is_empty() {
            write!(f, " ({})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// What [`Kubernetes::apply`](super::Kubernetes::apply) did, one entry per manifest, in apply
/// order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// Every object, in apply order.
    pub objects: Vec<ObjectChange>,
}

impl ApplyReport {
    /// Whether any object was created or updated.
    pub fn changed(&self) -> bool {
        self.objects.iter().any(|o| o.change.writes())
    }

    /// How many objects had `change`.
    pub fn count(&self, change: Change) -> usize {
        self.objects.iter().filter(|o| o.change == change).count()
    }
}

/// What [`Kubernetes::delete`](super::Kubernetes::delete) did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeleteOutcome {
    /// The object was deleted (its dependents, such as a Deployment's pods, are removed by the
    /// cluster's garbage collector afterwards).
    Deleted,
    /// The delete was accepted and the object is being finalized (a Namespace removing its
    /// contents, a KubeBlocks Cluster removing its database); it disappears by itself.
    Terminating,
    /// There was no such object.
    Absent,
    /// An object of that name exists without the label
    /// `app.kubernetes.io/managed-by: trino-platform`: it was left alone.
    Unmanaged,
    /// A Namespace that was left in place because it holds an object trino-platform did not
    /// create, which deleting the Namespace would delete too.
    Kept,
}

impl DeleteOutcome {
    /// `deleted`, `terminating`, `absent`, `unmanaged`, `kept`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeleteOutcome::Deleted => "deleted",
            DeleteOutcome::Terminating => "terminating",
            DeleteOutcome::Absent => "absent",
            DeleteOutcome::Unmanaged => "unmanaged",
            DeleteOutcome::Kept => "kept",
        }
    }

    /// Whether a delete request was sent and accepted ([`Deleted`](Self::Deleted) or
    /// [`Terminating`](Self::Terminating)).
    pub fn removes(self) -> bool {
        matches!(self, DeleteOutcome::Deleted | DeleteOutcome::Terminating)
    }
}

/// One object of a delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDeletion {
    /// The object.
    pub object: ObjectRef,
    /// What happened to it.
    pub outcome: DeleteOutcome,
    /// Why it was left alone, for [`Unmanaged`](DeleteOutcome::Unmanaged) and
    /// [`Kept`](DeleteOutcome::Kept) (`it holds ConfigMap ns/notes, which trino-platform did
    /// not create`); `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl fmt::Display for ObjectDeletion {
    /// `Deployment ns/x deleted`, `Namespace ns kept: it holds ConfigMap ns/notes, which
    /// trino-platform did not create`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.object, self.outcome.as_str())?;
        if let Some(reason) = &self.reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

/// What [`Kubernetes::delete`](super::Kubernetes::delete) did, one entry per manifest, in
/// reverse apply order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteReport {
    /// Every object, in the order the deletes were issued.
    pub objects: Vec<ObjectDeletion>,
}

impl DeleteReport {
    /// How many objects had `outcome`.
    pub fn count(&self, outcome: DeleteOutcome) -> usize {
        self.objects.iter().filter(|o| o.outcome == outcome).count()
    }
}

/// A progress event of [`apply`](super::Kubernetes::apply),
/// [`wait_ready`](super::Kubernetes::wait_ready) or [`delete`](super::Kubernetes::delete).
/// Serialized with an `event` tag (`"applied"`, `"waiting"`, `"ready"`, `"deleted"`); its
/// [`Display`](fmt::Display) is one line for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum KubeEvent {
    /// An object was applied: created, updated, or found unchanged (and not written).
    Applied(ObjectChange),
    /// An object is not ready yet; sent when what it waits for changes.
    Waiting {
        /// The object.
        object: ObjectRef,
        /// What it still waits for (`1/3 ready`, `phase Creating`, `not found`).
        status: String,
    },
    /// An object became ready.
    Ready {
        /// The object.
        object: ObjectRef,
    },
    /// An object was deleted, or found absent, or left alone.
    Deleted(ObjectDeletion),
}

impl fmt::Display for KubeEvent {
    /// `ConfigMap ns/x created`, `Deployment ns/x: 1/3 ready`, `Deployment ns/x: ready`,
    /// `Service ns/x deleted`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KubeEvent::Applied(change) => change.fmt(f),
            KubeEvent::Waiting { object, status } => write!(f, "{object}: {status}"),
            KubeEvent::Ready { object } => write!(f, "{object}: ready"),
            KubeEvent::Deleted(deletion) => deletion.fmt(f),
        }
    }
}
