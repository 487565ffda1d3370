//! Errors as JavaScript sees them: an `Error` whose `code` is the core's kind name.
//!
//! An `async fn` exported through napi can only reject with napi's own `Status` codes, so every
//! Promise-returning method builds its Promise with [`settle`]: the core future runs on napi's
//! tokio runtime, and its error is turned into a JavaScript `Error` (with `code` set from
//! [`ErrorKind`], never from the message) back on the JavaScript thread. Synchronous methods
//! pass their core result through [`or_throw`], which builds the very same `Error` and throws it.
//! [`settle_eager`] is [`settle`] for work that is usually ready at once (a routing decision
//! from memory): it settles such a Promise without the hop to a tokio worker and back.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use napi::bindgen_prelude::{PromiseRaw, ToNapiValue, Unknown, within_runtime_if_available};
use napi::{Env, JsError};
use napi_derive::napi;
use trino_platform::ErrorKind;

/// The `code` of every `Error` a trino-platform Promise rejects with (or a synchronous method
/// throws): the name of the failure's kind, the same set the Rust `ErrorKind` and the Python
/// exception classes use.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A value that can never succeed: a bad name, URL, routing rule or spec field, a malformed
    /// request, or one the server (Ranger Admin, Keycloak) refuses as invalid. The message
    /// names the field.
    InvalidInput,
    /// What was named does not exist: a cluster, a query id no cluster ran, a Keycloak realm or
    /// client, a Ranger service.
    NotFound,
    /// What was to be created exists: a cluster name taken, a Keycloak user with a taken
    /// e-mail, an S3 bucket someone else owns.
    AlreadyExists,
    /// The current state forbids the change: a bucket managed for another workspace, a Ranger
    /// policy on resources another policy holds, a service of another type under the name, a
    /// concurrent modification.
    Conflict,
    /// Missing or wrong credentials: a database password, an admin password, a client secret.
    Unauthorized,
    /// Valid credentials without the permission.
    Forbidden,
    /// A server (the store, S3, Ranger Admin, Keycloak) cannot be reached, a store was closed,
    /// or no healthy, active cluster can take a request; retrying may help.
    Unavailable,
    /// An operation did not finish in time; retrying may help.
    Timeout,
    /// A server answered with an error that is none of the above, or with something its API
    /// does not document.
    Backend,
    /// A bug in trino-platform.
    Internal,
}

// `ErrorCode` lists the core's kinds for the typings; the `code` itself is always
// `ErrorKind::as_str()`. This stops the build when the core gains a kind, so that the typings
// learn its name too.
const _: () = assert!(ErrorKind::ALL.len() == 10, "add the new ErrorKind to ErrorCode");

/// Runs `work` on napi's tokio runtime and returns a Promise that resolves with its value, or
/// rejects with an `Error` whose `code` is the core error's kind and whose message is the core
/// error's message (which never holds a secret; the cause chain stays on the Rust side).
pub(crate) fn settle<T, F>(env: &Env, work: F) -> napi::Result<PromiseRaw<'_, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = trino_platform::Result<T>> + Send + 'static,
{
    env.spawn_future_with_callback(async move { Ok(work.await) }, |env, outcome| {
        outcome.map_err(|err| coded(env, &err))
    })
}

/// [`settle`], but `work` is first polled once on the JavaScript thread (inside napi's tokio
/// runtime, as on a worker): when it is ready then, the Promise is settled at once, with the
/// same value or coded `Error`, and no thread is woken; otherwise it goes on on the runtime as
/// with `settle` (the future's next poll brings the runtime's waker). For short work only:
/// whatever the first poll computes runs on the JavaScript thread.
pub(crate) fn settle_eager<T, F>(env: &Env, work: F) -> napi::Result<PromiseRaw<'_, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = trino_platform::Result<T>> + Send + 'static,
{
    let mut work = Box::pin(work);
    let mut cx = Context::from_waker(Waker::noop());
    match within_runtime_if_available(|| work.as_mut().poll(&mut cx)) {
        Poll::Ready(Ok(value)) => PromiseRaw::resolve(env, value),
        Poll::Ready(Err(err)) => PromiseRaw::reject(env, coded_value(env, &err)),
        Poll::Pending => settle(env, work),
    }
}

/// The outcome of a synchronous method: its value, or the coded `Error` (as [`settle`] rejects
/// with) for JavaScript to throw.
pub(crate) fn or_throw<T>(env: &Env, result: trino_platform::Result<T>) -> napi::Result<T> {
    result.map_err(|err| coded(env, &err))
}

/// A JavaScript `Error` whose `code` is `err`'s kind name and whose message is `err`'s message
/// (which never holds a secret; the cause chain stays on the Rust side).
fn coded(env: &Env, err: &trino_platform::Error) -> napi::Error {
    // A napi::Error that wraps a JavaScript value is thrown, or rejects a Promise, as that very
    // value, so the `code` set here is what JavaScript sees.
    napi::Error::from(coded_value(env, err))
}

/// The JavaScript `Error` of [`coded`] itself.
fn coded_value<'env>(env: &'env Env, err: &trino_platform::Error) -> Unknown<'env> {
    JsError::from(napi::Error::new(err.kind().as_str(), err.message().to_owned())).into_unknown(*env)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typings' names (napi takes a string enum's values from its variant names) are the
    /// core's names, in the core's order.
    #[test]
    fn error_codes_are_the_core_kind_names() {
        use ErrorCode::*;
        let codes = [
            InvalidInput,
            NotFound,
            AlreadyExists,
            Conflict,
            Unauthorized,
            Forbidden,
            Unavailable,
            Timeout,
            Backend,
            Internal,
        ];
        let names: Vec<String> = codes.iter().map(|code| format!("{code:?}")).collect();
        let kinds: Vec<&str> = ErrorKind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(names, kinds);
    }
}
