//! The gateway's side of a Keycloak realm: `issuerUrl` and `gatewayAuthYaml` (the `auth:`
//! section of `gateway.yaml`), rendered without a network.

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, keycloak};

use super::client::OAuthClientSpec;
use crate::error::or_throw;
use crate::input::{SpecArg, spec_of};

/// How the gateway treats tokens, for `gatewayAuthYaml`.
#[napi(object)]
pub struct GatewayAuthOptions {
    /// Every Trino request except `/oauth2/…` must carry a token the gateway validated (default
    /// `false`: a token is validated when present).
    pub required: Option<bool>,
    /// Principals that may send an `X-Trino-User` other than themselves (for example the
    /// service account of Superset, `service-account-superset`).
    pub impersonators: Option<Vec<String>>,
}

/// The issuer of a Keycloak realm, `{keycloakUrl}/realms/{realm}`: what `oauth2.issuer` and
/// the gateway's `auth.oidc.issuer` must be (pass the URL clients reach Keycloak at; add
/// `/auth` for a Keycloak started with that path). Throws `InvalidInput` for a URL that is not
/// http(s) or a bad realm name.
#[napi]
#[cfg_attr(test, allow(dead_code))]
pub fn issuer_url(env: &Env, keycloak_url: String, realm: String) -> napi::Result<String> {
    or_throw(env, keycloak::issuer_url(&keycloak_url, &realm))
}

/// The gateway's `auth:` section (YAML, for `gateway.yaml` or `Gateway.start`) accepting the
/// tokens `issuer` issues for `client` (an `OAuthClientSpec` or its plain object, as
/// `KeycloakAdmin.ensureClient` takes it): tokens must carry the client id in `aud`, the
/// principal is `preferred_username`, groups come from the client's groups claim. Throws
/// `InvalidInput` for a bad issuer, client spec or impersonator name.
#[napi(ts_args_type = "issuer: string, client: OAuthClientSpec | OAuthClientSpecObject, options?: GatewayAuthOptions")]
#[cfg_attr(test, allow(dead_code))]
pub fn gateway_auth_yaml(
    env: &Env,
    issuer: String,
    client: SpecArg<'_, OAuthClientSpec>,
    options: Option<GatewayAuthOptions>,
) -> napi::Result<String> {
    or_throw(env, render(env, &issuer, client, options))
}

#[cfg_attr(test, allow(dead_code))]
fn render(
    env: &Env,
    issuer: &str,
    client: SpecArg<'_, OAuthClientSpec>,
    options: Option<GatewayAuthOptions>,
) -> Result<String> {
    let (client, secrets) = spec_of(env, client)?;
    let GatewayAuthOptions { required, impersonators } =
        options.unwrap_or(GatewayAuthOptions { required: None, impersonators: None });
    let config =
        keycloak::gateway_auth_config(issuer, &client, required.unwrap_or(false), impersonators.unwrap_or_default())
            .map_err(|e| secrets.scrub(e))?;
    keycloak::gateway_auth_yaml(&config)
}
