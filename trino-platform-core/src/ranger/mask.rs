//! Column masks and row filters, resolved to the SQL expression Trino's plugin hands to Trino
//! (`getColumnMask`, `getRowFilters`).
//!
//! Data-mask and row-filter policies have no deny items: they are evaluated OVERRIDE first,
//! then in Ranger's evaluation order, and the first policy with a matching item decides (its
//! first matching item, in the policy's order). A mask's expression is the mask type's
//! transformer from the service definition with `{col}` replaced by the column name and
//! `{type}` by its Trino type; `MASK_NULL` is `NULL`, `CUSTOM` is the item's `valueExpr` (or
//! `NULL`), `MASK_NONE` (or no decision) means no mask. Super users get neither masks nor
//! filters, as in Ranger.
//!
//! ```
//! use trino_platform::ranger::{ColumnMaskRequest, PolicyEngine};
//!
//! let engine = PolicyEngine::from_json(r#"[{"id": 7, "name": "hash emails", "policyType": 1,
//!     "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["crm"]},
//!                   "table": {"values": ["customers"]}, "column": {"values": ["email"]}},
//!     "dataMaskPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["public"],
//!                              "dataMaskInfo": {"dataMaskType": "MASK_HASH"}}]}]"#)?;
//! let mask = engine.column_mask(&ColumnMaskRequest::new("alice", "delta.crm.customers.email")?)?.unwrap();
//! assert_eq!(mask.expression, "cast(to_hex(sha256(to_utf8(email))) as varchar)");
//! # Ok::<(), trino_platform::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use super::engine::{Compiled, Outcome, PolicyEngine, Prepared, step};
use super::explain::{DecisionReason, ExplainStep, StepOutcome};
use super::matcher::MatchType;
use super::request::{AccessRequest, ResourceScope, split_object};
use crate::error::{Error, Result};

/// Index of `select` in the service definition's access types.
const SELECT: u8 = 0;

fn default_type() -> String {
    "varchar".to_owned()
}

/// Which mask applies to one column for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnMaskRequest {
    /// User.
    pub user: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extra roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Catalog.
    pub catalog: String,
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// The column's Trino type as `Type.getDisplayName()` prints it (replaces `{type}`).
    #[serde(default = "default_type")]
    pub column_type: String,
}

impl ColumnMaskRequest {
    /// A request for `catalog.schema.table.column` of type `varchar`. Fails with
    /// `InvalidInput` unless the name has four parts.
    pub fn new(user: impl Into<String>, column: &str) -> Result<Self> {
        let parts = split_object(column)?;
        let [catalog, schema, table, column] = <[String; 4]>::try_from(parts).map_err(|_| {
            Error::invalid_input(format!("a column mask needs catalog.schema.table.column, not {column:?}"))
        })?;
        Ok(Self {
            user: user.into(),
            groups: Vec::new(),
            roles: Vec::new(),
            catalog,
            schema,
            table,
            column,
            column_type: default_type(),
        })
    }

    /// Adds a group.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Sets the column type.
    pub fn with_type(mut self, column_type: impl Into<String>) -> Self {
        self.column_type = column_type.into();
        self
    }

    fn access_request(&self) -> AccessRequest {
        AccessRequest {
            user: self.user.clone(),
            groups: self.groups.clone(),
            roles: self.roles.clone(),
            resource: [
                ("catalog", &self.catalog),
                ("schema", &self.schema),
                ("table", &self.table),
                ("column", &self.column),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect(),
            access: "select".to_owned(),
            scope: ResourceScope::SelfOnly,
        }
    }
}

/// Which row filter applies to one table for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowFilterRequest {
    /// User.
    pub user: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extra roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Catalog.
    pub catalog: String,
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
}

impl RowFilterRequest {
    /// A request for `catalog.schema.table`. Fails with `InvalidInput` unless the name has
    /// three parts.
    pub fn new(user: impl Into<String>, table: &str) -> Result<Self> {
        let parts = split_object(table)?;
        let [catalog, schema, table] = <[String; 3]>::try_from(parts)
            .map_err(|_| Error::invalid_input(format!("a row filter needs catalog.schema.table, not {table:?}")))?;
        Ok(Self { user: user.into(), groups: Vec::new(), roles: Vec::new(), catalog, schema, table })
    }

    /// Adds a group.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    fn access_request(&self) -> AccessRequest {
        AccessRequest {
            user: self.user.clone(),
            groups: self.groups.clone(),
            roles: self.roles.clone(),
            resource: [("catalog", &self.catalog), ("schema", &self.schema), ("table", &self.table)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect(),
            access: "select".to_owned(),
            scope: ResourceScope::SelfOnly,
        }
    }
}

/// The mask Trino applies to a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMask {
    /// Id of the deciding data-mask policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: String,
    /// The mask type (`MASK_HASH`, `CUSTOM`, …).
    pub mask_type: String,
    /// The SQL expression replacing the column.
    pub expression: String,
}

/// The filter Trino adds to every query of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowFilter {
    /// Id of the deciding row-filter policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: String,
    /// The SQL predicate.
    pub expression: String,
}

impl PolicyEngine {
    /// The mask Trino's plugin applies to the column, or `None` when the column is shown as
    /// is. Fails with `InvalidInput` on an invalid request.
    pub fn column_mask(&self, request: &ColumnMaskRequest) -> Result<Option<ColumnMask>> {
        self.column_mask_explained(request, &mut None)
    }

    /// [`column_mask`](Self::column_mask) with the policies looked at.
    pub fn explain_column_mask(&self, request: &ColumnMaskRequest) -> Result<(Option<ColumnMask>, Vec<ExplainStep>)> {
        let mut steps = Some(Vec::new());
        let mask = self.column_mask_explained(request, &mut steps)?;
        Ok((mask, steps.unwrap_or_default()))
    }

    fn column_mask_explained(
        &self,
        request: &ColumnMaskRequest,
        trace: &mut Option<Vec<ExplainStep>>,
    ) -> Result<Option<ColumnMask>> {
        let access_request = request.access_request();
        let (prepared, _) = self.prepare(&access_request)?;
        let outcome = self.first_item(
            &self.masks,
            &prepared,
            |p| p.masks.len(),
            |p, i| p.masks[i].0.matches(&prepared.who, SELECT),
            trace,
        );
        let (Some(policy), Some(item)) = (outcome.policy.map(|i| &self.masks[i]), outcome.item) else {
            return Ok(None);
        };
        let Some(info) = &policy.masks[item].1 else { return Ok(None) };
        let transformer = match info.mask_type.as_str() {
            "MASK_NONE" => return Ok(None),
            "MASK_NULL" => "NULL".to_owned(),
            "CUSTOM" => info.value_expr.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| "NULL".to_owned()),
            _ => match info.def.and_then(|d| d.transformer) {
                Some(t) => t.to_owned(),
                None => return Ok(None),
            },
        };
        let expression = transformer.replace("{col}", &request.column).replace("{type}", &request.column_type);
        Ok(Some(ColumnMask {
            policy_id: policy.id,
            policy_name: policy.name.clone(),
            mask_type: info.mask_type.clone(),
            expression,
        }))
    }

    /// The row filter Trino's plugin adds to the table, or `None`. Fails with `InvalidInput`
    /// on an invalid request.
    pub fn row_filter(&self, request: &RowFilterRequest) -> Result<Option<RowFilter>> {
        self.row_filter_explained(request, &mut None)
    }

    /// [`row_filter`](Self::row_filter) with the policies looked at.
    pub fn explain_row_filter(&self, request: &RowFilterRequest) -> Result<(Option<RowFilter>, Vec<ExplainStep>)> {
        let mut steps = Some(Vec::new());
        let filter = self.row_filter_explained(request, &mut steps)?;
        Ok((filter, steps.unwrap_or_default()))
    }

    fn row_filter_explained(
        &self,
        request: &RowFilterRequest,
        trace: &mut Option<Vec<ExplainStep>>,
    ) -> Result<Option<RowFilter>> {
        let access_request = request.access_request();
        let (prepared, _) = self.prepare(&access_request)?;
        let outcome = self.first_item(
            &self.row_filters,
            &prepared,
            |p| p.row_filters.len(),
            |p, i| p.row_filters[i].0.matches(&prepared.who, SELECT),
            trace,
        );
        let (Some(policy), Some(item)) = (outcome.policy.map(|i| &self.row_filters[i]), outcome.item) else {
            return Ok(None);
        };
        let expression = &policy.row_filters[item].1;
        if expression.is_empty() {
            return Ok(None);
        }
        Ok(Some(RowFilter { policy_id: policy.id, policy_name: policy.name.clone(), expression: expression.clone() }))
    }

    /// The data-mask / row-filter loop: an earlier result of the same or higher priority is
    /// final; the first matching item of a matching policy decides.
    fn first_item(
        &self,
        policies: &[Compiled],
        request: &Prepared<'_>,
        count: impl Fn(&Compiled) -> usize,
        item_is_for: impl Fn(&Compiled, usize) -> bool,
        trace: &mut Option<Vec<ExplainStep>>,
    ) -> Outcome {
        if self.is_super(request.who.user, request.who.groups) {
            return Outcome::super_user();
        }
        let mut result = Outcome::new();
        for (index, policy) in policies.iter().enumerate() {
            if result.allowed && result.priority >= policy.priority {
                if let Some(steps) = trace.as_mut() {
                    steps.push(step(
                        policy,
                        SELECT,
                        MatchType::None,
                        StepOutcome::NotEvaluated,
                        "the decision is final".into(),
                    ));
                }
                break;
            }
            let match_type = policy.match_type(request);
            let record = |trace: &mut Option<Vec<ExplainStep>>, outcome, detail: &dyn Fn() -> String| {
                if let Some(steps) = trace.as_mut() {
                    steps.push(step(policy, SELECT, match_type, outcome, detail()));
                }
            };
            if !matches!(match_type, MatchType::SelfMatch | MatchType::SelfAndAllDescendants) {
                record(trace, StepOutcome::ResourceNotMatched, &|| {
                    format!("its resources do not cover the request ({match_type:?})")
                });
                continue;
            }
            match (0..count(policy)).find(|&i| item_is_for(policy, i)) {
                Some(item) => {
                    result = Outcome {
                        allowed: true,
                        determined: true,
                        priority: policy.priority,
                        policy: Some(index),
                        reason: DecisionReason::AllowItem,
                        item: Some(item),
                    };
                    record(trace, StepOutcome::Applied, &|| format!("item {} is for this user", item + 1));
                    break;
                }
                None => record(trace, StepOutcome::NoItemMatched, &|| "no item is for this user".into()),
            }
        }
        result
    }
}
