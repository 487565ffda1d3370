//! `GatewayDeploymentSpec`: a workspace's Trino Gateway on Kubernetes (its Deployment, Service,
//! Ingress and KubeBlocks PostgreSQL), its manifests and its `gateway.yaml`, without a cluster.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyType;
use trino_platform::kube;

use super::manifest::{Manifest, manifest_list, render, write};
use crate::errors::to_pyerr;
use crate::routing::quoted;
use crate::specs;

/// The Trino Gateway of one workspace on Kubernetes (immutable, validated): `trino-platform
/// gateway serve` behind a Service and an Ingress, its state in a PostgreSQL cluster run by
/// KubeBlocks, its routing rules and `gateway.yaml` sections.
///
/// Build one with `GatewayDeploymentSpec.from_dict(data)` (the camelCase form of the YAML
/// files) or `GatewayDeploymentSpec.from_yaml(text)`; in a tenant, `tenant.platform().gateway`
/// is the gateway with what it inherits.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct GatewayDeploymentSpec(pub(crate) kube::GatewayDeploymentSpec);

#[pymethods]
impl GatewayDeploymentSpec {
    /// Builds a spec from its JSON form: a mapping with the camelCase keys of the YAML files
    /// (`{"workspace": "acme", "namespace": "trino-acme", "externalUrl":
    /// "https://trino.acme.example.com"}`), validated as `from_yaml` validates a file.
    ///
    /// Raises `InvalidInputError` naming the path of the field that is wrong (unknown keys
    /// included), `TypeError` for values that are not JSON data.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec: kube::GatewayDeploymentSpec = specs::from_dict(data, "spec", "gateway deployment spec")?;
        spec.validate().map_err(to_pyerr)?;
        Ok(Self(spec))
    }

    /// Parses and validates a YAML spec. Raises `InvalidInputError` naming the field and line.
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| kube::GatewayDeploymentSpec::from_yaml(text)).map(Self).map_err(to_pyerr)
    }

    /// The gateway's name, the prefix of its objects.
    #[getter]
    fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// The workspace it serves.
    #[getter]
    fn workspace(&self) -> &str {
        self.0.workspace.as_str()
    }

    /// Its namespace.
    #[getter]
    fn namespace(&self) -> &str {
        self.0.namespace.as_str()
    }

    /// The URL clients use (the Ingress host, the base of the OAuth2 redirect URIs).
    #[getter]
    fn external_url(&self) -> &str {
        self.0.external_url.as_str()
    }

    /// The number of replicas (2 or more).
    #[getter]
    fn replicas(&self) -> u32 {
        self.0.replicas
    }

    /// The image with the `trino-platform` binary.
    #[getter]
    fn image(&self) -> &str {
        &self.0.image
    }

    /// The gateway's objects (ServiceAccount, Secret, ConfigMap, Service, the KubeBlocks
    /// `Cluster` of its PostgreSQL, Deployment, Ingress), built without a cluster; the Secret
    /// names its keys' sources, never a value.
    fn manifests(&self) -> PyResult<Vec<Manifest>> {
        self.0.manifests().map(manifest_list).map_err(to_pyerr)
    }

    /// The manifests as one YAML stream (`---`-separated, in apply order).
    fn render(&self) -> PyResult<String> {
        render(self.0.manifests())
    }

    /// Writes the manifests under `dir` as GitOps files (see `TrinoClusterSpec.write_files`);
    /// returns the paths written.
    fn write_files(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        write(py, dir, self.0.manifests())
    }

    /// The `gateway.yaml` the pods read: listeners, the store, the admin token, the rules file,
    /// then the spec's `config` sections; secrets as `${ENV:NAME}` references.
    fn gateway_yaml(&self) -> PyResult<String> {
        self.0.gateway_yaml().map_err(to_pyerr)
    }

    /// `GatewayDeploymentSpec(name='trino-gateway', workspace='acme', namespace='trino-acme',
    /// external_url='https://trino.acme.example.com/')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "GatewayDeploymentSpec(name={}, workspace={}, namespace={}, external_url={})",
            quoted(py, self.name())?,
            quoted(py, self.workspace())?,
            quoted(py, self.namespace())?,
            quoted(py, self.external_url())?
        ))
    }
}
