//! The `PlatformBundle` and `ClusterBundle` classes, and how every `plan`, `apply` and
//! `delete` runs: the core operation on napi's runtime, progress to `onProgress`, the report
//! converted, errors coded and without the tenant's secrets.

use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use trino_platform::{Result, bundle};

use super::report::{BundleEvent, BundleReport, BundleRunOptions};
use super::targets::Targets;
use super::tenant::Tenant;
use crate::cluster::Cluster;
use crate::error::{or_throw, settle};
use crate::exchange::ExchangeBucketSpec;
use crate::kube::{GatewayDeploymentSpec, Manifest, TrinoClusterSpec, manifests};
use crate::progress::Progress;

/// Which part of the tenant an operation is on.
#[derive(Clone)]
pub(crate) enum Scope {
    /// Both bundles.
    Tenant,
    /// The platform bundle.
    Platform,
    /// The bundle of the cluster of this name (checked when the bundle was made).
    Cluster(String),
}

/// The operation.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// `plan`.
    Plan,
    /// `apply`.
    Apply,
    /// `delete`.
    Delete,
}

impl Op {
    /// The JavaScript method, for the warning a throwing `onProgress` becomes.
    fn method(self, scope: &Scope) -> &'static str {
        match (scope, self) {
            (_, Op::Plan) => "plan",
            (Scope::Tenant, Op::Apply) => "TenantSpec.apply",
            (Scope::Tenant, Op::Delete) => "TenantSpec.delete",
            (Scope::Platform, Op::Apply) => "PlatformBundle.apply",
            (Scope::Platform, Op::Delete) => "PlatformBundle.delete",
            (Scope::Cluster(_), Op::Apply) => "ClusterBundle.apply",
            (Scope::Cluster(_), Op::Delete) => "ClusterBundle.delete",
        }
    }
}

/// The core's operation `op` on `scope` of `tenant`.
async fn perform(
    tenant: &bundle::TenantSpec,
    scope: &Scope,
    op: Op,
    targets: &bundle::Targets,
    progress: bundle::Progress<'_>,
) -> Result<bundle::BundleReport> {
    match scope {
        Scope::Tenant => match op {
            Op::Plan => tenant.plan(targets).await,
            Op::Apply => tenant.apply(targets, progress).await,
            Op::Delete => tenant.delete(targets, progress).await,
        },
        Scope::Platform => {
            let platform = tenant.platform();
            match op {
                Op::Plan => platform.plan(targets).await,
                Op::Apply => platform.apply(targets, progress).await,
                Op::Delete => platform.delete(targets, progress).await,
            }
        }
        Scope::Cluster(name) => {
            let cluster = tenant.cluster_bundle(name)?;
            match op {
                Op::Plan => cluster.plan(targets).await,
                Op::Apply => cluster.apply(targets, progress).await,
                Op::Delete => cluster.delete(targets, progress).await,
            }
        }
    }
}

/// Runs `op` on `scope` of `tenant` against `targets` on napi's runtime: a Promise of the
/// report that settles once `onProgress` has had every event, and rejects with the coded
/// error, the tenant's secrets cut from its message.
pub(crate) fn run<'env>(
    env: &'env Env,
    tenant: &Tenant,
    scope: Scope,
    op: Op,
    targets: &Targets,
    options: Option<BundleRunOptions>,
) -> napi::Result<PromiseRaw<'env, BundleReport>> {
    let tenant = tenant.clone();
    let targets = Arc::clone(&targets.inner);
    let progress = Progress::new(options.and_then(|o| o.on_progress), op.method(&scope));
    settle(env, async move {
        let report = |event: &bundle::BundleEvent| progress.report(BundleEvent::from(event));
        let outcome = perform(&tenant.spec, &scope, op, &targets, &report).await;
        progress.delivered().await;
        Ok(outcome.map_err(|e| tenant.secrets.scrub(e))?.into())
    })
}

/// The platform bundle of a tenant (layer 2): the namespace, the gateway and its PostgreSQL,
/// the exchange bucket, the Keycloak OAuth client. From `TenantSpec.platform()`.
#[napi]
pub struct PlatformBundle {
    pub(crate) tenant: Tenant,
}

#[napi]
impl PlatformBundle {
    /// The gateway's spec, as the tenant resolved it (a copy).
    #[napi(getter)]
    pub fn gateway(&self) -> GatewayDeploymentSpec {
        GatewayDeploymentSpec { inner: self.tenant.spec.platform.gateway.clone() }
    }

    /// The exchange bucket's spec (a copy), or `null` when the tenant has none.
    #[napi(getter)]
    pub fn exchange(&self) -> Option<ExchangeBucketSpec> {
        self.tenant.spec.platform.exchange.clone().map(|inner| ExchangeBucketSpec { inner })
    }

    /// The namespace and the gateway's objects, in apply order. Needs no cluster.
    #[napi]
    pub fn manifests(&self, env: &Env) -> napi::Result<Vec<Manifest>> {
        or_throw(env, self.tenant.spec.platform().manifests().map(manifests))
    }

    /// What `apply` would change, read from S3, Keycloak and Kubernetes (a server-side dry
    /// run); writes nothing. Rejects as `TenantSpec.plan` does.
    #[napi]
    pub fn plan<'env>(&self, env: &'env Env, targets: &Targets) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Platform, Op::Plan, targets, None)
    }

    /// Converges the platform: the exchange bucket, the OAuth client, then the namespace and
    /// the gateway (server-side apply), waiting until the gateway and its database are ready.
    /// Idempotent; rejects as `TenantSpec.apply` does.
    #[napi]
    pub fn apply<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Platform, Op::Apply, targets, options)
    }

    /// Removes what `apply` made: the gateway's objects and the namespace (only objects
    /// labelled as trino-platform's), the OAuth client, the exchange bucket with its objects
    /// (only when tagged as this workspace's). Idempotent; rejects as `TenantSpec.delete` does.
    #[napi]
    pub fn delete<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Platform, Op::Delete, targets, options)
    }
}

/// One cluster bundle of a tenant (layer 3): a Trino cluster behind the tenant's gateway, with
/// its Ranger service and policies, its Kubernetes objects and its registration. From
/// `TenantSpec.clusterBundle(name)` or `.clusterBundles()`.
#[napi]
pub struct ClusterBundle {
    pub(crate) tenant: Tenant,
    pub(crate) name: String,
}

impl ClusterBundle {
    /// The core's bundle.
    fn with<T>(&self, f: impl FnOnce(bundle::ClusterBundle<'_>) -> Result<T>) -> Result<T> {
        f(self.tenant.spec.cluster_bundle(&self.name)?)
    }
}

#[napi]
impl ClusterBundle {
    /// The cluster's name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The cluster's spec, as the tenant resolved it (a copy).
    #[napi(getter)]
    pub fn spec(&self, env: &Env) -> napi::Result<TrinoClusterSpec> {
        or_throw(env, self.with(|bundle| Ok(TrinoClusterSpec { inner: bundle.spec().clone() })))
    }

    /// The cluster's objects, in apply order. Needs no cluster; the OAuth client secret is a
    /// Secret value the manifests only name.
    #[napi]
    pub fn manifests(&self, env: &Env) -> napi::Result<Vec<Manifest>> {
        or_throw(env, self.with(|bundle| bundle.manifests()).map(manifests))
    }

    /// The cluster as the gateway's registry holds it once applied: the coordinator's Service
    /// inside Kubernetes, linked under the gateway's external URL, in its routing group.
    #[napi]
    pub fn registration(&self, env: &Env) -> napi::Result<Cluster> {
        or_throw(env, self.with(|bundle| bundle.registration()).map(Cluster::from))
    }

    /// What `apply` would change in Ranger, Kubernetes (a server-side dry run) and the
    /// registry; writes nothing. Rejects with `NotFound` when the tenant's namespace does not
    /// exist yet (apply the platform bundle first, or plan the whole tenant), else as
    /// `TenantSpec.plan` does.
    #[napi]
    pub fn plan<'env>(&self, env: &'env Env, targets: &Targets) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Cluster(self.name.clone()), Op::Plan, targets, None)
    }

    /// Converges the cluster: its Ranger service, baseline and policies; its objects, with the
    /// OAuth client secret from Keycloak; waits until the coordinator is ready and the workers
    /// are up; then registers it (or brings its registration in line). Idempotent; rejects as
    /// `TenantSpec.apply` does, and with `NotFound` when the tenant's namespace does not exist
    /// yet (apply the platform bundle first).
    #[napi]
    pub fn apply<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Cluster(self.name.clone()), Op::Apply, targets, options)
    }

    /// Removes what `apply` made: the registration first (no new queries go to the cluster),
    /// then its objects (only those labelled as trino-platform's), then its Ranger service.
    /// Idempotent; rejects as `TenantSpec.delete` does.
    #[napi]
    pub fn delete<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Cluster(self.name.clone()), Op::Delete, targets, options)
    }
}
