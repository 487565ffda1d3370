//! Running `plan`, `apply` and `delete` of a tenant, its platform bundle or one cluster bundle:
//! blocking (given `Targets`) or as an awaitable (given `AsyncTargets`), with progress events
//! handed to a Python callable.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use trino_platform::bundle::{self, Progress, no_progress};
use trino_platform::{Error, ErrorKind, Result};

use super::report::{BundleEvent, BundleReport};
use super::targets::{AsyncTargets, Targets};
use crate::errors::to_pyerr;
use crate::progress::{self, Callback, Relay};
use crate::runtime::{Raised, awaitable, block_on};

/// Which bundles an operation covers.
#[derive(Clone)]
pub(crate) enum Scope {
    /// The platform, then every cluster (delete: the other way round).
    Tenant,
    /// The platform bundle.
    Platform,
    /// The bundle of the cluster of this name (checked to exist when the bundle was made).
    Cluster(String),
}

/// The operations.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    Plan,
    Apply,
    Delete,
}

/// The core call of `op` on `scope` (`plan` takes no progress).
async fn run(
    tenant: &bundle::TenantSpec,
    scope: &Scope,
    op: Op,
    targets: &bundle::Targets,
    progress: Progress<'_>,
) -> Result<bundle::BundleReport> {
    match scope {
        Scope::Tenant => match op {
            Op::Plan => tenant.plan(targets).await,
            Op::Apply => tenant.apply(targets, progress).await,
            Op::Delete => tenant.delete(targets, progress).await,
        },
        Scope::Platform => {
            let platform = tenant.platform();
            match op {
                Op::Plan => platform.plan(targets).await,
                Op::Apply => platform.apply(targets, progress).await,
                Op::Delete => platform.delete(targets, progress).await,
            }
        }
        Scope::Cluster(name) => {
            let cluster = tenant.cluster_bundle(name)?;
            match op {
                Op::Plan => cluster.plan(targets).await,
                Op::Apply => cluster.apply(targets, progress).await,
                Op::Delete => cluster.delete(targets, progress).await,
            }
        }
    }
}

/// A progress event as the `BundleEvent` Python receives.
fn event<'py>(py: Python<'py>, event: &bundle::BundleEvent) -> PyResult<Bound<'py, PyAny>> {
    Ok(Bound::new(py, BundleEvent(event.clone()))?.into_any())
}

/// `op` on `scope` of `tenant` against `targets`: with `Targets`, blocks (GIL released) and
/// returns the `BundleReport`, calling `progress` on this thread; with `AsyncTargets`, returns
/// an awaitable of it, calling `progress` on the event loop's thread. An exception from
/// `progress` stops the operation at its next await and is raised instead.
///
/// Raises `TypeError` when `targets` is neither, or `progress` is not callable.
pub(crate) fn call<'py>(
    py: Python<'py>,
    tenant: Arc<bundle::TenantSpec>,
    scope: Scope,
    op: Op,
    targets: &Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let progress = progress::checked(progress, "one BundleEvent")?;
    if let Ok(targets) = targets.cast::<Targets>() {
        let targets = targets.get().0.targets()?;
        let callback = Callback::new(progress);
        let on_progress = |e: &bundle::BundleEvent| callback.call(|py| event(py, e));
        let result = block_on(py, callback.run(run(&tenant, &scope, op, &targets, &on_progress)));
        let report = callback.outcome(result, || {
            to_pyerr(Error::new(ErrorKind::Internal, "the bundle operation stopped without a cause"))
        })?;
        return Ok(Bound::new(py, BundleReport::from(report))?.into_any());
    }
    if let Ok(targets) = targets.cast::<AsyncTargets>() {
        let targets = targets.get().0.targets()?;
        let Some(callback) = progress else {
            return awaitable(py, async move {
                run(&tenant, &scope, op, &targets, &no_progress).await.map(BundleReport::from)
            });
        };
        let relay = Relay::new(py, callback)?;
        return awaitable(py, async move {
            let on_progress = |e: &bundle::BundleEvent| relay.schedule(|py| event(py, e));
            let outcome = relay.run(run(&tenant, &scope, op, &targets, &on_progress)).await?;
            Ok(Raised(outcome.map(|report| report.map(BundleReport::from))))
        });
    }
    Err(PyTypeError::new_err(format!(
        "targets: expected Targets or AsyncTargets (Targets.connect(tenant)), not {}",
        targets.get_type().name()?
    )))
}
