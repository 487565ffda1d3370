//! `TenantSpec`, `PlatformBundle` and `ClusterBundle`: a tenant file, resolved and validated,
//! and its two kinds of bundle; their manifests (no network), and `plan` / `apply` / `delete`
//! against `Targets` or `AsyncTargets`.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyType;
use trino_platform::bundle;

use super::run::{Op, Scope, call};
use crate::cluster::Cluster;
use crate::errors::to_pyerr;
use crate::exchange::ExchangeBucketSpec;
use crate::kube::{GatewayDeploymentSpec, Manifest, TrinoClusterSpec, manifest_list, render, write};
use crate::routing::quoted;
use crate::specs;

/// A tenant of the data platform, from one tenant file (immutable, resolved and validated): its
/// `workspace` and `namespace`, the platform bundle (layer 2: the namespace, the gateway and its
/// PostgreSQL, the exchange bucket, the Keycloak OAuth client, the Ranger Admin and cluster store
/// it uses) and its Trino clusters (layer 3, behind the gateway). Sections inherit the workspace
/// and namespace (and the OAuth client the gateway's URL); clusters inherit the exchange bucket
/// and OAuth2 setup. Secrets are never in the file: it names the environment variables that
/// hold them.
///
/// Build one with `TenantSpec.load(path)`, `TenantSpec.from_yaml(text)` or
/// `TenantSpec.from_dict(data)`. Rendering needs no network; `plan`, `apply` and `delete` take
/// `Targets` (blocking) or `AsyncTargets` (awaitable).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct TenantSpec(Arc<bundle::TenantSpec>);

impl TenantSpec {
    /// The core spec.
    pub(crate) fn core(&self) -> &bundle::TenantSpec {
        &self.0
    }
}

#[pymethods]
impl TenantSpec {
    /// Builds a tenant from its JSON form: a mapping with the camelCase keys of the YAML file
    /// (`{"workspace": "acme", "platform": {"gateway": {"externalUrl": ...}}, "clusters":
    /// [...]}`), resolved and validated as `from_yaml` does.
    ///
    /// Raises `InvalidInputError` naming the path of the field that is wrong (unknown keys
    /// included), `TypeError` for values that are not JSON data.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        specs::from_dict(data, "tenant", "tenant spec").map(|t| Self(Arc::new(t)))
    }

    /// Parses and resolves a tenant file's text. Raises `InvalidInputError` naming the field
    /// (and the line, for what the file itself gets wrong), never quoting the file.
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| bundle::TenantSpec::from_yaml(text)).map(|t| Self(Arc::new(t))).map_err(to_pyerr)
    }

    /// Reads and resolves the tenant file at `path` (`str` or `os.PathLike`). Raises
    /// `InvalidInputError` when it cannot be read or is invalid (naming the file and the field).
    #[classmethod]
    fn load(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| bundle::TenantSpec::load(&path)).map(|t| Self(Arc::new(t))).map_err(to_pyerr)
    }

    /// The workspace.
    #[getter]
    fn workspace(&self) -> &str {
        self.0.workspace.as_str()
    }

    /// The namespace everything runs in (default `trino-{workspace}`).
    #[getter]
    fn namespace(&self) -> &str {
        self.0.namespace.as_str()
    }

    /// The names of the clusters, in file order.
    #[getter]
    fn cluster_names(&self) -> Vec<String> {
        self.0.clusters.iter().map(|c| c.name.as_str().to_owned()).collect()
    }

    /// The platform bundle.
    fn platform(&self) -> PlatformBundle {
        PlatformBundle(Arc::clone(&self.0))
    }

    /// The bundle of the cluster called `name`. Raises `NotFoundError` when there is none.
    fn cluster_bundle(&self, name: &str) -> PyResult<ClusterBundle> {
        ClusterBundle::new(&self.0, name)
    }

    /// Every cluster bundle, in file order.
    fn cluster_bundles(&self) -> PyResult<Vec<ClusterBundle>> {
        self.0.clusters.iter().map(|c| ClusterBundle::new(&self.0, c.name.as_str())).collect()
    }

    /// Every Kubernetes object of the tenant: the platform's (namespace, gateway), then each
    /// cluster's (`sorted_manifests` puts them in apply order). Needs no cluster; Secrets name
    /// their keys' sources, never a value.
    fn manifests(&self) -> PyResult<Vec<Manifest>> {
        self.0.manifests().map(manifest_list).map_err(to_pyerr)
    }

    /// Every object as one YAML stream (`---`-separated, in apply order), for `kubectl apply
    /// -f -`; Secrets without values.
    fn render(&self) -> PyResult<String> {
        render(self.0.manifests())
    }

    /// Writes every object under `dir` (created if needed) as GitOps files: one YAML file per
    /// object (`{NN}-{kind}-{namespace}-{name}.yaml`) and a `kustomization.yaml` listing them in
    /// apply order (`kubectl apply -k dir`, Argo CD, Flux); files there with other names are
    /// left alone. Returns the paths written (`pathlib.Path`), the kustomization last.
    ///
    /// Raises `InvalidInputError` when a file cannot be written.
    fn write_files(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        write(py, dir, self.0.manifests())
    }

    /// Checks that every environment variable the tenant needs is set: the Keycloak and Ranger
    /// Admin secrets and the values of the Secrets copied from the environment (`plan`,
    /// `apply` and `delete` check it first, too).
    ///
    /// Raises `InvalidInputError` naming every missing variable.
    fn check_environment(&self) -> PyResult<()> {
        self.0.check_environment().map_err(to_pyerr)
    }

    /// What `apply` would change, platform first, read from S3, Keycloak, Ranger, Kubernetes (a
    /// server-side dry run) and the registry; writes nothing. Returns a `BundleReport` (with
    /// `Targets`) or an awaitable of one (with `AsyncTargets`).
    ///
    /// Raises `InvalidInputError` for a missing variable (before anything is read), else the
    /// kind of the failing system's error.
    fn plan<'py>(&self, py: Python<'py>, targets: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Tenant, Op::Plan, targets, None)
    }

    /// Applies the platform bundle, then every cluster bundle: only what differs is changed,
    /// so a second run changes nothing. Returns the `BundleReport` of what was done (or an
    /// awaitable of it, with `AsyncTargets`).
    ///
    /// `progress`, if given, is called with a `BundleEvent` as each step starts, waits and
    /// finishes: with `Targets` on the calling thread, with `AsyncTargets` on the event loop's
    /// thread, in order (keep it quick). If it raises, the run stops at its next request and the
    /// exception propagates; rerunning finishes the job.
    ///
    /// Raises `InvalidInputError` naming every missing variable before anything is written,
    /// else the kind of the failing step's error, whose message names the step and what was
    /// done before it; rerunning finishes the job.
    #[pyo3(signature = (targets, *, progress=None))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Tenant, Op::Apply, targets, progress)
    }

    /// Deletes every cluster bundle, then the platform bundle: only what trino-platform made
    /// (labelled or tagged as this workspace's); a namespace only when nothing in it is someone
    /// else's. Idempotent. Returns a `BundleReport` (or an awaitable of it); `progress` as for
    /// `apply`.
    #[pyo3(signature = (targets, *, progress=None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Tenant, Op::Delete, targets, progress)
    }

    /// `TenantSpec(workspace='acme', namespace='trino-acme', clusters=['etl', 'adhoc'])`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TenantSpec(workspace={}, namespace={}, clusters={})",
            quoted(py, self.workspace())?,
            quoted(py, self.namespace())?,
            self.cluster_names().into_pyobject(py)?.repr()?
        ))
    }
}

/// The platform bundle of a tenant (`tenant.platform()`): the namespace, the gateway and its
/// PostgreSQL, the exchange bucket, the Keycloak OAuth client.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct PlatformBundle(Arc<bundle::TenantSpec>);

#[pymethods]
impl PlatformBundle {
    /// The gateway, as the tenant resolves it.
    #[getter]
    fn gateway(&self) -> GatewayDeploymentSpec {
        GatewayDeploymentSpec(self.0.platform.gateway.clone())
    }

    /// The exchange bucket every cluster uses, or `None`.
    #[getter]
    fn exchange(&self) -> PyResult<Option<ExchangeBucketSpec>> {
        self.0.platform.exchange.clone().map(ExchangeBucketSpec::new).transpose()
    }

    /// The namespace and the gateway's objects. Needs no cluster.
    fn manifests(&self) -> PyResult<Vec<Manifest>> {
        self.0.platform().manifests().map(manifest_list).map_err(to_pyerr)
    }

    /// The manifests as one YAML stream (see `TenantSpec.render`).
    fn render(&self) -> PyResult<String> {
        render(self.0.platform().manifests())
    }

    /// Writes the manifests under `dir` as GitOps files (see `TenantSpec.write_files`).
    fn write_files(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        write(py, dir, self.0.platform().manifests())
    }

    /// What `apply` would change in S3, Keycloak and Kubernetes; writes nothing (see
    /// `TenantSpec.plan`).
    fn plan<'py>(&self, py: Python<'py>, targets: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Platform, Op::Plan, targets, None)
    }

    /// Converges the platform: the exchange bucket, the OAuth client, then the namespace and
    /// the gateway, waiting until the gateway and its database are ready (see
    /// `TenantSpec.apply`).
    #[pyo3(signature = (targets, *, progress=None))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Platform, Op::Apply, targets, progress)
    }

    /// Removes what `apply` made: the gateway's objects and the namespace, the OAuth client,
    /// the exchange bucket with its objects (see `TenantSpec.delete`).
    #[pyo3(signature = (targets, *, progress=None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.0), Scope::Platform, Op::Delete, targets, progress)
    }

    /// `PlatformBundle(workspace='acme', namespace='trino-acme')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PlatformBundle(workspace={}, namespace={})",
            quoted(py, self.0.workspace.as_str())?,
            quoted(py, self.0.namespace.as_str())?
        ))
    }
}

/// The bundle of one cluster of a tenant (`tenant.cluster_bundle(name)`): its Ranger service and
/// policies, its Kubernetes objects, and its registration behind the gateway.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ClusterBundle {
    tenant: Arc<bundle::TenantSpec>,
    name: String,
}

impl ClusterBundle {
    /// The bundle of the cluster `name`, or `NotFoundError`.
    fn new(tenant: &Arc<bundle::TenantSpec>, name: &str) -> PyResult<Self> {
        tenant.cluster(name).map_err(to_pyerr)?;
        Ok(Self { tenant: Arc::clone(tenant), name: name.to_owned() })
    }

    fn core(&self) -> PyResult<bundle::ClusterBundle<'_>> {
        self.tenant.cluster_bundle(&self.name).map_err(to_pyerr)
    }

    fn scope(&self) -> Scope {
        Scope::Cluster(self.name.clone())
    }
}

#[pymethods]
impl ClusterBundle {
    /// The cluster's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The cluster's spec, with what it inherits from the tenant.
    #[getter]
    fn spec(&self) -> PyResult<TrinoClusterSpec> {
        Ok(TrinoClusterSpec(self.core()?.spec().clone()))
    }

    /// The cluster as the gateway's registry holds it once applied: the coordinator's Service
    /// inside Kubernetes, linked under the gateway's external URL, in its routing group.
    fn registration(&self) -> PyResult<Cluster> {
        self.core()?.registration().map(Cluster::from).map_err(to_pyerr)
    }

    /// The cluster's objects. Needs no cluster; the OAuth client secret is a Secret value the
    /// manifests only name.
    fn manifests(&self) -> PyResult<Vec<Manifest>> {
        self.core()?.manifests().map(manifest_list).map_err(to_pyerr)
    }

    /// The manifests as one YAML stream (see `TenantSpec.render`).
    fn render(&self) -> PyResult<String> {
        render(self.core()?.manifests())
    }

    /// Writes the manifests under `dir` as GitOps files (see `TenantSpec.write_files`).
    fn write_files(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        write(py, dir, self.core()?.manifests())
    }

    /// What `apply` would change in Ranger, Kubernetes and the registry; writes nothing (see
    /// `TenantSpec.plan`).
    fn plan<'py>(&self, py: Python<'py>, targets: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.tenant), self.scope(), Op::Plan, targets, None)
    }

    /// Converges the cluster: its Ranger service and policies, its objects (with the OAuth
    /// client secret from Keycloak), waiting until the coordinator is ready and the workers are
    /// up, then its registration (see `TenantSpec.apply`).
    #[pyo3(signature = (targets, *, progress=None))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.tenant), self.scope(), Op::Apply, targets, progress)
    }

    /// Removes what `apply` made: the registration first, then its objects, then its Ranger
    /// service (see `TenantSpec.delete`).
    #[pyo3(signature = (targets, *, progress=None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, Arc::clone(&self.tenant), self.scope(), Op::Delete, targets, progress)
    }

    /// `ClusterBundle(workspace='acme', name='etl')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ClusterBundle(workspace={}, name={})",
            quoted(py, self.tenant.workspace.as_str())?,
            quoted(py, &self.name)?
        ))
    }
}
