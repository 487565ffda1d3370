//! `RangerAdmin`: the core's client of Ranger Admin's public v2 REST API and of the plugin's
//! policy download, synchronous, with the GIL released while it waits for Ranger; and what
//! `AsyncRangerAdmin` shares with it.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyType;
use secrecy::SecretString;
use serde_json::Value;
use trino_platform::ranger::{self, RangerAdminConfig, RangerSetupSpec};
use trino_platform::{Error, ErrorKind, Result};

use crate::errors::to_pyerr;
use crate::json::{from_py, to_py};
use crate::release::Handle;
use crate::routing::quoted;
use crate::runtime::{block_on, runtime};
use crate::secret::secret_arg;
use crate::specs::{from_value, redact, seconds};

/// A client of one Ranger Admin, as one user (HTTP Basic).
///
/// Connect with `RangerAdmin.connect(url, username=..., password=...)`, ideally as `with
/// RangerAdmin.connect(...) as admin:`, which closes the client on exit. Connecting makes no
/// request: a Ranger Admin that cannot be reached shows at the first call (`UnavailableError`).
/// Every method blocks until Ranger answers, with the GIL released. Thread-safe.
/// `AsyncRangerAdmin` is the same for asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RangerAdmin(pub(super) Client);

/// A client of one Ranger Admin as `RangerAdmin` and `AsyncRangerAdmin` hold it.
pub(crate) struct Client {
    admin: Handle<ranger::RangerAdmin>,
    url: String,
    username: String,
}

impl Client {
    /// Builds the client of `connect`'s arguments (inside the runtime its connections will
    /// live on; no request). `class` names the Python class, for the message of a closed one.
    pub(super) fn connect(
        class: &str,
        url: &str,
        username: String,
        password: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        ca_certificates_pem: Option<String>,
    ) -> PyResult<Self> {
        let defaults = RangerAdminConfig::new("", "", SecretString::from(""));
        let config = RangerAdminConfig {
            url: url.to_owned(),
            username,
            password: secret_arg(password, "password")?,
            timeout: seconds("timeout", timeout, defaults.timeout)?,
            ca_certificates_pem,
        };
        let _guard = runtime().map_err(to_pyerr)?.enter();
        let admin = ranger::RangerAdmin::connect(&config).map_err(to_pyerr)?;
        let url = admin.url().to_owned();
        let closed = format!("the {class} of {url} is closed; connect again with {class}.connect");
        Ok(Self { admin: Handle::new(Arc::new(admin), closed), url, username: config.username })
    }

    /// The core client, or `ConflictError` once closed.
    pub(super) fn admin(&self) -> PyResult<Arc<ranger::RangerAdmin>> {
        self.admin.get()
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    pub(super) fn close(&self) {
        self.admin.close();
    }

    /// `RangerAdmin(url='http://ranger-admin:6080/', username='admin')` (`class` names the
    /// Python class); never the password.
    pub(super) fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        Ok(format!("{class}(url={}, username={})", quoted(py, &self.url)?, quoted(py, &self.username)?))
    }
}

/// The setup spec of `ensure` and its JSON form (for cutting its secrets from messages).
pub(super) fn setup_spec(spec: &Bound<'_, PyAny>) -> PyResult<(RangerSetupSpec, Value)> {
    let value: Value = from_py(spec, "spec")?;
    Ok((from_value(&value, "Ranger setup spec")?, value))
}

/// Converges `spec` and returns the report's JSON form with `changed` added; messages never
/// show the spec's secrets.
pub(super) async fn ensure(admin: Arc<ranger::RangerAdmin>, spec: RangerSetupSpec, value: Value) -> Result<Value> {
    let report = admin.ensure(&spec).await.map_err(|e| Error::new(e.kind(), redact(e.message(), &value)))?;
    let mut out = serde_json::to_value(&report)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot convert a result for Python: {e}")))?;
    if let Value::Object(map) = &mut out {
        map.insert("changed".to_owned(), Value::Bool(report.changed()));
    }
    Ok(out)
}

#[pymethods]
impl RangerAdmin {
    /// A client for Ranger Admin at `url` (`http://ranger-admin:6080`) as `username` (a Ranger
    /// admin, to create services) with `password` (`str` or `Secret`). `timeout` is the limit of
    /// each request in seconds (default 30); `ca_certificates_pem` adds PEM CA certificates to
    /// trust besides the public web roots. Makes no request.
    ///
    /// Raises `InvalidInputError` for a bad URL (not http(s), with credentials, a query), an
    /// empty user name, a bad timeout or CA PEM.
    #[classmethod]
    #[pyo3(signature = (url, *, username, password, timeout=None, ca_certificates_pem=None))]
    fn connect(
        _cls: &Bound<'_, PyType>,
        url: &str,
        username: String,
        password: &Bound<'_, PyAny>,
        timeout: Option<f64>,
        ca_certificates_pem: Option<String>,
    ) -> PyResult<Self> {
        Client::connect("RangerAdmin", url, username, password, timeout, ca_certificates_pem).map(Self)
    }

    /// Ranger Admin's base URL.
    #[getter]
    fn url(&self) -> &str {
        self.0.url()
    }

    /// Converges a whole setup: the Trino service, the baseline policies Trino needs under
    /// Ranger's default deny (unless `baseline` is false) and the named policies. `spec` is the
    /// JSON form of the CLI's setup file: `{"service": {"name", "jdbcUrl", "username"?,
    /// "password"?, "downloadUsers"?, "superUsers"?, ...}, "baseline"?: bool, "policies"?:
    /// [{"name", "resources", "allow"?, "deny"?, "masks"?, "rowFilters"?, ...}]}`. The spec is
    /// validated first, so nothing is written when any part is invalid; reading first, it writes
    /// only what differs.
    ///
    /// Returns `{service, serviceChange, policies: [{name, id?, change}], changed}` (`change`:
    /// `created`, `updated` or `unchanged`). Raises `InvalidInputError` for a bad spec (naming
    /// the field; never the password), `UnauthorizedError`, `ForbiddenError`, `ConflictError`
    /// (a service of another type has the name), `UnavailableError`, `OperationTimeoutError`.
    fn ensure<'py>(&self, py: Python<'py>, spec: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (spec, value) = setup_spec(spec)?;
        let admin = self.0.admin()?;
        to_py(py, &block_on(py, ensure(admin, spec, value))?)
    }

    /// Downloads the service's policies the way the plugin does (the authenticated download
    /// endpoint): the `ServicePolicies` JSON as a dict (`serviceName`, `policyVersion`,
    /// `policies`, `serviceConfig`, ...), which `PolicyEngine.from_policies` loads. Returns
    /// `None` when nothing is newer than `last_known_version`.
    ///
    /// Raises `NotFoundError` for an unknown service, `ForbiddenError` when the user is neither
    /// an admin nor in the service's `policy.download.auth.users`, `UnauthorizedError`,
    /// `UnavailableError`, `OperationTimeoutError`.
    #[pyo3(signature = (service, *, last_known_version=None))]
    fn download_policies<'py>(
        &self,
        py: Python<'py>,
        service: &str,
        last_known_version: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let admin = self.0.admin()?;
        let policies = block_on(py, admin.download_policies(service, last_known_version))?;
        to_py(py, &policies)
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless.
    fn close(&self) {
        self.0.close();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the client; an exception raised in the `with` block propagates.
    fn __exit__(
        &self,
        exc_type: Option<Bound<'_, PyAny>>,
        exc_value: Option<Bound<'_, PyAny>>,
        traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        let _ = (exc_type, exc_value, traceback);
        self.close();
        false
    }

    /// `RangerAdmin(url='http://ranger-admin:6080/', username='admin')`; never the password.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, "RangerAdmin")
    }
}
