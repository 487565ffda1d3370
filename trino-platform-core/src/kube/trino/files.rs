//! The files of a Trino cluster's nodes, one builder each, layered: defaults → values derived
//! from the spec → the user's overrides; properties sorted.
//!
//! | file | nodes | built from |
//! |---|---|---|
//! | `config.properties` | each role | ports, discovery, shared secret, fault-tolerant execution, OAuth2 (coordinator), `config` |
//! | `node.properties` | all | the workspace (`node.environment`), the data directory |
//! | `jvm.config` | each role | the version's flags (the Vector API module from 479), `jvmOptions` |
//! | `log.properties` | all | `logLevels` |
//! | `exchange-manager.properties` | all | the exchange bucket |
//! | `access-control.properties` + Ranger XML | coordinator | the Ranger plugin config |
//! | `access-control.properties` + `worker-rules.json` | workers | graceful shutdown allowed to the preStop hook's user |
//! | `catalog/{name}.properties` | all | the catalogs |
//!
//! Secrets appear only as `${ENV:NAME}` (Hadoop XML: `${env.NAME}`) references; [`NodeFiles::env`]
//! lists the variables, which the manifests fill from the cluster's Secret.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::spec::TrinoClusterSpec;
use crate::error::{Error, Result};
use crate::exchange::{exchange_manager_properties, fault_tolerant_execution_properties};
use crate::keycloak::{SecretEnvNames, trino_oauth2_properties};
use crate::properties::Properties;
use crate::ranger::RenderedFile;

/// Where the Trino image reads its configuration.
pub const CONFIG_DIR: &str = "/etc/trino";
/// Where the catalog files go.
pub const CATALOG_DIR: &str = "/etc/trino/catalog";
/// `node.data-dir`.
pub const DATA_DIR: &str = "/data/trino";
/// The HTTP port of every node.
pub const HTTP_PORT: u16 = 8080;
/// The first Trino release that needs the Vector API module at runtime.
pub const VECTOR_API_SINCE: u32 = 479;
/// The user a worker's graceful shutdown is requested as (the preStop hook's).
pub const SHUTDOWN_USER: &str = "trino-platform";
/// The workers' access rules (file-based access control): only [`SHUTDOWN_USER`] may write
/// system information, which graceful shutdown needs. Anyone who reaches a worker's port can
/// send that user's name, so keep the workers' port to the cluster (a NetworkPolicy).
pub const WORKER_RULES_FILE: &str = "worker-rules.json";
/// The first Trino release on JDK 22 (release notes of 447).
const JDK_22_SINCE: u32 = 447;
/// The first Trino release on JDK 23 (release notes of 464).
const JDK_23_SINCE: u32 = 464;

/// The files of one role (coordinator or worker).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFiles {
    /// Files of `/etc/trino`, by name.
    pub files: BTreeMap<String, String>,
    /// Ranger's files (coordinator only), mounted at their paths; those marked secret come
    /// from a Secret.
    pub ranger_files: Vec<RenderedFile>,
    /// Writable directories the files name (Ranger's policy cache and audit spools).
    pub writable_dirs: BTreeSet<String>,
    /// Environment variables the files refer to.
    pub env: BTreeSet<String>,
}

/// Every file of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFiles {
    /// The coordinator's.
    pub coordinator: NodeFiles,
    /// The workers'.
    pub worker: NodeFiles,
    /// `etc/catalog/*.properties`, by file name, shared by both roles.
    pub catalogs: BTreeMap<String, String>,
    /// Environment variables the catalog files refer to.
    pub catalog_env: BTreeSet<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Coordinator,
    Worker,
}

impl TrinoClusterSpec {
    /// The name of the coordinator's Service, which workers discover it by.
    pub fn coordinator_service(&self) -> Result<crate::kube::ObjectName> {
        crate::kube::ObjectName::new(format!("trino-{}", self.name))
            .map_err(|e| Error::invalid_input(format!("name: {} (as trino-{})", e.message(), self.name)))
    }

    /// Renders every node file. Fails with `InvalidInput` naming the field whose value a file
    /// cannot carry.
    pub fn files(&self) -> Result<ClusterFiles> {
        self.validate()?;
        let mut catalogs = BTreeMap::new();
        let mut catalog_env = BTreeSet::new();
        for catalog in &self.catalogs {
            let props = catalog.properties(self.trino_version)?;
            catalog_env.extend(props.env_names().into_iter().map(str::to_owned));
            catalogs.insert(format!("{}.properties", catalog.name), props.to_java_properties());
        }
        Ok(ClusterFiles {
            coordinator: self.node_files(Role::Coordinator)?,
            worker: self.node_files(Role::Worker)?,
            catalogs,
            catalog_env,
        })
    }

    fn node_files(&self, role: Role) -> Result<NodeFiles> {
        let mut env = BTreeSet::new();
        let mut files = BTreeMap::new();
        let mut add = |name: &str, props: Properties, env: &mut BTreeSet<String>| {
            env.extend(props.env_names().into_iter().map(str::to_owned));
            files.insert(name.to_owned(), props.to_java_properties());
        };
        add("config.properties", self.config_properties(role)?, &mut env);
        add("node.properties", self.node_properties()?, &mut env);
        add("log.properties", self.log_properties()?, &mut env);
        if let Some(exchange) = &self.exchange {
            add("exchange-manager.properties", exchange_manager_properties(exchange)?, &mut env);
        }
        if role == Role::Worker {
            // Trino's default access control refuses graceful shutdown: the workers allow it
            // (writing system information) to the preStop hook's user, and nothing else.
            let mut props = Properties::new();
            props.set("access-control.name", "file")?;
            props.set("security.config-file", format!("{CONFIG_DIR}/{WORKER_RULES_FILE}"))?;
            add("access-control.properties", props, &mut env);
        }
        files.insert("jvm.config".to_owned(), self.jvm_config(role));
        if role == Role::Worker {
            let rules = serde_json::json!({"system_information": [{"user": SHUTDOWN_USER, "allow": ["write"]}]});
            files.insert(WORKER_RULES_FILE.to_owned(), format!("{rules:#}\n"));
        }

        let mut ranger_files = Vec::new();
        let mut writable_dirs = BTreeSet::new();
        if let (Role::Coordinator, Some(ranger)) = (role, &self.ranger) {
            let rendered = ranger.render()?;
            env.extend(rendered.env.iter().cloned());
            for file in rendered.files {
                if file.name == "access-control.properties" {
                    files.insert(file.name, file.contents);
                } else {
                    ranger_files.push(file);
                }
            }
            let dirs = ranger.policy_cache_dir.iter().chain(ranger.audit.spool_dirs());
            writable_dirs.extend(dirs.map(|dir| dir.to_string_lossy().into_owned()));
        }
        Ok(NodeFiles { files, ranger_files, writable_dirs, env })
    }

    /// The variables of the secrets every node shares, as the OAuth2 spec names them.
    pub(crate) fn secret_env(&self) -> SecretEnvNames {
        self.oauth2.as_ref().map(|o| o.secret_env.clone()).unwrap_or_default()
    }

    fn config_properties(&self, role: Role) -> Result<Properties> {
        let mut props = Properties::new();
        // Defaults.
        props.set("http-server.http.port", HTTP_PORT.to_string())?;
        props.set("discovery.uri", format!("http://{}:{HTTP_PORT}", self.coordinator_service()?))?;
        props.set_env("internal-communication.shared-secret", &self.secret_env().internal_shared_secret)?;
        match role {
            Role::Coordinator => {
                props.set("coordinator", "true")?;
                props.set("node-scheduler.include-coordinator", "false")?;
                // The gateway sets X-Forwarded-*; Trino builds nextUri from them.
                props.set("http-server.process-forwarded", "true")?;
            }
            Role::Worker => {
                props.set("coordinator", "false")?;
                props.set("shutdown.grace-period", format_seconds(self.workers.shutdown_grace_period))?;
            }
        }
        // Derived from the spec.
        if let Some(exchange) = &self.exchange {
            props.overlay(&fault_tolerant_execution_properties(exchange)?);
        }
        if let (Role::Coordinator, Some(oauth2)) = (role, &self.oauth2) {
            props.overlay(&trino_oauth2_properties(oauth2)?);
        }
        // The user's overrides.
        let (field, overrides) = match role {
            Role::Coordinator => ("coordinator.config", &self.coordinator.config),
            Role::Worker => ("workers.config", &self.workers.config),
        };
        for (key, value) in overrides {
            props.set_text(key, value).map_err(|e| Error::invalid_input(format!("{field}: {}", e.message())))?;
        }
        Ok(props)
    }

    fn node_properties(&self) -> Result<Properties> {
        let mut props = Properties::new();
        // Trino's node.environment allows [a-z0-9_]; a workspace is a DNS label.
        props.set("node.environment", self.workspace.as_str().replace('-', "_"))?;
        props.set("node.data-dir", DATA_DIR)?;
        Ok(props)
    }

    fn log_properties(&self) -> Result<Properties> {
        let mut props = Properties::new();
        props.set("io.trino", "INFO")?;
        for (logger, level) in &self.log_levels {
            props
                .set(logger, level.as_str())
                .map_err(|e| Error::invalid_input(format!("logLevels: {}", e.message())))?;
        }
        Ok(props)
    }

    /// `jvm.config`: the Trino image's flags (heap from the container's memory limit), the
    /// version's additions, then the user's options.
    fn jvm_config(&self, role: Role) -> String {
        let mut lines: Vec<String> = [
            "-server",
            "-XX:InitialRAMPercentage=80",
            "-XX:MaxRAMPercentage=80",
            "-XX:G1HeapRegionSize=32M",
            "-XX:+ExplicitGCInvokesConcurrent",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+HeapDumpOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-XX:PerMethodRecompilationCutoff=10000",
            "-XX:PerBytecodeRecompilationCutoff=10000",
            "-Djdk.attach.allowAttachSelf=true",
            "-Djdk.nio.maxCachedBufferSize=2000000",
            "-Dfile.encoding=UTF-8",
            "-XX:+EnableDynamicAgentLoading",
        ]
        .map(str::to_owned)
        .into();
        let version = self.trino_version.get();
        if version >= JDK_22_SINCE {
            // Trino's recommendation for JDK-8329528 (G1 and pinned regions).
            lines.extend(
                ["-XX:+UnlockDiagnosticVMOptions", "-XX:G1NumCollectionsKeepPinned=10000000"].map(str::to_owned),
            );
        }
        if version >= JDK_23_SINCE {
            // Libraries Trino ships load native code and use sun.misc.Unsafe: allowed, not warned about.
            lines.extend(
                ["--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"].map(str::to_owned),
            );
        }
        if version >= VECTOR_API_SINCE {
            lines.push("--add-modules=jdk.incubator.vector".to_owned());
        }
        let extra = match role {
            Role::Coordinator => &self.coordinator.jvm_options,
            Role::Worker => &self.workers.jvm_options,
        };
        lines.extend(extra.iter().cloned());
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
}

/// A duration as Trino's `Duration` text in whole seconds (`30s`).
fn format_seconds(duration: std::time::Duration) -> String {
    format!("{}s", duration.as_secs().max(1))
}
