//! `AsyncRangerAdmin`: the Ranger Admin client for asyncio; every request is awaitable, on the
//! runtime that `RangerAdmin` uses.

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use trino_platform::Error;

use super::admin::{Client, ensure, setup_spec};
use crate::opening::{Opening, Ready};
use crate::runtime::{Json, awaitable};

const CLASS: &str = "AsyncRangerAdmin";

/// `RangerAdmin` for asyncio: the same client and methods, each returning an awaitable.
///
/// `async with AsyncRangerAdmin.connect(url, username=..., password=...) as admin:` (or `admin =
/// await AsyncRangerAdmin.connect(...)`, then `await admin.close()`). Connecting makes no
/// request.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncRangerAdmin(Client);

#[pymethods]
impl AsyncRangerAdmin {
    /// A client for Ranger Admin at `url` (see `RangerAdmin.connect`): await it, or use it as
    /// `async with`.
    ///
    /// Raises `InvalidInputError` at once for a bad URL, user name, timeout or CA PEM.
    #[classmethod]
    #[pyo3(signature = (url, *, username, password, timeout=None, ca_certificates_pem=None))]
    fn connect(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        url: &str,
        username: String,
        password: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        ca_certificates_pem: Option<String>,
    ) -> PyResult<Opening> {
        let client = Client::connect(CLASS, url, username, password, timeout, ca_certificates_pem)?;
        let future = awaitable(py, async move { Ok::<_, Error>(Self(client)) })?;
        Ok(Opening::new(future, CLASS))
    }

    /// Ranger Admin's base URL.
    #[getter]
    fn url(&self) -> &str {
        self.0.url()
    }

    /// Converges a whole setup (see `RangerAdmin.ensure`).
    fn ensure<'py>(&self, py: Python<'py>, spec: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (spec, value) = setup_spec(spec)?;
        let admin = self.0.admin()?;
        awaitable(py, async move { ensure(admin, spec, value).await.map(Json) })
    }

    /// Downloads the service's policies the way the plugin does (see
    /// `RangerAdmin.download_policies`).
    #[pyo3(signature = (service, *, last_known_version=None))]
    fn download_policies<'py>(
        &self,
        py: Python<'py>,
        service: String,
        last_known_version: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let admin = self.0.admin()?;
        awaitable(py, async move { admin.download_policies(&service, last_known_version).await.map(Json) })
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> Ready {
        self.0.close();
        Ready::new(py.None())
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    /// Closes the client; an exception raised in the `async with` block propagates.
    #[pyo3(signature = (*_exc_info))]
    fn __aexit__(&self, py: Python<'_>, _exc_info: Bound<'_, PyTuple>) -> Ready {
        self.close(py)
    }

    /// `AsyncRangerAdmin(url='http://ranger-admin:6080/', username='admin')`; never the password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, CLASS)
    }
}
