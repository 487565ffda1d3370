//! The specs users write for Ranger, declared for the typings: the plugin config's object form
//! (`RangerPluginConfig.fromObject`) and the setup `RangerAdmin.ensure` converges
//! (`RangerSetupSpecObject`; its class is in `setup.rs`). They go to
//! the core as JSON (see `input.rs`), so unknown or misspelt fields are refused with
//! `InvalidInput` and defaults are the core's.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

use super::decision::PolicyPriority;

/// A Ranger plugin config as a plain object: the fields of a YAML config file (camelCase).
/// Only `serviceName` and `adminUrls` are required. Durations are text (`'30s'`, `'2m'`).
#[napi(object)]
pub struct RangerPluginConfigObject {
    /// The Ranger service holding Trino's policies (`ranger.service.name`): 1 to 255 letters,
    /// digits, `_` or `-`.
    pub service_name: String,
    /// Ranger Admin URL(s), several for HA: `http(s)://host[:port]`, without credentials
    /// (default ports 6080 for http, 6182 for https). An https URL needs `ssl`.
    pub admin_urls: Vec<String>,
    /// Absolute directory the files are mounted in on the coordinator (default `/etc/trino`).
    pub config_dir: Option<String>,
    /// Absolute, writable policy cache directory (default `/var/lib/trino/ranger/policycache`);
    /// `null`: no on-disk cache, so a coordinator started while Ranger Admin is down denies
    /// everything.
    #[napi(ts_type = "string | null")]
    pub policy_cache_dir: Option<String>,
    /// How often policies are refreshed (default `'30s'`; 1 s to 24 h).
    pub poll_interval: Option<String>,
    /// Connection timeout to Ranger Admin (default `'120s'`; 1 s to 1 h).
    pub connect_timeout: Option<String>,
    /// Read timeout (default `'30s'`; 1 s to 1 h).
    pub read_timeout: Option<String>,
    /// Retries of a failed call (default 3; at most 100).
    pub max_retry_attempts: Option<u32>,
    /// Pause between retries (default `'1s'`; at most 10 min).
    pub retry_interval: Option<String>,
    /// Credentials for the policy download; Ranger ≥ 2.9 refuses unauthenticated downloads.
    pub download_auth: Option<RangerDownloadAuth>,
    /// Users that bypass every policy (`ranger.plugin.trino.super.users`).
    pub super_users: Option<Vec<String>>,
    /// Groups that bypass every policy.
    pub super_groups: Option<Vec<String>>,
    /// Add groups from Ranger's user store to Trino's (default `false`).
    pub use_ranger_groups: Option<bool>,
    /// Use only Ranger's groups (default `false`).
    pub use_only_ranger_groups: Option<bool>,
    /// Cluster name recorded in audits.
    pub cluster_name: Option<String>,
    /// Audit destinations (default: on, to Trino's log through log4j).
    pub audit: Option<RangerAuditConfig>,
    /// TLS to an https Ranger Admin (`ranger-policymgr-ssl.xml`).
    pub ssl: Option<RangerSslConfig>,
    /// Absolute paths of Hadoop XML files (`core-site.xml`), only for Kerberos.
    pub hadoop_config_resources: Option<Vec<String>>,
    /// Extra properties per file, layered last; keys naming a password are refused.
    pub overrides: Option<RangerOverrides>,
}

/// HTTP Basic credentials the plugin downloads policies with (list the user in the service's
/// `policy.download.auth.users`).
#[napi(object)]
pub struct RangerDownloadAuth {
    /// User name.
    pub username: String,
    /// `{ env: 'NAME' }`: the file refers to the coordinator's environment variable (so it
    /// holds no secret and can live in a ConfigMap); `{ value: '…' }`: the password is written
    /// into the file, which is then marked secret.
    #[napi(ts_type = "{ env: string } | { value: string }")]
    pub password: serde_json::Value,
}

/// The `ranger-trino-audit.xml` settings.
#[napi(object)]
pub struct RangerAuditConfig {
    /// `xasecure.audit.is.enabled` (default `true`).
    pub enabled: Option<bool>,
    /// `xasecure.audit.provider.summary.enabled` (default `false`).
    pub summary: Option<bool>,
    /// Log4j destination (default on, logger `ranger.audit`); `null` turns it off.
    #[napi(js_name = "log4j", ts_type = "RangerLog4jAudit | null")]
    pub log4j: Option<RangerLog4jAudit>,
    /// Solr destination.
    pub solr: Option<RangerSolrAudit>,
    /// Elasticsearch destination.
    pub elasticsearch: Option<RangerElasticsearchAudit>,
}

/// Audits to a log4j logger.
#[napi(object, js_name = "RangerLog4jAudit")]
pub struct RangerLog4jAudit {
    /// Logger name (default `ranger.audit`).
    pub logger: Option<String>,
}

/// Audits to Solr (Ranger's `ranger_audits` collection).
#[napi(object)]
pub struct RangerSolrAudit {
    /// Solr URLs (or use `zookeepers`).
    pub urls: Option<Vec<String>>,
    /// ZooKeeper connect string of SolrCloud.
    pub zookeepers: Option<String>,
    /// Collection (default `ranger_audits`).
    pub collection: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Password: written into the audit file, which is then marked secret.
    pub password: Option<String>,
    /// Absolute spool directory for batches while Solr is unreachable.
    pub spool_dir: Option<String>,
}

/// Audits to Elasticsearch.
#[napi(object)]
pub struct RangerElasticsearchAudit {
    /// Host names.
    pub hosts: Vec<String>,
    /// Port (default 9200).
    pub port: Option<u16>,
    /// `'http'` (default) or `'https'`.
    pub protocol: Option<String>,
    /// Index (default `ranger_audits`).
    pub index: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Password: written into the audit file, which is then marked secret.
    pub password: Option<String>,
    /// Absolute spool directory.
    pub spool_dir: Option<String>,
}

/// `ranger-policymgr-ssl.xml`: trust- and keystore paths; their passwords live in JCEKS
/// credential files, never in the XML.
#[napi(object)]
pub struct RangerSslConfig {
    /// Absolute truststore path.
    pub truststore: String,
    /// Truststore type (default `jks`).
    pub truststore_type: Option<String>,
    /// `jceks://file/…` credential file holding the truststore password (alias `sslTrustStore`).
    pub truststore_credential_file: Option<String>,
    /// Absolute keystore path, for client certificates.
    pub keystore: Option<String>,
    /// Keystore type (default `jks`).
    pub keystore_type: Option<String>,
    /// `jceks://file/…` credential file holding the keystore password (alias `sslKeyStore`).
    pub keystore_credential_file: Option<String>,
}

/// Properties layered over the rendered ones, per file.
#[napi(object)]
pub struct RangerOverrides {
    /// `access-control.properties`.
    pub access_control: Option<HashMap<String, String>>,
    /// `ranger-trino-security.xml`.
    pub security: Option<HashMap<String, String>>,
    /// `ranger-trino-audit.xml`.
    pub audit: Option<HashMap<String, String>>,
    /// `ranger-policymgr-ssl.xml`.
    pub policymgr_ssl: Option<HashMap<String, String>>,
}

/// Everything `RangerAdmin.ensure` converges, as a plain object: the fields of a YAML setup
/// file (`trino-platform ranger ensure-service --spec`, camelCase): the Trino service, the
/// baseline policies and named policies. `RangerSetupSpec.fromObject` validates one.
#[napi(object)]
pub struct RangerSetupSpecObject {
    /// The Trino service.
    pub service: RangerTrinoServiceSpec,
    /// Ensure the baseline policies Trino needs under Ranger's default deny, for every user:
    /// execute queries, impersonate oneself, kill one's own queries (default `true`).
    pub baseline: Option<bool>,
    /// Named policies, matched by name.
    pub policies: Option<Vec<RangerPolicySpec>>,
}

/// The Trino service in Ranger Admin (service type `trino`).
#[napi(object)]
pub struct RangerTrinoServiceSpec {
    /// Service name (the plugin's `serviceName`).
    pub name: String,
    /// Display name (default: the name).
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The coordinator's JDBC URL (`jdbc:trino://trino:8080`), for Ranger's lookups.
    pub jdbc_url: String,
    /// The lookup user (default `trino`).
    pub username: Option<String>,
    /// The lookup user's password: sent when the service is created or changed, never compared
    /// or shown.
    pub password: Option<String>,
    /// Users allowed to download policies (`policy.download.auth.users`; default: the lookup
    /// user).
    pub download_users: Option<Vec<String>>,
    /// `ranger.plugin.super.users` delivered to the plugins.
    pub super_users: Option<Vec<String>>,
    /// `ranger.plugin.super.groups`.
    pub super_groups: Option<Vec<String>>,
    /// Further configs (`ranger.plugin.audit.filters`, …); no passwords.
    pub configs: Option<HashMap<String, String>>,
    /// Enabled (default `true`).
    pub enabled: Option<bool>,
}

/// A named policy. Access policies use `allow` / `deny` / exceptions; a policy with `masks` is
/// a data-mask policy, one with `rowFilters` a row-filter policy.
#[napi(object)]
pub struct RangerPolicySpec {
    /// Unique name in the service: the identity `ensure` goes by.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Enabled (default `true`).
    pub enabled: Option<bool>,
    /// Priority (default `'normal'`).
    pub priority: Option<PolicyPriority>,
    /// Resource → values: a list, or `{ values, excludes }`
    /// (`{ catalog: ['delta'], schema: { values: ['hr'], excludes: true } }`).
    #[napi(ts_type = "Record<string, string[] | { values: string[]; excludes?: boolean }>")]
    pub resources: HashMap<String, serde_json::Value>,
    /// Allow items.
    pub allow: Option<Vec<RangerItemSpec>>,
    /// Deny items.
    pub deny: Option<Vec<RangerItemSpec>>,
    /// Exceptions to the allow items.
    pub allow_exceptions: Option<Vec<RangerItemSpec>>,
    /// Exceptions to the deny items.
    pub deny_exceptions: Option<Vec<RangerItemSpec>>,
    /// Deny whatever no item allows.
    pub deny_all_else: Option<bool>,
    /// Column masks (data-mask policy).
    pub masks: Option<Vec<RangerMaskItemSpec>>,
    /// Row filters (row-filter policy).
    pub row_filters: Option<Vec<RangerRowFilterItemSpec>>,
    /// Audit accesses this policy decides (default `true`).
    pub audit: Option<bool>,
}

/// Who gets which accesses.
#[napi(object)]
pub struct RangerItemSpec {
    /// Users (`{USER}`: whoever asks).
    pub users: Option<Vec<String>>,
    /// Groups (`public`: everyone).
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Access types (`select`, `insert`, …, `all`).
    pub accesses: Option<Vec<String>>,
    /// May administer the policy.
    pub delegate_admin: Option<bool>,
}

/// Who sees a column masked, and how.
#[napi(object)]
pub struct RangerMaskItemSpec {
    /// Users.
    pub users: Option<Vec<String>>,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// `MASK`, `MASK_SHOW_LAST_4`, `MASK_SHOW_FIRST_4`, `MASK_HASH`, `MASK_NULL`, `MASK_NONE`,
    /// `MASK_DATE_SHOW_YEAR` or `CUSTOM`.
    pub mask_type: String,
    /// The SQL of a `CUSTOM` mask (`{col}` is the column).
    pub value_expr: Option<String>,
}

/// Who sees which rows.
#[napi(object)]
pub struct RangerRowFilterItemSpec {
    /// Users.
    pub users: Option<Vec<String>>,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Ranger roles.
    pub roles: Option<Vec<String>>,
    /// The SQL predicate (`region = 'EU'`).
    pub filter: String,
}
