//! OpenID Connect discovery with the `openidconnect` crate.

use openidconnect::core::CoreProviderMetadata;
use openidconnect::{DiscoveryError, HttpClientError, IssuerUrl};
use serde::{Deserialize, Serialize};

use super::http;
use crate::error::{Error, ErrorKind, Result};

/// An OpenID provider as its discovery document describes it. The issuer is exactly the one
/// that was asked for (discovery fails otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcProvider {
    /// The issuer (`iss` of its tokens).
    pub issuer: String,
    /// Where its signing keys are published.
    pub jwks_uri: String,
    /// The authorization endpoint (browser logins).
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: Option<String>,
    /// The userinfo endpoint.
    pub userinfo_endpoint: Option<String>,
    /// The ID-token signature algorithms it announces.
    pub id_token_signing_algorithms: Vec<String>,
}

impl OidcProvider {
    /// Fetches and checks `{issuer}/.well-known/openid-configuration` (and its JWKS) with a
    /// default client (10 s timeout). Fails with `InvalidInput` for a malformed issuer or a
    /// document whose `issuer` differs from `issuer` in any character, `NotFound` when there is
    /// no such document (for Keycloak: no such realm), `Unavailable`/`Timeout` when the provider
    /// cannot be reached, `Backend` for an unreadable answer.
    pub async fn discover(issuer: &str) -> Result<Self> {
        let client = http::client(std::time::Duration::from_secs(10), None)?;
        Self::discover_with(&client, issuer).await
    }

    pub(crate) async fn discover_with(client: &reqwest::Client, issuer: &str) -> Result<Self> {
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| Error::invalid_input(format!("issuer {issuer:?} is not a URL: {e}")))?;
        let metadata =
            CoreProviderMetadata::discover_async(issuer_url, client).await.map_err(|e| discovery_error(issuer, e))?;
        Ok(OidcProvider {
            issuer: metadata.issuer().as_str().to_owned(),
            jwks_uri: metadata.jwks_uri().as_str().to_owned(),
            authorization_endpoint: metadata.authorization_endpoint().as_str().to_owned(),
            token_endpoint: metadata.token_endpoint().map(|u| u.as_str().to_owned()),
            userinfo_endpoint: metadata.userinfo_endpoint().map(|u| u.as_str().to_owned()),
            id_token_signing_algorithms: metadata
                .id_token_signing_alg_values_supported()
                .iter()
                .filter_map(|alg| serde_json::to_value(alg).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        })
    }
}

fn discovery_error(issuer: &str, error: DiscoveryError<HttpClientError<reqwest::Error>>) -> Error {
    let what = format!("OIDC discovery for issuer {issuer}");
    match error {
        DiscoveryError::Request(HttpClientError::Reqwest(e)) => http::transport_error(&what, issuer, *e),
        DiscoveryError::Request(e) => {
            Error::new(ErrorKind::Unavailable, format!("{what}: the request failed: {e}")).with_source(e)
        }
        DiscoveryError::Response(status, _, detail) => {
            let kind = match status.as_u16() {
                404 => ErrorKind::NotFound,
                502..=504 => ErrorKind::Unavailable,
                _ => ErrorKind::Backend,
            };
            let hint = if kind == ErrorKind::NotFound {
                " (for Keycloak the issuer is {url}/realms/{realm}: does the realm exist?)"
            } else {
                ""
            };
            Error::new(kind, format!("{what}: {}{hint}", http::excerpt(&detail, 300)))
        }
        DiscoveryError::Parse(e) => {
            Error::new(ErrorKind::Backend, format!("{what}: the discovery document is invalid at {}", e.path()))
                .with_source(e)
        }
        DiscoveryError::Validation(detail) => Error::invalid_input(format!(
            "{what}: {detail}; configure the issuer exactly as the provider reports it (Keycloak: its \
             frontend URL, see KC_HOSTNAME, followed by /realms/{{realm}})"
        )),
        DiscoveryError::UrlParse(e) => {
            Error::invalid_input(format!("{what}: cannot build the discovery URL: {e}")).with_source(e)
        }
        other => Error::new(ErrorKind::Backend, format!("{what}: {}", http::excerpt(&other.to_string(), 300))),
    }
}
