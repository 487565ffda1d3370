//! The Keycloak module of `trino-platform-core` (`trino_platform::keycloak`): `KeycloakAdmin` and
//! `AsyncKeycloakAdmin` (realms, the platform's OAuth client and its secret, users and groups,
//! through Keycloak's Admin REST API), the values it returns (`EnsuredClient`, `RotatedSecret`),
//! and the rendered OAuth2 configuration of Trino and the gateway (`trino_oauth2_properties`,
//! `gateway_auth_yaml`, `issuer_url`; no network).

use pyo3::prelude::*;

mod admin;
mod aio;
mod render;
mod results;

/// Adds the Keycloak classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<admin::KeycloakAdmin>()?;
    m.add_class::<aio::AsyncKeycloakAdmin>()?;
    m.add_class::<results::EnsuredClient>()?;
    m.add_class::<results::RotatedSecret>()?;
    m.add_function(wrap_pyfunction!(render::trino_oauth2_properties, m)?)?;
    m.add_function(wrap_pyfunction!(render::gateway_auth_yaml, m)?)?;
    m.add_function(wrap_pyfunction!(render::issuer_url, m)?)?;
    Ok(())
}
