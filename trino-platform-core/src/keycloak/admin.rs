//! The Admin REST API client: connection settings, requests, and Keycloak's answers as typed
//! errors.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::token::AdminToken;
use crate::auth::http;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::redact_url;

/// How to reach Keycloak and log in to its Admin API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeycloakConnection {
    /// Keycloak's base URL (`https://keycloak.example.com`; add `/auth` when Keycloak runs with
    /// `--http-relative-path=/auth`).
    pub url: String,
    /// The realm of the admin account (default `master`).
    #[serde(default = "default_auth_realm")]
    pub auth_realm: String,
    /// The admin account.
    pub credentials: AdminCredentials,
    /// Time limit of each request (default 30s).
    #[serde(default = "default_timeout", with = "crate::duration")]
    pub timeout: Duration,
    /// PEM file of extra CA certificates to trust (besides the webpki roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_auth_realm() -> String {
    "master".to_owned()
}
fn default_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_admin_client() -> String {
    "admin-cli".to_owned()
}

impl KeycloakConnection {
    /// A connection to `url` with `credentials`, in realm `master`, with the defaults.
    pub fn new(url: impl Into<String>, credentials: AdminCredentials) -> Self {
        Self {
            url: url.into(),
            auth_realm: default_auth_realm(),
            credentials,
            timeout: default_timeout(),
            ca_file: None,
        }
    }
}

/// The admin account. `Debug` shows no secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "grant", rename_all = "camelCase", deny_unknown_fields)]
pub enum AdminCredentials {
    /// Password grant on a public client (`admin-cli` by default), for an admin user.
    #[serde(rename_all = "camelCase")]
    Password {
        /// The admin user.
        username: String,
        /// Its password.
        password: SecretString,
        /// The public client to log in through (default `admin-cli`).
        #[serde(default = "default_admin_client")]
        client_id: String,
    },
    /// Client-credentials grant, for a service account with admin roles (for example
    /// `realm-management`'s `manage-clients`, `manage-realm`, `manage-users`).
    #[serde(rename_all = "camelCase")]
    ClientCredentials {
        /// The confidential client.
        client_id: String,
        /// Its secret.
        client_secret: SecretString,
    },
}

impl AdminCredentials {
    /// Password grant through `admin-cli`.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        AdminCredentials::Password {
            username: username.into(),
            password: SecretString::from(password.into()),
            client_id: default_admin_client(),
        }
    }

    /// Client-credentials grant.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        AdminCredentials::ClientCredentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// The client the grant goes through.
    pub(crate) fn client_id(&self) -> &str {
        match self {
            AdminCredentials::Password { client_id, .. } | AdminCredentials::ClientCredentials { client_id, .. } => {
                client_id
            }
        }
    }

    /// The client secret, for a confidential client.
    pub(crate) fn client_secret(&self) -> Option<&SecretString> {
        match self {
            AdminCredentials::Password { .. } => None,
            AdminCredentials::ClientCredentials { client_secret, .. } => Some(client_secret),
        }
    }
}

/// A logged-in client of Keycloak's Admin REST API. Its token is refreshed before it expires
/// (and fetched again after a 401), so one value serves a long-running program.
pub struct KeycloakAdmin {
    pub(crate) base: Url,
    pub(crate) connection: KeycloakConnection,
    pub(crate) client: reqwest::Client,
    pub(crate) token: tokio::sync::Mutex<Option<AdminToken>>,
}

impl std::fmt::Debug for KeycloakAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeycloakAdmin")
            .field("url", &redact_url(self.base.as_str()))
            .field("auth_realm", &self.connection.auth_realm)
            .field("client_id", &self.connection.credentials.client_id())
            .finish()
    }
}

/// An answer of the Admin API with a success status.
pub(crate) struct Answer {
    pub(crate) location: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The body as JSON of type `T`; `Backend` when it is not.
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(ErrorKind::Backend, format!("{what}: Keycloak's answer is not the expected JSON: {e}"))
        })
    }

    /// The last path segment of `Location` (the new object's id after a 201).
    pub(crate) fn created_id(&self, what: &str) -> Result<String> {
        self.location
            .as_deref()
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorKind::Backend, format!("{what}: Keycloak answered without a Location")))
    }
}

impl KeycloakAdmin {
    /// A client for `connection`, not logged in yet (the first request logs in). Fails with
    /// `InvalidInput` for a URL that is not `http(s)://…` or an unreadable CA file.
    pub fn new(connection: KeycloakConnection) -> Result<Self> {
        let base = Url::parse(connection.url.trim_end_matches('/')).map_err(|e| {
            Error::invalid_input(format!("Keycloak URL {:?} is invalid: {e}", redact_url(&connection.url)))
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() || base.host_str().is_none() {
            return Err(Error::invalid_input(format!(
                "Keycloak URL {:?} must be an http(s) URL",
                redact_url(&connection.url)
            )));
        }
        if base.query().is_some() || !base.username().is_empty() || base.password().is_some() {
            return Err(Error::invalid_input("Keycloak URL must have no query and no user info"));
        }
        if connection.auth_realm.trim().is_empty() {
            return Err(Error::invalid_input("Keycloak authRealm must not be empty"));
        }
        let client = http::client(connection.timeout, connection.ca_file.as_deref())?;
        Ok(Self { base, connection, client, token: Default::default() })
    }

    /// A client that has logged in. Fails with `Unauthorized` for rejected credentials,
    /// `NotFound` for an unknown login realm, `Unavailable`/`Timeout` when Keycloak cannot be
    /// reached.
    pub async fn connect(connection: KeycloakConnection) -> Result<Self> {
        let admin = Self::new(connection)?;
        admin.access_token(false).await?;
        Ok(admin)
    }

    /// Keycloak's base URL.
    pub fn url(&self) -> &str {
        self.base.as_str()
    }

    /// `{base}/{segments…}`, each segment percent-encoded.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends an Admin API request (`/admin/realms/…` = `segments`) with the admin token; after a
    /// 401 the token is fetched again and the request sent once more. Non-2xx answers become
    /// typed errors that start with `what`.
    pub(crate) async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Answer> {
        let mut url = self.endpoint(&[&["admin", "realms"][..], segments].concat());
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut retried = false;
        loop {
            let token = self.access_token(retried).await?;
            let mut request = self.client.request(method.clone(), url.clone()).bearer_auth(token.expose_secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|e| http::transport_error(what, url.as_str(), e))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !retried {
                retried = true;
                continue;
            }
            let location =
                response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok()).map(str::to_owned);
            let bytes = response.bytes().await.map_err(|e| http::transport_error(what, url.as_str(), e))?;
            if !status.is_success() {
                return Err(status_error(what, &method, status, &bytes));
            }
            return Ok(Answer { location, body: bytes.to_vec() });
        }
    }

    /// `GET` returning JSON.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<T> {
        self.send(Method::GET, segments, query, None, what).await?.json(what)
    }
}

/// A non-2xx answer as a typed error whose message carries Keycloak's own explanation
/// (`errorMessage`, `error_description` or `error`), cut short.
pub(crate) fn status_error(what: &str, method: &Method, status: StatusCode, body: &[u8]) -> Error {
    let detail = keycloak_message(body);
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    let (kind, hint) = match status.as_u16() {
        400 => (ErrorKind::InvalidInput, ""),
        401 => (ErrorKind::Unauthorized, " (the admin token was rejected)"),
        403 => (
            ErrorKind::Forbidden,
            " (the admin account lacks the roles for this, e.g. realm-management manage-clients / manage-realm / manage-users)",
        ),
        404 => (ErrorKind::NotFound, ""),
        409 if *method == Method::POST => (ErrorKind::AlreadyExists, ""),
        409 => (ErrorKind::Conflict, ""),
        502..=504 => (ErrorKind::Unavailable, ""),
        _ => (ErrorKind::Backend, ""),
    };
    Error::new(kind, format!("{what}: Keycloak answered HTTP {status}{detail}{hint}"))
}

/// Keycloak's explanation in an error body, one short line ("" when there is none).
pub(crate) fn keycloak_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(json) => ["errorMessage", "error_description", "error"]
            .iter()
            .filter_map(|k| json.get(k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(": "),
        Err(_) if body.starts_with(b"<") => String::new(), // an HTML error page
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    http::excerpt(&text, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, Method::PUT, ErrorKind::InvalidInput),
            (401, Method::GET, ErrorKind::Unauthorized),
            (403, Method::GET, ErrorKind::Forbidden),
            (404, Method::GET, ErrorKind::NotFound),
            (409, Method::POST, ErrorKind::AlreadyExists),
            (409, Method::PUT, ErrorKind::Conflict),
            (503, Method::GET, ErrorKind::Unavailable),
            (500, Method::GET, ErrorKind::Backend),
        ];
        for (status, method, kind) in cases {
            let err = status_error(
                "doing x",
                &method,
                StatusCode::from_u16(status).unwrap(),
                br#"{"errorMessage":"Client trino already exists"}"#,
            );
            assert_eq!(err.kind(), kind, "{status}");
            assert!(err.message().starts_with("doing x: Keycloak answered HTTP"), "{err}");
            assert!(err.message().contains("already exists"), "{err}");
        }
        assert_eq!(
            keycloak_message(br#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#),
            "Invalid user credentials: invalid_grant"
        );
        assert_eq!(keycloak_message(b"<html>boom</html>"), "");
    }

    #[test]
    fn connections_read_from_config_files() {
        let json =
            r#"{"url": "https://kc", "credentials": {"grant": "password", "username": "admin", "password": "pw-x"}}"#;
        let connection: KeycloakConnection = serde_json::from_str(json).unwrap();
        assert_eq!((connection.auth_realm.as_str(), connection.credentials.client_id()), ("master", "admin-cli"));
        assert!(!format!("{connection:?}").contains("pw-x"));
        let json = r#"{"url": "https://kc", "timeout": "5s", "credentials": {"grant": "clientCredentials", "clientId": "ops", "clientSecret": "s"}}"#;
        let connection: KeycloakConnection = serde_json::from_str(json).unwrap();
        assert_eq!(connection.timeout, Duration::from_secs(5));
        assert!(connection.credentials.client_secret().is_some());
        let typo = r#"{"url": "https://kc", "credentials": {"grant": "password", "username": "a", "password": "p", "pasword": "p"}}"#;
        assert!(serde_json::from_str::<KeycloakConnection>(typo).is_err());
    }

    #[test]
    fn urls_are_checked_and_segments_encoded() {
        let creds = || AdminCredentials::password("admin", "pw");
        for bad in ["ftp://kc", "kc.example.com", "http://u:p@kc", "http://kc?x=1"] {
            let err = KeycloakAdmin::new(KeycloakConnection::new(bad, creds())).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(!err.message().contains(":p@"), "{err}");
        }
        let admin = KeycloakAdmin::new(KeycloakConnection::new("https://kc.example.com/auth/", creds())).unwrap();
        assert_eq!(admin.endpoint(&["realms", "a b/c"]).as_str(), "https://kc.example.com/auth/realms/a%20b%2Fc");
        assert!(!format!("{admin:?}").contains("pw"));
    }
}
