//! `BundleReport`, `Step` and `BundleEvent`: what a bundle's `plan` says would change, what
//! `apply` and `delete` did, and the progress events in between, as immutable values.

use pyo3::prelude::*;
use serde::Serialize;
use trino_platform::bundle;

use crate::json::to_py;
use crate::routing::quoted;

/// The serde name of a core enum value (`kubernetes`, `created`): its JSON form.
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// One thing in one system, as a plan or run found it (immutable; compare with `==`): `system`
/// (`s3`, `keycloak`, `ranger`, `kubernetes`, `registry`), `target` (`Deployment
/// trino-acme/trino-etl-worker`, `bucket trino-exchange-acme`, `client acme/trino`, `cluster
/// etl`, …), `outcome` (`created`, `updated`, `unchanged`, `deleted`, `absent`) and `details`
/// (the settings or fields that change, where the system says; `spec.replicas`).
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct Step(bundle::Step);

#[pymethods]
impl Step {
    /// The system: `s3`, `keycloak`, `ranger`, `kubernetes` or `registry`.
    #[getter]
    fn system(&self) -> String {
        serde_name(&self.0.system)
    }

    /// The thing, as `Kind namespace/name`, `bucket NAME`, `client REALM/ID`, `service NAME`,
    /// `policy SERVICE/NAME` or `cluster NAME`.
    #[getter]
    fn target(&self) -> &str {
        &self.0.target
    }

    /// What happens (plan) or happened to it: `created`, `updated`, `unchanged`, `deleted` or
    /// `absent` (there was nothing to delete).
    #[getter]
    fn outcome(&self) -> String {
        serde_name(&self.0.outcome)
    }

    /// The settings or fields that change, where the system says (empty otherwise).
    #[getter]
    fn details(&self) -> Vec<String> {
        self.0.details.clone()
    }

    /// Whether the step changes something (`created`, `updated` or `deleted`).
    #[getter]
    fn changes(&self) -> bool {
        self.0.outcome.changes()
    }

    /// The JSON form (the `StepInfo` dict; no `details` key when there are none), as in the
    /// CLI's `--output json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    /// `Step(system='kubernetes', target='Deployment trino-acme/trino-etl-worker',
    /// outcome='updated', details=['spec.replicas'])` (`details` only when there are some).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut text = format!(
            "Step(system={}, target={}, outcome={}",
            quoted(py, &self.system())?,
            quoted(py, &self.0.target)?,
            quoted(py, &self.outcome())?
        );
        if !self.0.details.is_empty() {
            text += &format!(", details={}", self.details().into_pyobject(py)?.repr()?);
        }
        Ok(text + ")")
    }
}

/// What a bundle's `plan` found, or what `apply` / `delete` did: its `steps`, in order
/// (immutable). `changed` says whether any step changes something; a second `apply` reports
/// none.
#[pyclass(module = "trino_platform", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct BundleReport(bundle::BundleReport);

impl From<bundle::BundleReport> for BundleReport {
    fn from(report: bundle::BundleReport) -> Self {
        Self(report)
    }
}

#[pymethods]
impl BundleReport {
    /// Every step, in order.
    #[getter]
    fn steps(&self) -> Vec<Step> {
        self.0.steps.iter().cloned().map(Step).collect()
    }

    /// Whether any step changes something.
    #[getter]
    fn changed(&self) -> bool {
        self.0.changed()
    }

    /// The steps that change something (created, updated or deleted), in order.
    fn changes(&self) -> Vec<Step> {
        self.0.changes().cloned().map(Step).collect()
    }

    /// The JSON form (the `BundleReportInfo` dict: `{"steps": [...]}`), as in the CLI's
    /// `--output json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    /// The number of steps.
    fn __len__(&self) -> usize {
        self.0.steps.len()
    }

    /// `BundleReport(steps=16, changes=3)`: how many steps, how many of them change something.
    fn __repr__(&self) -> String {
        format!("BundleReport(steps={}, changes={})", self.0.steps.len(), self.0.changes().count())
    }
}

/// A progress event of `apply` or `delete` (immutable): work on `message` in `system` starts
/// or is waited for (`step` is `None`: `applying Deployment trino-acme/trino-gateway`,
/// `Deployment trino-acme/trino-gateway: 1/2 ready`), or a step finished (`step` is the `Step`
/// the report will hold).
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct BundleEvent(pub(crate) bundle::BundleEvent);

#[pymethods]
impl BundleEvent {
    /// The system: `s3`, `keycloak`, `ranger`, `kubernetes` or `registry`.
    #[getter]
    fn system(&self) -> String {
        serde_name(&self.0.system)
    }

    /// What is being worked on or waited for, or what a finished step did.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// The finished step, or `None` when work starts or is waited for.
    #[getter]
    fn step(&self) -> Option<Step> {
        self.0.step.clone().map(Step)
    }

    /// The JSON form (the `BundleEventInfo` dict; no `step` key while work is under way).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    /// `BundleEvent(system='kubernetes', message='applying Namespace trino-acme')`, with
    /// `step=Step(...)` once a step finished.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let step = match &self.0.step {
            Some(step) => format!(", step={}", Step(step.clone()).__repr__(py)?),
            None => String::new(),
        };
        Ok(format!(
            "BundleEvent(system={}, message={}{step})",
            quoted(py, &self.system())?,
            quoted(py, &self.0.message)?
        ))
    }
}
