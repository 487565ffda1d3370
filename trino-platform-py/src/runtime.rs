//! The one tokio runtime of the process, and the two ways Python waits for a core future on it:
//! [`block_on`] (the synchronous API: the calling thread waits with the GIL released) and
//! [`awaitable`] (the asyncio API: an `asyncio.Future` of the running event loop, resolved when
//! the core future finishes on the runtime's worker threads).

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::{IntoPyObjectExt, intern};
use pyo3_async_runtimes::{TaskLocals, generic};
use serde::Serialize;
use tokio::runtime::Runtime;
use trino_platform::{Error, ErrorKind};

use crate::errors::to_pyerr;
use crate::json::to_py;

/// The stack of each runtime thread: what a main thread gets (tokio's default is 2 MiB). A
/// bundle's `apply` polls deep call chains (the AWS SDK, kube-rs, Keycloak's client) whose frames,
/// in an unoptimised build (the `ci` profile), overflow 2 MiB; the memory is only reserved.
const THREAD_STACK: usize = 8 * 1024 * 1024;

/// The runtime and the id of the process that built it (a forked child has another id).
static RUNTIME: OnceLock<Result<(u32, Runtime), String>> = OnceLock::new();

/// The process-wide runtime, built on first use. Fails with `Conflict` in a process forked after
/// the runtime was built: its worker threads and the parent's connections did not come along.
pub(crate) fn runtime() -> Result<&'static Runtime, Error> {
    let built = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("trino-platform")
            .thread_stack_size(THREAD_STACK)
            .enable_all()
            .build()
            .map(|rt| (std::process::id(), rt))
            .map_err(|e| e.to_string())
    });
    match built {
        Ok((pid, rt)) if *pid == std::process::id() => Ok(rt),
        Ok(_) => Err(Error::new(
            ErrorKind::Conflict,
            "trino_platform cannot be used in a process forked after it started its runtime: \
             open stores in the child after a multiprocessing 'spawn' or 'forkserver' start, \
             or before using trino_platform in the parent",
        )),
        Err(e) => Err(Error::new(ErrorKind::Internal, format!("cannot start the trino_platform runtime: {e}"))),
    }
}

/// Whether this process is the one that built the runtime (false in a forked child).
pub(crate) fn in_owner_process() -> bool {
    matches!(RUNTIME.get(), Some(Ok((pid, _))) if *pid == std::process::id())
}

/// How often a blocking call checks for a signal (Ctrl-C) while it waits.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// Runs `future` to completion on the runtime with the GIL released, mapping a failure to the
/// exception of its kind. While it waits, it checks Python's signal handlers every 100 ms: a
/// `KeyboardInterrupt` (or another handler's exception) drops the future, which stops the core
/// call at its next await, and is raised instead.
pub(crate) fn block_on<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    let rt = runtime().map_err(to_pyerr)?;
    let outcome: PyResult<Result<T, Error>> = py.detach(|| {
        rt.block_on(async {
            let mut future = std::pin::pin!(future);
            loop {
                // A future that is ready at once (most routing calls) never starts a timer.
                match tokio::time::timeout(SIGNAL_CHECK, &mut future).await {
                    Ok(result) => return Ok(result),
                    Err(_) => Python::attach(|py| py.check_signals())?,
                }
            }
        })
    });
    outcome?.map_err(to_pyerr)
}

/// `future` as an awaitable of the running asyncio event loop: an `asyncio.Future` that resolves
/// to the Python form of its output, or raises the exception of its error's kind.
///
/// The future is polled once at once (inside the runtime, with the GIL released): one that is
/// ready then (a route decided in memory) gives a future that is done already, with no trip
/// through the runtime's threads. Otherwise it goes on on the runtime's worker threads (the same
/// runtime as [`block_on`]), so the event loop is never blocked while it waits; cancelling the
/// `asyncio.Future` drops it, which stops the core call at its next await.
///
/// Raises `RuntimeError` when no event loop runs in this thread, `ConflictError` in a forked
/// child (see [`runtime`]).
pub(crate) fn awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let rt = runtime().map_err(to_pyerr)?;
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    let mut future = Box::pin(future);
    let first = py.detach(|| {
        let _entered = rt.enter();
        // A waker that does nothing: when the future is not ready, the runtime polls it again
        // (with its own waker) as soon as it is spawned.
        future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    });
    match first {
        Poll::Ready(result) => {
            let done = event_loop.call_method0(intern!(py, "create_future"))?;
            match Outcome(result).into_pyobject(py) {
                Ok(value) => done.call_method1(intern!(py, "set_result"), (value,))?,
                Err(err) => done.call_method1(intern!(py, "set_exception"), (err.into_value(py),))?,
            };
            Ok(done)
        }
        // The outcome is turned into Python objects (or the exception) where pyo3-async-runtimes
        // resolves the asyncio future, holding the GIL: never on a runtime worker.
        Poll::Pending => generic::future_into_py_with_locals::<Bridge, _, _>(
            py,
            TaskLocals::new(event_loop).copy_context(py)?,
            async move { Ok(Outcome(future.await)) },
        ),
    }
}

/// pyo3-async-runtimes' view of [`RUNTIME`]: it spawns the awaitables' futures there, and
/// resolves their asyncio futures from its blocking threads, each under an [`Attached`] guard.
struct Bridge;

tokio::task_local! {
    /// The event loop (and contextvars) of the awaitable a task serves.
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl generic::Runtime for Bridge {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(future: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // `awaitable` checked that the runtime is this process's before anything is spawned.
        runtime().expect("the runtime runs in this process").spawn(future)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().expect("the runtime runs in this process").spawn_blocking(move || {
            if let Some(_attached) = Attached::enter() {
                f();
            }
        })
    }
}

impl generic::ContextExt for Bridge {
    fn scope<F, R>(locals: TaskLocals, future: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(OnceCell::from(locals), future))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(|locals| locals.get().cloned()).unwrap_or_default()
    }
}

/// Runtime threads inside Python right now (resolving an awaitable, calling a progress callback).
static ATTACHED: AtomicUsize = AtomicUsize::new(0);

/// Set by [`at_exit`]: from then on no runtime thread enters Python.
static EXITING: AtomicBool = AtomicBool::new(false);

/// A runtime thread's permission to enter Python, counted in [`ATTACHED`] until dropped. A thread
/// that entered Python while the interpreter finalizes crashes the process (CPython aborts in
/// `PyGILState_Release`), so none may once the interpreter exits.
pub(crate) struct Attached(());

impl Attached {
    /// The permission, or `None` once the interpreter exits.
    pub(crate) fn enter() -> Option<Self> {
        ATTACHED.fetch_add(1, Ordering::SeqCst);
        let attached = Self(());
        (!EXITING.load(Ordering::SeqCst)).then_some(attached)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        ATTACHED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Registered with `atexit`: stops runtime threads entering Python and waits (up to 5 s, with
/// the GIL released) for those inside to leave, before the interpreter finalizes. Awaitables
/// still pending then are never resolved; their event loop is gone anyway.
#[pyfunction]
pub(crate) fn at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    py.detach(|| {
        while ATTACHED.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// A core result, converted to Python when the awaitable resolves: the value, or the exception
/// of the error's kind.
pub(crate) struct Outcome<T>(Result<T, Error>);

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Outcome<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.map_err(to_pyerr)?.into_bound_py_any(py)
    }
}

/// A core value handed to Python as its serde form (see [`to_py`]): dicts, lists, strings,
/// numbers, `None`.
pub(crate) struct Json<T>(pub(crate) T);

impl<'py, T: Serialize> IntoPyObject<'py> for Json<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}

/// A value for Python or an exception raised by Python code the future called (a progress
/// callback), for futures that can end either way.
pub(crate) struct Raised<T>(pub(crate) PyResult<T>);

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Raised<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0?.into_bound_py_any(py)
    }
}
