//! `AsyncGateway`: the embedded gateway for asyncio; starting and stopping are awaitable.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use super::{Server, Source};
use crate::opening::{Opening, Ready};
use crate::runtime::awaitable;

/// `Gateway` for asyncio: `async with AsyncGateway.start(config=...) as gw:` starts a gateway and
/// stops it on exit (or `gw = await AsyncGateway.start(...)`, then `await gw.stop()`). The event
/// loop keeps running while the gateway starts, serves and drains.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncGateway(Server);

#[pymethods]
impl AsyncGateway {
    /// Starts a gateway from YAML text (`config`) or a file (`config_path`), exactly one: await
    /// it, or use it as `async with`. See `Gateway.start`.
    ///
    /// Raises `InvalidInputError` at once for neither or both arguments; when awaited, what
    /// `Gateway.start` raises.
    #[classmethod]
    #[pyo3(signature = (*, config=None, config_path=None))]
    fn start(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        config: Option<String>,
        config_path: Option<PathBuf>,
    ) -> PyResult<Opening> {
        let source = Source::of("AsyncGateway", config, config_path)?;
        let future = awaitable(py, async move { Server::start(source).await.map(Self) })?;
        Ok(Opening::new(future, "AsyncGateway"))
    }

    /// The bound plain-HTTP address, or `None` without an HTTP listener.
    #[getter]
    fn http_address(&self) -> Option<String> {
        self.0.http_address()
    }

    /// The bound HTTPS address, or `None` without an HTTPS listener.
    #[getter]
    fn https_address(&self) -> Option<String> {
        self.0.https_address()
    }

    /// The URL to reach the gateway from this host (see `Gateway.url`).
    #[getter]
    fn url(&self) -> Option<String> {
        self.0.url()
    }

    /// An awaitable that stops the gateway gracefully (see `Gateway.stop`).
    fn stop<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.stop())
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Stops the gateway; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__<'py>(&self, py: Python<'py>, _exc_info: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        self.stop(py)
    }

    /// `AsyncGateway(url='http://127.0.0.1:8080')`, or `AsyncGateway(url=…, stopped)`.
    fn __repr__(&self) -> String {
        self.0.repr("AsyncGateway")
    }
}
