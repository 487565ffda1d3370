//! Dropping the core's network clients where their connection pools live.

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
