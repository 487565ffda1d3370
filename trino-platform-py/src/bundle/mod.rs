//! The bundle module of `trino-platform-core` (`trino_platform::bundle`): a tenant file
//! (`TenantSpec`) and its platform and cluster bundles (`PlatformBundle`, `ClusterBundle`),
//! rendered without a network or planned, applied and deleted against `Targets` (blocking) or
//! `AsyncTargets` (asyncio), with progress as `BundleEvent`s and results as `BundleReport`s.

use pyo3::prelude::*;

mod report;
mod run;
mod targets;
mod tenant;

/// Adds the bundle classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tenant::TenantSpec>()?;
    m.add_class::<tenant::PlatformBundle>()?;
    m.add_class::<tenant::ClusterBundle>()?;
    m.add_class::<targets::Targets>()?;
    m.add_class::<targets::AsyncTargets>()?;
    m.add_class::<report::BundleReport>()?;
    m.add_class::<report::Step>()?;
    m.add_class::<report::BundleEvent>()?;
    Ok(())
}
