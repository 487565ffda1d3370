//! The exception classes: one base, `TrinoPlatformError`, and one subclass per
//! [`ErrorKind`], each also deriving a builtin where one fits (`NotFoundError` is a
//! `LookupError`, `InvalidInputError` a `ValueError`, …), so callers can catch either.
//!
//! Errors are mapped on [`Error::kind`], never on the message. Every raised exception carries
//! `.kind` (the kind's name, `"NotFound"`) and `.message`.

use pyo3::exceptions::{
    PyConnectionError, PyException, PyLookupError, PyPermissionError, PyTimeoutError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use trino_platform::{Error, ErrorKind};

/// The module the classes claim, so they print and pickle as `trino_platform.NotFoundError`.
const PUBLIC_MODULE: &str = "trino_platform";

/// The Python class of a kind: its name, its builtin base (if any) and its docstring.
struct Spec {
    name: &'static str,
    builtin: Option<fn(Python<'_>) -> Bound<'_, PyType>>,
    doc: &'static str,
}

/// The class of each kind. A kind added to the core without a class here gets the base class
/// (the core's `ErrorKind` is non-exhaustive); `ErrorKind::ALL` keeps the two in step in tests.
fn spec(kind: ErrorKind) -> Option<Spec> {
    let spec = |name, builtin, doc| Some(Spec { name, builtin, doc });
    match kind {
        ErrorKind::InvalidInput => spec(
            "InvalidInputError",
            Some(|py| py.get_type::<PyValueError>()),
            "A value passed in can never succeed (bad name, URL, spec or file).",
        ),
        ErrorKind::NotFound => {
            spec("NotFoundError", Some(|py| py.get_type::<PyLookupError>()), "The named thing does not exist.")
        }
        ErrorKind::AlreadyExists => spec("AlreadyExistsError", None, "A thing with that identity exists already."),
        ErrorKind::Conflict => spec("ConflictError", None, "The current state forbids the operation."),
        ErrorKind::Unauthorized => spec(
            "UnauthorizedError",
            Some(|py| py.get_type::<PyPermissionError>()),
            "Credentials are missing or wrong.",
        ),
        ErrorKind::Forbidden => spec(
            "ForbiddenError",
            Some(|py| py.get_type::<PyPermissionError>()),
            "Credentials are valid but lack the permission.",
        ),
        ErrorKind::Unavailable => spec(
            "UnavailableError",
            Some(|py| py.get_type::<PyConnectionError>()),
            "A service could not be reached or refused to serve now; retrying may help.",
        ),
        ErrorKind::Timeout => spec(
            "OperationTimeoutError",
            Some(|py| py.get_type::<PyTimeoutError>()),
            "An operation did not finish in time; retrying may help.",
        ),
        ErrorKind::Backend => {
            spec("BackendError", None, "A backend answered with an error that is none of the others.")
        }
        ErrorKind::Internal => spec("InternalError", None, "A bug in trino-platform; please report it."),
        _ => None,
    }
}

/// The classes, made once per process.
struct Classes {
    base: Py<PyType>,
    by_kind: Vec<(ErrorKind, Py<PyType>)>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Bound<'py, PyTuple>,
    doc: &str,
    kind: Option<ErrorKind>,
) -> PyResult<Bound<'py, PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", PUBLIC_MODULE)?;
    namespace.set_item("__doc__", doc)?;
    if let Some(kind) = kind {
        namespace.set_item("kind", kind.as_str())?;
    }
    Ok(py.get_type::<PyType>().call1((name, bases, namespace))?.cast_into::<PyType>()?)
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let base = make_class(
            py,
            "TrinoPlatformError",
            PyTuple::new(py, [py.get_type::<PyException>()])?,
            "Base class of every trino_platform error. `.kind` names the kind (\"NotFound\", …) \
             and `.message` says what was wrong and what to do.",
            None,
        )?;
        let mut by_kind = Vec::new();
        for kind in ErrorKind::ALL {
            let Some(spec) = spec(kind) else { continue };
            let bases = match spec.builtin {
                Some(builtin) => PyTuple::new(py, [base.clone(), builtin(py)])?,
                None => PyTuple::new(py, [base.clone()])?,
            };
            by_kind.push((kind, make_class(py, spec.name, bases, spec.doc, Some(kind))?.unbind()));
        }
        Ok(Classes { base: base.unbind(), by_kind })
    })
}

/// Adds the base class and every kind's class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = classes(py)?;
    m.add("TrinoPlatformError", classes.base.bind(py))?;
    for (_, class) in &classes.by_kind {
        let class = class.bind(py);
        m.add(class.name()?, class)?;
    }
    Ok(())
}

/// The exception for `err`: an instance of its kind's class with `.kind` and `.message` set.
pub(crate) fn to_pyerr(err: Error) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let classes = classes(py)?;
            let class = classes
                .by_kind
                .iter()
                .find(|(kind, _)| *kind == err.kind())
                .map_or(&classes.base, |(_, class)| class)
                .bind(py);
            let exc = class.call1((err.message(),))?;
            exc.setattr("kind", err.kind().as_str())?;
            exc.setattr("message", err.message())?;
            Ok(PyErr::from_value(exc))
        };
        build().unwrap_or_else(|e| e)
    })
}
