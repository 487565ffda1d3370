//! The `Targets` class: the Kubernetes API and the gateway's cluster store a tenant is planned
//! against, applied to and deleted from.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::{ClassInstance, Either, PromiseRaw};
use napi_derive::napi;
use trino_platform::kube::{KubeOptions, Kubernetes};
use trino_platform::{Error, Result, bundle, registry};

use super::tenant::TenantSpec;
use crate::error::settle;
use crate::route::{MAX_SAFE_INTEGER, whole};
use crate::store::ClusterStore;

/// How `Targets.connect` reaches Kubernetes and the registry, and how long `apply` waits.
#[napi(object, object_to_js = false)]
pub struct TargetsOptions<'env> {
    /// A kubeconfig file to use, whatever `KUBECONFIG` says (default: as `kubectl` does:
    /// `KUBECONFIG`, else `~/.kube/config`, else the pod's service account).
    pub kubeconfig: Option<String>,
    /// The kubeconfig's context (default: its current context); needs `kubeconfig`.
    pub context: Option<String>,
    /// The gateway's cluster store, as its URL (`postgres://…`) or an open `ClusterStore`
    /// (default: the URL in the variable the tenant's `platform.registry.storeEnv` names, when
    /// it is set; without a store, clusters are not registered and plans say so).
    #[napi(ts_type = "string | ClusterStore")]
    pub registry: Option<Either<String, ClassInstance<'env, ClusterStore>>>,
    /// How long `apply` waits for workloads to become ready, in milliseconds (default 600000).
    pub wait_timeout_ms: Option<f64>,
    /// How many times one Kubernetes request is tried when it fails with a transient error
    /// (connection failure, `429`, `5xx`, a server-side timeout); at least 1 (default 4).
    pub attempts: Option<f64>,
    /// The wait before the first retry, in milliseconds (default 500); it doubles per retry,
    /// up to 10 s.
    pub backoff_ms: Option<f64>,
    /// How often `apply` reads the workloads it waits for, in milliseconds (default 2000).
    pub poll_interval_ms: Option<f64>,
}

/// The systems a tenant is planned against, applied to and deleted from: a Kubernetes API
/// server and the gateway's cluster store; S3, Keycloak and Ranger are reached as the tenant
/// file names them, when a step needs them. Connect with `Targets.connect(tenant, options)`
/// and pass to the bundles' `plan`, `apply` and `delete`; one `Targets` serves any number of
/// them.
#[napi]
pub struct Targets {
    pub(crate) inner: Arc<bundle::Targets>,
}

#[napi]
impl Targets {
    /// Connects to Kubernetes (the kubeconfig, or the pod's service account) and asks the API
    /// server for its version, and opens the registry (`registry`, else the tenant's
    /// `platform.registry.storeEnv` variable when it is set). Rejects with `InvalidInput` for
    /// a kubeconfig that cannot be read or has no such context, no usable configuration at all,
    /// `context` without `kubeconfig` or a bad option; `Unavailable` when the API server or
    /// the store cannot be reached; `Unauthorized` / `Forbidden` when it refuses the
    /// credentials; `Timeout`. No message holds a password of the store URL.
    #[napi(ts_args_type = "tenant: TenantSpec, options?: TargetsOptions")]
    pub fn connect<'env>(
        env: &'env Env,
        tenant: &TenantSpec,
        options: Option<TargetsOptions<'_>>,
    ) -> napi::Result<PromiseRaw<'env, Targets>> {
        let spec = Arc::clone(&tenant.tenant.spec);
        let options = options.map(Options::from);
        settle(env, async move {
            let Options { kubeconfig, context, registry, wait_timeout_ms, attempts, backoff_ms, poll_interval_ms } =
                options.unwrap_or_default();
            // Checked before any connection, so that a bad option fails at once.
            let defaults = KubeOptions::default();
            let kube_options = KubeOptions {
                attempts: match attempts {
                    None => defaults.attempts,
                    Some(n) => u32::try_from(whole(n, u32::MAX.into(), || "attempts".into())?).unwrap_or(u32::MAX),
                },
                backoff: ms(backoff_ms, defaults.backoff, "backoffMs")?,
                poll_interval: ms(poll_interval_ms, defaults.poll_interval, "pollIntervalMs")?,
            };
            if kube_options.attempts == 0 {
                return Err(Error::invalid_input("attempts must be 1 or more"));
            }
            let wait_timeout = ms(wait_timeout_ms, bundle::DEFAULT_WAIT_TIMEOUT, "waitTimeoutMs")?;
            let kubernetes = match (kubeconfig, context) {
                (Some(path), context) => Kubernetes::from_kubeconfig(Path::new(&path), context.as_deref()).await?,
                (None, None) => Kubernetes::connect().await?,
                (None, Some(_)) => {
                    return Err(Error::invalid_input("context needs kubeconfig: name the kubeconfig file it is in"));
                }
            };
            let kubernetes = kubernetes.with_options(kube_options);
            let targets = match registry {
                Some(Registry::Store(store)) => bundle::Targets::new(kubernetes, Some(store)),
                Some(Registry::Url(url)) => bundle::Targets::new(kubernetes, Some(registry::open(&url).await?)),
                // The tenant's store variable, when it is set.
                None => bundle::Targets::with_kubernetes(&spec, kubernetes).await?,
            };
            Ok(Targets { inner: Arc::new(targets.with_wait_timeout(wait_timeout)) })
        })
    }
}

/// `value` milliseconds, or `default`; `InvalidInput` naming `what` for a value that is no
/// whole number ≥ 0.
fn ms(value: Option<f64>, default: Duration, what: &str) -> Result<Duration> {
    value.map_or(Ok(default), |v| Ok(Duration::from_millis(whole(v, MAX_SAFE_INTEGER, || what.into())?)))
}

/// The registry option, once off the JavaScript thread.
enum Registry {
    Url(String),
    Store(Arc<dyn registry::ClusterStore>),
}

/// [`TargetsOptions`] without its JavaScript handles, for the runtime's threads.
#[derive(Default)]
struct Options {
    kubeconfig: Option<String>,
    context: Option<String>,
    registry: Option<Registry>,
    wait_timeout_ms: Option<f64>,
    attempts: Option<f64>,
    backoff_ms: Option<f64>,
    poll_interval_ms: Option<f64>,
}

impl From<TargetsOptions<'_>> for Options {
    fn from(options: TargetsOptions<'_>) -> Self {
        let TargetsOptions { kubeconfig, context, registry, wait_timeout_ms, attempts, backoff_ms, poll_interval_ms } =
            options;
        let registry = registry.map(|registry| match registry {
            Either::A(url) => Registry::Url(url),
            Either::B(store) => Registry::Store(Arc::clone(&store.inner)),
        });
        Self { kubeconfig, context, registry, wait_timeout_ms, attempts, backoff_ms, poll_interval_ms }
    }
}
