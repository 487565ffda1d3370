//! `Cluster`: a registered Trino cluster as an immutable Python value.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use trino_platform::cluster::{self, ClusterSpec};

use crate::errors::to_pyerr;

/// A Trino cluster registered behind the gateway (immutable; compare with `==`).
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Cluster(cluster::Cluster);

impl From<cluster::Cluster> for Cluster {
    fn from(cluster: cluster::Cluster) -> Self {
        Self(cluster)
    }
}

impl Cluster {
    /// The core value (for handing clusters to the router).
    pub(crate) fn core(&self) -> &cluster::Cluster {
        &self.0
    }

    /// Validates the arguments of `Cluster(...)` and `ClusterStore.register(...)` through the
    /// core's `ClusterSpec`, which also supplies the defaults (`external_url` = `proxy_to`,
    /// `routing_group` = `adhoc`). Raises `InvalidInputError` naming the first bad field.
    pub(crate) fn build(
        name: &str,
        proxy_to: &str,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: bool,
    ) -> PyResult<cluster::Cluster> {
        cluster::Cluster::try_from(ClusterSpec {
            name: name.to_owned(),
            proxy_to: proxy_to.to_owned(),
            external_url: external_url.map(str::to_owned),
            routing_group: routing_group.map(str::to_owned),
            active: Some(active),
        })
        .map_err(to_pyerr)
    }
}

#[pymethods]
impl Cluster {
    /// A cluster value, validated as a registration is (for routers fed without a store).
    /// `external_url` defaults to `proxy_to`, `routing_group` to `"adhoc"`.
    ///
    /// Raises `InvalidInputError` for an invalid name, URL or group.
    #[new]
    #[pyo3(signature = (name, proxy_to, *, external_url=None, routing_group=None, active=true))]
    fn new(
        name: &str,
        proxy_to: &str,
        external_url: Option<&str>,
        routing_group: Option<&str>,
        active: bool,
    ) -> PyResult<Self> {
        Self::build(name, proxy_to, external_url, routing_group, active).map(Self)
    }

    /// Unique name.
    #[getter]
    fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// Where the gateway sends requests and health probes.
    #[getter]
    fn proxy_to(&self) -> &str {
        self.0.proxy_to.as_str()
    }

    /// The URL people and links use.
    #[getter]
    fn external_url(&self) -> &str {
        self.0.external_url.as_str()
    }

    /// The routing group it serves.
    #[getter]
    fn routing_group(&self) -> &str {
        self.0.routing_group.as_str()
    }

    /// Whether it takes new queries.
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }

    /// The JSON form (trino-gateway's backend JSON): a dict with keys `name`, `proxyTo`,
    /// `externalUrl`, `routingGroup` and `active`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", self.name())?;
        dict.set_item("proxyTo", self.proxy_to())?;
        dict.set_item("externalUrl", self.external_url())?;
        dict.set_item("routingGroup", self.routing_group())?;
        dict.set_item("active", self.active())?;
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| -> PyResult<String> { Ok(PyString::new(py, s).repr()?.to_str()?.to_owned()) };
        let external = if self.0.external_url == self.0.proxy_to {
            String::new()
        } else {
            format!(", external_url={}", text(self.external_url())?)
        };
        Ok(format!(
            "Cluster(name={}, proxy_to={}{external}, routing_group={}, active={})",
            text(self.name())?,
            text(self.proxy_to())?,
            text(self.routing_group())?,
            if self.0.active { "True" } else { "False" },
        ))
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        let c = &self.0;
        (c.name.as_str(), c.proxy_to.as_str(), c.external_url.as_str(), c.routing_group.as_str(), c.active)
            .hash(&mut hasher);
        hasher.finish()
    }
}
