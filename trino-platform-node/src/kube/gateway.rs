//! The `GatewayDeploymentSpec` class: the workspace's Trino Gateway on Kubernetes, validated,
//! with its manifests and `gateway.yaml` rendered without a cluster.

use std::path::Path;

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, kube};

use super::manifest::{Manifest, manifests};
use crate::error::or_throw;
use crate::input::SpecClass;

/// The Trino Gateway of one workspace on Kubernetes, parsed and validated: `trino-platform
/// gateway serve` behind a Service and an Ingress, its state in a PostgreSQL cluster run by
/// KubeBlocks. Build one with `GatewayDeploymentSpec.fromObject`, `.fromYaml` or `.load`, or
/// read a tenant's from `TenantSpec.platform().gateway`; then render its `manifests()` and
/// `gatewayYaml()` without a cluster.
///
/// Both constructors validate the whole spec (the rendered `gateway.yaml` included) and throw
/// an `Error` whose `code` is `'InvalidInput'` and whose message names the field. The spec
/// holds no secret: the admin token and the database password are generated in the cluster.
#[napi]
pub struct GatewayDeploymentSpec {
    pub(crate) inner: kube::GatewayDeploymentSpec,
}

impl SpecClass for GatewayDeploymentSpec {
    type Core = kube::GatewayDeploymentSpec;
    const WHAT: &'static str = "gateway deployment spec";

    fn core(&self) -> &Self::Core {
        &self.inner
    }

    fn validate(core: &Self::Core) -> Result<()> {
        core.validate()
    }

    fn secrets(_: &Self::Core) -> Vec<String> {
        Vec::new()
    }
}

#[napi]
impl GatewayDeploymentSpec {
    /// A spec from its plain-object form (`GatewayDeploymentSpecObject`), validated. Throws
    /// `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: GatewayDeploymentSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<GatewayDeploymentSpec> {
        or_throw(env, Self::parse(spec).map(|(inner, _)| Self { inner }))
    }

    /// Parses and validates a YAML (or JSON) spec, such as a file's text. Throws
    /// `InvalidInput` naming the field and line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<GatewayDeploymentSpec> {
        or_throw(env, kube::GatewayDeploymentSpec::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// Reads, parses and validates a YAML spec file. Throws `InvalidInput` when the file cannot
    /// be read or is invalid; the message names the file, the field and the line.
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<GatewayDeploymentSpec> {
        or_throw(env, kube::GatewayDeploymentSpec::load(Path::new(&path)).map(|inner| Self { inner }))
    }

    /// The gateway's name, the prefix of its objects.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name.to_string()
    }

    /// The workspace it serves.
    #[napi(getter)]
    pub fn workspace(&self) -> String {
        self.inner.workspace.to_string()
    }

    /// Its namespace.
    #[napi(getter)]
    pub fn namespace(&self) -> String {
        self.inner.namespace.to_string()
    }

    /// The URL clients use (the Ingress host).
    #[napi(getter)]
    pub fn external_url(&self) -> String {
        self.inner.external_url.to_string()
    }

    /// The gateway's URL inside the cluster (`http://{name}.{namespace}.svc:8080`).
    #[napi(getter)]
    pub fn internal_url(&self) -> String {
        self.inner.internal_url()
    }

    /// Its objects, in apply order: ServiceAccount, Secret (the admin token and the OAuth2
    /// cookie key, only named: see `Manifest.secretSources`), the ConfigMap of `gateway.yaml`
    /// (and the rules), Service, the KubeBlocks `Cluster` of its PostgreSQL, Deployment and,
    /// unless turned off, Ingress. Throws `InvalidInput` for a value an object cannot carry.
    #[napi]
    pub fn manifests(&self, env: &Env) -> napi::Result<Vec<Manifest>> {
        or_throw(env, self.inner.manifests().map(manifests))
    }

    /// The `gateway.yaml` the pods read: listeners, the store (its account from the pod's
    /// environment), admin tokens and cookie key as `${ENV:NAME}` references, the rules file,
    /// then the spec's `config` sections merged over them.
    #[napi]
    pub fn gateway_yaml(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, self.inner.gateway_yaml())
    }
}
