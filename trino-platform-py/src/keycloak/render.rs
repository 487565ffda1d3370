//! The OAuth2 configuration of Trino and the gateway for a Keycloak realm and client, rendered
//! without a network: `trino_oauth2_properties`, `gateway_auth_yaml` and `issuer_url`.

use pyo3::prelude::*;
use serde_json::Value;
use trino_platform::Error;
use trino_platform::keycloak::{self, OAuthClientSpec, TrinoOAuth2Spec, TrinoVersion};

use crate::errors::to_pyerr;
use crate::json::from_py;
use crate::specs::from_value;

/// The Trino coordinator's OAuth2 properties (the OAuth2 part of `etc/config.properties`, Java
/// properties, sorted) for Trino release `trino_version`. `spec` is the JSON form of the CLI's
/// Trino OAuth2 spec: `{"issuer", "clientId", "additionalAudiences"?, "scopes"?,
/// "principalField"?, "groupsField"?, "webUi"?, "processForwarded"?, "refreshTokens"?,
/// "secretEnv"?, "overrides"?}`; `trino_version` replaces its `trinoVersion`, which may be left
/// out. Every secret is a `${ENV:NAME}` reference.
///
/// Raises `InvalidInputError` naming the field that is wrong, or for a Trino version older than
/// the oldest supported (436).
#[pyfunction]
pub(crate) fn trino_oauth2_properties(spec: &Bound<'_, PyAny>, trino_version: i64) -> PyResult<String> {
    let version = u32::try_from(trino_version)
        .map_err(|_| Error::invalid_input(format!("trino_version: {trino_version} is not a Trino release like 480")))
        .and_then(TrinoVersion::new)
        .map_err(to_pyerr)?;
    let mut value = from_py(spec, "spec")?;
    if let Value::Object(map) = &mut value {
        map.insert("trinoVersion".to_owned(), Value::from(version.get()));
    }
    let spec: TrinoOAuth2Spec = from_value(&value, "Trino OAuth2 spec")?;
    keycloak::trino_oauth2_properties(&spec).map(|p| p.to_java_properties()).map_err(to_pyerr)
}

/// The gateway's `auth:` section (YAML, for `gateway.yaml`) accepting the tokens `issuer` issues
/// for `client` (the OAuth client spec, as `KeycloakAdmin.ensure_client` takes it): tokens must
/// carry the client id in `aud`, the principal is `preferred_username`, groups come from the
/// client's groups claim. With `required`, every Trino request but `/oauth2/...` needs a valid
/// token; `impersonators` may send another `X-Trino-User`.
///
/// Raises `InvalidInputError` for a bad issuer, client spec or impersonator name.
#[pyfunction]
#[pyo3(signature = (issuer, client, *, required=false, impersonators=Vec::new()))]
pub(crate) fn gateway_auth_yaml(
    issuer: &str,
    client: &Bound<'_, PyAny>,
    required: bool,
    impersonators: Vec<String>,
) -> PyResult<String> {
    let client: OAuthClientSpec = from_value(&from_py(client, "client")?, "OAuth client spec")?;
    client.validate().map_err(to_pyerr)?;
    let config = keycloak::gateway_auth_config(issuer, &client, required, impersonators).map_err(to_pyerr)?;
    keycloak::gateway_auth_yaml(&config).map_err(to_pyerr)
}

/// The issuer of a Keycloak realm, `{keycloak_url}/realms/{realm}` (pass the URL clients use:
/// the issuer follows Keycloak's frontend URL). Raises `InvalidInputError` for a bad URL or
/// realm.
#[pyfunction]
pub(crate) fn issuer_url(keycloak_url: &str, realm: &str) -> PyResult<String> {
    keycloak::issuer_url(keycloak_url, realm).map_err(to_pyerr)
}
