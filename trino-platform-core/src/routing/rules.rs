//! Typed routing rules: which routing group a new query goes to.
//!
//! A rules file (YAML):
//!
//! ```yaml
//! groups: [adhoc, etl, bi]        # optional: when given, every rule must name one of these
//! rules:
//!   - name: etl-tools
//!     description: Batch tools run on the ETL clusters
//!     priority: 10                # default 0
//!     when:                       # optional: a rule without `when` always matches
//!       any:
//!         - source: {glob: "airflow*"}
//!         - clientTags: {equals: etl}
//!     routingGroup: etl
//!     addHeaders: {X-Trino-Client-Tags: etl}   # optional: set on the forwarded request
//! ```
//!
//! **Semantics.** Rules are tried in ascending `priority`; rules of equal priority in file
//! order. The first rule whose condition holds decides the group (and its `addHeaders`); later
//! rules are not evaluated. When no rule matches, the router's default group applies. Conditions
//! are described in [`super::condition`].
//!
//! **Validation** happens at load: a duplicate or empty name, a malformed matcher, a bad regex or
//! a group outside `groups` is an `InvalidInput` error naming the rule and its line.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::condition::{Condition, ConditionSpec};
use super::request::RouteRequest;
use crate::cluster::RoutingGroup;
use crate::error::{Error, Result};

/// One rule as written in a rules file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique name, used in errors, metrics and route decisions.
    pub name: String,
    /// What the rule is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Lower runs first (default 0).
    #[serde(default)]
    pub priority: i32,
    /// When the rule applies; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<ConditionSpec>,
    /// The routing group a matching request goes to.
    pub routing_group: RoutingGroup,
    /// Headers set on the forwarded request when this rule decides.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add_headers: BTreeMap<String, String>,
}

/// A rules file as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulesFile {
    /// The routing groups rules may name (unchecked when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<RoutingGroup>>,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// The same file with each rule's line, for error messages.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LocatedFile {
    #[serde(default)]
    groups: Option<Vec<RoutingGroup>>,
    #[serde(default)]
    rules: Vec<serde_saphyr::Spanned<RuleSpec>>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
struct Rule {
    spec: RuleSpec,
    condition: Option<Condition>,
    headers: Vec<(String, String)>,
}

/// The rule that decided a request's group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// The group it chose.
    pub routing_group: &'a RoutingGroup,
    /// Headers to set on the forwarded request.
    pub add_headers: &'a [(String, String)],
}

/// A validated, compiled, ordered rule set.
#[derive(Debug, Clone, Default)]
pub struct RoutingRules {
    groups: Option<Vec<RoutingGroup>>,
    rules: Vec<Rule>,
}

impl RoutingRules {
    /// No rules: every request goes to the default group.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses and validates a rules file. Fails with `InvalidInput` naming the rule and line.
    pub fn from_yaml(text: &str) -> Result<Self> {
        let file: LocatedFile = crate::yaml::from_str(text, "routing rules")?;
        let located = file.rules.into_iter().map(|s| (s.value, Some(s.referenced.line()))).collect();
        Self::build(file.groups, located)
    }

    /// Reads and validates a rules file from disk.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_input(format!("cannot read routing rules {}: {e}", path.display())).with_source(e)
        })?;
        Self::from_yaml(&text).map_err(|e| Error::invalid_input(format!("{}: {}", path.display(), e.message())))
    }

    /// Validates rules built in code. Fails with `InvalidInput` naming the rule.
    pub fn new(file: RulesFile) -> Result<Self> {
        Self::build(file.groups, file.rules.into_iter().map(|r| (r, None)).collect())
    }

    fn build(groups: Option<Vec<RoutingGroup>>, specs: Vec<(RuleSpec, Option<u64>)>) -> Result<Self> {
        let mut names = HashSet::new();
        let mut rules = Vec::with_capacity(specs.len());
        for (spec, line) in specs {
            let fail = |why: String| {
                let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
                Error::invalid_input(format!("routing rule {:?}{at}: {why}", spec.name))
            };
            if spec.name.trim().is_empty() {
                return Err(fail("a rule needs a name".into()));
            }
            if !names.insert(spec.name.clone()) {
                return Err(fail("another rule has the same name".into()));
            }
            if let Some(groups) = &groups
                && !groups.contains(&spec.routing_group)
            {
                return Err(fail(format!("routing group {:?} is not one of `groups`", spec.routing_group.as_str())));
            }
            let condition =
                spec.when.as_ref().map(ConditionSpec::compile).transpose().map_err(|e| fail(e.to_string()))?;
            let headers = spec.add_headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            rules.push(Rule { spec, condition, headers });
        }
        rules.sort_by_key(|r| r.spec.priority); // stable: equal priorities keep file order
        Ok(Self { groups, rules })
    }

    /// Checks that every rule names one of `known` groups (for example those of the registered
    /// clusters). Fails with `InvalidInput` naming the first rule that does not.
    pub fn check_groups(&self, known: &[RoutingGroup]) -> Result<()> {
        match self.rules.iter().find(|r| !known.contains(&r.spec.routing_group)) {
            Some(rule) => Err(Error::invalid_input(format!(
                "routing rule {:?}: no cluster serves routing group {:?}",
                rule.spec.name,
                rule.spec.routing_group.as_str()
            ))),
            None => Ok(()),
        }
    }

    /// The first rule (in evaluation order) whose condition holds for `request`.
    pub fn evaluate(&self, request: &RouteRequest) -> Option<RuleMatch<'_>> {
        self.rules.iter().find(|r| r.condition.as_ref().is_none_or(|c| c.eval(request))).map(|r| RuleMatch {
            rule: &r.spec.name,
            routing_group: &r.spec.routing_group,
            add_headers: &r.headers,
        })
    }

    /// The rules in evaluation order, as specs (for display and export).
    pub fn to_file(&self) -> RulesFile {
        RulesFile { groups: self.groups.clone(), rules: self.rules.iter().map(|r| r.spec.clone()).collect() }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const RULES: &str = r#"
groups: [adhoc, etl, bi]
rules:
  - name: late-catch-all
    priority: 100
    routingGroup: adhoc
  - name: bi
    priority: 5
    when: {source: {oneOf: [superset, tableau]}}
    routingGroup: bi
  - name: etl-by-tag
    priority: 1
    when: {clientTags: {equals: etl}}
    routingGroup: etl
    addHeaders: {X-Routed-By: etl-by-tag}
  - name: etl-by-source
    priority: 1
    when: {source: {glob: "airflow*"}}
    routingGroup: etl
"#;

    fn decide(rules: &RoutingRules, request: &RouteRequest) -> Option<(String, String)> {
        rules.evaluate(request).map(|m| (m.rule.to_owned(), m.routing_group.to_string()))
    }

    #[test]
    fn priority_then_file_order_then_first_match_wins() {
        let rules = RoutingRules::from_yaml(RULES).unwrap();
        let order: Vec<_> = rules.to_file().rules.into_iter().map(|r| r.name).collect();
        assert_eq!(order, ["etl-by-tag", "etl-by-source", "bi", "late-catch-all"]);

        let both = RouteRequest::new("POST", "/v1/statement")
            .with_header("X-Trino-Source", "airflow")
            .with_header("X-Trino-Client-Tags", "etl");
        assert_eq!(decide(&rules, &both), Some(("etl-by-tag".into(), "etl".into())), "tie: file order");
        let m = rules.evaluate(&both).unwrap();
        assert_eq!(m.add_headers, [("X-Routed-By".to_owned(), "etl-by-tag".to_owned())]);

        let superset = RouteRequest::new("POST", "/v1/statement").with_header("X-Trino-Source", "superset");
        assert_eq!(decide(&rules, &superset), Some(("bi".into(), "bi".into())));
        let other = RouteRequest::new("POST", "/v1/statement");
        assert_eq!(decide(&rules, &other), Some(("late-catch-all".into(), "adhoc".into())));
        assert_eq!(decide(&RoutingRules::empty(), &other), None);
    }

    #[test]
    fn errors_name_the_rule_and_line() {
        let cases = [
            (
                "rules:\n  - name: a\n    routingGroup: x\n  - name: a\n    routingGroup: y\n",
                "\"a\" (line 4)",
                "same name",
            ),
            (
                "rules:\n  - name: r\n    when: {user: {regex: '('}}\n    routingGroup: x\n",
                "\"r\" (line 2)",
                "invalid regex",
            ),
            ("groups: [adhoc]\nrules:\n  - name: g\n    routingGroup: etl\n", "\"g\" (line 3)", "not one of"),
            ("rules:\n  - name: ''\n    routingGroup: x\n", "line 2", "needs a name"),
        ];
        for (yaml, at, why) in cases {
            let err = RoutingRules::from_yaml(yaml).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains(at) && err.to_string().contains(why), "{err}");
        }
        let err = RoutingRules::from_yaml("rules:\n  - name: u\n    routingGroup: x\n    colour: red\n").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        let err = RoutingRules::from_yaml("rules:\n  - name: u\n    routingGroup: 'bad group'\n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn groups_can_be_checked_against_the_registry() {
        let rules = RoutingRules::from_yaml(RULES).unwrap();
        let known = ["adhoc", "etl"].map(|g| RoutingGroup::new(g).unwrap());
        let err = rules.check_groups(&known).unwrap_err();
        assert!(err.to_string().contains("\"bi\""), "{err}");
    }
}
