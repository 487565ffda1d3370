//! Validated names for Kubernetes objects: [`ObjectName`] (a DNS-1123 label, what namespaces,
//! Services and the objects named after them need).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest DNS-1123 label.
const MAX_LABEL_LEN: usize = 63;

/// A DNS-1123 label: 1–63 lowercase letters, digits and `-`, starting and ending with a letter
/// or digit. Namespaces, Services and every object named after a cluster are labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectName(String);

impl ObjectName {
    /// Validates `value`; fails with `InvalidInput` saying what a name may hold.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let bytes = value.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= MAX_LABEL_LEN
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric();
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::invalid_input(format!(
                "invalid name {value:?}: use 1 to {MAX_LABEL_LEN} lowercase letters, digits or '-', \
                 starting and ending with a letter or digit"
            )))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `{self}-{suffix}`, validated (so too long a result is an `InvalidInput` naming it).
    pub fn with_suffix(&self, suffix: &str) -> Result<Self> {
        Self::new(format!("{}-{suffix}", self.0))
    }
}

impl FromStr for ObjectName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl TryFrom<String> for ObjectName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<ObjectName> for String {
    fn from(name: ObjectName) -> String {
        name.0
    }
}

impl AsRef<str> for ObjectName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectName;

    #[test]
    fn labels_are_checked() {
        for ok in ["a", "trino-etl", "x1", &"a".repeat(63)] {
            assert!(ObjectName::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "Trino", "a_b", "a.b", &"a".repeat(64)] {
            assert!(ObjectName::new(bad).is_err(), "{bad}");
        }
        let long = ObjectName::new("a".repeat(60)).unwrap();
        assert!(long.with_suffix("worker").is_err());
    }
}
