//! `KeycloakAdmin`: the core's client of Keycloak's Admin REST API, synchronous, with the GIL
//! released while it waits for Keycloak; and what `AsyncKeycloakAdmin` shares with it.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyType;
use serde_json::Value;
use trino_platform::keycloak::{
    self, AdminCredentials, EnsuredGroup, EnsuredUser, KeycloakConnection, OAuthClientSpec, RealmSpec, UserSpec,
};
use trino_platform::{Error, Result};

use super::results::{EnsuredClient, RotatedSecret};
use crate::errors::to_pyerr;
use crate::json::from_py;
use crate::release::Handle;
use crate::routing::quoted;
use crate::runtime::{Json, block_on};
use crate::secret::{Secret, secret_arg};
use crate::specs::{from_value, redact, seconds};

/// A logged-in client of Keycloak's Admin REST API (Keycloak 24 to 26). Its token is refreshed
/// before it expires, so one value serves a long-running program.
///
/// Connect with `KeycloakAdmin.connect(url, username=..., password=...)` (or `client_id=...,
/// client_secret=...`), ideally as `with KeycloakAdmin.connect(...) as admin:`, which closes
/// the client on exit. Every method blocks until Keycloak answers, with the GIL released.
/// Thread-safe. No secret appears in `repr` or in an error message. `AsyncKeycloakAdmin` is the
/// same for asyncio.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct KeycloakAdmin(pub(super) Client);

/// A logged-in client as `KeycloakAdmin` and `AsyncKeycloakAdmin` hold it, and the futures of
/// their calls (arguments converted here, once for both).
pub(crate) struct Client {
    admin: Handle<keycloak::KeycloakAdmin>,
    url: String,
    auth_realm: String,
    client_id: String,
}

/// Maps a core error to its exception, with the secrets of `spec` (if any) cut from the message.
fn scrubbed(spec: &Value) -> impl Fn(Error) -> Error + '_ {
    move |e| Error::new(e.kind(), redact(e.message(), spec))
}

/// The connection of `connect`'s arguments (`class` names the Python class in messages).
#[allow(clippy::too_many_arguments)]
pub(super) fn connection_of(
    class: &str,
    url: String,
    username: Option<String>,
    password: Option<&Bound<'_, PyAny>>,
    client_id: Option<String>,
    client_secret: Option<&Bound<'_, PyAny>>,
    auth_realm: &str,
    timeout: Option<f64>,
    ca_file: Option<PathBuf>,
) -> PyResult<KeycloakConnection> {
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
            return Err(to_pyerr(Error::invalid_input(format!(
                "{class}.connect: pass username= and password= (password grant, through client_id= or \
                 admin-cli), or client_id= and client_secret= (client-credentials grant)"
            ))));
        }
    };
    let mut connection = KeycloakConnection::new(url, credentials);
    connection.auth_realm = auth_realm.to_owned();
    connection.timeout = seconds("timeout", timeout, connection.timeout)?;
    connection.ca_file = ca_file;
    Ok(connection)
}

impl Client {
    /// Logs in with `connection` (`class` names the Python class, for the message of a closed one).
    pub(super) async fn connect(class: &'static str, connection: KeycloakConnection) -> Result<Self> {
        let admin = keycloak::KeycloakAdmin::connect(connection.clone()).await?;
        let url = admin.url().to_owned();
        let closed = format!("the {class} of {url} is closed; connect again with {class}.connect");
        Ok(Self {
            admin: Handle::new(Arc::new(admin), closed),
            url,
            auth_realm: connection.auth_realm,
            client_id: match &connection.credentials {
                AdminCredentials::Password { client_id, .. }
                | AdminCredentials::ClientCredentials { client_id, .. } => client_id.clone(),
            },
        })
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    pub(super) fn close(&self) {
        self.admin.close();
    }

    pub(super) fn ensure_realm(
        &self,
        name: String,
        display_name: Option<String>,
        enabled: bool,
    ) -> PyResult<impl Future<Output = Result<bool>> + Send + 'static> {
        let admin = self.admin.get()?;
        let spec = RealmSpec { realm: name, display_name, enabled };
        Ok(async move { admin.ensure_realm(&spec).await })
    }

    pub(super) fn delete_realm(&self, name: String) -> PyResult<impl Future<Output = Result<bool>> + Send + 'static> {
        let admin = self.admin.get()?;
        Ok(async move { admin.delete_realm(&name).await })
    }

    pub(super) fn ensure_client(
        &self,
        spec: &Bound<'_, PyAny>,
    ) -> PyResult<impl Future<Output = Result<EnsuredClient>> + Send + 'static> {
        let value = from_py(spec, "spec")?;
        let spec: OAuthClientSpec = from_value(&value, "OAuth client spec")?;
        let admin = self.admin.get()?;
        Ok(async move { admin.ensure_client(&spec).await.map(EnsuredClient::from).map_err(scrubbed(&value)) })
    }

    pub(super) fn client_secret(
        &self,
        realm: String,
        client_id: String,
    ) -> PyResult<impl Future<Output = Result<Secret>> + Send + 'static> {
        let admin = self.admin.get()?;
        Ok(async move { admin.client_secret(&realm, &client_id).await.map(Secret::new) })
    }

    pub(super) fn rotate_secret(
        &self,
        realm: String,
        client_id: String,
    ) -> PyResult<impl Future<Output = Result<RotatedSecret>> + Send + 'static> {
        let admin = self.admin.get()?;
        Ok(async move { admin.rotate_secret(&realm, &client_id).await.map(RotatedSecret::from) })
    }

    pub(super) fn delete_client(
        &self,
        realm: String,
        client_id: String,
    ) -> PyResult<impl Future<Output = Result<bool>> + Send + 'static> {
        let admin = self.admin.get()?;
        Ok(async move { admin.delete_client(&realm, &client_id).await })
    }

    pub(super) fn ensure_group(
        &self,
        realm: String,
        name: String,
    ) -> PyResult<impl Future<Output = Result<Json<EnsuredGroup>>> + Send + 'static> {
        let admin = self.admin.get()?;
        Ok(async move { admin.ensure_group(&realm, &name).await.map(Json) })
    }

    pub(super) fn ensure_user(
        &self,
        realm: String,
        spec: &Bound<'_, PyAny>,
    ) -> PyResult<impl Future<Output = Result<Json<EnsuredUser>>> + Send + 'static> {
        let value = from_py(spec, "spec")?;
        let spec: UserSpec = from_value(&value, "user spec")?;
        let admin = self.admin.get()?;
        Ok(async move { admin.ensure_user(&realm, &spec).await.map(Json).map_err(scrubbed(&value)) })
    }

    /// `KeycloakAdmin(url='https://keycloak.example.com/', auth_realm='master',
    /// client_id='admin-cli')` (`class` names the Python class); never a password or secret.
    pub(super) fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        Ok(format!(
            "{class}(url={}, auth_realm={}, client_id={})",
            quoted(py, &self.url)?,
            quoted(py, &self.auth_realm)?,
            quoted(py, &self.client_id)?
        ))
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
        let connection = connection_of(
            "KeycloakAdmin",
            url,
            username,
            password,
            client_id,
            client_secret,
            auth_realm,
            timeout,
            ca_file,
        )?;
        block_on(py, Client::connect("KeycloakAdmin", connection)).map(Self)
    }

    /// Keycloak's base URL.
    #[getter]
    fn url(&self) -> &str {
        self.0.url()
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
        block_on(py, self.0.ensure_realm(name, display_name, enabled)?)
    }

    /// Deletes the realm `name` (with everything in it); returns whether it existed.
    fn delete_realm(&self, py: Python<'_>, name: String) -> PyResult<bool> {
        block_on(py, self.0.delete_realm(name)?)
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
        block_on(py, self.0.ensure_client(spec)?)
    }

    /// The current secret of the client `client_id` of `realm`. Raises `NotFoundError` when
    /// there is no such client.
    fn client_secret(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<Secret> {
        block_on(py, self.0.client_secret(realm, client_id)?)
    }

    /// Makes Keycloak generate a new secret for the client; the old one stops working at once.
    /// Raises `NotFoundError` when there is no such client.
    fn rotate_secret(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<RotatedSecret> {
        block_on(py, self.0.rotate_secret(realm, client_id)?)
    }

    /// Deletes the client; returns whether it existed.
    fn delete_client(&self, py: Python<'_>, realm: String, client_id: String) -> PyResult<bool> {
        block_on(py, self.0.delete_client(realm, client_id)?)
    }

    /// Creates the top-level group `name` of `realm` when missing. Returns `{id, name, created}`.
    /// Raises `InvalidInputError` for a bad name, and the usual errors.
    fn ensure_group<'py>(&self, py: Python<'py>, realm: String, name: String) -> PyResult<Bound<'py, PyAny>> {
        block_on(py, self.0.ensure_group(realm, name)?)?.into_pyobject(py)
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
        block_on(py, self.0.ensure_user(realm, spec)?)?.into_pyobject(py)
    }

    /// Closes the client; later calls raise `ConflictError`. Closing twice is harmless; calls
    /// already running finish first.
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

    /// `KeycloakAdmin(url='https://keycloak.example.com/', auth_realm='master',
    /// client_id='admin-cli')`; never a password or secret.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.0.repr(py, "KeycloakAdmin")
    }
}
