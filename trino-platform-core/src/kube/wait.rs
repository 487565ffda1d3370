//! Waiting until the workloads of applied manifests are ready: every Deployment rolled out and
//! available (as `kubectl rollout status` decides), every KubeBlocks Cluster `Running`.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::client::{Kubernetes, is_transient, to_error};
use super::manifest::{Kind, Manifest, sorted};
use super::report::{KubeEvent, ObjectRef};
use crate::error::{Error, ErrorKind, Result};

/// The least time one read may take, even past the deadline, so that a short timeout still
/// reads each object once.
const MIN_READ_TIME: Duration = Duration::from_secs(5);

impl Kubernetes {
    /// Polls (every [`KubeOptions::poll_interval`](super::KubeOptions)) until every
    /// Deployment among `manifests` is rolled out and available (the controller has observed
    /// its latest generation, `status.observedGeneration >= metadata.generation`; updated,
    /// ready and available replicas all equal `spec.replicas`; no old replica is left) and
    /// every KubeBlocks Cluster has `status.phase: Running` (for its latest generation). Other
    /// kinds are ready once applied and are not read. Sends `progress` a
    /// [`KubeEvent::Waiting`] whenever what an object waits for changes
    /// (`Deployment ns/x: 1/3 ready`) and a [`KubeEvent::Ready`] when it is ready. A transient
    /// API failure while polling is reported as what the object waits for, and polled again.
    ///
    /// Fails with `Timeout` naming every object that was not ready after `timeout` and what
    /// each waited for; with the kind of a non-transient API failure (`Unauthorized`,
    /// `Forbidden`, …).
    pub async fn wait_ready(
        &self,
        manifests: &[Manifest],
        timeout: Duration,
        progress: &(dyn Fn(KubeEvent) + Sync),
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut pending: Vec<(ObjectRef, Option<String>)> = sorted(manifests)
            .into_iter()
            .filter(|m| matches!(m.kind(), Kind::Deployment | Kind::KubeBlocksCluster))
            .map(|m| (ObjectRef::of(m), None))
            .collect();
        loop {
            let mut waiting = Vec::with_capacity(pending.len());
            for (object, last) in pending {
                let read_time = deadline.saturating_duration_since(Instant::now()).max(MIN_READ_TIME);
                let read = self.read(object.kind, object.namespace.as_deref(), &object.name);
                let status = match tokio::time::timeout(read_time, read).await {
                    Err(_) => Some("the Kubernetes API did not answer".to_owned()),
                    Ok(Ok(None)) => Some("not found".to_owned()),
                    Ok(Ok(Some(live))) => not_ready(object.kind, &live),
                    Ok(Err(err)) if is_transient(&err) => {
                        Some(format!("cannot read it now ({}); retrying", to_error(err, "reading", &[]).message()))
                    }
                    Ok(Err(err)) => return Err(to_error(err, &format!("reading {object}"), &[])),
                };
                match status {
                    None => progress(KubeEvent::Ready { object }),
                    Some(status) => {
                        if last.as_ref() != Some(&status) {
                            progress(KubeEvent::Waiting { object: object.clone(), status: status.clone() });
                        }
                        waiting.push((object, Some(status)));
                    }
                }
            }
            if waiting.is_empty() {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let objects: Vec<String> = waiting
                    .iter()
                    .map(|(object, status)| format!("{object} ({})", status.as_deref().unwrap_or("not read")))
                    .collect();
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "not ready after {}: {}; see why with `kubectl describe` (the pods' events and logs; for a Cluster, whether the KubeBlocks operator runs), then wait again",
                        humantime::format_duration(timeout),
                        objects.join(", ")
                    ),
                ));
            }
            tokio::time::sleep(self.options().poll_interval.min(left)).await;
            pending = waiting;
        }
    }
}

/// What a live object still waits for, or `None` when it is ready.
fn not_ready(kind: Kind, live: &Value) -> Option<String> {
    match kind {
        Kind::Deployment => deployment_not_ready(live),
        Kind::KubeBlocksCluster => cluster_not_ready(live),
        _ => None,
    }
}

/// A count of the status (absent when zero, as the API omits it).
fn count(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// `kubectl rollout status`, with ready replicas counted too.
fn deployment_not_ready(live: &Value) -> Option<String> {
    let generation = count(&live["metadata"]["generation"]);
    let status = &live["status"];
    let observed = count(&status["observedGeneration"]);
    if observed < generation {
        return Some(format!("waiting for the rollout of generation {generation} to start"));
    }
    let wanted = live["spec"]["replicas"].as_i64().unwrap_or(1);
    let updated = count(&status["updatedReplicas"]);
    let total = count(&status["replicas"]);
    let ready = count(&status["readyReplicas"]);
    let available = count(&status["availableReplicas"]);
    if updated != wanted {
        Some(format!("{updated}/{wanted} updated"))
    } else if total > updated {
        Some(format!("{} old replica(s) pending termination", total - updated))
    } else if ready != wanted {
        Some(format!("{ready}/{wanted} ready"))
    } else if available != wanted {
        Some(format!("{available}/{wanted} available"))
    } else {
        None
    }
}

/// A KubeBlocks Cluster is ready in phase `Running`, once KubeBlocks has seen its latest spec.
fn cluster_not_ready(live: &Value) -> Option<String> {
    let generation = count(&live["metadata"]["generation"]);
    let status = &live["status"];
    if let Some(observed) = status["observedGeneration"].as_i64()
        && observed < generation
    {
        return Some(format!("waiting for KubeBlocks to reconcile generation {generation}"));
    }
    match status["phase"].as_str() {
        Some("Running") => None,
        Some(phase) => Some(format!("phase {phase}")),
        None => Some("no status yet".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_deployment_is_ready_when_every_replica_is_updated_ready_and_available() {
        let deployment =
            |status: Value| json!({"metadata": {"generation": 2}, "spec": {"replicas": 3}, "status": status});
        let not_ready = |status| deployment_not_ready(&deployment(status));
        assert_eq!(
            not_ready(json!({"observedGeneration": 1})).unwrap(),
            "waiting for the rollout of generation 2 to start"
        );
        assert_eq!(not_ready(json!({"observedGeneration": 2, "updatedReplicas": 1})).unwrap(), "1/3 updated");
        assert_eq!(
            not_ready(json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4})).unwrap(),
            "1 old replica(s) pending termination"
        );
        assert_eq!(
            not_ready(json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "readyReplicas": 1}))
                .unwrap(),
            "1/3 ready"
        );
        let all = json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3});
        assert_eq!(not_ready(all), None);
    }

    #[test]
    fn a_cluster_is_ready_when_running_its_latest_generation() {
        let cluster = |status: Value| json!({"metadata": {"generation": 2}, "status": status});
        assert_eq!(cluster_not_ready(&cluster(json!({}))).unwrap(), "no status yet");
        assert_eq!(cluster_not_ready(&cluster(json!({"phase": "Creating"}))).unwrap(), "phase Creating");
        assert!(cluster_not_ready(&cluster(json!({"phase": "Running", "observedGeneration": 1}))).is_some());
        assert_eq!(cluster_not_ready(&cluster(json!({"phase": "Running", "observedGeneration": 2}))), None);
    }
}
