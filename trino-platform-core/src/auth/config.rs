//! What a [`JwtValidator`](super::JwtValidator) checks, and the gateway's `auth:` section.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The largest clock skew a validator tolerates on `exp` and `nbf`.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// A JWS signature algorithm the validator may accept. Only asymmetric algorithms exist here:
/// `none` and the HMAC family (`HS256` …) cannot be configured, so they are never accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Keycloak's default).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl SigningAlgorithm {
    /// Every algorithm, the default allow-list.
    pub const ALL: [SigningAlgorithm; 9] = [
        SigningAlgorithm::RS256,
        SigningAlgorithm::RS384,
        SigningAlgorithm::RS512,
        SigningAlgorithm::PS256,
        SigningAlgorithm::PS384,
        SigningAlgorithm::PS512,
        SigningAlgorithm::ES256,
        SigningAlgorithm::ES384,
        SigningAlgorithm::EdDSA,
    ];

    /// The JOSE name (`"RS256"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::RS256 => "RS256",
            SigningAlgorithm::RS384 => "RS384",
            SigningAlgorithm::RS512 => "RS512",
            SigningAlgorithm::PS256 => "PS256",
            SigningAlgorithm::PS384 => "PS384",
            SigningAlgorithm::PS512 => "PS512",
            SigningAlgorithm::ES256 => "ES256",
            SigningAlgorithm::ES384 => "ES384",
            SigningAlgorithm::EdDSA => "EdDSA",
        }
    }

    /// The algorithm of a token header, or `None` for HMAC (never accepted).
    pub(crate) fn from_jwt(alg: jsonwebtoken::Algorithm) -> Option<Self> {
        use jsonwebtoken::Algorithm as A;
        Some(match alg {
            A::RS256 => SigningAlgorithm::RS256,
            A::RS384 => SigningAlgorithm::RS384,
            A::RS512 => SigningAlgorithm::RS512,
            A::PS256 => SigningAlgorithm::PS256,
            A::PS384 => SigningAlgorithm::PS384,
            A::PS512 => SigningAlgorithm::PS512,
            A::ES256 => SigningAlgorithm::ES256,
            A::ES384 => SigningAlgorithm::ES384,
            A::EdDSA => SigningAlgorithm::EdDSA,
            // HMAC, and whatever jsonwebtoken may add later.
            _ => return None,
        })
    }

    #[cfg(test)]
    pub(crate) fn to_jwt(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            SigningAlgorithm::RS256 => A::RS256,
            SigningAlgorithm::RS384 => A::RS384,
            SigningAlgorithm::RS512 => A::RS512,
            SigningAlgorithm::PS256 => A::PS256,
            SigningAlgorithm::PS384 => A::PS384,
            SigningAlgorithm::PS512 => A::PS512,
            SigningAlgorithm::ES256 => A::ES256,
            SigningAlgorithm::ES384 => A::ES384,
            SigningAlgorithm::EdDSA => A::EdDSA,
        }
    }
}

impl std::fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bearer JWTs are validated.
///
/// ```
/// use trino_platform::auth::ValidatorConfig;
///
/// let config: ValidatorConfig = serde_json::from_str(
///     r#"{"issuer": "https://kc.example.com/realms/platform", "clientId": "trino", "clockSkew": "10s"}"#,
/// ).unwrap();
/// assert_eq!(config.principal_claim, "preferred_username");
/// config.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValidatorConfig {
    /// The issuer, exactly as the provider reports it (`iss`); for Keycloak
    /// `{frontend-url}/realms/{realm}`. Discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The OAuth client id; a token's `aud` must contain it or one of [`Self::audiences`].
    pub client_id: String,
    /// Further accepted audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// The claim that names the principal (default `preferred_username`).
    #[serde(default = "default_principal_claim")]
    pub principal_claim: String,
    /// The claim that lists the principal's groups (default `groups`; absent means none).
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Accepted signature algorithms (default: all of [`SigningAlgorithm::ALL`]).
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<SigningAlgorithm>,
    /// Tolerated clock difference on `exp` and `nbf` (default 30s, at most [`MAX_CLOCK_SKEW`]).
    #[serde(default = "default_clock_skew", with = "crate::duration")]
    pub clock_skew: Duration,
    /// Shortest time between two JWKS fetches caused by unknown key ids (default 10s), so that
    /// tokens with made-up `kid`s cannot make the validator hammer the provider.
    #[serde(default = "default_jwks_min_refresh_interval", with = "crate::duration")]
    pub jwks_min_refresh_interval: Duration,
    /// Age after which the cached JWKS is fetched again on the next validation (default 10m).
    #[serde(default = "default_jwks_max_age", with = "crate::duration")]
    pub jwks_max_age: Duration,
    /// Time limit of each request to the provider (default 10s).
    #[serde(default = "default_http_timeout", with = "crate::duration")]
    pub http_timeout: Duration,
    /// PEM file of extra CA certificates to trust for the provider (besides the webpki roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

fn default_principal_claim() -> String {
    "preferred_username".to_owned()
}
fn default_groups_claim() -> String {
    "groups".to_owned()
}
fn default_algorithms() -> Vec<SigningAlgorithm> {
    SigningAlgorithm::ALL.to_vec()
}
fn default_clock_skew() -> Duration {
    Duration::from_secs(30)
}
fn default_jwks_min_refresh_interval() -> Duration {
    Duration::from_secs(10)
}
fn default_jwks_max_age() -> Duration {
    Duration::from_secs(600)
}
fn default_http_timeout() -> Duration {
    Duration::from_secs(10)
}

impl ValidatorConfig {
    /// A config with the defaults for `issuer` and `client_id`.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            audiences: Vec::new(),
            principal_claim: default_principal_claim(),
            groups_claim: default_groups_claim(),
            algorithms: default_algorithms(),
            clock_skew: default_clock_skew(),
            jwks_min_refresh_interval: default_jwks_min_refresh_interval(),
            jwks_max_age: default_jwks_max_age(),
            http_timeout: default_http_timeout(),
            ca_file: None,
        }
    }

    /// Checks the values. Fails with `InvalidInput` naming the field: an issuer that is not an
    /// absolute `http(s)` URL, an empty client id, audience or claim name, no algorithm, a clock
    /// skew above [`MAX_CLOCK_SKEW`], a zero timeout.
    pub fn validate(&self) -> Result<()> {
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|e| Error::invalid_input(format!("auth issuer {:?} is not a URL: {e}", self.issuer)))?;
        if !matches!(issuer.scheme(), "http" | "https") || issuer.host_str().is_none() {
            return Err(Error::invalid_input(format!("auth issuer {:?} must be an http(s) URL", self.issuer)));
        }
        if issuer.query().is_some() || issuer.fragment().is_some() || !issuer.username().is_empty() {
            return Err(Error::invalid_input(format!(
                "auth issuer {:?} must have no query, fragment or user info",
                self.issuer
            )));
        }
        if self.client_id.trim().is_empty() {
            return Err(Error::invalid_input("auth clientId must not be empty"));
        }
        if self.audiences.iter().any(|a| a.trim().is_empty()) {
            return Err(Error::invalid_input("auth audiences must not hold an empty value"));
        }
        if self.principal_claim.trim().is_empty() || self.groups_claim.trim().is_empty() {
            return Err(Error::invalid_input("auth principalClaim and groupsClaim must not be empty"));
        }
        if self.algorithms.is_empty() {
            return Err(Error::invalid_input("auth algorithms must name at least one algorithm"));
        }
        if self.clock_skew > MAX_CLOCK_SKEW {
            return Err(Error::invalid_input(format!(
                "auth clockSkew {} is above the maximum of {}",
                humantime::format_duration(self.clock_skew),
                humantime::format_duration(MAX_CLOCK_SKEW)
            )));
        }
        if self.http_timeout.is_zero() || self.jwks_max_age.is_zero() {
            return Err(Error::invalid_input("auth httpTimeout and jwksMaxAge must be positive"));
        }
        Ok(())
    }

    /// The accepted audiences: the client id, then the extra ones.
    pub fn accepted_audiences(&self) -> BTreeSet<&str> {
        std::iter::once(self.client_id.as_str()).chain(self.audiences.iter().map(String::as_str)).collect()
    }
}

/// The `auth:` section of `gateway.yaml`: bearer-token authentication of the Trino traffic.
///
/// Which requests need a token the gateway validated:
///
/// | request | `required: false` (default) | `required: true` |
/// |---|---|---|
/// | `/oauth2/…` (Trino's own login legs) | passed through | passed through |
/// | no `Authorization` header | passed through without principal: Trino authenticates it (its OAuth2 `401` challenge reaches the client) | `401` |
/// | `Authorization: Bearer <JWT>` | validated; invalid → `401` | validated; invalid → `401` |
/// | `Authorization: Bearer <JWE>` (a token Trino issued itself with `refresh-tokens`) | passed through without principal | `401` |
/// | another scheme (`Basic` …) | passed through without principal | `401` |
///
/// With a validated token, the principal routes the request (`RouteRequest::with_principal`),
/// `X-Trino-User` must equal it unless the principal is listed in `impersonators` (`403`
/// otherwise; set to the principal when absent), and the token is forwarded to Trino unchanged.
///
/// ```yaml
/// auth:
///   required: true
///   impersonators: [service-account-superset]
///   oidc:
///     issuer: https://keycloak.example.com/realms/platform
///     clientId: trino
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayAuthConfig {
    /// Whether every Trino request except `/oauth2/…` must carry a token the gateway validated
    /// (see the table above).
    #[serde(default)]
    pub required: bool,
    /// Principals that may send an `X-Trino-User` other than themselves (for example the
    /// service account of Superset, which runs queries as its users). Trino still checks its own
    /// impersonation rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impersonators: Vec<String>,
    /// How tokens are validated.
    pub oidc: ValidatorConfig,
}

impl GatewayAuthConfig {
    /// Checks the values (see [`ValidatorConfig::validate`]).
    pub fn validate(&self) -> Result<()> {
        self.oidc.validate()?;
        if self.impersonators.iter().any(|p| p.trim().is_empty()) {
            return Err(Error::invalid_input("auth impersonators must not hold an empty name"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn hmac_and_none_cannot_be_configured() {
        for name in ["HS256", "HS384", "HS512", "none", "NONE"] {
            let json = format!(r#"{{"issuer": "https://kc/realms/r", "clientId": "c", "algorithms": ["{name}"]}}"#);
            assert!(serde_json::from_str::<ValidatorConfig>(&json).is_err(), "{name}");
        }
        assert!(SigningAlgorithm::from_jwt(jsonwebtoken::Algorithm::HS256).is_none());
        for alg in SigningAlgorithm::ALL {
            assert_eq!(SigningAlgorithm::from_jwt(alg.to_jwt()), Some(alg));
        }
    }

    #[test]
    fn bad_values_are_rejected_by_name() {
        let ok = ValidatorConfig::new("https://kc.example.com/realms/r", "trino");
        ok.validate().unwrap();
        type Change = fn(&mut ValidatorConfig);
        let cases: [(&str, Change); 6] = [
            ("issuer", |c| c.issuer = "kc/realms/r".into()),
            ("issuer", |c| c.issuer = "ftp://kc/realms/r".into()),
            ("clientId", |c| c.client_id = " ".into()),
            ("algorithms", |c| c.algorithms.clear()),
            ("clockSkew", |c| c.clock_skew = Duration::from_secs(3600)),
            ("audiences", |c| c.audiences = vec![String::new()]),
        ];
        for (field, change) in cases {
            let mut config = ok.clone();
            change(&mut config);
            let err = config.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.message().contains(field), "{field}: {err}");
        }
    }

    #[test]
    fn gateway_section_round_trips() {
        let json = r#"{"required": true, "impersonators": ["svc"], "oidc": {"issuer": "https://kc/realms/r", "clientId": "trino", "clockSkew": "1m"}}"#;
        let config: GatewayAuthConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.oidc.clock_skew, Duration::from_secs(60));
        let back: GatewayAuthConfig = serde_json::from_value(serde_json::to_value(&config).unwrap()).unwrap();
        assert_eq!(back, config);
        assert!(
            serde_json::from_str::<GatewayAuthConfig>(r#"{"oidc": {"issuer": "x", "clientId": "c"}, "x": 1}"#).is_err()
        );
    }
}
