//! `Secret`: a secret value (an OAuth client secret) that prints as `***`, so that logging or
//! serialising an object that holds one shows nothing. The value stays on the native side
//! until `reveal()` copies it out.

use napi_derive::napi;
use secrecy::{ExposeSecret, SecretString};

/// What a `Secret` shows instead of its value.
const HIDDEN: &str = "***";

/// A secret value (an OAuth client secret): `reveal()` returns it, for the one place that needs
/// it (Trino's `client-secret`, through an environment variable or a Kubernetes Secret);
/// `toString()`, `toJSON()` and `util.inspect` (so `console.log`, template literals and
/// `JSON.stringify` of an object holding one) show `***`. The value stays on the native side
/// until revealed.
///
/// ```js
/// const { secret } = await admin.ensureClient(spec)
/// console.log(secret, `${secret}`, JSON.stringify({ secret })) // [Secret: ***] *** {"secret":"***"}
/// process.env.TRINO_OAUTH2_CLIENT_SECRET = secret.reveal()
/// ```
#[napi]
pub struct Secret {
    inner: SecretString,
}

impl Secret {
    /// Wraps a secret of the core.
    pub(crate) fn new(inner: SecretString) -> Self {
        Self { inner }
    }
}

#[napi]
impl Secret {
    /// Wraps `value` (for a test, or to hand a secret around without showing it).
    #[napi(constructor)]
    pub fn from_value(value: String) -> Self {
        Self { inner: SecretString::from(value) }
    }

    /// The value itself.
    #[napi]
    pub fn reveal(&self) -> String {
        self.inner.expose_secret().to_owned()
    }

    /// Whether `other` holds the same value.
    #[napi]
    pub fn equals(&self, other: &Secret) -> bool {
        self.inner.expose_secret() == other.inner.expose_secret()
    }

    /// `'***'`: what string conversion (`${secret}`, `String(secret)`, `'' + secret`) gives.
    #[napi(js_name = "toString")]
    pub fn to_js_string(&self) -> String {
        HIDDEN.to_owned()
    }

    /// `'***'`: what `JSON.stringify` writes for it.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> String {
        HIDDEN.to_owned()
    }
}
