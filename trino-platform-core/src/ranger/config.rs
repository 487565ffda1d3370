//! `RangerPluginConfig`: everything the Trino coordinator needs to load the Ranger system
//! access control plugin, as a spec users write (YAML or JSON, camelCase, unknown keys
//! rejected) and the bindings fill in. [`RangerPluginConfig::render`] (in `files`) turns it
//! into `access-control.properties` and the Ranger XML files.
//!
//! ```
//! use trino_platform::ranger::RangerPluginConfig;
//!
//! let config = RangerPluginConfig::from_yaml(
//!     "serviceName: dev_trino\n\
//!      adminUrls: [http://ranger-admin:6080]\n\
//!      downloadAuth: {username: trino, password: {env: RANGER_PLUGIN_PASSWORD}}\n",
//! )?;
//! assert_eq!(config.poll_interval, std::time::Duration::from_secs(30));
//! let files = config.render()?;
//! assert_eq!(files.files[0].name, "access-control.properties");
//! assert_eq!(files.env, ["RANGER_PLUGIN_PASSWORD"]);
//! # Ok::<(), trino_platform::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::secret::redact_url;

const MAX_SERVICE_NAME_LEN: usize = 255;

/// A Ranger service name (what `ranger.service.name` names): 1–255 of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceName(String);

impl ServiceName {
    /// Validates `value`; fails with `InvalidInput` saying what is allowed.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let ok = !value.is_empty()
            && value.len() <= MAX_SERVICE_NAME_LEN
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid Ranger service name {value:?}: use 1 to {MAX_SERVICE_NAME_LEN} letters, digits, '_' or '-'"
            )))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ServiceName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<String> for ServiceName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<ServiceName> for String {
    fn from(name: ServiceName) -> String {
        name.0
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a password the plugin reads comes from.
///
/// - `{"env": "NAME"}`: the file refers to the coordinator's environment variable (Hadoop's
///   `${env.NAME}`), so the file holds no secret and can live in a ConfigMap; the variable
///   must be set from a Kubernetes Secret. Only for properties Ranger reads through Hadoop's
///   `Configuration.get` (the policy download credentials).
/// - `{"value": "…"}`: the password is written into the file, and the file is marked secret.
///
/// A password written as plain text is refused without being quoted back (serde's own
/// message for an unknown enum variant would repeat it).
#[derive(Clone)]
pub enum SecretRef {
    /// An environment variable of the coordinator (`[A-Z_][A-Z0-9_]*`).
    Env(String),
    /// The secret itself.
    Value(SecretString),
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{Error as _, MapAccess, Visitor};

        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = SecretRef;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("{env: NAME} or {value: …}")
            }

            fn visit_str<E: serde::de::Error>(self, _: &str) -> std::result::Result<SecretRef, E> {
                Err(E::custom(
                    "a password is given as {env: NAME} (a variable of the coordinator) or {value: …}, not as plain text",
                ))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<SecretRef, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| A::Error::custom("give env or value"))?;
                let secret = match key.as_str() {
                    "env" => SecretRef::Env(map.next_value()?),
                    "value" => SecretRef::Value(map.next_value()?),
                    // Not `unknown_field`: it would repeat the key, which may be the password.
                    _ => return Err(A::Error::custom("the only keys are env and value")),
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(A::Error::custom("give env or value, not both"));
                }
                Ok(secret)
            }
        }
        deserializer.deserialize_any(Form)
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => f.debug_tuple("Env").field(name).finish(),
            SecretRef::Value(_) => f.write_str("Value(***)"),
        }
    }
}

/// HTTP Basic credentials the plugin downloads policies with
/// (`ranger.plugin.trino.policy.rest.client.username` / `.password`). Ranger ≥ 2.9 refuses
/// unauthenticated downloads, so set them (and list the user in the service's
/// `policy.download.auth.users`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownloadAuth {
    /// User name.
    pub username: String,
    /// Password.
    pub password: SecretRef,
}

/// The `ranger-trino-audit.xml` settings. Without an enabled destination nothing is stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditConfig {
    /// `xasecure.audit.is.enabled` (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `xasecure.audit.provider.summary.enabled` (default false).
    #[serde(default)]
    pub summary: bool,
    /// Log4j destination (default on, logger `ranger.audit`: audits go to Trino's log). `null`
    /// turns it off.
    #[serde(default = "default_log4j")]
    pub log4j: Option<Log4jAudit>,
    /// Solr destination.
    #[serde(default)]
    pub solr: Option<SolrAudit>,
    /// Elasticsearch destination.
    #[serde(default)]
    pub elasticsearch: Option<ElasticsearchAudit>,
}

fn yes() -> bool {
    true
}

fn default_log4j() -> Option<Log4jAudit> {
    Some(Log4jAudit::default())
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { enabled: true, summary: false, log4j: default_log4j(), solr: None, elasticsearch: None }
    }
}

impl AuditConfig {
    /// The spool directories of the destinations that have one (they must be writable).
    pub fn spool_dirs(&self) -> impl Iterator<Item = &PathBuf> {
        let solr = self.solr.as_ref().and_then(|s| s.spool_dir.as_ref());
        let elasticsearch = self.elasticsearch.as_ref().and_then(|e| e.spool_dir.as_ref());
        solr.into_iter().chain(elasticsearch)
    }
}

/// Audits to a log4j logger.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Log4jAudit {
    /// Logger name (default `ranger.audit`).
    #[serde(default = "default_logger")]
    pub logger: String,
}

fn default_logger() -> String {
    "ranger.audit".to_owned()
}

impl Default for Log4jAudit {
    fn default() -> Self {
        Self { logger: default_logger() }
    }
}

/// Audits to Solr (Ranger's `ranger_audits` collection).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SolrAudit {
    /// Solr URLs (or use `zookeepers`).
    #[serde(default)]
    pub urls: Vec<String>,
    /// ZooKeeper connect string of SolrCloud.
    #[serde(default)]
    pub zookeepers: Option<String>,
    /// Collection (default `ranger_audits`).
    #[serde(default = "default_audit_index")]
    pub collection: String,
    /// User.
    #[serde(default)]
    pub user: Option<String>,
    /// Password: written into the audit file, which is then marked secret (Ranger's audit
    /// framework reads raw properties, so an environment reference would not be expanded).
    #[serde(default)]
    pub password: Option<SecretString>,
    /// Spool directory for batches while Solr is unreachable.
    #[serde(default)]
    pub spool_dir: Option<PathBuf>,
}

/// Audits to Elasticsearch.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ElasticsearchAudit {
    /// Host names (`xasecure.audit.destination.elasticsearch.urls`).
    pub hosts: Vec<String>,
    /// Port (default 9200).
    #[serde(default = "default_es_port")]
    pub port: u16,
    /// `http` or `https` (default `http`).
    #[serde(default = "default_es_protocol")]
    pub protocol: String,
    /// Index (default `ranger_audits`).
    #[serde(default = "default_audit_index")]
    pub index: String,
    /// User.
    #[serde(default)]
    pub user: Option<String>,
    /// Password: written into the audit file, which is then marked secret.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// Spool directory.
    #[serde(default)]
    pub spool_dir: Option<PathBuf>,
}

fn default_audit_index() -> String {
    "ranger_audits".to_owned()
}

fn default_es_port() -> u16 {
    9200
}

fn default_es_protocol() -> String {
    "http".to_owned()
}

/// `ranger-policymgr-ssl.xml`, required when an admin URL is https. Passwords live in the JCEKS
/// credential files, never in the XML.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SslConfig {
    /// Truststore path.
    pub truststore: PathBuf,
    /// Truststore type (default `jks`).
    #[serde(default = "default_store_type")]
    pub truststore_type: String,
    /// `jceks://file/…` credential file holding the truststore password (alias `sslTrustStore`).
    #[serde(default)]
    pub truststore_credential_file: Option<String>,
    /// Keystore path, for client certificates.
    #[serde(default)]
    pub keystore: Option<PathBuf>,
    /// Keystore type (default `jks`).
    #[serde(default = "default_store_type")]
    pub keystore_type: String,
    /// `jceks://file/…` credential file holding the keystore password (alias `sslKeyStore`).
    #[serde(default)]
    pub keystore_credential_file: Option<String>,
}

fn default_store_type() -> String {
    "jks".to_owned()
}

/// Properties layered over the rendered ones, per file (for settings this spec does not model).
/// Keys naming a password are rejected: use the spec's secret fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Overrides {
    /// `access-control.properties`.
    #[serde(default)]
    pub access_control: BTreeMap<String, String>,
    /// `ranger-trino-security.xml`.
    #[serde(default)]
    pub security: BTreeMap<String, String>,
    /// `ranger-trino-audit.xml`.
    #[serde(default)]
    pub audit: BTreeMap<String, String>,
    /// `ranger-policymgr-ssl.xml`.
    #[serde(default)]
    pub policymgr_ssl: BTreeMap<String, String>,
}

/// The Ranger plugin configuration of a Trino coordinator.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangerPluginConfig {
    /// The Ranger service holding Trino's policies (`ranger.service.name`).
    pub service_name: ServiceName,
    /// Ranger Admin URL(s), several for HA (`ranger.plugin.trino.policy.rest.url`); default ports
    /// 6080 (http) / 6182 (https).
    pub admin_urls: Vec<String>,
    /// Absolute directory the files are mounted in on the coordinator (default `/etc/trino`).
    #[serde(default = "default_config_dir")]
    pub config_dir: PathBuf,
    /// Absolute, writable policy cache directory (default `/var/lib/trino/ranger/policycache`;
    /// `null`: no on-disk cache, so a coordinator started while Ranger Admin is down denies
    /// everything).
    #[serde(default = "default_cache_dir")]
    pub policy_cache_dir: Option<PathBuf>,
    /// How often policies are refreshed (default `30s`; 1 s to 24 h).
    #[serde(default = "default_poll_interval", deserialize_with = "crate::duration::deserialize")]
    pub poll_interval: Duration,
    /// Connection timeout to Ranger Admin (default `120s`; 1 s to 1 h).
    #[serde(default = "default_connect_timeout", deserialize_with = "crate::duration::deserialize")]
    pub connect_timeout: Duration,
    /// Read timeout (default `30s`; 1 s to 1 h).
    #[serde(default = "default_read_timeout", deserialize_with = "crate::duration::deserialize")]
    pub read_timeout: Duration,
    /// Retries of a failed call (default 3; at most 100).
    #[serde(default = "default_max_retry_attempts")]
    pub max_retry_attempts: u32,
    /// Pause between retries (default `1s`; at most 10 min).
    #[serde(default = "default_retry_interval", deserialize_with = "crate::duration::deserialize")]
    pub retry_interval: Duration,
    /// Credentials for the policy download.
    #[serde(default)]
    pub download_auth: Option<DownloadAuth>,
    /// Users that bypass every policy (`ranger.plugin.trino.super.users`).
    #[serde(default)]
    pub super_users: Vec<String>,
    /// Groups that bypass every policy.
    #[serde(default)]
    pub super_groups: Vec<String>,
    /// Add groups from Ranger's user store to Trino's (`use.rangerGroups`).
    #[serde(default)]
    pub use_ranger_groups: bool,
    /// Use only Ranger's groups (`use.only.rangerGroups`).
    #[serde(default)]
    pub use_only_ranger_groups: bool,
    /// Cluster name recorded in audits (`access.cluster.name`).
    #[serde(default)]
    pub cluster_name: Option<String>,
    /// Audit destinations.
    #[serde(default)]
    pub audit: AuditConfig,
    /// TLS to an https Ranger Admin.
    #[serde(default)]
    pub ssl: Option<SslConfig>,
    /// Hadoop XML files (`core-site.xml`), only for Kerberos (`ranger.hadoop.config.resource`).
    #[serde(default)]
    pub hadoop_config_resources: Vec<PathBuf>,
    /// Extra properties per file.
    #[serde(default)]
    pub overrides: Overrides,
}

fn default_config_dir() -> PathBuf {
    PathBuf::from("/etc/trino")
}

fn default_cache_dir() -> Option<PathBuf> {
    Some(PathBuf::from("/var/lib/trino/ranger/policycache"))
}

fn default_poll_interval() -> Duration {
    Duration::from_secs(30)
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(120)
}

fn default_read_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_retry_attempts() -> u32 {
    3
}

fn default_retry_interval() -> Duration {
    Duration::from_secs(1)
}

impl RangerPluginConfig {
    /// A config for `service_name` at `admin_url` with every default.
    pub fn new(service_name: ServiceName, admin_url: impl Into<String>) -> Self {
        Self {
            service_name,
            admin_urls: vec![admin_url.into()],
            config_dir: default_config_dir(),
            policy_cache_dir: default_cache_dir(),
            poll_interval: default_poll_interval(),
            connect_timeout: default_connect_timeout(),
            read_timeout: default_read_timeout(),
            max_retry_attempts: default_max_retry_attempts(),
            retry_interval: default_retry_interval(),
            download_auth: None,
            super_users: Vec::new(),
            super_groups: Vec::new(),
            use_ranger_groups: false,
            use_only_ranger_groups: false,
            cluster_name: None,
            audit: AuditConfig::default(),
            ssl: None,
            hadoop_config_resources: Vec::new(),
            overrides: Overrides::default(),
        }
    }

    /// Parses a YAML (or JSON) spec. Fails with `InvalidInput` naming the bad key or value.
    pub fn from_yaml(text: &str) -> Result<Self> {
        crate::yaml::from_str(text, "Ranger plugin config")
    }

    /// Reads and parses a spec file ([`from_yaml`](Self::from_yaml)). Fails with
    /// `InvalidInput` naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Parses a JSON spec. Fails with `InvalidInput` naming the bad key or value.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::invalid_input(format!("invalid Ranger plugin config: {e}")))
    }

    /// The admin URLs, normalised without a trailing slash. Fails with `InvalidInput` on a URL
    /// that is not http(s), has credentials, a query or a fragment.
    pub fn normalized_admin_urls(&self) -> Result<Vec<String>> {
        if self.admin_urls.is_empty() {
            return Err(Error::invalid_input("adminUrls: give at least one Ranger Admin URL"));
        }
        self.admin_urls.iter().map(|u| normalize_admin_url(u)).collect()
    }

    /// Checks every field; [`render`](Self::render) does this first. Fails with `InvalidInput`
    /// naming the field and the rule.
    pub fn validate(&self) -> Result<()> {
        let urls = self.normalized_admin_urls()?;
        if urls.iter().any(|u| u.starts_with("https://")) && self.ssl.is_none() {
            return Err(Error::invalid_input(
                "ssl: an https Ranger Admin URL needs ssl.truststore (ranger-policymgr-ssl.xml)",
            ));
        }
        absolute_path("configDir", &self.config_dir)?;
        if let Some(dir) = &self.policy_cache_dir {
            absolute_path("policyCacheDir", dir)?;
        }
        for path in &self.hadoop_config_resources {
            absolute_path("hadoopConfigResources", path)?;
        }
        within("pollInterval", self.poll_interval, Duration::from_secs(1), Duration::from_secs(24 * 3600))?;
        within("connectTimeout", self.connect_timeout, Duration::from_secs(1), Duration::from_secs(3600))?;
        within("readTimeout", self.read_timeout, Duration::from_secs(1), Duration::from_secs(3600))?;
        within("retryInterval", self.retry_interval, Duration::ZERO, Duration::from_secs(600))?;
        if self.max_retry_attempts > 100 {
            return Err(Error::invalid_input("maxRetryAttempts: use at most 100"));
        }
        names("superUsers", &self.super_users)?;
        names("superGroups", &self.super_groups)?;
        if let Some(auth) = &self.download_auth {
            name("downloadAuth.username", &auth.username)?;
            match &auth.password {
                SecretRef::Env(_) => {}
                SecretRef::Value(secret) if secret.expose_secret().is_empty() => {
                    return Err(Error::invalid_input("downloadAuth.password: the password is empty"));
                }
                SecretRef::Value(_) => {}
            }
        }
        if let Some(cluster) = &self.cluster_name {
            name("clusterName", cluster)?;
        }
        if let Some(solr) = &self.audit.solr {
            if solr.urls.is_empty() && solr.zookeepers.as_deref().is_none_or(str::is_empty) {
                return Err(Error::invalid_input("audit.solr: give urls or zookeepers"));
            }
            for url in &solr.urls {
                normalize_http_url("audit.solr.urls", url)?;
            }
            if let Some(dir) = &solr.spool_dir {
                absolute_path("audit.solr.spoolDir", dir)?;
            }
        }
        if let Some(es) = &self.audit.elasticsearch {
            names("audit.elasticsearch.hosts", &es.hosts)?;
            if es.hosts.is_empty() {
                return Err(Error::invalid_input("audit.elasticsearch.hosts: give at least one host"));
            }
            if !matches!(es.protocol.as_str(), "http" | "https") {
                return Err(Error::invalid_input("audit.elasticsearch.protocol: use http or https"));
            }
            if let Some(dir) = &es.spool_dir {
                absolute_path("audit.elasticsearch.spoolDir", dir)?;
            }
        }
        if let Some(log4j) = &self.audit.log4j {
            name("audit.log4j.logger", &log4j.logger)?;
        }
        if let Some(ssl) = &self.ssl {
            absolute_path("ssl.truststore", &ssl.truststore)?;
            if let Some(keystore) = &ssl.keystore {
                absolute_path("ssl.keystore", keystore)?;
            }
        }
        for (file, map) in [
            ("accessControl", &self.overrides.access_control),
            ("security", &self.overrides.security),
            ("audit", &self.overrides.audit),
            ("policymgrSsl", &self.overrides.policymgr_ssl),
        ] {
            if let Some(key) = map.keys().find(|k| k.to_ascii_lowercase().contains("password")) {
                return Err(Error::invalid_input(format!(
                    "overrides.{file}.{key}: passwords do not belong in overrides (they would land in a ConfigMap); use downloadAuth.password or the audit destination's password"
                )));
            }
        }
        Ok(())
    }
}

fn normalize_http_url(what: &str, value: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid_input(format!("{what}: invalid URL {:?}: {why}", redact_url(value)));
    let url = url::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("a host is required"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a query or fragment is not allowed"));
    }
    let text = url.as_str().trim_end_matches('/').to_owned();
    if text.contains(',') {
        return Err(bad("a comma would split the URL list"));
    }
    Ok(text)
}

/// Normalises a Ranger Admin URL (`http(s)://host[:port][/path]`, no trailing slash).
pub(crate) fn normalize_admin_url(value: &str) -> Result<String> {
    normalize_http_url("adminUrls", value)
}

fn absolute_path(what: &str, path: &Path) -> Result<()> {
    let text = path.to_str().ok_or_else(|| Error::invalid_input(format!("{what}: the path is not UTF-8")))?;
    if !path.is_absolute() || !text.starts_with('/') {
        return Err(Error::invalid_input(format!(
            "{what}: {text:?} must be an absolute path (Trino checks the files exist and does not search the classpath)"
        )));
    }
    if text.contains(',') || text.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!("{what}: {text:?} must not hold commas or control characters")));
    }
    Ok(())
}

fn within(what: &str, value: Duration, min: Duration, max: Duration) -> Result<()> {
    if value < min || value > max {
        return Err(Error::invalid_input(format!(
            "{what}: {} is out of range ({} to {})",
            humantime::format_duration(value),
            humantime::format_duration(min),
            humantime::format_duration(max)
        )));
    }
    Ok(())
}

fn name(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() || value.contains(',') || value.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "{what}: {value:?} must be non-empty, without commas or control characters"
        )));
    }
    Ok(())
}

fn names(what: &str, values: &[String]) -> Result<()> {
    values.iter().try_for_each(|v| name(what, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_password_in_the_wrong_shape_is_not_repeated() {
        let base =
            "serviceName: dev_trino\nadminUrls: [http://ranger:6080]\ndownloadAuth: {username: trino, password: ";
        for wrong in ["Hunter2-pw}", "{Hunter2-pw: x}}", "{env: A, value: Hunter2-pw}}"] {
            let err = RangerPluginConfig::from_yaml(&format!("{base}{wrong}\n")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(!err.message().contains("Hunter2-pw"), "{err}");
        }
        let env = RangerPluginConfig::from_yaml(&format!("{base}{{env: RANGER_PW}}}}\n")).unwrap();
        assert!(matches!(env.download_auth.unwrap().password, SecretRef::Env(name) if name == "RANGER_PW"));
        let value = RangerPluginConfig::from_yaml(&format!("{base}{{value: Hunter2-pw}}}}\n")).unwrap();
        assert!(matches!(value.download_auth.unwrap().password, SecretRef::Value(_)));
    }

    #[test]
    fn defaults_and_validation() {
        let config =
            RangerPluginConfig::from_yaml("serviceName: dev_trino\nadminUrls: ['http://ranger:6080/']\n").unwrap();
        assert_eq!(config.normalized_admin_urls().unwrap(), ["http://ranger:6080"]);
        config.validate().unwrap();
        for (yaml, needle) in [
            ("serviceName: 'bad name'\nadminUrls: [http://r:6080]", "service name"),
            ("serviceName: s\nadminUrls: []", "adminUrls"),
            ("serviceName: s\nadminUrls: ['ftp://r']", "scheme"),
            ("serviceName: s\nadminUrls: ['http://u:secretpw@r']", "credentials"),
            ("serviceName: s\nadminUrls: ['https://r:6182']", "ssl"),
            ("serviceName: s\nadminUrls: [http://r]\nconfigDir: etc/trino", "absolute"),
            ("serviceName: s\nadminUrls: [http://r]\npollInterval: 10ms", "pollInterval"),
            ("serviceName: s\nadminUrls: [http://r]\npollInterval: soon", "duration"),
            ("serviceName: s\nadminUrls: [http://r]\nsuperUsers: ['a,b']", "superUsers"),
            ("serviceName: s\nadminUrls: [http://r]\nunknownKey: 1", "unknownKey"),
            ("serviceName: s\nadminUrls: [http://r]\noverrides: {security: {x.password: p}}", "overrides"),
            ("serviceName: s\nadminUrls: [http://r]\naudit: {solr: {}}", "audit.solr"),
        ] {
            let err = RangerPluginConfig::from_yaml(yaml).and_then(|c| c.validate()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{yaml}");
            assert!(err.message().contains(needle), "{yaml}: {err}");
            assert!(!err.message().contains("secretpw"), "{err}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let config = RangerPluginConfig::from_yaml(
            "serviceName: s\nadminUrls: [http://r]\ndownloadAuth: {username: u, password: {value: hunter2}}\naudit: {solr: {urls: [http://solr:8983/solr], password: solrpw}}\n",
        )
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("solrpw"), "{debug}");
    }
}
