//! The admin token: fetched by password or client-credentials grant, refreshed (refresh-token
//! grant when Keycloak gave one, else a new login) before it expires.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::admin::{AdminCredentials, KeycloakAdmin, keycloak_message};
use crate::auth::http;
use crate::error::{Error, ErrorKind, Result};

/// A cached admin token. `Debug` shows no secret.
#[derive(Debug)]
pub(crate) struct AdminToken {
    access: SecretString,
    /// When to stop using the access token (its expiry minus a margin).
    use_until: Instant,
    refresh: Option<(SecretString, Instant)>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    refresh_expires_in: Option<u64>,
}

/// The longest token life believed (a day); longer ones are used for a day.
const MAX_LIFETIME_SECS: u64 = 86_400;

/// How long before expiry a token is replaced: a quarter of its life, between 1 s and 30 s.
fn margin(lifetime: Duration) -> Duration {
    (lifetime / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

impl AdminToken {
    fn from_response(response: TokenResponse, asked_at: Instant) -> Self {
        // Bounded, so that no answer can overflow an `Instant`.
        let lifetime = Duration::from_secs(response.expires_in.unwrap_or(60).min(MAX_LIFETIME_SECS));
        let refresh = match (response.refresh_token, response.refresh_expires_in) {
            (Some(token), Some(secs)) if secs > 0 => {
                let life = Duration::from_secs(secs.min(MAX_LIFETIME_SECS));
                Some((token, asked_at + life.saturating_sub(margin(life))))
            }
            _ => None,
        };
        AdminToken {
            access: response.access_token,
            use_until: asked_at + lifetime.saturating_sub(margin(lifetime)),
            refresh,
        }
    }
}

impl KeycloakAdmin {
    /// A valid access token: the cached one, a refreshed one, or a new login (`fresh` forces a
    /// new login, after Keycloak rejected the cached token).
    pub(crate) async fn access_token(&self, fresh: bool) -> Result<SecretString> {
        let mut cached = self.token.lock().await;
        let now = Instant::now();
        if !fresh && let Some(token) = cached.as_ref() {
            if now < token.use_until {
                return Ok(token.access.clone());
            }
            if let Some((refresh, until)) = &token.refresh
                && now < *until
            {
                let refresh = refresh.clone();
                match self.grant(&[("grant_type", "refresh_token"), ("refresh_token", refresh.expose_secret())]).await {
                    Ok(token) => {
                        let access = token.access.clone();
                        *cached = Some(token);
                        return Ok(access);
                    }
                    Err(e) => tracing::debug!(error = %e, "refreshing the admin token failed; logging in again"),
                }
            }
        }
        *cached = None;
        let token = match &self.connection.credentials {
            AdminCredentials::Password { username, password, .. } => {
                self.grant(&[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", password.expose_secret()),
                ])
                .await?
            }
            AdminCredentials::ClientCredentials { .. } => self.grant(&[("grant_type", "client_credentials")]).await?,
        };
        let access = token.access.clone();
        *cached = Some(token);
        Ok(access)
    }

    /// Posts a grant to the login realm's token endpoint (the client id and, for a confidential
    /// client, its secret are added here).
    async fn grant(&self, form: &[(&str, &str)]) -> Result<AdminToken> {
        let realm = &self.connection.auth_realm;
        let url = self.endpoint(&["realms", realm, "protocol", "openid-connect", "token"]);
        let credentials = &self.connection.credentials;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("client_id", credentials.client_id()));
        if let Some(secret) = credentials.client_secret() {
            fields.push(("client_secret", secret.expose_secret()));
        }
        let what = format!("logging in to Keycloak (realm {realm}, client {})", credentials.client_id());
        let asked_at = Instant::now();
        let response = self
            .client
            .post(url.clone())
            .form(&fields)
            .send()
            .await
            .map_err(|e| http::transport_error(&what, url.as_str(), e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| http::transport_error(&what, url.as_str(), e))?;
        if !status.is_success() {
            let detail = keycloak_message(&body);
            let (kind, text) = match status.as_u16() {
                400 | 401 => (ErrorKind::Unauthorized, format!("Keycloak rejected the admin credentials ({detail})")),
                403 => (ErrorKind::Forbidden, format!("Keycloak refused the login ({detail})")),
                404 => (
                    ErrorKind::NotFound,
                    format!("Keycloak at {} has no realm {realm:?} (check the URL and authRealm)", self.base),
                ),
                502..=504 => (ErrorKind::Unavailable, format!("Keycloak is unavailable (HTTP {status})")),
                _ => (ErrorKind::Backend, format!("Keycloak answered HTTP {status} ({detail})")),
            };
            return Err(Error::new(kind, format!("{what}: {text}")));
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
            Error::new(ErrorKind::Backend, format!("{what}: Keycloak's token answer is not the expected JSON"))
        })?;
        Ok(AdminToken::from_response(token, asked_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_replaced_before_they_expire() {
        assert_eq!(margin(Duration::from_secs(60)), Duration::from_secs(15));
        assert_eq!(margin(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(margin(Duration::from_secs(3600)), Duration::from_secs(30));
        let now = Instant::now();
        let token = AdminToken::from_response(
            serde_json::from_str(r#"{"access_token":"tok-secret","expires_in":60,"refresh_token":"ref-secret","refresh_expires_in":1800}"#)
                .unwrap(),
            now,
        );
        assert_eq!(token.use_until, now + Duration::from_secs(45));
        assert!(token.refresh.is_some());
        let huge = AdminToken::from_response(
            serde_json::from_str(r#"{"access_token":"t","expires_in":18446744073709551615,"refresh_token":"r","refresh_expires_in":18446744073709551615}"#).unwrap(),
            now,
        );
        assert!(huge.use_until <= now + Duration::from_secs(MAX_LIFETIME_SECS));
        let debug = format!("{token:?}");
        assert!(!debug.contains("tok-secret") && !debug.contains("ref-secret"), "{debug}");
    }
}
