//! The gateway's authentication step: which requests need a validated bearer JWT, the
//! principal, and the `X-Trino-User` rule. The policy table is on
//! [`GatewayAuthConfig`](crate::auth::GatewayAuthConfig).

use std::collections::HashSet;

use axum::body::Body;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};

use super::proxy::trino_error;
use crate::auth::{GatewayAuthConfig, JwtValidator, Principal};
use crate::error::{ErrorKind, Result};
use crate::routing::headers::USER;

/// Authenticates proxied requests.
pub(crate) struct Authenticator {
    validator: JwtValidator,
    required: bool,
    impersonators: HashSet<String>,
}

/// What the `Authorization` header holds.
enum Credentials<'a> {
    None,
    /// A compact JWS (three parts): validated here.
    Jwt(&'a str),
    /// A compact JWE (five parts): a token Trino issued itself (`refresh-tokens`).
    TrinoToken,
    /// Another scheme (`Basic` …), or several `Authorization` headers.
    Other,
}

impl Authenticator {
    /// Builds the validator and tries discovery now: a configuration the provider contradicts
    /// (`InvalidInput`, e.g. a wrong issuer) stops the start; an unreachable provider is logged
    /// and retried on the first requests.
    pub(crate) async fn start(config: &GatewayAuthConfig) -> Result<Self> {
        config.validate()?;
        let validator = JwtValidator::new(config.oidc.clone())?;
        match validator.provider().await {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::InvalidInput => return Err(e),
            Err(e) => tracing::warn!(error = %e, "OIDC discovery failed; retrying on the first authenticated request"),
        }
        Ok(Self { validator, required: config.required, impersonators: config.impersonators.iter().cloned().collect() })
    }

    /// Authenticates a request for `path`: `Ok(Some(principal))` for a valid token (with
    /// `X-Trino-User` checked, or set to the principal when absent), `Ok(None)` for a request
    /// passed through to Trino's own authentication, `Err(response)` (401, 403 or 503) otherwise.
    pub(crate) async fn authenticate(
        &self,
        path: &str,
        headers: &mut HeaderMap,
    ) -> std::result::Result<Option<Principal>, Response<Body>> {
        if is_login_leg(path) {
            return Ok(None); // Trino's login legs: how clients get a token in the first place
        }
        let token = match credentials(headers) {
            Credentials::Jwt(token) => token,
            Credentials::None if !self.required => return Ok(None),
            Credentials::TrinoToken | Credentials::Other if !self.required => return Ok(None),
            Credentials::None => return Err(unauthorized(None, "authentication required: send a bearer token")),
            Credentials::TrinoToken => {
                return Err(unauthorized(
                    Some("invalid_token"),
                    "the gateway requires a token from the identity provider, not one issued by Trino",
                ));
            }
            Credentials::Other => {
                return Err(unauthorized(None, "authentication required: send one bearer token"));
            }
        };
        let principal = match self.validator.validate(token).await {
            Ok(principal) => principal,
            Err(e) if matches!(e.kind(), ErrorKind::Unavailable | ErrorKind::Timeout) => {
                tracing::warn!(error = %e, "cannot validate a bearer token: the identity provider is unreachable");
                return Err(trino_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "AUTHENTICATION_UNAVAILABLE",
                    "the gateway cannot validate tokens now: the identity provider is unreachable",
                ));
            }
            Err(e) => {
                tracing::info!(reason = %e, path, "rejected a bearer token");
                return Err(unauthorized(Some("invalid_token"), e.message()));
            }
        };
        let mut users = headers.get_all(USER).iter();
        match (users.next(), users.next()) {
            (None, _) => {
                if let Ok(value) = HeaderValue::try_from(principal.name.as_str()) {
                    headers.insert(USER, value);
                }
            }
            (Some(user), None) if user.as_bytes() == principal.name.as_bytes() => {}
            (Some(user), None) if self.impersonators.contains(&principal.name) => {
                tracing::debug!(principal = %principal.name, user = ?user, "impersonation allowed by the gateway");
            }
            (Some(user), None) => {
                let user = String::from_utf8_lossy(user.as_bytes()).into_owned();
                tracing::info!(principal = %principal.name, user = %user, "refused X-Trino-User of another user");
                return Err(trino_error(
                    StatusCode::FORBIDDEN,
                    "PERMISSION_DENIED",
                    &format!(
                        "{:?} may not run queries as {user:?} (X-Trino-User must match the token)",
                        principal.name
                    ),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(trino_error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "several X-Trino-User headers"));
            }
        }
        Ok(Some(principal))
    }
}

/// Whether `path` is one of Trino's OAuth2 login legs (`/oauth2/…`). A path with dot segments,
/// percent-encoded characters, `;` or `\\` is never one: the coordinator's server could
/// normalise it into another path (`/oauth2/../v1/statement`).
fn is_login_leg(path: &str) -> bool {
    (path == "/oauth2" || path.starts_with("/oauth2/"))
        && !path.split('/').any(|segment| segment == "." || segment == "..")
        && !path.contains(['%', ';', '\\'])
}

fn credentials(headers: &HeaderMap) -> Credentials<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Credentials::None,
        (Some(value), None) => value,
        (Some(_), Some(_)) => return Credentials::Other,
    };
    let Ok(value) = value.to_str() else { return Credentials::Other };
    let Some((scheme, token)) = value.trim().split_once(' ') else { return Credentials::Other };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Credentials::Other;
    }
    let token = token.trim();
    match token.split('.').count() {
        5 => Credentials::TrinoToken,
        _ => Credentials::Jwt(token),
    }
}

/// A 401 with `WWW-Authenticate: Bearer` (RFC 6750) and a Trino-shaped JSON body.
fn unauthorized(error: Option<&str>, message: &str) -> Response<Body> {
    let mut response = trino_error(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILED", message);
    let description: String =
        message.chars().map(|c| if c == '"' || c == '\\' || !(' '..='~').contains(&c) { '\'' } else { c }).collect();
    let challenge = match error {
        Some(error) => {
            format!("Bearer realm=\"trino-gateway\", error=\"{error}\", error_description=\"{description}\"")
        }
        None => "Bearer realm=\"trino-gateway\"".to_owned(),
    };
    if let Ok(value) = HeaderValue::try_from(challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in authorization {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn credentials_are_classified() {
        assert!(matches!(credentials(&headers(&[])), Credentials::None));
        assert!(matches!(credentials(&headers(&["Bearer a.b.c"])), Credentials::Jwt("a.b.c")));
        assert!(matches!(credentials(&headers(&["bearer  a.b.c "])), Credentials::Jwt("a.b.c")));
        assert!(matches!(credentials(&headers(&["Bearer a.b.c.d.e"])), Credentials::TrinoToken));
        assert!(matches!(credentials(&headers(&["Basic YTpi"])), Credentials::Other));
        assert!(matches!(credentials(&headers(&["Bearer a.b.c", "Bearer d.e.f"])), Credentials::Other));
    }

    #[test]
    fn only_plain_oauth2_paths_are_login_legs() {
        for path in ["/oauth2", "/oauth2/callback", "/oauth2/token/initiate/abc", "/oauth2/token/xyz"] {
            assert!(is_login_leg(path), "{path}");
        }
        for path in
            ["/oauth2/../v1/statement", "/oauth2/%2e%2e/v1/statement", "/oauth2/x;/../v1", "/oauth2x", "/v1/statement"]
        {
            assert!(!is_login_leg(path), "{path}");
        }
    }

    #[test]
    fn challenges_are_header_safe() {
        let response = unauthorized(Some("invalid_token"), "the \"token\" has expired\n");
        let challenge = response.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert_eq!(
            challenge,
            "Bearer realm=\"trino-gateway\", error=\"invalid_token\", error_description=\"the 'token' has expired'\""
        );
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}
