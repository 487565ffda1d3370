//! The `RangerPluginConfig` class (the coordinator's Ranger plugin configuration) and the files
//! it renders to; its plain-object form is in `spec.rs`.

use napi::Env;
use napi_derive::napi;
use trino_platform::{Result, ranger};

use crate::error::or_throw;
use crate::input::{Secrets, from_object};

/// The Ranger plugin configuration of a Trino coordinator: which Ranger service holds its
/// policies, where Ranger Admin is, how policies are downloaded and cached, super users, audit
/// destinations. Build one with `RangerPluginConfig.fromObject` or `.fromYaml`, then `render()`
/// the files the coordinator reads.
///
/// Both constructors validate the whole config and throw an `Error` whose `code` is
/// `'InvalidInput'` and whose message names the field that is wrong (unknown fields included);
/// a message never holds a password.
#[napi]
pub struct RangerPluginConfig {
    inner: ranger::RangerPluginConfig,
}

#[napi]
impl RangerPluginConfig {
    /// A config from its plain-object form (the fields of `RangerPluginConfigObject`, camelCase,
    /// as in a YAML config file), parsed and validated as such a file is. Properties set to
    /// `undefined` count as absent. Throws `InvalidInput` naming the field (its path, as
    /// `downloadAuth.password`); the message never holds a password.
    #[napi(ts_args_type = "config: RangerPluginConfigObject")]
    pub fn from_object(env: &Env, config: serde_json::Value) -> napi::Result<RangerPluginConfig> {
        let secrets = Secrets::of(&config);
        let config = from_object("Ranger plugin config", config);
        or_throw(env, validated(config).map_err(|e| secrets.scrub(e)))
    }

    /// Parses and validates a YAML (or JSON) config, such as a file's text
    /// (`fromYaml(readFileSync(path, 'utf8'))`). Throws `InvalidInput` naming the field and
    /// line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<RangerPluginConfig> {
        or_throw(env, validated(ranger::RangerPluginConfig::from_yaml(&text)))
    }

    /// The Ranger service holding Trino's policies (`ranger.service.name`).
    #[napi(getter)]
    pub fn service_name(&self) -> String {
        self.inner.service_name.to_string()
    }

    /// Renders `access-control.properties`, `ranger-trino-security.xml`,
    /// `ranger-trino-audit.xml` and, with `ssl`, `ranger-policymgr-ssl.xml` (sorted, escaped;
    /// layered defaults → the config's values → `overrides`). Throws `InvalidInput` for a value
    /// a file cannot carry.
    #[napi]
    pub fn render(&self, env: &Env) -> napi::Result<RangerFiles> {
        or_throw(env, self.inner.render().map(RangerFiles::from))
    }
}

/// The parsed config, validated (as `render` does again) so that a bad one throws at once.
fn validated(config: Result<ranger::RangerPluginConfig>) -> Result<RangerPluginConfig> {
    let config = config?;
    config.validate()?;
    Ok(RangerPluginConfig { inner: config })
}

/// One rendered file.
#[napi(object)]
pub struct RenderedFile {
    /// File name (`ranger-trino-security.xml`).
    pub name: String,
    /// Absolute path on the coordinator (`/etc/trino/ranger-trino-security.xml`).
    pub path: String,
    /// The text.
    pub contents: String,
    /// Whether the file holds a secret value (a password given as `{value}`): mount it from a
    /// Kubernetes Secret, not a ConfigMap.
    pub secret: bool,
}

/// What `RangerPluginConfig.render()` returns.
#[napi(object)]
pub struct RangerFiles {
    /// `access-control.properties` first, then the XML files.
    pub files: Vec<RenderedFile>,
    /// The environment variables the files refer to (`${env.NAME}`, from `{env}` passwords),
    /// sorted: set them on the coordinator from a Kubernetes Secret.
    pub env: Vec<String>,
}

impl From<ranger::RangerFiles> for RangerFiles {
    fn from(files: ranger::RangerFiles) -> Self {
        let ranger::RangerFiles { files, env } = files;
        let files = files
            .into_iter()
            .map(|file| {
                let ranger::RenderedFile { name, path, contents, secret } = file;
                RenderedFile { name, path, contents, secret }
            })
            .collect();
        Self { files, env }
    }
}
