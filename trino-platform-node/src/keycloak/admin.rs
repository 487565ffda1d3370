//! The `KeycloakAdmin` class: how it logs in, and one Promise-returning method per core
//! `KeycloakAdmin` operation.

use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::PromiseRaw;
use napi_derive::napi;
use serde_json::{Value, json};
use trino_platform::{Error, Result, keycloak};

use super::client::OAuthClientSpec;
use super::report::{EnsuredClient, EnsuredGroup, EnsuredUser, RotatedSecret};
use crate::error::settle;
use crate::input::{Secrets, SpecArg, from_object, spec_of};
use crate::secret::Secret;

/// A logged-in client of Keycloak's Admin REST API (Keycloak 24–26): realms, the platform's
/// OAuth client (with its audience, groups and username mappers), its secret, users and
/// groups. Its token is refreshed before it expires, so one client serves a long-running
/// program. Log in with `KeycloakAdmin.connect`.
///
/// Every method returns a Promise. A rejection is an `Error` whose `code` is an `ErrorCode`:
/// `'InvalidInput'` (a bad spec, or a value Keycloak refuses, with its reason),
/// `'Unauthorized'` (rejected credentials), `'Forbidden'` (the account lacks the admin roles),
/// `'NotFound'`, `'AlreadyExists'`, `'Conflict'`, `'Unavailable'` (Keycloak cannot be reached),
/// `'Timeout'`, `'Backend'`. No message holds a password, a client secret or a token.
#[napi]
pub struct KeycloakAdmin {
    inner: Arc<keycloak::KeycloakAdmin>,
}

/// How `KeycloakAdmin.connect` reaches Keycloak and logs in: `username` and `password` (the
/// password grant, through the public client `clientId`, default `admin-cli`), or `clientId`
/// and `clientSecret` (the client-credentials grant of a service account with admin roles).
#[napi(object)]
pub struct KeycloakConnectOptions {
    /// Keycloak's base URL (`https://keycloak.example.com`; add `/auth` when Keycloak runs with
    /// `--http-relative-path=/auth`).
    pub url: String,
    /// The admin user (password grant).
    pub username: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// The client to log in through: a public client for the password grant (default
    /// `admin-cli`), the confidential client for the client-credentials grant.
    pub client_id: Option<String>,
    /// The confidential client's secret (client-credentials grant).
    pub client_secret: Option<String>,
    /// The realm of the admin account (default `master`).
    pub auth_realm: Option<String>,
    /// Time limit of each request (default `'30s'`).
    pub timeout: Option<String>,
    /// A PEM file of extra CA certificates to trust (besides the public web roots).
    pub ca_file: Option<String>,
}

impl KeycloakConnectOptions {
    /// The core's connection (read by the core's own reader, for `timeout`): the grant is
    /// picked by which credentials are given. Fails with `InvalidInput` unless exactly one
    /// grant's credentials are complete.
    fn into_core(self) -> Result<keycloak::KeycloakConnection> {
        let Self { url, username, password, client_id, client_secret, auth_realm, timeout, ca_file } = self;
        let credentials = match (username, password, client_secret) {
            (Some(username), Some(password), None) => {
                let mut grant = json!({"grant": "password", "username": username, "password": password});
                if let Some(client_id) = client_id {
                    grant["clientId"] = client_id.into();
                }
                grant
            }
            (None, None, Some(client_secret)) => {
                let client_id = client_id.ok_or_else(|| {
                    Error::invalid_input("Keycloak login: clientSecret needs the clientId of its client")
                })?;
                json!({"grant": "clientCredentials", "clientId": client_id, "clientSecret": client_secret})
            }
            _ => {
                return Err(Error::invalid_input(
                    "Keycloak login: give username and password (password grant) or clientId and clientSecret \
                     (client-credentials grant), not both",
                ));
            }
        };
        let mut connection = json!({"url": url, "credentials": credentials});
        for (key, value) in [("authRealm", auth_realm), ("timeout", timeout), ("caFile", ca_file)] {
            if let Some(value) = value {
                connection[key] = Value::String(value);
            }
        }
        from_object("Keycloak connection", connection)
    }
}

/// How `ensureRealm` wants the realm.
#[napi(object)]
pub struct KeycloakRealmOptions {
    /// Display name (left alone when absent).
    pub display_name: Option<String>,
    /// Whether the realm is enabled (default `true`).
    pub enabled: Option<bool>,
}

#[napi]
impl KeycloakAdmin {
    /// Logs in and resolves with the client. Rejects with `InvalidInput` for a bad URL or
    /// incomplete credentials, `Unauthorized` for rejected credentials, `NotFound` for an
    /// unknown `authRealm`, `Unavailable` or `Timeout` when Keycloak cannot be reached.
    #[napi]
    pub fn connect(env: &Env, options: KeycloakConnectOptions) -> napi::Result<PromiseRaw<'_, KeycloakAdmin>> {
        settle(env, async move {
            let admin = keycloak::KeycloakAdmin::connect(options.into_core()?).await?;
            Ok(KeycloakAdmin { inner: Arc::new(admin) })
        })
    }

    /// Keycloak's base URL.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    /// Creates the realm when it is missing, else aligns `enabled` and `displayName`; resolves
    /// with whether anything changed. Rejects with `InvalidInput` for a bad name (1 to 255 of
    /// `A-Z a-z 0-9 _ . -`) and `Forbidden` without the rights.
    #[napi]
    pub fn ensure_realm<'env>(
        &self,
        env: &'env Env,
        realm: String,
        options: Option<KeycloakRealmOptions>,
    ) -> napi::Result<PromiseRaw<'env, bool>> {
        let admin = Arc::clone(&self.inner);
        let mut spec = keycloak::RealmSpec::new(realm);
        if let Some(KeycloakRealmOptions { display_name, enabled }) = options {
            spec.display_name = display_name;
            spec.enabled = enabled.unwrap_or(spec.enabled);
        }
        settle(env, async move { admin.ensure_realm(&spec).await })
    }

    /// Deletes the realm, with everything in it; resolves with whether it existed.
    #[napi]
    pub fn delete_realm<'env>(&self, env: &'env Env, realm: String) -> napi::Result<PromiseRaw<'env, bool>> {
        let admin = Arc::clone(&self.inner);
        settle(env, async move { admin.delete_realm(&realm).await })
    }

    /// Makes the OAuth client match `spec` (an `OAuthClientSpec` or its plain object): creates
    /// it (with its mappers) when missing, else updates only the managed fields that differ and
    /// repairs the mappers; sets the secret when the spec fixes one. A second run with the same
    /// spec changes nothing (`changed: false`). Resolves with the client's ids, what changed and
    /// its secret (a `Secret`, which prints as `***`). Rejects with `InvalidInput` for a bad
    /// spec (naming the field) or one Keycloak refuses, `NotFound` when the realm is missing and
    /// `ensureRealm` is off. No message holds the spec's secret.
    #[napi(ts_args_type = "spec: OAuthClientSpec | OAuthClientSpecObject")]
    pub fn ensure_client<'env>(
        &self,
        env: &'env Env,
        spec: SpecArg<'_, OAuthClientSpec>,
    ) -> napi::Result<PromiseRaw<'env, EnsuredClient>> {
        let admin = Arc::clone(&self.inner);
        let spec = spec_of(env, spec);
        settle(env, async move {
            let (spec, secrets) = spec?;
            Ok(admin.ensure_client(&spec).await.map_err(|e| secrets.scrub(e))?.into())
        })
    }

    /// The current secret of the client `clientId` (not Keycloak's internal id), as a `Secret`
    /// (`reveal()` is the value). Rejects with `NotFound` when the realm has no such client.
    #[napi]
    pub fn client_secret<'env>(
        &self,
        env: &'env Env,
        realm: String,
        client_id: String,
    ) -> napi::Result<PromiseRaw<'env, Secret>> {
        let admin = Arc::clone(&self.inner);
        settle(env, async move { Ok(Secret::new(admin.client_secret(&realm, &client_id).await?)) })
    }

    /// Generates a new secret for the client `clientId`; the old one stops working at once.
    /// Rejects with `NotFound` when the realm has no such client.
    #[napi]
    pub fn rotate_secret<'env>(
        &self,
        env: &'env Env,
        realm: String,
        client_id: String,
    ) -> napi::Result<PromiseRaw<'env, RotatedSecret>> {
        let admin = Arc::clone(&self.inner);
        settle(env, async move { Ok(admin.rotate_secret(&realm, &client_id).await?.into()) })
    }

    /// Deletes the client `clientId`; resolves with whether it existed.
    #[napi]
    pub fn delete_client<'env>(
        &self,
        env: &'env Env,
        realm: String,
        client_id: String,
    ) -> napi::Result<PromiseRaw<'env, bool>> {
        let admin = Arc::clone(&self.inner);
        settle(env, async move { admin.delete_client(&realm, &client_id).await })
    }

    /// Creates the user when missing (with its initial password), else aligns `enabled`,
    /// e-mail and names; adds the missing group memberships (creating the groups). Rejects with
    /// `InvalidInput` for a bad spec (naming the field) or one Keycloak refuses; no message
    /// holds the password.
    #[napi(ts_args_type = "realm: string, spec: KeycloakUserSpec")]
    pub fn ensure_user<'env>(
        &self,
        env: &'env Env,
        realm: String,
        spec: Value,
    ) -> napi::Result<PromiseRaw<'env, EnsuredUser>> {
        let admin = Arc::clone(&self.inner);
        let secrets = Secrets::of(&spec);
        settle(env, async move {
            let spec: keycloak::UserSpec = from_object("user spec", spec)?;
            Ok(admin.ensure_user(&realm, &spec).await.map_err(|e| secrets.scrub(e))?.into())
        })
    }

    /// Creates the top-level group `name` when missing; resolves with its id and whether it
    /// was created now. Rejects with `InvalidInput` for a bad name.
    #[napi]
    pub fn ensure_group<'env>(
        &self,
        env: &'env Env,
        realm: String,
        name: String,
    ) -> napi::Result<PromiseRaw<'env, EnsuredGroup>> {
        let admin = Arc::clone(&self.inner);
        settle(env, async move { Ok(admin.ensure_group(&realm, &name).await?.into()) })
    }
}
