//! The plain-object specs `KeycloakAdmin` and `trinoOAuth2Properties` take, declared for the
//! typings (their classes are in `client.rs` and `trino.rs`): they go to the core as JSON (see
//! `input.rs`), so unknown or misspelt fields are refused with `InvalidInput` and defaults are
//! the core's.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

/// The platform's OAuth client (of the gateway and the Trino coordinators behind it), as a plain
/// object: a confidential OpenID Connect client with the standard (authorization code) flow.
/// The fields of a YAML client spec (camelCase); `realm`, `clientId` and `externalUrl` are
/// required. `OAuthClientSpec.fromObject` validates one.
///
/// Derived: redirect URI `{externalUrl}/oauth2/callback` (plus `extraRedirectUris`), web origin
/// = the origin of `externalUrl`, post-logout redirect `{externalUrl}/ui/logout/logout.html`;
/// an audience mapper for the client id (and one per `audiences` entry), a groups mapper with
/// bare group names, and a username mapper to `preferred_username`.
#[napi(object)]
pub struct OAuthClientSpecObject {
    /// The realm: 1 to 255 of `A-Z a-z 0-9 _ . -`.
    pub realm: String,
    /// The client id (`clientId`, not Keycloak's internal id).
    pub client_id: String,
    /// The URL people and clients use to reach Trino (the gateway's external URL), without
    /// `/oauth2/callback`.
    pub external_url: String,
    /// Display name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Redirect URIs besides `{externalUrl}/oauth2/callback`.
    pub extra_redirect_uris: Option<Vec<String>>,
    /// Web origins (default: the origin of `externalUrl`).
    pub web_origins: Option<Vec<String>>,
    /// Post-logout redirect URIs (default `{externalUrl}/ui/logout/logout.html`).
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Require PKCE with S256 (default `true`).
    pub pkce: Option<bool>,
    /// Enable the client's service account: the client-credentials grant (default `false`).
    pub service_accounts: Option<bool>,
    /// Enable the resource-owner password grant (default `false`; for tests and scripts).
    pub direct_access_grants: Option<bool>,
    /// Extra `aud` values put in the client's tokens.
    pub audiences: Option<Vec<String>>,
    /// The claim the groups mapper fills (default `groups`).
    pub groups_claim: Option<String>,
    /// Create the realm when it is missing (default `false`).
    pub ensure_realm: Option<bool>,
    /// A fixed client secret (default: Keycloak generates one and keeps it).
    pub secret: Option<String>,
}

/// A user as the platform wants it (for bootstrap and tests).
#[napi(object)]
pub struct KeycloakUserSpec {
    /// The username (Keycloak stores it lower-case).
    pub username: String,
    /// E-mail, set as verified. Keycloak ≥ 24's default user profile needs e-mail, first and
    /// last name before a user may log in with a password.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The initial password, set when the user is created (an existing user's password is
    /// left alone).
    pub password: Option<String>,
    /// Top-level groups the user must be a member of (created when missing; other memberships
    /// stay).
    pub groups: Option<Vec<String>>,
    /// Whether the user is enabled (default `true`).
    pub enabled: Option<bool>,
}

/// What the coordinator's OAuth2 configuration says, as a plain object: the fields of a YAML
/// spec (camelCase); `issuer` and `clientId` are required, and `trinoVersion` unless passed to
/// `trinoOAuth2Properties` on its own. `TrinoOAuth2Spec.fromObject` validates one.
#[napi(object)]
pub struct TrinoOAuth2SpecObject {
    /// The Trino release the properties are for (436 or newer).
    pub trino_version: Option<u32>,
    /// `oauth2.issuer`: exactly the `iss` of the tokens (Keycloak: `{url}/realms/{realm}`).
    pub issuer: String,
    /// `oauth2.client-id`.
    pub client_id: String,
    /// `oauth2.additional-audiences`.
    pub additional_audiences: Option<Vec<String>>,
    /// `oauth2.scopes` (default `['openid']`).
    pub scopes: Option<Vec<String>>,
    /// `oauth2.principal-field` (default `preferred_username`).
    pub principal_field: Option<String>,
    /// The claim holding the groups (default `groups`), rendered only for Trino < 480; `null`:
    /// none.
    #[napi(ts_type = "string | null")]
    pub groups_field: Option<String>,
    /// `web-ui.authentication.type=oauth2` (default `true`).
    pub web_ui: Option<bool>,
    /// `http-server.process-forwarded=true`, needed behind the gateway (default `true`).
    pub process_forwarded: Option<bool>,
    /// `oauth2.refresh-tokens` with a shared `refresh-tokens.secret-key` (default `false`).
    pub refresh_tokens: Option<bool>,
    /// The environment variables holding the secrets.
    pub secret_env: Option<TrinoOAuth2SecretEnv>,
    /// Extra or replaced keys, applied last.
    pub overrides: Option<HashMap<String, String>>,
}

/// Names of the environment variables that hold the coordinator's secrets (`[A-Z_][A-Z0-9_]*`).
#[napi(object)]
pub struct TrinoOAuth2SecretEnv {
    /// The OAuth client secret (default `TRINO_OAUTH2_CLIENT_SECRET`).
    pub client_secret: Option<String>,
    /// The OAuth2 state key, equal on all coordinators (default `TRINO_OAUTH2_STATE_KEY`).
    pub state_key: Option<String>,
    /// The refresh-token encryption key, equal on all coordinators (default
    /// `TRINO_OAUTH2_REFRESH_TOKENS_SECRET_KEY`).
    pub refresh_tokens_secret_key: Option<String>,
    /// `internal-communication.shared-secret`, equal on all nodes (default
    /// `TRINO_INTERNAL_SHARED_SECRET`).
    pub internal_shared_secret: Option<String>,
}
