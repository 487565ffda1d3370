//! What the policy engine is asked, declared for the typings (requests go to the core as JSON,
//! so that unknown or misspelt fields are refused with `InvalidInput`): an `AccessRequest`, a
//! Trino check (`TrinoAction` for a `RangerIdentity`), a `ColumnMaskRequest`, a
//! `RowFilterRequest`.
// Shapes for the typings only: their values arrive as JSON, so Rust never builds them.
#![allow(dead_code)]

use std::collections::HashMap;

use napi_derive::napi;

/// One Ranger access request, the way Trino's plugin builds it.
#[napi(object)]
pub struct AccessRequest {
    /// Trino's user (after user mapping).
    pub user: String,
    /// Trino's groups (from the group provider; `public` is implied).
    pub groups: Option<Vec<String>>,
    /// Ranger roles the user holds beyond those resolved from the engine's roles.
    pub roles: Option<Vec<String>>,
    /// Resource name → value (`{ catalog: 'delta', schema: 'sales', table: 'orders' }`), a
    /// resource path of the `trino` service definition.
    pub resource: HashMap<String, String>,
    /// Access type (`select`, `insert`, `create`, `drop`, `delete`, `use`, `alter`, `grant`,
    /// `revoke`, `show`, `impersonate`, `all`, `execute`, `read_sysinfo`, `write_sysinfo`) or
    /// `_any` (allowed when any one access is).
    pub access: String,
    /// Which policies can decide it (default `'self'`).
    pub scope: Option<ResourceScope>,
}

/// Which policies can decide a request.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceScope {
    /// Those on the resource itself (Trino's checks).
    #[napi(value = "self")]
    SelfOnly,
    /// Also those on anything under it (Trino's `filter…` calls: an object is visible when any
    /// access on it or on something inside it is allowed).
    #[napi(value = "selfOrDescendants")]
    SelfOrDescendants,
}

/// Who asks, for `PolicyEngine.evaluateAction`.
#[napi(object)]
pub struct RangerIdentity {
    /// Trino's user.
    pub user: String,
    /// Trino's groups.
    pub groups: Option<Vec<String>>,
    /// Ranger roles beyond those resolved from the engine's roles.
    pub roles: Option<Vec<String>>,
}

/// A Trino access check on a named object (`insertIntoTable` on `delta.sales.orders`): the
/// Ranger requests Trino's plugin makes for it must all be allowed.
#[napi(object)]
pub struct TrinoAction {
    /// The check.
    pub check: TrinoCheck,
    /// What it is about: a user, query id, property name, or dotted object name (`catalog`,
    /// `catalog.schema`, `catalog.schema.table`, `catalog.schema.procedure`,
    /// `catalog.property`; quote a part holding a dot: `"my.cat".s`). Empty or absent for the
    /// system-information checks.
    pub target: Option<String>,
    /// Columns, for the column checks.
    pub columns: Option<Vec<String>>,
    /// The new name, for renames.
    pub new_target: Option<String>,
}

/// A Trino access-control check, by the name of its `SystemAccessControl` method; the doc of
/// each says which Ranger resource and access Trino's plugin asks about.
#[napi(string_enum = "camelCase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrinoCheck {
    /// `trinouser=<target>` / `impersonate`.
    ImpersonateUser,
    /// Deprecated `SetUser`: `trinouser=<target>` / `impersonate`.
    SetUser,
    /// `trinouser=<owner>` / `impersonate`.
    ViewQueryOwnedBy,
    /// Filter of visible query owners: `trinouser=<owner>` / `impersonate`, descendants count.
    FilterViewQueryOwnedBy,
    /// `trinouser=<owner>` / `impersonate`.
    KillQueryOwnedBy,
    /// `queryid=<id>` / `execute`.
    ExecuteQuery,
    /// `sysinfo=*` / `read_sysinfo`.
    ReadSystemInformation,
    /// `sysinfo=*` / `write_sysinfo`.
    WriteSystemInformation,
    /// `systemproperty=<name>` / `alter`.
    SetSystemSessionProperty,
    /// `catalog` / `_any`.
    AccessCatalog,
    /// Catalog filter: `catalog` / `_any`, descendants count.
    FilterCatalogs,
    /// `catalog` / `_any`.
    ShowSchemas,
    /// `catalog` / `create`.
    CreateCatalog,
    /// `catalog` / `drop`.
    DropCatalog,
    /// `catalog, sessionproperty` / `alter` (target `catalog.property`).
    SetCatalogSessionProperty,
    /// `catalog, schema` / `create`.
    CreateSchema,
    /// `catalog, schema` / `drop`.
    DropSchema,
    /// `alter` on the schema and on the new name (`newTarget`: the new schema name).
    RenameSchema,
    /// `catalog, schema` / `alter`.
    SetSchemaAuthorization,
    /// `catalog, schema` / `show`.
    ShowCreateSchema,
    /// `catalog, schema` / `_any`.
    ShowTables,
    /// `catalog, schema` / `_any`.
    ShowFunctions,
    /// Schema filter: `catalog, schema` / `_any`, descendants count.
    FilterSchemas,
    /// Table / `create`.
    CreateTable,
    /// Table / `drop`.
    DropTable,
    /// `alter` on the table and on the new name (`newTarget`: `catalog.schema.table`).
    RenameTable,
    /// Table / `alter`.
    SetTableProperties,
    /// Table / `alter`.
    SetTableComment,
    /// Table / `alter`.
    SetTableAuthorization,
    /// Table / `alter`.
    AddColumn,
    /// Table / `alter`.
    AlterColumn,
    /// Table / `alter`.
    DropColumn,
    /// Table / `alter`.
    RenameColumn,
    /// Table / `alter`.
    SetColumnComment,
    /// Table / `alter` (`ALTER TABLE … EXECUTE optimize`, …).
    ExecuteTableProcedure,
    /// Table / `insert`.
    InsertIntoTable,
    /// Table / `insert`.
    UpdateTableColumns,
    /// Table / `delete`.
    DeleteFromTable,
    /// Table / `delete`.
    TruncateTable,
    /// Table / `show`.
    ShowCreateTable,
    /// Table / `_any`.
    ShowColumns,
    /// Table filter: table / `_any`, descendants count.
    FilterTables,
    /// `select` on each column (on the table when no column is given).
    SelectFromColumns,
    /// `select` on each column.
    CreateViewWithSelectFromColumns,
    /// Column filter: `_any` on each column, descendants count.
    FilterColumns,
    /// View / `create`.
    CreateView,
    /// View / `drop`.
    DropView,
    /// `alter` on the view and on the new name.
    RenameView,
    /// View / `alter`.
    SetViewAuthorization,
    /// View / `alter`.
    SetViewComment,
    /// Materialized view / `create`.
    CreateMaterializedView,
    /// Materialized view / `drop`.
    DropMaterializedView,
    /// `alter` on the materialized view and on the new name.
    RenameMaterializedView,
    /// Materialized view / `alter`.
    RefreshMaterializedView,
    /// Materialized view / `alter`.
    SetMaterializedViewProperties,
    /// `catalog, schema, procedure` / `execute` (`system.runtime.kill_query`, …).
    ExecuteProcedure,
    /// `catalog, schema, schemafunction` / `create`.
    CreateFunction,
    /// `catalog, schema, schemafunction` / `drop`.
    DropFunction,
    /// `catalog, schema, schemafunction` / `show`.
    ShowCreateFunction,
    /// `catalog, schema, schemafunction` / `execute`.
    ExecuteFunction,
    /// `catalog, schema, schemafunction` / `execute`.
    CreateViewWithExecuteFunction,
    /// Function filter: `catalog, schema, schemafunction` / `_any`, descendants count.
    FilterFunctions,
}

/// Which mask applies to one column for one user.
#[napi(object)]
pub struct ColumnMaskRequest {
    /// User.
    pub user: String,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Extra Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Catalog.
    pub catalog: String,
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// The column's Trino type as Trino prints it (default `varchar`); replaces `{type}` in
    /// the mask's expression.
    pub column_type: Option<String>,
}

/// Which row filter applies to one table for one user.
#[napi(object)]
pub struct RowFilterRequest {
    /// User.
    pub user: String,
    /// Groups.
    pub groups: Option<Vec<String>>,
    /// Extra Ranger roles.
    pub roles: Option<Vec<String>>,
    /// Catalog.
    pub catalog: String,
    /// Schema.
    pub schema: String,
    /// Table.
    pub table: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typings name every check the core knows, in the core's order.
    #[test]
    fn trino_checks_are_the_core_checks() {
        use TrinoCheck::*;
        let checks = [
            ImpersonateUser,
            SetUser,
            ViewQueryOwnedBy,
            FilterViewQueryOwnedBy,
            KillQueryOwnedBy,
            ExecuteQuery,
            ReadSystemInformation,
            WriteSystemInformation,
            SetSystemSessionProperty,
            AccessCatalog,
            FilterCatalogs,
            ShowSchemas,
            CreateCatalog,
            DropCatalog,
            SetCatalogSessionProperty,
            CreateSchema,
            DropSchema,
            RenameSchema,
            SetSchemaAuthorization,
            ShowCreateSchema,
            ShowTables,
            ShowFunctions,
            FilterSchemas,
            CreateTable,
            DropTable,
            RenameTable,
            SetTableProperties,
            SetTableComment,
            SetTableAuthorization,
            AddColumn,
            AlterColumn,
            DropColumn,
            RenameColumn,
            SetColumnComment,
            ExecuteTableProcedure,
            InsertIntoTable,
            UpdateTableColumns,
            DeleteFromTable,
            TruncateTable,
            ShowCreateTable,
            ShowColumns,
            FilterTables,
            SelectFromColumns,
            CreateViewWithSelectFromColumns,
            FilterColumns,
            CreateView,
            DropView,
            RenameView,
            SetViewAuthorization,
            SetViewComment,
            CreateMaterializedView,
            DropMaterializedView,
            RenameMaterializedView,
            RefreshMaterializedView,
            SetMaterializedViewProperties,
            ExecuteProcedure,
            CreateFunction,
            DropFunction,
            ShowCreateFunction,
            ExecuteFunction,
            CreateViewWithExecuteFunction,
            FilterFunctions,
        ];
        let names: Vec<String> = checks.iter().map(|check| format!("{check:?}")).collect();
        let core: Vec<String> =
            trino_platform::ranger::TrinoCheck::ALL.iter().map(|check| format!("{check:?}")).collect();
        assert_eq!(names, core);
    }
}
