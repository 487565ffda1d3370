//! Plain JavaScript objects into the core's serde types.
//!
//! The specs and requests users write (a Ranger plugin config, policies, an access request, an
//! OAuth client spec, …) arrive as JSON (napi's `serde_json::Value`, where a property set to
//! `undefined` is absent) and are read by the core's own `Deserialize`: camelCase, unknown
//! fields rejected, defaults and durations (`'30s'`) as in a YAML file. A JavaScript object,
//! a spec file and the CLI therefore share one parser and one set of messages. Their shapes are
//! declared as `#[napi(object)]` structs only for the typings (`ts_arg_type`).

use serde::de::DeserializeOwned;
use trino_platform::{Error, Result};

/// `value` as the core type `T`. Fails with `InvalidInput` saying `invalid {what}: …` and the
/// field that is wrong (serde's message, which names the field and what was expected).
pub(crate) fn from_object<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| Error::invalid_input(format!("invalid {what}: {e}")))
}
