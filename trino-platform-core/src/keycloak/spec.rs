//! The OAuth client the platform needs in Keycloak, as a validated spec.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use url::Url;

use crate::error::{Error, Result};

/// The OAuth client of the gateway (and the Trino coordinators behind it): a confidential
/// OpenID Connect client with the standard (authorization code) flow.
///
/// Derived values: redirect URI `{externalUrl}/oauth2/callback` (plus `extraRedirectUris`), web
/// origin = the origin of `externalUrl`, post-logout redirect `{externalUrl}/ui/logout/logout.html`
/// (Trino's Web UI; override with `postLogoutRedirectUris`, e.g. for Trino ≥ 483's new UI).
/// Mappers: an audience mapper for the client id (Keycloak access tokens otherwise carry only
/// `aud: account`) and one per extra audience, a groups mapper with bare group names, and a
/// username mapper to `preferred_username`.
///
/// ```
/// use trino_platform::keycloak::OAuthClientSpec;
///
/// let spec = OAuthClientSpec::from_yaml(
///     "realm: platform\nclientId: trino\nexternalUrl: https://trino.example.com/\n",
/// )?;
/// assert_eq!(spec.redirect_uris(), ["https://trino.example.com/oauth2/callback"]);
/// assert_eq!(spec.web_origins(), ["https://trino.example.com"]);
/// # Ok::<(), trino_platform::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OAuthClientSpec {
    /// The realm.
    pub realm: String,
    /// The client id (`clientId`, not Keycloak's internal id).
    pub client_id: String,
    /// The URL people and clients use to reach Trino (the gateway's external URL).
    pub external_url: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Redirect URIs besides `{externalUrl}/oauth2/callback`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_redirect_uris: Vec<String>,
    /// Web origins (default: the origin of `externalUrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    /// Post-logout redirect URIs (default `{externalUrl}/ui/logout/logout.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Require PKCE with S256 (default true; turn off for a Trino that sends no code challenge).
    #[serde(default = "yes")]
    pub pkce: bool,
    /// Enable the client's service account (client-credentials grant; e.g. for Superset).
    #[serde(default)]
    pub service_accounts: bool,
    /// Enable the resource-owner password grant (default false; for tests and scripts).
    #[serde(default)]
    pub direct_access_grants: bool,
    /// Extra `aud` values put in the client's tokens (for example the Trino client id, in the
    /// tokens of a Superset service account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// The claim the groups mapper fills (default `groups`).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Create the realm when it is missing.
    #[serde(default)]
    pub ensure_realm: bool,
    /// A fixed client secret (default: Keycloak generates one and keeps it). Never serialized.
    #[serde(default, skip_serializing)]
    pub secret: Option<SecretString>,
}

fn yes() -> bool {
    true
}
fn default_groups_claim() -> String {
    "groups".to_owned()
}

/// The Keycloak mapper names this crate manages on a client.
pub(crate) const AUDIENCE_MAPPER: &str = "audience";
pub(crate) const GROUPS_MAPPER: &str = "groups";
pub(crate) const USERNAME_MAPPER: &str = "username";

impl OAuthClientSpec {
    /// A spec with the defaults.
    pub fn new(realm: impl Into<String>, client_id: impl Into<String>, external_url: impl Into<String>) -> Self {
        Self {
            realm: realm.into(),
            client_id: client_id.into(),
            external_url: external_url.into(),
            name: None,
            description: None,
            extra_redirect_uris: Vec::new(),
            web_origins: None,
            post_logout_redirect_uris: None,
            pkce: true,
            service_accounts: false,
            direct_access_grants: false,
            audiences: Vec::new(),
            groups_claim: default_groups_claim(),
            ensure_realm: false,
            secret: None,
        }
    }

    /// Parses a YAML (or JSON) spec and validates it. Fails with `InvalidInput` naming the
    /// field.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let spec: Self = crate::yaml::from_str(text, "OAuth client spec")?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Checks every field. Fails with `InvalidInput` naming the field.
    pub fn validate(&self) -> Result<()> {
        validate_realm(&self.realm)?;
        validate_name("clientId", &self.client_id)?;
        let external = self.external()?;
        if external.path() != "/" && external.path().ends_with("/oauth2/callback") {
            return Err(Error::invalid_input("externalUrl is the base URL, without /oauth2/callback"));
        }
        for uri in self.extra_redirect_uris.iter().chain(self.post_logout_redirect_uris.iter().flatten()) {
            if uri.trim().is_empty() || uri.chars().any(char::is_whitespace) {
                return Err(Error::invalid_input(format!("redirect URI {uri:?} is empty or holds whitespace")));
            }
        }
        for origin in self.web_origins.iter().flatten() {
            if origin.trim().is_empty() || origin.chars().any(char::is_whitespace) {
                return Err(Error::invalid_input(format!("web origin {origin:?} is empty or holds whitespace")));
            }
        }
        for audience in &self.audiences {
            validate_name("audiences", audience)?;
        }
        validate_name("groupsClaim", &self.groups_claim)?;
        Ok(())
    }

    fn external(&self) -> Result<Url> {
        let url = Url::parse(&self.external_url)
            .map_err(|e| Error::invalid_input(format!("externalUrl {:?} is not a URL: {e}", self.external_url)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid_input(format!("externalUrl {:?} must be an http(s) URL", self.external_url)));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(Error::invalid_input(format!(
                "externalUrl {:?} must have no query, fragment or user info",
                self.external_url
            )));
        }
        Ok(url)
    }

    /// `externalUrl` without a trailing slash.
    fn base(&self) -> String {
        self.external_url.trim_end_matches('/').to_owned()
    }

    /// The redirect URIs: `{externalUrl}/oauth2/callback`, then the extra ones.
    pub fn redirect_uris(&self) -> Vec<String> {
        std::iter::once(format!("{}/oauth2/callback", self.base()))
            .chain(self.extra_redirect_uris.iter().cloned())
            .collect()
    }

    /// The web origins: the configured ones, else the origin of `externalUrl`.
    pub fn web_origins(&self) -> Vec<String> {
        match &self.web_origins {
            Some(origins) => origins.clone(),
            None => self.external().map(|u| vec![u.origin().ascii_serialization()]).unwrap_or_default(),
        }
    }

    /// The post-logout redirect URIs.
    pub fn post_logout_redirect_uris(&self) -> Vec<String> {
        match &self.post_logout_redirect_uris {
            Some(uris) => uris.clone(),
            None => vec![format!("{}/ui/logout/logout.html", self.base())],
        }
    }

    /// The client fields this crate manages, as a (partial) ClientRepresentation.
    pub(crate) fn representation(&self) -> Map<String, Value> {
        let mut rep = json!({
            "clientId": self.client_id,
            "enabled": true,
            "protocol": "openid-connect",
            "publicClient": false,
            "bearerOnly": false,
            "clientAuthenticatorType": "client-secret",
            "standardFlowEnabled": true,
            "implicitFlowEnabled": false,
            "directAccessGrantsEnabled": self.direct_access_grants,
            "serviceAccountsEnabled": self.service_accounts,
            "redirectUris": self.redirect_uris(),
            "webOrigins": self.web_origins(),
            "attributes": {
                "post.logout.redirect.uris": self.post_logout_redirect_uris().join("##"),
                "pkce.code.challenge.method": if self.pkce { "S256" } else { "" },
            },
        });
        if let Some(map) = rep.as_object_mut() {
            if let Some(name) = &self.name {
                map.insert("name".into(), Value::String(name.clone()));
            }
            if let Some(description) = &self.description {
                map.insert("description".into(), Value::String(description.clone()));
            }
        }
        match rep {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

/// Realm names: 1–255 of `A-Z a-z 0-9 _ . -`.
pub(crate) fn validate_realm(realm: &str) -> Result<()> {
    let ok = !realm.is_empty()
        && realm.len() <= 255
        && realm.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("realm {realm:?} is invalid: use 1-255 of A-Z a-z 0-9 _ . -")))
    }
}

/// Client ids, usernames, group names, claims: 1–255 characters, no whitespace or control
/// characters at the ends, no control characters anywhere.
pub(crate) fn validate_name(field: &str, value: &str) -> Result<()> {
    let ok =
        !value.trim().is_empty() && value.len() <= 255 && value.trim() == value && !value.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "{field} {value:?} is invalid: 1-255 characters, no surrounding whitespace, no control characters"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn derived_values_follow_the_external_url() {
        let mut spec = OAuthClientSpec::new("platform", "trino", "https://gw.example.com:8443/");
        assert_eq!(spec.redirect_uris(), ["https://gw.example.com:8443/oauth2/callback"]);
        assert_eq!(spec.web_origins(), ["https://gw.example.com:8443"]);
        assert_eq!(spec.post_logout_redirect_uris(), ["https://gw.example.com:8443/ui/logout/logout.html"]);
        spec.pkce = false;
        let rep = spec.representation();
        assert_eq!(rep["attributes"]["pkce.code.challenge.method"], "");
        assert_eq!(rep["publicClient"], false);
        assert!(rep.get("name").is_none());
    }

    #[test]
    fn invalid_specs_name_the_field() {
        let cases = [
            ("realm: 'a b'\nclientId: t\nexternalUrl: https://x\n", "realm"),
            ("realm: r\nclientId: ' t'\nexternalUrl: https://x\n", "clientId"),
            ("realm: r\nclientId: t\nexternalUrl: ftp://x\n", "externalUrl"),
            ("realm: r\nclientId: t\nexternalUrl: https://x/oauth2/callback\n", "externalUrl"),
            ("realm: r\nclientId: t\nexternalUrl: https://x\ncolour: red\n", "colour"),
            ("realm: r\nclientId: t\nexternalUrl: https://x\nextraRedirectUris: ['a b']\n", "redirect"),
        ];
        for (yaml, field) in cases {
            let err = OAuthClientSpec::from_yaml(yaml).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.message().contains(field), "{field}: {err}");
        }
    }

    #[test]
    fn the_secret_is_never_serialized_or_shown() {
        let spec =
            OAuthClientSpec::from_yaml("realm: r\nclientId: t\nexternalUrl: https://x\nsecret: hunter2-secret\n")
                .unwrap();
        assert!(spec.secret.is_some());
        assert!(!format!("{spec:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&spec).unwrap().contains("hunter2"));
    }
}
