//! `trinoOAuth2Properties` (the Trino coordinator's OAuth2 properties for Keycloak) and the
//! `TrinoOAuth2Spec` class it takes, besides the plain object.

use napi::Env;
use napi::bindgen_prelude::Either;
use napi_derive::napi;
use trino_platform::{Result, keycloak};

use crate::error::or_throw;
use crate::input::{SpecArg, SpecClass, object_value};

/// The coordinator's OAuth2 configuration, parsed and validated: issuer, client, scopes,
/// principal and groups fields, the secrets' environment variable names, overrides, and the
/// Trino release it is for. Build one with `TrinoOAuth2Spec.fromObject` or `.fromYaml` (the
/// YAML of `trino-platform keycloak render trino --spec`, as
/// `examples/keycloak/trino-oauth2.yaml`); `trinoOAuth2Properties` also takes the plain object.
///
/// Both constructors need `trinoVersion` and throw an `Error` whose `code` is `'InvalidInput'`
/// and whose message names the field that is wrong. The spec holds no secret: only the names
/// of the environment variables that hold them.
#[napi]
pub struct TrinoOAuth2Spec {
    inner: keycloak::TrinoOAuth2Spec,
}

impl SpecClass for TrinoOAuth2Spec {
    type Core = keycloak::TrinoOAuth2Spec;
    const WHAT: &'static str = "Trino OAuth2 spec";

    fn core(&self) -> &Self::Core {
        &self.inner
    }

    fn validate(core: &Self::Core) -> Result<()> {
        core.validate()
    }

    fn secrets(_: &Self::Core) -> Vec<String> {
        Vec::new()
    }
}

#[napi]
impl TrinoOAuth2Spec {
    /// A spec from its plain-object form (`TrinoOAuth2SpecObject`, with `trinoVersion`),
    /// validated. Throws `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: TrinoOAuth2SpecObject & { trinoVersion: number }")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<TrinoOAuth2Spec> {
        or_throw(env, Self::parse(spec).map(|(inner, _)| Self { inner }))
    }

    /// Parses and validates a YAML (or JSON) spec, such as a file's text
    /// (`fromYaml(readFileSync(path, 'utf8'))`). Throws `InvalidInput` naming the field and
    /// line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<TrinoOAuth2Spec> {
        or_throw(env, keycloak::TrinoOAuth2Spec::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// The Trino release the properties are for.
    #[napi(getter)]
    pub fn trino_version(&self) -> u32 {
        self.inner.trino_version.get()
    }

    /// `oauth2.issuer`: the `iss` of the tokens.
    #[napi(getter)]
    pub fn issuer(&self) -> String {
        self.inner.issuer.clone()
    }

    /// `oauth2.client-id`.
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }
}

/// The OAuth2 part of a Trino coordinator's `etc/config.properties`, for tokens of `spec.issuer`
/// (Keycloak: `{url}/realms/{realm}`): `http-server.authentication.type=oauth2`, the issuer,
/// client id, scopes, principal field and audiences, the Web UI and forwarded-header switches,
/// the groups claim under the key this Trino version knows (none from 480 on), then
/// `overrides`; sorted. Every secret is a `${ENV:NAME}` reference (the client secret, the
/// state key, the refresh-token key, the internal shared secret), never a value.
///
/// `spec` is a `TrinoOAuth2Spec` or its plain object. Renders for `trinoVersion` when given
/// (it replaces the spec's), else for the spec's `trinoVersion`. Throws `InvalidInput` naming
/// the field for a bad spec, a version older than 436 or neither version.
#[napi(
    js_name = "trinoOAuth2Properties",
    ts_args_type = "spec: TrinoOAuth2Spec | TrinoOAuth2SpecObject, trinoVersion?: number"
)]
// napi-derive registers free functions only outside `cfg(test)`.
#[cfg_attr(test, allow(dead_code))]
pub fn trino_oauth2_properties(
    env: &Env,
    spec: SpecArg<'_, TrinoOAuth2Spec>,
    trino_version: Option<u32>,
) -> napi::Result<String> {
    or_throw(env, render(env, spec, trino_version))
}

#[cfg_attr(test, allow(dead_code))]
fn render(env: &Env, spec: SpecArg<'_, TrinoOAuth2Spec>, trino_version: Option<u32>) -> Result<String> {
    let spec = match spec {
        Either::A(class) => {
            let mut spec = class.inner.clone();
            if let Some(version) = trino_version {
                spec.trino_version = keycloak::TrinoVersion::new(version)?;
            }
            spec
        }
        Either::B(object) => {
            let mut value = object_value(env, &object, TrinoOAuth2Spec::WHAT)?;
            if let (Some(version), Some(fields)) = (trino_version, value.as_object_mut()) {
                fields.insert("trinoVersion".to_owned(), version.into());
            }
            TrinoOAuth2Spec::parse(value)?.0
        }
    };
    Ok(keycloak::trino_oauth2_properties(&spec)?.to_java_properties())
}
