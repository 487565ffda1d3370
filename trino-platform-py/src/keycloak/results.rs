//! The results of `KeycloakAdmin` that carry a secret: `EnsuredClient` and `RotatedSecret`.

use pyo3::prelude::*;
use trino_platform::keycloak;

use crate::json::to_py;
use crate::routing::quoted;
use crate::secret::Secret;

/// What `KeycloakAdmin.ensure_client` did (immutable): the client's `realm`, `client_id`,
/// Keycloak's internal `id`, whether it was `created` now, whether anything `changed` (and
/// `changes`: which fields; never values), and its `secret`.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct EnsuredClient(keycloak::EnsuredClient);

impl From<keycloak::EnsuredClient> for EnsuredClient {
    fn from(ensured: keycloak::EnsuredClient) -> Self {
        Self(ensured)
    }
}

#[pymethods]
impl EnsuredClient {
    /// The realm.
    #[getter]
    fn realm(&self) -> &str {
        &self.0.realm
    }

    /// The client id (`clientId`).
    #[getter]
    fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// Keycloak's internal id of the client.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// Whether the client was created now.
    #[getter]
    fn created(&self) -> bool {
        self.0.created
    }

    /// Whether anything changed (realm, client, mappers or secret).
    #[getter]
    fn changed(&self) -> bool {
        self.0.changed
    }

    /// What changed, by field (`created`, `realm`, `redirectUris`, `mapper groups created`,
    /// `secret`, ...); empty when nothing did.
    #[getter]
    fn changes(&self) -> Vec<String> {
        self.0.changes.clone()
    }

    /// The client secret (for the `${ENV:...}` variable of Trino's `client-secret`).
    #[getter]
    fn secret(&self) -> Secret {
        Secret::new(self.0.secret.clone())
    }

    /// The JSON form, without the secret: `{realm, clientId, id, created, changed, changes}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    /// `EnsuredClient(realm='platform', client_id='trino', id='...', created=True,
    /// changed=True, changes=['realm', 'created'], secret=Secret('***'))`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let e = &self.0;
        let changes = e.changes.iter().map(|c| quoted(py, c)).collect::<PyResult<Vec<_>>>()?;
        Ok(format!(
            "EnsuredClient(realm={}, client_id={}, id={}, created={}, changed={}, changes=[{}], secret=Secret('***'))",
            quoted(py, &e.realm)?,
            quoted(py, &e.client_id)?,
            quoted(py, &e.id)?,
            if e.created { "True" } else { "False" },
            if e.changed { "True" } else { "False" },
            changes.join(", ")
        ))
    }
}

/// A new client secret, from `KeycloakAdmin.rotate_secret` (immutable): `realm`, `client_id`,
/// Keycloak's internal `id` and the new `secret` (the old one no longer works).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RotatedSecret(keycloak::RotatedSecret);

impl From<keycloak::RotatedSecret> for RotatedSecret {
    fn from(rotated: keycloak::RotatedSecret) -> Self {
        Self(rotated)
    }
}

#[pymethods]
impl RotatedSecret {
    /// The realm.
    #[getter]
    fn realm(&self) -> &str {
        &self.0.realm
    }

    /// The client id (`clientId`).
    #[getter]
    fn client_id(&self) -> &str {
        &self.0.client_id
    }

    /// Keycloak's internal id of the client.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }

    /// The new secret.
    #[getter]
    fn secret(&self) -> Secret {
        Secret::new(self.0.secret.clone())
    }

    /// The JSON form, without the secret: `{realm, clientId, id}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    /// `RotatedSecret(realm='platform', client_id='trino', id='...', secret=Secret('***'))`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = &self.0;
        Ok(format!(
            "RotatedSecret(realm={}, client_id={}, id={}, secret=Secret('***'))",
            quoted(py, &r.realm)?,
            quoted(py, &r.client_id)?,
            quoted(py, &r.id)?
        ))
    }
}
