//! The Trino coordinator's OAuth2 properties (the OAuth2 part of `etc/config.properties`), per
//! Trino version. Keys from Trino's `security/oauth2.md` and `security/internal-communication.md`.
//!
//! One builder, layered: defaults → values derived from the spec → the user's overrides; output
//! sorted. Every secret is a `${ENV:NAME}` reference: the client secret, the OAuth2 state key
//! and the refresh-token key (which must be equal on all coordinators behind one gateway), and
//! the internal-communication shared secret (equal on all nodes).
//!
//! Version differences handled: the groups claim key, `http-server.authentication.oauth2.groups-field`,
//! was renamed `deprecated.http-server.authentication.oauth2.groups-field` in Trino 408 and
//! removed in 480. From 480 on, groups must reach Trino through a group provider or Ranger, and
//! the key is not rendered.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::spec::{OAuthClientSpec, validate_name};
use crate::error::{Error, Result};
use crate::properties::Properties;

/// The oldest Trino version the renderer knows (Java 21; January 2024).
pub const MIN_TRINO_VERSION: u32 = 436;

/// A Trino release number (`476`, `480`, …), at least [`MIN_TRINO_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct TrinoVersion(u32);

impl TrinoVersion {
    /// Validates `version`. Fails with `InvalidInput` below [`MIN_TRINO_VERSION`].
    pub fn new(version: u32) -> Result<Self> {
        if version < MIN_TRINO_VERSION {
            return Err(Error::invalid_input(format!(
                "Trino version {version} is not supported: the oldest is {MIN_TRINO_VERSION}"
            )));
        }
        Ok(Self(version))
    }

    /// The release number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for TrinoVersion {
    type Error = Error;
    fn try_from(version: u32) -> Result<Self> {
        Self::new(version)
    }
}

impl From<TrinoVersion> for u32 {
    fn from(version: TrinoVersion) -> u32 {
        version.0
    }
}

impl FromStr for TrinoVersion {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        let number = text
            .trim()
            .parse::<u32>()
            .map_err(|_| Error::invalid_input(format!("Trino version {text:?} is not a release number like 480")))?;
        Self::new(number)
    }
}

impl fmt::Display for TrinoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Names of the environment variables that hold the coordinator's secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretEnvNames {
    /// The OAuth client secret (default `TRINO_OAUTH2_CLIENT_SECRET`).
    #[serde(default = "default_client_secret_env")]
    pub client_secret: String,
    /// The OAuth2 state key, equal on all coordinators (default `TRINO_OAUTH2_STATE_KEY`).
    #[serde(default = "default_state_key_env")]
    pub state_key: String,
    /// The refresh-token encryption key, equal on all coordinators (default
    /// `TRINO_OAUTH2_REFRESH_TOKENS_SECRET_KEY`).
    #[serde(default = "default_refresh_key_env")]
    pub refresh_tokens_secret_key: String,
    /// `internal-communication.shared-secret`, equal on all nodes (default
    /// `TRINO_INTERNAL_SHARED_SECRET`).
    #[serde(default = "default_shared_secret_env")]
    pub internal_shared_secret: String,
}

fn default_client_secret_env() -> String {
    "TRINO_OAUTH2_CLIENT_SECRET".to_owned()
}
fn default_state_key_env() -> String {
    "TRINO_OAUTH2_STATE_KEY".to_owned()
}
fn default_refresh_key_env() -> String {
    "TRINO_OAUTH2_REFRESH_TOKENS_SECRET_KEY".to_owned()
}
fn default_shared_secret_env() -> String {
    "TRINO_INTERNAL_SHARED_SECRET".to_owned()
}

impl Default for SecretEnvNames {
    fn default() -> Self {
        Self {
            client_secret: default_client_secret_env(),
            state_key: default_state_key_env(),
            refresh_tokens_secret_key: default_refresh_key_env(),
            internal_shared_secret: default_shared_secret_env(),
        }
    }
}

/// What the coordinator's OAuth2 configuration says.
///
/// ```
/// use trino_platform::keycloak::{TrinoOAuth2Spec, TrinoVersion, trino_oauth2_properties};
///
/// let spec = TrinoOAuth2Spec::new(TrinoVersion::new(480)?, "https://kc.example.com/realms/platform", "trino");
/// let text = trino_oauth2_properties(&spec)?.to_java_properties();
/// assert!(text.contains("http-server.authentication.oauth2.client-secret=${ENV:TRINO_OAUTH2_CLIENT_SECRET}\n"));
/// assert!(!text.contains("groups-field"), "removed in Trino 480");
/// # Ok::<(), trino_platform::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrinoOAuth2Spec {
    /// The Trino release the properties are for.
    pub trino_version: TrinoVersion,
    /// `oauth2.issuer`: exactly the `iss` of the tokens (Keycloak: `{frontend-url}/realms/{realm}`).
    pub issuer: String,
    /// `oauth2.client-id`.
    pub client_id: String,
    /// `oauth2.additional-audiences`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_audiences: Vec<String>,
    /// `oauth2.scopes` (default `openid`).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// `oauth2.principal-field` (default `preferred_username`).
    #[serde(default = "default_principal_field")]
    pub principal_field: String,
    /// The claim holding the groups (default `groups`), rendered only for Trino < 480.
    #[serde(default = "default_groups_field")]
    pub groups_field: Option<String>,
    /// `web-ui.authentication.type=oauth2` (default true).
    #[serde(default = "yes")]
    pub web_ui: bool,
    /// `http-server.process-forwarded=true`, needed behind the gateway (default true).
    #[serde(default = "yes")]
    pub process_forwarded: bool,
    /// `oauth2.refresh-tokens` with a shared `refresh-tokens.secret-key` (default false).
    #[serde(default)]
    pub refresh_tokens: bool,
    /// The environment variables of the secrets.
    #[serde(default)]
    pub secret_env: SecretEnvNames,
    /// Extra or replaced keys, applied last.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}
fn default_scopes() -> Vec<String> {
    vec!["openid".to_owned()]
}
fn default_principal_field() -> String {
    "preferred_username".to_owned()
}
fn default_groups_field() -> Option<String> {
    Some("groups".to_owned())
}

const OAUTH2: &str = "http-server.authentication.oauth2";

impl TrinoOAuth2Spec {
    /// A spec with the defaults.
    pub fn new(trino_version: TrinoVersion, issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            trino_version,
            issuer: issuer.into(),
            client_id: client_id.into(),
            additional_audiences: Vec::new(),
            scopes: default_scopes(),
            principal_field: default_principal_field(),
            groups_field: default_groups_field(),
            web_ui: true,
            process_forwarded: true,
            refresh_tokens: false,
            secret_env: SecretEnvNames::default(),
            overrides: BTreeMap::new(),
        }
    }

    /// The spec for the client of `client` at `issuer`, with its groups claim.
    pub fn for_client(trino_version: TrinoVersion, issuer: impl Into<String>, client: &OAuthClientSpec) -> Self {
        let mut spec = Self::new(trino_version, issuer, client.client_id.clone());
        spec.groups_field = Some(client.groups_claim.clone());
        spec
    }

    /// Parses a YAML (or JSON) spec and validates it. Fails with `InvalidInput`.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let spec: Self = crate::yaml::from_str(text, "Trino OAuth2 spec")?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Checks the fields. Fails with `InvalidInput` naming the field.
    pub fn validate(&self) -> Result<()> {
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|e| Error::invalid_input(format!("issuer {:?} is not a URL: {e}", self.issuer)))?;
        if !matches!(issuer.scheme(), "http" | "https") || issuer.host_str().is_none() {
            return Err(Error::invalid_input(format!("issuer {:?} must be an http(s) URL", self.issuer)));
        }
        validate_name("clientId", &self.client_id)?;
        validate_name("principalField", &self.principal_field)?;
        if let Some(groups) = &self.groups_field {
            validate_name("groupsField", groups)?;
        }
        let list_item = |field: &str, item: &String| {
            if item.is_empty() || item.contains(',') || item.chars().any(char::is_whitespace) {
                Err(Error::invalid_input(format!("{field} item {item:?} is empty or holds ',' or whitespace")))
            } else {
                Ok(())
            }
        };
        if self.scopes.is_empty() {
            return Err(Error::invalid_input("scopes must name at least one scope (openid)"));
        }
        for scope in &self.scopes {
            list_item("scopes", scope)?;
        }
        for audience in &self.additional_audiences {
            list_item("additionalAudiences", audience)?;
        }
        Ok(())
    }

    /// The key of the groups claim in this Trino version, if it still has one.
    pub fn groups_field_key(&self) -> Option<String> {
        match self.trino_version.get() {
            v if v >= 480 => None,
            v if v >= 408 => Some(format!("deprecated.{OAUTH2}.groups-field")),
            _ => Some(format!("{OAUTH2}.groups-field")),
        }
    }
}

/// Renders the coordinator's OAuth2 properties for `spec`. Fails with `InvalidInput` for a bad
/// spec, environment variable name or override key.
pub fn trino_oauth2_properties(spec: &TrinoOAuth2Spec) -> Result<Properties> {
    spec.validate()?;
    let key = |name: &str| format!("{OAUTH2}.{name}");
    let env = &spec.secret_env;

    // Defaults.
    let mut props = Properties::new();
    props.set("http-server.authentication.type", "oauth2")?;
    props.set(&key("oidc.use-userinfo-endpoint"), "false")?;
    if spec.process_forwarded {
        props.set("http-server.process-forwarded", "true")?;
    }
    if spec.web_ui {
        props.set("web-ui.authentication.type", "oauth2")?;
    }

    // Derived from the spec.
    props.set(&key("issuer"), spec.issuer.as_str())?;
    props.set(&key("client-id"), spec.client_id.as_str())?;
    props.set_env(&key("client-secret"), &env.client_secret)?;
    props.set(&key("scopes"), spec.scopes.join(","))?;
    props.set(&key("principal-field"), spec.principal_field.as_str())?;
    if !spec.additional_audiences.is_empty() {
        props.set(&key("additional-audiences"), spec.additional_audiences.join(","))?;
    }
    props.set_env(&key("state-key"), &env.state_key)?;
    props.set_env("internal-communication.shared-secret", &env.internal_shared_secret)?;
    if spec.refresh_tokens {
        props.set(&key("refresh-tokens"), "true")?;
        props.set_env(&key("refresh-tokens.secret-key"), &env.refresh_tokens_secret_key)?;
    }
    if let (Some(field), Some(groups_key)) = (&spec.groups_field, spec.groups_field_key()) {
        props.set(&groups_key, field.as_str())?;
    }

    // The user's overrides.
    props.overlay(&Properties::from_pairs(&spec.overrides)?);
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn versions_are_checked() {
        assert_eq!(TrinoVersion::new(435).unwrap_err().kind(), ErrorKind::InvalidInput);
        assert_eq!("480".parse::<TrinoVersion>().unwrap().get(), 480);
        assert!("4x".parse::<TrinoVersion>().is_err());
        assert!(serde_json::from_str::<TrinoVersion>("100").is_err());
    }

    #[test]
    fn the_groups_key_follows_the_version() {
        let spec = |v| TrinoOAuth2Spec::new(TrinoVersion::new(v).unwrap(), "https://kc/realms/r", "trino");
        assert_eq!(
            spec(476).groups_field_key().as_deref(),
            Some("deprecated.http-server.authentication.oauth2.groups-field")
        );
        assert!(spec(479).groups_field_key().is_some());
        assert_eq!(spec(480).groups_field_key(), None);
        let text = trino_oauth2_properties(&spec(476)).unwrap().to_java_properties();
        assert!(text.contains("deprecated.http-server.authentication.oauth2.groups-field=groups\n"), "{text}");
    }

    #[test]
    fn overrides_come_last_and_bad_values_are_refused() {
        let mut spec = TrinoOAuth2Spec::new(TrinoVersion::new(480).unwrap(), "https://kc/realms/r", "trino");
        spec.overrides.insert("http-server.authentication.oauth2.scopes".into(), "openid,offline_access".into());
        let props = trino_oauth2_properties(&spec).unwrap();
        assert!(props.to_java_properties().contains("oauth2.scopes=openid,offline_access\n"));
        spec.secret_env.client_secret = "lower-case".into();
        assert_eq!(trino_oauth2_properties(&spec).unwrap_err().kind(), ErrorKind::InvalidInput);
        let mut spec = TrinoOAuth2Spec::new(TrinoVersion::new(480).unwrap(), "https://kc/realms/r", "trino");
        spec.scopes = vec!["openid,evil".into()];
        assert_eq!(trino_oauth2_properties(&spec).unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
