//! Keycloak for the platform: the `KeycloakAdmin` class (Admin REST API: realms, the OAuth
//! client and its secret, users, groups) and `trinoOAuth2Properties` (the coordinator's OAuth2
//! configuration).
//!
//! | file | what it holds |
//! |---|---|
//! | `admin.rs` | the `KeycloakAdmin` class, `KeycloakConnectOptions` |
//! | `spec.rs` | `OAuthClientSpec`, `KeycloakUserSpec`, `TrinoOAuth2Spec`, for the typings |
//! | `report.rs` | `EnsuredClient`, `RotatedSecret`, `EnsuredUser`, `EnsuredGroup` |
//! | `trino.rs` | `trinoOAuth2Properties` |

mod admin;
mod report;
mod spec;
mod trino;
