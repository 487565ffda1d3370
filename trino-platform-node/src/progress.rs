//! Progress to JavaScript: the core calls a Rust closure on napi's tokio runtime; each call is
//! queued, without blocking, to the `onProgress` function on the JavaScript thread. Used by
//! `ExchangeBuckets.teardown` (teardown phases) and the bundles' `apply` / `delete` (bundle
//! events).
//!
//! Two guarantees to JavaScript: every report is delivered before the operation's Promise
//! settles ([`Progress::delivered`]), and a callback that throws neither stops the operation
//! nor crashes the process: its exception is emitted as a process warning.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use napi::bindgen_prelude::{Function, JsObjectValue, JsValuesTupleIntoVec, Object, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi::tokio::sync::Notify;
use napi::{Env, Status};

/// An `onProgress` function taking `T`, callable from any thread (errors are not passed to it,
/// and its return value is ignored).
pub(crate) type ProgressCallback<T> = ThreadsafeFunction<T, UnknownReturnValue, T, Status, false>;

/// The name of the warning a throwing `onProgress` becomes.
const WARNING_NAME: &str = "TrinoPlatformWarning";

/// Reports for one operation, and how many of them JavaScript has had.
pub(crate) struct Progress<T: JsValuesTupleIntoVec + 'static> {
    callback: Option<ProgressCallback<T>>,
    /// The method the callback was given to (`ExchangeBuckets.teardown`), for the warning.
    method: &'static str,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    queued: AtomicU64,
    finished: AtomicU64,
    changed: Notify,
}

impl Counts {
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_one();
    }
}

impl<T: JsValuesTupleIntoVec + Send + 'static> Progress<T> {
    /// Reports to `callback` (none: reports are dropped) of the call to `method`.
    pub(crate) fn new(callback: Option<ProgressCallback<T>>, method: &'static str) -> Self {
        Self { callback, method, counts: Arc::default() }
    }

    /// Queues `progress` for the callback, without waiting for it (the operation goes on).
    pub(crate) fn report(&self, progress: T) {
        let Some(callback) = &self.callback else { return };
        self.counts.queued.fetch_add(1, Ordering::SeqCst);
        let counts = Arc::clone(&self.counts);
        let method = self.method;
        let status =
            callback.call_with_return_value(progress, ThreadsafeFunctionCallMode::NonBlocking, move |outcome, env| {
                if let Err(thrown) = outcome {
                    warn_thrown(&env, method, thrown);
                }
                counts.finish();
                Ok(())
            });
        if status != Status::Ok {
            // Not queued (the environment is shutting down): nothing to wait for.
            self.counts.finish();
        }
    }

    /// Resolves once JavaScript has had every report queued so far.
    pub(crate) async fn delivered(&self) {
        loop {
            // `notify_one` keeps a permit when nobody waits, so a report finished between
            // the check and the wait is not missed.
            if self.counts.finished.load(Ordering::SeqCst) >= self.counts.queued.load(Ordering::SeqCst) {
                return;
            }
            self.counts.changed.notified().await;
        }
    }
}

/// Emits what `onProgress` threw as a process warning: an `Error` named `TrinoPlatformWarning`
/// whose `cause` is the thrown value. Anything that fails on the way (a replaced
/// `process.emitWarning` that throws, say) is dropped: the operation must go on.
fn warn_thrown(env: &Env, method: &str, thrown: napi::Error) {
    let emitted = (|| -> napi::Result<()> {
        let mut warning = env.create_error(napi::Error::from_reason(format!(
            "the onProgress callback of {method} threw (see `cause`); the {} went on",
            method.rsplit_once('.').map_or(method, |(_, name)| name)
        )))?;
        warning.set_named_property("name", WARNING_NAME)?;
        warning.delete_named_property("code")?;
        // An `Error` holding a thrown value converts back to that very value, Error or not.
        warning.set_named_property("cause", thrown)?;
        let process: Object = env.get_global()?.get_named_property("process")?;
        let emit_warning: Function<Object, Unknown> = process.get_named_property("emitWarning")?;
        emit_warning.call(warning)?;
        Ok(())
    })();
    if emitted.is_err() {
        // `Function::call` takes a thrown exception out of the environment; drop anything
        // else that may still be pending, so that napi does not turn it into a fatal one.
        let mut pending = std::ptr::null_mut();
        // SAFETY: called on the JavaScript thread that owns `env`, with a valid out-pointer.
        unsafe { napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut pending) };
    }
}
