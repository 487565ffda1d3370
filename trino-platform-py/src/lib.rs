//! The Python extension module `trino_platform._native`, re-exported by the `trino_platform`
//! package: the cluster registry, the routing engine, the embedded gateway server, the S3
//! exchange buckets, Ranger, Keycloak, the Kubernetes manifests and the tenant bundles of
//! `trino-platform-core`, as a synchronous Python API and an asyncio one (the `Async*` classes).
//!
//! The binding is thin: it converts arguments to the core's validated types, runs the core's
//! async calls on one process-wide tokio runtime (blocking with the GIL released, or as asyncio
//! awaitables), and maps every
//! [`trino_platform::Error`] to the exception class of its kind. Nothing here decides anything
//! the core does not.

use pyo3::prelude::*;

mod bundle;
mod cluster;
mod errors;
mod exchange;
mod gateway;
mod json;
mod keycloak;
mod kube;
mod opening;
mod progress;
mod ranger;
mod registry;
mod release;
mod routing;
mod runtime;
mod secret;
mod specs;

/// `trino_platform._native`: the classes and exceptions that `trino_platform` re-exports.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<cluster::Cluster>()?;
    registry::register(m)?;
    gateway::register(m)?;
    routing::register(m)?;
    exchange::register(m)?;
    ranger::register(m)?;
    keycloak::register(m)?;
    kube::register(m)?;
    bundle::register(m)?;
    m.add_class::<secret::Secret>()?;
    m.add_class::<opening::Opening>()?;
    m.add_class::<opening::Ready>()?;
    errors::register(m)?;
    // Before the interpreter finalizes, no runtime thread may be inside Python (see `at_exit`).
    m.py().import("atexit")?.call_method1("register", (wrap_pyfunction!(runtime::at_exit, m)?,))?;
    Ok(())
}
