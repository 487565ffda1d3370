//! `Secret`: a secret value (a client secret, a password) whose `repr` and `str` hide it, and
//! secret arguments given as `str` or `Secret`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use secrecy::{ExposeSecret, SecretString};

/// A secret value (a client secret, a password). `repr` and `str` show `***`; `reveal()`
/// returns the value, for the one place that needs it. Compares equal to a `Secret` of the same
/// value; cannot be pickled.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Secret(SecretString);

impl Secret {
    pub(crate) fn new(secret: SecretString) -> Self {
        Self(secret)
    }
}

#[pymethods]
impl Secret {
    /// Wraps `value`.
    #[new]
    fn py_new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The value itself.
    fn reveal(&self) -> &str {
        self.0.expose_secret()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }

    /// `Secret('***')`.
    fn __repr__(&self) -> &'static str {
        "Secret('***')"
    }

    /// `***`, so that formatting a `Secret` into a message or log line shows nothing.
    fn __str__(&self) -> &'static str {
        "***"
    }
}

/// A secret argument: a `str` or a `Secret`. Raises `TypeError` naming `name` otherwise.
pub(crate) fn secret_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<SecretString> {
    if let Ok(secret) = value.cast::<Secret>() {
        return Ok(secret.get().0.clone());
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(SecretString::from(text.to_str()?.to_owned()));
    }
    Err(PyTypeError::new_err(format!("{name}: expected a str or a Secret, not {}", value.get_type().name()?)))
}
