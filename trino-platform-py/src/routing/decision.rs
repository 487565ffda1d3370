//! `RouteDecision`: where a request goes and why.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use trino_platform::routing::{self, RouteReason};

use super::quoted;
use crate::cluster::Cluster;

/// Where a request goes and why (immutable). Returned by `Router.route`.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RouteDecision(routing::RouteDecision);

impl From<routing::RouteDecision> for RouteDecision {
    fn from(decision: routing::RouteDecision) -> Self {
        Self(decision)
    }
}

#[pymethods]
impl RouteDecision {
    /// The chosen cluster.
    #[getter]
    fn cluster(&self) -> Cluster {
        Cluster::from(self.0.cluster.as_ref().clone())
    }

    /// The group the request was routed in (the fallback group when it fell back).
    #[getter]
    fn routing_group(&self) -> &str {
        self.0.routing_group.as_str()
    }

    /// Why: `"query"` (a follow-up of a query the cluster runs), `"oauth2Login"` (a leg of an
    /// OAuth2 login the cluster started), `"header"` (`X-Trino-Routing-Group`), `"rule"` (the rule
    /// named by `rule`) or `"default"` (no rule matched).
    #[getter]
    fn reason(&self) -> &'static str {
        match self.0.reason {
            RouteReason::Query(_) => "query",
            RouteReason::OAuth2Login => "oauth2Login",
            RouteReason::Header => "header",
            RouteReason::Rule(_) => "rule",
            RouteReason::Default => "default",
        }
    }

    /// The rule that chose the group, when `reason` is `"rule"`.
    #[getter]
    fn rule(&self) -> Option<&str> {
        match &self.0.reason {
            RouteReason::Rule(rule) => Some(rule),
            _ => None,
        }
    }

    /// The query id the request follows up, when `reason` is `"query"`.
    #[getter]
    fn query_id(&self) -> Option<&str> {
        match &self.0.reason {
            RouteReason::Query(id) => Some(id.as_str()),
            _ => None,
        }
    }

    /// The group first chosen, when the request fell back from it.
    #[getter]
    fn fell_back_from(&self) -> Option<&str> {
        self.0.fell_back_from.as_ref().map(|g| g.as_str())
    }

    /// Headers to set on the forwarded request (from the deciding rule's `addHeaders`).
    #[getter]
    fn add_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.0.add_headers {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    /// `RouteDecision(cluster='etl-1', routing_group='etl', reason='rule', rule='etl-tools')`,
    /// with `query_id`, `fell_back_from` and `add_headers` only when set.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut text = format!(
            "RouteDecision(cluster={}, routing_group={}, reason={}",
            quoted(py, self.0.cluster.name.as_str())?,
            quoted(py, self.routing_group())?,
            quoted(py, self.reason())?,
        );
        let optional =
            [("rule", self.rule()), ("query_id", self.query_id()), ("fell_back_from", self.fell_back_from())];
        for (field, value) in optional {
            if let Some(value) = value {
                text.push_str(&format!(", {field}={}", quoted(py, value)?));
            }
        }
        if !self.0.add_headers.is_empty() {
            text.push_str(&format!(", add_headers={}", self.add_headers(py)?.repr()?));
        }
        text.push(')');
        Ok(text)
    }
}
