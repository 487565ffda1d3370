//! `RangerPluginConfig` and `RenderedFile`: the Ranger plugin configuration of a Trino
//! coordinator and the files rendered from it (`access-control.properties` and the Ranger XML
//! files), without a network.

use pyo3::prelude::*;
use pyo3::types::PyType;
use serde_json::Value;
use trino_platform::ranger;
use trino_platform::{Error, Result};

use crate::errors::to_pyerr;
use crate::json::from_py;
use crate::routing::quoted;
use crate::specs::{from_value, redact};

/// One rendered file (immutable; compare with `==`): `name`, the absolute `path` it is mounted
/// at on the coordinator, its `contents`, and `secret`: whether it holds a secret value (then
/// mount it from a Kubernetes Secret, not a ConfigMap). `repr` never shows the contents.
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct RenderedFile(pub(crate) ranger::RenderedFile);

#[pymethods]
impl RenderedFile {
    /// The file name (`ranger-trino-security.xml`).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }

    /// The absolute path on the coordinator (`/etc/trino/ranger-trino-security.xml`).
    #[getter]
    fn path(&self) -> &str {
        &self.0.path
    }

    /// The text of the file.
    #[getter]
    fn contents(&self) -> &str {
        &self.0.contents
    }

    /// Whether the file holds a secret value.
    #[getter]
    fn secret(&self) -> bool {
        self.0.secret
    }

    /// `RenderedFile(name='access-control.properties', path='/etc/trino/access-control.properties',
    /// secret=False)`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RenderedFile(name={}, path={}, secret={})",
            quoted(py, &self.0.name)?,
            quoted(py, &self.0.path)?,
            if self.0.secret { "True" } else { "False" }
        ))
    }
}

/// The Ranger plugin configuration of a Trino coordinator (immutable, validated): the Ranger
/// service, Ranger Admin URLs, policy download and cache, super users, audit destinations, TLS
/// and per-file overrides.
///
/// Build one with `RangerPluginConfig.from_dict(data)` (the camelCase form of the YAML files) or
/// `RangerPluginConfig.from_yaml(text)`; `render()` returns the files.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RangerPluginConfig {
    config: ranger::RangerPluginConfig,
    /// Rendered once, when built: rendering is what validates the config.
    files: ranger::RangerFiles,
}

impl RangerPluginConfig {
    fn new(config: ranger::RangerPluginConfig) -> Result<Self> {
        let files = config.render()?;
        Ok(Self { config, files })
    }
}

#[pymethods]
impl RangerPluginConfig {
    /// Builds and validates a config from its JSON form: a mapping with the camelCase keys of the
    /// YAML files (`{"serviceName": "dev_trino", "adminUrls": ["http://ranger-admin:6080"],
    /// "downloadAuth": {"username": "trino", "password": {"env": "RANGER_PASSWORD"}}}`).
    ///
    /// Raises `InvalidInputError` naming the field that is wrong (unknown keys included; never a
    /// password's value), and `TypeError` for values that are not JSON data.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value: Value = from_py(data, "config")?;
        let config = from_value(&value, "Ranger plugin config")?;
        Self::new(config).map_err(|e| to_pyerr(Error::new(e.kind(), redact(e.message(), &value))))
    }

    /// Parses and validates a YAML (or JSON) config, the format of the CLI's config file.
    ///
    /// Raises `InvalidInputError` naming the key or value that is wrong.
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, text: &str) -> PyResult<Self> {
        ranger::RangerPluginConfig::from_yaml(text).and_then(Self::new).map_err(to_pyerr)
    }

    /// The Ranger service holding Trino's policies (`ranger.service.name`).
    #[getter]
    fn service_name(&self) -> &str {
        self.config.service_name.as_str()
    }

    /// The Ranger Admin URLs, as given.
    #[getter]
    fn admin_urls(&self) -> Vec<String> {
        self.config.admin_urls.clone()
    }

    /// The files, `access-control.properties` first, then `ranger-trino-security.xml`,
    /// `ranger-trino-audit.xml` and (with `ssl`) `ranger-policymgr-ssl.xml`.
    fn render(&self) -> Vec<RenderedFile> {
        self.files.files.iter().cloned().map(RenderedFile).collect()
    }

    /// The environment variables the files refer to (`${env.NAME}`, from `{"env": NAME}`
    /// passwords), sorted: set them on the coordinator from a Kubernetes Secret.
    #[getter]
    fn env(&self) -> Vec<String> {
        self.files.env.clone()
    }

    /// `RangerPluginConfig(service_name='dev_trino', admin_urls=['http://ranger-admin:6080'])`;
    /// never a password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let urls = self.config.admin_urls.iter().map(|u| quoted(py, u)).collect::<PyResult<Vec<_>>>()?;
        Ok(format!(
            "RangerPluginConfig(service_name={}, admin_urls=[{}])",
            quoted(py, self.service_name())?,
            urls.join(", ")
        ))
    }
}
