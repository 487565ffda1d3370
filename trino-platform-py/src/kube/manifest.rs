//! `Manifest`: one Kubernetes object as the core builds it; and the rendering every holder of
//! manifests shares (one YAML stream, GitOps files).

use std::collections::BTreeMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use trino_platform::kube;

use crate::errors::to_pyerr;
use crate::json::value_to_py;
use crate::routing::quoted;

/// One Kubernetes object, as trino-platform renders and applies it (immutable; compare with
/// `==`): `kind`, `api_version`, `name`, `namespace`, and `object`, the body as a dict.
///
/// A Secret's values are never part of it: `object` has no `data`, and `secret_sources` says
/// where each key's value comes from (`env:NAME`, `generated`, `given`), filled in only when
/// the bundle applies it. `str()` is `Kind namespace/name`.
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Manifest(pub(crate) kube::Manifest);

#[pymethods]
impl Manifest {
    /// The `kind` (`Deployment`, `ConfigMap`, …; `Cluster` for the gateway's KubeBlocks
    /// PostgreSQL).
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind().name()
    }

    /// The `apiVersion` (`v1`, `apps/v1`, `apps.kubeblocks.io/v1`, …).
    #[getter]
    fn api_version(&self) -> &'static str {
        self.0.kind().api_version()
    }

    /// `metadata.name`.
    #[getter]
    fn name(&self) -> &str {
        self.0.name()
    }

    /// `metadata.namespace`, or `None` for a Namespace.
    #[getter]
    fn namespace(&self) -> Option<&str> {
        self.0.namespace()
    }

    /// The object as a dict (`apiVersion`, `kind`, `metadata`, `spec`, …), a new one per call;
    /// a Secret without its values.
    #[getter]
    fn object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, self.0.object())
    }

    /// A Secret's keys and where their values come from (`env:NAME`, `generated`, `given`);
    /// empty for other kinds.
    #[getter]
    fn secret_sources(&self) -> BTreeMap<String, String> {
        self.0.secret_data().iter().map(|(key, value)| (key.clone(), value.describe())).collect()
    }

    /// `Kind namespace/name` (`Deployment trino-acme/trino-etl-worker`), as reports and
    /// progress events name the object.
    fn describe(&self) -> String {
        self.0.describe()
    }

    /// The object as YAML (a Secret without its values).
    fn to_yaml(&self) -> PyResult<String> {
        self.0.to_yaml().map_err(to_pyerr)
    }

    /// `Kind namespace/name`, as `describe()`.
    fn __str__(&self) -> String {
        self.0.describe()
    }

    /// `Manifest(kind='Deployment', namespace='trino-acme', name='trino-etl-worker')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let namespace = match self.0.namespace() {
            Some(namespace) => format!("namespace={}, ", quoted(py, namespace)?),
            None => String::new(),
        };
        Ok(format!("Manifest(kind={}, {namespace}name={})", quoted(py, self.kind())?, quoted(py, self.0.name())?))
    }
}

/// The core's manifests as Python values.
pub(crate) fn manifest_list(manifests: Vec<kube::Manifest>) -> Vec<Manifest> {
    manifests.into_iter().map(Manifest).collect()
}

/// `manifests` as one YAML stream of `---`-separated documents, in apply order.
pub(crate) fn render(manifests: trino_platform::Result<Vec<kube::Manifest>>) -> PyResult<String> {
    manifests.and_then(|m| kube::to_yaml_stream(&m)).map_err(to_pyerr)
}

/// Writes `manifests` under `dir` as GitOps files (one per object, then `kustomization.yaml`),
/// with the GIL released; returns the paths written.
pub(crate) fn write(
    py: Python<'_>,
    dir: PathBuf,
    manifests: trino_platform::Result<Vec<kube::Manifest>>,
) -> PyResult<Vec<PathBuf>> {
    let manifests = manifests.map_err(to_pyerr)?;
    py.detach(|| kube::write_files(&dir, &manifests)).map_err(to_pyerr)
}

/// The manifests in apply order: by kind (Namespace, ServiceAccount, Secret, ConfigMap,
/// Service, Cluster, Deployment, Ingress), then namespace and name; equal keys keep their order.
/// Returns a new list; raises `TypeError` for an item that is not a `Manifest`.
#[pyfunction]
pub(crate) fn sorted_manifests(manifests: &Bound<'_, PyAny>) -> PyResult<Vec<Manifest>> {
    let core = manifests
        .try_iter()?
        .map(|item| Ok(item?.cast::<Manifest>()?.get().0.clone()))
        .collect::<PyResult<Vec<kube::Manifest>>>()?;
    Ok(kube::sorted(&core).into_iter().cloned().map(Manifest).collect())
}
