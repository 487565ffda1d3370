//! The gateway's `auth:` section for a Keycloak realm and client.

use serde::Serialize;

use super::spec::{OAuthClientSpec, validate_name, validate_realm};
use crate::auth::{GatewayAuthConfig, ValidatorConfig};
use crate::error::{Error, ErrorKind, Result};

/// The issuer of a Keycloak realm: `{keycloak_url}/realms/{realm}` (Keycloak ≥ 17 has no
/// `/auth` prefix unless started with one; the issuer follows Keycloak's frontend URL, so pass
/// the URL clients use). Fails with `InvalidInput` for a bad URL or realm.
pub fn issuer_url(keycloak_url: &str, realm: &str) -> Result<String> {
    validate_realm(realm)?;
    let url = url::Url::parse(keycloak_url)
        .map_err(|e| Error::invalid_input(format!("Keycloak URL {keycloak_url:?} is invalid: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.query().is_some() {
        return Err(Error::invalid_input(format!("Keycloak URL {keycloak_url:?} must be an http(s) URL")));
    }
    Ok(format!("{}/realms/{realm}", keycloak_url.trim_end_matches('/')))
}

/// The gateway's `auth:` config for tokens of `client` issued by `issuer`: tokens must carry
/// the client id in `aud` (the client's audience mapper puts it there), the principal is
/// `preferred_username`, groups come from the client's groups claim. Fails with `InvalidInput`
/// for a bad issuer or impersonator name.
pub fn gateway_auth_config(
    issuer: &str,
    client: &OAuthClientSpec,
    required: bool,
    impersonators: Vec<String>,
) -> Result<GatewayAuthConfig> {
    for name in &impersonators {
        validate_name("impersonators", name)?;
    }
    let mut oidc = ValidatorConfig::new(issuer, client.client_id.clone());
    oidc.groups_claim = client.groups_claim.clone();
    let config = GatewayAuthConfig { required, impersonators, oidc };
    config.validate()?;
    Ok(config)
}

/// `config` as the `auth:` section of `gateway.yaml`.
pub fn gateway_auth_yaml(config: &GatewayAuthConfig) -> Result<String> {
    #[derive(Serialize)]
    struct Section<'a> {
        auth: &'a GatewayAuthConfig,
    }
    serde_saphyr::to_string(&Section { auth: config })
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot render the gateway auth config: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_is_the_realm_url() {
        assert_eq!(
            issuer_url("https://kc.example.com/", "platform").unwrap(),
            "https://kc.example.com/realms/platform"
        );
        assert!(issuer_url("kc", "platform").is_err());
        assert!(issuer_url("https://kc", "a/b").is_err());
    }

    #[test]
    fn the_yaml_reads_back_as_gateway_config() {
        let client = OAuthClientSpec::new("platform", "trino", "https://trino.example.com");
        let config = gateway_auth_config(
            "https://kc.example.com/realms/platform",
            &client,
            true,
            vec!["service-account-superset".into()],
        )
        .unwrap();
        let yaml = gateway_auth_yaml(&config).unwrap();
        #[derive(serde::Deserialize)]
        struct Section {
            auth: GatewayAuthConfig,
        }
        let back: Section = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back.auth, config);
    }
}
