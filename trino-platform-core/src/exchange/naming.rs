//! Names: the workspace an exchange bucket belongs to, the bucket's own name, and how the second
//! is derived from the first.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest S3 bucket name.
const MAX_BUCKET_LEN: usize = 63;
/// Longest workspace name (a DNS label, like the Kubernetes namespace it usually maps to).
const MAX_WORKSPACE_LEN: usize = 63;
/// Longest bucket prefix (leaves room for `-` and a workspace).
const MAX_PREFIX_LEN: usize = 40;
/// Hex digits of the hash that replaces the cut end of a name that would be too long.
const HASH_LEN: usize = 8;

/// Whether `s` is a DNS label: lowercase letters, digits and `-`, starting and ending alphanumeric.
fn is_dns_label(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A tenant workspace: a DNS label of 1–63 lowercase letters, digits and `-`, starting and
/// ending with a letter or digit (the shape of the Kubernetes namespace it maps to).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Workspace(String);

impl Workspace {
    /// Validates `value`; fails with `InvalidInput` naming the field `workspace` and the rule.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if is_dns_label(&value, MAX_WORKSPACE_LEN) {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid workspace {value:?}: use 1 to {MAX_WORKSPACE_LEN} lowercase letters, digits or '-', \
                 starting and ending with a letter or digit"
            )))
        }
    }
}

text_newtype!(Workspace);

/// The start of a derived bucket name (`trino-exchange` by default): 1–40 lowercase letters,
/// digits or `-`, starting and ending with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BucketPrefix(String);

impl BucketPrefix {
    /// Validates `value`; fails with `InvalidInput` naming the field `bucketPrefix`.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if is_dns_label(&value, MAX_PREFIX_LEN) && !value.starts_with("xn--") && !value.starts_with("sthree-") {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid bucketPrefix {value:?}: use 1 to {MAX_PREFIX_LEN} lowercase letters, digits or '-', \
                 starting and ending with a letter or digit (not 'xn--' or 'sthree-')"
            )))
        }
    }
}

impl Default for BucketPrefix {
    fn default() -> Self {
        Self("trino-exchange".to_owned())
    }
}

text_newtype!(BucketPrefix);

/// A valid S3 general purpose bucket name, restricted to the virtual-host-safe subset: 3–63
/// lowercase letters, digits and `-` (no dots, so TLS wildcard certificates always match),
/// starting and ending with a letter or digit, without the prefixes and suffixes S3 reserves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BucketName(String);

const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

impl BucketName {
    /// Validates `value`; fails with `InvalidInput` naming the field `bucket` and the rule.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let bad = |why: &str| Error::invalid_input(format!("invalid bucket {value:?}: {why}"));
        if value.len() < 3 || !is_dns_label(&value, MAX_BUCKET_LEN) {
            return Err(bad(
                "use 3 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
            ));
        }
        if let Some(p) = RESERVED_PREFIXES.iter().find(|p| value.starts_with(*p)) {
            return Err(bad(&format!("the prefix {p:?} is reserved by S3")));
        }
        if let Some(s) = RESERVED_SUFFIXES.iter().find(|s| value.ends_with(*s)) {
            return Err(bad(&format!("the suffix {s:?} is reserved by S3")));
        }
        Ok(Self(value))
    }

    /// The bucket name for `workspace`: `{prefix}-{workspace}`, or, when that is longer than 63
    /// characters, its first 54 characters (without a trailing `-`), `-`, and the first 8 hex
    /// digits of the SHA-256 of the full name, so that different workspaces keep different
    /// names. Deterministic: the same inputs always give the same name.
    ///
    /// Fails with `InvalidInput` only when the result is a name S3 reserves (for example a
    /// workspace ending in `-s3alias`).
    ///
    /// ```
    /// use trino_platform::exchange::{BucketName, BucketPrefix, Workspace};
    ///
    /// let name = BucketName::derive(&BucketPrefix::default(), &Workspace::new("acme")?)?;
    /// assert_eq!(name.as_str(), "trino-exchange-acme");
    ///
    /// let long = Workspace::new("a-very-long-workspace-name-that-goes-on-and-on-and-on")?;
    /// let name = BucketName::derive(&BucketPrefix::default(), &long)?;
    /// assert_eq!(name.as_str().len(), 63);
    /// assert!(name.as_str().starts_with("trino-exchange-a-very-long-workspace-name-that-goes-on-"));
    /// # Ok::<(), trino_platform::Error>(())
    /// ```
    pub fn derive(prefix: &BucketPrefix, workspace: &Workspace) -> Result<Self> {
        let full = format!("{prefix}-{workspace}");
        if full.len() <= MAX_BUCKET_LEN {
            return Self::new(full).map_err(|e| Error::invalid_input(format!("workspace: {}", e.message())));
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, full.as_bytes());
        let hash: String =
            digest.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>()[..HASH_LEN].to_owned();
        let keep = full[..MAX_BUCKET_LEN - HASH_LEN - 1].trim_end_matches('-');
        Self::new(format!("{keep}-{hash}")).map_err(|e| Error::invalid_input(format!("workspace: {}", e.message())))
    }

    /// The bucket's ARN in `partition` (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:s3:::{}", self.0)
    }
}

text_newtype!(BucketName);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn ws(s: &str) -> Workspace {
        Workspace::new(s).unwrap()
    }

    #[test]
    fn workspaces_are_dns_labels() {
        for good in ["a", "acme", "team-42", "0abc", &"a".repeat(63)] {
            assert!(Workspace::new(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "Acme", "a_b", "a.b", "a b", "ä", &"a".repeat(64)] {
            let err = Workspace::new(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.message().contains("workspace"), "{}", err.message());
        }
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for good in ["abc", "trino-exchange-acme", &"a".repeat(63)] {
            assert!(BucketName::new(good).is_ok(), "{good}");
        }
        for bad in
            ["ab", "Abc", "a.b.c", "-abc", "abc-", "xn--abc", "sthree-x", "abc-s3alias", "abc--x-s3", &"a".repeat(64)]
        {
            assert_eq!(BucketName::new(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn derived_names_are_deterministic_valid_and_distinct() {
        let prefix = BucketPrefix::default();
        assert_eq!(BucketName::derive(&prefix, &ws("acme")).unwrap().as_str(), "trino-exchange-acme");
        let a = "w".repeat(63);
        let b = format!("{}x", "w".repeat(62));
        let name_a = BucketName::derive(&prefix, &ws(&a)).unwrap();
        let name_b = BucketName::derive(&prefix, &ws(&b)).unwrap();
        assert_eq!(name_a, BucketName::derive(&prefix, &ws(&a)).unwrap());
        assert_ne!(name_a, name_b);
        for name in [&name_a, &name_b] {
            assert_eq!(name.as_str().len(), 63, "{name}");
            assert!(BucketName::new(name.as_str()).is_ok());
        }
        // A cut that lands on '-' does not leave "--".
        let dashy = ws(&format!("{}-{}", "a".repeat(38), "b".repeat(20)));
        let name = BucketName::derive(&prefix, &dashy).unwrap();
        assert!(!name.as_str().contains("--"), "{name}");
    }

    #[test]
    fn reserved_results_name_the_workspace() {
        let err = BucketName::derive(&BucketPrefix::default(), &ws("x-s3alias")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().starts_with("workspace"), "{}", err.message());
    }
}
