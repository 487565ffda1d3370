//! `ClusterStatus` (health and load of a cluster) and `ClusterView` (a cluster as the router
//! sees it).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use trino_platform::routing;

use super::quoted;
use crate::cluster::Cluster;

fn py_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}

/// Health and load of a cluster, as a health monitor reports them (immutable; compare with `==`).
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct ClusterStatus(routing::ClusterStatus);

#[pymethods]
impl ClusterStatus {
    /// A status; the defaults are the core's: healthy and idle.
    #[new]
    #[pyo3(signature = (*, healthy=true, queued=0, running=0))]
    fn new(healthy: bool, queued: u64, running: u64) -> Self {
        Self(routing::ClusterStatus { healthy, queued, running })
    }

    /// Whether the cluster answers and is not starting.
    #[getter]
    fn healthy(&self) -> bool {
        self.0.healthy
    }

    /// Queries waiting in the cluster's queue.
    #[getter]
    fn queued(&self) -> u64 {
        self.0.queued
    }

    /// Queries running on the cluster.
    #[getter]
    fn running(&self) -> u64 {
        self.0.running
    }

    fn __repr__(&self) -> String {
        let s = &self.0;
        format!("ClusterStatus(healthy={}, queued={}, running={})", py_bool(s.healthy), s.queued, s.running)
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        (self.0.healthy, self.0.queued, self.0.running).hash(&mut hasher);
        hasher.finish()
    }
}

/// A registered cluster with its live status, as the router sees it (a snapshot).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ClusterView(routing::ClusterView);

impl From<routing::ClusterView> for ClusterView {
    fn from(view: routing::ClusterView) -> Self {
        Self(view)
    }
}

#[pymethods]
impl ClusterView {
    /// The registration.
    #[getter]
    fn cluster(&self) -> Cluster {
        Cluster::from(self.0.cluster.clone())
    }

    /// Health and load from the last `Router.set_status`.
    #[getter]
    fn status(&self) -> ClusterStatus {
        ClusterStatus(self.0.status)
    }

    /// Whether the cluster answers and is not starting.
    #[getter]
    fn healthy(&self) -> bool {
        self.0.status.healthy
    }

    /// Queries waiting in the cluster's queue.
    #[getter]
    fn queued(&self) -> u64 {
        self.0.status.queued
    }

    /// Queries running on the cluster.
    #[getter]
    fn running(&self) -> u64 {
        self.0.status.running
    }

    /// Requests in flight through this router.
    #[getter]
    fn in_flight(&self) -> u64 {
        self.0.in_flight
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (c, s) = (&self.0.cluster, &self.0.status);
        Ok(format!(
            "ClusterView(cluster={}, routing_group={}, active={}, healthy={}, queued={}, running={}, in_flight={})",
            quoted(py, c.name.as_str())?,
            quoted(py, c.routing_group.as_str())?,
            py_bool(c.active),
            py_bool(s.healthy),
            s.queued,
            s.running,
            self.0.in_flight,
        ))
    }
}
