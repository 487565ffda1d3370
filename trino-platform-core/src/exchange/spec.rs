//! [`ExchangeBucketSpec`]: what an exchange bucket should look like, as a user writes it, and the
//! validated values inside it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::naming::{BucketName, BucketPrefix, Workspace};
use super::trino::TrinoExchangeConfig;
use crate::error::{Error, Result};
use crate::secret::redact_url;

/// The tag that marks a bucket as created and owned by trino-platform.
pub const MANAGED_BY_TAG: &str = "managed-by";
/// The value of [`MANAGED_BY_TAG`].
pub const MANAGED_BY_VALUE: &str = "trino-platform";
/// The tag that names the workspace a bucket belongs to.
pub const WORKSPACE_TAG: &str = "workspace";
/// The id of the one lifecycle rule trino-platform puts on an exchange bucket.
pub const LIFECYCLE_RULE_ID: &str = "trino-exchange-cleanup";

/// Most tags S3 keeps on a bucket.
const MAX_TAGS: usize = 50;

/// The exchange bucket of one workspace: where it lives, what it is called, and every setting
/// `ensure` converges it to. Files users write parse with unknown fields rejected (camelCase):
///
/// ```
/// use trino_platform::exchange::ExchangeBucketSpec;
///
/// let spec = ExchangeBucketSpec::from_yaml(
///     "workspace: acme\n\
///      region: eu-central-1\n\
///      encryption: {type: sse-kms, kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\n\
///      principals: ['arn:aws:iam::111122223333:role/acme-trino']\n",
/// )?;
/// assert_eq!(spec.bucket_name()?.as_str(), "trino-exchange-acme");
/// assert_eq!(spec.lifecycle.expire_after_days, 1);
/// # Ok::<(), trino_platform::Error>(())
/// ```
///
/// Call [`validate`](Self::validate) (every operation does) for the checks that span fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExchangeBucketSpec {
    /// The workspace the bucket serves; part of the derived name and a tag.
    pub workspace: Workspace,
    /// AWS region of the bucket (and of request signing). Required unless `endpoint` is set.
    #[serde(default)]
    pub region: Option<Region>,
    /// Endpoint of an S3-compatible store (MinIO, moto, …) instead of AWS S3.
    #[serde(default)]
    pub endpoint: Option<S3Endpoint>,
    /// Path-style requests (`endpoint/bucket/key`), which most S3-compatible stores need.
    #[serde(default)]
    pub path_style: bool,
    /// An explicit bucket name; when absent the name is derived from `bucketPrefix` and
    /// `workspace` (see [`BucketName::derive`]).
    #[serde(default)]
    pub bucket: Option<BucketName>,
    /// Start of the derived bucket name (default `trino-exchange`).
    #[serde(default)]
    pub bucket_prefix: BucketPrefix,
    /// Extra bucket tags; `managed-by` and `workspace` are set by trino-platform and cannot be
    /// given here.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Default encryption of objects at rest (default SSE-S3).
    #[serde(default)]
    pub encryption: Encryption,
    /// Expiry of abandoned exchange data.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// Whether the bucket policy denies every request made without TLS (default `true`). Turn
    /// it off only for an S3-compatible store reached over plain HTTP (an in-cluster MinIO):
    /// stores that evaluate `aws:SecureTransport` would otherwise refuse every request, this
    /// tool's and Trino's included.
    #[serde(default = "yes")]
    pub require_tls: bool,
    /// IAM role ARNs of the workspace's Trino pods. When given, the bucket policy allows them
    /// the exchange's object actions and denies those actions to every other principal.
    #[serde(default)]
    pub principals: Vec<RoleArn>,
    /// Explicit credentials for managing the bucket; when absent, the AWS default chain
    /// (environment, profile, web identity, container and instance metadata).
    #[serde(default)]
    pub credentials: Option<S3Credentials>,
    /// How Trino uses the bucket: the exchange manager and fault-tolerant execution settings.
    #[serde(default)]
    pub trino: TrinoExchangeConfig,
}

impl ExchangeBucketSpec {
    /// A spec for `workspace` in `region` with every other setting at its default.
    pub fn new(workspace: Workspace, region: Region) -> Self {
        Self {
            workspace,
            region: Some(region),
            endpoint: None,
            path_style: false,
            bucket: None,
            bucket_prefix: BucketPrefix::default(),
            tags: BTreeMap::new(),
            encryption: Encryption::default(),
            lifecycle: Lifecycle::default(),
            require_tls: true,
            principals: Vec::new(),
            credentials: None,
            trino: TrinoExchangeConfig::default(),
        }
    }

    /// Parses a YAML spec and [validates](Self::validate) it. Fails with `InvalidInput` naming
    /// the field that is wrong (unknown fields included).
    pub fn from_yaml(text: &str) -> Result<Self> {
        let spec: Self = crate::yaml::from_str(text, "exchange spec")?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a YAML spec file; fails with `InvalidInput` when it cannot be read or
    /// is invalid (the message names the file and the field).
    pub fn load(path: &std::path::Path) -> Result<Self> {
        crate::yaml::load(path, Self::from_yaml)
    }

    /// Checks what single fields cannot: a region or an endpoint is set, the lifecycle days are
    /// at least 1, tags are valid and do not override trino-platform's own, the derived bucket
    /// name is valid, and the Trino settings are consistent. Fails with `InvalidInput` naming
    /// the field.
    pub fn validate(&self) -> Result<()> {
        if self.region.is_none() && self.endpoint.is_none() {
            return Err(Error::invalid_input(
                "region: set region (AWS S3) or endpoint (an S3-compatible store), or both",
            ));
        }
        self.lifecycle.validate()?;
        self.validate_tags()?;
        self.bucket_name()?;
        self.trino.validate()?;
        Ok(())
    }

    fn validate_tags(&self) -> Result<()> {
        if self.tags.len() + 2 > MAX_TAGS {
            return Err(Error::invalid_input(format!(
                "tags: at most {} tags besides managed-by and workspace",
                MAX_TAGS - 2
            )));
        }
        for (key, value) in &self.tags {
            if key == MANAGED_BY_TAG || key == WORKSPACE_TAG {
                return Err(Error::invalid_input(format!("tags: {key:?} is set by trino-platform; remove it")));
            }
            let chars_ok = |s: &str| s.chars().all(|c| c.is_alphanumeric() || " +-=._:/@".contains(c));
            if key.is_empty() || key.chars().count() > 128 || key.starts_with("aws:") || !chars_ok(key) {
                return Err(Error::invalid_input(format!(
                    "tags: invalid key {key:?} (1 to 128 letters, digits, spaces or + - = . _ : / @, not starting with aws:)"
                )));
            }
            if value.chars().count() > 256 || !chars_ok(value) {
                return Err(Error::invalid_input(format!(
                    "tags: invalid value for {key:?} (up to 256 letters, digits, spaces or + - = . _ : / @)"
                )));
            }
        }
        Ok(())
    }

    /// The bucket's name: the explicit `bucket`, else derived from `bucketPrefix` and
    /// `workspace`. Fails with `InvalidInput` when the derived name is one S3 reserves.
    pub fn bucket_name(&self) -> Result<BucketName> {
        match &self.bucket {
            Some(bucket) => Ok(bucket.clone()),
            None => BucketName::derive(&self.bucket_prefix, &self.workspace),
        }
    }

    /// The region requests are signed for: `region`, else `us-east-1` (what S3-compatible stores
    /// expect when they ignore regions).
    pub fn signing_region(&self) -> &str {
        self.region.as_ref().map_or("us-east-1", Region::as_str)
    }

    /// The AWS partition of the region (`aws`, `aws-cn`, `aws-us-gov`), for ARNs.
    pub fn partition(&self) -> &'static str {
        partition_of(self.signing_region())
    }

    /// The tags the bucket must carry: the spec's, plus `managed-by=trino-platform` and
    /// `workspace=<workspace>`.
    pub fn desired_tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.insert(MANAGED_BY_TAG.to_owned(), MANAGED_BY_VALUE.to_owned());
        tags.insert(WORKSPACE_TAG.to_owned(), self.workspace.to_string());
        tags
    }
}

fn yes() -> bool {
    true
}

/// The AWS partition a region belongs to.
pub(crate) fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// An AWS region name such as `eu-central-1` (or the region an S3-compatible store expects):
/// 1–32 lowercase letters, digits and `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    /// Validates `value`; fails with `InvalidInput` naming the field `region`.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let ok = (1..=32).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && !value.ends_with('-')
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!("invalid region {value:?}: expected a region name such as eu-central-1")))
        }
    }

    /// The region name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Region {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<String> for Region {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<Region> for String {
    fn from(region: Region) -> String {
        region.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The base URL of an S3-compatible endpoint: `http` or `https`, a host, no credentials, query or
/// fragment; kept without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct S3Endpoint(String);

impl S3Endpoint {
    /// Parses `value`; fails with `InvalidInput` naming the field `endpoint` and the problem.
    pub fn new(value: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid_input(format!("invalid endpoint {:?}: {why}", redact_url(value)));
        let url = url::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("a host is required"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials do not belong in the URL; use credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("a query or fragment is not allowed"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether requests to it go over plain HTTP.
    pub fn is_plain_http(&self) -> bool {
        self.0.starts_with("http://")
    }
}

impl TryFrom<String> for S3Endpoint {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(&s)
    }
}

impl FromStr for S3Endpoint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl From<S3Endpoint> for String {
    fn from(endpoint: S3Endpoint) -> String {
        endpoint.0
    }
}

impl fmt::Display for S3Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Default encryption at rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Encryption {
    /// SSE-S3: keys managed by S3 (`AES256`).
    #[default]
    SseS3,
    /// SSE-KMS with a customer key, with S3 Bucket Keys on (fewer KMS calls).
    SseKms {
        /// The KMS key: key id, key ARN, alias name or alias ARN.
        #[serde(rename = "kmsKeyId")]
        kms_key_id: KmsKeyId,
    },
}

/// A KMS key reference: a key id (`1234abcd-…` or `mrk-…`), a key ARN, `alias/name` or an alias ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KmsKeyId(String);

impl KmsKeyId {
    /// Validates `value`; fails with `InvalidInput` naming the field `encryption.kmsKeyId`.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if kms_reference_ok(&value) {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid encryption.kmsKeyId {value:?}: expected a key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-…), \
                 a key ARN, alias/NAME or an alias ARN"
            )))
        }
    }

    /// The reference as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a full key ARN (`arn:…:kms:…:key/…`), which IAM policies can name exactly.
    pub fn is_key_arn(&self) -> bool {
        self.0.starts_with("arn:") && self.0.contains(":key/")
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_key_id(s: &str) -> bool {
    is_uuid(s) || s.strip_prefix("mrk-").is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_alias_name(s: &str) -> bool {
    s.strip_prefix("alias/").is_some_and(|n| {
        (1..=250).contains(&n.len())
            && !n.starts_with("aws/")
            && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))
    })
}

fn kms_reference_ok(s: &str) -> bool {
    if is_key_id(s) || is_alias_name(s) {
        return true;
    }
    // arn:PARTITION:kms:REGION:ACCOUNT:key/ID or :alias/NAME
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else { return false };
    arn == "arn"
        && partition.starts_with("aws")
        && service == "kms"
        && Region::new(region).is_ok()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (resource.strip_prefix("key/").is_some_and(is_key_id) || is_alias_name(resource))
}

impl TryFrom<String> for KmsKeyId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<KmsKeyId> for String {
    fn from(key: KmsKeyId) -> String {
        key.0
    }
}

impl fmt::Display for KmsKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The bucket's lifecycle rule: every object expires, and incomplete multipart uploads are
/// aborted, after a number of days. Exchange data lives only as long as a query, so anything
/// older was abandoned by a crashed node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lifecycle {
    /// Days after which exchange objects expire (default 1, at least 1).
    #[serde(default = "one_day")]
    pub expire_after_days: u32,
    /// Days after which incomplete multipart uploads are aborted (default 1, at least 1).
    #[serde(default = "one_day")]
    pub abort_incomplete_uploads_after_days: u32,
}

fn one_day() -> u32 {
    1
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self { expire_after_days: one_day(), abort_incomplete_uploads_after_days: one_day() }
    }
}

impl Lifecycle {
    /// Fails with `InvalidInput` naming the field when a day count is 0 or above 36500.
    pub fn validate(&self) -> Result<()> {
        for (field, days) in [
            ("lifecycle.expireAfterDays", self.expire_after_days),
            ("lifecycle.abortIncompleteUploadsAfterDays", self.abort_incomplete_uploads_after_days),
        ] {
            if !(1..=36_500).contains(&days) {
                return Err(Error::invalid_input(format!("{field}: must be between 1 and 36500 days, not {days}")));
            }
        }
        Ok(())
    }
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn(String);

impl RoleArn {
    /// Validates `value`; fails with `InvalidInput` naming the field `principals`.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let ok = match parts[..] {
            [arn, partition, iam, region, account, resource] => {
                arn == "arn"
                    && partition.starts_with("aws")
                    && iam == "iam"
                    && region.is_empty()
                    && account.len() == 12
                    && account.chars().all(|c| c.is_ascii_digit())
                    && resource.strip_prefix("role/").is_some_and(|r| {
                        !r.is_empty()
                            && !r.ends_with('/')
                            && r.len() <= 576
                            && r.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
                    })
            }
            _ => false,
        };
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid principals entry {value:?}: expected an IAM role ARN such as arn:aws:iam::111122223333:role/NAME"
            )))
        }
    }

    /// The ARN text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RoleArn {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl FromStr for RoleArn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl From<RoleArn> for String {
    fn from(arn: RoleArn) -> String {
        arn.0
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Static credentials for managing the bucket. The secret parts are [`SecretString`]s: never in
/// `Debug`, logs, errors or rendered files.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// A session token, for temporary credentials.
    #[serde(default)]
    pub session_token: Option<SecretString>,
}

impl fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn err_of(yaml: &str) -> Error {
        ExchangeBucketSpec::from_yaml(yaml).unwrap_err()
    }

    #[test]
    fn minimal_spec_has_the_documented_defaults() {
        let spec = ExchangeBucketSpec::from_yaml("workspace: acme\nregion: us-east-1\n").unwrap();
        assert_eq!(spec.bucket_name().unwrap().as_str(), "trino-exchange-acme");
        assert_eq!(spec.encryption, Encryption::SseS3);
        assert_eq!(spec.lifecycle, Lifecycle { expire_after_days: 1, abort_incomplete_uploads_after_days: 1 });
        assert!(spec.principals.is_empty() && !spec.path_style && spec.credentials.is_none());
        assert_eq!(spec.desired_tags().get("managed-by").map(String::as_str), Some("trino-platform"));
        assert_eq!(spec.desired_tags().get("workspace").map(String::as_str), Some("acme"));
    }

    #[test]
    fn invalid_specs_name_the_field() {
        for (yaml, field) in [
            ("workspace: Bad_WS\nregion: us-east-1\n", "workspace"),
            ("workspace: acme\n", "region"),
            ("workspace: acme\nregion: us-east-1\nlifecycle: {expireAfterDays: 0}\n", "lifecycle.expireAfterDays"),
            (
                "workspace: acme\nregion: us-east-1\nencryption: {type: sse-kms, kmsKeyId: nope}\n",
                "encryption.kmsKeyId",
            ),
            ("workspace: acme\nregion: US\n", "region"),
            ("workspace: acme\nendpoint: ftp://x\n", "endpoint"),
            ("workspace: acme\nregion: us-east-1\nprincipals: ['arn:aws:iam::1:user/x']\n", "principals"),
            ("workspace: acme\nregion: us-east-1\ntags: {managed-by: me}\n", "tags"),
            ("workspace: acme\nregion: us-east-1\nbucket: Not.Valid\n", "bucket"),
            ("workspace: acme\nregion: us-east-1\nbukcet: x\n", "bukcet"),
        ] {
            let err = err_of(yaml);
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{yaml}");
            assert!(err.message().contains(field), "{yaml}: {}", err.message());
        }
    }

    #[test]
    fn kms_references() {
        for good in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/exchange",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:cn-north-1:111122223333:alias/exchange",
        ] {
            assert!(KmsKeyId::new(good).is_ok(), "{good}");
        }
        for bad in ["", "key", "alias/", "alias/aws/s3", "arn:aws:kms:us-east-1:1:key/x", "1234abcd-12ab-34cd-56ef"] {
            assert!(KmsKeyId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_never_show_their_secret() {
        let spec = ExchangeBucketSpec::from_yaml(
            "workspace: acme\nregion: us-east-1\ncredentials: {accessKeyId: AKIAEXAMPLE, secretAccessKey: s3cr3t-value, sessionToken: t0k3n-value}\n",
        )
        .unwrap();
        let debug = format!("{spec:?}");
        assert!(debug.contains("AKIAEXAMPLE"));
        assert!(!debug.contains("s3cr3t-value") && !debug.contains("t0k3n-value"), "{debug}");
    }
}
