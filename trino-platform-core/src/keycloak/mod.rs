//! Keycloak setup for the platform through the Admin REST API (Keycloak 24–26), and the OAuth2
//! configuration that Trino and the gateway need to use it.
//!
//! - [`KeycloakAdmin`] logs in (password grant on `admin-cli`, or client credentials), keeps its
//!   token fresh (refreshed before it expires) and maps Keycloak's answers to typed errors:
//!   400 → `InvalidInput`, 401 → `Unauthorized`, 403 → `Forbidden`, 404 → `NotFound`, 409 →
//!   `AlreadyExists` (on create) / `Conflict`, 502–504 and connection failures → `Unavailable`,
//!   timeouts → `Timeout`, anything else → `Backend`.
//! - [`OAuthClientSpec`] → [`KeycloakAdmin::ensure_client`]: the confidential OAuth client of the
//!   gateway/Trino (standard flow, redirect `…/oauth2/callback`, PKCE S256, audience, groups and
//!   username mappers), created or updated only where it differs; [`KeycloakAdmin::plan_client`]
//!   reports what `ensure_client` would change ([`ClientPlan`]) without writing;
//!   [`KeycloakAdmin::rotate_secret`],
//!   [`KeycloakAdmin::delete_client`]; realms, groups and users for bootstrap and tests.
//! - [`trino_oauth2_properties`] renders the coordinator's OAuth2 properties for a Trino version
//!   (secrets as `${ENV:…}` references), and [`gateway_auth_config`] the gateway's `auth:` section.
//!
//! Secrets (admin password, client secrets, tokens) are [`secrecy::SecretString`]s: never in
//! `Debug`, log lines, error messages or rendered files.
//!
//! ```no_run
//! use trino_platform::keycloak::{AdminCredentials, KeycloakAdmin, KeycloakConnection, OAuthClientSpec};
//!
//! # async fn demo() -> trino_platform::Result<()> {
//! let admin = KeycloakAdmin::connect(KeycloakConnection::new(
//!     "https://keycloak.example.com",
//!     AdminCredentials::password("admin", "change-me"),
//! ))
//! .await?;
//! let mut spec = OAuthClientSpec::new("platform", "trino", "https://trino.example.com");
//! spec.ensure_realm = true;
//! let client = admin.ensure_client(&spec).await?;
//! println!("client {} (changed: {})", client.id, client.changed);
//! # Ok(()) }
//! ```

mod admin;
mod client;
mod gateway;
mod mappers;
mod realm;
mod spec;
mod token;
mod trino;
mod users;

pub use admin::{AdminCredentials, KeycloakAdmin, KeycloakConnection};
pub use client::{ClientPlan, EnsuredClient, RotatedSecret};
pub use gateway::{gateway_auth_config, gateway_auth_yaml, issuer_url};
pub use realm::RealmSpec;
pub use spec::OAuthClientSpec;
pub use trino::{MIN_TRINO_VERSION, SecretEnvNames, TrinoOAuth2Spec, TrinoVersion, trino_oauth2_properties};
pub use users::{EnsuredGroup, EnsuredUser, UserSpec};
