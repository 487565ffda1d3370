//! The `OAuthClientSpec` class: a validated OAuth client spec for `KeycloakAdmin.ensureClient`
//! and `gatewayAuthYaml`, from a plain object or YAML text.

use napi::Env;
use napi_derive::napi;
use secrecy::ExposeSecret;
use trino_platform::{Result, keycloak};

use crate::error::or_throw;
use crate::input::SpecClass;

/// The platform's OAuth client in Keycloak, parsed and validated: a confidential OpenID
/// Connect client with the standard flow for the gateway and the Trino coordinators behind it.
/// Build one with `OAuthClientSpec.fromObject` or `.fromYaml` (the YAML of `trino-platform
/// keycloak ensure-client --spec`, as `examples/keycloak/oauth-client.yaml`); the methods that
/// take one also take the plain object itself.
///
/// Both constructors validate every field without a network, and throw an `Error` whose
/// `code` is `'InvalidInput'` and whose message names the field that is wrong; it never holds
/// the fixed `secret`, which stays on the native side.
#[napi]
pub struct OAuthClientSpec {
    inner: keycloak::OAuthClientSpec,
}

impl SpecClass for OAuthClientSpec {
    type Core = keycloak::OAuthClientSpec;
    const WHAT: &'static str = "OAuth client spec";

    fn core(&self) -> &Self::Core {
        &self.inner
    }

    fn validate(core: &Self::Core) -> Result<()> {
        core.validate()
    }

    fn secrets(core: &Self::Core) -> Vec<String> {
        core.secret.iter().map(|s| s.expose_secret().to_owned()).collect()
    }
}

#[napi]
impl OAuthClientSpec {
    /// A spec from its plain-object form (`OAuthClientSpecObject`), validated. Throws
    /// `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: OAuthClientSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<OAuthClientSpec> {
        or_throw(env, Self::parse(spec).map(|(inner, _)| Self { inner }))
    }

    /// Parses and validates a YAML (or JSON) spec, such as a file's text
    /// (`fromYaml(readFileSync(path, 'utf8'))`). Throws `InvalidInput` naming the field and
    /// line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<OAuthClientSpec> {
        or_throw(env, keycloak::OAuthClientSpec::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// The realm.
    #[napi(getter)]
    pub fn realm(&self) -> String {
        self.inner.realm.clone()
    }

    /// The client id (`clientId`, not Keycloak's internal id).
    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id.clone()
    }

    /// The URL people and clients use to reach Trino (the gateway's external URL).
    #[napi(getter)]
    pub fn external_url(&self) -> String {
        self.inner.external_url.clone()
    }
}
