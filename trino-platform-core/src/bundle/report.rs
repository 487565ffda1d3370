//! What a bundle's `plan` says would change, what `apply` and `delete` did, and the progress
//! events in between: one [`Step`] per thing in one system.

use serde::Serialize;

/// The systems a tenant lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum System {
    /// The exchange bucket.
    S3,
    /// The OAuth client.
    Keycloak,
    /// A cluster's service and policies.
    Ranger,
    /// Namespaces, workloads, config.
    Kubernetes,
    /// The gateway's cluster registry.
    Registry,
}

/// What happens (plan) or happened (apply, delete) to one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// It is (would be) created.
    Created,
    /// It is (would be) changed.
    Updated,
    /// It is as wanted.
    Unchanged,
    /// It is (would be) deleted.
    Deleted,
    /// There was nothing to delete.
    Absent,
}

impl Outcome {
    /// Whether the thing changes.
    pub fn changes(self) -> bool {
        matches!(self, Outcome::Created | Outcome::Updated | Outcome::Deleted)
    }
}

/// One thing in one system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The system.
    pub system: System,
    /// The thing (`Deployment trino-acme/trino-etl-worker`, `bucket trino-exchange-acme`, …).
    pub target: String,
    /// What happens to it.
    pub outcome: Outcome,
    /// The settings or fields that change, where the system says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// What `plan` found, or what `apply` / `delete` did, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleReport {
    /// Every step.
    pub steps: Vec<Step>,
}

impl BundleReport {
    /// Whether any step changes something.
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| s.outcome.changes())
    }

    /// The steps that change something.
    pub fn changes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.outcome.changes())
    }
}

/// A progress event: a step has started (`step` is `None`) or finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEvent {
    /// The system.
    pub system: System,
    /// What is being worked on, or waited for.
    pub message: String,
    /// The finished step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
}

/// Where progress events go.
pub type Progress<'a> = &'a (dyn Fn(&BundleEvent) + Send + Sync);
