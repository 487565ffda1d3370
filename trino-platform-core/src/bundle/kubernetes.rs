//! The Kubernetes steps both bundles share: a dry run for `plan`, apply-then-wait for
//! `apply`, and `delete`, each object a [`Step`].

use std::time::Duration;

use super::report::{Outcome, Step, System};
use super::run::Run;
use crate::error::Result;
use crate::kube::{Kubernetes, Manifest, ObjectAction, ObjectChange, sorted};

fn step(change: ObjectChange) -> Step {
    let outcome = match change.action {
        ObjectAction::Created => Outcome::Created,
        ObjectAction::Updated => Outcome::Updated,
        ObjectAction::Unchanged | ObjectAction::Kept => Outcome::Unchanged,
        ObjectAction::Deleted => Outcome::Deleted,
        ObjectAction::Absent => Outcome::Absent,
    };
    let details = change.detail.iter().cloned().collect();
    Step { system: System::Kubernetes, target: change.describe(), outcome, details }
}

/// What applying `manifests` would do (a server-side dry run).
pub(super) async fn kube_plan(kubernetes: &Kubernetes, manifests: &[Manifest]) -> Result<Vec<Step>> {
    Ok(kubernetes.plan(manifests).await?.into_iter().map(step).collect())
}

/// Applies `manifests` one by one (so a failure's report names each object done before it),
/// then waits until their workloads are ready.
pub(super) async fn kube_apply(
    kubernetes: &Kubernetes,
    manifests: &[Manifest],
    timeout: Duration,
    run: &mut Run<'_>,
) -> Result<()> {
    for manifest in sorted(manifests) {
        let say = |message: &str| run.say(System::Kubernetes, message);
        let applied = kubernetes.apply(std::slice::from_ref(manifest), &say).await;
        let changes = applied.map_err(|e| run.failed(System::Kubernetes, &manifest.describe(), e))?;
        run.done_all(changes.into_iter().map(step));
    }
    let say = |message: &str| run.say(System::Kubernetes, message);
    let ready = kubernetes.wait_ready(manifests, timeout, &say).await;
    ready.map_err(|e| run.failed(System::Kubernetes, "workloads", e))
}

/// Deletes `manifests` one by one in reverse apply order (only trino-platform's objects).
pub(super) async fn kube_delete(kubernetes: &Kubernetes, manifests: &[Manifest], run: &mut Run<'_>) -> Result<()> {
    for manifest in sorted(manifests).into_iter().rev() {
        let say = |message: &str| run.say(System::Kubernetes, message);
        let deleted = kubernetes.delete(std::slice::from_ref(manifest), &say).await;
        let changes = deleted.map_err(|e| run.failed(System::Kubernetes, &manifest.describe(), e))?;
        run.done_all(changes.into_iter().map(step));
    }
    Ok(())
}
