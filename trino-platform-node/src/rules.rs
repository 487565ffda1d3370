//! The `RoutingRules` class: a validated, compiled rule set for `Router.setRules`.

use std::path::Path;

use napi::Env;
use napi_derive::napi;
use trino_platform::routing;

use crate::error::or_throw;

/// A validated, compiled, ordered set of routing rules: which routing group a new query goes
/// to. Build one with `RoutingRules.fromYaml(text)`, `RoutingRules.load(path)` or
/// `RoutingRules.fromTrinoGatewayYaml(text)` and give it to `Router.setRules`.
///
/// A typed rules file (YAML) looks like:
///
/// ```yaml
/// groups: [adhoc, etl, bi]        # optional: when given, every rule must name one of these
/// rules:
///   - name: etl-tools
///     priority: 10                # default 0; lower runs first, ties keep file order
///     when:                       # optional: a rule without `when` always matches
///       any:
///         - source: {glob: "airflow*"}
///         - clientTags: {equals: etl}
///     routingGroup: etl
///     addHeaders: {X-Trino-Client-Tags: etl}   # optional: set on the forwarded request
/// ```
///
/// The first rule whose condition holds decides the group. Every constructor is synchronous and
/// throws an `Error` whose `code` is `'InvalidInput'` (naming the rule and its line) when the
/// rules cannot load.
#[napi]
pub struct RoutingRules {
    pub(crate) inner: routing::RoutingRules,
}

#[napi]
impl RoutingRules {
    /// Parses and validates a typed rules file. Throws `InvalidInput` naming the rule and line
    /// (a duplicate or empty name, a malformed matcher, a bad regex, a group outside `groups`).
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<RoutingRules> {
        or_throw(env, routing::RoutingRules::from_yaml(&text).map(|inner| Self { inner }))
    }

    /// Reads and validates a typed rules file from disk. Throws `InvalidInput` when the file
    /// cannot be read or is invalid; the message names the file.
    #[napi]
    pub fn load(env: &Env, path: String) -> napi::Result<RoutingRules> {
        or_throw(env, routing::RoutingRules::load(Path::new(&path)).map(|inner| Self { inner }))
    }

    /// Imports trino-gateway's MVEL rules file (YAML documents with `name`, `priority`,
    /// `condition`, `actions`), keeping its meaning: every matching rule fires in priority order
    /// and the last `result.put("routingGroup", …)` wins. Throws `InvalidInput` for MVEL it
    /// cannot translate faithfully, naming the rule.
    #[napi]
    pub fn from_trino_gateway_yaml(env: &Env, text: String) -> napi::Result<RoutingRules> {
        or_throw(env, routing::RoutingRules::from_trino_gateway_yaml(&text).map(|inner| Self { inner }))
    }

    /// The number of rules.
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }
}
