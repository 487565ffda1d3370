//! [`ClusterBundle`]: layer 3 — one Trino cluster behind the tenant's gateway: its Ranger
//! service and policies, its Kubernetes objects (with the OAuth client secret Keycloak
//! holds), and its registration with the gateway once it is ready.

use std::collections::{BTreeMap, BTreeSet};

use secrecy::SecretString;

use super::kubernetes::{kube_apply, kube_delete, kube_plan};
use super::report::{BundleReport, Outcome, Progress, Step, System};
use super::run::{Run, Targets};
use super::tenant::TenantSpec;
use crate::cluster::{BackendUrl, Cluster, ClusterUpdate};
use crate::error::{ErrorKind, Result};
use crate::keycloak::KeycloakAdmin;
use crate::kube::{HTTP_PORT, Manifest, SecretValue, TrinoClusterSpec};
use crate::ranger::{Change, RangerAdmin, RangerSetupSpec, SetupReport, TrinoServiceSpec};
use crate::registry::ClusterStore;

/// One cluster bundle of a tenant (see [`TenantSpec::cluster_bundle`]).
pub struct ClusterBundle<'a> {
    pub(crate) tenant: &'a TenantSpec,
    pub(crate) cluster: &'a TrinoClusterSpec,
}

impl ClusterBundle<'_> {
    /// The cluster's spec.
    pub fn spec(&self) -> &TrinoClusterSpec {
        self.cluster
    }

    /// The cluster's objects. Needs no cluster; the OAuth client secret is a Secret value the
    /// manifests only name.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        self.cluster.manifests()
    }

    /// The cluster as the gateway's registry holds it once applied: the coordinator's Service
    /// inside Kubernetes, linked under the gateway's external URL.
    pub fn registration(&self) -> Result<Cluster> {
        let proxy_to = BackendUrl::new(&self.cluster.coordinator_url()?)?;
        let external = BackendUrl::new(self.tenant.platform.gateway.external_url.as_str())?;
        Ok(Cluster::new(self.cluster.cluster_name()?, proxy_to)
            .with_external_url(external)
            .with_routing_group(self.cluster.routing_group.clone()))
    }

    /// What [`apply`](Self::apply) would change in Ranger, Kubernetes (a server-side dry run)
    /// and the registry; writes nothing.
    pub async fn plan(&self, targets: &Targets) -> Result<BundleReport> {
        self.require_namespace(targets).await?;
        self.plan_into(targets, &BTreeSet::new()).await
    }

    /// Fails with `NotFound` (and what to do) when the tenant's namespace, which the platform
    /// bundle makes, does not exist yet.
    async fn require_namespace(&self, targets: &Targets) -> Result<()> {
        let namespace = self.tenant.namespace.as_str();
        let found = targets
            .kubernetes
            .read(crate::kube::Kind::Namespace, None, namespace)
            .await
            .map_err(|e| crate::kube::to_error(e, &format!("reading namespace {namespace}"), &[]))?;
        match found {
            Some(_) => Ok(()),
            None => Err(crate::Error::not_found(format!(
                "namespace {namespace} does not exist: apply the platform bundle first (it creates it), \
                 or apply the whole tenant"
            ))),
        }
    }

    /// [`plan`](Self::plan), knowing the namespaces an earlier plan (the platform's) creates.
    pub(crate) async fn plan_into(&self, targets: &Targets, creating: &BTreeSet<String>) -> Result<BundleReport> {
        self.tenant.check_environment()?;
        let mut steps = Vec::new();
        if let Some((admin, setup)) = self.ranger()? {
            steps.extend(ranger_steps(&Box::pin(admin.plan(&setup)).await?));
        }
        let manifests = self.cluster.manifests_with(&self.client_secret(true).await?)?;
        steps.extend(kube_plan(&targets.kubernetes, &manifests, creating).await?.0);
        steps.push(self.registry_step(targets.registry.as_deref()).await?.0);
        Ok(BundleReport { steps })
    }

    /// Converges the cluster: its Ranger service, baseline and policies; its objects, with
    /// the OAuth client secret from Keycloak; waits until the coordinator is ready and the
    /// workers are up; then registers it (or brings its registration in line). Idempotent; a
    /// failure names what was done before it.
    pub async fn apply(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.tenant.check_environment()?;
        self.require_namespace(targets).await?;
        let mut run = Run::new(progress);
        self.apply_into(targets, &mut run).await?;
        Ok(run.report)
    }

    pub(crate) async fn apply_into(&self, targets: &Targets, run: &mut Run<'_>) -> Result<()> {
        if let Some((admin, setup)) = self.ranger()? {
            let target = format!("service {}", setup.service.name);
            run.say(System::Ranger, format!("ensuring {target}"));
            let report = Box::pin(admin.ensure(&setup)).await.map_err(|e| run.failed(System::Ranger, &target, e))?;
            run.done_all(ranger_steps(&report));
        }
        let given =
            Box::pin(self.client_secret(false)).await.map_err(|e| run.failed(System::Keycloak, "client secret", e))?;
        let manifests = self.cluster.manifests_with(&given)?;
        Box::pin(kube_apply(&targets.kubernetes, &manifests, targets.wait_timeout, run)).await?;

        let Some(store) = targets.registry.as_deref() else {
            let (step, _) = self.registry_step(None).await?;
            run.done(step);
            return Ok(());
        };
        let target = format!("cluster {}", self.cluster.name);
        run.say(System::Registry, format!("registering {target}"));
        let (step, action) =
            self.registry_step(Some(store)).await.map_err(|e| run.failed(System::Registry, &target, e))?;
        let register = async {
            match action {
                RegistryAction::Register(cluster) => store.register(&cluster).await.map(drop),
                RegistryAction::Update(update) => store.update(&self.registration()?.name, &update).await.map(drop),
                RegistryAction::None => Ok(()),
            }
        };
        register.await.map_err(|e| run.failed(System::Registry, &target, e))?;
        run.done(step);
        Ok(())
    }

    /// Removes what [`apply`](Self::apply) made: the registration first (no new queries go
    /// to the cluster), then its objects (only those labelled as trino-platform's), then its
    /// Ranger service. Idempotent.
    pub async fn delete(&self, targets: &Targets, progress: Progress<'_>) -> Result<BundleReport> {
        self.tenant.check_connections()?;
        let mut run = Run::new(progress);
        self.delete_into(targets, &mut run).await?;
        Ok(run.report)
    }

    pub(crate) async fn delete_into(&self, targets: &Targets, run: &mut Run<'_>) -> Result<()> {
        let target = format!("cluster {}", self.cluster.name);
        if let Some(store) = targets.registry.as_deref() {
            run.say(System::Registry, format!("deregistering {target}"));
            let outcome = match store.remove(&self.cluster.cluster_name()?).await {
                Ok(_) => Outcome::Deleted,
                Err(e) if e.kind() == ErrorKind::NotFound => Outcome::Absent,
                Err(e) => return Err(run.failed(System::Registry, &target, e)),
            };
            run.done(Step { system: System::Registry, target: target.clone(), outcome, details: Vec::new() });
        }
        Box::pin(kube_delete(&targets.kubernetes, &self.manifests()?, run)).await?;
        if let Some((admin, setup)) = self.ranger()? {
            let target = format!("service {}", setup.service.name);
            run.say(System::Ranger, format!("deleting {target}"));
            let existed = admin
                .delete_service(setup.service.name.as_str())
                .await
                .map_err(|e| run.failed(System::Ranger, &target, e))?;
            let outcome = if existed { Outcome::Deleted } else { Outcome::Absent };
            run.done(Step { system: System::Ranger, target, outcome, details: Vec::new() });
        }
        Ok(())
    }

    /// The Ranger Admin client and the setup of the cluster's service, when both the platform
    /// names a Ranger Admin and the cluster uses Ranger.
    fn ranger(&self) -> Result<Option<(RangerAdmin, RangerSetupSpec)>> {
        let (Some(connection), Some(plugin)) = (&self.tenant.platform.ranger, &self.cluster.ranger) else {
            return Ok(None);
        };
        let user = plugin.download_auth.as_ref().map_or_else(|| "trino".to_owned(), |auth| auth.username.clone());
        let service = TrinoServiceSpec {
            name: plugin.service_name.clone(),
            display_name: None,
            description: Some(format!("Trino cluster {} of workspace {}", self.cluster.name, self.cluster.workspace)),
            jdbc_url: format!(
                "jdbc:trino://{}.{}.svc:{HTTP_PORT}",
                self.cluster.coordinator_service()?,
                self.cluster.namespace
            ),
            username: user.clone(),
            password: None,
            download_users: Some(vec![user]),
            super_users: plugin.super_users.clone(),
            super_groups: plugin.super_groups.clone(),
            configs: BTreeMap::new(),
            enabled: true,
        };
        let setup = RangerSetupSpec { service, baseline: true, policies: self.cluster.ranger_policies.clone() };
        setup.validate()?;
        Ok(Some((RangerAdmin::connect(&connection.config()?)?, setup)))
    }

    /// The OAuth client secret the coordinator's files refer to, from Keycloak, when the
    /// cluster signs in through the tenant's client. For a plan, a client Keycloak does not
    /// have yet gets a stand-in (its Secret is created either way).
    async fn client_secret(&self, planning: bool) -> Result<BTreeMap<String, SecretValue>> {
        let (Some(keycloak), Some(oauth2)) = (&self.tenant.platform.keycloak, &self.cluster.oauth2) else {
            return Ok(BTreeMap::new());
        };
        if oauth2.client_id != keycloak.client.client_id {
            return Ok(BTreeMap::new());
        }
        let admin = KeycloakAdmin::connect(keycloak.connection()?).await?;
        let secret = match admin.client_secret(&keycloak.client.realm, &keycloak.client.client_id).await {
            Ok(secret) => secret,
            Err(e) if planning && e.kind() == ErrorKind::NotFound => SecretString::from("planned"),
            Err(e) => return Err(e),
        };
        Ok(BTreeMap::from([(oauth2.secret_env.client_secret.clone(), SecretValue::Given(secret))]))
    }

    /// What registering would do, and how.
    async fn registry_step(&self, store: Option<&dyn ClusterStore>) -> Result<(Step, RegistryAction)> {
        let target = format!("cluster {}", self.cluster.name);
        let Some(store) = store else {
            let details = vec![format!(
                "not registered: set {} to the gateway's store URL",
                self.tenant.platform.registry.store_env
            )];
            let step = Step { system: System::Registry, target, outcome: Outcome::Unchanged, details };
            return Ok((step, RegistryAction::None));
        };
        let wanted = self.registration()?;
        let step = |outcome, details| Step { system: System::Registry, target: target.clone(), outcome, details };
        match store.get(&wanted.name).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                Ok((step(Outcome::Created, Vec::new()), RegistryAction::Register(wanted)))
            }
            Err(e) => Err(e),
            Ok(have) => {
                let update = ClusterUpdate {
                    proxy_to: (have.proxy_to != wanted.proxy_to).then(|| wanted.proxy_to.clone()),
                    external_url: (have.external_url != wanted.external_url).then(|| wanted.external_url.clone()),
                    routing_group: (have.routing_group != wanted.routing_group).then(|| wanted.routing_group.clone()),
                    active: (!have.active).then_some(true),
                };
                if update.is_empty() {
                    return Ok((step(Outcome::Unchanged, Vec::new()), RegistryAction::None));
                }
                let details = [
                    update.proxy_to.as_ref().map(|_| "proxyTo"),
                    update.external_url.as_ref().map(|_| "externalUrl"),
                    update.routing_group.as_ref().map(|_| "routingGroup"),
                    update.active.map(|_| "active"),
                ]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect();
                Ok((step(Outcome::Updated, details), RegistryAction::Update(update)))
            }
        }
    }
}

enum RegistryAction {
    Register(Cluster),
    Update(ClusterUpdate),
    None,
}

fn ranger_steps(report: &SetupReport) -> Vec<Step> {
    let outcome = |change: Change| match change {
        Change::Created => Outcome::Created,
        Change::Updated => Outcome::Updated,
        Change::Unchanged => Outcome::Unchanged,
    };
    let service = Step {
        system: System::Ranger,
        target: format!("service {}", report.service),
        outcome: outcome(report.service_change),
        details: Vec::new(),
    };
    let policies = report.policies.iter().map(|p| Step {
        system: System::Ranger,
        target: format!("policy {}/{}", report.service, p.name),
        outcome: outcome(p.change),
        details: Vec::new(),
    });
    std::iter::once(service).chain(policies).collect()
}
