//! Authentication with an OpenID Connect provider (Keycloak): discovery of the provider, and
//! validation of the bearer JWTs it issues.
//!
//! - [`OidcProvider::discover`] reads `{issuer}/.well-known/openid-configuration` with the
//!   `openidconnect` crate and insists that the document's `issuer` is exactly the configured one.
//! - [`JwtValidator`] checks an access token completely: the signature against the provider's
//!   JWKS (cached; refreshed, at most once per [`ValidatorConfig::jwks_min_refresh_interval`],
//!   when a token names a key the cache lacks), the algorithm against an allow-list of asymmetric
//!   algorithms ([`SigningAlgorithm`]: `none` and HMAC cannot even be named), `iss` (exact),
//!   `aud` (must hold the client id or one of the extra audiences), `exp` and `nbf` (with a clock
//!   skew of at most [`MAX_CLOCK_SKEW`]). It returns the [`Principal`] named by a configurable
//!   claim (`preferred_username` by default).
//! - [`GatewayAuthConfig`] is the `auth:` section of `gateway.yaml` (feature `server`), with the
//!   table of which requests need a validated token.
//!
//! Every failure is an [`Error`](crate::Error): `Unauthorized` for a token that is not good,
//! `Unavailable`/`Timeout` when the provider cannot be reached, `InvalidInput` for a bad
//! configuration (including an issuer that does not match the discovery document). No message
//! ever holds a token.
//!
//! ```no_run
//! use trino_platform::auth::{JwtValidator, ValidatorConfig};
//!
//! # async fn demo(token: &str) -> trino_platform::Result<()> {
//! let config = ValidatorConfig::new("https://keycloak.example.com/realms/platform", "trino");
//! let validator = JwtValidator::discover(config).await?;
//! let principal = validator.validate(token).await?;
//! println!("{} (groups {:?})", principal.name, principal.groups);
//! # Ok(()) }
//! ```

mod config;
mod discovery;
pub(crate) mod http;
mod jwks;
mod principal;
mod validator;

pub use config::{GatewayAuthConfig, MAX_CLOCK_SKEW, SigningAlgorithm, ValidatorConfig};
pub use discovery::OidcProvider;
pub use principal::Principal;
pub use validator::JwtValidator;
