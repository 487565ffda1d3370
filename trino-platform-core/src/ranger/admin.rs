//! `RangerAdmin`: a client of Ranger Admin's public v2 REST API (`/service/public/v2/api/…`)
//! and of the plugin download endpoint, over reqwest on rustls with the ring provider, HTTP
//! Basic authentication.
//!
//! It ensures (creates or updates, idempotently) the Trino service, the baseline policies and
//! named policies; deletes them; and downloads the service's policies as the plugin does.
//! `ensure` reads first and writes only what differs, so running it twice changes nothing the
//! second time.
//!
//! Errors map Ranger's answers to [`ErrorKind`]: 400 with `msgDesc` → `InvalidInput` (or
//! `Conflict` for "already exists" / duplicates), 401 → `Unauthorized`, 403 → `Forbidden`,
//! 404 → `NotFound`, 409 → `Conflict`, 502/503/504 and connection failures → `Unavailable`,
//! timeouts → `Timeout`, other 5xx → `Backend`. No message ever holds the password.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::config::{ServiceName, normalize_admin_url};
use super::model::{RangerPolicy, RangerService, ServicePolicies, VxResponse};
use super::spec::{
    PolicySpec, RangerSetupSpec, TrinoServiceSpec, baseline_policies, covers, merge_policy, policy_differs,
    same_resources,
};
use crate::error::{Error, ErrorKind, Result};

/// What `ensure` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// It did not exist and was created.
    Created,
    /// It existed and was changed.
    Updated,
    /// It was already as wanted.
    Unchanged,
}

/// The result of ensuring one thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ensured<T> {
    /// What was done.
    pub change: Change,
    /// The thing as Ranger holds it now.
    pub value: T,
}

/// One policy in a [`SetupReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyChange {
    /// The policy's name in Ranger (for a baseline merged into an existing policy, that
    /// policy's name).
    pub name: String,
    /// Ranger's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// What was done.
    pub change: Change,
}

/// What [`RangerAdmin::ensure`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupReport {
    /// The service.
    pub service: String,
    /// What was done to it.
    pub service_change: Change,
    /// Baseline and named policies, in order.
    pub policies: Vec<PolicyChange>,
}

impl SetupReport {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.service_change != Change::Unchanged || self.policies.iter().any(|p| p.change != Change::Unchanged)
    }
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

/// How to reach Ranger Admin.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangerAdminConfig {
    /// Base URL (`http://ranger-admin:6080`).
    pub url: String,
    /// Admin user (service creation needs a Ranger admin).
    pub username: String,
    /// Its password.
    pub password: SecretString,
    /// Per-request timeout (default `30s`).
    #[serde(default = "default_timeout", deserialize_with = "crate::duration::deserialize")]
    pub timeout: Duration,
    /// PEM CA certificates to trust besides the public web roots (a private CA).
    #[serde(default)]
    pub ca_certificates_pem: Option<String>,
}

impl fmt::Debug for RangerAdminConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RangerAdminConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"***")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RangerAdminConfig {
    /// A config with the default timeout and no extra CA.
    pub fn new(url: impl Into<String>, username: impl Into<String>, password: SecretString) -> Self {
        Self {
            url: url.into(),
            username: username.into(),
            password,
            timeout: default_timeout(),
            ca_certificates_pem: None,
        }
    }
}

/// A Ranger Admin client. Cheap to clone; share one per Ranger Admin.
#[derive(Clone)]
pub struct RangerAdmin {
    client: reqwest::Client,
    base: url::Url,
    username: String,
    password: SecretString,
}

impl fmt::Debug for RangerAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RangerAdmin").field("url", &self.base.as_str()).field("username", &self.username).finish()
    }
}

/// A TLS config on rustls with the ring provider, the webpki roots plus `extra_pem`.
fn tls_config(extra_pem: Option<&str>) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| Error::invalid_input(format!("caCertificatesPem: invalid PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| Error::invalid_input(format!("caCertificatesPem: unusable certificate: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::invalid_input("caCertificatesPem: no certificate found"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Where a call went, for messages: `GET /service/public/v2/api/service/name/dev_trino`.
struct Call<'a> {
    method: &'a Method,
    path: String,
}

impl fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ranger Admin {} {}", self.method, self.path)
    }
}

/// Maps a reqwest failure (no response) to an error without the URL's secrets.
fn transport_error(call: &Call<'_>, error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_connect() || error.is_request() || error.is_body() {
        ErrorKind::Unavailable
    } else if error.is_decode() {
        ErrorKind::Backend
    } else {
        ErrorKind::Unavailable
    };
    let what = match kind {
        ErrorKind::Timeout => "timed out",
        ErrorKind::Backend => "sent a body that is not what its API documents",
        _ => "could not be reached",
    };
    Error::new(kind, format!("{call} {what}")).with_source(error.without_url())
}

/// Maps an error status to an error kind and a message from Ranger's `msgDesc`.
fn status_error(call: &Call<'_>, status: StatusCode, body: &[u8]) -> Error {
    let desc = serde_json::from_slice::<VxResponse>(body).ok().and_then(|r| r.msg_desc).filter(|d| !d.is_empty());
    let kind = match status.as_u16() {
        400 => {
            let lower = desc.as_deref().unwrap_or("").to_ascii_lowercase();
            if lower.contains("already exists") || lower.contains("duplicate") {
                ErrorKind::Conflict
            } else {
                ErrorKind::InvalidInput
            }
        }
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        502..=504 => ErrorKind::Unavailable,
        _ => ErrorKind::Backend,
    };
    let message = match (kind, desc) {
        (ErrorKind::Unauthorized, _) => format!("{call}: 401: the user name or password was refused"),
        (ErrorKind::Forbidden, d) => format!(
            "{call}: 403: the user may not do this{}",
            d.map(|d| format!(" ({})", one_line(&d))).unwrap_or_default()
        ),
        (_, Some(d)) => format!("{call}: {}: {}", status.as_u16(), one_line(&d)),
        (_, None) => format!("{call}: {}", status),
    };
    Error::new(kind, message)
}

fn one_line(text: &str) -> String {
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if line.chars().count() > 300 { format!("{}…", line.chars().take(300).collect::<String>()) } else { line }
}

impl RangerAdmin {
    /// A client for Ranger Admin at `url` as `username`. Builds no connection yet.
    /// Fails with `InvalidInput` on a bad URL.
    pub fn new(url: &str, username: impl Into<String>, password: SecretString) -> Result<Self> {
        Self::connect(&RangerAdminConfig::new(url, username, password))
    }

    /// A client from a config. Fails with `InvalidInput` on a bad URL or CA PEM.
    pub fn connect(config: &RangerAdminConfig) -> Result<Self> {
        let base = normalize_admin_url(&config.url)?;
        let base =
            url::Url::parse(&base).map_err(|e| Error::invalid_input(format!("invalid Ranger Admin URL: {e}")))?;
        if config.username.is_empty() {
            return Err(Error::invalid_input("the Ranger Admin user name is empty"));
        }
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config(config.ca_certificates_pem.as_deref())?)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("trino-platform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client, base, username: config.username.clone(), password: config.password.clone() })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        self.base.as_str()
    }

    fn url_for(&self, segments: &[&str]) -> Result<url::Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::invalid_input("the Ranger Admin URL cannot take a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends one request; returns the answer whatever its status (404 and 304 mean different
    /// things per call, so mapping them is the caller's).
    async fn send(
        &self,
        method: &Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<Answer> {
        let url = self.url_for(segments)?;
        let path = url.path().to_owned();
        let call = Call { method, path: path.clone() };
        let mut request = self
            .client
            .request(method.clone(), url)
            .basic_auth(&self.username, Some(self.password.expose_secret()))
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            let json = body.to_json().map_err(|e| Error::new(ErrorKind::Internal, format!("{call}: {e}")))?;
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(json);
        }
        let response = request.send().await.map_err(|e| transport_error(&call, e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| transport_error(&call, e))?.to_vec();
        Ok(Answer { status, body, path })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&(dyn erased::Body + Sync)>,
        not_found_is_none: bool,
    ) -> Result<Option<T>> {
        let answer = self.send(&method, segments, query, body).await?;
        let call = Call { method: &method, path: answer.path };
        if answer.status == StatusCode::NOT_FOUND && not_found_is_none {
            return Ok(None);
        }
        if !answer.status.is_success() {
            return Err(status_error(&call, answer.status, &answer.body));
        }
        let body: &[u8] = if answer.body.is_empty() { b"null" } else { &answer.body };
        serde_json::from_slice::<T>(body).map(Some).map_err(|e| {
            Error::new(ErrorKind::Backend, format!("{call}: the answer is not the JSON Ranger documents: {e}"))
        })
    }

    // ----- services -----

    /// The service named `name`, or `None`.
    pub async fn get_service(&self, name: &str) -> Result<Option<RangerService>> {
        self.call(Method::GET, &["service", "public", "v2", "api", "service", "name", name], &[], None, true).await
    }

    /// Creates a service (Ranger answers 200 with it). Fails with `Conflict` when the name is
    /// taken.
    pub async fn create_service(&self, service: &RangerService) -> Result<RangerService> {
        self.required(Method::POST, &["service", "public", "v2", "api", "service"], &[], Some(service)).await
    }

    /// Replaces a service by its id. Fails with `InvalidInput` without an id.
    pub async fn update_service(&self, service: &RangerService) -> Result<RangerService> {
        let id = service.id.ok_or_else(|| Error::invalid_input("update_service needs the service's id"))?.to_string();
        self.required(Method::PUT, &["service", "public", "v2", "api", "service", &id], &[], Some(service)).await
    }

    /// Deletes the service named `name` (and its policies). Returns whether it existed.
    pub async fn delete_service(&self, name: &str) -> Result<bool> {
        let done: Option<Option<serde_json::Value>> = self
            .call(Method::DELETE, &["service", "public", "v2", "api", "service", "name", name], &[], None, true)
            .await?;
        Ok(done.is_some())
    }

    /// Creates the Trino service or brings it in line with `spec` (configs it names, display
    /// name, description, enabled; other configs are left alone). Fails with `Conflict` when a
    /// service of another type has the name.
    pub async fn ensure_service(&self, spec: &TrinoServiceSpec) -> Result<Ensured<RangerService>> {
        let desired = spec.to_service()?;
        let Some(current) = self.get_service(spec.name.as_str()).await? else {
            let created = self.create_service(&desired).await?;
            return Ok(Ensured { change: Change::Created, value: created });
        };
        if current.service_type != "trino" {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "Ranger service {:?} exists with type {:?}, not trino; pick another service name",
                    current.name, current.service_type
                ),
            ));
        }
        let wanted = spec.desired_configs()?;
        let differs = wanted.iter().any(|(k, v)| current.configs.get(k) != Some(v))
            || current.is_enabled.unwrap_or(true) != spec.enabled
            || (current.display_name.is_some() || spec.display_name.is_some())
                && current.display_name != desired.display_name
            || spec.description.is_some() && current.description != spec.description;
        if !differs {
            return Ok(Ensured { change: Change::Unchanged, value: current });
        }
        let mut merged = current.clone();
        merged.configs.extend(desired.configs);
        merged.is_enabled = desired.is_enabled;
        merged.display_name = desired.display_name;
        if spec.description.is_some() {
            merged.description = spec.description.clone();
        }
        let updated = self.update_service(&merged).await?;
        Ok(Ensured { change: Change::Updated, value: updated })
    }

    // ----- policies -----

    /// The policy `name` of service `service`, or `None`.
    pub async fn get_policy(&self, service: &str, name: &str) -> Result<Option<RangerPolicy>> {
        self.call(Method::GET, &["service", "public", "v2", "api", "service", service, "policy", name], &[], None, true)
            .await
    }

    /// Every policy of `service`. Fails with `NotFound` when the service does not exist.
    pub async fn list_policies(&self, service: &str) -> Result<Vec<RangerPolicy>> {
        self.required(Method::GET, &["service", "public", "v2", "api", "service", service, "policy"], &[], None).await
    }

    /// Creates a policy (Ranger answers 200 with it). Fails with `Conflict` when the name or
    /// the resources are taken by another policy of the service.
    pub async fn create_policy(&self, policy: &RangerPolicy) -> Result<RangerPolicy> {
        self.required(Method::POST, &["service", "public", "v2", "api", "policy"], &[], Some(policy)).await
    }

    /// Replaces a policy by its id. Fails with `InvalidInput` without an id.
    pub async fn update_policy(&self, policy: &RangerPolicy) -> Result<RangerPolicy> {
        let id = policy.id.ok_or_else(|| Error::invalid_input("update_policy needs the policy's id"))?.to_string();
        self.required(Method::PUT, &["service", "public", "v2", "api", "policy", &id], &[], Some(policy)).await
    }

    /// Deletes policy `name` of `service`. Returns whether it existed.
    pub async fn delete_policy(&self, service: &str, name: &str) -> Result<bool> {
        let done: Option<Option<serde_json::Value>> = self
            .call(
                Method::DELETE,
                &["service", "public", "v2", "api", "policy"],
                &[("servicename", service), ("policyname", name)],
                None,
                true,
            )
            .await?;
        Ok(done.is_some())
    }

    /// Creates policy `spec.name` in `service` or brings it in line with the spec (matched by
    /// name; Ranger's own fields are kept). Fails with `InvalidInput` on an invalid spec and
    /// `Conflict` when another policy already has the same resources.
    pub async fn ensure_policy(&self, service: &ServiceName, spec: &PolicySpec) -> Result<Ensured<RangerPolicy>> {
        let desired = spec.to_policy(service)?;
        self.ensure_policy_value(service, &desired).await
    }

    async fn ensure_policy_value(
        &self,
        service: &ServiceName,
        desired: &RangerPolicy,
    ) -> Result<Ensured<RangerPolicy>> {
        let name = desired.name.as_deref().unwrap_or_default();
        match self.get_policy(service.as_str(), name).await? {
            None => Ok(Ensured { change: Change::Created, value: self.create_policy(desired).await? }),
            Some(current) if !policy_differs(desired, &current) => {
                Ok(Ensured { change: Change::Unchanged, value: current })
            }
            Some(current) => {
                let merged = merge_policy(desired, &current);
                Ok(Ensured { change: Change::Updated, value: self.update_policy(&merged).await? })
            }
        }
    }

    /// Ensures the baseline policies Trino needs ([`baseline_policies`]). A baseline policy
    /// that exists by name is brought in line; otherwise, when another policy already holds the
    /// same resources (Ranger creates "all - queryid" with every service, and forbids two
    /// policies on one resource), the baseline item is added to that policy if it lacks it;
    /// otherwise the policy is created.
    pub async fn ensure_baseline(&self, service: &ServiceName) -> Result<Vec<Ensured<RangerPolicy>>> {
        let mut existing: Option<Vec<RangerPolicy>> = None;
        let mut out = Vec::new();
        for spec in baseline_policies() {
            let desired = spec.to_policy(service)?;
            if self.get_policy(service.as_str(), &spec.name).await?.is_some() {
                out.push(self.ensure_policy_value(service, &desired).await?);
                continue;
            }
            if existing.is_none() {
                existing = Some(self.list_policies(service.as_str()).await?);
            }
            let holder = existing.iter().flatten().find(|p| same_resources(&desired, p)).cloned();
            let ensured = match holder {
                Some(holder) => {
                    let wanted = desired.policy_items.first().cloned().unwrap_or_default();
                    if covers(&holder, &wanted) {
                        Ensured { change: Change::Unchanged, value: holder }
                    } else {
                        let mut updated = holder.clone();
                        updated.policy_items.push(wanted);
                        Ensured { change: Change::Updated, value: self.update_policy(&updated).await? }
                    }
                }
                None => Ensured { change: Change::Created, value: self.create_policy(&desired).await? },
            };
            if let Some(list) = existing.as_mut() {
                list.retain(|p| p.id != ensured.value.id);
                list.push(ensured.value.clone());
            }
            out.push(ensured);
        }
        Ok(out)
    }

    /// Converges a whole setup: the service, the baseline (when asked) and the named policies.
    /// Validates the spec first, so nothing is written when any part is invalid.
    pub async fn ensure(&self, spec: &RangerSetupSpec) -> Result<SetupReport> {
        spec.validate()?;
        let service = self.ensure_service(&spec.service).await?;
        let mut policies = Vec::new();
        let report = |e: &Ensured<RangerPolicy>| PolicyChange {
            name: e.value.name.clone().unwrap_or_default(),
            id: e.value.id,
            change: e.change,
        };
        if spec.baseline {
            policies.extend(self.ensure_baseline(&spec.service.name).await?.iter().map(report));
        }
        for policy in &spec.policies {
            policies.push(report(&self.ensure_policy(&spec.service.name, policy).await?));
        }
        Ok(SetupReport { service: spec.service.name.to_string(), service_change: service.change, policies })
    }

    /// Downloads the service's policies the way the plugin does, from the authenticated
    /// endpoint (`/service/plugins/secure/policies/download/{service}`). Returns `None` when
    /// Ranger answers 304 (nothing newer than `last_known_version`). Fails with `NotFound` for
    /// an unknown service and `Forbidden` when the user is neither an admin nor listed in the
    /// service's `policy.download.auth.users`.
    pub async fn download_policies(
        &self,
        service: &str,
        last_known_version: Option<i64>,
    ) -> Result<Option<ServicePolicies>> {
        let version = last_known_version.unwrap_or(-1).to_string();
        let plugin_id = format!("trino-platform@{service}");
        let query = [
            ("lastKnownVersion", version.as_str()),
            ("lastActivationTime", "0"),
            ("pluginId", plugin_id.as_str()),
            ("clusterName", ""),
            ("supportsPolicyDeltas", "false"),
        ];
        let segments = ["service", "plugins", "secure", "policies", "download", service];
        let answer = self.send(&Method::GET, &segments, &query, None).await?;
        let call = Call { method: &Method::GET, path: answer.path };
        if answer.status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !answer.status.is_success() {
            return Err(status_error(&call, answer.status, &answer.body));
        }
        serde_json::from_slice(&answer.body).map(Some).map_err(|e| {
            Error::new(ErrorKind::Backend, format!("{call}: the answer is not the ServicePolicies JSON: {e}"))
        })
    }

    async fn required<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<T> {
        self.call(method.clone(), segments, query, body, false).await?.ok_or_else(|| {
            Error::new(ErrorKind::Internal, format!("Ranger Admin {method} {}: no answer", segments.join("/")))
        })
    }
}

/// Serializable request bodies behind one object-safe trait.
mod erased {
    pub(super) trait Body {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error>;
    }

    impl<T: serde::Serialize> Body for T {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
            serde_json::to_vec(self)
        }
    }
}

/// An answer of any status.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_map_to_kinds_without_secrets() {
        let call = Call { method: &Method::POST, path: "/service/public/v2/api/policy".into() };
        let dup =
            br#"{"statusCode":1,"msgDesc":"(3006) Another policy already exists for this name: policy-name=[x]"}"#;
        assert_eq!(status_error(&call, StatusCode::BAD_REQUEST, dup).kind(), ErrorKind::Conflict);
        let bad = br#"{"statusCode":1,"msgDesc":"invalid resource"}"#;
        let err = status_error(&call, StatusCode::BAD_REQUEST, bad);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains("invalid resource"), "{err}");
        for (status, kind) in [
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (500, ErrorKind::Backend),
            (503, ErrorKind::Unavailable),
        ] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(status_error(&call, status, b"<html>").kind(), kind, "{status}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let admin = RangerAdmin::new("http://ranger:6080/", "admin", SecretString::from("rangerR0cks!")).unwrap();
        assert!(!format!("{admin:?}").contains("rangerR0cks"));
        assert_eq!(admin.url(), "http://ranger:6080/");
        let config = RangerAdminConfig::new("http://r", "admin", SecretString::from("pw-123"));
        assert!(!format!("{config:?}").contains("pw-123"));
        assert!(RangerAdmin::new("ftp://x", "a", SecretString::from("p")).is_err());
    }
}
