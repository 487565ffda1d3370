//! `Opening`: what the asyncio classes' factories (`AsyncClusterStore.open`,
//! `AsyncKeycloakAdmin.connect`, `AsyncGateway.start`, …) return. It is awaitable (`store = await
//! AsyncClusterStore.open(url)`) and an async context manager (`async with
//! AsyncClusterStore.open(url) as store:`, which closes the opened value on exit).

use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

/// An opening in progress: the asyncio future of the value being opened, and its class's name.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Opening {
    future: Py<PyAny>,
    what: &'static str,
}

impl Opening {
    /// Wraps `future` (from [`crate::runtime::awaitable`]), which resolves to a `what`.
    pub(crate) fn new(future: Bound<'_, PyAny>, what: &'static str) -> Self {
        Self { future: future.unbind(), what }
    }
}

#[pymethods]
impl Opening {
    /// Waits for the opened value (or the exception of the failure).
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.future.bind(py).call_method0("__await__")
    }

    /// Waits for the opened value and gives it to the `async with` block.
    fn __aenter__(&self, py: Python<'_>) -> Py<PyAny> {
        self.future.clone_ref(py)
    }

    /// Closes the opened value (awaits its `__aexit__`); an exception raised in the block
    /// propagates.
    #[pyo3(signature = (*exc_info))]
    fn __aexit__<'py>(&self, py: Python<'py>, exc_info: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let opened = self.future.bind(py).call_method0("result")?;
        opened.call_method1("__aexit__", exc_info)
    }

    /// `Opening[AsyncClusterStore]` in annotations evaluated at run time.
    #[classmethod]
    fn __class_getitem__<'py>(cls: &Bound<'py, PyType>, item: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }

    /// `<Opening AsyncClusterStore>`, with `: done` once the value is there.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let done = self.future.bind(py).call_method0("done")?.is_truthy()?;
        Ok(format!("<Opening {}{}>", self.what, if done { ": done" } else { "" }))
    }
}

/// An awaitable that is done already: awaiting it gives its value at once, without a trip through
/// the event loop (what the asyncio classes' `__aenter__` returns: the object itself).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct Ready(Py<PyAny>);

impl Ready {
    /// An awaitable of `value`.
    pub(crate) fn new(value: Py<PyAny>) -> Self {
        Self(value)
    }
}

#[pymethods]
impl Ready {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Its own iterator, as `__await__` requires.
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// `Ready[None]` in annotations evaluated at run time.
    #[classmethod]
    fn __class_getitem__<'py>(cls: &Bound<'py, PyType>, item: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        generic_alias(cls, item)
    }

    /// Finishes at once with the value.
    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Err(PyStopIteration::new_err((self.0.clone_ref(py),)))
    }
}

/// `types.GenericAlias(cls, item)`: what `cls[item]` is for a generic class.
fn generic_alias<'py>(cls: &Bound<'py, PyType>, item: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    cls.py().import("types")?.getattr("GenericAlias")?.call1((cls, item))
}
