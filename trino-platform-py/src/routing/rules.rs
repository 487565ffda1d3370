//! `RoutingRules`: a validated, compiled rule set, loaded from typed YAML or imported from
//! trino-gateway's MVEL rules.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyType;
use trino_platform::routing;

use super::quoted;
use crate::errors::to_pyerr;

/// How many rule names `repr` shows before it says how many more there are.
const REPR_NAMES: usize = 5;

/// Which routing group a new query goes to: an ordered, validated rule set (immutable).
///
/// Load one with `RoutingRules.from_yaml(text)`, `RoutingRules.load(path)` or
/// `RoutingRules.from_trino_gateway_yaml(text)`, then hand it to `Router.set_rules`.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct RoutingRules(routing::RoutingRules);

impl RoutingRules {
    /// The core rules (cloned into the router; the compiled matchers are shared, not copied).
    pub(crate) fn core(&self) -> &routing::RoutingRules {
        &self.0
    }
}

#[pymethods]
impl RoutingRules {
    /// Parses and validates a typed rules file (`groups`, `rules: [{name, priority, when,
    /// routingGroup, addHeaders}]`).
    ///
    /// Raises `InvalidInputError` naming the rule and its line.
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| routing::RoutingRules::from_yaml(text)).map(Self).map_err(to_pyerr)
    }

    /// Reads and validates a typed rules file from `path` (`str` or `os.PathLike`).
    ///
    /// Raises `InvalidInputError` when the file cannot be read or is invalid (naming the file,
    /// the rule and its line).
    #[classmethod]
    fn load(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| routing::RoutingRules::load(&path)).map(Self).map_err(to_pyerr)
    }

    /// Imports trino-gateway's rules file (YAML documents with MVEL `condition` and `actions`),
    /// keeping their meaning (every rule fires, the last `routingGroup` put wins).
    ///
    /// Raises `InvalidInputError` for YAML or MVEL this import does not support, naming the rule.
    #[classmethod]
    fn from_trino_gateway_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| routing::RoutingRules::from_trino_gateway_yaml(text)).map(Self).map_err(to_pyerr)
    }

    /// The number of rules.
    fn __len__(&self) -> usize {
        self.0.len()
    }

    /// `RoutingRules(['etl-tools', 'bi'])`: the rule names in evaluation order (the first few,
    /// then how many more).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let file = self.0.to_file();
        let mut names =
            file.rules.iter().take(REPR_NAMES).map(|r| quoted(py, &r.name)).collect::<PyResult<Vec<_>>>()?;
        if file.rules.len() > REPR_NAMES {
            names.push(format!("... {} more", file.rules.len() - REPR_NAMES));
        }
        Ok(format!("RoutingRules([{}])", names.join(", ")))
    }
}
