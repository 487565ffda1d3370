//! The `TrinoClusterSpec` class: one Trino cluster on Kubernetes, validated, with its
//! manifests and node files rendered without a cluster.

use std::collections::BTreeMap;
use std::path::Path;

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, kube};

use super::manifest::{Manifest, manifests};
use crate::error::or_throw;
use crate::input::{SpecClass, exchange_secrets, ranger_secrets};
use crate::ranger::RenderedFile;

/// One Trino cluster of a workspace on Kubernetes (one coordinator, N workers), parsed and
/// validated: its resources, catalogs, fault-tolerant exchange, OAuth2, Ranger plugin and
/// secrets. Build one with `TrinoClusterSpec.fromObject`, `.fromYaml` or `.load` (the cluster
/// spec of `trino-platform deploy`), or read a tenant's resolved clusters from
/// `TenantSpec.clusters`; then render its `manifests()` and `files()` without a cluster.
///
/// Both constructors validate the whole spec and throw an `Error` whose `code` is
/// `'InvalidInput'` and whose message names the field (and, from YAML, the line); it never
/// holds a secret the spec carries (a Ranger password given as a value, S3 keys).
#[napi]
pub struct TrinoClusterSpec {
    pub(crate) inner: kube::TrinoClusterSpec,
}

impl SpecClass for TrinoClusterSpec {
    type Core = kube::TrinoClusterSpec;
    const WHAT: &'static str = "Trino cluster spec";

    fn core(&self) -> &Self::Core {
        &self.inner
    }

    fn validate(core: &Self::Core) -> Result<()> {
        core.validate()
    }

    fn secrets(core: &Self::Core) -> Vec<String> {
        cluster_secrets(core)
    }
}

/// The secret values a cluster spec holds (its exchange's S3 keys, its Ranger passwords).
pub(crate) fn cluster_secrets(spec: &kube::TrinoClusterSpec) -> Vec<String> {
    let exchange = spec.exchange.iter().flat_map(exchange_secrets);
    exchange.chain(spec.ranger.iter().flat_map(ranger_secrets)).collect()
}

#[napi]
impl TrinoClusterSpec {
    /// A spec from its plain-object form (`TrinoClusterSpecObject`), validated. Throws
    /// `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: TrinoClusterSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<TrinoClusterSpec> {
        or_throw(env, Self::parse(spec).map(|(inner, _)| Self { inner }))
    }

    /// Parses and validates a YAML (or JSON) spec, such as a file's text
    /// (`fromYaml(readFileSync(path, 'utf8'))`). Throws `InvalidInput` naming the field and
    /// line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<TrinoClusterSpec> {
        or_throw(env, kube::TrinoClusterSpec::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// Reads, parses and validates a YAML spec file. Throws `InvalidInput` when the file cannot
    /// be read or is invalid; the message names the file, the field and the line.
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<TrinoClusterSpec> {
        or_throw(env, kube::TrinoClusterSpec::load(Path::new(&path)).map(|inner| Self { inner }))
    }

    /// The cluster's name (its objects are `trino-{name}-…`; its name in the gateway's
    /// registry).
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name.to_string()
    }

    /// The workspace it belongs to.
    #[napi(getter)]
    pub fn workspace(&self) -> String {
        self.inner.workspace.to_string()
    }

    /// The namespace it runs in.
    #[napi(getter)]
    pub fn namespace(&self) -> String {
        self.inner.namespace.to_string()
    }

    /// The gateway routing group it serves.
    #[napi(getter)]
    pub fn routing_group(&self) -> String {
        self.inner.routing_group.to_string()
    }

    /// The Trino release it runs.
    #[napi(getter)]
    pub fn trino_version(&self) -> u32 {
        self.inner.trino_version.get()
    }

    /// The container image it runs (`image`, else `trinodb/trino:{trinoVersion}`).
    #[napi(getter)]
    pub fn image(&self) -> String {
        self.inner.image()
    }

    /// The cluster's objects, in apply order: its ServiceAccount, Secret (values only named:
    /// see `Manifest.secretSources`), ConfigMaps of the coordinator's, the workers' and the
    /// catalogs' files, the coordinator's Service and the two Deployments. Throws
    /// `InvalidInput` for a value a file cannot carry.
    #[napi]
    pub fn manifests(&self, env: &Env) -> napi::Result<Vec<Manifest>> {
        or_throw(env, self.inner.manifests().map(manifests))
    }

    /// Every node file, as the ConfigMaps hold them: the coordinator's and the workers'
    /// `/etc/trino` files (secrets only as `${ENV:NAME}` references), the Ranger files, the
    /// catalogs. Throws `InvalidInput` for a value a file cannot carry.
    #[napi]
    pub fn files(&self, env: &Env) -> napi::Result<TrinoClusterFiles> {
        or_throw(env, self.inner.files().map(TrinoClusterFiles::from))
    }
}

/// The files of one role (coordinator or workers), from `TrinoClusterSpec.files()`.
#[napi(object, object_from_js = false)]
pub struct TrinoNodeFiles {
    /// The files of `/etc/trino` by name (`config.properties`, `jvm.config`, …).
    pub files: BTreeMap<String, String>,
    /// Ranger's files (coordinator only), mounted at their paths; those marked `secret` come
    /// from a Kubernetes Secret.
    pub ranger_files: Vec<RenderedFile>,
    /// Writable directories the files name (Ranger's policy cache and audit spools), sorted.
    pub writable_dirs: Vec<String>,
    /// The environment variables the files refer to (`${ENV:NAME}`), sorted: the pods get them
    /// from the cluster's Secret.
    pub env: Vec<String>,
}

/// Every file of a cluster, from `TrinoClusterSpec.files()`.
#[napi(object, object_from_js = false)]
pub struct TrinoClusterFiles {
    /// The coordinator's.
    pub coordinator: TrinoNodeFiles,
    /// The workers'.
    pub worker: TrinoNodeFiles,
    /// `etc/catalog/*.properties` by file name, shared by both roles.
    pub catalogs: BTreeMap<String, String>,
    /// The environment variables the catalog files refer to, sorted.
    pub catalog_env: Vec<String>,
}

impl From<kube::NodeFiles> for TrinoNodeFiles {
    fn from(files: kube::NodeFiles) -> Self {
        let kube::NodeFiles { files, ranger_files, writable_dirs, env } = files;
        let ranger_files = ranger_files
            .into_iter()
            .map(|file| {
                let trino_platform::ranger::RenderedFile { name, path, contents, secret } = file;
                RenderedFile { name, path, contents, secret }
            })
            .collect();
        Self { files, ranger_files, writable_dirs: writable_dirs.into_iter().collect(), env: env.into_iter().collect() }
    }
}

impl From<kube::ClusterFiles> for TrinoClusterFiles {
    fn from(files: kube::ClusterFiles) -> Self {
        let kube::ClusterFiles { coordinator, worker, catalogs, catalog_env } = files;
        Self {
            coordinator: coordinator.into(),
            worker: worker.into(),
            catalogs,
            catalog_env: catalog_env.into_iter().collect(),
        }
    }
}
