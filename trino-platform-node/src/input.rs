//! Plain JavaScript objects into the core's serde types, with messages that name the field and
//! never show a secret.
//!
//! The specs and requests users write (a Ranger plugin config, policies, an access request, an
//! OAuth client spec, …) arrive as JSON (napi's `serde_json::Value`, where a property set to
//! `undefined` is absent) and are read by the core's own `Deserialize`: camelCase, unknown
//! fields rejected, defaults and durations (`'30s'`) as in a YAML file. A JavaScript object,
//! a spec file and the CLI therefore share one parser. Their shapes are declared as
//! `#[napi(object)]` structs only for the typings (`ts_arg_type`).
//!
//! serde's messages quote the offending value (`unknown variant `hunter2``, `invalid type:
//! string "hunter2", expected a boolean`), which may be a secret put in the wrong shape or the
//! wrong field. So every message built here, and every core error about a spec read here, has
//! the strings held under a key that names a secret (`password`, `secret`, `token`,
//! `credential`) replaced by `***`, wherever in the message they appear; the Python binding does
//! the same.

use napi::Env;
use napi::bindgen_prelude::{ClassInstance, Either, FromNapiValue, JsValue, Object};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;
use trino_platform::{Error, Result};

/// A spec class (`RangerSetupSpec`, `OAuthClientSpec`, `TrinoOAuth2Spec`): the validated core
/// spec it holds, built from a plain object or YAML text.
pub(crate) trait SpecClass: Sized {
    /// The core's spec type.
    type Core: DeserializeOwned + Clone;
    /// What the spec is called in messages (`Ranger setup spec`).
    const WHAT: &'static str;
    /// The spec it holds.
    fn core(&self) -> &Self::Core;
    /// The core's checks beyond deserializing.
    fn validate(core: &Self::Core) -> Result<()>;
    /// The secret values of a spec (to keep out of messages), exposed only for that.
    fn secrets(core: &Self::Core) -> Vec<String>;

    /// A spec from its plain-object form, validated; errors without its secrets.
    fn parse(value: Value) -> Result<(Self::Core, Secrets)> {
        let secrets = Secrets::of(&value);
        let core = from_object(Self::WHAT, value)?;
        Ok((Self::validated(core, &secrets)?, secrets))
    }

    /// `core` once validated; errors without `secrets` nor the spec's own.
    fn validated(core: Self::Core, secrets: &Secrets) -> Result<Self::Core> {
        match Self::validate(&core) {
            Ok(()) => Ok(core),
            Err(e) => Err(Secrets::from_values(Self::secrets(&core)).scrub(secrets.scrub(e))),
        }
    }
}

/// What a method taking a spec takes: an instance of the spec class `C`, or the plain object.
pub(crate) type SpecArg<'env, C> = Either<ClassInstance<'env, C>, Object<'env>>;

/// The validated core spec of `arg`, and the secrets to keep out of messages about it.
pub(crate) fn spec_of<C: SpecClass>(env: &Env, arg: SpecArg<'_, C>) -> Result<(C::Core, Secrets)> {
    match arg {
        Either::A(class) => Ok((class.core().clone(), Secrets::from_values(C::secrets(class.core())))),
        Either::B(object) => C::parse(object_value(env, &object, C::WHAT)?),
    }
}

/// A JavaScript object as JSON, converted as napi converts a `serde_json::Value` argument (a
/// property set to `undefined` is absent). Fails with `InvalidInput` for what JSON cannot hold
/// (a `BigInt`, a function).
pub(crate) fn object_value(env: &Env, object: &Object<'_>, what: &str) -> Result<Value> {
    // SAFETY: both handles belong to the current call on the JavaScript thread.
    unsafe { Value::from_napi_value(env.raw(), object.raw()) }
        .map_err(|e| Error::invalid_input(format!("invalid {what}: {}", e.reason)))
}

/// `value` as the core type `T`. Fails with `InvalidInput` saying `invalid {what}: {path}: …`
/// (serde's message, which says what was expected, after the path of the field that is wrong),
/// with every secret of `value` replaced by `***`.
pub(crate) fn from_object<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    let secrets = Secrets::of(&value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = match e.path().to_string().as_str() {
            "." => e.inner().to_string(),
            path => format!("{path}: {}", e.inner()),
        };
        Error::invalid_input(format!("invalid {what}: {}", secrets.redact(&message)))
    })
}

/// The secret strings of an input object, to keep out of the messages of errors about it.
#[derive(Default)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    /// The non-empty strings held, at any depth, under a key that names a secret.
    pub(crate) fn of(value: &Value) -> Self {
        let mut found = Vec::new();
        collect(value, false, &mut found);
        Self::from_values(found)
    }

    /// The given secret values (of a spec parsed from YAML, say), longest first, so that a
    /// secret holding another is cut whole.
    pub(crate) fn from_values(values: impl IntoIterator<Item = String>) -> Self {
        let mut found: Vec<String> = values.into_iter().filter(|s| !s.is_empty()).collect();
        found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        found.dedup();
        Self(found)
    }

    /// `message` with every secret replaced by `***`.
    pub(crate) fn redact(&self, message: &str) -> String {
        self.0.iter().fold(message.to_owned(), |text, secret| text.replace(secret.as_str(), "***"))
    }

    /// `err` with every secret in its message replaced by `***` (same kind).
    pub(crate) fn scrub(&self, err: Error) -> Error {
        if self.0.iter().any(|secret| err.message().contains(secret.as_str())) {
            Error::new(err.kind(), self.redact(err.message()))
        } else {
            err
        }
    }
}

/// The secret values an exchange bucket spec holds: its static credentials' secret key and
/// session token.
pub(crate) fn exchange_secrets(spec: &trino_platform::exchange::ExchangeBucketSpec) -> Vec<String> {
    let Some(credentials) = &spec.credentials else { return Vec::new() };
    let token = credentials.session_token.iter().map(|t| t.expose_secret().to_owned());
    std::iter::once(credentials.secret_access_key.expose_secret().to_owned()).chain(token).collect()
}

/// The secret values a Ranger plugin config holds: a download password given as a value, and
/// the audit destinations' passwords.
pub(crate) fn ranger_secrets(config: &trino_platform::ranger::RangerPluginConfig) -> Vec<String> {
    let download = config.download_auth.as_ref().and_then(|auth| match &auth.password {
        trino_platform::ranger::SecretRef::Value(value) => Some(value),
        trino_platform::ranger::SecretRef::Env(_) => None,
    });
    let solr = config.audit.solr.as_ref().and_then(|solr| solr.password.as_ref());
    let elasticsearch = config.audit.elasticsearch.as_ref().and_then(|es| es.password.as_ref());
    [download, solr, elasticsearch].into_iter().flatten().map(|secret| secret.expose_secret().to_owned()).collect()
}

/// Whether a key names a value that must not be shown.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "credential"].iter().any(|word| key.contains(word))
}

fn collect(value: &Value, under_secret: bool, out: &mut Vec<String>) {
    match value {
        Value::String(s) if under_secret && !s.is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect(item, under_secret, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| collect(v, under_secret || is_secret_key(k), out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Spec {
        user: String,
        pkce: Option<bool>,
        client_secret: Option<String>,
        password: Option<Auth>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    enum Auth {
        Env(String),
        Value(String),
    }

    fn message(value: Value) -> String {
        from_object::<Spec>("spec", value).unwrap_err().to_string()
    }

    #[test]
    fn messages_name_the_field_path() {
        assert_eq!(message(json!({"user": 1})), "invalid spec: user: invalid type: integer `1`, expected a string");
        assert!(
            message(json!({"user": "u", "colour": "red"})).starts_with("invalid spec: colour: unknown field `colour`")
        );
    }

    #[test]
    fn secrets_are_cut_from_messages_wherever_they_appear() {
        // A secret in the wrong field, next to the secret field.
        let text = message(json!({"user": "u", "pkce": "Hunter2-pw", "clientSecret": "Hunter2-pw"}));
        assert!(!text.contains("Hunter2-pw") && text.contains("pkce: invalid type: string \"***\""), "{text}");
        // A secret in the wrong shape (not `{env}` or `{value}`): serde quotes it as a variant.
        let text = message(json!({"user": "u", "password": "Hunter2-pw"}));
        assert!(!text.contains("Hunter2-pw") && text.contains("password: unknown variant `***`"), "{text}");
        // Nested and in arrays; the longest first.
        let secrets = Secrets::of(&json!({"a": [{"tokens": ["abc", "abcdef"]}], "b": "abc"}));
        assert_eq!(secrets.redact("abcdef abc b"), "*** *** b");
        let err = secrets.scrub(Error::invalid_input("no abcdef here"));
        assert_eq!(err.to_string(), "no *** here");
    }
}
