//! The one tokio runtime of the process, and running core futures on it with the GIL released.

use std::future::Future;
use std::sync::OnceLock;

use pyo3::prelude::*;
use tokio::runtime::Runtime;
use trino_platform::{Error, ErrorKind};

use crate::errors::to_pyerr;

/// The runtime and the id of the process that built it (a forked child has another id).
static RUNTIME: OnceLock<Result<(u32, Runtime), String>> = OnceLock::new();

/// The process-wide runtime, built on first use. Fails with `Conflict` in a process forked after
/// the runtime was built: its worker threads and the parent's connections did not come along.
pub(crate) fn runtime() -> Result<&'static Runtime, Error> {
    let built = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("trino-platform")
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

/// Runs `future` to completion on the runtime with the GIL released, mapping a failure to the
/// exception of its kind.
pub(crate) fn block_on<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    let rt = runtime().map_err(to_pyerr)?;
    py.detach(|| rt.block_on(future)).map_err(to_pyerr)
}
