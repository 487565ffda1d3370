//! Validating bearer JWTs: structure → algorithm allow-list → key (JWKS) → signature and
//! registered claims → principal.

use std::sync::Arc;
use std::time::Instant;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Validation, decode, decode_header};
use serde_json::{Map, Value};

use super::discovery::OidcProvider;
use super::jwks::JwksCache;
use super::{Principal, SigningAlgorithm, ValidatorConfig, http};
use crate::error::{Error, ErrorKind, Result};

/// The longest token accepted (bytes); longer ones are rejected before any parsing.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Validates access tokens of one issuer. Discovery happens on first use (or at
/// [`JwtValidator::discover`]); a failed discovery is retried at most once per
/// [`ValidatorConfig::jwks_min_refresh_interval`]. Cheap to share behind an `Arc`.
pub struct JwtValidator {
    config: ValidatorConfig,
    client: reqwest::Client,
    discovered: tokio::sync::OnceCell<Discovered>,
    /// The last failed discovery (time, kind, message), for rate limiting.
    failed: tokio::sync::Mutex<Option<(Instant, ErrorKind, String)>>,
}

struct Discovered {
    provider: OidcProvider,
    jwks: Arc<JwksCache>,
}

impl std::fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtValidator")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .field("discovered", &self.discovered.initialized())
            .finish()
    }
}

impl JwtValidator {
    /// A validator for `config`, without network access yet. Fails with `InvalidInput` for a
    /// bad config (see [`ValidatorConfig::validate`]).
    pub fn new(config: ValidatorConfig) -> Result<Self> {
        config.validate()?;
        let client = http::client(config.http_timeout, config.ca_file.as_deref())?;
        Ok(Self { config, client, discovered: Default::default(), failed: Default::default() })
    }

    /// A validator whose provider has been discovered (and its keys fetched). Fails like
    /// [`OidcProvider::discover`].
    pub async fn discover(config: ValidatorConfig) -> Result<Self> {
        let validator = Self::new(config)?;
        validator.provider().await?;
        Ok(validator)
    }

    /// The config.
    pub fn config(&self) -> &ValidatorConfig {
        &self.config
    }

    /// The discovered provider, discovering it now if needed. Fails like
    /// [`OidcProvider::discover`]; after a failure, calls within the minimum refresh interval
    /// fail at once with the same error.
    pub async fn provider(&self) -> Result<&OidcProvider> {
        Ok(&self.discovered().await?.provider)
    }

    async fn discovered(&self) -> Result<&Discovered> {
        if let Some(discovered) = self.discovered.get() {
            return Ok(discovered);
        }
        let mut failed = self.failed.lock().await;
        if let Some(discovered) = self.discovered.get() {
            return Ok(discovered);
        }
        if let Some((at, kind, message)) = failed.as_ref()
            && at.elapsed() < self.config.jwks_min_refresh_interval
        {
            return Err(Error::new(*kind, message.clone()));
        }
        match self.discover_now().await {
            Ok(discovered) => {
                *failed = None;
                Ok(self.discovered.get_or_init(|| async { discovered }).await)
            }
            Err(e) => {
                *failed = Some((Instant::now(), e.kind(), e.message().to_owned()));
                Err(e)
            }
        }
    }

    async fn discover_now(&self) -> Result<Discovered> {
        let provider = OidcProvider::discover_with(&self.client, &self.config.issuer).await?;
        let jwks = Arc::new(JwksCache::new(
            self.client.clone(),
            provider.jwks_uri.clone(),
            self.config.jwks_min_refresh_interval,
            self.config.jwks_max_age,
        ));
        tracing::info!(issuer = %provider.issuer, jwks = %provider.jwks_uri, "discovered the OpenID provider");
        Ok(Discovered { provider, jwks })
    }

    /// Validates `token` (the compact JWS, without `Bearer `) and returns its principal.
    ///
    /// Fails with `Unauthorized` (the message says why, never showing the token) when the
    /// token is malformed, unsigned (`alg: none`), HMAC-signed or signed with an algorithm
    /// outside the allow-list, signed by a key the issuer does not publish, has a bad
    /// signature, another issuer, no accepted audience, is expired or not yet valid (beyond
    /// the clock skew), or lacks the principal claim. Fails with `Unavailable`/`Timeout` when
    /// the provider or its keys cannot be fetched.
    pub async fn validate(&self, token: &str) -> Result<Principal> {
        let unauthorized = |message: &str| Error::new(ErrorKind::Unauthorized, message.to_owned());
        if token.len() > MAX_TOKEN_BYTES {
            return Err(unauthorized("the token is too long"));
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 || parts[..2].iter().any(|p| p.is_empty()) {
            return Err(unauthorized("the token is not a signed JWT (compact JWS with three parts)"));
        }
        if parts[2].is_empty() {
            return Err(unauthorized("the token is unsigned (alg \"none\" is never accepted)"));
        }
        let header = decode_header(token).map_err(|_| {
            unauthorized("the token header is malformed or names an unsupported algorithm (\"none\" is never accepted)")
        })?;
        let Some(alg) = SigningAlgorithm::from_jwt(header.alg) else {
            return Err(unauthorized("HMAC-signed tokens are never accepted"));
        };
        if !self.config.algorithms.contains(&alg) {
            return Err(Error::new(ErrorKind::Unauthorized, format!("the token algorithm {alg} is not allowed")));
        }
        let family = header.alg.family();
        let discovered = self.discovered().await?;
        let key = discovered.jwks.key(header.kid.as_deref(), family).await?;
        if key.family != family || key.alg.is_some_and(|key_alg| key_alg != header.alg) {
            return Err(unauthorized("the token algorithm does not match its key"));
        }

        let mut validation = Validation::new(header.alg);
        validation.leeway = self.config.clock_skew.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&self.config.accepted_audiences().into_iter().collect::<Vec<_>>());
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = decode::<Map<String, Value>>(token, &key.decoding, &validation).map_err(|e| claim_error(&e))?;
        self.principal(data.claims)
    }

    fn principal(&self, claims: Map<String, Value>) -> Result<Principal> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let issuer = text("iss").unwrap_or_default();
        if issuer != self.config.issuer {
            return Err(Error::new(ErrorKind::Unauthorized, "the token comes from another issuer"));
        }
        let name = text(&self.config.principal_claim).filter(|n| !n.trim().is_empty()).ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthorized,
                format!("the token has no {:?} claim to name its principal", self.config.principal_claim),
            )
        })?;
        let strings = |value: Option<&Value>| -> Vec<String> {
            match value {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                _ => Vec::new(),
            }
        };
        Ok(Principal {
            name,
            subject: text("sub"),
            issuer,
            audiences: strings(claims.get("aud")),
            authorized_party: text("azp"),
            groups: strings(claims.get(&self.config.groups_claim)),
            expires_at: claims.get("exp").and_then(Value::as_u64).unwrap_or_default(),
        })
    }
}

/// Why jsonwebtoken rejected a token, as an `Unauthorized` error.
fn claim_error(error: &jsonwebtoken::errors::Error) -> Error {
    let message = match error.kind() {
        JwtErrorKind::InvalidSignature => "the token signature is invalid".to_owned(),
        JwtErrorKind::ExpiredSignature => "the token has expired".to_owned(),
        JwtErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_owned(),
        JwtErrorKind::InvalidIssuer => "the token comes from another issuer".to_owned(),
        JwtErrorKind::InvalidAudience => "the token is not meant for this client (aud)".to_owned(),
        JwtErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the {claim:?} claim"),
        JwtErrorKind::InvalidClaimFormat(claim) => format!("the token's {claim:?} claim is malformed"),
        JwtErrorKind::InvalidAlgorithm => "the token algorithm does not match its key".to_owned(),
        _ => "the token is malformed".to_owned(),
    };
    Error::new(ErrorKind::Unauthorized, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn malformed_tokens_fail_before_any_network_access() {
        // The issuer does not exist: any network access would fail with Unavailable instead.
        let validator = JwtValidator::new(ValidatorConfig::new("http://127.0.0.1:1/realms/none", "trino")).unwrap();
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        let hs_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"HS256","typ":"JWT"}
        for (token, says) in [
            ("", "three parts"),
            ("a.b", "three parts"),
            ("a.b.c.d.e", "three parts"),
            (&format!("{none_header}.e30."), "unsigned"),
            (&format!("{none_header}.e30.c2ln"), "none"),
            (&format!("{hs_header}.e30.c2ln"), "HMAC"),
            (&"x".repeat(MAX_TOKEN_BYTES + 1), "too long"),
        ] {
            let err = validator.validate(token).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthorized, "{token}");
            assert!(err.message().contains(says), "{token}: {err}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_unavailable_and_rate_limited() {
        let mut config = ValidatorConfig::new("http://127.0.0.1:1/realms/none", "trino");
        config.jwks_min_refresh_interval = std::time::Duration::from_secs(60);
        let validator = JwtValidator::new(config).unwrap();
        let rs_header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"RS256","typ":"JWT"}
        let token = format!("{rs_header}.e30.c2ln");
        let first = validator.validate(&token).await.unwrap_err();
        assert_eq!(first.kind(), ErrorKind::Unavailable, "{first}");
        let started = Instant::now();
        let second = validator.validate(&token).await.unwrap_err();
        assert_eq!((second.kind(), second.message()), (first.kind(), first.message()));
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
    }
}
