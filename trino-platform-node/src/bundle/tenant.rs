//! The `TenantSpec` class: a tenant file, resolved and validated, with everything that needs
//! no cluster (manifests, the YAML stream, GitOps files, the environment check) and the
//! Promise-returning `plan`, `apply` and `delete` of both bundles.

use std::path::Path;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use secrecy::ExposeSecret;
use trino_platform::{Result, bundle, kube};

use super::bundles::{ClusterBundle, Op, PlatformBundle, Scope, run};
use super::report::{BundleReport, BundleRunOptions};
use super::targets::Targets;
use crate::error::or_throw;
use crate::input::{Secrets, SpecClass, exchange_secrets};
use crate::kube::{Manifest, TrinoClusterSpec, cluster_secrets, manifests};

/// A tenant as the bundles share it: the core's spec, and its secret values to keep out of
/// messages.
#[derive(Clone)]
pub(crate) struct Tenant {
    pub(crate) spec: Arc<bundle::TenantSpec>,
    pub(crate) secrets: Arc<Secrets>,
}

impl Tenant {
    fn new(spec: bundle::TenantSpec) -> Self {
        let secrets = Secrets::from_values(tenant_secrets(&spec));
        Self { spec: Arc::new(spec), secrets: Arc::new(secrets) }
    }
}

/// The secret values a tenant holds: the exchange bucket's S3 keys, a fixed OAuth client
/// secret, and each cluster's (its S3 keys, its Ranger passwords given as values). The
/// variables the file names for the rest are names, not secrets.
fn tenant_secrets(spec: &bundle::TenantSpec) -> Vec<String> {
    let platform = &spec.platform;
    let exchange = platform.exchange.iter().flat_map(exchange_secrets);
    let client =
        platform.keycloak.iter().filter_map(|k| k.client.secret.as_ref()).map(|s| s.expose_secret().to_owned());
    exchange.chain(client).chain(spec.clusters.iter().flat_map(cluster_secrets)).collect()
}

/// A tenant of the data platform, from one tenant file: its platform bundle (layer 2: the
/// namespace, the gateway and its PostgreSQL, the exchange bucket, the Keycloak client) and
/// its Trino clusters (layer 3, each behind the gateway), resolved (every section knows the
/// workspace, namespace, bucket and OAuth2 setup it inherits) and validated. Build one with
/// `TenantSpec.fromObject`, `.fromYaml` or `.load` (the file of `trino-platform deploy
/// --tenant`, as `examples/tenant.yaml`).
///
/// Without a cluster: `manifests()`, `render()` (one YAML stream), `writeFiles(dir)` (GitOps
/// files), `checkEnvironment()`. Against the systems of a `Targets`: `plan` (writes nothing),
/// `apply` (converges, idempotently: a second run changes nothing) and `delete`, of the whole
/// tenant, of its `platform()` bundle or of one `clusterBundle(name)`, each resolving with a
/// `BundleReport`.
///
/// The constructors throw an `Error` whose `code` is `'InvalidInput'` and whose message names
/// the field (and, from YAML, the line). A rejection of `plan`, `apply` or `delete` is a coded
/// `Error` naming the system and thing that failed and what was done before it (`'Unavailable'`
/// and `'Timeout'`: rerun, every step is idempotent). No message holds a secret.
#[napi]
pub struct TenantSpec {
    pub(crate) tenant: Tenant,
}

impl SpecClass for TenantSpec {
    type Core = bundle::TenantSpec;
    const WHAT: &'static str = "tenant spec";

    fn core(&self) -> &Self::Core {
        &self.tenant.spec
    }

    fn validate(_: &Self::Core) -> Result<()> {
        // Reading a tenant resolves and validates every section.
        Ok(())
    }

    fn secrets(core: &Self::Core) -> Vec<String> {
        tenant_secrets(core)
    }
}

#[napi]
impl TenantSpec {
    /// A tenant from its plain-object form (`TenantSpecObject`), resolved and validated as a
    /// tenant file is. Throws `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: TenantSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<TenantSpec> {
        or_throw(env, Self::parse(spec).map(|(spec, _)| Self { tenant: Tenant::new(spec) }))
    }

    /// Parses, resolves and validates a tenant file's text. Throws `InvalidInput` naming the
    /// field and line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<TenantSpec> {
        or_throw(env, bundle::TenantSpec::from_yaml(&text).map(|spec| Self { tenant: Tenant::new(spec) }))
    }

    /// Reads, parses, resolves and validates a tenant file. Throws `InvalidInput` when it
    /// cannot be read or is invalid; the message names the file, the field and the line.
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<TenantSpec> {
        or_throw(env, bundle::TenantSpec::load(Path::new(&path)).map(|spec| Self { tenant: Tenant::new(spec) }))
    }

    /// The workspace.
    #[napi(getter)]
    pub fn workspace(&self) -> String {
        self.tenant.spec.workspace.to_string()
    }

    /// The namespace everything runs in.
    #[napi(getter)]
    pub fn namespace(&self) -> String {
        self.tenant.spec.namespace.to_string()
    }

    /// The labels on every object (a section's own labels win on its objects).
    #[napi(getter)]
    pub fn labels(&self) -> std::collections::BTreeMap<String, String> {
        self.tenant.spec.labels.clone()
    }

    /// The clusters as resolved (with the workspace, namespace, exchange bucket and OAuth2
    /// setup they inherit), in file order; copies.
    #[napi(getter)]
    pub fn clusters(&self) -> Vec<TrinoClusterSpec> {
        self.tenant.spec.clusters.iter().map(|inner| TrinoClusterSpec { inner: inner.clone() }).collect()
    }

    /// Every Kubernetes object of the tenant, the platform's then each cluster's; Secrets name
    /// their keys' sources, never a value. Needs no cluster. Throws `InvalidInput` for a value
    /// an object cannot carry.
    #[napi]
    pub fn manifests(&self, env: &Env) -> napi::Result<Vec<Manifest>> {
        or_throw(env, self.tenant.spec.manifests().map(manifests))
    }

    /// Every object as one YAML stream of `---`-separated documents, in apply order
    /// (`toYamlStream(tenant.manifests())`), for `kubectl apply -f -` or a review. Secrets
    /// carry no values.
    #[napi]
    pub fn render(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, self.tenant.spec.manifests().and_then(|m| kube::to_yaml_stream(&m)))
    }

    /// Writes every object under `dir` as GitOps files with a `kustomization.yaml`
    /// (`writeManifestFiles(dir, tenant.manifests())`); returns the paths written, the
    /// kustomization last. Throws `InvalidInput` when a file cannot be written.
    #[napi]
    pub fn write_files(&self, env: &Env, dir: String) -> napi::Result<Vec<String>> {
        or_throw(env, self.tenant.spec.manifests().and_then(|m| crate::kube::write_files(&dir, &m)))
    }

    /// Checks that every environment variable the tenant needs is set (the Keycloak and
    /// Ranger Admin secrets, the values of the Secrets copied from the environment), as
    /// `plan` and `apply` do before anything else. Throws `InvalidInput` naming every missing
    /// variable.
    #[napi]
    pub fn check_environment(&self, env: &Env) -> napi::Result<()> {
        or_throw(env, self.tenant.spec.check_environment())
    }

    /// The platform bundle.
    #[napi]
    pub fn platform(&self) -> PlatformBundle {
        PlatformBundle { tenant: self.tenant.clone() }
    }

    /// The bundle of the cluster called `name`. Throws `NotFound` when the tenant has none.
    #[napi]
    pub fn cluster_bundle(&self, env: &Env, name: String) -> napi::Result<ClusterBundle> {
        or_throw(env, self.tenant.spec.cluster(&name).map(|_| ClusterBundle { tenant: self.tenant.clone(), name }))
    }

    /// Every cluster bundle, in file order.
    #[napi]
    pub fn cluster_bundles(&self) -> Vec<ClusterBundle> {
        let tenant = &self.tenant;
        tenant
            .spec
            .clusters
            .iter()
            .map(|c| ClusterBundle { tenant: tenant.clone(), name: c.name.to_string() })
            .collect()
    }

    /// What `apply` would change, the platform first, read from S3, Keycloak, Ranger,
    /// Kubernetes (a server-side dry run) and the registry; writes nothing. Rejects with
    /// `InvalidInput` naming every missing environment variable before reading anything, or
    /// with the kind of the failure of the system it could not read.
    #[napi]
    pub fn plan<'env>(&self, env: &'env Env, targets: &Targets) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Tenant, Op::Plan, targets, None)
    }

    /// Applies the platform bundle, then every cluster bundle, reporting progress to
    /// `onProgress`; resolves with what it did (a second run changes nothing). Rejects with
    /// `InvalidInput` naming every missing environment variable before anything is written;
    /// a failed step rejects with its kind, naming what was done before it (rerun to finish).
    #[napi]
    pub fn apply<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Tenant, Op::Apply, targets, options)
    }

    /// Deletes every cluster bundle (its registration first), then the platform bundle: only
    /// what trino-platform made (labelled objects; a namespace only when nothing in it is
    /// someone else's; a bucket only when tagged for this workspace). Idempotent: a second
    /// run reports `deleted` for nothing. Rejects with `InvalidInput` naming the Keycloak and
    /// Ranger Admin variables that are unset before anything is deleted.
    #[napi]
    pub fn delete<'env>(
        &self,
        env: &'env Env,
        targets: &Targets,
        options: Option<BundleRunOptions>,
    ) -> napi::Result<PromiseRaw<'env, BundleReport>> {
        run(env, &self.tenant, Scope::Tenant, Op::Delete, targets, options)
    }
}
