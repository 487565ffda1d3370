//! The tokio runtime napi runs every Promise's work on: napi's own, but with larger thread
//! stacks, given to napi when the addon loads.

use napi::tokio::runtime::Builder;

/// The stack of each runtime thread (tokio's default is 2 MiB), as the Python binding's: a
/// bundle's `apply` polls deep call chains (the AWS SDK, kube-rs, Keycloak's client) whose
/// frames, in an unoptimised build (the `ci` profile, which `npm install` builds from source),
/// already take about 1 MiB against the test services (it crashes with 512 KiB); TLS, retries
/// and credential chains go deeper. The memory is only reserved.
const THREAD_STACK: usize = 8 * 1024 * 1024;

/// Hands napi a multi-threaded runtime like its default one, with [`THREAD_STACK`]. Should it
/// fail to build, napi builds its default runtime at first use instead.
#[napi_derive::module_init]
fn init() {
    let runtime =
        Builder::new_multi_thread().enable_all().thread_name("trino-platform").thread_stack_size(THREAD_STACK).build();
    if let Ok(runtime) = runtime {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
