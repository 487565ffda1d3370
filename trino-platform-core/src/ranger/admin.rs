//! `RangerAdmin`: a client of Ranger Admin's public v2 REST API (`/service/public/v2/api/…`)
//! and of the plugin download endpoint, over reqwest on rustls with the ring provider, HTTP
//! Basic authentication.
//!
//! It ensures (creates or updates, idempotently) the Trino service, the baseline policies and
//! named policies; plans that (what `ensure` would do, from reads only); deletes them; and
//! downloads the service's policies as the plugin does. `ensure` reads first and writes only
//! what differs, so running it twice changes nothing the second time. `ensure` and `plan` run
//! the same decision steps (a private `Run` in apply or plan mode); planning records each write
//! instead of sending it, so later steps decide on what the earlier ones would have left.
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
use super::model::{
    RangerPolicy, RangerPolicyItem, RangerPolicyItemAccess, RangerPolicyResource, RangerService, ServicePolicies,
    VxResponse, is_secret_config,
};
use super::servicedef::RESOURCES;
use super::spec::{
    PolicySpec, RangerSetupSpec, TrinoServiceSpec, baseline_policies, covers, merge_policy, policy_differs,
    same_resources,
};
use crate::error::{Error, ErrorKind, Result};

/// What `ensure` did (or, in a plan, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// It did not exist and was (would be) created.
    Created,
    /// It existed and was (would be) changed.
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
    /// Ranger's id (`None` in a plan for a policy that does not exist yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// What was (would be) done.
    pub change: Change,
}

/// What [`RangerAdmin::ensure`] did, or what [`RangerAdmin::plan`] says it would do.
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
    /// Whether anything was (would be) written.
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
        Run::new(self, Mode::Apply).service(spec).await
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
        Run::new(self, Mode::Apply).policy(service, &desired).await
    }

    /// Ensures the baseline policies Trino needs ([`baseline_policies`]). A baseline policy
    /// that exists by name is brought in line; otherwise, when another policy already holds the
    /// same resources (Ranger creates "all - queryid" with every service, and forbids two
    /// policies on one resource), the baseline item is added to that policy if it lacks it;
    /// otherwise the policy is created.
    pub async fn ensure_baseline(&self, service: &ServiceName) -> Result<Vec<Ensured<RangerPolicy>>> {
        Run::new(self, Mode::Apply).baseline(service).await
    }

    /// Converges a whole setup: the service, the baseline (when asked) and the named policies.
    /// Validates the spec first, so nothing is written when any part is invalid.
    pub async fn ensure(&self, spec: &RangerSetupSpec) -> Result<SetupReport> {
        Run::new(self, Mode::Apply).setup(spec).await
    }

    /// What [`ensure`](Self::ensure) would do now, without writing: the same report (service
    /// change, then each baseline and named policy as `Created`, `Updated` or `Unchanged`),
    /// decided by the same steps from GETs only. A policy the plan would create has no id. When
    /// the service does not exist yet, the baseline is planned against the default policies
    /// Ranger creates with a new service (one `all - …` policy on `*` per resource path of the
    /// trino service definition, for the lookup user and `default.policy.users`), so the
    /// baseline item for `queryid=*` shows as an update of `all - queryid`, as `ensure` would
    /// report it. Fails like `ensure`: `InvalidInput` for an invalid spec, `Conflict` when a
    /// service of another type has the name, `Unauthorized`, `Forbidden`, `Unavailable`,
    /// `Timeout`; refusals Ranger makes only on a write (two policies on the same resources)
    /// are not predicted.
    pub async fn plan(&self, spec: &RangerSetupSpec) -> Result<SetupReport> {
        Run::new(self, Mode::Plan).setup(spec).await
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

/// Whether a [`Run`] writes what differs (`ensure*`) or only reports it (`plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Apply,
    Plan,
}

/// One converge run: the decision steps of `ensure_service`, `ensure_policy`,
/// `ensure_baseline` and `ensure`, shared by `ensure` ([`Mode::Apply`]) and `plan`
/// ([`Mode::Plan`]). Reads go to Ranger in both modes; writes only in `Apply` mode. In `Plan`
/// mode a write is recorded in `planned` instead, and the reads after it see it, so each step
/// decides on the state the earlier ones would have left.
struct Run<'a> {
    admin: &'a RangerAdmin,
    mode: Mode,
    /// Plan: the service would be created, so Ranger would hold only `planned` (its default
    /// policies and the planned writes); its policies are not read.
    new_service: bool,
    /// Plan: the policies as the planned writes would leave them (planned creations have no
    /// id). Always empty in `Apply` mode.
    planned: Vec<RangerPolicy>,
}

impl<'a> Run<'a> {
    fn new(admin: &'a RangerAdmin, mode: Mode) -> Self {
        Self { admin, mode, new_service: false, planned: Vec::new() }
    }

    // ----- the decision steps -----

    async fn setup(&mut self, spec: &RangerSetupSpec) -> Result<SetupReport> {
        spec.validate()?;
        let service = self.service(&spec.service).await?;
        let mut policies = Vec::new();
        let report = |e: &Ensured<RangerPolicy>| PolicyChange {
            name: e.value.name.clone().unwrap_or_default(),
            id: e.value.id,
            change: e.change,
        };
        if spec.baseline {
            policies.extend(self.baseline(&spec.service.name).await?.iter().map(report));
        }
        for policy in &spec.policies {
            let desired = policy.to_policy(&spec.service.name)?;
            policies.push(report(&self.policy(&spec.service.name, &desired).await?));
        }
        Ok(SetupReport { service: spec.service.name.to_string(), service_change: service.change, policies })
    }

    async fn service(&mut self, spec: &TrinoServiceSpec) -> Result<Ensured<RangerService>> {
        let desired = spec.to_service()?;
        let Some(current) = self.admin.get_service(spec.name.as_str()).await? else {
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

    async fn policy(&mut self, service: &ServiceName, desired: &RangerPolicy) -> Result<Ensured<RangerPolicy>> {
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

    async fn baseline(&mut self, service: &ServiceName) -> Result<Vec<Ensured<RangerPolicy>>> {
        let mut existing: Option<Vec<RangerPolicy>> = None;
        let mut out = Vec::new();
        for spec in baseline_policies() {
            let desired = spec.to_policy(service)?;
            if self.get_policy(service.as_str(), &spec.name).await?.is_some() {
                out.push(self.policy(service, &desired).await?);
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
                list.retain(|p| !same_policy(p, &ensured.value));
                list.push(ensured.value.clone());
            }
            out.push(ensured);
        }
        Ok(out)
    }

    // ----- reads and writes: to Ranger, or planned -----

    async fn get_policy(&self, service: &str, name: &str) -> Result<Option<RangerPolicy>> {
        if let Some(planned) = self.planned.iter().find(|p| p.name.as_deref() == Some(name)) {
            return Ok(Some(planned.clone()));
        }
        if self.new_service {
            return Ok(None);
        }
        self.admin.get_policy(service, name).await
    }

    async fn list_policies(&self, service: &str) -> Result<Vec<RangerPolicy>> {
        let mut list = if self.new_service { Vec::new() } else { self.admin.list_policies(service).await? };
        for planned in &self.planned {
            list.retain(|p| !same_policy(p, planned));
            list.push(planned.clone());
        }
        Ok(list)
    }

    async fn create_service(&mut self, desired: &RangerService) -> Result<RangerService> {
        match self.mode {
            Mode::Apply => self.admin.create_service(desired).await,
            Mode::Plan => {
                self.new_service = true;
                self.planned = default_policies(desired);
                Ok(masked(desired))
            }
        }
    }

    async fn update_service(&mut self, merged: &RangerService) -> Result<RangerService> {
        match self.mode {
            Mode::Apply => self.admin.update_service(merged).await,
            Mode::Plan => Ok(masked(merged)),
        }
    }

    async fn create_policy(&mut self, policy: &RangerPolicy) -> Result<RangerPolicy> {
        match self.mode {
            Mode::Apply => self.admin.create_policy(policy).await,
            Mode::Plan => Ok(self.record(policy)),
        }
    }

    async fn update_policy(&mut self, policy: &RangerPolicy) -> Result<RangerPolicy> {
        match self.mode {
            Mode::Apply => self.admin.update_policy(policy).await,
            Mode::Plan => Ok(self.record(policy)),
        }
    }

    /// Plan: remembers `policy` as Ranger would hold it after the write.
    fn record(&mut self, policy: &RangerPolicy) -> RangerPolicy {
        self.planned.retain(|p| !same_policy(p, policy));
        self.planned.push(policy.clone());
        policy.clone()
    }
}

/// Whether `a` and `b` are the same policy of a service: the same id, or the same name
/// (Ranger keeps names unique per service; planned creations have no id yet).
fn same_policy(a: &RangerPolicy, b: &RangerPolicy) -> bool {
    (a.id.is_some() && a.id == b.id) || (a.name.is_some() && a.name == b.name)
}

/// `service` with its password configs masked, as Ranger answers.
fn masked(service: &RangerService) -> RangerService {
    let mut service = service.clone();
    for (key, value) in service.configs.iter_mut() {
        if is_secret_config(key) {
            *value = "*******".to_owned();
        }
    }
    service
}

/// The policies Ranger creates with a new service of `service`'s type, as far as a plan needs
/// them: `RangerBaseService.getDefaultRangerPolicies` makes one `all - <resources>` policy per
/// resource path of the service definition (every trino resource is mandatory), with `*` for
/// each resource and an `all` item for the lookup user (`username`) and `default.policy.users`.
/// Users Ranger Admin itself adds (`ranger.default.policy.users`) are not known here.
fn default_policies(service: &RangerService) -> Vec<RangerPolicy> {
    let users: Vec<String> = service
        .configs
        .get("username")
        .into_iter()
        .chain(service.configs.get("default.policy.users"))
        .flat_map(|users| users.split(','))
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    let is_parent = |name: &str| RESOURCES.iter().any(|r| r.parent == Some(name));
    RESOURCES
        .iter()
        .filter(|leaf| !is_parent(leaf.name))
        .map(|leaf| {
            let mut path = vec![leaf.name];
            while let Some(parent) = path.last().and_then(|n| RESOURCES.iter().find(|r| r.name == *n)?.parent) {
                path.push(parent);
            }
            path.reverse();
            RangerPolicy {
                service: Some(service.name.clone()),
                name: Some(format!("all - {}", path.join(", "))),
                resources: path.iter().map(|r| ((*r).to_owned(), RangerPolicyResource::new(["*"]))).collect(),
                policy_items: vec![RangerPolicyItem {
                    accesses: vec![RangerPolicyItemAccess::new("all")],
                    users: users.clone(),
                    delegate_admin: Some(true),
                    ..RangerPolicyItem::default()
                }],
                service_type: Some(service.service_type.clone()),
                ..RangerPolicy::default()
            }
        })
        .collect()
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
    fn a_planned_service_has_one_default_policy_per_resource_path() {
        let mut spec = TrinoServiceSpec::new(ServiceName::new("dev_trino").unwrap(), "jdbc:trino://t:8080");
        spec.password = Some(SecretString::from("lookup-Pw-1"));
        spec.configs.insert("default.policy.users".into(), "ops, audit".into());
        let service = spec.to_service().unwrap();
        let defaults = default_policies(&service);
        let mut names: Vec<&str> = defaults.iter().filter_map(|p| p.name.as_deref()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "all - catalog, schema, procedure",
                "all - catalog, schema, schemafunction",
                "all - catalog, schema, table, column",
                "all - catalog, sessionproperty",
                "all - function",
                "all - queryid",
                "all - role",
                "all - sysinfo",
                "all - systemproperty",
                "all - trinouser",
            ]
        );
        let queryid = defaults.iter().find(|p| p.name.as_deref() == Some("all - queryid")).unwrap();
        let baseline = baseline_policies()[0].to_policy(&spec.name).unwrap();
        assert!(same_resources(&baseline, queryid));
        assert_eq!(queryid.policy_items[0].users, ["trino", "ops", "audit"]);
        assert!(!covers(queryid, &baseline.policy_items[0]), "no default item is for {{USER}}");
        assert_eq!(masked(&service).configs["password"], "*******");
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
