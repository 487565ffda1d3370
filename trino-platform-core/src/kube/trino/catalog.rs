//! Catalogs: [`CatalogSpec`] → `etc/catalog/{name}.properties`. Today one connector, Delta Lake
//! on a Hive Metastore reading S3 through Trino's native file system (keys from Trino's
//! `connector/delta-lake.md`, `object-storage/file-system-s3.md` and `object-storage/metastores.md`).
//!
//! Version-aware: the native S3 switch is `fs.native-s3.enabled` up to Trino 480 and
//! `fs.s3.enabled` from 481 (which keeps the old name only as a legacy alias).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::exchange::{Region, RoleArn, S3Endpoint};
use crate::keycloak::TrinoVersion;
use crate::properties::Properties;

/// The first Trino release whose native S3 switch is `fs.s3.enabled`.
pub const FS_S3_ENABLED_SINCE: u32 = 481;

/// One catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CatalogSpec {
    /// The catalog name in SQL (`delta` → `etc/catalog/delta.properties`).
    pub name: CatalogName,
    /// A Delta Lake catalog.
    pub delta_lake: DeltaLakeCatalog,
    /// Extra or replaced keys, applied last (`${ENV:NAME}` stays a reference).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// A catalog name: 1–64 lowercase letters, digits and `_`, starting with a letter (Trino folds
/// unquoted names to lowercase; this keeps every name usable without quotes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct CatalogName(String);

impl CatalogName {
    /// Validates `value`; fails with `InvalidInput` saying what a name may hold.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let ok = (1..=64).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid catalog name {value:?}: use 1 to 64 lowercase letters, digits or '_', starting with a letter"
            )))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CatalogName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl std::fmt::Display for CatalogName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Delta Lake tables registered in a Hive Metastore, data on S3.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeltaLakeCatalog {
    /// Thrift URIs of the metastore (`thrift://hms:9083`); more than one are fallbacks.
    pub metastore_uri: MetastoreUris,
    /// Where the data lives.
    pub s3: S3Access,
    /// Allow `CALL system.register_table(…)` (default false).
    #[serde(default)]
    pub register_table_procedure: bool,
}

/// One or more `thrift://host:port` URIs.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "OneOrMany")]
pub struct MetastoreUris(Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl TryFrom<OneOrMany> for MetastoreUris {
    type Error = Error;
    fn try_from(value: OneOrMany) -> Result<Self> {
        let uris = match value {
            OneOrMany::One(uri) => vec![uri],
            OneOrMany::Many(uris) => uris,
        };
        if uris.is_empty() {
            return Err(Error::invalid_input("metastoreUri: give at least one thrift://host:port URI"));
        }
        for uri in &uris {
            let parsed = url::Url::parse(uri)
                .map_err(|e| Error::invalid_input(format!("metastoreUri {uri:?} is not a URI: {e}")))?;
            if parsed.scheme() != "thrift" || parsed.host_str().is_none_or(str::is_empty) || parsed.port().is_none() {
                return Err(Error::invalid_input(format!("metastoreUri {uri:?} must look like thrift://host:9083")));
            }
        }
        Ok(Self(uris))
    }
}

impl MetastoreUris {
    /// The URIs.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// How a catalog reaches S3.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Access {
    /// `s3.region` (set it for S3-compatible stores too).
    pub region: Region,
    /// `s3.endpoint`, for an S3-compatible store.
    #[serde(default)]
    pub endpoint: Option<S3Endpoint>,
    /// `s3.path-style-access` (default false; most S3-compatible stores need it).
    #[serde(default)]
    pub path_style: bool,
    /// How Trino authenticates (default: the pods' AWS default chain, for example IRSA).
    #[serde(default)]
    pub credentials: CatalogS3Credentials,
}

/// How a catalog authenticates to S3.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CatalogS3Credentials {
    /// The AWS SDK default chain of the pods (IRSA, Pod Identity, instance role).
    #[default]
    DefaultChain,
    /// Assume this role (`s3.iam-role`).
    IamRole {
        /// The role.
        #[serde(rename = "roleArn")]
        role_arn: RoleArn,
    },
    /// Static keys from the pods' environment (`s3.aws-access-key=${ENV:…}`), filled from the
    /// cluster's Secret.
    Environment {
        /// Variable of the access key id (default `S3_ACCESS_KEY`).
        #[serde(default = "default_access_key_env", rename = "accessKeyEnv")]
        access_key_env: String,
        /// Variable of the secret key (default `S3_SECRET_KEY`).
        #[serde(default = "default_secret_key_env", rename = "secretKeyEnv")]
        secret_key_env: String,
    },
}

fn default_access_key_env() -> String {
    "S3_ACCESS_KEY".to_owned()
}

fn default_secret_key_env() -> String {
    "S3_SECRET_KEY".to_owned()
}

impl CatalogSpec {
    /// Checks what the types cannot: variable names and override keys. Fails with
    /// `InvalidInput` naming the field.
    pub fn validate(&self) -> Result<()> {
        // A render with any version checks everything the spec holds.
        self.properties(TrinoVersion::new(FS_S3_ENABLED_SINCE)?).map(|_| ())
    }

    /// The catalog file for `trino_version`. Fails with `InvalidInput` on a bad variable name or
    /// override key.
    pub fn properties(&self, trino_version: TrinoVersion) -> Result<Properties> {
        let delta = &self.delta_lake;
        let s3 = &delta.s3;
        let mut props = Properties::new();
        // Defaults.
        props.set("connector.name", "delta_lake")?;
        props.set("hive.metastore", "thrift")?;
        // Derived from the spec.
        props.set("hive.metastore.uri", delta.metastore_uri.as_slice().join(","))?;
        let switch = if trino_version.get() >= FS_S3_ENABLED_SINCE { "fs.s3.enabled" } else { "fs.native-s3.enabled" };
        props.set(switch, "true")?;
        props.set("s3.region", s3.region.as_str())?;
        if let Some(endpoint) = &s3.endpoint {
            props.set("s3.endpoint", endpoint.as_str())?;
        }
        if s3.path_style {
            props.set("s3.path-style-access", "true")?;
        }
        match &s3.credentials {
            CatalogS3Credentials::DefaultChain => {}
            CatalogS3Credentials::IamRole { role_arn } => {
                props.set("s3.iam-role", role_arn.as_str())?;
            }
            CatalogS3Credentials::Environment { access_key_env, secret_key_env } => {
                props.set_env("s3.aws-access-key", access_key_env).map_err(|e| field("accessKeyEnv", e))?;
                props.set_env("s3.aws-secret-key", secret_key_env).map_err(|e| field("secretKeyEnv", e))?;
            }
        }
        if delta.register_table_procedure {
            props.set("delta.register-table-procedure.enabled", "true")?;
        }
        // The user's overrides.
        for (key, value) in &self.properties {
            props.set_text(key, value).map_err(|e| field("properties", e))?;
        }
        Ok(props)
    }
}

fn field(name: &str, e: Error) -> Error {
    Error::invalid_input(format!("{name}: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(yaml: &str) -> Result<CatalogSpec> {
        crate::yaml::from_str::<CatalogSpec>(yaml, "catalog").and_then(|c| c.validate().map(|()| c))
    }

    #[test]
    fn delta_lake_on_hms_with_native_s3_follows_the_version() {
        let spec = catalog(
            "name: delta\ndeltaLake:\n  metastoreUri: thrift://hms:9083\n  s3: {region: eu-west-1, credentials: {type: environment}}\n",
        )
        .unwrap();
        let old = spec.properties(TrinoVersion::new(476).unwrap()).unwrap().to_java_properties();
        assert!(old.contains("fs.native-s3.enabled=true\n") && !old.contains("fs.s3.enabled"), "{old}");
        assert!(old.contains("s3.aws-secret-key=${ENV:S3_SECRET_KEY}\n"), "{old}");
        assert!(old.contains("connector.name=delta_lake\n"));
        let new = spec.properties(TrinoVersion::new(481).unwrap()).unwrap().to_java_properties();
        assert!(new.contains("fs.s3.enabled=true\n") && !new.contains("native-s3"), "{new}");
    }

    #[test]
    fn bad_catalogs_name_what_is_wrong() {
        let missing = catalog("name: delta\ndeltaLake:\n  s3: {region: eu-west-1}\n").unwrap_err();
        assert!(missing.message().contains("metastoreUri"), "{missing}");
        let bad_uri = catalog("name: delta\ndeltaLake: {metastoreUri: 'http://hms', s3: {region: r}}\n").unwrap_err();
        assert!(bad_uri.message().contains("thrift://"), "{bad_uri}");
        let bad_name =
            catalog("name: Delta\ndeltaLake: {metastoreUri: 'thrift://h:1', s3: {region: r}}\n").unwrap_err();
        assert!(bad_name.message().contains("catalog name"), "{bad_name}");
    }
}
