//! `AsyncKeycloakAdmin`: the Keycloak Admin client for asyncio; logging in and every request
//! are awaitable, on the runtime that `KeycloakAdmin` uses.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use super::admin::{Client, connection_of};
use crate::opening::{Opening, Ready};
use crate::runtime::awaitable;

const CLASS: &str = "AsyncKeycloakAdmin";

/// `KeycloakAdmin` for asyncio: the same client and methods, each returning an awaitable.
///
/// `async with AsyncKeycloakAdmin.connect(url, username=..., password=...) as admin:` logs in
/// and closes the client on exit (or `admin = await AsyncKeycloakAdmin.connect(...)`, then
/// `await admin.close()`). No secret appears in `repr` or in an error message.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct AsyncKeycloakAdmin(Client);

#[pymethods]
impl AsyncKeycloakAdmin {
    /// Logs in to Keycloak at `url` (see `KeycloakAdmin.connect`): await it, or use it as `async
    /// with`.
    ///
    /// Raises `InvalidInputError` at once for bad arguments; when awaited, what
    /// `KeycloakAdmin.connect` raises.
    #[classmethod]
    #[pyo3(signature = (
        url,
        *,
        username=None,
        password=None,
        client_id=None,
        client_secret=None,
        auth_realm="master",
        timeout=None,
        ca_file=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        url: String,
        username: Option<String>,
        password: Option<&Bound<'_, PyAny>>,
        client_id: Option<String>,
        client_secret: Option<&Bound<'_, PyAny>>,
        auth_realm: &str,
        timeout: Option<f64>,
        ca_file: Option<PathBuf>,
    ) -> PyResult<Opening> {
        let connection =
            connection_of(CLASS, url, username, password, client_id, client_secret, auth_realm, timeout, ca_file)?;
        let future = awaitable(py, async move { Client::connect(CLASS, connection).await.map(Self) })?;
        Ok(Opening::new(future, CLASS))
    }

    /// Keycloak's base URL.
    #[getter]
    fn url(&self) -> &str {
        self.0.url()
    }

    /// Creates or aligns the realm `name`; resolves to whether anything changed. See
    /// `KeycloakAdmin.ensure_realm`.
    #[pyo3(signature = (name, *, display_name=None, enabled=true))]
    fn ensure_realm<'py>(
        &self,
        py: Python<'py>,
        name: String,
        display_name: Option<String>,
        enabled: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.ensure_realm(name, display_name, enabled)?)
    }

    /// Deletes the realm `name`; resolves to whether it existed.
    fn delete_realm<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.delete_realm(name)?)
    }

    /// Makes the OAuth client match `spec`; resolves to an `EnsuredClient`. See
    /// `KeycloakAdmin.ensure_client`.
    fn ensure_client<'py>(&self, py: Python<'py>, spec: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.ensure_client(spec)?)
    }

    /// The current secret of the client `client_id` of `realm` (a `Secret`).
    fn client_secret<'py>(&self, py: Python<'py>, realm: String, client_id: String) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.client_secret(realm, client_id)?)
    }

    /// Makes Keycloak generate a new secret for the client; resolves to a `RotatedSecret`.
    fn rotate_secret<'py>(&self, py: Python<'py>, realm: String, client_id: String) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.rotate_secret(realm, client_id)?)
    }

    /// Deletes the client; resolves to whether it existed.
    fn delete_client<'py>(&self, py: Python<'py>, realm: String, client_id: String) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.delete_client(realm, client_id)?)
    }

    /// Creates the top-level group `name` of `realm` when missing; resolves to `{id, name,
    /// created}`.
    fn ensure_group<'py>(&self, py: Python<'py>, realm: String, name: String) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.ensure_group(realm, name)?)
    }

    /// Creates or aligns the user of `spec` in `realm`; resolves to `{id, username, created,
    /// changes}`. See `KeycloakAdmin.ensure_user`.
    fn ensure_user<'py>(
        &self,
        py: Python<'py>,
        realm: String,
        spec: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, self.0.ensure_user(realm, spec)?)
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
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

    /// `AsyncKeycloakAdmin(url='https://keycloak.example.com/', auth_realm='master',
    /// client_id='admin-cli')`; never a password or secret.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, CLASS)
    }
}
