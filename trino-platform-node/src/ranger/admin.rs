//! The `RangerAdmin` class (a Ranger Admin REST client) and what it reports; the setup it
//! converges (`RangerSetupSpec`) is in `spec.rs`.

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use trino_platform::{Error, ErrorKind, ranger};

use super::setup::RangerSetupSpec;
use crate::error::settle;
use crate::input::{SpecArg, from_object, spec_of};

/// A client of Ranger Admin's public v2 REST API (HTTP Basic authentication, over rustls):
/// it converges the Trino service, the baseline policies Trino needs and named policies
/// (`ensure`, idempotent), lists a service's policies (`listPolicies`, or `for await` over
/// `policies(service)`), and downloads them as the plugin does.
///
/// Every method returns a Promise. A rejection is an `Error` whose `code` is an `ErrorCode`:
/// `'InvalidInput'` (a bad spec, or one Ranger refuses), `'Unauthorized'` (the user name or
/// password was refused), `'Forbidden'`, `'NotFound'`, `'Conflict'`, `'Unavailable'` (Ranger
/// Admin cannot be reached), `'Timeout'`, `'Backend'`. No message holds the password.
#[napi]
pub struct RangerAdmin {
    inner: ranger::RangerAdmin,
}

/// How to reach Ranger Admin.
#[napi(object)]
pub struct RangerAdminOptions {
    /// Base URL (`http://ranger-admin:6080`), without credentials.
    pub url: String,
    /// User (creating a service needs a Ranger admin).
    pub username: String,
    /// Its password.
    pub password: String,
    /// Time limit of each request (default `'30s'`).
    pub timeout: Option<String>,
    /// PEM CA certificates to trust besides the public web roots (a private CA).
    pub ca_certificates_pem: Option<String>,
}

#[napi]
impl RangerAdmin {
    /// A client for Ranger Admin. It does not contact Ranger Admin yet: an unreachable or
    /// refusing server shows in the first call (`Unavailable`, `Unauthorized`). Rejects with
    /// `InvalidInput` for a bad URL, timeout or CA certificate.
    #[napi]
    pub fn connect(env: &Env, options: RangerAdminOptions) -> napi::Result<PromiseRaw<'_, RangerAdmin>> {
        settle(env, async move {
            let RangerAdminOptions { url, username, password, timeout, ca_certificates_pem } = options;
            // The core's reader, for the timeout's format and its message; the password is a
            // string here, so no message can quote it.
            let mut config = serde_json::json!({
                "url": url,
                "username": username,
                "password": password,
                "caCertificatesPem": ca_certificates_pem,
            });
            if let Some(timeout) = timeout {
                config["timeout"] = timeout.into();
            }
            let config: ranger::RangerAdminConfig = from_object("Ranger Admin options", config)?;
            Ok(RangerAdmin { inner: ranger::RangerAdmin::connect(&config)? })
        })
    }

    /// The base URL.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    /// Converges a setup (a `RangerSetupSpec`, or its plain object): the Trino service, the
    /// baseline policies (unless `baseline: false`) and the named policies, reading first and
    /// creating or updating only what differs, so that a second run changes nothing. The whole
    /// spec is validated first, so nothing is written when any part is invalid
    /// (`InvalidInput`). Rejects with `Conflict` when a service of another type has the name or
    /// another policy holds a named policy's resources. No message holds the lookup password.
    #[napi(ts_args_type = "spec: RangerSetupSpec | RangerSetupSpecObject")]
    pub fn ensure<'env>(
        &self,
        env: &'env Env,
        spec: SpecArg<'_, RangerSetupSpec>,
    ) -> napi::Result<PromiseRaw<'env, RangerSetupReport>> {
        let admin = self.inner.clone();
        let spec = spec_of(env, spec);
        settle(env, async move {
            let (spec, secrets) = spec?;
            Ok(admin.ensure(&spec).await.map_err(|e| secrets.scrub(e))?.into())
        })
    }

    /// Every policy of `service` (access, data-mask and row-filter ones), as Ranger Admin
    /// holds them. Rejects with `NotFound` when the service does not exist. `policies(service)`
    /// yields the same policies one at a time.
    #[napi(ts_return_type = "Promise<RangerPolicy[]>")]
    pub fn list_policies<'env>(
        &self,
        env: &'env Env,
        service: String,
    ) -> napi::Result<PromiseRaw<'env, serde_json::Value>> {
        let admin = self.inner.clone();
        settle(env, async move {
            let policies = admin.list_policies(&service).await?;
            serde_json::to_value(&policies).map_err(|e| {
                Error::new(ErrorKind::Internal, format!("cannot convert the policies of {service:?}: {e}"))
            })
        })
    }

    /// Downloads `service`'s policies the way the plugin does (the authenticated download
    /// endpoint), for `PolicyEngine.fromPolicies`. Resolves with `null` when Ranger has nothing
    /// newer than `lastKnownVersion`. Rejects with `NotFound` for an unknown service and
    /// `Forbidden` when the user is neither an admin nor listed in the service's
    /// `policy.download.auth.users`.
    #[napi(ts_return_type = "Promise<RangerServicePolicies | null>")]
    pub fn download_policies<'env>(
        &self,
        env: &'env Env,
        service: String,
        last_known_version: Option<i64>,
    ) -> napi::Result<PromiseRaw<'env, Option<serde_json::Value>>> {
        let admin = self.inner.clone();
        settle(env, async move {
            let Some(policies) = admin.download_policies(&service, last_known_version).await? else {
                return Ok(None);
            };
            let json = serde_json::to_value(&policies).map_err(|e| {
                Error::new(ErrorKind::Internal, format!("cannot convert the policies of {service:?}: {e}"))
            })?;
            Ok(Some(json))
        })
    }
}

/// What `ensure` did to one thing.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangerChange {
    /// It did not exist and was created.
    Created,
    /// It existed and was changed.
    Updated,
    /// It was already as wanted.
    Unchanged,
}

impl From<ranger::Change> for RangerChange {
    fn from(change: ranger::Change) -> Self {
        match change {
            ranger::Change::Created => Self::Created,
            ranger::Change::Updated => Self::Updated,
            ranger::Change::Unchanged => Self::Unchanged,
        }
    }
}

/// One policy `ensure` looked after.
#[napi(object)]
pub struct RangerPolicyChange {
    /// The policy's name in Ranger (for a baseline merged into an existing policy, that
    /// policy's name).
    pub name: String,
    /// Ranger's id.
    pub id: Option<i64>,
    /// What was done.
    pub change: RangerChange,
}

/// What `RangerAdmin.ensure` did.
#[napi(object)]
pub struct RangerSetupReport {
    /// The service.
    pub service: String,
    /// What was done to it.
    pub service_change: RangerChange,
    /// Baseline and named policies, in order.
    pub policies: Vec<RangerPolicyChange>,
    /// Whether anything was written.
    pub changed: bool,
}

impl From<ranger::SetupReport> for RangerSetupReport {
    fn from(report: ranger::SetupReport) -> Self {
        let changed = report.changed();
        let ranger::SetupReport { service, service_change, policies } = report;
        let policies = policies
            .into_iter()
            .map(|policy| {
                let ranger::PolicyChange { name, id, change } = policy;
                RangerPolicyChange { name, id, change: change.into() }
            })
            .collect();
        Self { service, service_change: service_change.into(), policies, changed }
    }
}
