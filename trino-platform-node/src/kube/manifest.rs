//! The `Manifest` class (one Kubernetes object as the core builds it), their apply order
//! (`sortedManifests`) and the two ways to render a list of them: `toYamlStream` and
//! `writeManifestFiles`.

use std::collections::BTreeMap;
use std::path::Path;

use napi::Env;
use napi::bindgen_prelude::ClassInstance;
use napi_derive::napi;
use trino_platform::{Error, ErrorKind, Result, kube};

use crate::error::or_throw;

/// The `kind` of a `Manifest`: the objects trino-platform puts on Kubernetes.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    /// `v1` Namespace (the only cluster-scoped kind).
    Namespace,
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// `v1` Secret (rendered without its values).
    Secret,
    /// `v1` ConfigMap.
    ConfigMap,
    /// `v1` Service.
    Service,
    /// `apps.kubeblocks.io/v1` Cluster: the gateway's PostgreSQL, run by KubeBlocks.
    Cluster,
    /// `apps/v1` Deployment.
    Deployment,
    /// `networking.k8s.io/v1` Ingress.
    Ingress,
}

// `ManifestKind` lists the core's kinds for the typings. This stops the build when the core
// gains one, so that the typings learn its name too.
const _: () = assert!(kube::Kind::APPLY_ORDER.len() == 8, "add the new kube::Kind to ManifestKind");

impl ManifestKind {
    /// The kind of `kind`; `Internal` for one this binding does not know yet (the assertion
    /// above makes that a build failure first).
    fn of(kind: kube::Kind) -> Result<Self> {
        Ok(match kind {
            kube::Kind::Namespace => Self::Namespace,
            kube::Kind::ServiceAccount => Self::ServiceAccount,
            kube::Kind::Secret => Self::Secret,
            kube::Kind::ConfigMap => Self::ConfigMap,
            kube::Kind::Service => Self::Service,
            kube::Kind::KubeBlocksCluster => Self::Cluster,
            kube::Kind::Deployment => Self::Deployment,
            kube::Kind::Ingress => Self::Ingress,
            other => return Err(Error::new(ErrorKind::Internal, format!("the Node binding does not know {other}"))),
        })
    }
}

/// One Kubernetes object as trino-platform builds, renders and applies it: its kind, name,
/// namespace and body. A Secret's body has no values: `secretSources` says where each key's
/// value comes from, and `apply` fills them in (so neither `object`, `toYaml()` nor any
/// rendering ever shows one). Get them from `TenantSpec.manifests()`,
/// `TrinoClusterSpec.manifests()`, `GatewayDeploymentSpec.manifests()` or a bundle's.
#[napi]
pub struct Manifest {
    inner: kube::Manifest,
}

/// The core's manifests as `Manifest` objects, in the order given.
pub(crate) fn manifests(manifests: Vec<kube::Manifest>) -> Vec<Manifest> {
    manifests.into_iter().map(|inner| Manifest { inner }).collect()
}

#[napi]
impl Manifest {
    /// The kind (`'Deployment'`, `'Cluster'`, …).
    #[napi(getter)]
    pub fn kind(&self, env: &Env) -> napi::Result<ManifestKind> {
        or_throw(env, ManifestKind::of(self.inner.kind()))
    }

    /// The `apiVersion` (`'v1'`, `'apps/v1'`, `'apps.kubeblocks.io/v1'`, …).
    #[napi(getter)]
    pub fn api_version(&self) -> String {
        self.inner.kind().api_version().to_owned()
    }

    /// `metadata.name`.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// `metadata.namespace`; `null` for a Namespace.
    #[napi(getter)]
    pub fn namespace(&self) -> Option<String> {
        self.inner.namespace().map(str::to_owned)
    }

    /// The object as JSON (`apiVersion`, `kind`, `metadata`, `spec`, …; a Secret without its
    /// values), a fresh copy on every read.
    #[napi(getter, ts_return_type = "KubeObject")]
    pub fn object(&self) -> serde_json::Value {
        self.inner.object().clone()
    }

    /// A Secret's keys and where each value comes from: `'env:NAME'` (the variable `NAME` of
    /// the process that applies), `'generated'` (random, made once and kept) or `'given'` (a
    /// value obtained while applying, such as the OAuth client secret from Keycloak). Empty
    /// for other kinds.
    #[napi(getter)]
    pub fn secret_sources(&self) -> BTreeMap<String, String> {
        self.inner.secret_data().iter().map(|(key, value)| (key.clone(), value.describe())).collect()
    }

    /// `Kind namespace/name` (`'Deployment trino-acme/trino-etl-worker'`; a Namespace:
    /// `'Namespace trino-acme'`), as plans, reports and messages name the object.
    #[napi]
    pub fn describe(&self) -> String {
        self.inner.describe()
    }

    /// The object as YAML (a Secret without its values). Throws `Internal` if it cannot be
    /// written.
    #[napi]
    pub fn to_yaml(&self, env: &Env) -> napi::Result<String> {
        or_throw(env, self.inner.to_yaml())
    }
}

/// The core manifests of `manifests` (copies: the classes keep theirs).
fn core_manifests(manifests: &[ClassInstance<'_, Manifest>]) -> Vec<kube::Manifest> {
    manifests.iter().map(|manifest| manifest.inner.clone()).collect()
}

/// `manifests` in apply order (namespaces, then accounts, Secrets and config, Services,
/// databases, Deployments, Ingresses; by namespace and name within a kind; stable), the order
/// `toYamlStream` and `writeManifestFiles` write them in.
#[napi(ts_args_type = "manifests: Manifest[]")]
#[cfg_attr(test, allow(dead_code))]
pub fn sorted_manifests(manifests: Vec<ClassInstance<'_, Manifest>>) -> Vec<Manifest> {
    let core = core_manifests(&manifests);
    kube::sorted(&core).into_iter().map(|inner| Manifest { inner: inner.clone() }).collect()
}

/// `manifests` as one YAML stream of `---`-separated documents, in apply order (namespaces,
/// then accounts, Secrets and config, Services, databases, Deployments, Ingresses; by
/// namespace and name within a kind), for `kubectl apply -f -`. Secrets carry no values. Throws
/// `Internal` if an object cannot be written.
#[napi(ts_args_type = "manifests: Manifest[]")]
#[cfg_attr(test, allow(dead_code))]
pub fn to_yaml_stream(env: &Env, manifests: Vec<ClassInstance<'_, Manifest>>) -> napi::Result<String> {
    or_throw(env, kube::to_yaml_stream(&core_manifests(&manifests)))
}

/// Writes `manifests` under `dir` (created when missing) as GitOps files: one
/// `{NN}-{kind}-{namespace}-{name}.yaml` per object, in apply order, and a
/// `kustomization.yaml` listing them (`kubectl apply -k dir`, Argo CD, Flux). Returns the paths
/// written, the kustomization last; files already there under other names are left alone.
/// Secrets carry no values, only the annotation naming their sources, for the secret manager
/// that fills them. Throws `InvalidInput` when a file cannot be written.
#[napi(ts_args_type = "dir: string, manifests: Manifest[]")]
#[cfg_attr(test, allow(dead_code))]
pub fn write_manifest_files(
    env: &Env,
    dir: String,
    manifests: Vec<ClassInstance<'_, Manifest>>,
) -> napi::Result<Vec<String>> {
    or_throw(env, write_files(&dir, &core_manifests(&manifests)))
}

/// [`kube::write_files`], the paths as text.
pub(crate) fn write_files(dir: &str, manifests: &[kube::Manifest]) -> Result<Vec<String>> {
    let written = kube::write_files(Path::new(dir), manifests)?;
    Ok(written.into_iter().map(|path| path.to_string_lossy().into_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_its_name() {
        for kind in kube::Kind::APPLY_ORDER {
            assert_eq!(format!("{:?}", ManifestKind::of(kind).unwrap()), kind.name());
        }
    }
}
