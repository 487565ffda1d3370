//! The plain-object tenant `TenantSpec.fromObject` takes, declared for the typings: it goes to
//! the core as JSON (see `input.rs`), read by the same reader as a tenant file, so sections
//! inherit what the tenant states once, unknown fields are refused naming their path, and
//! defaults are the core's.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

/// A tenant of the data platform, as a plain object: the fields of a tenant file
/// (`trino-platform deploy --tenant`, camelCase): its platform bundle (gateway, exchange
/// bucket, Keycloak client, Ranger Admin, registry) and its Trino clusters. Secrets are never
/// in it: it names the environment variables that hold them. The sections inherit the
/// tenant's `workspace` and `namespace` (and the OAuth client the gateway's `externalUrl`);
/// the clusters inherit the exchange bucket and the OAuth2 setup. `TenantSpec.fromObject`
/// resolves and validates one.
#[napi(object)]
pub struct TenantSpecObject {
    /// The workspace (a DNS label): part of every derived name, and a label on every object.
    pub workspace: String,
    /// The namespace everything runs in (default `trino-{workspace}`).
    pub namespace: Option<String>,
    /// Labels on every object (a section's own labels win).
    pub labels: Option<HashMap<String, String>>,
    /// The platform bundle (layer 2): what every cluster of the tenant shares.
    pub platform: TenantPlatformSpec,
    /// The cluster bundles (layer 3), each behind the platform's gateway.
    #[napi(ts_type = "Array<Inherited<TrinoClusterSpecObject, 'workspace' | 'namespace'>>")]
    pub clusters: Option<serde_json::Value>,
}

/// The platform bundle of a tenant.
#[napi(object)]
pub struct TenantPlatformSpec {
    /// The gateway, with its PostgreSQL.
    #[napi(ts_type = "Inherited<GatewayDeploymentSpecObject, 'workspace' | 'namespace'>")]
    pub gateway: serde_json::Value,
    /// The exchange bucket of fault-tolerant execution, used by every cluster.
    #[napi(ts_type = "Inherited<ExchangeBucketSpecObject, 'workspace'>")]
    pub exchange: Option<serde_json::Value>,
    /// The OAuth client in Keycloak, used by the gateway and every coordinator.
    pub keycloak: Option<TenantKeycloakSpec>,
    /// The Ranger Admin the clusters' services and policies live in.
    pub ranger: Option<TenantRangerSpec>,
    /// Where `apply` registers the clusters with the gateway.
    pub registry: Option<TenantRegistrySpec>,
}

/// The tenant's Keycloak: how to reach its Admin API, and the OAuth client.
#[napi(object)]
pub struct TenantKeycloakSpec {
    /// Keycloak's base URL, as the process that applies reaches it.
    pub url: String,
    /// The issuer of the tokens, when Trino and browsers see Keycloak under another URL
    /// (default `{url}/realms/{realm}`).
    pub issuer: Option<String>,
    /// The realm of the admin account (default `'master'`).
    pub auth_realm: Option<String>,
    /// The admin account; its secret is the value of an environment variable of the process
    /// that applies: `{ grant: 'password', username, passwordEnv }` or `{ grant:
    /// 'clientCredentials', clientId, clientSecretEnv }`.
    #[napi(
        ts_type = "{ grant: 'password'; username: string; passwordEnv: string } | { grant: 'clientCredentials'; clientId: string; clientSecretEnv: string }"
    )]
    pub credentials: serde_json::Value,
    /// Time limit of each request (default `'30s'`).
    pub timeout: Option<String>,
    /// The OAuth client (its `externalUrl` defaults to the gateway's).
    #[napi(ts_type = "Inherited<OAuthClientSpecObject, 'externalUrl'>")]
    pub client: serde_json::Value,
    /// Bearer-token authentication at the gateway with this client's tokens.
    pub gateway_auth: Option<TenantGatewayAuthSpec>,
}

/// How the gateway authenticates Trino traffic with the client's tokens.
#[napi(object)]
pub struct TenantGatewayAuthSpec {
    /// Every request except Trino's own OAuth2 legs must carry a valid token (default `false`).
    pub required: Option<bool>,
    /// Principals that may send another `X-Trino-User` (Superset's service account, say).
    pub impersonators: Option<Vec<String>>,
}

/// How to reach Ranger Admin; the password is the value of an environment variable.
#[napi(object)]
pub struct TenantRangerSpec {
    /// Base URL (`'https://ranger.example.com:6182'`).
    pub url: String,
    /// An admin user (creating services needs one).
    pub username: String,
    /// The variable holding its password.
    pub password_env: String,
}

/// Where `apply` registers the clusters: the gateway's store, reached from where apply runs.
#[napi(object)]
pub struct TenantRegistrySpec {
    /// The variable holding the store URL (`postgres://…`; default `'TRINO_PLATFORM_STORE'`).
    pub store_env: Option<String>,
}
