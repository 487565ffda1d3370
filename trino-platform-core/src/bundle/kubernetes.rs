//! The Kubernetes steps both bundles share: a dry run for `plan`, apply-then-wait for
//! `apply`, and `delete`, each object a [`Step`].

use std::collections::BTreeSet;
use std::time::Duration;

use super::report::{Outcome, Step, System};
use super::run::Run;
use crate::error::Result;
use crate::kube::{Change, DeleteOutcome, Kind, KubeEvent, Kubernetes, Manifest, ObjectChange, ObjectDeletion, sorted};

/// A planned or applied object as a step; an update's details are the fields that differ.
fn applied(change: ObjectChange) -> Step {
    let outcome = match change.change {
        Change::Created => Outcome::Created,
        Change::Updated => Outcome::Updated,
        Change::Unchanged => Outcome::Unchanged,
    };
    Step { system: System::Kubernetes, target: change.object.to_string(), outcome, details: change.fields }
}

/// A deleted object as a step; one left alone is unchanged, with the reason as its detail.
fn deleted(deletion: ObjectDeletion) -> Step {
    let (outcome, details) = match deletion.outcome {
        DeleteOutcome::Deleted => (Outcome::Deleted, Vec::new()),
        DeleteOutcome::Terminating => (Outcome::Deleted, vec!["terminating: gone once its finalizers have run".into()]),
        DeleteOutcome::Absent => (Outcome::Absent, Vec::new()),
        DeleteOutcome::Unmanaged | DeleteOutcome::Kept => (Outcome::Unchanged, deletion.reason.into_iter().collect()),
    };
    Step { system: System::Kubernetes, target: deletion.object.to_string(), outcome, details }
}

/// What applying `manifests` would do (a server-side dry run), with the fields that differ,
/// given the namespaces `creating` that an earlier part of the plan creates. Returns the
/// steps and, with `creating`, the namespaces this plan creates.
pub(super) async fn kube_plan(
    kubernetes: &Kubernetes,
    manifests: &[Manifest],
    creating: &BTreeSet<String>,
) -> Result<(Vec<Step>, BTreeSet<String>)> {
    let changes = Box::pin(kubernetes.plan_creating(manifests, creating)).await?;
    let mut namespaces = creating.clone();
    for change in &changes {
        if change.object.kind == Kind::Namespace && change.change == Change::Created {
            namespaces.insert(change.object.name.clone());
        }
    }
    Ok((changes.into_iter().map(applied).collect(), namespaces))
}

/// Applies `manifests` one by one (so a failure's report names each object done before it),
/// then waits until their workloads are ready, saying what each still waits for.
pub(super) async fn kube_apply(
    kubernetes: &Kubernetes,
    manifests: &[Manifest],
    timeout: Duration,
    run: &mut Run<'_>,
) -> Result<()> {
    for manifest in sorted(manifests) {
        run.say(System::Kubernetes, format!("applying {}", manifest.describe()));
        let change = Box::pin(kubernetes.apply_one(manifest)).await;
        let change = change.map_err(|e| run.failed(System::Kubernetes, &manifest.describe(), e))?;
        run.done(applied(change));
    }
    let say = |event: KubeEvent| run.say(System::Kubernetes, event.to_string());
    let ready = Box::pin(kubernetes.wait_ready(manifests, timeout, &say)).await;
    ready.map_err(|e| run.failed(System::Kubernetes, "workloads", e))
}

/// Deletes `manifests` one by one in reverse apply order (only trino-platform's objects; a
/// namespace only when nothing in it is someone else's).
pub(super) async fn kube_delete(kubernetes: &Kubernetes, manifests: &[Manifest], run: &mut Run<'_>) -> Result<()> {
    for manifest in sorted(manifests).into_iter().rev() {
        run.say(System::Kubernetes, format!("deleting {}", manifest.describe()));
        let deletion = Box::pin(kubernetes.delete_single(manifest)).await;
        let deletion = deletion.map_err(|e| run.failed(System::Kubernetes, &manifest.describe(), e))?;
        run.done(deleted(deletion));
    }
    Ok(())
}
