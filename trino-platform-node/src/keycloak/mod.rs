//! Keycloak for the platform: the `KeycloakAdmin` class (Admin REST API: realms, the OAuth
//! client and its secret, users, groups), the `OAuthClientSpec` and `TrinoOAuth2Spec` classes,
//! and the configuration rendered without a network: `trinoOAuth2Properties` (the
//! coordinator's OAuth2 properties), `issuerUrl` and `gatewayAuthYaml` (the gateway's `auth:`).
//!
//! | file | what it holds |
//! |---|---|
//! | `admin.rs` | the `KeycloakAdmin` class, `KeycloakConnectOptions` |
//! | `client.rs` | the `OAuthClientSpec` class |
//! | `spec.rs` | `OAuthClientSpecObject`, `KeycloakUserSpec`, `TrinoOAuth2SpecObject`, for the typings |
//! | `report.rs` | `EnsuredClient`, `RotatedSecret`, `EnsuredUser`, `EnsuredGroup` |
//! | `trino.rs` | the `TrinoOAuth2Spec` class and `trinoOAuth2Properties` |
//! | `gateway.rs` | `issuerUrl`, `gatewayAuthYaml` |

mod admin;
mod client;
mod gateway;
mod report;
mod spec;
mod trino;
