//! Running a bundle's steps: the systems to reach ([`Targets`]), progress events, and the
//! report that a failed step turns into an error saying what was already done.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::report::{BundleEvent, BundleReport, Outcome, Progress, Step, System};
use super::tenant::TenantSpec;
use crate::error::{Error, Result};
use crate::kube::Kubernetes;
use crate::registry::ClusterStore;

/// How long `apply` waits for workloads to become ready, by default.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(600);

/// The systems a tenant is applied to: a Kubernetes API and the gateway's cluster store, plus
/// S3, Keycloak and Ranger as the tenant file names them (reached when a step needs them).
pub struct Targets {
    pub(crate) kubernetes: Kubernetes,
    pub(crate) registry: Option<Arc<dyn ClusterStore>>,
    pub(crate) wait_timeout: Duration,
}

impl Targets {
    /// Kubernetes from the kubeconfig (or the pod's service account), the registry from the
    /// tenant's `platform.registry.storeEnv` variable when it is set (without it, clusters are
    /// not registered and the plan says so). Fails with the kind of the connection failure.
    pub async fn connect(tenant: &TenantSpec) -> Result<Self> {
        Self::with_kubernetes(tenant, Kubernetes::connect().await?).await
    }

    /// `kubernetes` (for example [`Kubernetes::from_kubeconfig`] with its options), and the
    /// registry as [`connect`](Self::connect) finds it.
    pub async fn with_kubernetes(tenant: &TenantSpec, kubernetes: Kubernetes) -> Result<Self> {
        let registry = match tenant.platform.registry.store_url() {
            Ok(url) => Some(crate::registry::open(url.expose_secret()).await?),
            Err(_) => None,
        };
        Ok(Self { kubernetes, registry, wait_timeout: DEFAULT_WAIT_TIMEOUT })
    }

    /// These systems: `kubernetes`, and `registry` for the cluster registrations.
    pub fn new(kubernetes: Kubernetes, registry: Option<Arc<dyn ClusterStore>>) -> Self {
        Self { kubernetes, registry, wait_timeout: DEFAULT_WAIT_TIMEOUT }
    }

    /// How long `apply` waits for workloads to become ready (default 10 minutes).
    pub fn with_wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_timeout = timeout;
        self
    }
}

/// Collects the steps of one run and reports them as they finish.
pub(crate) struct Run<'a> {
    pub report: BundleReport,
    progress: Progress<'a>,
}

impl<'a> Run<'a> {
    pub fn new(progress: Progress<'a>) -> Self {
        Self { report: BundleReport::default(), progress }
    }

    /// Says that work on `message` in `system` starts (or is waited for).
    pub fn say(&self, system: System, message: impl Into<String>) {
        (self.progress)(&BundleEvent { system, message: message.into(), step: None });
    }

    /// Records a finished step.
    pub fn done(&mut self, step: Step) {
        (self.progress)(&BundleEvent {
            system: step.system,
            message: format!("{} {}", step.target, outcome_word(step.outcome)),
            step: Some(step.clone()),
        });
        self.report.steps.push(step);
    }

    /// Records several finished steps.
    pub fn done_all(&mut self, steps: impl IntoIterator<Item = Step>) {
        for step in steps {
            self.done(step);
        }
    }

    /// The error of a failed step in `system` on `target`: its kind, its message, and what
    /// the run had done before, so a rerun is known to finish the job.
    pub fn failed(&self, system: System, target: &str, error: Error) -> Error {
        let done: Vec<String> =
            self.report.changes().map(|s| format!("{} {}", s.target, outcome_word(s.outcome))).collect();
        let before = match done.len() {
            0 => "nothing was changed before it".to_owned(),
            _ => format!("done before it: {}", done.join(", ")),
        };
        let kind = error.kind();
        Error::new(
            kind,
            format!("{system:?} {target}: {}; {before}; rerun to finish (every step is idempotent)", error.message()),
        )
        .with_source(error)
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Created => "created",
        Outcome::Updated => "updated",
        Outcome::Unchanged => "unchanged",
        Outcome::Deleted => "deleted",
        Outcome::Absent => "absent",
    }
}

/// A progress callback that drops every event.
pub fn no_progress(_: &BundleEvent) {}
