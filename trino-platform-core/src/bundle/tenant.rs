//! [`TenantSpec`]: one YAML file per tenant, holding both bundles: the platform (layer 2: the
//! namespace, the gateway and its database, the exchange bucket, the Keycloak client) and the
//! Trino clusters behind its gateway (layer 3).
//!
//! The tenant states its workspace and namespace once; the sections inherit them (and the
//! OAuth client inherits the gateway's external URL), and the clusters inherit the exchange
//! bucket and the OAuth2 setup. Secrets are never in the file: it names the environment
//! variables that hold them. See `examples/tenant.yaml`.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::section::{Inherits, Section};
use crate::error::{Error, Result};
use crate::exchange::{ExchangeBucketSpec, Workspace};
use crate::keycloak::{
    AdminCredentials, KeycloakConnection, OAuthClientSpec, TrinoOAuth2Spec, gateway_auth_config, issuer_url,
};
use crate::kube::{GatewayDeploymentSpec, ObjectName, TrinoClusterSpec};
use crate::ranger::RangerAdminConfig;

/// Stand-ins for the keys sections inherit, replaced by [`TenantSpec`]'s own.
const STAND_IN_WORKSPACE: &str = "inherited";
const STAND_IN_NAMESPACE: &str = "inherited";
const STAND_IN_URL: &str = "https://inherited.invalid";

impl Inherits for TrinoClusterSpec {
    const INHERITED: &'static [(&'static str, &'static str)] =
        &[("workspace", STAND_IN_WORKSPACE), ("namespace", STAND_IN_NAMESPACE)];
}

impl Inherits for GatewayDeploymentSpec {
    const INHERITED: &'static [(&'static str, &'static str)] =
        &[("workspace", STAND_IN_WORKSPACE), ("namespace", STAND_IN_NAMESPACE)];
}

impl Inherits for ExchangeBucketSpec {
    const INHERITED: &'static [(&'static str, &'static str)] = &[("workspace", STAND_IN_WORKSPACE)];
}

impl Inherits for OAuthClientSpec {
    const INHERITED: &'static [(&'static str, &'static str)] = &[("externalUrl", STAND_IN_URL)];
}

/// A tenant: its platform bundle and its clusters, resolved (every section knows the workspace,
/// namespace, bucket and OAuth2 setup it inherits) and validated.
///
/// ```
/// use trino_platform::bundle::TenantSpec;
///
/// let tenant = TenantSpec::from_yaml(
///     "workspace: acme\n\
///      platform:\n  gateway: {externalUrl: 'https://trino.acme.example.com'}\n\
///      clusters:\n  - name: etl\n    coordinator: {resources: {cpu: 2, memory: 8Gi}}\n    \
///      workers: {replicas: 2, resources: {cpu: 4, memory: 16Gi}}\n",
/// )?;
/// assert_eq!(tenant.namespace.as_str(), "trino-acme");
/// assert_eq!(tenant.clusters[0].namespace, tenant.namespace);
/// # Ok::<(), trino_platform::Error>(())
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "TenantFile")]
pub struct TenantSpec {
    /// The workspace.
    pub workspace: Workspace,
    /// The namespace everything runs in (default `trino-{workspace}`).
    pub namespace: ObjectName,
    /// Labels on every object (the sections' own labels win on theirs).
    pub labels: BTreeMap<String, String>,
    /// The platform bundle.
    pub platform: PlatformBundleSpec,
    /// The cluster bundles, each behind the platform's gateway.
    pub clusters: Vec<TrinoClusterSpec>,
}

/// Layer 2: what every cluster of the tenant shares.
#[derive(Debug, Clone)]
pub struct PlatformBundleSpec {
    /// The gateway, with its PostgreSQL.
    pub gateway: GatewayDeploymentSpec,
    /// The exchange bucket of fault-tolerant execution, used by every cluster.
    pub exchange: Option<ExchangeBucketSpec>,
    /// The OAuth client in Keycloak, used by the gateway and every coordinator.
    pub keycloak: Option<KeycloakBundleSpec>,
    /// The Ranger Admin the clusters' services and policies live in.
    pub ranger: Option<RangerConnectionSpec>,
    /// Where the clusters are registered with the gateway.
    pub registry: RegistrySpec,
}

/// The tenant's Keycloak: how to reach its Admin API, and the OAuth client.
#[derive(Debug, Clone)]
pub struct KeycloakBundleSpec {
    /// Keycloak's base URL, as the process that applies reaches it.
    pub url: String,
    /// The issuer of the tokens, when Trino and browsers see Keycloak under another URL
    /// (default `{url}/realms/{realm}`).
    pub issuer: Option<String>,
    /// The realm of the admin account (default `master`).
    pub auth_realm: String,
    /// The admin account; its secret comes from an environment variable.
    pub credentials: CredentialsRef,
    /// Time limit of each request (default 30s).
    pub timeout: Duration,
    /// The OAuth client (its `externalUrl` defaults to the gateway's).
    pub client: OAuthClientSpec,
    /// Bearer-token authentication at the gateway with this client's tokens.
    pub gateway_auth: Option<GatewayAuthSpec>,
}

fn default_auth_realm() -> String {
    "master".to_owned()
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

/// A Keycloak admin account whose secret is an environment variable's value.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "grant", rename_all = "camelCase", deny_unknown_fields)]
pub enum CredentialsRef {
    /// Password grant (on `admin-cli`).
    #[serde(rename_all = "camelCase")]
    Password {
        /// The admin user.
        username: String,
        /// The variable holding its password.
        password_env: String,
    },
    /// Client-credentials grant of a service account with admin roles.
    #[serde(rename_all = "camelCase")]
    ClientCredentials {
        /// The client.
        client_id: String,
        /// The variable holding its secret.
        client_secret_env: String,
    },
}

/// How the gateway authenticates Trino traffic with the client's tokens.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayAuthSpec {
    /// Every request except Trino's own OAuth2 legs must carry a valid token.
    #[serde(default)]
    pub required: bool,
    /// Principals that may send another `X-Trino-User` (for example Superset's service account).
    #[serde(default)]
    pub impersonators: Vec<String>,
}

/// How to reach Ranger Admin; the password comes from an environment variable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RangerConnectionSpec {
    /// Base URL (`https://ranger.example.com:6182`).
    pub url: String,
    /// An admin user (creating services needs one).
    pub username: String,
    /// The variable holding its password.
    pub password_env: String,
}

/// Where apply registers the clusters: the gateway's store, reached from where apply runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistrySpec {
    /// The variable holding the store URL (`postgres://…`; default `TRINO_PLATFORM_STORE`).
    #[serde(default = "default_store_env")]
    pub store_env: String,
}

fn default_store_env() -> String {
    "TRINO_PLATFORM_STORE".to_owned()
}

impl Default for RegistrySpec {
    fn default() -> Self {
        Self { store_env: default_store_env() }
    }
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TenantFile {
    workspace: Workspace,
    #[serde(default)]
    namespace: Option<ObjectName>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    platform: PlatformFile,
    #[serde(default)]
    clusters: Vec<Section<TrinoClusterSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PlatformFile {
    gateway: Section<GatewayDeploymentSpec>,
    #[serde(default)]
    exchange: Option<Section<ExchangeBucketSpec>>,
    #[serde(default)]
    keycloak: Option<KeycloakFile>,
    #[serde(default)]
    ranger: Option<RangerConnectionSpec>,
    #[serde(default)]
    registry: RegistrySpec,
}

/// [`KeycloakBundleSpec`] as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct KeycloakFile {
    url: String,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default = "default_auth_realm")]
    auth_realm: String,
    credentials: CredentialsRef,
    #[serde(default = "default_timeout", with = "crate::duration")]
    timeout: Duration,
    client: Section<OAuthClientSpec>,
    #[serde(default)]
    gateway_auth: Option<GatewayAuthSpec>,
}

impl TryFrom<TenantFile> for TenantSpec {
    type Error = Error;

    fn try_from(file: TenantFile) -> Result<Self> {
        let workspace = file.workspace;
        let namespace = match file.namespace {
            Some(namespace) => namespace,
            None => ObjectName::new(format!("trino-{workspace}"))
                .map_err(|e| Error::invalid_input(format!("namespace: {} (give one)", e.message())))?,
        };
        let inherit = |field: &str, explicit: &[&str], key: &str, have: &str, want: &str| {
            if explicit.contains(&key) && have != want {
                return Err(Error::invalid_input(format!(
                    "{field}.{key}: {have} differs from the tenant's {want}; leave it out, the section inherits it"
                )));
            }
            Ok(())
        };

        let Section { value: mut gateway, explicit } = file.platform.gateway;
        inherit("platform.gateway", &explicit, "workspace", gateway.workspace.as_str(), workspace.as_str())?;
        inherit("platform.gateway", &explicit, "namespace", gateway.namespace.as_str(), namespace.as_str())?;
        gateway.workspace = workspace.clone();
        gateway.namespace = namespace.clone();
        gateway.labels = merged_labels(&file.labels, &gateway.labels);

        let exchange = match file.platform.exchange {
            Some(Section { value: mut exchange, explicit }) => {
                inherit("platform.exchange", &explicit, "workspace", exchange.workspace.as_str(), workspace.as_str())?;
                exchange.workspace = workspace.clone();
                Some(exchange)
            }
            None => None,
        };

        let keycloak = match file.platform.keycloak {
            Some(file) => {
                let Section { value: mut client, explicit } = file.client;
                if !explicit.contains(&"externalUrl") {
                    client.external_url = gateway.external_url.as_str().trim_end_matches('/').to_owned();
                }
                client
                    .validate()
                    .map_err(|e| Error::invalid_input(format!("platform.keycloak.client: {}", e.message())))?;
                let spec = KeycloakBundleSpec {
                    url: file.url,
                    issuer: file.issuer,
                    auth_realm: file.auth_realm,
                    credentials: file.credentials,
                    timeout: file.timeout,
                    client,
                    gateway_auth: file.gateway_auth,
                };
                if let Some(auth) = &spec.gateway_auth {
                    let config = gateway_auth_config(
                        &spec.issuer()?,
                        &spec.client,
                        auth.required,
                        auth.impersonators.clone(),
                    )
                    .map_err(|e| Error::invalid_input(format!("platform.keycloak.gatewayAuth: {}", e.message())))?;
                    let value = serde_json::to_value(config)
                        .map_err(|e| Error::invalid_input(format!("platform.keycloak.gatewayAuth: {e}")))?;
                    gateway.config.insert("auth".to_owned(), value);
                }
                Some(spec)
            }
            None => None,
        };
        gateway.validate().map_err(|e| Error::invalid_input(format!("platform.gateway: {}", e.message())))?;

        let mut clusters = Vec::new();
        for (index, Section { value: mut cluster, explicit }) in file.clusters.into_iter().enumerate() {
            let field = format!("clusters[{index}]");
            inherit(&field, &explicit, "workspace", cluster.workspace.as_str(), workspace.as_str())?;
            inherit(&field, &explicit, "namespace", cluster.namespace.as_str(), namespace.as_str())?;
            cluster.workspace = workspace.clone();
            cluster.namespace = namespace.clone();
            cluster.labels = merged_labels(&file.labels, &cluster.labels);
            if cluster.exchange.is_none() {
                cluster.exchange.clone_from(&exchange);
            }
            if let (None, Some(keycloak)) = (&cluster.oauth2, &keycloak) {
                let oauth2 = TrinoOAuth2Spec::for_client(cluster.trino_version, keycloak.issuer()?, &keycloak.client);
                cluster.oauth2 = Some(oauth2);
            }
            cluster
                .validate()
                .map_err(|e| Error::invalid_input(format!("{field} ({}): {}", cluster.name, e.message())))?;
            if clusters.iter().any(|c: &TrinoClusterSpec| c.name == cluster.name) {
                return Err(Error::invalid_input(format!("{field}: the name {} is used twice", cluster.name)));
            }
            clusters.push(cluster);
        }

        let platform = PlatformBundleSpec {
            gateway,
            exchange,
            keycloak,
            ranger: file.platform.ranger,
            registry: file.platform.registry,
        };
        Ok(TenantSpec { workspace, namespace, labels: file.labels, platform, clusters })
    }
}

/// The tenant's labels under the section's own (a section's label wins).
fn merged_labels(tenant: &BTreeMap<String, String>, section: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut labels = tenant.clone();
    labels.extend(section.clone());
    labels
}

/// The value of the environment variable `name` that `field` names, as a secret. Fails with
/// `InvalidInput` naming both when it is unset.
fn secret_env(field: &str, name: &str) -> Result<SecretString> {
    std::env::var(name)
        .map(SecretString::from)
        .map_err(|_| Error::invalid_input(format!("{field}: the environment variable {name} is not set")))
}

impl TenantSpec {
    /// Parses and resolves a tenant file. Fails with `InvalidInput` naming the field (and the
    /// line, for what the file itself gets wrong).
    pub fn from_yaml(text: &str) -> Result<Self> {
        crate::yaml::from_str(text, "tenant spec")
    }

    /// Reads and parses a tenant file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// The cluster called `name`. Fails with `NotFound` when the tenant has none.
    pub fn cluster(&self, name: &str) -> Result<&TrinoClusterSpec> {
        self.clusters
            .iter()
            .find(|c| c.name.as_str() == name)
            .ok_or_else(|| Error::not_found(format!("the tenant {} has no cluster {name:?}", self.workspace)))
    }
}

impl KeycloakBundleSpec {
    /// The tokens' issuer: `issuer`, or `{url}/realms/{realm}`.
    pub fn issuer(&self) -> Result<String> {
        match &self.issuer {
            Some(issuer) => Ok(issuer.clone()),
            None => issuer_url(&self.url, &self.client.realm),
        }
    }

    /// The Admin API connection, with the secret read from its variable. Fails with
    /// `InvalidInput` when the variable is unset.
    pub fn connection(&self) -> Result<KeycloakConnection> {
        let credentials = match &self.credentials {
            CredentialsRef::Password { username, password_env } => AdminCredentials::Password {
                username: username.clone(),
                password: secret_env("platform.keycloak.credentials.passwordEnv", password_env)?,
                client_id: "admin-cli".to_owned(),
            },
            CredentialsRef::ClientCredentials { client_id, client_secret_env } => AdminCredentials::ClientCredentials {
                client_id: client_id.clone(),
                client_secret: secret_env("platform.keycloak.credentials.clientSecretEnv", client_secret_env)?,
            },
        };
        let mut connection = KeycloakConnection::new(self.url.clone(), credentials);
        connection.auth_realm.clone_from(&self.auth_realm);
        connection.timeout = self.timeout;
        Ok(connection)
    }
}

impl RangerConnectionSpec {
    /// The Admin API config, with the password read from its variable. Fails with
    /// `InvalidInput` when the variable is unset.
    pub fn config(&self) -> Result<RangerAdminConfig> {
        let password = secret_env("platform.ranger.passwordEnv", &self.password_env)?;
        Ok(RangerAdminConfig::new(self.url.clone(), self.username.clone(), password))
    }
}

impl RegistrySpec {
    /// The store URL, from its variable. Fails with `InvalidInput` when the variable is unset.
    pub fn store_url(&self) -> Result<SecretString> {
        secret_env("platform.registry.storeEnv", &self.store_env)
    }
}
