//! What is asked of the policy engine: a Ranger access request ([`AccessRequest`]: user,
//! groups, resource, access type) and the Trino checks that produce them ([`TrinoAction`]),
//! following the action → (resource, access) map of Trino's `RangerSystemAccessControl`.
//!
//! ```
//! use trino_platform::ranger::{TrinoAction, TrinoCheck};
//!
//! let action = TrinoAction::new(TrinoCheck::SelectFromColumns, "delta.sales.orders").with_columns(["amount"]);
//! let requests = action.requests()?;
//! assert_eq!(requests.len(), 1);
//! assert_eq!(requests[0].access, "select");
//! assert_eq!(requests[0].resource["column"], "amount");
//! # Ok::<(), trino_platform::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which policies can decide a request: those on the resource itself (Trino's checks), or
/// also those on anything under it (Trino's `filter…` calls: an object is visible when any
/// access on it or on something inside it is allowed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceScope {
    /// The resource itself.
    #[default]
    #[serde(rename = "self")]
    SelfOnly,
    /// The resource or any descendant.
    SelfOrDescendants,
}

/// One Ranger access request, the way Trino's plugin builds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessRequest {
    /// Trino's user (`Identity.getUser()`, after user mapping).
    pub user: String,
    /// Trino's groups (from the group provider; `public` is implied).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Ranger roles the user holds beyond those the engine resolves from its roles document.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Resource name → value (`{"catalog": "delta", "schema": "sales", "table": "orders"}`).
    pub resource: BTreeMap<String, String>,
    /// Access type (`select`, `insert`, …, `impersonate`, `execute`) or `_any`.
    pub access: String,
    /// Which policies can decide it.
    #[serde(default)]
    pub scope: ResourceScope,
}

impl AccessRequest {
    /// A request by `user` for `access` on no resource yet (add them with
    /// [`with_resource`](Self::with_resource)).
    pub fn new(user: impl Into<String>, access: impl Into<String>) -> Self {
        Self { user: user.into(), access: access.into(), ..Self::default() }
    }

    /// Adds a group.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Adds a role.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Sets one resource value (`"catalog", "delta"`).
    pub fn with_resource(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.insert(name.into(), value.into());
        self
    }

    /// Sets the catalog/schema/table/column resource from a dotted name of one to four parts
    /// (`delta.sales.orders.amount`; quote a part holding a dot: `"my.cat".s`).
    /// Fails with `InvalidInput` on an empty part, an unbalanced quote or more than four parts.
    pub fn with_object(mut self, object: &str) -> Result<Self> {
        let parts = split_object(object)?;
        if parts.len() > 4 {
            return Err(Error::invalid_input(format!(
                "object {object:?} has {} parts; use catalog[.schema[.table[.column]]]",
                parts.len()
            )));
        }
        for (name, value) in ["catalog", "schema", "table", "column"].iter().zip(parts) {
            self.resource.insert((*name).to_owned(), value);
        }
        Ok(self)
    }

    /// Sets the scope.
    pub fn with_scope(mut self, scope: ResourceScope) -> Self {
        self.scope = scope;
        self
    }

    /// `select on delta.sales.orders` / `execute on queryid=*` — for messages.
    pub fn describe(&self) -> String {
        super::explain::describe(&self.access, &self.resource)
    }
}

/// Splits `a.b."c.d"` into `["a", "b", "c.d"]`. `""` inside quotes is a literal quote.
pub(crate) fn split_object(object: &str) -> Result<Vec<String>> {
    let bad = |why: &str| Error::invalid_input(format!("invalid object name {object:?}: {why}"));
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = object.chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if current.is_empty() && !quoted_part => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            current.push('"');
                        }
                        Some('"') => break,
                        Some(c) => current.push(c),
                        None => return Err(bad("unbalanced quote")),
                    }
                }
                if !matches!(chars.peek(), None | Some('.')) {
                    return Err(bad("text after a closing quote"));
                }
            }
            '.' => {
                if current.is_empty() {
                    return Err(bad("empty part"));
                }
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            c => current.push(c),
        }
    }
    if current.is_empty() {
        return Err(bad("empty part"));
    }
    parts.push(current);
    Ok(parts)
}

/// The kind of object a Trino check names, which fixes its resource shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `trinouser=<user>`.
    User,
    /// `queryid=<id>`.
    QueryId,
    /// `sysinfo=*`.
    SystemInfo,
    /// `systemproperty=<name>`.
    SystemProperty,
    /// `catalog`.
    Catalog,
    /// `catalog.property` → `catalog, sessionproperty`.
    CatalogProperty,
    /// `catalog.schema`.
    Schema,
    /// `catalog.schema.table`.
    Table,
    /// `catalog.schema.table` plus columns.
    Columns,
    /// `catalog.schema.procedure`.
    Procedure,
    /// `catalog.schema.function` → `schemafunction`.
    SchemaFunction,
}

macro_rules! trino_checks {
    ($($(#[$doc:meta])* $variant:ident => ($target:ident, $access:literal, $scope:ident, $rename:literal)),* $(,)?) => {
        /// A Trino access-control check and how Trino's Ranger plugin asks Ranger about it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub enum TrinoCheck {
            $($(#[$doc])* $variant,)*
        }

        impl TrinoCheck {
            /// Every check, in declaration order.
            pub const ALL: &'static [TrinoCheck] = &[$(TrinoCheck::$variant,)*];

            fn shape(self) -> (Target, &'static str, ResourceScope, bool) {
                match self {
                    $(TrinoCheck::$variant => (Target::$target, $access, ResourceScope::$scope, $rename),)*
                }
            }

            /// The check's name in kebab case (`select-from-columns`), as the CLI takes it.
            pub fn kebab_name(self) -> String {
                let name = format!("{self:?}");
                let mut out = String::new();
                for (i, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() {
                        if i > 0 {
                            out.push('-');
                        }
                        out.push(c.to_ascii_lowercase());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    };
}

trino_checks! {
    /// `trinouser=<target>` / `impersonate`.
    ImpersonateUser => (User, "impersonate", SelfOnly, false),
    /// Deprecated `SetUser`: `trinouser=<target>` / `impersonate`.
    SetUser => (User, "impersonate", SelfOnly, false),
    /// `trinouser=<owner>` / `impersonate`.
    ViewQueryOwnedBy => (User, "impersonate", SelfOnly, false),
    /// Filter of visible query owners: `trinouser=<owner>` / `impersonate`, descendants count.
    FilterViewQueryOwnedBy => (User, "impersonate", SelfOrDescendants, false),
    /// `trinouser=<owner>` / `impersonate`.
    KillQueryOwnedBy => (User, "impersonate", SelfOnly, false),
    /// `queryid=<id>` / `execute`.
    ExecuteQuery => (QueryId, "execute", SelfOnly, false),
    /// `sysinfo=*` / `read_sysinfo`.
    ReadSystemInformation => (SystemInfo, "read_sysinfo", SelfOnly, false),
    /// `sysinfo=*` / `write_sysinfo`.
    WriteSystemInformation => (SystemInfo, "write_sysinfo", SelfOnly, false),
    /// `systemproperty=<name>` / `alter`.
    SetSystemSessionProperty => (SystemProperty, "alter", SelfOnly, false),
    /// `catalog` / `_any`.
    AccessCatalog => (Catalog, "_any", SelfOnly, false),
    /// Catalog filter: `catalog` / `_any`, descendants count.
    FilterCatalogs => (Catalog, "_any", SelfOrDescendants, false),
    /// `catalog` / `_any`.
    ShowSchemas => (Catalog, "_any", SelfOnly, false),
    /// `catalog` / `create`.
    CreateCatalog => (Catalog, "create", SelfOnly, false),
    /// `catalog` / `drop`.
    DropCatalog => (Catalog, "drop", SelfOnly, false),
    /// `catalog, sessionproperty` / `alter` (target `catalog.property`).
    SetCatalogSessionProperty => (CatalogProperty, "alter", SelfOnly, false),
    /// `catalog, schema` / `create`.
    CreateSchema => (Schema, "create", SelfOnly, false),
    /// `catalog, schema` / `drop`.
    DropSchema => (Schema, "drop", SelfOnly, false),
    /// `alter` on the schema and on the new name (`newTarget`: the new schema name).
    RenameSchema => (Schema, "alter", SelfOnly, true),
    /// `catalog, schema` / `alter`.
    SetSchemaAuthorization => (Schema, "alter", SelfOnly, false),
    /// `catalog, schema` / `show`.
    ShowCreateSchema => (Schema, "show", SelfOnly, false),
    /// `catalog, schema` / `_any`.
    ShowTables => (Schema, "_any", SelfOnly, false),
    /// `catalog, schema` / `_any`.
    ShowFunctions => (Schema, "_any", SelfOnly, false),
    /// Schema filter: `catalog, schema` / `_any`, descendants count.
    FilterSchemas => (Schema, "_any", SelfOrDescendants, false),
    /// Table / `create`.
    CreateTable => (Table, "create", SelfOnly, false),
    /// Table / `drop`.
    DropTable => (Table, "drop", SelfOnly, false),
    /// `alter` on the table and on the new name (`newTarget`: `catalog.schema.table`).
    RenameTable => (Table, "alter", SelfOnly, true),
    /// Table / `alter`.
    SetTableProperties => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    SetTableComment => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    SetTableAuthorization => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    AddColumn => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    AlterColumn => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    DropColumn => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    RenameColumn => (Table, "alter", SelfOnly, false),
    /// Table / `alter`.
    SetColumnComment => (Table, "alter", SelfOnly, false),
    /// Table / `alter` (`ALTER TABLE … EXECUTE optimize`, …).
    ExecuteTableProcedure => (Table, "alter", SelfOnly, false),
    /// Table / `insert`.
    InsertIntoTable => (Table, "insert", SelfOnly, false),
    /// Table / `insert`.
    UpdateTableColumns => (Table, "insert", SelfOnly, false),
    /// Table / `delete`.
    DeleteFromTable => (Table, "delete", SelfOnly, false),
    /// Table / `delete`.
    TruncateTable => (Table, "delete", SelfOnly, false),
    /// Table / `show`.
    ShowCreateTable => (Table, "show", SelfOnly, false),
    /// Table / `_any`.
    ShowColumns => (Table, "_any", SelfOnly, false),
    /// Table filter: table / `_any`, descendants count.
    FilterTables => (Table, "_any", SelfOrDescendants, false),
    /// `select` on each column (on the table when no column is given).
    SelectFromColumns => (Columns, "select", SelfOnly, false),
    /// `select` on each column.
    CreateViewWithSelectFromColumns => (Columns, "select", SelfOnly, false),
    /// Column filter: `_any` on each column, descendants count.
    FilterColumns => (Columns, "_any", SelfOrDescendants, false),
    /// View / `create`.
    CreateView => (Table, "create", SelfOnly, false),
    /// View / `drop`.
    DropView => (Table, "drop", SelfOnly, false),
    /// `alter` on the view and on the new name.
    RenameView => (Table, "alter", SelfOnly, true),
    /// View / `alter`.
    SetViewAuthorization => (Table, "alter", SelfOnly, false),
    /// View / `alter`.
    SetViewComment => (Table, "alter", SelfOnly, false),
    /// Materialized view / `create`.
    CreateMaterializedView => (Table, "create", SelfOnly, false),
    /// Materialized view / `drop`.
    DropMaterializedView => (Table, "drop", SelfOnly, false),
    /// `alter` on the materialized view and on the new name.
    RenameMaterializedView => (Table, "alter", SelfOnly, true),
    /// Materialized view / `alter`.
    RefreshMaterializedView => (Table, "alter", SelfOnly, false),
    /// Materialized view / `alter`.
    SetMaterializedViewProperties => (Table, "alter", SelfOnly, false),
    /// `catalog, schema, procedure` / `execute` (`system.runtime.kill_query`, …).
    ExecuteProcedure => (Procedure, "execute", SelfOnly, false),
    /// `catalog, schema, schemafunction` / `create`.
    CreateFunction => (SchemaFunction, "create", SelfOnly, false),
    /// `catalog, schema, schemafunction` / `drop`.
    DropFunction => (SchemaFunction, "drop", SelfOnly, false),
    /// `catalog, schema, schemafunction` / `show`.
    ShowCreateFunction => (SchemaFunction, "show", SelfOnly, false),
    /// `catalog, schema, schemafunction` / `execute`.
    ExecuteFunction => (SchemaFunction, "execute", SelfOnly, false),
    /// `catalog, schema, schemafunction` / `execute`.
    CreateViewWithExecuteFunction => (SchemaFunction, "execute", SelfOnly, false),
    /// Function filter: `catalog, schema, schemafunction` / `_any`, descendants count.
    FilterFunctions => (SchemaFunction, "_any", SelfOrDescendants, false),
}

impl fmt::Display for TrinoCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kebab_name())
    }
}

impl FromStr for TrinoCheck {
    type Err = Error;

    /// Parses `select-from-columns` or `selectFromColumns` (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        let wanted: String = s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_lowercase();
        TrinoCheck::ALL
            .iter()
            .copied()
            .find(|c| format!("{c:?}").to_ascii_lowercase() == wanted)
            .ok_or_else(|| Error::invalid_input(format!("unknown Trino check {s:?}")))
    }
}

/// A Trino access check on a named object, for example `insertIntoTable` on
/// `delta.sales.orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrinoAction {
    /// The check.
    pub check: TrinoCheck,
    /// What it is about: a user, query id, property name, or dotted object name
    /// (`catalog`, `catalog.schema`, `catalog.schema.table`, `catalog.schema.procedure`,
    /// `catalog.property`). Empty for the system-information checks.
    #[serde(default)]
    pub target: String,
    /// Columns, for the column checks.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The new name, for renames.
    #[serde(default)]
    pub new_target: Option<String>,
}

impl TrinoAction {
    /// A check on `target`.
    pub fn new(check: TrinoCheck, target: impl Into<String>) -> Self {
        Self { check, target: target.into(), columns: Vec::new(), new_target: None }
    }

    /// Sets the columns.
    pub fn with_columns<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the new name of a rename.
    pub fn with_new_target(mut self, new_target: impl Into<String>) -> Self {
        self.new_target = Some(new_target.into());
        self
    }

    /// The Ranger requests Trino's plugin makes for this check, without identity (fill in
    /// `user`, `groups`, `roles`). The check passes only when every request is allowed.
    /// Fails with `InvalidInput` when the target does not have the shape the check needs.
    pub fn requests(&self) -> Result<Vec<AccessRequest>> {
        let (target, access, scope, rename) = self.check.shape();
        let mut requests = vec![self.request_for(target, &self.target, access, scope)?];
        if target == Target::Columns {
            requests.clear();
            let table = self.request_for(Target::Table, &self.target, access, scope)?;
            if self.columns.is_empty() {
                requests.push(table.clone());
            }
            for column in &self.columns {
                if column.is_empty() {
                    return Err(Error::invalid_input(format!("{}: a column name is empty", self.check)));
                }
                requests.push(table.clone().with_resource("column", column.clone()));
            }
        }
        if rename {
            let new_target = self
                .new_target
                .as_deref()
                .ok_or_else(|| Error::invalid_input(format!("{} needs newTarget, the new name", self.check)))?;
            let new_target = match target {
                // RenameSchema's new name is a schema name in the same catalog.
                Target::Schema if !new_target.contains('.') => {
                    let catalog = split_object(&self.target)?.into_iter().next().unwrap_or_default();
                    format!("\"{}\".\"{}\"", catalog.replace('"', "\"\""), new_target.replace('"', "\"\""))
                }
                _ => new_target.to_owned(),
            };
            requests.push(self.request_for(target, &new_target, access, scope)?);
        } else if self.new_target.is_some() {
            return Err(Error::invalid_input(format!("{} takes no newTarget", self.check)));
        }
        if target != Target::Columns && !self.columns.is_empty() {
            return Err(Error::invalid_input(format!("{} takes no columns", self.check)));
        }
        Ok(requests)
    }

    fn request_for(&self, target: Target, name: &str, access: &str, scope: ResourceScope) -> Result<AccessRequest> {
        let check = self.check;
        let single = |resource: &str| -> Result<AccessRequest> {
            if name.is_empty() {
                return Err(Error::invalid_input(format!("{check} needs a target ({resource})")));
            }
            Ok(AccessRequest::new("", access).with_resource(resource, name).with_scope(scope))
        };
        let dotted = |names: &[&str]| -> Result<AccessRequest> {
            let parts = split_object(name)?;
            if parts.len() != names.len() {
                return Err(Error::invalid_input(format!(
                    "{check} needs a target of the form {}, not {name:?}",
                    names.join(".")
                )));
            }
            let mut request = AccessRequest::new("", access).with_scope(scope);
            for (resource, value) in names.iter().zip(parts) {
                request = request.with_resource(*resource, value);
            }
            Ok(request)
        };
        match target {
            Target::User => single("trinouser"),
            Target::QueryId => single("queryid"),
            Target::SystemProperty => single("systemproperty"),
            Target::SystemInfo => {
                if !name.is_empty() {
                    return Err(Error::invalid_input(format!("{check} takes no target")));
                }
                Ok(AccessRequest::new("", access).with_resource("sysinfo", "*").with_scope(scope))
            }
            Target::Catalog => dotted(&["catalog"]),
            Target::CatalogProperty => dotted(&["catalog", "sessionproperty"]),
            Target::Schema => dotted(&["catalog", "schema"]),
            Target::Table | Target::Columns => dotted(&["catalog", "schema", "table"]),
            Target::Procedure => dotted(&["catalog", "schema", "procedure"]),
            Target::SchemaFunction => dotted(&["catalog", "schema", "schemafunction"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn object_names_split_with_quotes() {
        assert_eq!(split_object("a.b.c").unwrap(), ["a", "b", "c"]);
        assert_eq!(split_object("\"my.cat\".s").unwrap(), ["my.cat", "s"]);
        assert_eq!(split_object("\"a\"\"b\"").unwrap(), ["a\"b"]);
        for bad in ["", "a..b", "a.", ".a", "\"open", "\"x\"y"] {
            assert_eq!(split_object(bad).unwrap_err().kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn checks_map_to_ranger_requests() {
        let r = TrinoAction::new(TrinoCheck::RenameTable, "delta.s.t").with_new_target("delta.s.u").requests().unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].resource["table"], "u");
        let r = TrinoAction::new(TrinoCheck::RenameSchema, "delta.s").with_new_target("s2").requests().unwrap();
        assert_eq!((r[1].resource["catalog"].as_str(), r[1].resource["schema"].as_str()), ("delta", "s2"));
        let r = TrinoAction::new(TrinoCheck::ReadSystemInformation, "").requests().unwrap();
        assert_eq!(r[0].resource["sysinfo"], "*");
        let r = TrinoAction::new(TrinoCheck::SelectFromColumns, "c.s.t").requests().unwrap();
        assert_eq!((r.len(), r[0].resource.len()), (1, 3));
        let r = TrinoAction::new(TrinoCheck::ExecuteProcedure, "system.runtime.kill_query").requests().unwrap();
        assert_eq!(r[0].resource["procedure"], "kill_query");
        assert!(TrinoAction::new(TrinoCheck::InsertIntoTable, "c.s").requests().is_err());
        assert!(TrinoAction::new(TrinoCheck::RenameTable, "c.s.t").requests().is_err());
        assert!(TrinoAction::new(TrinoCheck::DropTable, "c.s.t").with_columns(["x"]).requests().is_err());
        assert_eq!("select-from-columns".parse::<TrinoCheck>().unwrap(), TrinoCheck::SelectFromColumns);
        assert_eq!(TrinoCheck::SelectFromColumns.kebab_name(), "select-from-columns");
        assert!("selectt".parse::<TrinoCheck>().is_err());
    }
}
