//! Progress callbacks from Python, called while a core operation runs (an exchange teardown, a
//! bundle's apply or delete): [`Callback`] for the synchronous API (called on the calling thread),
//! [`Relay`] for the asyncio one (called on the event loop's thread). Either way the first
//! exception the callback raises stops the operation at its next await and is what the call
//! raises; the callback is not called again after it raised.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyCFunction;
use tokio::sync::{Notify, oneshot};
use trino_platform::Error;

use crate::runtime::Attached;

/// `progress`, checked to be callable (`TypeError` saying it should take `takes` otherwise).
pub(crate) fn checked<'py>(progress: Option<Bound<'py, PyAny>>, takes: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    match progress {
        Some(callback) if !callback.is_callable() => Err(PyTypeError::new_err(format!(
            "progress: expected a callable taking {takes}, not {}",
            callback.get_type().name()?
        ))),
        progress => Ok(progress),
    }
}

/// The exception a callback raised, and the signal that stops the operation.
#[derive(Default)]
struct Stop {
    raised: Mutex<Option<PyErr>>,
    notify: Notify,
}

impl Stop {
    fn failed(&self) -> bool {
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// Keeps the first exception and stops the operation.
    fn fail(&self, err: PyErr) {
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(err);
        self.notify.notify_one();
    }

    fn take(&self) -> Option<PyErr> {
        self.raised.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// `operation`'s result, or `None` when the operation was stopped first.
    async fn until_stopped<T>(&self, operation: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.notify.notified() => None,
            result = operation => Some(result),
        }
    }
}

/// A progress callback of a blocking call (or none): called on the thread that polls the
/// operation (the calling thread, in [`crate::runtime::block_on`]), with the GIL held.
pub(crate) struct Callback {
    callback: Option<Py<PyAny>>,
    stop: Stop,
}

impl Callback {
    /// `progress` (already [`checked`]), or no callback.
    pub(crate) fn new(progress: Option<Bound<'_, PyAny>>) -> Self {
        Self { callback: progress.map(Bound::unbind), stop: Stop::default() }
    }

    /// Calls the callback with the argument `arg` makes, unless it raised before.
    pub(crate) fn call(&self, arg: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>) {
        let Some(callback) = &self.callback else { return };
        if self.stop.failed() {
            return;
        }
        if let Err(err) = Python::attach(|py| callback.call1(py, (arg(py)?,)).map(drop)) {
            self.stop.fail(err);
        }
    }

    /// Runs `operation` until it ends or the callback raises (`None`).
    pub(crate) async fn run<T>(&self, operation: impl Future<Output = Result<T, Error>>) -> Result<Option<T>, Error> {
        self.stop.until_stopped(operation).await.transpose()
    }

    /// What the call gives Python: the exception the callback raised, else `result` (from
    /// [`Callback::run`], in `block_on`); `None` without an exception is `stopped`.
    pub(crate) fn outcome<T>(self, result: PyResult<Option<T>>, stopped: impl FnOnce() -> PyErr) -> PyResult<T> {
        if let Some(err) = self.stop.take() {
            return Err(err);
        }
        result?.ok_or_else(stopped)
    }
}

/// A progress callback of an asyncio call: each call scheduled on the event loop's thread, in
/// order (`call_soon_threadsafe` from the runtime's threads).
pub(crate) struct Relay {
    callback: Py<PyAny>,
    event_loop: Py<PyAny>,
    stop: Stop,
}

impl Relay {
    /// Relays to `callback` (already [`checked`]) on the running event loop.
    pub(crate) fn new(py: Python<'_>, callback: Bound<'_, PyAny>) -> PyResult<Arc<Self>> {
        Ok(Arc::new(Self {
            callback: callback.unbind(),
            event_loop: pyo3_async_runtimes::tokio::get_current_loop(py)?.unbind(),
            stop: Stop::default(),
        }))
    }

    /// Schedules `callback(arg)` on the event loop, `arg` made now (called on a runtime thread).
    /// A loop that cannot take it (closed) stops the operation like a raising callback.
    pub(crate) fn schedule(self: &Arc<Self>, arg: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>>) {
        if self.stop.failed() {
            return;
        }
        let relay = Arc::clone(self);
        let Some(_attached) = Attached::enter() else { return self.stop.notify.notify_one() };
        let scheduled = Python::attach(|py| -> PyResult<()> {
            let call = PyCFunction::new_closure(py, None, None, move |args, _| -> PyResult<()> {
                if !relay.stop.failed()
                    && let Err(err) = relay.callback.call1(args.py(), (args.get_item(0)?,))
                {
                    relay.stop.fail(err);
                }
                Ok(())
            })?;
            self.event_loop.call_method1(py, "call_soon_threadsafe", (call, arg(py)?))?;
            Ok(())
        });
        if let Err(err) = scheduled {
            self.stop.fail(err);
        }
    }

    /// Waits until every callback scheduled so far has run (`call_soon_threadsafe` runs them in
    /// order), so that an exception from the last one is not missed.
    async fn drain(&self) {
        let (done, ran) = oneshot::channel::<()>();
        let done = Mutex::new(Some(done));
        let Some(attached) = Attached::enter() else { return };
        let scheduled = Python::attach(|py| -> PyResult<()> {
            let mark = PyCFunction::new_closure(py, None, None, move |_, _| {
                if let Some(done) = done.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    let _ = done.send(());
                }
            })?;
            self.event_loop.call_method1(py, "call_soon_threadsafe", (mark,))?;
            Ok(())
        });
        drop(attached);
        if scheduled.is_ok() {
            // Err: the loop dropped the mark without running it (closed); nothing more will run.
            let _ = ran.await;
        }
    }

    /// Runs `operation` until it ends or the callback raises, then waits for the callbacks
    /// scheduled meanwhile. `Ok(Err(exception))`: the callback raised (whatever the operation
    /// did); `Ok(Ok(None))`: stopped because the loop closed; `Err`: the operation failed.
    pub(crate) async fn run<T>(
        &self,
        operation: impl Future<Output = Result<T, Error>>,
    ) -> Result<PyResult<Option<T>>, Error> {
        let result = self.stop.until_stopped(operation).await;
        self.drain().await;
        if let Some(err) = self.stop.take() {
            return Ok(Err(err));
        }
        result.transpose().map(Ok)
    }
}
