//! Durations in the files users write: humantime strings (`30s`, `5m`, `1h 30m`), both ways.
//! Use as `#[serde(with = "crate::duration")]`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Writes `value` as a humantime string (`1m 30s`).
pub(crate) fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_duration(*value))
}

/// Reads a humantime string; fails naming the text that is not a duration.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(|e| serde::de::Error::custom(format!("invalid duration {text:?}: {e}")))
}
