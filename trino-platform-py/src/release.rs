//! The core's network clients held by Python objects: closed by `close()` (or when the object
//! is garbage-collected), and dropped where their connection pools live.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use trino_platform::{Error, ErrorKind};

use crate::errors::to_pyerr;
use crate::runtime::{in_owner_process, runtime};

/// Drops `value` (a client holding connections) inside the runtime, whose tasks its pool may
/// use. In a forked child the connections belong to the parent: they are left alone, never
/// closed.
pub(crate) fn drop_in_runtime<T>(value: Option<T>) {
    let Some(value) = value else { return };
    if in_owner_process()
        && let Ok(rt) = runtime()
    {
        let _guard = rt.enter();
        drop(value);
    } else {
        std::mem::forget(value);
    }
}

/// A core client until it is closed: calls get it with [`Handle::get`] (a `ConflictError` saying
/// how to reconnect once closed), and calls already running keep their own reference, so they
/// finish first.
pub(crate) struct Handle<T: ?Sized> {
    value: Mutex<Option<Arc<T>>>,
    /// The message of the `ConflictError` raised once closed.
    closed: String,
}

impl<T: ?Sized> Handle<T> {
    /// Holds `value`; `closed` is the message calls get once it is closed.
    pub(crate) fn new(value: Arc<T>, closed: String) -> Self {
        Self { value: Mutex::new(Some(value)), closed }
    }

    /// The client, or `ConflictError` once closed.
    pub(crate) fn get(&self) -> PyResult<Arc<T>> {
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| to_pyerr(Error::new(ErrorKind::Conflict, self.closed.clone())))
    }

    /// Lets go of the client (inside the runtime); later [`Handle::get`] calls fail. Harmless
    /// when closed already.
    pub(crate) fn close(&self) {
        drop_in_runtime(self.value.lock().unwrap_or_else(PoisonError::into_inner).take());
    }
}

impl<T: ?Sized> Drop for Handle<T> {
    fn drop(&mut self) {
        drop_in_runtime(self.value.get_mut().unwrap_or_else(PoisonError::into_inner).take());
    }
}
