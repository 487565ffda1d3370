//! Rendering a [`RangerPluginConfig`] into the files Trino's coordinator reads: one builder
//! per file, each layered defaults → values from the spec → user overrides, written with the
//! crate's `.properties` and Hadoop XML writers (sorted, escaped).
//!
//! | file | holds |
//! |---|---|
//! | `access-control.properties` | `access-control.name=ranger`, `ranger.service.name`, the absolute XML paths |
//! | `ranger-trino-security.xml` | policy REST URL(s), timeouts, poll interval, cache dir, download credentials, super users/groups, group settings |
//! | `ranger-trino-audit.xml` | audit switch and destinations (log4j, Solr, Elasticsearch), spool dirs |
//! | `ranger-policymgr-ssl.xml` | truststore / keystore paths and their JCEKS credential files (only with `ssl`) |
//!
//! A file holding a secret value is marked [`RenderedFile::secret`], so that a deployment puts
//! it in a Kubernetes Secret rather than a ConfigMap; with `{"env": NAME}` passwords no file
//! holds a secret and [`RangerFiles::env`] lists the variables the coordinator needs.

use std::fmt;

use secrecy::ExposeSecret;
use serde::Serialize;

use super::config::{RangerPluginConfig, SecretRef};
use crate::error::Result;
use crate::properties::Properties;

/// The plugin's property prefix.
const PREFIX: &str = "ranger.plugin.trino";

/// `access-control.properties`.
pub const ACCESS_CONTROL_FILE: &str = "access-control.properties";
/// `ranger-trino-security.xml`.
pub const SECURITY_FILE: &str = "ranger-trino-security.xml";
/// `ranger-trino-audit.xml`.
pub const AUDIT_FILE: &str = "ranger-trino-audit.xml";
/// `ranger-policymgr-ssl.xml`.
pub const SSL_FILE: &str = "ranger-policymgr-ssl.xml";

/// One rendered file.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedFile {
    /// File name (`ranger-trino-security.xml`).
    pub name: String,
    /// Absolute path on the coordinator (`/etc/trino/ranger-trino-security.xml`).
    pub path: String,
    /// The text.
    pub contents: String,
    /// Holds a secret value: mount it from a Kubernetes Secret, not a ConfigMap.
    pub secret: bool,
}

impl fmt::Debug for RenderedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let contents: &dyn fmt::Debug = if self.secret { &"<secret>" } else { &self.contents };
        f.debug_struct("RenderedFile")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("secret", &self.secret)
            .field("contents", contents)
            .finish()
    }
}

/// The rendered files, in a fixed order, and the environment they need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RangerFiles {
    /// `access-control.properties` first, then the XML files.
    pub files: Vec<RenderedFile>,
    /// Environment variables the files refer to (`${env.NAME}`), sorted.
    pub env: Vec<String>,
}

impl RangerFiles {
    /// The file called `name`.
    pub fn get(&self, name: &str) -> Option<&RenderedFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

fn key(suffix: &str) -> String {
    format!("{PREFIX}.{suffix}")
}

impl RangerPluginConfig {
    /// Validates the config and renders the files. Fails with `InvalidInput` naming the field
    /// and the rule (see [`validate`](Self::validate)), or a value XML cannot carry.
    pub fn render(&self) -> Result<RangerFiles> {
        self.validate()?;
        let dir = self.config_dir.to_string_lossy().trim_end_matches('/').to_owned();
        let path = |name: &str| format!("{dir}/{name}");
        let mut env = Vec::new();

        let (security, security_secret) = self.security_properties(&path(SSL_FILE), &mut env)?;
        let (audit, audit_secret) = self.audit_properties()?;
        let ssl = self.ssl_properties()?;

        let mut xml_paths = vec![path(SECURITY_FILE), path(AUDIT_FILE)];
        if ssl.is_some() {
            xml_paths.push(path(SSL_FILE));
        }
        let access_control = self.access_control_properties(&xml_paths)?;

        let mut files = vec![
            RenderedFile {
                name: ACCESS_CONTROL_FILE.to_owned(),
                path: path(ACCESS_CONTROL_FILE),
                contents: access_control.to_java_properties(),
                secret: false,
            },
            RenderedFile {
                name: SECURITY_FILE.to_owned(),
                path: path(SECURITY_FILE),
                contents: security.to_hadoop_xml()?,
                secret: security_secret,
            },
            RenderedFile {
                name: AUDIT_FILE.to_owned(),
                path: path(AUDIT_FILE),
                contents: audit.to_hadoop_xml()?,
                secret: audit_secret,
            },
        ];
        if let Some(ssl) = ssl {
            files.push(RenderedFile {
                name: SSL_FILE.to_owned(),
                path: path(SSL_FILE),
                contents: ssl.to_hadoop_xml()?,
                secret: false,
            });
        }
        env.sort();
        env.dedup();
        Ok(RangerFiles { files, env })
    }

    /// `access-control.properties`.
    fn access_control_properties(&self, xml_paths: &[String]) -> Result<Properties> {
        let mut props = Properties::new();
        props.set("access-control.name", "ranger")?;
        props.set("ranger.service.name", self.service_name.as_str())?;
        props.set("ranger.plugin.config.resource", xml_paths.join(","))?;
        if !self.hadoop_config_resources.is_empty() {
            let paths: Vec<String> =
                self.hadoop_config_resources.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            props.set("ranger.hadoop.config.resource", paths.join(","))?;
        }
        props.overlay(&Properties::from_pairs(&self.overrides.access_control)?);
        Ok(props)
    }

    /// `ranger-trino-security.xml`, and whether it holds a secret value.
    fn security_properties(&self, ssl_path: &str, env: &mut Vec<String>) -> Result<(Properties, bool)> {
        let mut props = Properties::new();
        // Defaults (Ranger's, written out so the file says what applies).
        props.set(&key("policy.source.impl"), "org.apache.ranger.admin.client.RangerAdminRESTClient")?;
        props.set(&key("policy.rest.client.cookie.enabled"), "true")?;
        // From the spec.
        props.set(&key("service.name"), self.service_name.as_str())?;
        props.set(&key("policy.rest.url"), self.normalized_admin_urls()?.join(","))?;
        props.set(&key("policy.rest.client.connection.timeoutMs"), self.connect_timeout.as_millis().to_string())?;
        props.set(&key("policy.rest.client.read.timeoutMs"), self.read_timeout.as_millis().to_string())?;
        props.set(&key("policy.rest.client.max.retry.attempts"), self.max_retry_attempts.to_string())?;
        props.set(&key("policy.rest.client.retry.interval.ms"), self.retry_interval.as_millis().to_string())?;
        props.set(&key("policy.pollIntervalMs"), self.poll_interval.as_millis().to_string())?;
        if let Some(dir) = &self.policy_cache_dir {
            props.set(&key("policy.cache.dir"), dir.to_string_lossy())?;
        }
        if self.ssl.is_some() {
            props.set(&key("policy.rest.ssl.config.file"), ssl_path)?;
        }
        props.set(&key("use.rangerGroups"), self.use_ranger_groups.to_string())?;
        props.set(&key("use.only.rangerGroups"), self.use_only_ranger_groups.to_string())?;
        if !self.super_users.is_empty() {
            props.set(&key("super.users"), self.super_users.join(","))?;
        }
        if !self.super_groups.is_empty() {
            props.set(&key("super.groups"), self.super_groups.join(","))?;
        }
        if let Some(cluster) = &self.cluster_name {
            props.set(&key("access.cluster.name"), cluster.as_str())?;
        }
        let mut secret = false;
        if let Some(auth) = &self.download_auth {
            props.set(&key("policy.rest.client.username"), auth.username.as_str())?;
            let password = key("policy.rest.client.password");
            match &auth.password {
                SecretRef::Env(name) => {
                    props.set_env(&password, name)?;
                    env.push(name.clone());
                }
                SecretRef::Value(value) => {
                    props.set(&password, value.expose_secret())?;
                    secret = true;
                }
            }
        }
        // Overrides last.
        props.overlay(&Properties::from_pairs(&self.overrides.security)?);
        Ok((props, secret))
    }

    /// `ranger-trino-audit.xml`, and whether it holds a secret value.
    fn audit_properties(&self) -> Result<(Properties, bool)> {
        let audit = &self.audit;
        let mut props = Properties::new();
        let mut secret = false;
        props.set("xasecure.audit.is.enabled", audit.enabled.to_string())?;
        props.set("xasecure.audit.provider.summary.enabled", audit.summary.to_string())?;
        props.set("xasecure.audit.destination.hdfs", "false")?;
        props.set("xasecure.audit.destination.log4j", audit.log4j.is_some().to_string())?;
        if let Some(log4j) = &audit.log4j {
            props.set("xasecure.audit.destination.log4j.logger", log4j.logger.as_str())?;
        }
        props.set("xasecure.audit.destination.solr", audit.solr.is_some().to_string())?;
        if let Some(solr) = &audit.solr {
            let p = "xasecure.audit.destination.solr";
            if !solr.urls.is_empty() {
                props.set(&format!("{p}.urls"), solr.urls.join(","))?;
            }
            if let Some(zk) = &solr.zookeepers {
                props.set(&format!("{p}.zookeepers"), zk.as_str())?;
            }
            props.set(&format!("{p}.collection"), solr.collection.as_str())?;
            if let Some(user) = &solr.user {
                props.set(&format!("{p}.user"), user.as_str())?;
            }
            if let Some(password) = &solr.password {
                props.set(&format!("{p}.password"), password.expose_secret())?;
                secret = true;
            }
            if let Some(dir) = &solr.spool_dir {
                props.set(&format!("{p}.batch.filespool.dir"), dir.to_string_lossy())?;
            }
        }
        props.set("xasecure.audit.destination.elasticsearch", audit.elasticsearch.is_some().to_string())?;
        if let Some(es) = &audit.elasticsearch {
            let p = "xasecure.audit.destination.elasticsearch";
            props.set(&format!("{p}.urls"), es.hosts.join(","))?;
            props.set(&format!("{p}.port"), es.port.to_string())?;
            props.set(&format!("{p}.protocol"), es.protocol.as_str())?;
            props.set(&format!("{p}.index"), es.index.as_str())?;
            if let Some(user) = &es.user {
                props.set(&format!("{p}.user"), user.as_str())?;
            }
            if let Some(password) = &es.password {
                props.set(&format!("{p}.password"), password.expose_secret())?;
                secret = true;
            }
            if let Some(dir) = &es.spool_dir {
                props.set(&format!("{p}.batch.filespool.dir"), dir.to_string_lossy())?;
            }
        }
        props.overlay(&Properties::from_pairs(&self.overrides.audit)?);
        Ok((props, secret))
    }

    /// `ranger-policymgr-ssl.xml`, when TLS to Ranger Admin is configured.
    fn ssl_properties(&self) -> Result<Option<Properties>> {
        let Some(ssl) = &self.ssl else { return Ok(None) };
        let p = "xasecure.policymgr.clientssl";
        let mut props = Properties::new();
        props.set(&format!("{p}.truststore"), ssl.truststore.to_string_lossy())?;
        props.set(&format!("{p}.truststore.type"), ssl.truststore_type.as_str())?;
        if let Some(file) = &ssl.truststore_credential_file {
            props.set(&format!("{p}.truststore.credential.file"), file.as_str())?;
        }
        if let Some(keystore) = &ssl.keystore {
            props.set(&format!("{p}.keystore"), keystore.to_string_lossy())?;
            props.set(&format!("{p}.keystore.type"), ssl.keystore_type.as_str())?;
            if let Some(file) = &ssl.keystore_credential_file {
                props.set(&format!("{p}.keystore.credential.file"), file.as_str())?;
            }
        }
        props.overlay(&Properties::from_pairs(&self.overrides.policymgr_ssl)?);
        Ok(Some(props))
    }
}
