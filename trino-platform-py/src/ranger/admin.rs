//! `RangerAdmin`: the core's client of Ranger Admin's public v2 REST API and of the plugin's
//! policy download, synchronous, with the GIL released while it waits for Ranger.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyType;
use secrecy::SecretString;
use serde_json::Value;
use trino_platform::ranger::{self, RangerAdminConfig, RangerSetupSpec};
use trino_platform::{Error, ErrorKind};

use crate::errors::to_pyerr;
use crate::json::{from_py, to_py};
use crate::release::drop_in_runtime;
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
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RangerAdmin {
    /// `None` once closed.
    admin: Mutex<Option<ranger::RangerAdmin>>,
    url: String,
    username: String,
}

impl RangerAdmin {
    /// The core client, or `ConflictError` once closed.
    fn admin(&self) -> PyResult<ranger::RangerAdmin> {
        self.admin.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(|| {
            to_pyerr(Error::new(
                ErrorKind::Conflict,
                format!("the RangerAdmin of {} is closed; connect again with RangerAdmin.connect", self.url),
            ))
        })
    }
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
        let defaults = RangerAdminConfig::new("", "", SecretString::from(""));
        let config = RangerAdminConfig {
            url: url.to_owned(),
            username,
            password: secret_arg(password, "password")?,
            timeout: seconds("timeout", timeout, defaults.timeout)?,
            ca_certificates_pem,
        };
        // The HTTP client is built inside the runtime its connections will live on.
        let _guard = runtime().map_err(to_pyerr)?.enter();
        let admin = ranger::RangerAdmin::connect(&config).map_err(to_pyerr)?;
        Ok(Self { url: admin.url().to_owned(), username: config.username, admin: Mutex::new(Some(admin)) })
    }

    /// Ranger Admin's base URL.
    #[getter]
    fn url(&self) -> &str {
        &self.url
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
        let value: Value = from_py(spec, "spec")?;
        let spec: RangerSetupSpec = from_value(&value, "Ranger setup spec")?;
        let admin = self.admin()?;
        let report = block_on(py, async {
            admin.ensure(&spec).await.map_err(|e| Error::new(e.kind(), redact(e.message(), &value)))
        })?;
        let changed = report.changed();
        let out = to_py(py, &report)?;
        out.set_item("changed", changed)?;
        Ok(out)
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
        let admin = self.admin()?;
        let policies = block_on(py, admin.download_policies(service, last_known_version))?;
        to_py(py, &policies)
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless.
    fn close(&self) {
        drop_in_runtime(self.admin.lock().unwrap_or_else(PoisonError::into_inner).take());
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
        Ok(format!("RangerAdmin(url={}, username={})", quoted(py, &self.url)?, quoted(py, &self.username)?))
    }
}

impl Drop for RangerAdmin {
    fn drop(&mut self) {
        drop_in_runtime(self.admin.get_mut().unwrap_or_else(PoisonError::into_inner).take());
    }
}
