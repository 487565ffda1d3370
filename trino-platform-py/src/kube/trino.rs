//! `TrinoClusterSpec`: one Trino cluster on Kubernetes (coordinator, workers, catalogs,
//! exchange, OAuth2, Ranger), its manifests and its nodes' files, without a cluster.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use trino_platform::kube::{self, NodeFiles};

use super::manifest::{Manifest, manifest_list, render, write};
use crate::errors::to_pyerr;
use crate::json::to_py;
use crate::ranger::RenderedFile;
use crate::routing::quoted;
use crate::specs;

/// One Trino cluster of a workspace on Kubernetes (immutable, validated): its name, workspace,
/// namespace, routing group, Trino release and image, coordinator and workers, catalogs, and
/// the exchange bucket, OAuth2 and Ranger setup of its coordinator.
///
/// Build one with `TrinoClusterSpec.from_dict(data)` (the camelCase form of the YAML files)
/// or `TrinoClusterSpec.from_yaml(text)`; in a tenant, `tenant.cluster_bundle(name).spec` is
/// the cluster with what it inherits. Secrets are never in a spec: it names the environment
/// variables that hold them.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct TrinoClusterSpec(pub(crate) kube::TrinoClusterSpec);

impl TrinoClusterSpec {
    fn checked(spec: kube::TrinoClusterSpec) -> PyResult<Self> {
        spec.validate().map_err(to_pyerr)?;
        Ok(Self(spec))
    }
}

/// `NodeFiles` as the dict the stubs call `NodeFiles`, its Ranger files as `RenderedFile`s
/// (whose `repr` never shows a secret file's contents).
fn node_files<'py>(py: Python<'py>, node: &NodeFiles) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("files", to_py(py, &node.files)?)?;
    let ranger: Vec<RenderedFile> = node.ranger_files.iter().cloned().map(RenderedFile).collect();
    dict.set_item("rangerFiles", ranger)?;
    dict.set_item("writableDirs", to_py(py, &node.writable_dirs)?)?;
    dict.set_item("env", to_py(py, &node.env)?)?;
    Ok(dict)
}

#[pymethods]
impl TrinoClusterSpec {
    /// Builds a spec from its JSON form: a mapping with the camelCase keys of the YAML files
    /// (`{"name": "etl", "workspace": "acme", "namespace": "trino-acme", "coordinator":
    /// {...}, "workers": {...}}`), validated as `from_yaml` validates a file.
    ///
    /// Raises `InvalidInputError` naming the path of the field that is wrong (unknown keys
    /// included; values under secret keys shown as `***`), `TypeError` for values that are not
    /// JSON data.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(specs::from_dict(data, "spec", "Trino cluster spec")?)
    }

    /// Parses and validates a YAML spec. Raises `InvalidInputError` naming the field and line.
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| kube::TrinoClusterSpec::from_yaml(text)).map(Self).map_err(to_pyerr)
    }

    /// The cluster's name: the prefix of its objects and its name in the gateway's registry.
    #[getter]
    fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// The workspace (tenant) it belongs to.
    #[getter]
    fn workspace(&self) -> &str {
        self.0.workspace.as_str()
    }

    /// The namespace it runs in.
    #[getter]
    fn namespace(&self) -> &str {
        self.0.namespace.as_str()
    }

    /// The gateway routing group it serves.
    #[getter]
    fn routing_group(&self) -> &str {
        self.0.routing_group.as_str()
    }

    /// The Trino release its files are rendered for.
    #[getter]
    fn trino_version(&self) -> u32 {
        self.0.trino_version.get()
    }

    /// The container image (`trinodb/trino:{trino_version}` unless the spec names one).
    #[getter]
    fn image(&self) -> String {
        self.0.image()
    }

    /// The cluster's objects (ServiceAccount, Secret, ConfigMaps, Service, Deployments), built
    /// without a cluster; the Secret names its keys' sources, never a value.
    fn manifests(&self) -> PyResult<Vec<Manifest>> {
        self.0.manifests().map(manifest_list).map_err(to_pyerr)
    }

    /// The manifests as one YAML stream (`---`-separated, in apply order).
    fn render(&self) -> PyResult<String> {
        render(self.0.manifests())
    }

    /// Writes the manifests under `dir` (created if needed) as one YAML file per object plus a
    /// `kustomization.yaml` listing them in apply order (`kubectl apply -k dir`); returns the
    /// paths written. Raises `InvalidInputError` when a file cannot be written.
    fn write_files(&self, py: Python<'_>, dir: PathBuf) -> PyResult<Vec<PathBuf>> {
        write(py, dir, self.0.manifests())
    }

    /// Every file of the nodes (the `ClusterFiles` dict): `coordinator` and `worker`, each
    /// `{files, rangerFiles, writableDirs, env}` (`files`: `/etc/trino` by name; `rangerFiles`:
    /// `RenderedFile`s, coordinator only; `env`: the variables the files refer to), `catalogs`
    /// (by file name) and `catalogEnv`. Secrets appear only as `${ENV:NAME}` references.
    ///
    /// Raises `InvalidInputError` naming the field whose value a file cannot carry.
    fn files<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let files = self.0.files().map_err(to_pyerr)?;
        let dict = PyDict::new(py);
        dict.set_item("coordinator", node_files(py, &files.coordinator)?)?;
        dict.set_item("worker", node_files(py, &files.worker)?)?;
        dict.set_item("catalogs", to_py(py, &files.catalogs)?)?;
        dict.set_item("catalogEnv", to_py(py, &files.catalog_env)?)?;
        Ok(dict)
    }

    /// `TrinoClusterSpec(name='etl', workspace='acme', namespace='trino-acme')`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TrinoClusterSpec(name={}, workspace={}, namespace={})",
            quoted(py, self.name())?,
            quoted(py, self.workspace())?,
            quoted(py, self.namespace())?
        ))
    }
}
