//! The two bundles of a tenant, from one [`TenantSpec`] file: the platform bundle (layer 2:
//! namespace, gateway and its PostgreSQL, exchange bucket, Keycloak client) and the cluster
//! bundles (layer 3: Trino clusters, registered behind the gateway).
//!
//! Every operation is plain steps: read the spec → render (no network) → `plan` reads each
//! system and lists what would change → `apply` makes only those changes, in order (external
//! systems, then Kubernetes, waiting until ready, then the registration) → a [`BundleReport`].
//! Each step is idempotent, so a second `apply` changes nothing and a rerun after a failure
//! finishes the job; a failure says what was done before it.
//!
//! | file | concern |
//! |---|---|
//! | `tenant.rs` | [`TenantSpec`]: the file, its sections, what they inherit |
//! | `section.rs` | [`Section`]: reading a section that leaves out inherited keys |
//! | `platform.rs` | [`PlatformBundle`]: plan / apply / delete of layer 2 |
//! | `cluster.rs` | [`ClusterBundle`]: plan / apply / delete of one cluster |
//! | `kubernetes.rs` | the Kubernetes steps of both (dry run, apply and wait, delete) |
//! | `run.rs` | [`Targets`], progress, errors that say what was done |
//! | `report.rs` | [`BundleReport`], [`Step`], [`BundleEvent`] |

mod cluster;
mod kubernetes;
mod platform;
mod report;
mod run;
mod section;
mod tenant;

pub use cluster::ClusterBundle;
pub use platform::PlatformBundle;
pub use report::{BundleEvent, BundleReport, Outcome, Progress, Step, System};
pub use run::{DEFAULT_WAIT_TIMEOUT, Targets, no_progress};
pub use section::{Inherits, Section};
pub use tenant::{
    CredentialsRef, GatewayAuthSpec, KeycloakBundleSpec, PlatformBundleSpec, RangerConnectionSpec, RegistrySpec,
    TenantSpec,
};

use crate::error::Result;
use crate::kube::Manifest;
use run::Run;

impl TenantSpec {
    /// The platform bundle.
    pub fn platform(&self) -> PlatformBundle<'_> {
        PlatformBundle { tenant: self }
    }

    /// The bundle of the cluster called `name`. Fails with `NotFound` when there is none.
    pub fn cluster_bundle(&self, name: &str) -> Result<ClusterBundle<'_>> {
        Ok(ClusterBundle { tenant: self, cluster: self.cluster(name)? })
    }

    /// Every cluster bundle, in file order.
    pub fn cluster_bundles(&self) -> impl Iterator<Item = ClusterBundle<'_>> {
        self.clusters.iter().map(|cluster| ClusterBundle { tenant: self, cluster })
    }

    /// Every Kubernetes object of the tenant, in apply order; Secrets name their keys'
    /// sources, never a value. Needs no cluster (for GitOps: see [`crate::kube::write_files`]).
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        let mut manifests = self.platform().manifests()?;
        for bundle in self.cluster_bundles() {
            manifests.extend(bundle.manifests()?);
        }
        Ok(manifests)
    }

    /// Checks that every environment variable the tenant needs is set: the Keycloak and
    /// Ranger Admin secrets, and the values of the Secrets copied from the environment. Fails
    /// with `InvalidInput` naming every missing variable, before anything is read or written.
    pub fn check_environment(&self) -> Result<()> {
        self.check_variables(true)
    }

    /// Checks the variables `delete` needs (the Keycloak and Ranger Admin secrets), before
    /// anything is deleted.
    pub(crate) fn check_connections(&self) -> Result<()> {
        self.check_variables(false)
    }

    fn check_variables(&self, secrets: bool) -> Result<()> {
        let mut missing = std::collections::BTreeSet::new();
        let mut need = |name: &str| {
            if std::env::var_os(name).is_none() {
                missing.insert(name.to_owned());
            }
        };
        if let Some(keycloak) = &self.platform.keycloak {
            match &keycloak.credentials {
                CredentialsRef::Password { password_env, .. } => need(password_env),
                CredentialsRef::ClientCredentials { client_secret_env, .. } => need(client_secret_env),
            }
        }
        if let Some(ranger) = &self.platform.ranger {
            need(&ranger.password_env);
        }
        for manifest in if secrets { self.manifests()? } else { Vec::new() } {
            for value in manifest.secret_data().values() {
                if let crate::kube::SecretValue::FromEnv(name) = value {
                    need(name);
                }
            }
        }
        // The OAuth client secret comes from Keycloak, not the environment.
        if self.platform.keycloak.is_some() {
            for cluster in &self.clusters {
                if let Some(oauth2) = &cluster.oauth2 {
                    missing.remove(&oauth2.secret_env.client_secret);
                }
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = missing.into_iter().collect();
        Err(crate::Error::invalid_input(format!(
            "set these environment variables first (the tenant file names them for its secrets): {}",
            names.join(", ")
        )))
    }

    /// What [`apply`](Self::apply) would change, platform first; writes nothing.
    pub async fn plan(&self, targets: &Targets) -> Result<BundleReport> {
        let (mut report, creating) = Box::pin(self.platform().plan_into(targets)).await?;
        for bundle in self.cluster_bundles() {
            report.steps.extend(Box::pin(bundle.plan_into(targets, &creating)).await?.steps);
        }
        Ok(report)
    }

    /// Applies the platform bundle, then every cluster bundle.
    pub async fn apply(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.check_environment()?;
        let mut run = Run::new(progress);
        Box::pin(self.platform().apply_into(targets, &mut run)).await?;
        for bundle in self.cluster_bundles() {
            Box::pin(bundle.apply_into(targets, &mut run)).await?;
        }
        Ok(run.report)
    }

    /// Deletes every cluster bundle, then the platform bundle.
    pub async fn delete(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.check_connections()?;
        let mut run = Run::new(progress);
        for bundle in self.cluster_bundles() {
            Box::pin(bundle.delete_into(targets, &mut run)).await?;
        }
        Box::pin(self.platform().delete_into(targets, &mut run)).await?;
        Ok(run.report)
    }
}
