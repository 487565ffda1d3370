//! What the `KeycloakAdmin` Promises resolve with, converted from the core's types field by
//! field. Two of them carry a client secret, as a `Secret`: it is what the caller asked for,
//! to hand to Trino (as the `${ENV:…}` variable of its `client-secret`) with `reveal()`, and it
//! prints as `***`, so logging the whole result shows nothing. No error message ever holds it.

use napi_derive::napi;
use trino_platform::keycloak;

use crate::secret::Secret;

/// What `KeycloakAdmin.ensureClient` did.
#[napi(object, object_from_js = false)]
pub struct EnsuredClient {
    /// The realm.
    pub realm: String,
    /// The client id (`clientId`).
    pub client_id: String,
    /// Keycloak's internal id of the client (the `{id}` of the Admin API paths).
    pub id: String,
    /// Whether the client was created now.
    pub created: bool,
    /// Whether anything changed (realm, client, mappers or secret).
    pub changed: bool,
    /// What changed, by field (`created`, `realm`, `redirectUris`, `mapper groups created`,
    /// `secret`, …); never values.
    pub changes: Vec<String>,
    /// The client secret, for Trino's `client-secret` (through an environment variable or a
    /// Kubernetes Secret): `secret.reveal()` is the value; printed, it shows `***`.
    pub secret: Secret,
}

impl From<keycloak::EnsuredClient> for EnsuredClient {
    fn from(client: keycloak::EnsuredClient) -> Self {
        let keycloak::EnsuredClient { realm, client_id, id, created, changed, changes, secret } = client;
        Self { realm, client_id, id, created, changed, changes, secret: Secret::new(secret) }
    }
}

/// A new client secret, from `KeycloakAdmin.rotateSecret`.
#[napi(object, object_from_js = false)]
pub struct RotatedSecret {
    /// The realm.
    pub realm: String,
    /// The client id.
    pub client_id: String,
    /// Keycloak's internal id of the client.
    pub id: String,
    /// The new secret (the old one no longer works): `secret.reveal()` is the value; printed,
    /// it shows `***`.
    pub secret: Secret,
}

impl From<keycloak::RotatedSecret> for RotatedSecret {
    fn from(rotated: keycloak::RotatedSecret) -> Self {
        let keycloak::RotatedSecret { realm, client_id, id, secret } = rotated;
        Self { realm, client_id, id, secret: Secret::new(secret) }
    }
}

/// What `KeycloakAdmin.ensureUser` did.
#[napi(object)]
pub struct EnsuredUser {
    /// Keycloak's id of the user.
    pub id: String,
    /// The username (Keycloak stores it lower-case).
    pub username: String,
    /// Whether the user was created now.
    pub created: bool,
    /// What changed (`created`, `email`, `lastName`, `group etl`, …); empty when nothing did.
    pub changes: Vec<String>,
}

impl From<keycloak::EnsuredUser> for EnsuredUser {
    fn from(user: keycloak::EnsuredUser) -> Self {
        let keycloak::EnsuredUser { id, username, created, changes } = user;
        Self { id, username, created, changes }
    }
}

/// A top-level group, from `KeycloakAdmin.ensureGroup`.
#[napi(object)]
pub struct EnsuredGroup {
    /// Keycloak's id of the group.
    pub id: String,
    /// The group name.
    pub name: String,
    /// Whether it was created now.
    pub created: bool,
}

impl From<keycloak::EnsuredGroup> for EnsuredGroup {
    fn from(group: keycloak::EnsuredGroup) -> Self {
        let keycloak::EnsuredGroup { id, name, created } = group;
        Self { id, name, created }
    }
}
