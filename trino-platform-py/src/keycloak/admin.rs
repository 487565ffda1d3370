//! `KeycloakAdmin`: the core's client of Keycloak's Admin REST API, synchronous, with the GIL
//! released while it waits for Keycloak.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyType;
use serde_json::Value;
use trino_platform::keycloak::{self, AdminCredentials, KeycloakConnection, OAuthClientSpec, RealmSpec, UserSpec};
use trino_platform::{Error, ErrorKind};

use super::results::{EnsuredClient, RotatedSecret};
use crate::errors::to_pyerr;
use crate::json::{from_py, to_py};
use crate::release::drop_in_runtime;
use crate::routing::quoted;
use crate::runtime::block_on;
use crate::secret::{Secret, secret_arg};
use crate::specs::{from_value, redact, seconds};

/// A logged-in client of Keycloak's Admin REST API (Keycloak 24 to 26). Its token is refreshed
/// before it expires, so one value serves a long-running program.
///
/// Connect with `KeycloakAdmin.connect(url, username=..., password=...)` (or `client_id=...,
/// client_secret=...`), ideally as `with KeycloakAdmin.connect(...) as admin:`, which closes
/// the client on exit. Every method blocks until Keycloak answers, with the GIL released.
/// Thread-safe. No secret appears in `repr` or in an error message.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct KeycloakAdmin {
    /// `None` once closed.
    admin: Mutex<Option<Arc<keycloak::KeycloakAdmin>>>,
    url: String,
    auth_realm: String,
    client_id: String,
}

/// Maps a core error to its exception, with the secrets of `spec` (if any) cut from the message.
fn scrubbed(spec: &Value) -> impl Fn(Error) -> Error + '_ {
    move |e| Error::new(e.kind(), redact(e.message(), spec))
}

impl KeycloakAdmin {
    /// The core client, or `ConflictError` once closed.
    fn admin(&self) -> PyResult<Arc<keycloak::KeycloakAdmin>> {
        self.admin.lock().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(|| {
            to_pyerr(Error::new(
                ErrorKind::Conflict,
                format!("the KeycloakAdmin of {} is closed; connect again with KeycloakAdmin.connect", self.url),
            ))
        })
    }
}

#[pymethods]
impl KeycloakAdmin {
    /// Logs in to Keycloak at `url` (`https://keycloak.example.com`; add `/auth` for a Keycloak
    /// started with that relative path) in `auth_realm`: with `username` and `password` (password
    /// grant through the public client `client_id`, default `admin-cli`), or with `client_id` and
    /// `client_secret` (client-credentials grant of a service account with admin roles).
    /// Secrets may be `str` or `Secret`. `timeout` limits each request (seconds, default 30);
    /// `ca_file` is a PEM file of extra CA certificates to trust.
    ///
    /// Raises `InvalidInputError` (bad URL, timeout or CA file; neither or both kinds of
    /// credentials), `UnauthorizedError` (credentials rejected), `NotFoundError` (unknown
    /// `auth_realm`), `UnavailableError` / `OperationTimeoutError` (Keycloak cannot be reached).
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
    ) -> PyResult<Self> {
        let credentials = match (username, password, client_secret) {
            (Some(username), Some(password), None) => {
                let mut credentials = AdminCredentials::password(username, "");
                if let AdminCredentials::Password { password: slot, client_id: via, .. } = &mut credentials {
                    *slot = secret_arg(password, "password")?;
                    if let Some(client_id) = client_id {
                        *via = client_id;
                    }
                }
                credentials
            }
            (None, None, Some(secret)) if client_id.is_some() => AdminCredentials::ClientCredentials {
                client_id: client_id.unwrap_or_default(),
                client_secret: secret_arg(secret, "client_secret")?,
            },
            _ => {
                return Err(to_pyerr(Error::invalid_input(
                    "KeycloakAdmin.connect: pass username= and password= (password grant, through client_id= or \
                     admin-cli), or client_id= and client_secret= (client-credentials grant)",
                )));
            }
        };
        let mut connection = KeycloakConnection::new(url, credentials);
        connection.auth_realm = auth_realm.to_owned();
        connection.timeout = seconds("timeout", timeout, connection.timeout)?;
        connection.ca_file = ca_file;
        let admin = block_on(py, keycloak::KeycloakAdmin::connect(connection.clone()))?;
        Ok(Self {
            url: admin.url().to_owned(),
            auth_realm: connection.auth_realm,
            client_id: match &connection.credentials {
                AdminCredentials::Password { client_id, .. }
                | AdminCredentials::ClientCredentials { client_id, .. } => client_id.clone(),
            },
            admin: Mutex::new(Some(Arc::new(admin))),
        })
    }

    /// Keycloak's base URL.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// Creates the realm `name` when missing, else aligns `enabled` and `display_name` (left
    /// alone when `None`); returns whether anything changed.
    ///
    /// Raises `InvalidInputError` for a bad name, `ForbiddenError` without the rights, and the
    /// transport errors (`UnavailableError`, `OperationTimeoutError`).
    #[pyo3(signature = (name, *, display_name=None, enabled=true))]
    fn ensure_realm(
        &self,
        py: Python<'_>,
        name: String,
        display_name: Option<String>,
        enabled: bool,
    ) -> PyResult<bool> {
        let admin = self.admin()?;
        let spec = RealmSpec { realm: name, display_name, enabled };
        block_on(py, async move { admin.ensure_realm(&spec).await })
    }

    /// Deletes the realm `name` (with everything in it); returns whether it existed.
    fn delete_realm(&self, py: Python<'_>, name: String) -> PyResult<bool> {
        let admin = self.admin()?;
        block_on(py, async move { admin.delete_realm(&name).await })
    }

    /// Makes the OAuth client match `spec`, the JSON form of the CLI's client spec: `{"realm",
    /// "clientId", "externalUrl", "name"?, "extraRedirectUris"?, "webOrigins"?, "pkce"?,
    /// "serviceAccounts"?, "directAccessGrants"?, "audiences"?, "groupsClaim"?, "ensureRealm"?,
    /// "secret"?}`: a confidential client with the standard flow, redirect
    /// `{externalUrl}/oauth2/callback`, PKCE S256, and audience, groups and username mappers.
    /// Creates it when missing, else changes only what differs; a second run changes nothing.
    ///
    /// Raises `InvalidInputError` for a bad spec (naming the field; never the secret) or one
    /// Keycloak refuses, `NotFoundError` when the realm is missing and `ensureRealm` is off,
    /// `ForbiddenError`, `UnauthorizedError`, `UnavailableError`, `OperationTimeoutError`.
    fn ensure_client(&self, py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<EnsuredClient> {
        let value = from_py(spec, "spec")?;
        let spec: OAuthClientSpec = from_value(&value, "OAuth client spec")?;
        let admin = self.admin()?;
        let ensured = block_on(py, async { admin.ensure_client(&spec).await.map_err(scrubbed(&value)) })?;
        EnsuredClient::new(py, ensured)
    }

    /// The current secret of the client `client_id` of `realm`. Raises `NotFoundError` when
    /// there is no such client.
    fn client_secret(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<Secret> {
        let admin = self.admin()?;
        block_on(py, async move { admin.client_secret(&realm, &client_id).await }).map(Secret::new)
    }

    /// Makes Keycloak generate a new secret for the client; the old one stops working at once.
    /// Raises `NotFoundError` when there is no such client.
    fn rotate_secret(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<RotatedSecret> {
        let admin = self.admin()?;
        let rotated = block_on(py, async move { admin.rotate_secret(&realm, &client_id).await })?;
        RotatedSecret::new(py, rotated)
    }

    /// Deletes the client; returns whether it existed.
    fn delete_client(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<bool> {
        let admin = self.admin()?;
        block_on(py, async move { admin.delete_client(&realm, &client_id).await })
    }

    /// Creates the top-level group `name` of `realm` when missing. Returns `{id, name, created}`.
    /// Raises `InvalidInputError` for a bad name, and the usual errors.
    fn ensure_group<'py>(&self, py: Python<'py>, realm: String, name: String) -> PyResult<Bound<'py, PyAny>> {
        let admin = self.admin()?;
        let group = block_on(py, async move { admin.ensure_group(&realm, &name).await })?;
        to_py(py, &group)
    }

    /// Creates the user of `spec` in `realm` when missing (with its initial password), else
    /// aligns `enabled`, e-mail and names; adds the missing group memberships (creating the
    /// groups). `spec`: `{"username", "email"?, "firstName"?, "lastName"?, "password"?,
    /// "groups"?, "enabled"?}`. Returns `{id, username, created, changes}`.
    ///
    /// Raises `InvalidInputError` for a bad spec (never showing the password) or one Keycloak
    /// refuses, and the usual errors.
    fn ensure_user<'py>(
        &self,
        py: Python<'py>,
        realm: String,
        spec: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = from_py(spec, "spec")?;
        let spec: UserSpec = from_value(&value, "user spec")?;
        let admin = self.admin()?;
        let user = block_on(py, async { admin.ensure_user(&realm, &spec).await.map_err(scrubbed(&value)) })?;
        to_py(py, &user)
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
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

    /// `KeycloakAdmin(url='https://keycloak.example.com/', auth_realm='master',
    /// client_id='admin-cli')`; never a password or secret.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "KeycloakAdmin(url={}, auth_realm={}, client_id={})",
            quoted(py, &self.url)?,
            quoted(py, &self.auth_realm)?,
            quoted(py, &self.client_id)?
        ))
    }
}

impl Drop for KeycloakAdmin {
    fn drop(&mut self) {
        drop_in_runtime(self.admin.get_mut().unwrap_or_else(PoisonError::into_inner).take());
    }
}
