//! Arguments from Python that the Ranger and Keycloak classes share: durations in seconds, and
//! specs and requests given as mappings (the camelCase JSON form of the YAML files users write),
//! deserialized into the core's serde types.
//!
//! Mappings go through `serde_json` rather than the core's YAML readers: a YAML error quotes the
//! source lines around the bad key, and those can hold a password. Errors here name the path of
//! the bad field (`downloadAuth.password: unknown variant …`) and never show a value held under a
//! key that names a secret (`password`, `secret`, `token`, …), which is replaced by `***`.

use std::time::Duration;

use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use trino_platform::Error;

use crate::errors::to_pyerr;
use crate::json::from_py;

/// `obj` (JSON data) as a `T`. `name` names the argument in a `TypeError` (`spec`), `what` the
/// kind of document in an `InvalidInputError` (`invalid Ranger setup spec: service.jdbcUrl: …`).
pub(crate) fn from_dict<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, name: &str, what: &str) -> PyResult<T> {
    from_value(&from_py(obj, name)?, what)
}

/// [`from_dict`] on a JSON value.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value, what: &str) -> PyResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = if path == "." { e.inner().to_string() } else { format!("{path}: {}", e.inner()) };
        to_pyerr(Error::invalid_input(format!("invalid {what}: {}", redact(&message, value))))
    })
}

/// Whether a key names a value that must not be shown.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "credential"].iter().any(|word| key.contains(word))
}

/// The strings held (at any depth) under a key that names a secret.
fn secrets<'a>(value: &'a Value, under_secret: bool, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if under_secret && !s.is_empty() => out.push(s),
        Value::Array(items) => items.iter().for_each(|item| secrets(item, under_secret, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| secrets(v, under_secret || is_secret_key(k), out)),
        _ => {}
    }
}

/// `message` with every secret of `value` replaced by `***` (longest first, so that a secret
/// holding another is cut whole).
pub(crate) fn redact(message: &str, value: &Value) -> String {
    let mut found = Vec::new();
    secrets(value, false, &mut found);
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.into_iter().fold(message.to_owned(), |text, secret| text.replace(secret, "***"))
}

/// `seconds` as a duration (`default` when `None`), or `InvalidInputError` naming `name`
/// (negative, NaN, too large).
pub(crate) fn seconds(name: &str, seconds: Option<f64>, default: Duration) -> PyResult<Duration> {
    let Some(seconds) = seconds else { return Ok(default) };
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        to_pyerr(Error::invalid_input(format!("{name}: expected a number of seconds, 0 or more, not {seconds}")))
    })
}
