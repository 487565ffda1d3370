//! `trinoOAuth2Properties`: the Trino coordinator's OAuth2 properties for Keycloak.

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, keycloak};

use crate::error::or_throw;
use crate::input::from_object;

/// The OAuth2 part of a Trino coordinator's `etc/config.properties`, for tokens of `spec.issuer`
/// (Keycloak: `{url}/realms/{realm}`): `http-server.authentication.type=oauth2`, the issuer,
/// client id, scopes, principal field and audiences, the Web UI and forwarded-header switches,
/// the groups claim under the key this Trino version knows (none from 480 on), then
/// `overrides`; sorted. Every secret is a `${ENV:NAME}` reference (the client secret, the
/// state key, the refresh-token key, the internal shared secret), never a value.
///
/// Renders for `trinoVersion` when given (it replaces `spec.trinoVersion`), else for
/// `spec.trinoVersion`. Throws `InvalidInput` naming the field for a bad spec, a version older
/// than 436 or neither version.
#[napi(js_name = "trinoOAuth2Properties", ts_args_type = "spec: TrinoOAuth2Spec, trinoVersion?: number")]
// napi-derive registers free functions only outside `cfg(test)`.
#[cfg_attr(test, allow(dead_code))]
pub fn trino_oauth2_properties(env: &Env, spec: serde_json::Value, trino_version: Option<u32>) -> napi::Result<String> {
    or_throw(env, render(spec, trino_version))
}

#[cfg_attr(test, allow(dead_code))]
fn render(mut spec: serde_json::Value, trino_version: Option<u32>) -> Result<String> {
    if let (Some(version), Some(fields)) = (trino_version, spec.as_object_mut()) {
        fields.insert("trinoVersion".to_owned(), version.into());
    }
    let spec: keycloak::TrinoOAuth2Spec = from_object("Trino OAuth2 spec", spec)?;
    Ok(keycloak::trino_oauth2_properties(&spec)?.to_java_properties())
}
