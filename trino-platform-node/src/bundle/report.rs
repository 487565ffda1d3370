//! What the bundles' Promises resolve with and what `onProgress` receives, converted from the
//! core's `BundleReport`, `Step` and `BundleEvent` field by field; the systems and outcomes as
//! the string-literal unions of the core's serde names.

use napi_derive::napi;
use trino_platform::bundle;

use crate::progress::ProgressCallback;

/// The systems a tenant lives in.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleSystem {
    /// The exchange bucket.
    #[napi(value = "s3")]
    S3,
    /// The OAuth client.
    #[napi(value = "keycloak")]
    Keycloak,
    /// A cluster's Ranger service and policies.
    #[napi(value = "ranger")]
    Ranger,
    /// Namespaces, workloads, configuration.
    #[napi(value = "kubernetes")]
    Kubernetes,
    /// The gateway's cluster registry.
    #[napi(value = "registry")]
    Registry,
}

impl From<bundle::System> for BundleSystem {
    fn from(system: bundle::System) -> Self {
        match system {
            bundle::System::S3 => Self::S3,
            bundle::System::Keycloak => Self::Keycloak,
            bundle::System::Ranger => Self::Ranger,
            bundle::System::Kubernetes => Self::Kubernetes,
            bundle::System::Registry => Self::Registry,
        }
    }
}

/// What happens (`plan`) or happened (`apply`, `delete`) to one thing.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleOutcome {
    /// It is (would be) created.
    #[napi(value = "created")]
    Created,
    /// It is (would be) changed.
    #[napi(value = "updated")]
    Updated,
    /// It is as wanted (or, deleting, left alone: `details` says why).
    #[napi(value = "unchanged")]
    Unchanged,
    /// It is (would be) deleted.
    #[napi(value = "deleted")]
    Deleted,
    /// There was nothing to delete.
    #[napi(value = "absent")]
    Absent,
}

impl From<bundle::Outcome> for BundleOutcome {
    fn from(outcome: bundle::Outcome) -> Self {
        match outcome {
            bundle::Outcome::Created => Self::Created,
            bundle::Outcome::Updated => Self::Updated,
            bundle::Outcome::Unchanged => Self::Unchanged,
            bundle::Outcome::Deleted => Self::Deleted,
            bundle::Outcome::Absent => Self::Absent,
        }
    }
}

/// One thing in one system.
#[napi(object, object_from_js = false)]
pub struct BundleStep {
    /// The system.
    pub system: BundleSystem,
    /// The thing (`'Deployment trino-acme/trino-etl-worker'`, `'bucket trino-exchange-acme'`,
    /// `'client acme/trino'`, `'cluster etl'`, …).
    pub target: String,
    /// What happens (happened) to it.
    pub outcome: BundleOutcome,
    /// The settings or fields that change (`'spec.replicas'`, `'lifecycle'`, …), or why a
    /// delete left it alone; never values. Empty when the system says nothing more.
    pub details: Vec<String>,
}

impl From<bundle::Step> for BundleStep {
    fn from(step: bundle::Step) -> Self {
        let bundle::Step { system, target, outcome, details } = step;
        Self { system: system.into(), target, outcome: outcome.into(), details }
    }
}

/// What `plan` found (what `apply` would do, writing nothing), or what `apply` / `delete` did,
/// in order.
#[napi(object, object_from_js = false)]
pub struct BundleReport {
    /// Every step, in the order the bundle takes them.
    pub steps: Vec<BundleStep>,
    /// Whether any step changes (changed) something: `created`, `updated` or `deleted`. A
    /// second `apply`, and a `plan` after an `apply`, report `false`.
    pub changed: bool,
}

impl From<bundle::BundleReport> for BundleReport {
    fn from(report: bundle::BundleReport) -> Self {
        let changed = report.changed();
        Self { steps: report.steps.into_iter().map(Into::into).collect(), changed }
    }
}

/// A progress event of `apply` or `delete`: a step has started (no `step`: `message` says what
/// is being worked on or waited for, such as `'applying Deployment trino-acme/trino-etl-worker'`
/// or a workload's readiness) or finished (`step` is the step the report will hold).
#[napi(object, object_from_js = false)]
pub struct BundleEvent {
    /// The system.
    pub system: BundleSystem,
    /// What is being worked on or waited for, or what was done.
    pub message: String,
    /// The finished step; absent while a step is under way.
    pub step: Option<BundleStep>,
}

impl From<&bundle::BundleEvent> for BundleEvent {
    fn from(event: &bundle::BundleEvent) -> Self {
        let bundle::BundleEvent { system, message, step } = event;
        Self { system: (*system).into(), message: message.clone(), step: step.clone().map(Into::into) }
    }
}

/// Options of `apply` and `delete`.
#[napi(object, object_to_js = false)]
pub struct BundleRunOptions {
    /// Called with each progress event, on the JavaScript thread, while the run goes on (it
    /// does not wait for the callback). Every call happens before the Promise settles. Its
    /// return value is ignored; an exception it throws does not stop the run: it is emitted
    /// as a process warning named `TrinoPlatformWarning`, whose `cause` is the thrown value.
    #[napi(ts_type = "(event: BundleEvent) => void")]
    pub on_progress: Option<ProgressCallback<BundleEvent>>,
}
