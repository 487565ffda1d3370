//! [`PlatformBundle`]: layer 2 of a tenant — the namespace, the gateway and its PostgreSQL,
//! the exchange bucket, the Keycloak OAuth client.

use std::collections::BTreeSet;

use super::kubernetes::{kube_apply, kube_delete, kube_plan};
use super::report::{BundleReport, Outcome, Progress, Step, System};
use super::run::{Run, Targets};
use super::tenant::{KeycloakBundleSpec, TenantSpec};
use crate::error::Result;
use crate::exchange::{EnsureOptions, ExchangeBuckets, ExchangePlan, Ownership, TeardownOptions};
use crate::keycloak::KeycloakAdmin;
use crate::kube::{Manifest, namespace};

/// The platform bundle of a tenant (see [`TenantSpec::platform`]).
pub struct PlatformBundle<'a> {
    pub(crate) tenant: &'a TenantSpec,
}

impl PlatformBundle<'_> {
    /// The namespace and the gateway's objects. Needs no cluster.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        let mut manifests = vec![namespace(&self.tenant.namespace, &self.tenant.workspace, &self.tenant.labels)?];
        manifests.extend(self.tenant.platform.gateway.manifests()?);
        Ok(manifests)
    }

    /// What [`apply`](Self::apply) would change, read from S3, Keycloak and Kubernetes (a
    /// server-side dry run); writes nothing.
    pub async fn plan(&self, targets: &Targets) -> Result<BundleReport> {
        Ok(self.plan_into(targets).await?.0)
    }

    /// [`plan`](Self::plan), and the namespaces it would create (for the cluster plans).
    pub(crate) async fn plan_into(&self, targets: &Targets) -> Result<(BundleReport, BTreeSet<String>)> {
        self.tenant.check_environment()?;
        let mut steps = Vec::new();
        if let Some(spec) = &self.tenant.platform.exchange {
            let plan = Box::pin(async { ExchangeBuckets::connect(spec.clone()).await?.plan().await }).await?;
            steps.push(bucket_step(&plan));
        }
        if let Some(keycloak) = &self.tenant.platform.keycloak {
            let admin = KeycloakAdmin::connect(keycloak.connection()?).await?;
            let plan = Box::pin(admin.plan_client(&keycloak.client)).await?;
            let outcome = match (plan.create, plan.changes.is_empty()) {
                (true, _) => Outcome::Created,
                (false, true) => Outcome::Unchanged,
                (false, false) => Outcome::Updated,
            };
            steps.push(Step {
                system: System::Keycloak,
                target: client_target(keycloak),
                outcome,
                details: plan.changes,
            });
        }
        let (kube_steps, creating) = kube_plan(&targets.kubernetes, &self.manifests()?, &BTreeSet::new()).await?;
        steps.extend(kube_steps);
        Ok((BundleReport { steps }, creating))
    }

    /// Converges the platform: the exchange bucket, the OAuth client, then the namespace and
    /// the gateway (server-side apply), waiting until the gateway and its database are ready.
    /// Idempotent; a failure names what was done before it.
    pub async fn apply(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.tenant.check_environment()?;
        let mut run = Run::new(progress);
        self.apply_into(targets, &mut run).await?;
        Ok(run.report)
    }

    pub(crate) async fn apply_into(&self, targets: &Targets, run: &mut Run<'_>) -> Result<()> {
        if let Some(spec) = &self.tenant.platform.exchange {
            let target = format!("bucket {}", spec.bucket_name()?);
            run.say(System::S3, format!("ensuring {target}"));
            let ensure = async {
                let buckets = ExchangeBuckets::connect(spec.clone()).await?;
                buckets.ensure(&EnsureOptions::default()).await
            };
            let report = Box::pin(ensure).await.map_err(|e| run.failed(System::S3, &target, e))?;
            let outcome = match (report.created, report.changed()) {
                (true, _) => Outcome::Created,
                (false, true) => Outcome::Updated,
                (false, false) => Outcome::Unchanged,
            };
            let details = report.applied.iter().map(|c| c.detail.clone()).collect();
            run.done(Step { system: System::S3, target, outcome, details });
        }
        if let Some(keycloak) = &self.tenant.platform.keycloak {
            let target = client_target(keycloak);
            run.say(System::Keycloak, format!("ensuring {target}"));
            let ensure =
                async { KeycloakAdmin::connect(keycloak.connection()?).await?.ensure_client(&keycloak.client).await };
            let ensured = Box::pin(ensure).await.map_err(|e| run.failed(System::Keycloak, &target, e))?;
            let outcome = match (ensured.created, ensured.changed) {
                (true, _) => Outcome::Created,
                (false, true) => Outcome::Updated,
                (false, false) => Outcome::Unchanged,
            };
            run.done(Step { system: System::Keycloak, target, outcome, details: ensured.changes });
        }
        let manifests = self.manifests()?;
        Box::pin(kube_apply(&targets.kubernetes, &manifests, targets.wait_timeout, run)).await
    }

    /// Removes what [`apply`](Self::apply) made: the gateway's objects and the namespace
    /// (only objects labelled as trino-platform's), the OAuth client, the exchange bucket
    /// with its objects (only when tagged as this workspace's). Idempotent.
    pub async fn delete(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.tenant.check_connections()?;
        let mut run = Run::new(progress);
        self.delete_into(targets, &mut run).await?;
        Ok(run.report)
    }

    pub(crate) async fn delete_into(&self, targets: &Targets, run: &mut Run<'_>) -> Result<()> {
        Box::pin(kube_delete(&targets.kubernetes, &self.manifests()?, run)).await?;
        if let Some(keycloak) = &self.tenant.platform.keycloak {
            let target = client_target(keycloak);
            run.say(System::Keycloak, format!("deleting {target}"));
            let client = &keycloak.client;
            let delete = async {
                KeycloakAdmin::connect(keycloak.connection()?)
                    .await?
                    .delete_client(&client.realm, &client.client_id)
                    .await
            };
            let existed = Box::pin(delete).await.map_err(|e| run.failed(System::Keycloak, &target, e))?;
            let outcome = if existed { Outcome::Deleted } else { Outcome::Absent };
            run.done(Step { system: System::Keycloak, target, outcome, details: Vec::new() });
        }
        if let Some(spec) = &self.tenant.platform.exchange {
            let target = format!("bucket {}", spec.bucket_name()?);
            run.say(System::S3, format!("tearing down {target}"));
            let say = |p: crate::exchange::TeardownProgress| {
                let phase = serde_json::to_value(p.phase).ok().and_then(|v| v.as_str().map(str::to_owned));
                run.say(
                    System::S3,
                    format!("{target}: {}, {} objects deleted", phase.unwrap_or_default(), p.objects_deleted),
                );
            };
            let teardown = async {
                let buckets = ExchangeBuckets::connect(spec.clone()).await?;
                buckets.teardown(&TeardownOptions::default(), &say).await
            };
            let report = Box::pin(teardown).await.map_err(|e| run.failed(System::S3, &target, e))?;
            let outcome = if report.existed { Outcome::Deleted } else { Outcome::Absent };
            let details = vec![format!("{} objects deleted", report.objects_deleted)];
            run.done(Step { system: System::S3, target, outcome, details });
        }
        Ok(())
    }
}

fn client_target(keycloak: &KeycloakBundleSpec) -> String {
    format!("client {}/{}", keycloak.client.realm, keycloak.client.client_id)
}

fn bucket_step(plan: &ExchangePlan) -> Step {
    let outcome = match (plan.ownership, plan.is_empty()) {
        (Ownership::Absent, _) => Outcome::Created,
        (_, true) => Outcome::Unchanged,
        (_, false) => Outcome::Updated,
    };
    let details = plan.changes.iter().map(|c| c.detail.clone()).collect();
    Step { system: System::S3, target: format!("bucket {}", plan.bucket), outcome, details }
}
