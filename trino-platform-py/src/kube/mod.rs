//! The Kubernetes module of `trino-platform-core` (`trino_platform::kube`), without a cluster:
//! `Manifest` (one object as the core builds it, Secrets without their values),
//! `TrinoClusterSpec` and `GatewayDeploymentSpec` (the specs users write, their manifests and
//! files), and `sorted_manifests` (apply order). Applying them is the bundles' (`bundle/`).

use pyo3::prelude::*;

mod gateway;
mod manifest;
mod trino;

pub(crate) use gateway::GatewayDeploymentSpec;
pub(crate) use manifest::{Manifest, manifest_list, render, write};
pub(crate) use trino::TrinoClusterSpec;

/// Adds the Kubernetes classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<manifest::Manifest>()?;
    m.add_class::<trino::TrinoClusterSpec>()?;
    m.add_class::<gateway::GatewayDeploymentSpec>()?;
    m.add_function(wrap_pyfunction!(manifest::sorted_manifests, m)?)?;
    Ok(())
}
