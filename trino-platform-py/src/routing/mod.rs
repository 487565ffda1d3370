//! The routing engine of `trino-platform-core` (`trino_platform::routing`) as Python classes:
//! `RoutingRules` (typed rules and trino-gateway rule import), `Router` and `AsyncRouter` (group
//! choice, cluster selection, sticky routes), `RouteDecision`, `ClusterStatus` and `ClusterView`.

use pyo3::prelude::*;
use pyo3::types::PyString;

mod aio;
mod decision;
mod engine;
mod router;
mod rules;
mod status;

/// Adds the routing classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<rules::RoutingRules>()?;
    m.add_class::<router::Router>()?;
    m.add_class::<aio::AsyncRouter>()?;
    m.add_class::<decision::RouteDecision>()?;
    m.add_class::<status::ClusterStatus>()?;
    m.add_class::<status::ClusterView>()?;
    Ok(())
}

/// `text` as Python's `repr` writes it (`'etl'`), for the classes' `__repr__`.
pub(crate) fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_str()?.to_owned())
}
