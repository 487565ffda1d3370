//! The `gateway.yaml` and rules file the gateway pods read, from the spec.
//!
//! Layered: what the deployment fixes (listeners, the store, the admin token, the rules file,
//! the OAuth2 pin cookie's key) → the spec's `config` sections merged over it. Secrets are
//! `${ENV:NAME}` references to the pod's environment.

use serde_json::{Map, Value, json};

use super::spec::GatewayDeploymentSpec;
use crate::error::{Error, Result};

/// Where the pods read their files.
pub const GATEWAY_CONFIG_DIR: &str = "/etc/trino-platform";
/// Where the TLS Secret is mounted.
pub const GATEWAY_TLS_DIR: &str = "/etc/trino-platform/tls";
/// The gateway's plain HTTP port (in the cluster; probes and the Service use it).
pub const GATEWAY_HTTP_PORT: u16 = 8080;
/// The gateway's HTTPS port.
pub const GATEWAY_HTTPS_PORT: u16 = 8443;
/// Variable of the admin API's bearer token.
pub const ADMIN_TOKEN_ENV: &str = "TP_GATEWAY_ADMIN_TOKEN";
/// Variable of the OAuth2 pin cookie's key, equal on every replica.
pub const COOKIE_SECRET_ENV: &str = "TP_GATEWAY_COOKIE_SECRET";

impl GatewayDeploymentSpec {
    /// The `gateway.yaml` of the pods. Fails with `Internal` when it cannot be written.
    pub fn gateway_yaml(&self) -> Result<String> {
        let mut config = json!({
            "listen": {"http": format!("0.0.0.0:{GATEWAY_HTTP_PORT}")},
            "store": self.store_url()?,
            "routing": {"oauth2CookieSecret": format!("${{ENV:{COOKIE_SECRET_ENV}}}")},
            "admin": {"tokens": [format!("${{ENV:{ADMIN_TOKEN_ENV}}}")]},
        });
        if self.tls.is_some() {
            config["listen"]["https"] = json!({
                "address": format!("0.0.0.0:{GATEWAY_HTTPS_PORT}"),
                "certificate": format!("{GATEWAY_TLS_DIR}/tls.crt"),
                "privateKey": format!("{GATEWAY_TLS_DIR}/tls.key"),
            });
        }
        if self.rules.is_some() {
            config["routing"]["rulesFile"] = format!("{GATEWAY_CONFIG_DIR}/rules.yaml").into();
        }
        for (section, value) in &self.config {
            merge(&mut config[section.as_str()], value);
        }
        serde_saphyr::to_string(&config)
            .map_err(|e| Error::new(crate::ErrorKind::Internal, format!("gateway.yaml: {e}")))
    }
}

/// Merges `over` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                merge(base.entry(key.clone()).or_insert(Value::Object(Map::new())), value);
            }
        }
        (base, over) => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_merge_key_by_key() {
        let mut base = json!({"routing": {"a": 1, "b": {"c": 2}}});
        merge(&mut base, &json!({"routing": {"b": {"d": 3}, "e": [1]}, "health": {"interval": "1s"}}));
        assert_eq!(base, json!({"routing": {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}, "health": {"interval": "1s"}}));
    }
}
